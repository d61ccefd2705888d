"""Speech arriving as it is synthesised: iterating it, reading it, saving it all-or-nothing."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, cast

import httpx

from .. import _async_runtime
from .._base_client import check_deadline, remaining, transport_error
from .._body import (
    AUDIO_MAX_INFLATE_RATIO,
    MAX_ERROR_BODY_BYTES,
    BodyDecoder,
    BodyEncodingError,
    BodyTooLargeError,
)
from .._exceptions import ClientStateError, TruncatedAudioError
from .._files import AtomicFile
from .._types import StrPath
from .._validation import file_path
from .._wire._audio_check import LengthCheck
from .._wire._file_format import check_name_matches_format
from .._wire._responses import credits_required, excerpt, not_audio, unexpected

if TYPE_CHECKING:
    from .._cache._store import CachedAudio, CacheWriter, KeyLock, SpeechGate


class AsyncSpeechStream:
    """Speech from `tts.stream()`, arriving as it is synthesised.

    The request is sent when the stream is opened: by entering it as a context manager,
    iterating it, or calling `open()`, `read()` or `save()`. Its status is checked before any
    byte is treated as audio, so an error answer raises a typed error instead. `read()` and
    `save()` close the stream when done; otherwise use it as a context manager. A 2xx answer
    that is not audio (JSON, HTML, an empty body) raises UnexpectedResponseError, and `save()`
    then leaves the destination as it was.

    With a speech cache (`Camb(cache=...)`), an answer stored before is served from it
    (`from_cache` is True, `credits_required` is 0, nothing is sent), and a new answer is
    stored once it has arrived whole.
    """

    def __init__(
        self,
        open_response: Callable[[], Awaitable[httpx.Response]],
        *,
        deadline: float | None = None,
        format: str | None = None,
        gate: SpeechGate | None = None,
    ) -> None:
        self._open_response = open_response
        self._deadline = deadline
        # The audio format asked for, when known: `save()` refuses a name that says another.
        self._format = format
        self._response: httpx.Response | None = None
        self._iterated = False
        self._iterator: AsyncGenerator[bytes, None] | None = None
        self._gate = gate
        self._writer: CacheWriter | None = None
        self._key_lock: KeyLock | None = None
        self.from_cache = False

    async def open(self) -> httpx.Response:
        """Send the request (once) and return the open, successful HTTP response."""
        if self._response is None:
            try:
                if self._gate is None:
                    response = await self._open_response()
                else:
                    response = await self._open_through(self._gate)
                reason = not_audio(response.headers.get("content-type"), None)
                if reason is not None:
                    raise unexpected(response, reason, await _excerpt_and_close(response))
            except BaseException:
                self._end(stored=False)
                raise
            self._response = response
        return self._response

    async def _open_through(self, gate: SpeechGate) -> httpx.Response:
        """The answer from the speech cache, or from the API (within the job's budget), with
        a writer that stores it once it is whole."""
        cache = gate.cache
        if cache is not None:
            hit = cache.lookup(gate.key)
            if hit is None and cache.replay:
                raise gate.miss()
            if hit is None:
                # Another caller synthesising the same request: wait for it, then reuse.
                self._key_lock = await self._wait_for_lock(cache.lock(gate.key.key))
                hit = cache.lookup(gate.key)
            if hit is not None:
                self._end(stored=False)
                return self._served(gate, hit)
        budget, reserved, characters = gate.budget, 0.0, gate.key.characters
        if budget is not None:
            reserved = budget.reserve(
                gate.estimate, f"the request for {gate.key.summary}", characters=characters
            )
        try:
            response = await self._open_response()
        except BaseException:
            if budget is not None:
                budget.release(reserved)
            raise
        if budget is not None:
            budget.settle(reserved, credits_required(response), characters=characters)
        if cache is not None:
            self._writer = cache.writer(gate.key)
        return response

    async def _wait_for_lock(self, lock: KeyLock) -> KeyLock | None:
        from .._cache._store import LOCK_POLL_SECONDS, LOCK_WAIT_SECONDS

        give_up = time.monotonic() + LOCK_WAIT_SECONDS
        left = remaining(self._deadline)
        if left is not None:
            give_up = min(give_up, time.monotonic() + left)
        while not lock.try_acquire():
            if time.monotonic() >= give_up:
                return None  # waited long enough: this caller pays too
            await _async_runtime.sleep(LOCK_POLL_SECONDS)
        return lock

    def _served(self, gate: SpeechGate, hit: CachedAudio) -> httpx.Response:
        from .._cache._store import CACHE_HEADER

        self.from_cache = True
        headers = {"x-credits-required": "0", CACHE_HEADER: "hit"}
        if hit.content_type:
            headers["content-type"] = hit.content_type
        return httpx.Response(
            200, headers=headers, content=hit.content, request=httpx.Request("POST", gate.url)
        )

    def _end(self, *, stored: bool) -> None:
        """The answer is over: store it if it arrived whole, else drop what was written; let
        other callers waiting for this request go on."""
        writer, self._writer = self._writer, None
        if writer is not None:
            if stored and self._response is not None:
                writer.commit(
                    content_type=self._response.headers.get("content-type"),
                    credits=credits_required(self._response),
                )
            else:
                writer.abort()
        lock, self._key_lock = self._key_lock, None
        if lock is not None:
            lock.release()

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
        Audio that ends before its own header says (a WAV whose data chunk declares more than
        arrived) raises `TruncatedAudioError` after its last bytes.
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
        writer = self._writer
        length = LengthCheck()
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
                    length.feed(chunk)
                    if writer is not None:
                        writer.write(chunk)
                    yield chunk
                    check_deadline(self._deadline, response.request)
            if not received:
                raise unexpected(response, "expected audio, got an empty body")
            short = length.shortfall()
            if short is not None:
                raise _truncated(response, short.describe(), short.declared, short.received)
            whole = True
        except httpx.HTTPError as exc:
            raise transport_error(exc, response.request) from exc
        except (BodyEncodingError, BodyTooLargeError) as exc:
            raise unexpected(response, str(exc)) from None
        except httpx.StreamError as exc:
            # Read by someone holding `response` (its own iterators, or closed by them).
            raise _consumed() from exc
        finally:
            # Only an answer read to its end, checked, is stored in the speech cache.
            self._end(stored=whole)
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
        """Stream the audio to `path` without holding it in memory; all or nothing.

        When the stream was asked for a `format`, a name whose extension is another audio
        format's (`.mp3` for `format="wav"`) is refused with InvalidInputError before the
        request is sent."""
        destination = file_path("path", path)
        check_name_matches_format("path", destination, self._format)
        return await self.write_to(destination)

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
        self._end(stored=False)
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
