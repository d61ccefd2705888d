"""The runtime dependencies are exactly what the installed code imports outside its extras."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# Modules that only the extras use (the sandbox, the CLI's progress bars) are checked there.
EXTRA_ONLY = {"camb/sandbox", "camb/_cli"}


def _imported_top_level(path: Path) -> set[str]:
    """Modules imported when the module is imported: at module level, not inside a function
    (a function may import an optional extra's module when it is used)."""
    names: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nested = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        for inner in ast.walk(node)
    }
    for node in ast.walk(tree):
        if id(node) in nested:
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


def _runtime_imports() -> set[str]:
    found: set[str] = set()
    for folder in ("camb", "generated/camb_api"):
        for path in (ROOT / folder).rglob("*.py"):
            relative = path.relative_to(ROOT).as_posix()
            if any(relative.startswith(prefix) for prefix in EXTRA_ONLY):
                continue
            found |= _imported_top_level(path)
    ours = {"camb", "camb_api"}
    return {name for name in found - ours if name not in sys.stdlib_module_names}


def test_runtime_dependencies_are_exactly_what_is_imported() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {
        dep.split(">")[0].split("=")[0].split("<")[0].split("[")[0].strip().lower()
        for dep in project["dependencies"]
    }
    assert _runtime_imports() == declared
