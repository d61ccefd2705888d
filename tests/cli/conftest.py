"""Fixtures for the `camb` command line tests: a sandbox, its environment, and `main()` runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from camb import Camb
from camb._cli._main import main
from camb.sandbox import Sandbox, running

from ._helpers import Outcome, Run


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One fault-free sandbox per test module, with quick tasks."""
    with running(task_duration=0.2) as sb:
        yield sb


@pytest.fixture
def env(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Sandbox:
    """The sandbox's address and key in the environment, as a user of the CLI would set them,
    and a fresh working directory."""
    monkeypatch.setenv("CAMB_BASE_URL", sandbox.url)
    monkeypatch.setenv("CAMB_API_KEY", sandbox.api_key)
    monkeypatch.chdir(tmp_path)
    return sandbox


@pytest.fixture
def cli(env: Sandbox, capsys: pytest.CaptureFixture[str]) -> Run:
    """Run `camb ARGS...` in-process; answers its exit status, stdout and stderr."""

    def run(*args: str) -> Outcome:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


@pytest.fixture
def client(env: Sandbox) -> Iterator[Camb]:
    """The facade against the same sandbox, to set up and check what the CLI did."""
    with Camb(api_key=env.api_key, base_url=env.url) as c:
        yield c
