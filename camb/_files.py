"""Writing files so that nothing the caller had is lost. Plain blocking file I/O, no network."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from types import TracebackType
from typing import IO

from ._types import StrPath

# mkstemp creates files readable by their owner only; a downloaded file should get the same
# mode as any other new file. The umask can only be read by setting it, so read it once.
_UMASK = os.umask(0o022)
os.umask(_UMASK)


class AtomicFile:
    """A file written next to its destination and renamed into place only when complete.

    A failure part-way (a body cut short, a full disk) removes the partial file, so the
    destination either holds the whole audio or is left as it was.
    """

    def __init__(self, path: StrPath) -> None:
        self.path = Path(path)
        self._tmp: IO[bytes] | None = None
        self._tmp_path = ""
        self.size = 0

    def __enter__(self) -> AtomicFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, self._tmp_path = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".part"
        )
        os.fchmod(fd, 0o666 & ~_UMASK)
        self._tmp = os.fdopen(fd, "wb")
        return self

    def write(self, chunk: bytes) -> None:
        assert self._tmp is not None
        self._tmp.write(chunk)
        self.size += len(chunk)

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._tmp is not None
        try:
            self._tmp.close()
        finally:
            if exc_type is None:
                os.replace(self._tmp_path, self.path)
            else:
                os.unlink(self._tmp_path)
