"""The package's shape: the import graph and layout the architecture relies on."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CAMB = Path(__file__).resolve().parent.parent / "camb"


def _imports(path: Path) -> list[tuple[int, str]]:
    """(level, module) of every `import` / `from ... import` in a file."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
        elif isinstance(node, ast.Import):
            found.extend((0, alias.name) for alias in node.names)
    return found


def test_constants_hold_plain_values_and_import_nothing_of_the_package() -> None:
    """Any module may import `_constants` without closing an import cycle."""
    own = [
        (level, module)
        for level, module in _imports(CAMB / "_constants.py")
        if level > 0 or module == "camb" or module.startswith("camb.")
    ]
    assert own == []


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """No import cycle hides behind the order `import camb` happens to use: each module of the
    core, the wire glue and long-form speech imports first in its own process."""
    names = sorted(
        ".".join(path.relative_to(CAMB.parent).with_suffix("").parts)
        for folder in (CAMB, CAMB / "_wire", CAMB / "_longform")
        for path in folder.glob("*.py")
        if path.name != "__init__.py"
    )
    # One interpreter, the package forgotten before each import: a cycle raises ImportError.
    script = (
        "import importlib, sys\n"
        "for name in sys.argv[1:]:\n"
        "    for loaded in [m for m in sys.modules if m == 'camb' or m.startswith('camb.')]:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    subprocess.run([sys.executable, "-c", script, *names], check=True, timeout=300)


def test_the_top_level_keeps_the_core_only() -> None:
    """Long-form speech, wire glue and the command line live in their packages."""
    top = sorted(path.stem for path in CAMB.glob("*.py"))
    assert len(top) <= 22, top
    for concern in ("_cli", "_segmenting", "_audio_join", "_audio_layout", "_operations"):
        assert concern not in top
    speech = [path for path in CAMB.rglob("_speech.py")]
    assert speech == []
