"""The committed generated/ is exactly what `make regen` makes from the committed spec."""

from __future__ import annotations

import sys
from pathlib import Path

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
        "        async for chunk in s.aiter_bytes():\n"
        "            await _async_runtime.sleep(await g())\n"
        "    await s.aclose()\n"
    )
    assert unasync.unasync_text(source) == (
        "def f(s: SpeechStream) -> Iterator[bytes]:\n"
        "    with s:\n"
        "        for chunk in s.iter_bytes():\n"
        "            _sync_runtime.sleep(g())\n"
        "    s.close()\n"
    )
