"""The distribution this package is installed as, and what to say when the install is mixed up.

The import name is `camb`; the distribution, what `pip install` takes, is `camb-tts`, because
`camb` on PyPI is the CAMB cosmology code. That package and `camb-sdk` (Camb.ai's official SDK)
both install a module named `camb` too: installed next to this one, the last one installed
overwrites the others' `camb/__init__.py`, and uninstalling any of them deletes it for all.

Only cheap checks run at `import camb` (a few file-existence tests); the full diagnosis that
reads every installed distribution's file list lives in the top-level module `_camb_tts`, which
the `camb` command starts from, so that it still runs when `camb` is not ours.
"""

from __future__ import annotations

import os
import warnings

DISTRIBUTION = "camb-tts"

# Files that only another distribution installing a `camb` module ships:
# (file name inside camb/, distribution, what it is).
FOREIGN_MARKERS: tuple[tuple[str, str, str], ...] = (
    ("raw_client.py", "camb-sdk", "Camb.ai's official SDK"),
    ("baseconfig.py", "camb", "the CAMB cosmology code"),
)


def install_hint(extra: str | None = None) -> str:
    """The pip command that installs this package, with `extra` if given."""
    target = f"{DISTRIBUTION}[{extra}]" if extra else DISTRIBUTION
    return f"pip install '{target}'"


class PackageConflictWarning(UserWarning):
    """Another distribution's files share this package's `camb` folder."""


def foreign_distributions(folder: str) -> list[tuple[str, str]]:
    """(distribution, what it is) for each other package whose files are in `folder`."""
    return [
        (name, what)
        for marker, name, what in FOREIGN_MARKERS
        if os.path.exists(os.path.join(folder, marker))
    ]


def conflict_message(folder: str, others: list[tuple[str, str]]) -> str:
    """What a mixed `camb` folder means for the user, and how to repair it."""
    described = " and ".join(f"{name} ({what})" for name, what in others)
    names = " ".join(name for name, _what in others)
    return (
        f"{DISTRIBUTION}: the folder {folder} also holds files of {described}, which installs "
        f"a Python module named `camb` too. Here `import camb` gives {DISTRIBUTION}, so the "
        "other package does not work, and uninstalling either one deletes files of the other. "
        "Keep them in separate virtual environments; to repair this one: "
        f"pip uninstall -y {names} {DISTRIBUTION} && pip install {DISTRIBUTION}"
    )


def warn_if_shared(folder: str | None = None) -> None:
    """Warn (PackageConflictWarning) when another `camb` distribution's files are in ours."""
    folder = folder if folder is not None else os.path.dirname(os.path.abspath(__file__))
    others = foreign_distributions(folder)
    if others:
        warnings.warn(conflict_message(folder, others), PackageConflictWarning, stacklevel=3)
