"""The distribution's name in the hints a user reads, and the cheap check at `import camb`."""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import camb
from camb._distribution import (
    DISTRIBUTION,
    PackageConflictWarning,
    foreign_distributions,
    install_hint,
    warn_if_shared,
)

REPO = Path(__file__).resolve().parents[2]


def test_install_hints_name_the_distribution() -> None:
    assert install_hint() == "pip install 'camb-tts'"
    assert install_hint("sandbox") == "pip install 'camb-tts[sandbox]'"
    error = camb.MissingExtraError("camb.sandbox.running", "sandbox", "numpy")
    assert isinstance(error, ImportError)
    assert isinstance(error, camb.CambError)
    assert (error.extra, error.name) == ("sandbox", "numpy")
    assert str(error).endswith(": pip install 'camb-tts[sandbox]'")


def test_no_text_a_user_reads_suggests_installing_the_cosmology_package() -> None:
    # `pip install camb` or 'camb[...]' would fetch the CAMB cosmology code.
    paths = [
        *REPO.glob("camb/**/*.py"),
        *REPO.glob("scripts/**/*.py"),
        REPO / "_camb_tts.py",
        REPO / "README.md",
        *REPO.glob("docs/**/*.md"),
    ]
    for path in paths:
        text = path.read_text()
        for wrong in ("'camb[", '"camb[', "pip install camb ", "pip install camb\n"):
            assert wrong not in text, (path, wrong)
    assert f"pip install {DISTRIBUTION}" in (REPO / "README.md").read_text()


def test_our_own_folder_shares_nothing() -> None:
    assert foreign_distributions(str(Path(camb.__file__).parent)) == []


@pytest.mark.parametrize(
    ("marker", "named"),
    [("raw_client.py", "camb-sdk (Camb.ai's official SDK)"), ("baseconfig.py", "camb (the CAMB")],
)
def test_another_packages_file_in_our_folder_warns_with_the_repair(
    tmp_path: Path, marker: str, named: str
) -> None:
    (tmp_path / marker).write_text("")
    with pytest.warns(PackageConflictWarning) as caught:
        warn_if_shared(str(tmp_path))
    [warning] = caught
    text = str(warning.message)
    assert f"also holds files of {named}" in text
    assert text.endswith(f"&& pip install {DISTRIBUTION}")


def test_a_folder_of_ours_alone_does_not_warn(tmp_path: Path) -> None:
    (tmp_path / "client.py").write_text("")  # a name both could have: not a marker
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warn_if_shared(str(tmp_path))


def test_the_pytest_fixture_without_the_extra_fails_with_the_hint(tmp_path: Path) -> None:
    (tmp_path / "test_user.py").write_text("def test_it(camb_sandbox):\n    pass\n")
    code = (
        "import sys; sys.modules['uvicorn'] = None; import pytest; "
        f"raise SystemExit(pytest.main(['-q', '-p', 'no:cacheprovider', {str(tmp_path)!r}]))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert (
        "the camb_sandbox fixture: camb.sandbox.running needs the 'sandbox' extra "
        "(no module named 'uvicorn'): pip install 'camb-tts[sandbox]'"
    ) in done.stdout
    assert "Traceback" not in done.stdout
