"""The distributions as a user gets them: built once per test session with `python -m build`
(an sdist, then the wheel built from it), and installed into virtual environments of their own.

Slow next to the other tests (building and installing take tens of seconds), so everything
here is marked `packaging`: `make test` runs it; `pytest -m "not packaging"` leaves it out.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from .._locks import exclusive

REPO = Path(__file__).resolve().parents[2]
# Virtual environments kept between sessions (gitignored), so the slow installs happen once.
CACHE = REPO / ".cache" / "tests"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.packaging)


@attrs.frozen
class Dists:
    """The built distributions."""

    sdist: Path
    wheel: Path


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without what ties a child to this checkout or its coverage."""
    environ = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "CAMB_", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))
    }
    environ.update(extra)
    return environ


def run(
    args: Sequence[str | Path], *, timeout: float = 300, cwd: Path | None = None, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run a command; fail the test with its output when it fails."""
    done = subprocess.run(
        [str(arg) for arg in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=clean_env(**env),
        cwd=cwd,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"{' '.join(map(str, args))} exited with {done.returncode}:\n"
            f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}",
            pytrace=False,
        )
    return done


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """`python -m build` of this checkout: one sdist and one wheel, built once per session."""
    out = tmp_path_factory.mktemp("dist")
    # The build writes in the checkout (build/, the egg-info): one worker at a time.
    with exclusive(CACHE / "build.lock"):
        run([sys.executable, "-m", "build", "--outdir", out, REPO], timeout=600)
    [sdist] = out.glob("*.tar.gz")
    [wheel] = out.glob("*.whl")
    return Dists(sdist=sdist, wheel=wheel)
