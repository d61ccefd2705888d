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
