"""Exit statuses and error output: one line on stderr, no traceback, never the key."""

from __future__ import annotations

import socket
import sys

import pytest

from camb import Camb
from camb._cli._main import main
from camb.sandbox import Sandbox

from ._helpers import Outcome, Run

WRONG_KEY = "wrong-KEY-7f3a9c1e55"


def _one_error_line(outcome: Outcome) -> str:
    assert len(outcome.err_lines) == 1, outcome.err
    [line] = outcome.err_lines
    assert line.startswith("camb: error: ")
    assert "Traceback" not in outcome.err
    return line


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_wrong_key_exits_1_with_one_line_and_never_shows_the_key(cli: Run) -> None:
    outcome = cli("--api-key", WRONG_KEY, "voices")
    assert outcome.code == 1
    line = _one_error_line(outcome)
    assert "401" in line
    assert WRONG_KEY not in outcome.out + outcome.err


def test_a_wrong_key_from_the_environment_is_not_shown_either(
    cli: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAMB_API_KEY", WRONG_KEY)
    outcome = cli("--json", "speak", "Who am I talking to?", "-o", "x.wav")
    assert outcome.code == 1
    _one_error_line(outcome)
    assert WRONG_KEY not in outcome.out + outcome.err


def test_debug_shows_the_traceback_but_not_the_key(cli: Run) -> None:
    outcome = cli("--debug", "--api-key", WRONG_KEY, "voices")
    assert outcome.code == 1
    assert "Traceback" in outcome.err
    assert "AuthenticationError" in outcome.err
    assert "GET" in outcome.err  # the camb logger's request lines
    assert outcome.err_lines[-1].startswith("camb: error: ")
    assert WRONG_KEY not in outcome.out + outcome.err


def test_a_wrong_key_on_many_tasks_is_still_one_line(cli: Run, client: Camb) -> None:
    voice_id = client.voices.list()[0].id
    tasks = [client.tts.create(f"Task {i} for the key test.", voice_id, 1) for i in range(3)]
    outcome = cli("--api-key", WRONG_KEY, "wait", *tasks)
    assert outcome.code == 1
    assert "401" in _one_error_line(outcome)
    assert outcome.out == ""


def test_a_missing_key_is_a_usage_error(cli: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMB_API_KEY")
    outcome = cli("voices")
    assert outcome.code == 2
    assert "CAMB_API_KEY" in _one_error_line(outcome)


@pytest.mark.parametrize(
    "args",
    [
        ("result", "0"),
        ("result", "abc"),
        ("results", "1", "-5"),
        ("bogus",),
        (),
        ("wait", "--wait-timeout", "-1", "some-task"),
        ("wait", "--timeout", "-1", "some-task"),
        ("--max-retries", "-1", "voices"),
        ("--timeout", "0", "voices"),
        ("status", "no/slashes"),
        ("speak", "Hi", "-o", "too-short.wav"),
        ("result", "5", "--url", "-o", "both.flac"),
        ("sandbox", "--rate-429", "2", "--port", "0"),
        ("sandbox", "--port", "70000"),
    ],
)
def test_usage_errors_exit_2_with_one_line(cli: Run, args: tuple[str, ...]) -> None:
    outcome = cli(*args)
    assert outcome.code == 2, outcome.err
    _one_error_line(outcome)
    assert outcome.out == ""


def test_unreachable_api_exits_1(cli: Run) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    outcome = cli("--base-url", url, "--max-retries", "0", "voices")
    assert outcome.code == 1
    assert "ConnectError" in _one_error_line(outcome)


def test_a_missing_task_exits_1(cli: Run) -> None:
    outcome = cli("status", "no-such-task")
    assert outcome.code == 1
    assert "404" in _one_error_line(outcome)


def test_help_documents_the_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for status in ("0 ", "1 ", "2 ", "130 "):
        assert f"\n  {status}" in text
    for command in ("speak", "create", "status", "wait", "result", "results", "voices", "sandbox"):
        assert command in text


def test_sandbox_without_its_extra_says_what_to_install(
    cli: Run, monkeypatch: pytest.MonkeyPatch, env: Sandbox
) -> None:
    import camb.sandbox

    # Make `uvicorn` unimportable and forget the already imported runner.
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    monkeypatch.delitem(sys.modules, "camb.sandbox._runner", raising=False)
    monkeypatch.delattr(camb.sandbox, "serve", raising=False)
    outcome = cli("sandbox", "--port", "0")
    assert outcome.code == 2
    assert "pip install 'camb-tts[sandbox]'" in _one_error_line(outcome)


def test_sandbox_on_a_busy_port_exits_1(cli: Run) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        outcome = cli("sandbox", "--port", str(port))
    assert outcome.code == 1
    assert f"port {port}" in _one_error_line(outcome)
    assert outcome.out == ""
