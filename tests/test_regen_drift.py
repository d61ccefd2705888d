"""The committed generated/ is exactly what `make regen` makes from the committed spec."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

import regen  # noqa: E402


def _tree(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


def test_generated_client_matches_the_spec(tmp_path: Path) -> None:
    out = tmp_path / "camb_api"
    regen.generate(regen.DEFAULT_SPEC, regen.DEFAULT_CONFIG, out)
    fresh, committed = _tree(out), _tree(regen.DEFAULT_OUT)
    assert sorted(fresh) == sorted(committed), "files added or removed: run `make regen`"
    changed = [name for name in fresh if fresh[name] != committed[name]]
    assert not changed, f"generated/ is stale for {changed}: run `make regen`"


def test_blocking_client_matches_its_async_source() -> None:
    """camb/_sync/ is exactly what scripts/unasync.py makes from camb/_async/."""
    import unasync

    rendered = unasync.render()
    committed = {p.name: p.read_text(encoding="utf-8") for p in unasync.TARGET.glob("*.py")}
    assert sorted(rendered) == sorted(committed), "files added or removed: run `make unasync`"
    stale = [name for name in rendered if rendered[name] != committed[name]]
    assert not stale, f"camb/_sync/ is stale for {stale}: run `make unasync`"
    for name, text in committed.items():
        assert "Do not edit" in text.splitlines()[0] + text.splitlines()[1], name


def test_unasync_turns_async_code_into_blocking_code() -> None:
    import unasync

    source = (
        "async def f(s: AsyncSpeechStream) -> AsyncIterator[bytes]:\n"
        "    async with s:\n"
        "        async for chunk in s.aiter_raw():\n"
        "            await _async_runtime.sleep(await g())\n"
        "    await s.aclose()\n"
    )
    assert unasync.unasync_text(source) == (
        "def f(s: SpeechStream) -> Iterator[bytes]:\n"
        "    with s:\n"
        "        for chunk in s.iter_raw():\n"
        "            _sync_runtime.sleep(g())\n"
        "    s.close()\n"
    )


def test_api_facts_module_matches_the_spec() -> None:
    fresh = regen.formatted_facts(regen.DEFAULT_SPEC)
    assert fresh.startswith(regen.FACTS_HEADER + "\n")
    assert fresh == regen.DEFAULT_FACTS.read_text(encoding="utf-8"), (
        "camb/api_facts.py is stale: run `make regen`"
    )


def test_api_facts_follow_a_changed_spec(tmp_path: Path) -> None:
    """A stale facts module is caught: the facts really are read from the spec."""
    spec = regen.DEFAULT_SPEC.read_text(encoding="utf-8")
    changed = tmp_path / "spec.yaml"
    changed.write_text(spec.replace("maxLength: 3000", "maxLength: 2999"), encoding="utf-8")
    fresh = regen.formatted_facts(changed)
    assert "STREAM_TEXT_MAX_LENGTH: int = 2999" in fresh
    assert fresh != regen.DEFAULT_FACTS.read_text(encoding="utf-8")


def test_api_facts_agree_with_the_spec_values() -> None:
    from camb import api_facts

    assert (api_facts.STREAM_TEXT_MIN_LENGTH, api_facts.STREAM_TEXT_MAX_LENGTH) == (3, 3000)
    assert (api_facts.RUN_IDS_MIN_ITEMS, api_facts.RUN_IDS_MAX_ITEMS) == (2, 5)
    assert api_facts.INFERENCE_OPTION_RANGES["temperature"] == (0.01, 4)
    assert api_facts.SAMPLE_RATES["mars-pro"] == 48000
    assert api_facts.SAMPLE_RATES["mars-flash"] == 22050
    assert len(api_facts.STREAM_LOCALES) == 313
    assert api_facts.INFERENCE_OPTION_RANGES["inference_steps"] == (5, 200)
    assert set(api_facts.__all__) == {n for n in vars(api_facts) if n[0].isupper()} - {
        "Any",
        "Literal",
        "Mapping",
        "NamedTuple",
        "TypeAlias",
    }


def test_the_rule_table_follows_a_changed_spec(tmp_path: Path) -> None:
    """The rule of every option is read from the spec: a bound changed there changes it."""
    spec = regen.DEFAULT_SPEC.read_text(encoding="utf-8")
    changed = tmp_path / "spec.yaml"
    changed.write_text(spec.replace("maxLength: 1000", "maxLength: 999"), encoding="utf-8")
    fresh = regen.formatted_facts(changed)
    assert "max_length=999" in fresh
    assert 'models=("mars-instruct",)' in fresh


def test_every_unasync_rule_matches_the_source_and_a_stale_rule_fails_the_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A rule that matches nothing is stale or mistyped (it would let an async name through into
    the blocking client unnoticed): `unasync.py --check` fails on it, as httpcore's does."""
    import unasync

    uses: dict[str, int] = {}
    unasync.render(uses)
    assert unasync.unused_rules(uses) == []

    stale = [*unasync.SUBSTITUTIONS, (r"\baiter_lines\b", "iter_lines")]
    monkeypatch.setattr(unasync, "SUBSTITUTIONS", stale)
    monkeypatch.setattr(unasync, "_COMPILED", [(re.compile(p), r) for p, r in stale])
    monkeypatch.setattr(sys, "argv", ["unasync.py", "--check"])
    assert unasync.main() == 1
