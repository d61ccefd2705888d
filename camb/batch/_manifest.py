"""The manifest: every item of the input once, with its state, file, size, duration, credits.

`write_manifest` writes `DIR/manifest.jsonl` at the end of a run, replacing the old one only
with a complete new one (a temporary file next to it, flushed, fsynced, renamed into place,
then the folder fsynced so the rename itself survives a power cut). `status_document` gives
the same rows, with the counts, as one JSON value for `camb batch status DIR --json`.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .._exceptions import CambError, FileWriteError
from .._files import _UMASK
from ._identity import Shard
from ._state import ItemRow, StateStore, run_in_progress

__all__ = [
    "MANIFEST_FILE",
    "ManifestWriteError",
    "manifest_file_name",
    "manifest_row",
    "status_document",
    "write_manifest",
]

MANIFEST_FILE = "manifest.jsonl"


def manifest_file_name(shard: Shard | None = None) -> str:
    """`manifest.jsonl`, or `manifest-shard-K-of-N.jsonl`: shards sharing one output folder
    each write their own, as each keeps its own state file."""
    return MANIFEST_FILE if shard is None else f"manifest-shard-{shard.label}.jsonl"


def manifest_row(row: ItemRow) -> dict[str, Any]:
    """One item as the manifest shows it (JSON-ready, fixed key order)."""
    return {
        "id": row.id,
        "state": row.state,
        "file": row.file,
        "bytes": row.bytes,
        "duration": row.duration,
        "credits": row.credits,
        "attempts": row.attempts,
        "error": row.error,
        "redone_after_crash": row.crash_redos,
        "hash": row.hash,
        "finished_at": row.finished_at,
    }


class ManifestWriteError(FileWriteError):
    """The manifest could not be written (a full disk, say) after the run itself ended:
    `result` is the run's outcome, and its state file is up to date."""

    def __init__(self, message: str, *, path: str, result: Any) -> None:
        super().__init__(message, path=path)
        self.result = result


def write_manifest(path: str | os.PathLike[str], rows: Iterable[ItemRow]) -> int:
    """Write one JSON line per row to `path` atomically; returns the number of rows.

    The old manifest stays whole when this fails: FileWriteError (the OS's error is its
    cause) for the manifest itself; a state that cannot be read raises its own error."""
    destination = Path(path)
    try:
        return _write_manifest(destination, rows)
    except OSError as error:
        if isinstance(error, CambError):
            raise
        raise FileWriteError(
            f"cannot write the manifest {destination}: {error.strerror or error}",
            path=os.fspath(destination),
        ) from error


def _write_manifest(destination: Path, rows: Iterable[ItemRow]) -> int:
    destination.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(
        dir=destination.parent, prefix=f".{destination.name}.", suffix=".part"
    )
    # The mode of any new file (as the audio beside it gets), not mkstemp's owner-only 0600.
    os.fchmod(fd, 0o666 & ~_UMASK)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as file:
            for row in rows:
                file.write(json.dumps(manifest_row(row), ensure_ascii=False) + "\n")
                count += 1
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, destination)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _fsync_folder(destination.parent)
    return count


def _fsync_folder(folder: Path) -> None:
    # Makes the rename durable on POSIX; Windows cannot open a folder, and needs no such step.
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover (Windows)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover (file systems that refuse fsync on a folder)
        pass
    finally:
        os.close(fd)


def status_document(store: StateStore) -> dict[str, Any]:
    """`camb batch status DIR --json`: whether a run is going, counts, summary, every item."""
    summary = store.summary()
    counts = summary.counts
    return {
        "state_file": str(store.path),
        "running": run_in_progress(store.path),
        "counts": {
            "total": counts.total,
            "pending": counts.pending,
            "in_flight": counts.in_flight,
            "done": counts.done,
            "failed": counts.failed,
        },
        "redone_after_crash": summary.redone_after_crash,
        "credits": summary.credits,
        "bytes": summary.bytes,
        "duration": summary.duration,
        "first_errors": [{"id": i, "error": e} for i, e in summary.first_errors],
        "items": [manifest_row(row) for row in store.rows()],
    }
