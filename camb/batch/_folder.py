"""Which runs may share an output folder at once.

Each run locks its own state file (one run per shard), but the folder can also be run in two
layouts at once: unsharded and as `--shard 0/1`, or as 2 shards and as 3. Their state files
differ, so each would take the other's items for its own and pay for them again. The layout
lock refuses that: a run of N shards holds `.camb-batch-layout-N.lock` (shared among the N
shards of one layout; exclusive for an unsharded run, which is the layout of 1), and refuses
to start while a run of another layout holds its own. Two runs starting in different layouts
at the same instant may both be refused, never both let in: each takes its own lock before it
tests the others.

Locks are `flock` locks, released by the operating system when a process dies.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from pathlib import Path

from ._identity import Shard
from ._state import BatchLockedError, _RunLock

__all__ = ["FolderLock", "layout_lock_name"]

_LAYOUT_RE = re.compile(r"\.camb-batch-layout-([0-9]+)\.lock")


def layout_lock_name(count: int) -> str:
    return f".camb-batch-layout-{count}.lock"


def _layout(count: int) -> str:
    return "unsharded (or --shard 0/1)" if count == 1 else f"as {count} shards (--shard K/{count})"


class FolderLock:
    """Holds a folder for one shard layout while a run uses it."""

    @staticmethod
    @contextlib.contextmanager
    def acquire(out_dir: Path, shard: Shard | None) -> Iterator[None]:
        count = 1 if shard is None else shard.count
        path = out_dir / layout_lock_name(count)
        with contextlib.suppress(OSError):
            path.touch(exist_ok=True)  # a shared lock opens the file read-only
        own = _RunLock(path)
        if not own.acquire(shared=count > 1):
            raise BatchLockedError(
                f"another run is using {out_dir} {_layout(count)} for the same items "
                "(wait for it to finish, or stop it first)"
            )
        try:
            for path in sorted(out_dir.glob(".camb-batch-layout-*.lock")):
                match = _LAYOUT_RE.fullmatch(path.name)
                if match is None or int(match.group(1)) == count:
                    continue
                other = _RunLock(path)
                if not other.acquire():
                    raise BatchLockedError(
                        f"another run is using {out_dir} {_layout(int(match.group(1)))}; "
                        f"running it {_layout(count)} at the same time would send the same "
                        "items twice (wait for that run to finish, or use its layout)"
                    )
                other.release()
            yield
        finally:
            own.release()
