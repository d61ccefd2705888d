"""camb-tts next to camb-sdk (Camb.ai's official SDK), which also installs a module named `camb`:
installed for real into one venv, in both orders, and uninstalled again. The `camb` command and
`import camb` must say what happened and how to repair it, never show a traceback, and the
repair they print must work.

The venv with both packages' dependencies is kept in .cache/tests (gitignored) between
sessions; each test then installs the two wheels with --no-deps, which takes seconds.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from camb import __version__

from .._locks import exclusive
from .conftest import CACHE, Dists, clean_env, run

SDK = "camb-sdk"
SDK_VERSION = "1.6.6"
FOLDER_SHARED = "is shared by camb-tts and camb-sdk 1.6.6 (Camb.ai's official SDK)"
REPAIR_BOTH = "pip uninstall -y camb-sdk camb-tts && pip install camb-tts"


class Venv:
    """A venv without pip of its own, driven by this interpreter's pip (`pip --python`)."""

    def __init__(self, path: Path, wheels: dict[str, Path]) -> None:
        self.path = path
        self.wheels = wheels

    def pip(self, *args: str | Path, check: bool = True) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "pip", "--python", self.path / "bin/python", *args]
        if check:
            return run(command)
        return subprocess.run(
            [str(a) for a in command],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=300,
            check=False,
        )

    def install(self, *names: str) -> None:
        for name in names:
            self.pip("install", "--quiet", "--no-deps", self.wheels[name])

    def reset(self) -> None:
        """Neither package installed, and no file of either left behind."""
        self.pip("uninstall", "--quiet", "--yes", "camb-tts", SDK, check=False)
        [site] = self.path.glob("lib/python*/site-packages")
        shutil.rmtree(site / "camb", ignore_errors=True)
        (site / "_camb_tts.py").unlink(missing_ok=True)

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`camb ARGS` when args[0] is "camb", else python ARGS, in the venv."""
        program = self.path / "bin" / ("camb" if args[0] == "camb" else "python")
        argv = args[1:] if args[0] == "camb" else args
        return subprocess.run(
            [str(program), *argv],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=60,
            check=False,
            cwd=self.path,
        )

    def repair(self, command: str) -> None:
        """Run a repair line the diagnosis printed (`pip ... && pip install camb-tts`), with the
        local wheels in place of the index."""
        for step in command.split(" && "):
            words = step.split()
            assert words[0] == "pip", step
            if words[1] == "install":
                flags = [w for w in words[2:] if w.startswith("-")]
                names = [w for w in words[2:] if not w.startswith("-")]
                self.pip(
                    "install", "--quiet", "--no-deps", *flags, *(self.wheels[n] for n in names)
                )
            else:
                self.pip(*words[1:])


@pytest.fixture
def venv(dists: Dists) -> Iterator[Venv]:
    """The shared venv, held by this test alone: each test installs and removes packages in it,
    and another worker of the suite may be running the next test of this module."""
    with exclusive(CACHE / "clash-venv.lock"):
        yield _prepared_venv(dists)


def _prepared_venv(dists: Dists) -> Venv:
    downloads = CACHE / "downloads"
    downloads.mkdir(parents=True, exist_ok=True)
    wheels = list(downloads.glob(f"camb_sdk-{SDK_VERSION}-*.whl"))
    if not wheels:
        fetched = subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--dest",
                str(downloads),
                f"{SDK}=={SDK_VERSION}",
            ],
            capture_output=True,
            text=True,
            env=clean_env(),
            timeout=300,
            check=False,
        )
        wheels = list(downloads.glob(f"camb_sdk-{SDK_VERSION}-*.whl"))
        if not wheels:
            pytest.skip(f"cannot download {SDK}=={SDK_VERSION} from PyPI: {fetched.stderr[-500:]}")
    # The venv holds both packages' dependencies; its name changes when ours change.
    ours = "\n".join(sorted(_our_dependencies()))
    key = hashlib.sha256(f"{sys.version}\n{SDK_VERSION}\n{ours}".encode()).hexdigest()[:12]
    path = CACHE / f"clash-venv-{key}"
    venv = Venv(path, {"camb-tts": dists.wheel, SDK: wheels[0]})
    if not (path / ".ready").exists():
        shutil.rmtree(path, ignore_errors=True)
        run([sys.executable, "-m", "venv", "--without-pip", path], timeout=120)
        venv.pip("install", "--quiet", wheels[0], dists.wheel)
        (path / ".ready").touch()
    return venv


def _our_dependencies() -> list[str]:
    import importlib.metadata

    return list(importlib.metadata.requires("camb-tts") or [])


def _no_traceback(done: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in done.stderr, done.stderr


def _works(venv: Venv) -> None:
    """camb-tts is whole again: the command runs and `import camb` is ours, with no warning."""
    version = venv.run("camb", "--version")
    assert (version.returncode, version.stdout.strip(), version.stderr) == (
        0,
        f"camb {__version__}",
        "",
    )
    ours = venv.run("-c", "import camb; print(camb.Camb.__name__)")
    assert (ours.returncode, ours.stdout.strip(), ours.stderr) == (0, "Camb", "")


def test_sdk_installed_after_ours_the_command_explains_and_its_repair_works(venv: Venv) -> None:
    venv.reset()
    venv.install("camb-tts", SDK)  # the SDK's camb/__init__.py replaces ours

    command = venv.run("camb", "voices")
    assert command.returncode == 2
    _no_traceback(command)
    [line] = command.stderr.splitlines()
    assert line.startswith("camb: error: the Python module `camb` in ")
    assert FOLDER_SHARED in line
    assert "`import camb` now gives camb-sdk 1.6.6" in line
    assert f"Repair: {REPAIR_BOTH}, and keep the other package in its own virtual" in line

    # `import camb` runs camb-sdk's own __init__.py here: no code of ours can run to speak.
    # It must at least import cleanly; the README's warning box covers this order.
    imported = venv.run("-c", "import camb")
    assert imported.returncode == 0
    _no_traceback(imported)

    venv.repair(REPAIR_BOTH)
    _works(venv)


def test_ours_installed_after_the_sdk_import_and_command_warn(venv: Venv) -> None:
    venv.reset()
    venv.install(SDK, "camb-tts")  # our camb/__init__.py replaces the SDK's

    imported = venv.run("-c", "import camb; print(camb.Camb.__name__)")
    assert imported.returncode == 0
    _no_traceback(imported)
    assert imported.stdout.strip() == "Camb"
    assert "PackageConflictWarning: camb-tts: the folder " in imported.stderr
    assert "also holds files of camb-sdk (Camb.ai's official SDK)" in imported.stderr
    assert REPAIR_BOTH in imported.stderr

    command = venv.run("camb", "--version")
    assert command.returncode == 0
    assert command.stdout.strip() == f"camb {__version__}"
    [warning] = command.stderr.splitlines()
    assert warning.startswith("camb: warning: camb-tts: the folder ")
    assert REPAIR_BOTH in warning


def test_uninstalling_the_sdk_takes_our_init_and_the_command_says_to_reinstall(
    venv: Venv,
) -> None:
    venv.reset()
    venv.install(SDK, "camb-tts")
    venv.pip("uninstall", "--quiet", "--yes", SDK)  # deletes camb/__init__.py, ours by now

    command = venv.run("camb", "voices")
    assert command.returncode == 2
    _no_traceback(command)
    [line] = command.stderr.splitlines()
    assert "camb-tts's file " in line
    assert "__init__.py is missing (uninstalling another package" in line
    assert "Repair: pip install --force-reinstall camb-tts" in line

    imported = venv.run("-c", "import camb")
    _no_traceback(imported)

    venv.repair("pip install --force-reinstall camb-tts")
    _works(venv)
