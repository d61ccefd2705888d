"""The block extractor the README and docs tests share, and the site's reference hook."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from .._markdown import MarkerError, code_blocks
from ._paths import ROOT


def _write(tmp_path: Path, text: str) -> Path:
    page = tmp_path / "page.md"
    page.write_text(text)
    return page


def test_blocks_come_with_language_line_marker_and_dedented_code(tmp_path: Path) -> None:
    page = _write(
        tmp_path,
        "Text\n\n```python\nprint(1)\n```\n\n"
        "<!-- docs-test: skip: needs a real key -->\n```sh\nexport X=1\n```\n\n"
        '=== "Tab"\n\n    ```py title="x"\n    if True:\n        pass\n    ```\n\n'
        "<!-- docs-test: output -->\n````text\n```\n1\n````\n",
    )
    blocks = code_blocks(page)
    assert [(b.language, b.line, b.mode, b.skip_reason) for b in blocks] == [
        ("python", 3, "run", None),
        ("sh", 8, "skip", "needs a real key"),
        ("py", 14, "run", None),
        ("text", 20, "output", None),
    ]
    assert blocks[2].code == "if True:\n    pass\n"
    assert blocks[3].code == "```\n1\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("<!-- docs-test: skip -->\n```sh\nls\n```\n", "needs a reason"),
        ("<!-- docs-test: later -->\n```sh\nls\n```\n", "unknown docs-test marker"),
        ("<!-- docs-test: pytest -->\n\n```python\npass\n```\n", "right above a code block"),
        ("<!-- docs-test: pytest -->\n", "right above a block"),
        ("```python\nprint(1)\n", "never closed"),
    ],
)
def test_a_bad_marker_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(MarkerError, match=message):
        code_blocks(_write(tmp_path, text))


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "scripts/mkdocs_hooks.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_hook_names_the_resource_classes_by_their_real_path() -> None:
    import camb

    hooks = _hooks()
    page = "# T\n\n::: type(camb.Camb().tts)\n    options:\n      heading_level: 3\n"
    expanded = hooks.expand_resource_references(page)
    tts_class = type(camb.Camb(api_key="k", base_url="http://127.0.0.1:9").tts)
    assert f"::: {tts_class.__module__}.{tts_class.__qualname__}\n    options:" in expanded
    with pytest.raises(hooks.UnknownResourceError, match="no attribute 'nothing'"):
        hooks.expand_resource_references("::: type(camb.AsyncCamb().nothing)\n")
    with pytest.raises(hooks.UnknownResourceError, match="not a class"):
        hooks.expand_resource_references("::: type(camb.NOT_GIVEN().tts)\n")
