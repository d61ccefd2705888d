"""The durable state of a batch job: one SQLite file in the output folder.

Each item has one row: its state (`pending`, `in_flight`, `done`, `failed`), the hash of what
is synthesised for it, and for a done item its file, size, duration and credits; for a failed
one the error and the number of attempts. Every change is one short transaction, so a run
killed at any moment (kill -9 included) leaves the file as it was after the last change.

Durability choice: WAL with `synchronous=NORMAL` by default. In WAL mode a commit is complete
once its pages are written to the WAL file, so a killed *process* loses nothing: the
operating system still holds the written pages and SQLite recovers them on the next open.
Only a power loss or kernel crash can lose the last few commits (never corrupt the file), and
what is lost then is at worst the record that an item was done, so that item is synthesised
again. `FULL` closes that gap at the price of one fsync per commit, two per item; pass
`synchronous="FULL"` where the machine itself is expected to die.

Resuming (`StateStore.open`, then `sync_items` with the input's items):

- an item found `in_flight` was being synthesised when a run died: it is reset to `pending`
  and counted in `crash_redos` (the only kind of item that may be paid for twice);
- a `done` item whose hash still matches and whose file still has the recorded size is never
  synthesised again; a done item whose file is missing or has another size is redone (the
  folder is the job's output, so the file is made again rather than the item reported done
  without it);
- an item whose line changed (another hash) is redone; its old file stays until the new one
  replaces it;
- `failed` items are tried again (pass `retry_failed=False` to keep them failed);
- items no longer in the input keep their rows, marked as removed, and leave the counts.

Only one run may write a state file at a time: `open` takes an exclusive lock on
`<state file>.lock` (released by the operating system when the process dies), because two
runs would each take the other's items for crashed ones and pay for them twice. Readers
(`open_readonly`, for `camb batch status`) take no lock and never block the writer: WAL lets
them read the last committed state while a run writes.

The API is synchronous and thread-safe (one connection behind a lock): each call is a short
local transaction, fast enough to call from an event loop directly.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Literal

import attrs

from .._exceptions import CambError, FileWriteError
from ._identity import Shard, hash_matches, item_hash
from ._input import BatchItem

__all__ = [
    "DONE",
    "FAILED",
    "IN_FLIGHT",
    "PENDING",
    "BatchLockedError",
    "BatchStateError",
    "BatchStateWriteError",
    "Counts",
    "DoneRecord",
    "ItemRow",
    "StateStore",
    "Summary",
    "SyncReport",
    "run_in_progress",
    "state_file_name",
]

PENDING = "pending"
IN_FLIGHT = "in_flight"
DONE = "done"
FAILED = "failed"
SCHEMA_VERSION = 2
# Versions this camb opens (version 1 gains the `stale_file` column on open).
READABLE_VERSIONS = (1, 2)
STATE_FILE = ".camb-batch.sqlite3"
BUSY_TIMEOUT_MS = 10_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'in_flight', 'done', 'failed')),
    in_input INTEGER NOT NULL DEFAULT 1,
    file TEXT,
    bytes INTEGER,
    duration REAL,
    credits REAL,
    error TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    crash_redos INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL,
    started_at REAL,
    finished_at REAL,
    stale_file TEXT
);
CREATE INDEX IF NOT EXISTS items_by_state ON items (in_input, state, seq);
"""
_COLUMNS = (
    "id, seq, hash, state, in_input, file, bytes, duration, credits, error, attempts, "
    "crash_redos, created_at, updated_at, started_at, finished_at"
)
_ALL_COLUMNS = frozenset(f"{_COLUMNS}, stale_file".split(", "))

_RECOVERY_HINT = (
    "move it aside (rename it) and run the same command again: the items whose files are "
    "complete are recognised from the manifest and the files, and are not paid for again"
)


# Rows read at a time when iterating the items (manifest, status).
_ROWS_PER_FETCH = 500


class BatchStateError(CambError):
    """The state file cannot be used: missing, not a database, from a newer camb, or an
    item asked to move in a way its state does not allow."""


class BatchLockedError(BatchStateError):
    """Another run is using this state file (the output folder, or this shard of it)."""


class BatchStateWriteError(BatchStateError, FileWriteError):
    """The state file could not be written (a full disk, say). What was committed before
    stays; the same run again, once the cause is gone, pays for nothing already done."""


