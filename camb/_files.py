"""Writing files so that nothing the caller had is lost. Plain blocking file I/O, no network."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO, cast

from ._exceptions import FileWriteError
from ._types import StrPath

try:
    import fcntl
except ImportError:  # Windows: an open file cannot be deleted there, which is lock enough
    fcntl = None  # type: ignore[assignment]

# mkstemp creates files readable by their owner only; a downloaded file should get the same
# mode as any other new file. The umask can only be read by setting it, so read it once.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def is_special(path: StrPath) -> bool:
    """Whether `path` exists and is not a regular file (after symlinks): a device such as
    `/dev/null`, a FIFO, a socket, or a terminal or pipe behind `/dev/stdout`. Such a
    destination is written into, never replaced."""
    try:
        mode = os.stat(path).st_mode
    except (OSError, ValueError):
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


def _replaced_path(path: Path) -> Path:
    """Where the complete file is renamed to: the file a symlink leads to (so that the link
    stays a link, as `cp` keeps it), or `path` itself."""
    if not path.is_symlink():
        return path
    try:
        target = Path(os.path.realpath(path))
        same = os.path.samefile(target, path)
    except OSError:
        return path  # a dangling link: the new file takes its place
    return target if same else path


def _temporary_prefix(path: Path) -> str:
    return f".{path.name[:200]}."


def leftover_temporaries(path: StrPath) -> list[Path]:
    """The temporary files an `AtomicFile` writing `path` left behind when its process was
    killed: `.<name>.<8 random characters of mkstemp>.part` beside it. Exactly eight, so
    that the temporaries of `a.wav.x.wav` are never taken for those of `a.wav`."""
    path = Path(path)
    pattern = _temporary_prefix(path) + "[a-z0-9_]" * 8 + ".part"
    return [found for found in path.parent.glob(pattern) if found.is_file()]


def remove_leftovers(path: StrPath) -> int:
    """Remove the temporary files that killed writers of `path` left beside it; how many.

    A temporary that a live `AtomicFile` is writing (in this process or another) is never
    touched: every writer holds an exclusive `flock` on its temporary until it is renamed or
    removed, and a lock dies with its process, so a temporary that can be locked here has no
    writer left. (On Windows an open file cannot be deleted, to the same effect.) No age
    limit is needed, so the run that follows a killed one cleans up at once.
    """
    return sum(_remove_if_abandoned(found) for found in leftover_temporaries(path))


def remove_leftovers_in(folder: Path) -> int:
    """`remove_leftovers` for every file of `folder` (a segment cache); how many."""
    try:
        found = [entry for entry in folder.glob(".*.part") if entry.is_file()]
    except OSError:
        return 0
    return sum(_remove_if_abandoned(entry) for entry in found if _TEMPORARY.fullmatch(entry.name))


_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.part")


def _remove_if_abandoned(found: Path) -> bool:
    """Remove a temporary file whose writer is gone; False when it is alive (or gone too)."""
    if fcntl is None:
        try:
            os.unlink(found)  # refused while its writer has it open
        except OSError:
            return False
        return True
    try:
        fd = os.open(found, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Still the file that was locked (not renamed into place meanwhile).
        if os.stat(found).st_ino != os.fstat(fd).st_ino:
            return False
        os.unlink(found)
    except OSError:
        return False  # locked: its writer is alive
    finally:
        os.close(fd)
    return True


def _lock(fd: int, path: str) -> int | None:
    """Lock a new temporary file until it is renamed or removed, so that no other process
    takes it for a killed writer's leftover: the lock is held on a descriptor of its own
    (returned; -1 where nothing is locked), which outlives closing the file itself. None
    when a cleaner removed the file meanwhile (between its creation and this lock), and
    another must be made."""
    if fcntl is None:
        return -1
    lock_fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock_fd)
        return None  # a cleaner holds it, and is removing it
    except OSError:
        os.close(lock_fd)
        return -1  # a file system without locks: written unlocked, as before
    try:
        if os.stat(path).st_ino == os.fstat(fd).st_ino:
            return lock_fd
    except OSError:
        pass
    os.close(lock_fd)
    return None


def leftover_temporaries_of(folder: StrPath, names: Iterable[str]) -> list[Path]:
    """`leftover_temporaries` of every name in `names` (files of `folder`), from one listing
    of the folder: a glob per name compiles a pattern each time, seconds for a few thousand."""
    wanted = {_temporary_prefix(Path(name)) for name in names}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    found: list[Path] = []
    for entry in entries:
        match = _TEMPORARY_RE.fullmatch(entry.name)
        if match is not None and match.group(1) in wanted and entry.is_file():
            found.append(Path(entry.path))
    return found


# `_temporary_prefix` followed by mkstemp's eight characters and `.part`.
_TEMPORARY_RE = re.compile(r"(\..+\.)[a-z0-9_]{8}\.part", re.DOTALL)


class AtomicFile:
    """A file written next to its destination and renamed into place only when complete.

    The temporary file is flushed, synced to disk and closed before the rename, and renamed only
    if all of that succeeded; on any error (a body cut short, a full disk at any step) it is
    removed, so are the folders this file created, and the destination is as it was. Errors
    of the file system come out as `FileWriteError`.

    Only a regular file (or a path where nothing is) is replaced; a symlink to one keeps
    being a link to the new file. A destination that is not a regular file (a device such as
    `/dev/null`, a FIFO, `/dev/stdout`) is never replaced: the complete file is written into
    it at the end (opening a FIFO waits for its reader, as a shell redirection does), from a
    temporary file in the system's temporary folder. A socket cannot be opened and is a
    FileWriteError.
    """

    def __init__(
        self,
        path: StrPath,
        *,
        sync_folder: bool = True,
        readable: bool = False,
        sync_file: bool = True,
    ) -> None:
        self.path = Path(path)
        # Whether the rename itself is made durable (the folder synced): a cache can skip it.
        self._sync_folder_after = sync_folder
        # Whether the data is synced before the rename. Only a writer that checks what it
        # reads back (the speech cache keeps a digest) may skip it: after a power loss the
        # file could be there with the wrong bytes.
        self._sync_file = sync_file
        # Readable for writers that check or rework what they wrote before it is renamed.
        self._mode = "w+b" if readable else "wb"
        self._tmp: IO[bytes] | None = None
        self._tmp_path = ""
        self._created: list[Path] = []
        self._special = False
        self._target = self.path
        self._lock_fd = -1
        self.size = 0

    def __enter__(self) -> AtomicFile:
        try:
            self._special = is_special(self.path)
            target = self.path if self._special else _replaced_path(self.path)
            if not self._special:
                self._make_parents()
            self._target = target
            while True:
                fd, self._tmp_path = tempfile.mkstemp(
                    dir=None if self._special else target.parent,
                    prefix=_temporary_prefix(target),
                    suffix=".part",
                )
                try:
                    lock_fd = _lock(fd, self._tmp_path)
                except OSError:
                    os.close(fd)
                    raise
                if lock_fd is not None:
                    self._lock_fd = lock_fd
                    break
                # Taken for a leftover by a cleaner in the instant before it was locked.
                os.close(fd)
            os.fchmod(fd, 0o666 & ~_UMASK)
            self._tmp = os.fdopen(fd, self._mode)
        except OSError as exc:
            self._discard()
            raise self._error("cannot create the file", exc) from exc
        return self

    def _make_parents(self) -> None:
        missing: list[Path] = []
        parent = self.path.parent
        while not parent.exists() and parent != parent.parent:
            missing.append(parent)
            parent = parent.parent
        for folder in reversed(missing):
            try:
                folder.mkdir()
            except FileExistsError:
                # Made meanwhile by another writer (a concurrent segment): not ours to remove.
                if folder.is_dir():
                    continue
                raise
            self._created.append(folder)

    @property
    def file(self) -> BinaryIO:
        """The open temporary file, for writers that need to seek (a WAV header at the end)."""
        assert self._tmp is not None
        return cast(BinaryIO, self._tmp)

    def rewind(self) -> None:
        """Start the file again, empty (a write that failed part-way is being tried again)."""
        assert self._tmp is not None
        try:
            self._tmp.seek(0)
            self._tmp.truncate()
        except OSError as exc:
            raise self._error("cannot write the file", exc) from exc
        self.size = 0

    def write(self, chunk: bytes) -> None:
        assert self._tmp is not None
        try:
            self._tmp.write(chunk)
        except OSError as exc:
            raise self._error("cannot write the file", exc) from exc
        self.size += len(chunk)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self._discard()
            if isinstance(exc, OSError) and not isinstance(exc, FileWriteError):
                # Written by someone holding `file` (an audio joiner, say).
                raise self._error("cannot write the file", exc) from exc
            return
        assert self._tmp is not None
        if self._special:
            self._write_into_special()
            return
        try:
            self._tmp.flush()
            if self._sync_file:
                os.fsync(self._tmp.fileno())
            self._tmp.close()
            # Renamed while still locked: a cleaner never takes it for a leftover.
            os.replace(self._tmp_path, self._target)
        except OSError as error:
            self._discard()
            raise self._error("cannot finish the file", error) from error
        self._unlock()
        if self._sync_folder_after:
            self._sync_folder()

    def _write_into_special(self) -> None:
        """Copy the complete file into a destination that is not a regular file."""
        assert self._tmp is not None
        try:
            self._tmp.flush()
            # No O_CREAT and no O_TRUNC: the destination is written into, never made anew.
            fd = os.open(self.path, os.O_WRONLY)
            with os.fdopen(fd, "wb") as out, open(self._tmp_path, "rb") as done:
                shutil.copyfileobj(done, out)
        except OSError as error:
            raise self._error("cannot write into the file", error) from error
        finally:
            self._discard()

    def _discard(self) -> None:
        """Remove the temporary file and the folders made for it; never raises."""
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.close()
        if self._tmp_path:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp_path)
        self._unlock()
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _unlock(self) -> None:
        if self._lock_fd >= 0:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = -1

    def _sync_folder(self) -> None:
        # The rename is durable only once the folder's entry is on disk; not every platform
        # can open a folder for that, and the file is complete either way.
        with contextlib.suppress(OSError):
            fd = os.open(self._target.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _error(self, what: str, exc: OSError) -> FileWriteError:
        reason = exc.strerror or type(exc).__name__
        return FileWriteError(f"{what} {str(self.path)!r}: {reason}", path=str(self.path))
