"""Writing files so that nothing the caller had is lost. Plain blocking file I/O, no network."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO, BinaryIO, cast

from ._exceptions import FileWriteError
from ._types import StrPath

# mkstemp creates files readable by their owner only; a downloaded file should get the same
# mode as any other new file. The umask can only be read by setting it, so read it once.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def _temporary_prefix(path: Path) -> str:
    return f".{path.name[:200]}."


def leftover_temporaries(path: StrPath) -> list[Path]:
    """The temporary files an `AtomicFile` writing `path` left behind when its process was
    killed: `.<name>.<8 random characters of mkstemp>.part` beside it. Exactly eight, so
    that the temporaries of `a.wav.x.wav` are never taken for those of `a.wav`."""
    path = Path(path)
    pattern = _temporary_prefix(path) + "[a-z0-9_]" * 8 + ".part"
    return [found for found in path.parent.glob(pattern) if found.is_file()]


class AtomicFile:
    """A file written next to its destination and renamed into place only when complete.

    The temporary file is flushed, synced to disk and closed before the rename, and renamed only
    if all of that succeeded; on any error (a body cut short, a full disk at any step) it is
    removed, so are the folders this file created, and the destination is as it was. Errors
    of the file system come out as `FileWriteError`.
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
        self.size = 0

    def __enter__(self) -> AtomicFile:
        try:
            self._make_parents()
            fd, self._tmp_path = tempfile.mkstemp(
                dir=self.path.parent, prefix=_temporary_prefix(self.path), suffix=".part"
            )
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
        try:
            self._tmp.flush()
            if self._sync_file:
                os.fsync(self._tmp.fileno())
            self._tmp.close()
            os.replace(self._tmp_path, self.path)
        except OSError as error:
            self._discard()
            raise self._error("cannot finish the file", error) from error
        if self._sync_folder_after:
            self._sync_folder()

    def _discard(self) -> None:
        """Remove the temporary file and the folders made for it; never raises."""
        if self._tmp is not None:
            with contextlib.suppress(OSError):
                self._tmp.close()
        if self._tmp_path:
            with contextlib.suppress(OSError):
                os.unlink(self._tmp_path)
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                folder.rmdir()

    def _sync_folder(self) -> None:
        # The rename is durable only once the folder's entry is on disk; not every platform
        # can open a folder for that, and the file is complete either way.
        with contextlib.suppress(OSError):
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _error(self, what: str, exc: OSError) -> FileWriteError:
        reason = exc.strerror or type(exc).__name__
        return FileWriteError(f"{what} {str(self.path)!r}: {reason}", path=str(self.path))
