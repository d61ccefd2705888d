"""What a batch folder itself says is done: the evidence behind resuming across layouts.

A run keeps its state in its own SQLite file (`.camb-batch.sqlite3`, or one per shard
layout: `.camb-batch-shard-K-of-N.sqlite3`), so a folder run as 2 shards and then as 3, or
unsharded after sharded, or whose state file was lost or emptied, would start with no record
of what is done. The folder holds that record twice over: every manifest
(`manifest*.jsonl`, written at the end of every run) and every other state file list the
items done, with their hash and the size of their file. `DoneEvidence.gather` reads them
all; the state then counts an item done only when such a record has the item's hash and its
file is in the folder with the recorded size (`StateStore.sync_items`). A record that does
not check out is ignored: at worst an item is made again, never wrongly counted done.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ._state import DONE, BatchStateError, DoneRecord, StateStore

__all__ = ["DoneEvidence"]

_MANIFEST_GLOB = "manifest*.jsonl"
_STATE_GLOB = ".camb-batch*.sqlite3"


def _record(row: Any) -> DoneRecord | None:
    if not isinstance(row, dict) or row.get("state") != DONE:
        return None
    digest, file, size = row.get("hash"), row.get("file"), row.get("bytes")
    if not isinstance(digest, str) or not isinstance(file, str) or not file:
        return None
    if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
        return None
    duration, credits = row.get("duration"), row.get("credits")
    return DoneRecord(
        hash=digest,
        file=file,
        bytes=size,
        duration=float(duration) if isinstance(duration, (int, float)) else None,
        credits=float(credits) if isinstance(credits, (int, float)) else None,
    )


def _manifest_rows(path: Path) -> Iterator[tuple[str, DoneRecord]]:
    try:
        with path.open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                try:
                    row = json.loads(line)
                except ValueError:
                    continue  # a damaged line says nothing
                record = _record(row)
                if record is not None and isinstance(row.get("id"), str):
                    yield row["id"], record
    except (OSError, RecursionError):
        return


def _state_rows(path: Path) -> Iterator[tuple[str, DoneRecord]]:
    try:
        store = StateStore.open_readonly(path)
    except (BatchStateError, OSError):
        return
    try:
        for row in store.iter_rows(include_removed=True):
            record = _record(
                {
                    "state": row.state,
                    "hash": row.hash,
                    "file": row.file,
                    "bytes": row.bytes,
                    "duration": row.duration,
                    "credits": row.credits,
                }
            )
            if record is not None:
                yield row.id, record
    except (BatchStateError, sqlite3.Error, OSError):
        return
    finally:
        store.close()


class DoneEvidence:
    """Done records by item id, from every manifest and every other state file of a folder."""

    @staticmethod
    def gather(out_dir: Path, *, own_state: Path | None = None) -> dict[str, list[DoneRecord]]:
        found: dict[str, list[DoneRecord]] = {}
        sources: list[Iterator[tuple[str, DoneRecord]]] = []
        with contextlib.suppress(OSError):
            for path in sorted(out_dir.glob(_STATE_GLOB)):
                if own_state is None or path.resolve() != own_state.resolve():
                    sources.append(_state_rows(path))
            for path in sorted(out_dir.glob(_MANIFEST_GLOB)):
                sources.append(_manifest_rows(path))
        for source in sources:
            for item_id, record in source:
                found.setdefault(item_id, []).append(record)
        # Several records of one item (two layouts, a manifest and a state): the state
        # checks each against the item and its file.
        return found
