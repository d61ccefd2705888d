"""Every Python example in the README runs as written, against the sandbox."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
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
    logger = logging.getLogger("camb")
    level = logger.level
    try:
        exec(compile(code, f"README.md example {index + 1}", "exec"), {"__name__": "__readme__"})
    finally:
        logger.setLevel(level)  # the logging example turns DEBUG on


def test_readme_logging_example_prints_a_line_per_request(sandbox: Sandbox, tmp_path: Path) -> None:
    # In a fresh interpreter: under pytest the root logger already has handlers, which would
    # make the example's logging.basicConfig() do nothing.
    [code] = [block for block in _examples() if "logging.basicConfig" in block]
    environ = {k: v for k, v in os.environ.items() if k != "CAMB_LOG"}
    environ.update(CAMB_API_KEY=sandbox.api_key, CAMB_BASE_URL=sandbox.url)
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env=environ,
        cwd=tmp_path,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert re.fullmatch(
        r"DEBUG camb: GET http://127\.0\.0\.1:\d+/list-voices -> 200 \(\d+\.\d+s\)\n", done.stderr
    ), done.stderr
