"""The `camb` command's entry point, kept outside the `camb` package on purpose.

Two other distributions install a Python module named `camb`: `camb-sdk` (Camb.ai's official
SDK) and `camb` (the CAMB cosmology code). Installed next to `camb-tts`, the last one installed
overwrites the others' `camb/__init__.py`, and uninstalling any of them deletes it for all. Then
`camb` is not this package any more, and nothing inside `camb/` can run to say so. This module
lives beside `camb/`, so the `camb` command still starts: when `camb` cannot be imported as ours,
it reads which installed distributions own files in `camb/` and prints what happened and the
command that repairs it (exit status 2) instead of a traceback.

Standard library only: it must work whatever state `camb/` is in.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.metadata
import importlib.util
import sys
import warnings
from pathlib import Path

DISTRIBUTION = "camb-tts"  # the same as camb._distribution.DISTRIBUTION (a test checks)
PACKAGE = "camb"
# Exit status of a broken installation: the CLI's usage/installation status (ExitStatus.USAGE).
BROKEN_INSTALL_STATUS = 2
KNOWN_OTHERS = {
    "camb-sdk": "Camb.ai's official SDK",
    "camb": "the CAMB cosmology code",
}


def main() -> int:
    """Run the `camb` command line, or explain why the installed `camb` cannot run it."""
    # Warnings from importing camb (a folder shared with another package) are shown as one
    # line like every other message of the command, not in Python's two-line format.
    with warnings.catch_warnings(record=True) as caught:
        try:
            from camb._cli._main import main as cli_main
        except ImportError as error:
            try:
                diagnosis = diagnose()
            except Exception:  # a broken metadata file must not hide the real error
                diagnosis = None
            if diagnosis is None:
                raise
            print(f"camb: error: {diagnosis} (the import failed with: {error})", file=sys.stderr)
            return BROKEN_INSTALL_STATUS
    for warning in caught:
        text = " ".join(str(warning.message).split())
        print(f"camb: warning: {text}", file=sys.stderr)
    return cli_main()


def _normalise(name: str) -> str:
    return name.lower().replace("_", "-").replace(".", "-")


def _package_folder() -> Path | None:
    """The folder `import camb` would load, without importing it."""
    try:
        spec = importlib.util.find_spec(PACKAGE)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _sha256(path: Path) -> str | None:
    try:
        digest = hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return None
    return "sha256=" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class _Owner:
    """An installed distribution with files in some `camb/` folder."""

    def __init__(self, dist: importlib.metadata.Distribution) -> None:
        self.name = _normalise(dist.metadata["Name"] or "?")
        self.version = dist.version
        self.init_hash: str | None = None
        self.folder: Path | None = None
        for file in dist.files or ():
            if file.parts[:1] != (PACKAGE,):
                continue
            if self.folder is None:
                self.folder = Path(str(dist.locate_file(PACKAGE))).resolve()
            if file.parts == (PACKAGE, "__init__.py") and file.hash is not None:
                self.init_hash = f"{file.hash.mode}={file.hash.value}"

    def describe(self) -> str:
        what = KNOWN_OTHERS.get(self.name)
        return f"{self.name} {self.version}" + (f" ({what})" if what else "")


def camb_owners(folder: Path) -> list[_Owner]:
    """Every installed distribution that put files in `folder` (a `camb/` folder)."""
    owners = []
    for dist in importlib.metadata.distributions():
        owner = _Owner(dist)
        if owner.folder is not None and owner.folder == folder.resolve():
            owners.append(owner)
    return sorted(owners, key=lambda owner: owner.name)


def diagnose() -> str | None:
    """What is wrong with the installed `camb` module, and how to repair it; None if this
    module cannot tell (then the import error is not an installation mix-up)."""
    folder = _package_folder()
    if folder is None:
        return (
            f"no module named `camb` is installed for {sys.executable}: "
            f"pip install --force-reinstall {DISTRIBUTION}"
        )
    owners = camb_owners(folder)
    others = [owner for owner in owners if owner.name != DISTRIBUTION]
    init = folder / "__init__.py"
    init_hash = _sha256(init)
    init_owner = next(
        (o for o in owners if init_hash is not None and o.init_hash == init_hash), None
    )
    repair = " ".join(["pip uninstall -y", *(o.name for o in others), DISTRIBUTION])
    repair += f" && pip install {DISTRIBUTION}"
    if others:
        listed = " and ".join(owner.describe() for owner in others)
        if init_hash is None:
            now = "its __init__.py is gone (uninstalling one of them deletes it for all)"
        elif init_owner is not None and init_owner.name != DISTRIBUTION:
            now = f"`import camb` now gives {init_owner.describe()}"
        else:
            now = "its files are a mix of them"
        return (
            f"the Python module `camb` in {folder} is shared by {DISTRIBUTION} and {listed}: "
            "each installs a module of that name, so they cannot work in the same environment, "
            f"and {now}. Repair: {repair}, and keep the other package in its own virtual "
            "environment"
        )
    if init_hash is None:
        return (
            f"{DISTRIBUTION}'s file {init} is missing (uninstalling another package that also "
            f"installs a module named `camb`, such as camb-sdk, deletes it). "
            f"Repair: pip install --force-reinstall {DISTRIBUTION}"
        )
    return None


if __name__ == "__main__":
    raise SystemExit(main())
