"""Every Python example in the README runs as written, against the sandbox."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from camb.sandbox import Sandbox, running

from ._markdown import python_blocks

README = Path(__file__).resolve().parent.parent / "README.md"


def _examples() -> list[str]:
    blocks = python_blocks(README)
    assert all(block.mode == "run" for block in blocks), "every README example runs"
    return [block.code for block in blocks]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.2) as sb:
        yield sb


def test_the_readme_has_examples() -> None:
    assert len(_examples()) >= 5


@pytest.mark.parametrize("index", range(len(_examples())))
def test_readme_example_runs(
    index: int, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAMB_API_KEY", sandbox.api_key)
    monkeypatch.setenv("CAMB_BASE_URL", sandbox.url)
    code = _examples()[index]
    exec(compile(code, f"README.md example {index + 1}", "exec"), {"__name__": "__readme__"})
