"""Speech arriving as it is synthesised: iterating it, reading it, saving it all-or-nothing."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import cast

import httpx

from .. import _async_runtime
from .._base_client import check_deadline, transport_error
from .._body import (
    AUDIO_MAX_INFLATE_RATIO,
    MAX_ERROR_BODY_BYTES,
    BodyDecoder,
    BodyEncodingError,
    BodyTooLargeError,
)
from .._exceptions import ClientStateError
from .._files import AtomicFile
from .._responses import credits_required, excerpt, not_audio, unexpected
from .._types import StrPath
from .._validation import file_path


class AsyncSpeechStream:
    """Speech from `tts.stream()`, arriving as it is synthesised.

    The request is sent when the stream is opened: by entering it as a context manager,
    iterating it, or calling `open()`, `read()` or `save()`. Its status is checked before any
    byte is treated as audio, so an error answer raises a typed error instead. `read()` and
    `save()` close the stream when done; otherwise use it as a context manager. A 2xx answer
    that is not audio (JSON, HTML, an empty body) raises UnexpectedResponseError, and `save()`
    then leaves the destination as it was.
    """

    def __init__(
        self,
        open_response: Callable[[], Awaitable[httpx.Response]],
        *,
        deadline: float | None = None,
    ) -> None:
        self._open_response = open_response
        self._deadline = deadline
        self._response: httpx.Response | None = None
        self._iterated = False
        self._iterator: AsyncGenerator[bytes, None] | None = None

    async def open(self) -> httpx.Response:
        """Send the request (once) and return the open, successful HTTP response."""
        if self._response is None:
            response = await self._open_response()
            reason = not_audio(response.headers.get("content-type"), None)
            if reason is not None:
                raise unexpected(response, reason, await _excerpt_and_close(response))
            self._response = response
        return self._response

    @property
    def response(self) -> httpx.Response:
        """The HTTP response of an opened stream."""
        if self._response is None:
            raise ClientStateError(
                "the stream is not open yet: use it as a context manager or call open() first"
            )
        return self._response

    @property
    def content_type(self) -> str | None:
        """The audio's Content-Type, matching the requested format (e.g. `audio/wav`)."""
        value = self.response.headers.get("content-type")
        return value if isinstance(value, str) else None

    @property
    def credits_required(self) -> float | None:
        """The `X-Credits-Required` header: credits this synthesis costs."""
        return credits_required(self.response)

    def iter_bytes(self, chunk_size: int | None = None) -> AsyncGenerator[bytes, None]:
        """The audio bytes as they arrive (or re-cut to `chunk_size`); closed at the end.

        Re-cutting copies every byte again, so writing to disk keeps the pieces as they come.
        An iterator left part-way is closed with the stream (`aclose()`, or leaving `async
        with`), not left for the garbage collector to finish on an event loop that may be gone.
        """
        iterator = self._iter_bytes(chunk_size)
        self._iterator = iterator
        return iterator

    async def _iter_bytes(self, chunk_size: int | None) -> AsyncGenerator[bytes, None]:
        response = await self.open()
        if self._iterated:
            raise _consumed()
        self._iterated = True
        # Without a Content-Type the first bytes tell JSON or HTML from audio.
        sniff = response.headers.get("content-type") is None
        received = whole = False
        try:
            # Closed here, whatever ends this loop: an inner generator left suspended would be
            # finished by the garbage collector, after the event loop may be closed.
            async with contextlib.aclosing(_decoded(response, chunk_size)) as chunks:
                async for chunk in chunks:
                    if sniff and not received:
                        reason = not_audio(None, chunk)
                        if reason is not None:
                            raise unexpected(response, reason, excerpt(chunk))
                    received = True
                    yield chunk
                    check_deadline(self._deadline, response.request)
            whole = True
            if not received:
                raise unexpected(response, "expected audio, got an empty body")
        except httpx.HTTPError as exc:
            raise transport_error(exc, response.request) from exc
        except (BodyEncodingError, BodyTooLargeError) as exc:
            raise unexpected(response, str(exc)) from None
        except httpx.StreamError as exc:
            # Read by someone holding `response` (its own iterators, or closed by them).
            raise _consumed() from exc
        finally:
            await response.aclose()
            if not whole:
                await _async_runtime.settle()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def read(self) -> bytes:
        """All of the audio."""
        async with contextlib.aclosing(self.iter_bytes()) as chunks:
            return b"".join([chunk async for chunk in chunks])

    async def save(self, path: StrPath) -> Path:
        """Stream the audio to `path` without holding it in memory; all or nothing."""
        return await self.write_to(file_path("path", path))

    async def write_to(self, path: Path, *, sync_folder: bool = True) -> Path:
        """`save()` to a path already checked (the client's own files)."""
        # Writes are small and sequential; they run in the caller's thread (or on the event
        # loop) rather than pay a thread hand-off per chunk.
        chunks = self.iter_bytes()
        with AtomicFile(path, sync_folder=sync_folder) as out:
            try:
                async for chunk in chunks:
                    out.write(chunk)
            finally:
                await chunks.aclose()
        return out.path

    async def aclose(self) -> None:
        """Close the HTTP response, if the stream was opened, and an iterator of it left
        part-way."""
        iterator, self._iterator = self._iterator, None
        if iterator is not None:
            await iterator.aclose()
        if self._response is not None and not self._response.is_closed:
            await self._response.aclose()
            await _async_runtime.settle()

    async def __aenter__(self) -> AsyncSpeechStream:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


def _consumed() -> ClientStateError:
    return ClientStateError(
        "this speech stream was already read: its audio arrives once. Keep the bytes of the "
        "first read (read() returns them, save() writes them), or call tts.stream() again "
        "for a new synthesis (which costs credits again)"
    )


async def _decoded(response: httpx.Response, chunk_size: int | None) -> AsyncGenerator[bytes, None]:
    """The body's non-empty pieces, decoded by `BodyDecoder` rather than by httpx: httpx takes
    a gzip or deflate stream that ends before its end marker for a whole one, and a file cut
    short would be saved as complete. Re-cut to `chunk_size` when one is given."""
    try:
        # Already read (a mocked answer, or one an httpx event hook read): decoded by httpx.
        pending = response.content
    except httpx.ResponseNotRead:
        decoder = BodyDecoder(
            response.headers.get("content-encoding"),
            limit=None,
            max_ratio=AUDIO_MAX_INFLATE_RATIO,
        )
        pending = b""
        raw_pieces = cast("AsyncGenerator[bytes, None]", response.aiter_raw())
        async with contextlib.aclosing(raw_pieces) as raws:
            async for raw in raws:
                decoder.feed(raw)
                pending += decoder.take()
                while pending and (chunk_size is None or len(pending) >= chunk_size):
                    size = len(pending) if chunk_size is None else chunk_size
                    yield pending[:size]
                    pending = pending[size:]
        pending += decoder.finish()
    while pending:
        yield pending[: chunk_size or len(pending)]
        pending = pending[chunk_size or len(pending) :]


async def _excerpt_and_close(response: httpx.Response) -> str:
    """A short excerpt of a body that is not audio, for the error; read capped."""
    from ._api_client import AsyncAPIClient

    try:
        content = await AsyncAPIClient._read_body(
            response, limit=MAX_ERROR_BODY_BYTES, deadline=None, truncate=True
        )
    except (httpx.HTTPError, BodyEncodingError):
        return ""
    return excerpt(content)