def _typed_error(path: Path, error: sqlite3.Error) -> BatchStateError:
    message = str(error)
    lowered = message.lower()
    if "full" in lowered or "disk i/o" in lowered or "readonly" in lowered:
        return BatchStateWriteError(
            f"{path}: cannot write the batch state ({message}); free space (or fix the "
            "folder) and run the same command again: nothing done is paid for again",
            path=os.fspath(path),
        )
    return BatchStateError(
        f"{path}: the batch state file is unusable ({message}); {_RECOVERY_HINT}"
    )


def state_file_name(shard: Shard | None = None) -> str:
    """`.camb-batch.sqlite3`, or `.camb-batch-shard-K-of-N.sqlite3` for one shard."""
    return STATE_FILE if shard is None else f".camb-batch-shard-{shard.label}.sqlite3"


@attrs.frozen
class SyncReport:
    """What `sync_items` found: how many items are new, unchanged and done, changed (redone),
    done but missing their file (redone), failed and tried again, and no longer in the input."""

    new: int = 0
    unchanged_done: int = 0
    changed: int = 0
    missing_files: int = 0
    retried_failed: int = 0
    removed: int = 0
    # Items found done in the folder by other evidence (manifests, other shard layouts'
    # state files, whose files are there with the recorded size): not sent again.
    recognised: int = 0


@attrs.frozen
class DoneRecord:
    """Evidence that an item was done in this folder: from a manifest or another state file."""

    hash: str
    file: str
    bytes: int
    duration: float | None = None
    credits: float | None = None


@attrs.frozen
class Counts:
    """How many of the input's items are in each state."""

    pending: int = 0
    in_flight: int = 0
    done: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.pending + self.in_flight + self.done + self.failed


@attrs.frozen
class ItemRow:
    """One item's row, as the manifest and `status --json` show it."""

    id: str
    seq: int
    hash: str
    state: str
    in_input: bool
    file: str | None
    bytes: int | None
    duration: float | None
    credits: float | None
    error: str | None
    attempts: int
    crash_redos: int
    created_at: float
    updated_at: float
    started_at: float | None
    finished_at: float | None


@attrs.frozen
class Summary:
    """The end-of-run (or any-time) account of the input's items.

    `redone_after_crash` counts the requests that may have been paid twice: every time an item
    was found in flight after a crash and sent again. `first_errors` are (id, error) of the
    first failed items in input order.
    """

    counts: Counts
    redone_after_crash: int
    credits: float
    bytes: int
    duration: float
    first_errors: tuple[tuple[str, str], ...]

    @property
    def complete(self) -> bool:
        """Every item of the input is done."""
        return self.counts.done == self.counts.total


class _RunLock:
    """An exclusive, non-blocking lock on a file, released by the OS when the process dies."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] | None = None

    def acquire(self, *, shared: bool = False) -> bool:
        try:
            # Held open for the lock's lifetime. A shared lock needs only read access, so a
            # status reader can test it on a folder it may not write.
            file = open(self.path, "rb" if shared else "a+b")  # noqa: SIM115
        except OSError:
            return False
        try:
            if sys.platform == "win32":  # pragma: no cover (tested on POSIX only)
                import msvcrt

                file.seek(0)
                msvcrt.locking(file.fileno(), msvcrt.LK_NBLCK, 1)
            else:
                import fcntl

                fcntl.flock(
                    file.fileno(), (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
                )
        except OSError:
            file.close()
            return False
        self._file = file
        return True

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing the descriptor drops the lock
            self._file = None


def run_in_progress(state_path: str | os.PathLike[str]) -> bool:
    """Whether a run holds the state file's lock right now (for `camb batch status`)."""
    lock_path = Path(f"{os.fspath(state_path)}.lock")
    if not lock_path.exists():
        return False
    lock = _RunLock(lock_path)
    if lock.acquire(shared=True):
        lock.release()
        return False
    return True


def _connect(target: str, *, uri: bool) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun and ended explicitly below, never
    # implicitly by the sqlite3 module.
    connection = sqlite3.connect(
        target,
        uri=uri,
        isolation_level=None,
        check_same_thread=False,
        timeout=BUSY_TIMEOUT_MS / 1000,
    )
    connection.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    return connection


