"""Audio bodies: iterating them as they arrive, and writing them to disk all-or-nothing."""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

import httpx

from ._base_client import transport_error
from ._types import StrPath
from ._validation import file_path

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


def _content_type(response: httpx.Response) -> str | None:
    value = response.headers.get("content-type")
    return value if isinstance(value, str) else None


def _credits(response: httpx.Response) -> float | None:
    value = response.headers.get("x-credits-required")
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


class SpeechStream:
    """Speech from `tts.stream`, arriving as it is synthesised.

    The request is sent when the stream is first used (entering `with`, iterating, `read()`,
    `save()`, or reading `content_type`); its status is checked before any byte is treated as
    audio, so an error answer raises a typed error instead. Use it in a `with` block, or call
    `read()`/`save()`, which close it when done.
    """

    def __init__(self, open_response: Callable[[], httpx.Response]) -> None:
        self._open_response = open_response
        self._response: httpx.Response | None = None

    @property
    def response(self) -> httpx.Response:
        if self._response is None:
            self._response = self._open_response()
        return self._response

    @property
    def content_type(self) -> str | None:
        """The audio's Content-Type, matching the requested format (e.g. `audio/wav`)."""
        return _content_type(self.response)

    @property
    def credits_required(self) -> float | None:
        """The `X-Credits-Required` header: credits this synthesis costs."""
        return _credits(self.response)

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        """The audio bytes as they arrive (or re-cut to `chunk_size`); closed at the end.

        Re-cutting copies every byte again, so writing to disk keeps the pieces as they come.
        """
        response = self.response
        try:
            yield from response.iter_bytes(chunk_size)
        except httpx.TransportError as exc:
            raise transport_error(exc, response.request) from exc
        finally:
            response.close()

    def __iter__(self) -> Iterator[bytes]:
        return self.iter_bytes()

    def read(self) -> bytes:
        """All of the audio."""
        return b"".join(self.iter_bytes())

    def save(self, path: StrPath) -> Path:
        """Stream the audio to `path` without holding it in memory; all or nothing."""
        with AtomicFile(file_path("path", path)) as out:
            for chunk in self.iter_bytes():
                out.write(chunk)
        return out.path

    def close(self) -> None:
        if self._response is not None:
            self._response.close()

    def __enter__(self) -> SpeechStream:
        _ = self.response
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncSpeechStream:
    """The asyncio form of `SpeechStream`: `async with`, `async for`, `await read()/save()`."""

    def __init__(self, open_response: Callable[[], Awaitable[httpx.Response]]) -> None:
        self._open_response = open_response
        self._response: httpx.Response | None = None

    async def open(self) -> httpx.Response:
        if self._response is None:
            self._response = await self._open_response()
        return self._response

    @property
    def response(self) -> httpx.Response:
        if self._response is None:
            raise RuntimeError("the stream is not open yet: use `async with` or `await open()`")
        return self._response

    @property
    def content_type(self) -> str | None:
        return _content_type(self.response)

    @property
    def credits_required(self) -> float | None:
        return _credits(self.response)

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """See `SpeechStream.iter_bytes`."""
        response = await self.open()
        try:
            async for chunk in response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.TransportError as exc:
            raise transport_error(exc, response.request) from exc
        finally:
            await response.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def save(self, path: StrPath) -> Path:
        # Writes are small and sequential; they run on the event loop rather than pay a thread
        # hand-off per chunk.
        with AtomicFile(file_path("path", path)) as out:
            async for chunk in self.iter_bytes():
                out.write(chunk)
        return out.path

    async def aclose(self) -> None:
        if self._response is not None:
            await self._response.aclose()

    async def __aenter__(self) -> AsyncSpeechStream:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
