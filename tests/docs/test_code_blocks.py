"""Every Python and shell block of the documentation runs, in page order, against the sandbox.

Blocks of one page share a namespace and a working folder, as a reader following the page
would. A block that cannot run says why in a visible marker (see tests/_markdown.py), and
`test_the_docs_run_their_code` reports how many ran and how many were skipped, and why.
"""

from __future__ import annotations

import contextlib
import doctest
import io
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from camb.sandbox import Sandbox, running

from .._markdown import PYTHON, SHELL, CodeBlock, code_blocks
from ._paths import DOCS, PENDING, built_pages

RUNNABLE = PYTHON | SHELL
# A floor, so that a page losing its examples (or a parser that finds none) fails loudly.
MIN_BLOCKS_RUN = 35


def _runnable(page: Path) -> list[CodeBlock]:
    return [block for block in code_blocks(page) if block.language in RUNNABLE]


def _with_expected_output(page: Path) -> list[tuple[CodeBlock, CodeBlock | None]]:
    """The runnable blocks of `page`, each with the output block that follows it, if any."""
    pairs: list[tuple[CodeBlock, CodeBlock | None]] = []
    for block in code_blocks(page):
        if block.mode == "output":
            assert pairs, f"{block.where}: output of no block"
            assert pairs[-1][1] is None, f"{block.where}: two outputs for one block"
            assert pairs[-1][0].mode == "run", f"{block.where}: output of a block that never runs"
            pairs[-1] = (pairs[-1][0], block)
        elif block.language in RUNNABLE:
            pairs.append((block, None))
    return pairs


_CHECKER = doctest.OutputChecker()
_FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _check_output(block: CodeBlock, expected: CodeBlock | None, got: str) -> None:
    if expected is not None and not _CHECKER.check_output(expected.code, got, _FLAGS):
        pytest.fail(
            f"{block.where} printed something else than {expected.where} shows\n"
            f"--- expected\n{expected.code}--- got\n{got}",
            pytrace=False,
        )


PAGES_WITH_CODE = [page for page in built_pages() if _runnable(page)]


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.2) as sb:
        yield sb


def _environment(sandbox: Sandbox) -> dict[str, str]:
    env = dict(os.environ)
    env["CAMB_API_KEY"] = sandbox.api_key
    env["CAMB_BASE_URL"] = sandbox.url
    # The `camb` command of this environment comes first, as in an activated venv.
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CAMB_LOG", None)
    return env


def _run_python(block: CodeBlock, namespace: dict[str, object], terminal: io.StringIO) -> str:
    # Leading newlines make tracebacks name the page's own line numbers.
    source = "\n" * block.line + block.code
    start = terminal.tell()
    exec(compile(source, str(block.path), "exec"), namespace)
    return terminal.getvalue()[start:]


def _run_subprocess(block: CodeBlock, argv: list[str], env: dict[str, str], cwd: Path) -> str:
    # What a terminal would show: standard output and error, in order.
    done = subprocess.run(
        argv,
        env=env,
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{block.where} exited {done.returncode}\n--- code\n{block.code}"
            f"--- output\n{done.stdout}",
            pytrace=False,
        )
    return done.stdout


@pytest.mark.parametrize(
    "page", PAGES_WITH_CODE, ids=[str(page.relative_to(DOCS)) for page in PAGES_WITH_CODE]
)
def test_page_examples_run(
    page: Path, sandbox: Sandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = _environment(sandbox)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("CAMB_API_KEY", env["CAMB_API_KEY"])
    monkeypatch.setenv("CAMB_BASE_URL", env["CAMB_BASE_URL"])
    monkeypatch.delenv("CAMB_LOG", raising=False)
    namespace: dict[str, object] = {"__name__": "__docs__"}
    # One terminal for the page, standard output and error together, as a reader would see
    # them (a log handler made in one block keeps writing there in the next).
    terminal = io.StringIO()
    with (
        _logging_restored(),
        contextlib.redirect_stdout(terminal),
        contextlib.redirect_stderr(terminal),
    ):
        _run_page(page, namespace, env, tmp_path, terminal)


@contextlib.contextmanager
def _logging_restored() -> Iterator[None]:
    """Logging as a fresh interpreter has it (no handlers: pytest's own are set aside), so a
    page configures it as a reader would; the rest of the suite gets its own back after."""
    loggers = [logging.getLogger(), logging.getLogger("camb")]
    saved = [(logger, logger.level, logger.handlers[:]) for logger in loggers]
    for logger in loggers:
        logger.handlers[:] = []
    logging.getLogger().setLevel(logging.WARNING)
    logging.getLogger("camb").setLevel(logging.NOTSET)
    try:
        yield
    finally:
        for logger, level, handlers in saved:
            logger.setLevel(level)
            logger.handlers[:] = handlers


def _run_page(
    page: Path,
    namespace: dict[str, object],
    env: dict[str, str],
    tmp_path: Path,
    terminal: io.StringIO,
) -> None:
    for number, (block, expected) in enumerate(_with_expected_output(page), start=1):
        if block.mode == "skip":
            continue
        if block.mode == "pytest":
            test_file = tmp_path / f"test_docs_block_{number}.py"
            test_file.write_text(block.code)
            argv = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test_file.name]
            got = _run_subprocess(block, argv, env, tmp_path)
        elif block.language in PYTHON:
            got = _run_python(block, namespace, terminal)
        else:
            argv = ["bash", "-euo", "pipefail", "-c", block.code]
            got = _run_subprocess(block, argv, env, tmp_path)
        _check_output(block, expected, got)


def test_the_docs_run_their_code(capsys: pytest.CaptureFixture[str]) -> None:
    pairs = [pair for page in built_pages() for pair in _with_expected_output(page)]
    ran = [block for block, _ in pairs if block.mode != "skip"]
    skipped = [block for block, _ in pairs if block.mode == "skip"]
    checked = [block for block, expected in pairs if expected is not None]
    with capsys.disabled():
        print(
            f"\ndocs: {len(ran)} code blocks run ({len(checked)} with their output checked), "
            f"{len(skipped)} skipped:"
        )
        for block in skipped:
            print(
                f"  {block.path.relative_to(DOCS)}:{block.line} ({block.language}): "
                f"{block.skip_reason}"
            )
    assert len(ran) >= MIN_BLOCKS_RUN
    # Skips are the exception: shell sessions that install packages or need a real key.
    assert len(skipped) <= len(ran) // 4


def test_the_drafts_parse_but_are_not_built() -> None:
    drafts = sorted(PENDING.glob("*.md"))
    assert (PENDING / "README.md") in drafts
    for draft in drafts:
        code_blocks(draft)  # markers are well-formed there too
    assert not any(PENDING in page.parents for page in built_pages())