class StateStore:
    """The state of one batch job (or one shard of it). Open with `open` or `open_readonly`."""

    def __init__(
        self,
        connection: sqlite3.Connection,
        path: Path,
        out_dir: Path,
        *,
        lock: _RunLock | None,
        clock: Callable[[], float],
        readonly: bool,
    ) -> None:
        self._connection = connection
        self._lock = threading.RLock()
        self._depth = 0  # nesting of write transactions on this connection
        self._run_lock = lock
        self._clock = clock
        self.path = path
        self.out_dir = out_dir
        self.readonly = readonly
        self.recovered_on_open = 0
        self.created = False
        """Whether this state file was new (or empty) when opened: it remembers nothing."""
        self._unversioned = False
        """How many items were found in flight (a crashed run) and reset to pending on open."""

    # --- opening and closing ----------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | os.PathLike[str],
        *,
        out_dir: str | os.PathLike[str] | None = None,
        synchronous: Literal["NORMAL", "FULL"] = "NORMAL",
        clock: Callable[[], float] = time.time,
    ) -> StateStore:
        """Open (creating if needed) the state file for a run, and recover from a crash.

        `out_dir` is where the items' files are (default: the state file's folder). Raises
        `BatchLockedError` while another run uses the file, `BatchStateError` when the file is
        not a state file this version can use.
        """
        if synchronous not in ("NORMAL", "FULL"):
            raise BatchStateError(f"synchronous must be 'NORMAL' or 'FULL', not {synchronous!r}")
        state_path = Path(path)
        state_path.parent.mkdir(parents=True, exist_ok=True)
        lock = _RunLock(Path(f"{state_path}.lock"))
        if not lock.acquire():
            raise BatchLockedError(
                f"another run is using {state_path} (wait for it to finish, or stop it first)"
            )
        try:
            connection = _connect(os.fspath(state_path), uri=False)
            try:
                mode = connection.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise BatchStateError(f"{state_path}: cannot use write-ahead logging here")
                connection.execute(f"PRAGMA synchronous = {synchronous}")
                store = cls(
                    connection,
                    state_path,
                    Path(out_dir or state_path.parent),
                    lock=lock,
                    clock=clock,
                    readonly=False,
                )
                store._check_integrity()
                store._prepare_schema()
                store._recover()
            except BaseException:
                connection.close()
                raise
        except sqlite3.Error as error:
            lock.release()
            typed = _typed_error(state_path, error)
            if not isinstance(typed, BatchStateWriteError):
                typed = BatchStateError(
                    f"{state_path}: not a usable batch state file ({error}); {_RECOVERY_HINT}"
                )
            raise typed from None
        except BaseException:
            lock.release()
            raise
        return store

    @classmethod
    def open_readonly(
        cls, path: str | os.PathLike[str], *, out_dir: str | os.PathLike[str] | None = None
    ) -> StateStore:
        """Open a state file to read it, also while a run writes it; never blocks the run."""
        state_path = Path(path)
        if not state_path.is_file():
            raise BatchStateError(f"no batch state at {state_path}")
        try:
            connection = _connect(f"{state_path.resolve().as_uri()}?mode=ro", uri=True)
            try:
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version not in READABLE_VERSIONS:
                    raise BatchStateError(
                        f"{state_path}: state format {version}, this camb reads {SCHEMA_VERSION}"
                    )
            except BaseException:
                connection.close()
                raise
        except sqlite3.Error as error:
            raise BatchStateError(
                f"{state_path}: not a usable batch state file ({error})"
            ) from None
        return cls(
            connection,
            state_path,
            Path(out_dir or state_path.parent),
            lock=None,
            clock=time.time,
            readonly=True,
        )

    def close(self) -> None:
        """Close the file and release the run lock."""
        with self._lock:
            self._connection.close()
            if self._run_lock is not None:
                self._run_lock.release()

    def __enter__(self) -> StateStore:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # --- internals --------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _sqlite_errors(self) -> Iterator[None]:
        """sqlite3's errors as typed ones: BatchStateWriteError (a FileWriteError) for a
        full disk or an I/O error, BatchStateError saying how to recover for the others."""
        try:
            yield
        except sqlite3.Error as error:
            raise _typed_error(self.path, error) from error

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once (IMMEDIATE), committed or rolled back whole;
        inside `transaction()` it is part of that one."""
        if self.readonly:
            raise BatchStateError(f"{self.path} was opened read-only")
        with self._lock, self._sqlite_errors():
            connection = self._connection
            if self._depth:
                self._depth += 1
                try:
                    yield connection
                finally:
                    self._depth -= 1
                return
            if connection.in_transaction:
                # Left open by an interruption between BEGIN and the bookkeeping below.
                connection.execute("ROLLBACK")
            connection.execute("BEGIN IMMEDIATE")
            self._depth = 1
            try:
                yield connection
            except BaseException:
                if connection.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        connection.execute("ROLLBACK")
                raise
            else:
                connection.execute("COMMIT")
            finally:
                self._depth = 0

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group several changes into one commit: all of them are kept, or none.

        The runner records a round of starts, or of finished requests, in one commit: one
        write to the log instead of one per item.
        """
        with self._write():
            yield

    @contextlib.contextmanager
    def _read(self) -> Iterator[sqlite3.Connection]:
        """One consistent snapshot for several SELECTs."""
        with self._lock, self._sqlite_errors():
            connection = self._connection
            if self._depth:  # inside a write transaction: already one snapshot
                yield connection
                return
            connection.execute("BEGIN")
            try:
                yield connection
            finally:
                connection.execute("COMMIT")

    def _check_integrity(self) -> None:
        """Damaged pages are found now, with a way out, not as sqlite3 errors mid-run."""
        rows = self._connection.execute("PRAGMA quick_check").fetchall()
        if [tuple(row) for row in rows] != [("ok",)]:
            problem = "; ".join(str(row[0]) for row in rows[:3])
            raise BatchStateError(
                f"{self.path}: the state file is damaged ({problem}); {_RECOVERY_HINT}"
            )

    def _prepare_schema(self) -> None:
        with self._write() as db:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, *READABLE_VERSIONS):
                raise BatchStateError(
                    f"{self.path}: state format {version}, this camb reads "
                    f"{' and '.join(map(str, READABLE_VERSIONS))} (a newer camb made it: "
                    "use that one, or give this run another output folder)"
                )
            if version == 0:
                self.created = self._unversioned = True
                # One statement at a time: executescript() would commit the transaction.
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
            elif version == 1:
                db.execute("ALTER TABLE items ADD COLUMN stale_file TEXT")
            columns = {row[1] for row in db.execute("PRAGMA table_info(items)")}
            if columns != _ALL_COLUMNS:
                raise BatchStateError(
                    f"{self.path}: not a batch state file of this camb (its items table has "
                    f"columns {sorted(columns)}); {_RECOVERY_HINT}"
                )
            # A new state gets its version with its first items (`sync_items`): until then
            # it is still new, also to the next run, if this one is refused.
            if not self.created:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _recover(self) -> None:
        """Items a killed run left in flight: done when their file was put in place after
        the request started (the run died before recording it), else pending again, and
        counted as redone after a crash."""
        now = self._clock()
        with self._write() as db:
            rows = db.execute(
                "SELECT id, file, started_at FROM items WHERE state = 'in_flight'"
            ).fetchall()
            finished: list[tuple[object, ...]] = []
            for item_id, file, started_at in rows:
                size = self._written_since(file, started_at)
                if size is not None:
                    finished.append((size, now, now, item_id))
            db.executemany(
                "UPDATE items SET state = 'done', bytes = ?, error = NULL, "
                "attempts = attempts + 1, finished_at = ?, updated_at = ? WHERE id = ?",
                finished,
            )
            cursor = db.execute(
                "UPDATE items SET state = 'pending', file = NULL, crash_redos = crash_redos + 1, "
                "updated_at = ? WHERE state = 'in_flight'",
                (now,),
            )
            self.recovered_on_open = cursor.rowcount
        for _size, _finished, _updated, item_id in finished:
            self._remove_stale(str(item_id))

    def _written_since(self, file: object, started_at: object) -> int | None:
        """The size of `file` when it is a regular file put in place after `started_at` (a
        new file is renamed into place whole, so one newer than the request is its answer)."""
        if not isinstance(file, str) or not file or not isinstance(started_at, (int, float)):
            return None
        try:
            info = (self.out_dir / file).stat()
        except OSError:
            return None
        if not stat.S_ISREG(info.st_mode) or info.st_size == 0 or info.st_mtime <= started_at:
            return None
        return info.st_size

    def _remove_stale(self, item_id: str) -> None:
        """The file an item had before its format (so its file name) changed, once the new
        one is in place."""
        with self._write() as db:
            row = db.execute(
                "SELECT stale_file, file FROM items WHERE id = ?", (item_id,)
            ).fetchone()
            if row is None or not row[0]:
                return
            db.execute("UPDATE items SET stale_file = NULL WHERE id = ?", (item_id,))
        stale, current = row
        if stale != current and os.path.basename(stale) == stale:
            with contextlib.suppress(OSError):
                (self.out_dir / stale).unlink()

    def _move(
        self,
        item_id: str,
        allowed_from: tuple[str, ...],
        assignments: str,
        params: tuple[object, ...],
    ) -> None:
        marks = ", ".join("?" for _ in allowed_from)
        if self.readonly:
            raise BatchStateError(f"{self.path} was opened read-only")
        # One UPDATE: outside `transaction()` it is a transaction of its own (autocommit),
        # so a refused move changes nothing.
        with self._lock, self._sqlite_errors():
            db = self._connection
            cursor = db.execute(
                f"UPDATE items SET {assignments}, updated_at = ? "
                f"WHERE id = ? AND state IN ({marks})",
                (*params, self._clock(), item_id, *allowed_from),
            )
            if cursor.rowcount != 1:
                row = db.execute("SELECT state FROM items WHERE id = ?", (item_id,)).fetchone()
                where = "is not in the state file" if row is None else f"is {row[0]}"
                raise BatchStateError(
                    f"item {item_id!r} {where}; expected {' or '.join(allowed_from)}"
                )

    def _file_intact(self, file: str | None, size: int | None) -> bool:
        if not file or size is None:
            return False
        try:
            return (self.out_dir / file).stat().st_size == size
        except OSError:
            return False

    def _refuse_unvouched_files(
        self, to_send: Sequence[BatchItem], records: Mapping[str, Sequence[DoneRecord]], found: int
    ) -> None:
        """A new state beside files of its items that nothing in the folder vouches for: the
        state was lost along with every manifest (or the folder holds someone else's files).
        Sending would pay for them all again and replace them: stop and say so instead."""
        if found == len(to_send):
            return
        unvouched = [
            item.file_name
            for item in to_send
            if item.id not in records and (self.out_dir / item.file_name).is_file()
        ]
        if unvouched:
            raise BatchStateError(
                f"{self.out_dir} holds {len(unvouched)} files of this input's items (such as "
                f"{unvouched[0]!r}) that no state file or manifest there records, so they "
                "would be made (and paid for) again: restore the state file or the manifest "
                "if you have them, or move those files away to have them made again"
            )

    def _verified(self, item: BatchItem, records: Sequence[DoneRecord]) -> DoneRecord | None:
        """The first record that is this item's request and whose file is there whole."""
        digest = item_hash(item)
        for record in records:
            if (
                record.file == item.file_name
                and hash_matches(record.hash, item, digest)
                and self._file_intact(record.file, record.bytes)
            ):
                return record
        return None

    # --- the runner's calls -----------------------------------------------------------------------

    def sync_items(
        self,
        items: Sequence[BatchItem],
        *,
        retry_failed: bool = True,
        evidence: Callable[[], Mapping[str, Sequence[DoneRecord]]] | None = None,
    ) -> SyncReport:
        """Match the input's items with the stored ones (by id, then by hash), in one
        transaction; see the module's docstring for what happens to each kind.

        `evidence` gives records of items done elsewhere in the folder (the manifests and
        the state files of other shard layouts, a state file that was lost): an item that
        would be sent is recorded done instead when a record has its hash and its file is
        there with the recorded size. Called only when some item would be sent.
        """
        now = self._clock()
        new = unchanged = changed = missing = retried = recognised = 0
        inserts: list[tuple[object, ...]] = []
        resets: list[tuple[object, ...]] = []
        keeps: list[tuple[object, ...]] = []
        to_send: list[BatchItem] = []
        with self._write() as db:
            existing = {
                row[0]: row[1:]
                for row in db.execute("SELECT id, hash, state, file, bytes FROM items")
            }
            for seq, item in enumerate(items):
                digest = item_hash(item)
                stored = existing.get(item.id)
                if stored is None:
                    inserts.append((item.id, seq, digest, now, now))
                    new += 1
                    to_send.append(item)
                    continue
                stored_hash, state, file, size = stored
                if not hash_matches(stored_hash, item, digest):
                    # The old file stays until the new one replaces it; under another name
                    # (a new format), it is removed then.
                    stale = file if file and file != item.file_name else None
                    resets.append((seq, digest, 0, stale, now, item.id))
                    changed += 1
                    to_send.append(item)
                elif state == DONE and not self._file_intact(file, size):
                    resets.append((seq, digest, None, None, now, item.id))
                    missing += 1
                    to_send.append(item)
                elif state == FAILED and retry_failed:
                    resets.append((seq, digest, None, None, now, item.id))
                    retried += 1
                    to_send.append(item)
                else:
                    keeps.append((seq, digest, item.id))
                    unchanged += state == DONE
                    if state == PENDING:
                        to_send.append(item)
            db.execute("UPDATE items SET in_input = 0")
            db.executemany(
                "INSERT INTO items (id, seq, hash, state, created_at, updated_at) "
                "VALUES (?, ?, ?, 'pending', ?, ?)",
                inserts,
            )
            # A reset keeps the attempt count unless the line changed (None: keep it).
            db.executemany(
                "UPDATE items SET seq = ?, hash = ?, state = 'pending', in_input = 1, "
                "attempts = COALESCE(?, attempts), stale_file = COALESCE(?, stale_file), "
                "file = NULL, bytes = NULL, duration = NULL, "
                "credits = NULL, started_at = NULL, finished_at = NULL, updated_at = ? "
                "WHERE id = ?",
                resets,
            )
            # A hash of an older identity that matches is brought up to date.
            db.executemany("UPDATE items SET seq = ?, hash = ?, in_input = 1 WHERE id = ?", keeps)
            if to_send and evidence is not None:
                records = evidence()
                found: list[tuple[object, ...]] = []
                for item in to_send:
                    record = self._verified(item, records.get(item.id, ()))
                    if record is not None:
                        found.append(
                            (
                                record.file,
                                record.bytes,
                                record.duration,
                                record.credits,
                                now,
                                now,
                                item.id,
                            )
                        )
                db.executemany(
                    "UPDATE items SET state = 'done', file = ?, bytes = ?, duration = ?, "
                    "credits = ?, error = NULL, finished_at = ?, updated_at = ? "
                    "WHERE id = ? AND state = 'pending'",
                    found,
                )
                recognised = len(found)
                if self._unversioned:
                    self._refuse_unvouched_files(to_send, records, len(found))
            if self._unversioned:
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            removed = db.execute("SELECT COUNT(*) FROM items WHERE in_input = 0").fetchone()[0]
        self._unversioned = False
        return SyncReport(
            recognised=recognised,
            new=new,
            unchanged_done=unchanged,
            changed=changed,
            missing_files=missing,
            retried_failed=retried,
            removed=removed,
        )

    def claim_next(self) -> str | None:
        """The next pending item in input order, now marked in flight; None when none is left."""
        with self._write() as db:
            row = db.execute(
                "SELECT id FROM items WHERE in_input = 1 AND state = 'pending' ORDER BY seq LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            now = self._clock()
            db.execute(
                "UPDATE items SET state = 'in_flight', started_at = ?, updated_at = ? WHERE id = ?",
                (now, now, row[0]),
            )
            return str(row[0])

    def in_flight_ids(self) -> list[str]:
        """The ids recorded in flight (sent, or about to be), in input order."""
        with self._lock, self._sqlite_errors():
            return [
                row[0]
                for row in self._connection.execute(
                    "SELECT id FROM items WHERE state = 'in_flight' ORDER BY seq"
                )
            ]

    def pending_ids(self) -> list[str]:
        """The ids still to do, in input order."""
        with self._lock, self._sqlite_errors():
            return [
                row[0]
                for row in self._connection.execute(
                    "SELECT id FROM items WHERE in_input = 1 AND state = 'pending' ORDER BY seq"
                )
            ]

    def mark_in_flight(self, item_id: str, *, file: str | None = None) -> None:
        """A request for the item is about to be sent (from pending). `file` is where its
        audio will be put: found there, newer than this, after a crash, it counts as done."""
        now = self._clock()
        self._move(
            item_id, (PENDING,), "state = 'in_flight', started_at = ?, file = ?", (now, file)
        )

    def mark_pending(self, item_id: str) -> None:
        """The request was refused before it cost anything (a 429), or never sent: back in
        the queue, no attempt counted."""
        self._move(item_id, (IN_FLIGHT,), "state = 'pending', started_at = NULL, file = NULL", ())

    def mark_retry(self, item_id: str, error: str) -> int:
        """The attempt failed and will be tried again: back to pending with the attempt and
        the error recorded. Returns the attempts so far."""
        self._move(
            item_id,
            (IN_FLIGHT,),
            "state = 'pending', attempts = attempts + 1, error = ?, file = NULL",
            (error,),
        )
        return self._attempts(item_id)

    def mark_done(
        self,
        item_id: str,
        *,
        file: str,
        bytes: int,
        duration: float | None = None,
        credits: float | None = None,
    ) -> None:
        """The item's file is in place (`file` relative to the output folder)."""
        self._move(
            item_id,
            (IN_FLIGHT,),
            "state = 'done', file = ?, bytes = ?, duration = ?, credits = ?, error = NULL, "
            "attempts = attempts + 1, finished_at = ?",
            (file, bytes, duration, credits, self._clock()),
        )
        self._remove_stale(item_id)

    def mark_failed(self, item_id: str, error: str) -> None:
        """The item failed for good in this run (its last attempt counted)."""
        self._move(
            item_id,
            (IN_FLIGHT,),
            "state = 'failed', error = ?, attempts = attempts + 1, finished_at = ?, file = NULL",
            (error, self._clock()),
        )

    def _attempts(self, item_id: str) -> int:
        with self._lock, self._sqlite_errors():
            row = self._connection.execute(
                "SELECT attempts FROM items WHERE id = ?", (item_id,)
            ).fetchone()
        return int(row[0]) if row else 0

    # --- reading ----------------------------------------------------------------------------------

    def counts(self) -> Counts:
        """How many of the input's items are in each state (one snapshot)."""
        with self._lock, self._sqlite_errors():
            found = dict(
                self._connection.execute(
                    "SELECT state, COUNT(*) FROM items WHERE in_input = 1 GROUP BY state"
                ).fetchall()
            )
        return _counts(found)

    def rows(self, *, include_removed: bool = False) -> list[ItemRow]:
        """Every item's row in input order (items no longer in the input only if asked)."""
        return list(self.iter_rows(include_removed=include_removed))

    def iter_rows(self, *, include_removed: bool = False) -> Iterator[ItemRow]:
        """`rows()` a batch at a time, so that writing a manifest of many items holds few."""
        where = "" if include_removed else " WHERE in_input = 1"
        with self._lock, self._sqlite_errors():
            cursor = self._connection.execute(
                f"SELECT {_COLUMNS} FROM items{where} ORDER BY in_input DESC, seq"
            )
            while batch := cursor.fetchmany(_ROWS_PER_FETCH):
                for r in batch:
                    yield ItemRow(
                        id=r[0],
                        seq=r[1],
                        hash=r[2],
                        state=r[3],
                        in_input=bool(r[4]),
                        file=r[5],
                        bytes=r[6],
                        duration=r[7],
                        credits=r[8],
                        error=r[9],
                        attempts=r[10],
                        crash_redos=r[11],
                        created_at=r[12],
                        updated_at=r[13],
                        started_at=r[14],
                        finished_at=r[15],
                    )

    def summary(self, *, first_errors: int = 5) -> Summary:
        """Counts, credits, bytes, seconds of audio, crash redos and the first errors."""
        with self._read() as db:
            totals = db.execute(
                "SELECT COALESCE(SUM(crash_redos), 0), COALESCE(SUM(credits), 0), "
                "COALESCE(SUM(bytes), 0), COALESCE(SUM(duration), 0) "
                "FROM items WHERE in_input = 1"
            ).fetchone()
            errors = db.execute(
                "SELECT id, error FROM items WHERE in_input = 1 AND state = 'failed' "
                "ORDER BY seq LIMIT ?",
                (first_errors,),
            ).fetchall()
            found = dict(
                db.execute(
                    "SELECT state, COUNT(*) FROM items WHERE in_input = 1 GROUP BY state"
                ).fetchall()
            )
        return Summary(
            counts=_counts(found),
            redone_after_crash=int(totals[0]),
            credits=float(totals[1]),
            bytes=int(totals[2]),
            duration=float(totals[3]),
            first_errors=tuple((str(i), str(e)) for i, e in errors),
        )


def _counts(found: dict[str, int]) -> Counts:
    return Counts(
        pending=found.get(PENDING, 0),
        in_flight=found.get(IN_FLIGHT, 0),
        done=found.get(DONE, 0),
        failed=found.get(FAILED, 0),
    )
