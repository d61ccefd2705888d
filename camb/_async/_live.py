"""Live speech: `client.tts.live(...)`, text in as it is written, audio out as it is made.

One WebSocket session of Camb's Live TTS (`openapi/camb-live-tts.asyncapi.json`). The
protocol's rules and bookkeeping are `camb._live._protocol` (no I/O); this is the I/O around
them, written once for asyncio and turned into the blocking client by `scripts/unasync.py`.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .. import _validation as check
from .._base_client import USER_AGENT, remaining
from .._constants import API_KEY_HEADER
from .._exceptions import BudgetExceededError, ClientStateError
from .._files import AtomicFile
from .._live._config import live_url
from .._live._errors import (
    LiveAuthenticationError,
    LiveBadRequestError,
    LiveConnectionError,
    LiveError,
    LivePaymentRequiredError,
    LiveTimeoutError,
)
from .._live._events import (
    LiveAudio,
    LiveEvent,
    LiveSegmentDone,
    LiveSummary,
)
from .._live._protocol import LiveProtocol
from .._live._sockets import (
    AsyncBackground,
    AsyncLiveSocket,
    SocketClosed,
    SocketFailed,
    SocketTimeout,
)
from .._options import RequestOptions
from .._types import StrPath

if TYPE_CHECKING:
    from .._cache._cost import CreditBudget
    from ._api_client import AsyncAPIClient

_REFUSED = {
    400: LiveBadRequestError,
    401: LiveAuthenticationError,
    403: LiveAuthenticationError,
    402: LivePaymentRequiredError,
}


class AsyncLiveSession:
    """One live speech session. Use it as a context manager (the connection opens on entry
    and `session.ready` is awaited), send text, and iterate its events.

        async with client.tts.live(voice_id, format="wav") as session:
            session.feed(llm_tokens)           # in the background; ends the input after
            async for event in session:        # LiveSegment, LiveAudio, LiveSegmentDone,
                ...                            # LiveSkipped, then LiveSummary

    `send(text)` and `end()` send text yourself; `feed(chunks)` sends a str or an
    (async) iterable of str in the background. `save(path)` writes the whole session's audio
    (and captions), `play(callback)` hands the audio to a callback, `cancel()` stops at once.
    Received frames wait in a bounded queue: a caller that reads slowly slows the server down
    instead of growing memory.
    """

    def __init__(
        self,
        client: AsyncAPIClient,
        config: Mapping[str, Any],
        options: RequestOptions,
        text: str | Iterable[str] | AsyncIterable[str] | None = None,
        *,
        budget: CreditBudget | None = None,
        rate: float | None = None,
    ) -> None:
        self._client = client
        self._budget = budget
        self._rate = rate or 0.0
        self._config = dict(config)
        self._options = options
        self._text = text
        self.format: str = self._config["output_format"]
        self._protocol = LiveProtocol(self.format, self._config.get("sample_rate"))
        self._socket: AsyncLiveSocket | None = None
        self._feeder: AsyncBackground | None = None
        self._iterator: AsyncIterator[LiveEvent] | None = None
        self._summary: LiveSummary | None = None
        self._stopping = False

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(state={self._protocol.state!r}, "
            f"session_id={self._protocol.session_id!r}, run_id={self._protocol.run_id!r})"
        )

    @property
    def session_id(self) -> str | None:
        return self._protocol.session_id

    @property
    def run_id(self) -> int | None:
        """The id of the run Camb made for this session (readable with the run endpoints)."""
        return self._protocol.run_id

    @property
    def summary(self) -> LiveSummary | None:
        """The session's summary once it has ended (or been cancelled); None before."""
        return self._summary

    @property
    def text_sent(self) -> str:
        """All the text sent so far, as one string (character offsets index it)."""
        return self._protocol.text_sent

    # --- opening and closing -------------------------------------------------------------

    async def open(self) -> None:
        """Connect, send session.start, and wait for session.ready."""
        if self._socket is not None:
            raise ClientStateError("this live session is already open")
        self._client._check_open()
        headers = {
            **self._client.default_headers,
            **self._options.extra_headers,
            "user-agent": USER_AGENT,
            API_KEY_HEADER: self._client._api_key,
        }
        try:
            self._socket = await AsyncLiveSocket.open(
                live_url(self._client.base_url), headers, open_timeout=self._wait_limit(True)
            )
        except SocketTimeout as error:
            raise self._protocol.failure(LiveTimeoutError, str(error)) from None
        except SocketFailed as error:
            cls = _REFUSED.get(error.status or 0, LiveConnectionError)
            raise self._protocol.failure(cls, str(error)) from None
        try:
            await self._send(self._protocol.start_frame(self._config))
            while self._protocol.state == "starting":
                frame = await self._receive()
                if isinstance(frame, bytes):
                    self._protocol.on_bytes(frame, time.monotonic())  # raises: no segment open
                self._protocol.on_text(str(frame), time.monotonic())
        except BaseException:
            await self._abort()
            raise
        if self._text is not None:
            self.feed(self._text)

    async def __aenter__(self) -> AsyncLiveSession:
        await self.open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._summary is None:
            # Left early (or by an error): stop at once, nothing more is sent or read.
            await self.cancel()
        await self._close()

    async def cancel(self) -> LiveSummary:
        """Stop now (barge-in): no more text is sent, the connection is cut, no event follows.

        Answers the summary: `spoken_text` is the text of the segments whose audio arrived
        whole, `unspoken_text` the text sent after them (the segment that was playing
        included), `cancelled` is True.
        """
        if self._summary is not None:
            return self._summary
        self._stopping = True
        self._protocol.cancelled = True
        self._summary = self._protocol.summary()
        if self._feeder is not None:
            await self._feeder.stop()
        await self._abort()
        return self._summary

    async def _abort(self) -> None:
        if self._socket is not None:
            self._socket.abort()
            await self._socket.close()

    async def _close(self) -> None:
        if self._socket is not None:
            await self._socket.close()

    # --- sending ---------------------------------------------------------------------------

    async def send(self, text: str) -> None:
        """Send a piece of text (any length; the server finds the sentences)."""
        chunk = check.text("text", text, min_len=0)
        if self._protocol.input_done or self._stopping:
            raise ClientStateError("this live session's input has ended; no more text")
        if self._socket is None:
            raise ClientStateError("open the live session first (use it with `async with`)")
        if chunk:
            if self._budget is not None:
                await self._reserve(chunk)
            await self._send(self._protocol.chunk_frame(chunk, time.monotonic()))

    async def _reserve(self, chunk: str) -> None:
        """Count `chunk` against the budget before it is sent (live speech reports no credits:
        the estimate is what is spent); past the budget, end the input and say so."""
        assert self._budget is not None
        try:
            estimate = self._budget.reserve(
                len(chunk) * self._rate, "the next text", characters=len(chunk)
            )
        except BudgetExceededError as error:
            sent = len(self._protocol.text_sent)
            await self.end()
            raise BudgetExceededError(
                f"{error}; the {sent} characters sent before are spoken, this text of "
                f"{len(chunk)} characters and any after it were not sent",
                spent=error.spent,
                max_credits=error.max_credits,
            ) from None
        self._budget.settle(estimate, None)

    async def end(self) -> None:
        """End the input: the server speaks what is left, then ends the session."""
        if self._protocol.input_done or self._stopping:
            return
        if self._socket is None:
            raise ClientStateError("open the live session first (use it with `async with`)")
        await self._send(self._protocol.done_frame())

    def feed(self, chunks: str | Iterable[str] | AsyncIterable[str], *, end: bool = True) -> None:
        """Send `chunks` (a str, or an iterable or async iterable of str, such as an LLM's
        tokens) in the background, as they come, then end the input unless `end=False`.
        An error of the iterable ends the session with that error."""
        if self._feeder is not None:
            raise ClientStateError("this live session is already being fed")
        source = AsyncLiveSocket.text_chunks(chunks)

        async def work() -> None:
            async for chunk in source:
                if self._stopping:
                    return
                await self.send(chunk)
            if end and not self._stopping:
                await self.end()

        self._feeder = AsyncLiveSocket.start(work)

    async def _send(self, frame: str) -> None:
        assert self._socket is not None
        try:
            await self._socket.send(frame)
        except SocketClosed as closed:
            if self._stopping:
                return
            # The server closed first: what it said before (session.error) is still queued.
            code, reason = await self._read_to_close(closed)
            error = self._protocol.on_close(code, reason)
            if error is not None:
                raise error from None

    async def _read_to_close(self, closed: SocketClosed) -> tuple[int | None, str]:
        assert self._socket is not None
        while True:
            try:
                frame = await self._socket.receive(1.0)
            except SocketClosed as final:
                return final.code, final.reason
            except SocketTimeout:
                return closed.code, closed.reason
            if isinstance(frame, str):
                with contextlib.suppress(LiveError):
                    self._protocol.on_text(frame, time.monotonic())

    # --- receiving -------------------------------------------------------------------------

    def _wait_limit(self, connecting: bool = False) -> float | None:
        timeout = self._options.timeout
        limit = timeout.connect if connecting else timeout.read
        left = remaining(self._options.deadline)
        if left is None:
            return limit
        if left <= 0:
            raise self._protocol.failure(LiveTimeoutError, "the session's total_timeout passed")
        return left if limit is None else min(limit, left)

    async def _receive(self) -> str | bytes:
        assert self._socket is not None
        try:
            return await self._socket.receive(self._wait_limit())
        except SocketTimeout:
            left = remaining(self._options.deadline)
            if left is not None and left <= 0:
                what = "the session's total_timeout passed"
            else:
                what = f"no frame arrived for {self._options.timeout.read} s (the read timeout)"
            raise self._protocol.failure(LiveTimeoutError, what) from None
        except SocketClosed as closed:
            error = self._protocol.on_close(closed.code, closed.reason)
            if error is None:
                raise
            raise error from None

    async def _events(self) -> AsyncIterator[LiveEvent]:
        while self._summary is None:
            failed = self._feeder.failure() if self._feeder is not None else None
            if failed is not None:
                await self.cancel()
                raise failed
            try:
                frame = await self._receive()
            except SocketClosed:
                return  # cancelled meanwhile
            except LiveError:
                if self._stopping:
                    return
                await self._abort()
                raise
            if self._stopping:
                return
            now = time.monotonic()
            try:
                if isinstance(frame, bytes):
                    events = self._protocol.on_bytes(frame, now)
                else:
                    events = self._protocol.on_text(frame, now)
            except LiveError:
                await self._abort()
                raise
            for event in events:
                if isinstance(event, LiveSummary):
                    self._summary = event
                    await self._close()
                yield event
                if self._stopping:
                    return

    def __aiter__(self) -> AsyncIterator[LiveEvent]:
        if self._socket is None:
            raise ClientStateError("open the live session first (use it with `async with`)")
        if self._iterator is None:
            self._iterator = self._events()
        return self._iterator

    # --- helpers ---------------------------------------------------------------------------

    async def save(self, path: StrPath, *, captions: StrPath | None = None) -> LiveSummary:
        """Read the session to its end and write its whole audio to `path` (one file in the
        session's format; it appears only when complete), and captions to `captions` (.srt,
        .vtt or .json) if given. Answers the summary."""
        destination = check.file_path("path", path)
        from .._live._audio import SessionAudioWriter

        collector = _caption_collector(captions)
        with AtomicFile(destination, readable=True) as out:
            writer = SessionAudioWriter(self.format, out.file)
            async for event in self:
                writer.feed(event)
                if collector is not None:
                    collector.feed(event)
            writer.finish()
        if collector is not None:
            collector.write(self._protocol.text_sent)
        return self._finished_summary()

    async def play(
        self, callback: Callable[[bytes], object], *, whole_segments: bool = False
    ) -> LiveSummary:
        """Read the session to its end, handing its audio to `callback` as it arrives (or one
        complete segment at a time with `whole_segments=True`). Answers the summary."""
        segment = bytearray()
        async for event in self:
            if isinstance(event, LiveAudio):
                if whole_segments:
                    segment += event.data
                else:
                    callback(event.data)
            elif isinstance(event, LiveSegmentDone) and whole_segments:
                callback(bytes(segment))
                segment = bytearray()
        return self._finished_summary()

    async def captions(self, path: StrPath) -> LiveSummary:
        """Read the session to its end and write its captions to `path` (.srt, .vtt or
        .json), word-exact, without keeping the audio. Answers the summary."""
        collector = _caption_collector(path)
        assert collector is not None
        async for event in self:
            collector.feed(event)
        collector.write(self._protocol.text_sent)
        return self._finished_summary()

    def _finished_summary(self) -> LiveSummary:
        if self._summary is None:
            raise ClientStateError("the live session has not ended")
        return self._summary


def _caption_collector(path: StrPath | None) -> Any:
    if path is None:
        return None
    from .._longform._captions import LiveCaptionCollector

    return LiveCaptionCollector(path)
