"""The task triggers are documented where users look, and the documentation is true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from camb._cli._main import build_parser
from camb.sandbox._tasks import TRIGGERS_HELP, Outcome, parse_triggers

README = Path(__file__).resolve().parents[2] / "README.md"
DOCUMENTED = {
    "[error]": Outcome.ERROR,
    "[harmful]": Outcome.HARMFUL,
    "[timeout]": Outcome.TIMEOUT,
    "[payment]": Outcome.PAYMENT,
}


@pytest.mark.parametrize(("trigger", "outcome"), DOCUMENTED.items())
def test_each_documented_trigger_picks_its_outcome(trigger: str, outcome: Outcome) -> None:
    assert parse_triggers(f"Say this {trigger} please").outcome is outcome
    assert trigger in TRIGGERS_HELP
    assert trigger in README.read_text(encoding="utf-8")


def test_the_help_names_every_trigger_the_sandbox_knows() -> None:
    named = set(re.findall(r"\[[a-z]+(?:=[0-9.]+)?\]", TRIGGERS_HELP))
    assert named == {*DOCUMENTED, "[duration=2.5]"}
    assert parse_triggers("Wait [duration=2.5].").duration == 2.5
    assert {outcome for outcome in Outcome} == {*DOCUMENTED.values(), Outcome.SUCCESS}


def test_camb_sandbox_help_shows_the_triggers_and_the_strict_switch(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["sandbox", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "[timeout]" in out
    assert "[duration=2.5]" in out
    assert "--strict-documented" in out


def test_the_strict_switch_reaches_the_config() -> None:
    args = build_parser().parse_args(["sandbox", "--strict-documented"])
    assert args.strict_documented is True
    assert build_parser().parse_args(["sandbox"]).strict_documented is False
