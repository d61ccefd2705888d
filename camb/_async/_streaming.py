"""Speech arriving as it is synthesised: iterating it, reading it, saving it all-or-nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType

import httpx

from .._base_client import check_deadline, transport_error
from .._body import MAX_ERROR_BODY_BYTES, BodyDecoder, BodyEncodingError
from .._exceptions import ClientStateError, TruncatedAudioError
from .._files import AtomicFile
from .._types import StrPath
from .._validation import file_path
from .._wire._audio_check import LengthCheck
from .._wire._responses import credits_required, excerpt, not_audio, unexpected


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

    async def iter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        """The audio bytes as they arrive (or re-cut to `chunk_size`); closed at the end.

        Re-cutting copies every byte again, so writing to disk keeps the pieces as they come.
        Audio that ends before its own header says (a WAV whose data chunk declares more than
        arrived) raises `TruncatedAudioError` after its last bytes.
        """
        response = await self.open()
        # Without a Content-Type the first bytes tell JSON or HTML from audio.
        sniff = response.headers.get("content-type") is None
        received = False
        length = LengthCheck()
        try:
            async for chunk in _decoded(response, chunk_size):
                if sniff and not received:
                    reason = not_audio(None, chunk)
                    if reason is not None:
                        raise unexpected(response, reason, excerpt(chunk))
                received = True
                length.feed(chunk)
                yield chunk
                check_deadline(self._deadline, response.request)
            if not received:
                raise unexpected(response, "expected audio, got an empty body")
            short = length.shortfall()
            if short is not None:
                raise _truncated(response, short.describe(), short.declared, short.received)
        except httpx.HTTPError as exc:
            raise transport_error(exc, response.request) from exc
        except BodyEncodingError as exc:
            raise unexpected(response, str(exc)) from None
        finally:
            await response.aclose()

    def __aiter__(self) -> AsyncIterator[bytes]:
        return self.iter_bytes()

    async def read(self) -> bytes:
        """All of the audio."""
        return b"".join([chunk async for chunk in self.iter_bytes()])

    async def save(self, path: StrPath) -> Path:
        """Stream the audio to `path` without holding it in memory; all or nothing."""
        return await self.write_to(file_path("path", path))

    async def write_to(self, path: Path, *, sync_folder: bool = True) -> Path:
        """`save()` to a path already checked (the client's own files)."""
        # Writes are small and sequential; they run in the caller's thread (or on the event
        # loop) rather than pay a thread hand-off per chunk.
        with AtomicFile(path, sync_folder=sync_folder) as out:
            async for chunk in self.iter_bytes():
                out.write(chunk)
        return out.path

    async def aclose(self) -> None:
        """Close the HTTP response, if the stream was opened."""
        if self._response is not None:
            await self._response.aclose()

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


async def _decoded(response: httpx.Response, chunk_size: int | None) -> AsyncIterator[bytes]:
    """The body's non-empty pieces, decoded by `BodyDecoder` rather than by httpx: httpx takes
    a gzip or deflate stream that ends before its end marker for a whole one, and a file cut
    short would be saved as complete. Re-cut to `chunk_size` when one is given."""
    try:
        # Already read (a mocked answer, or one an httpx event hook read): decoded by httpx.
        pending = response.content
    except httpx.ResponseNotRead:
        decoder = BodyDecoder(response.headers.get("content-encoding"), limit=None)
        pending = b""
        async for raw in response.aiter_raw():
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


def _truncated(
    response: httpx.Response, what: str, declared: int, received: int
) -> TruncatedAudioError:
    request = response.request
    return TruncatedAudioError(
        f"{request.method} {request.url.path} -> {response.status_code}: {what}",
        response=response,
        declared=declared,
        received=received,
    )


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
