"""What the wheel and the sdist hold, and that they install into a clean venv and work there."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from email.parser import HeaderParser
from pathlib import Path

import pytest

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pytest brings tomli
    import tomli as tomllib

import _camb_tts
from camb._distribution import DISTRIBUTION

from .conftest import REPO, Dists, clean_env, run

README = REPO / "README.md"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _wheel_names(dists: Dists) -> list[str]:
    with zipfile.ZipFile(dists.wheel) as wheel:
        return wheel.namelist()


def _dist_info(dists: Dists, name: str) -> str:
    with zipfile.ZipFile(dists.wheel) as wheel:
        [path] = [n for n in wheel.namelist() if re.fullmatch(rf"[^/]+\.dist-info/{name}", n)]
        return wheel.read(path).decode()


def test_the_name_is_the_same_everywhere() -> None:
    assert PYPROJECT["project"]["name"] == DISTRIBUTION == _camb_tts.DISTRIBUTION == "camb-tts"
    assert PYPROJECT["project"]["scripts"] == {"camb": "_camb_tts:main"}
    dev = PYPROJECT["project"]["optional-dependencies"]["dev"]
    assert f"{DISTRIBUTION}[sandbox,cli,audio,live]" in dev


def test_the_wheel_ships_the_packages_the_launcher_and_nothing_else(dists: Dists) -> None:
    names = _wheel_names(dists)
    assert dists.wheel.name.startswith("camb_tts-")
    tops = {name.split("/")[0] for name in names}
    assert tops == {
        "camb",
        "camb_api",
        "_camb_tts.py",
        dists.wheel.name.split("-py")[0] + ".dist-info",
    }
    for name in names:
        assert "__pycache__" not in name, name
        assert not name.endswith((".pyc", ".pyo")), name
        assert not name.startswith(("tests/", "docs/", "scripts/", "generated/", "openapi/"))
    # Every file of the source packages is in the wheel (nothing lost on the way).
    for package, source in (("camb", REPO / "camb"), ("camb_api", REPO / "generated/camb_api")):
        expected = {
            f"{package}/{path.relative_to(source).as_posix()}"
            for path in source.rglob("*")
            if path.is_file() and "__pycache__" not in path.parts
        }
        assert expected <= set(names), expected - set(names)
        assert {n for n in names if n.startswith(f"{package}/")} == expected


def test_py_typed_is_in_the_wheel_for_both_packages(dists: Dists) -> None:
    names = _wheel_names(dists)
    assert "camb/py.typed" in names
    assert "camb_api/py.typed" in names


def test_the_wheel_metadata_name_license_and_entry_points(dists: Dists) -> None:
    metadata = HeaderParser().parsestr(_dist_info(dists, "METADATA"))
    assert metadata["Name"] == "camb-tts"
    assert metadata["License-Expression"] == "MIT"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert (REPO / "LICENSE").read_text().startswith("MIT License")
    license_text = _dist_info(dists, "licenses/LICENSE")
    assert license_text == (REPO / "LICENSE").read_text()
    requires = metadata.get_all("Requires-Dist") or []
    # The dev extra names camb-tts[sandbox,cli]; hatchling writes out what that brings.
    for extra in ("sandbox", "cli"):
        brought = [r.split(";")[0] for r in requires if r.endswith(f"extra == '{extra}'")]
        assert brought
        for requirement in brought:
            assert f"{requirement}; extra == 'dev'" in requires
    entry_points = _dist_info(dists, "entry_points.txt")
    assert "camb = _camb_tts:main" in entry_points
    assert "camb_sandbox = camb.sandbox.pytest_plugin" in entry_points


def test_the_sdist_holds_the_sources_license_and_changelog(dists: Dists) -> None:
    with tarfile.open(dists.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    for needed in (
        "pyproject.toml",
        "README.md",
        "LICENSE",
        "CHANGELOG.md",
        "_camb_tts.py",
        "camb/__init__.py",
        "camb/py.typed",
        "generated/camb_api/py.typed",
        "openapi/camb-tts.yaml",
    ):
        assert needed in names, needed
    assert not any(n.startswith((".venv/", ".cache/", "tests/")) for n in names)
    assert not any("__pycache__" in n for n in names)


def test_the_changelog_has_an_unreleased_section_and_the_released_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text()
    assert "keepachangelog.com" in text
    headings = re.findall(r"^## (.+)$", text, re.MULTILINE)
    from camb import __version__

    assert headings[:2] == ["Unreleased", __version__]
    assert "camb-tts" in text.split("## " + __version__)[0]


# --- a clean venv -------------------------------------------------------------------------------


def _first_readme_example() -> str:
    return re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)[0]


@pytest.fixture(scope="module")
def clean_venv(tmp_path_factory: pytest.TempPathFactory, dists: Dists) -> Path:
    """A new venv (with its own pip) holding the wheel with its sandbox extra, as a user would
    install it: `pip install 'camb_tts-....whl[sandbox]'`."""
    venv = tmp_path_factory.mktemp("clean-venv")
    run([sys.executable, "-m", "venv", venv], timeout=120)
    run([venv / "bin/python", "-m", "pip", "install", "--quiet", f"{dists.wheel}[sandbox]"])
    return venv


@pytest.fixture
def venv_sandbox(clean_venv: Path) -> Iterator[dict[str, str]]:
    """`camb sandbox --port 0` from the clean venv; answers its ready line."""
    process = subprocess.Popen(
        [str(clean_venv / "bin/camb"), "--json", "sandbox", "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=clean_env(),
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    threading.Thread(target=lambda: lines.put(stdout.readline()), daemon=True).start()
    try:
        line = lines.get(timeout=60)
        assert line, process.stderr.read() if process.stderr else ""
        yield json.loads(line)
    finally:
        process.terminate()
        process.communicate(timeout=15)


def test_the_wheel_runs_the_readme_first_example_in_a_clean_venv(
    clean_venv: Path, venv_sandbox: dict[str, str], tmp_path: Path
) -> None:
    done = run(
        [clean_venv / "bin/python", "-c", _first_readme_example()],
        cwd=tmp_path,
        CAMB_BASE_URL=venv_sandbox["base_url"],
        CAMB_API_KEY=venv_sandbox["api_key"],
    )
    assert done.stdout.startswith("audio/wav")
    assert (tmp_path / "hello.wav").read_bytes()[:4] == b"RIFF"
    # It ran the installed copy, not this checkout.
    where = run(
        [clean_venv / "bin/python", "-c", "import camb; print(camb.__file__)"], cwd=tmp_path
    )
    assert where.stdout.strip().startswith(str(clean_venv))


def test_the_sdist_installs_in_the_same_clean_venv(clean_venv: Path, dists: Dists) -> None:
    # Built from the sdist this time (hatchling fetched by pip's isolated build).
    pip = [clean_venv / "bin/python", "-m", "pip", "install", "--quiet"]
    run([*pip, "--force-reinstall", "--no-deps", dists.sdist])
    version = run([clean_venv / "bin/camb", "--version"])
    from camb import __version__

    assert version.stdout.strip() == f"camb {__version__}"
    typed = run(
        [
            clean_venv / "bin/python",
            "-c",
            "import camb, camb_api, pathlib; "
            "print(all((pathlib.Path(m.__file__).parent / 'py.typed').is_file() "
            "for m in (camb, camb_api)))",
        ]
    )
    assert typed.stdout.strip() == "True"
