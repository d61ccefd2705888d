"""Live speech: `client.tts.live(...)`, text in as it is written, audio out as it is made.

One WebSocket session of Camb's Live TTS (`openapi/camb-live-tts.asyncapi.json`). The
protocol's rules and bookkeeping are `camb._live._protocol` (no I/O); this is the I/O around
them, written once for asyncio and turned into the blocking client by `scripts/unasync.py`.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import time
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .. import _async_runtime
from .. import _validation as check
from .. import live_protocol as msg
from .._base_client import USER_AGENT, remaining
from .._constants import API_KEY_HEADER
from .._exceptions import (
    BudgetExceededError,
    CacheError,
    CacheMissError,
    CambError,
    ClientStateError,
)
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
    from .._cache._store import RequestKey, SpeechCache
    from .._live._cache_plan import CachedSegment
    from ._api_client import AsyncAPIClient

log = logging.getLogger("camb")

# Set while text is sent from the background (the feeder) or by the reader: a connection the
# server closed then only stops the sending, and the reader, which drains what arrived before
# the close, reports it with every segment that arrived. A caller's own send() reports it.
_SENDING_IN_BACKGROUND: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "camb_live_sending_in_background", default=False
)

_REFUSED = {
    400: LiveBadRequestError,
    401: LiveAuthenticationError,
    403: LiveAuthenticationError,
    402: LivePaymentRequiredError,
}
# With a speech cache, how often the session looks for cached segments to play and fragments
# to flush while it waits for the server.
CACHE_POLL_SECONDS = 0.05
# What a cache entry of live speech holds (`camb._live._cache_plan.encode_unit`).
LIVE_CACHE_CONTENT_TYPE = "application/vnd.camb.live-segments"


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

    With a speech cache (`Camb(cache=...)`) the session cuts the text into sentences itself
    (by the server's rule) and plays a sentence the cache holds for this voice and these
    options from it (0 credits; its events say `cached=True`); the others are sent and stored
    once whole. In replay mode nothing is connected: every sentence must come from the cache.
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
        self._opened = False
        self._last_progress = 0.0
        self._sent_characters = 0  # within a budget: what was sent (not played from a cache)
        self._cache: SpeechCache | None = client._speech_cache
        if self._cache is not None:
            from .._live._cache_plan import LiveCachePlan

            idle = self._config.get("idle_timeout") or msg.SESSION_DEFAULTS["idle_timeout"]
            self._protocol.plan = LiveCachePlan(self._cached_unit, float(idle))  # type: ignore[arg-type]

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
        if self._opened:
            raise ClientStateError("this live session is already open")
        self._client._check_open()
        self._last_progress = time.monotonic()
        if self._cache is not None and self._cache.replay:
            # Replay: every sentence comes from the cache; nothing is connected.
            self._protocol.open_offline()
            self._opened = True
            if self._text is not None:
                self.feed(self._text)
            return
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
        self._opened = True
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
        if not self._opened:
            raise ClientStateError("open the live session first (use it with `async with`)")
        if not chunk:
            return
        plan = self._protocol.plan
        if plan is None:
            if self._budget is not None:
                await self._reserve(chunk)
            await self._send(self._protocol.chunk_frame(chunk, time.monotonic()))
            return
        now = time.monotonic()
        self._protocol.given(chunk, now)
        plan.add(chunk, now)
        await self._follow_plan()

    async def _follow_plan(self) -> None:
        """With a speech cache: store what arrived whole, send what the plan says is to be
        sent (within the budget), and end the input when it is time."""
        plan = self._protocol.plan
        assert plan is not None
        for unit in plan.take_stores():
            self._store(unit.text, unit.segments)
        while True:
            texts, done = plan.take_sends()
            if not texts and not done:
                return
            try:
                for index, text in enumerate(texts):
                    if self._cache is not None and self._cache.replay:
                        raise self._miss(text)
                    if self._budget is not None:
                        try:
                            self._reserve_text(text)
                        except BudgetExceededError:
                            # What was sent is spoken; this text and all after it are not.
                            plan.stop(len(texts) - index)
                            self._protocol.input_done = True
                            if self._socket is not None:
                                await self._send(msg.encode(msg.text_done()))
                            raise
                    await self._send(msg.encode(msg.text_chunk(text)))
                if done and self._socket is not None:
                    await self._send(msg.encode(msg.text_done()))
            finally:
                plan.sent()

    # --- the speech cache ------------------------------------------------------------------

    def _unit_key(self, text: str) -> RequestKey:
        """A sentence's key: the session's options that shape the audio (not `idle_timeout`,
        which only decides when the server speaks), the model, the text, the API's origin."""
        from .._cache._store import request_key

        body = {name: value for name, value in self._config.items() if name != "idle_timeout"}
        body.update(speech_model=msg.SPEECH_MODEL, text=text)
        request = {"method": "WEBSOCKET", "url": msg.LIVE_PATH, "json": body}
        return request_key(self._client.base_url, request)

    def _cached_unit(self, text: str) -> tuple[CachedSegment, ...] | None:
        from .._live._cache_plan import decode_unit

        assert self._cache is not None
        try:
            hit = self._cache.lookup(self._unit_key(text))
        except CacheError as error:
            if self._cache.replay:
                raise
            log.warning("camb: live speech without the speech cache for this sentence: %s", error)
            return None
        if hit is None or hit.content_type != LIVE_CACHE_CONTENT_TYPE:
            return None
        return decode_unit(hit.content)

    def _store(self, text: str, segments: tuple[CachedSegment, ...]) -> None:
        from .._live._cache_plan import encode_unit

        assert self._cache is not None
        if self._cache.replay:
            return
        writer = self._cache.writer(self._unit_key(text))
        try:
            writer.write(encode_unit(segments))
            writer.commit(content_type=LIVE_CACHE_CONTENT_TYPE, credits=None)
        except CacheError as error:
            # The cache is a convenience: a failing index must not end the session.
            writer.abort()
            log.warning("camb: not caching a live sentence: %s", error)

    def _miss(self, text: str) -> CacheMissError:
        assert self._cache is not None
        key = self._unit_key(text.strip())
        return CacheMissError(
            f"replay: the speech cache {str(self._cache.path)!r} holds no live speech for "
            f"{key.summary} (key {key.key[:16]}); replay mode sends nothing: record it once "
            "with the cache in readwrite mode",
            key=key.key,
            summary=key.summary,
        )

    async def _reserve(self, chunk: str) -> None:
        """Count `chunk` against the budget before it is sent; past the budget, end the
        input and say so."""
        try:
            self._reserve_text(chunk)
        except BudgetExceededError:
            await self.end()
            raise

    def _reserve_text(self, text: str) -> None:
        """Count `text` against the budget (live speech reports no credits: the estimate is
        what is spent), or raise BudgetExceededError saying what was and was not sent."""
        assert self._budget is not None
        try:
            estimate = self._budget.reserve(
                len(text) * self._rate, "the next text", characters=len(text)
            )
        except BudgetExceededError as error:
            raise BudgetExceededError(
                f"{error}; the {self._sent_characters} characters sent before are spoken, "
                f"this text of {len(text)} characters and any after it were not sent",
                spent=error.spent,
                max_credits=error.max_credits,
            ) from None
        self._budget.settle(estimate, None)
        self._sent_characters += len(text)

    async def end(self) -> None:
        """End the input: the server speaks what is left, then ends the session."""
        if self._protocol.input_done or self._stopping:
            return
        if not self._opened:
            raise ClientStateError("open the live session first (use it with `async with`)")
        plan = self._protocol.plan
        if plan is None:
            await self._send(self._protocol.done_frame())
            return
        self._protocol.input_done = True
        plan.end()
        await self._follow_plan()

    def feed(self, chunks: str | Iterable[str] | AsyncIterable[str], *, end: bool = True) -> None:
        """Send `chunks` (a str, or an iterable or async iterable of str, such as an LLM's
        tokens) in the background, as they come, then end the input unless `end=False`.
        An error of the iterable ends the session with that error."""
        if self._feeder is not None:
            raise ClientStateError("this live session is already being fed")
        source = AsyncLiveSocket.text_chunks(chunks)

        async def work() -> None:
            _SENDING_IN_BACKGROUND.set(True)
            try:
                async for chunk in source:
                    if self._stopping:
                        return
                    await self.send(chunk)
                if end and not self._stopping:
                    await self.end()
            except SocketClosed:
                return  # the reader reports the close

        self._feeder = AsyncLiveSocket.start(work)

    async def _send(self, frame: str) -> None:
        assert self._socket is not None
        try:
            await self._socket.send(frame)
        except SocketClosed as closed:
            if self._stopping:
                return
            if _SENDING_IN_BACKGROUND.get():
                raise
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

    async def _poll(self) -> str | bytes | None:
        """With a speech cache: the next frame, or None after a short wait (so that cached
        sentences given meanwhile are played), or LiveTimeoutError once the session's
        total_timeout has passed or nothing has come for the read timeout."""
        wait = CACHE_POLL_SECONDS
        left = remaining(self._options.deadline)
        if left is not None:
            wait = max(0.0, min(wait, left))
        frame: str | bytes | None = None
        if self._socket is None:
            await _async_runtime.sleep(wait)
        else:
            try:
                frame = await self._socket.receive(wait)
            except SocketTimeout:
                frame = None
            except SocketClosed as closed:
                error = self._protocol.on_close(closed.code, closed.reason)
                if error is None:
                    raise
                raise error from None
        left = remaining(self._options.deadline)
        if left is not None and left <= 0:
            raise self._protocol.failure(LiveTimeoutError, "the session's total_timeout passed")
        read = self._options.timeout.read
        if frame is None and read is not None and time.monotonic() - self._last_progress >= read:
            what = f"nothing arrived for {read} s (the read timeout)"
            raise self._protocol.failure(LiveTimeoutError, what)
        return frame

    async def _cached_events(self) -> list[LiveEvent]:
        """With a speech cache: flush a fragment left idle, follow the plan, and answer the
        events of the sentences the cache plays now (and the summary once all is played, in
        replay mode)."""
        plan = self._protocol.plan
        assert plan is not None
        now = time.monotonic()
        plan.idle(now)
        events = self._protocol.cached_events(now)
        token = _SENDING_IN_BACKGROUND.set(True)
        try:
            await self._follow_plan()
        except SocketClosed:
            pass  # the next wait for a frame meets the close, after what arrived before it
        finally:
            _SENDING_IN_BACKGROUND.reset(token)
        if self._socket is None and plan.input_ended and not plan.waiting:
            events.append(self._protocol.finish_offline())
        if events:
            self._last_progress = now
        return events

    async def _events(self) -> AsyncIterator[LiveEvent]:
        while self._summary is None:
            failed = self._feeder.failure() if self._feeder is not None else None
            if failed is not None:
                await self.cancel()
                raise failed
            if self._protocol.plan is not None:
                try:
                    played = await self._cached_events()
                    for event in played:
                        await self._note(event)
                        yield event
                        if self._stopping:
                            return
                    if self._summary is not None:
                        return
                    frame = await self._poll()
                except SocketClosed:
                    return
                except CambError:
                    if self._stopping:
                        return
                    await self._abort()
                    raise
                if frame is None:
                    continue
                self._last_progress = time.monotonic()
            else:
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
            events = await self._handle(frame)
            if self._protocol.plan is not None:
                for unit in self._protocol.plan.take_stores():
                    self._store(unit.text, unit.segments)
            for event in events:
                await self._note(event)
                yield event
                if self._stopping:
                    return

    async def _note(self, event: LiveEvent) -> None:
        """Before an event is yielded: the summary ends the session."""
        if isinstance(event, LiveSummary):
            self._summary = event
            await self._close()

    async def _handle(self, frame: str | bytes) -> list[LiveEvent]:
        """The events of one frame received."""
        now = time.monotonic()
        try:
            if isinstance(frame, bytes):
                return self._protocol.on_bytes(frame, now)
            return self._protocol.on_text(frame, now)
        except LiveError:
            await self._abort()
            raise

    def __aiter__(self) -> AsyncIterator[LiveEvent]:
        if not self._opened:
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
