"""The Live TTS protocol as a state machine, without I/O.

`LiveProtocol` makes the frames the client sends (and remembers the text it sent), and turns
each frame received into events (`_events`), checking that the server keeps to the protocol:
session.ready first, then per segment segment.start, binary audio, segment.done, in order,
then session.done. It measures each segment's audio, so that word timestamps can be placed in
the session's whole audio, and finds each segment's text in the text sent (character
offsets). The I/O (a WebSocket, asyncio or blocking) is the session's (`camb/_async/_live.py`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Mapping
from typing import Any

from .. import live_protocol as msg
from .._exceptions import AudioJoinError
from ._cache_plan import CachedSegment, LiveCachePlan
from ._errors import LiveError, LiveProtocolError, error_for_close
from ._events import (
    LiveAudio,
    LiveEvent,
    LiveSegment,
    LiveSegmentDone,
    LiveSkipped,
    LiveSummary,
    LiveWord,
)

# The project's name of each live format's audio (`camb._audio_layout`).
WIRE_FORMATS: dict[str, Any] = {"mp3": "mp3", "wav": "wav", "flac": "flac", "aac": "adts"}


class _Open:
    """The segment whose audio is arriving (`server_id`: its id on the wire)."""

    def __init__(
        self, start: LiveSegment, server_id: int, words: tuple[tuple[str, float, float], ...] | None
    ) -> None:
        self.start = start
        self.server_id = server_id
        self.words = words
        self.audio = bytearray()


class LiveProtocol:
    """One session's protocol state. Feed it what arrives; it answers events or raises a
    `LiveError` (with what arrived so far)."""

    def __init__(self, output_format: str, sample_rate: int | None) -> None:
        self.output_format = output_format
        self.sample_rate = sample_rate
        self.state = "starting"  # starting -> open -> done | failed
        self.session_id: str | None = None
        self.run_id: int | None = None
        self.server_config: dict[str, Any] = {}
        self.input_done = False
        self.cancelled = False
        self.server_error: str | None = None
        # The blocking client sends from a feeding thread while reading in the caller's.
        self._lock = threading.Lock()
        self._parts: list[str] = []
        self._cursor = 0  # where the next segment's text is looked for in the text sent
        self._spoken_end = 0  # end of the last finished segment's text in the text sent
        self._spoken: list[str] = []
        self._open: _Open | None = None
        self._next_segment = 0
        self._done_ids: list[int] = []
        self._skipped: list[LiveSkipped] = []
        self._bytes = 0
        self._offset = 0.0  # seconds of audio before the next segment
        self._first_text_at: float | None = None
        self._first_audio_at: float | None = None
        # With a speech cache (`_cache_plan`): which text is sent and which played from it.
        # Segments played from the cache take ids among the server's: a server segment's id
        # is shifted by the cached segments played before it.
        self.plan: LiveCachePlan | None = None
        self._shift = 0
        self.cached_segments = 0

    # --- what the client sends ---------------------------------------------------------------

    def start_frame(self, config: Mapping[str, Any]) -> str:
        return msg.encode(msg.session_start(config))

    def chunk_frame(self, text: str, now: float) -> str:
        self.given(text, now)
        return msg.encode(msg.text_chunk(text))

    def given(self, text: str, now: float) -> None:
        """Text the caller gave (sent, or with a cache perhaps played from it)."""
        with self._lock:
            if self._first_text_at is None:
                self._first_text_at = now
            self._parts.append(text)

    def done_frame(self) -> str:
        self.input_done = True
        return msg.encode(msg.text_done())

    @property
    def text_sent(self) -> str:
        with self._lock:
            if len(self._parts) > 1:
                self._parts[:] = ["".join(self._parts)]
            return self._parts[0] if self._parts else ""

    # --- what arrives ------------------------------------------------------------------------

    def on_text(self, data: str, now: float) -> list[LiveEvent]:
        try:
            frame = json.loads(data)
        except ValueError:
            error = self.failure(LiveProtocolError, "the server sent a text frame that is not JSON")
            raise error from None
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            raise self.failure(LiveProtocolError, "the server sent a frame without a `type`")
        kind = frame["type"]
        name = msg.SERVER_MESSAGES.get(kind)
        if name is None:
            # Unknown message types are ignored: the server may add some.
            return []
        wrong = msg.problems(name, frame)
        if wrong:
            raise self.failure(LiveProtocolError, f"the server's {kind} is malformed: {wrong[0]}")
        if kind == "session.error":
            self.server_error = str(frame["error"])
            return []
        if self.state == "starting":
            if kind != "session.ready":
                raise self.failure(LiveProtocolError, f"{kind} before session.ready")
            self.state = "open"
            self.session_id = frame["session_id"]
            self.run_id = frame["run_id"]
            self.server_config = dict(frame["config"])
            return []
        if self.state != "open":
            raise self.failure(LiveProtocolError, f"{kind} after the session ended")
        if kind == "segment.start":
            return [self._segment_start(frame)]
        if kind == "segment.done":
            return self._segment_done(frame, now)
        if kind == "segment.skipped":
            return self._skipped_segment(frame, now)
        if kind == "session.done":
            if self._open is not None:
                raise self.failure(LiveProtocolError, "session.done inside a segment")
            self.state = "done"
            played: list[LiveEvent] = []
            if self.plan is not None:
                played = self._play(self.plan.on_session_done(), now)
            return [*played, self.summary()]
        raise self.failure(LiveProtocolError, f"unexpected {kind}")

    def on_bytes(self, data: bytes, now: float) -> list[LiveEvent]:
        if self._open is None:
            raise self.failure(LiveProtocolError, "audio outside a segment")
        if len(data) > msg.AUDIO_FRAME_MAX_BYTES:
            raise self.failure(
                LiveProtocolError, f"an audio frame of {len(data)} bytes (at most 65536)"
            )
        if self._first_audio_at is None:
            self._first_audio_at = now
        self._open.audio += data
        self._bytes += len(data)
        return [LiveAudio(self._open.start.segment_id, bytes(data))]

    def open_offline(self) -> None:
        """Replay mode: the session is open with no server (no session id, no run)."""
        self.state = "open"

    def finish_offline(self) -> LiveSummary:
        """Replay mode: the input ended and the cache played all of it."""
        self.state = "done"
        return self.summary()

    def cached_events(self, now: float) -> list[LiveEvent]:
        """The events of the segments the cache answers now (none without a cache)."""
        if self.plan is None or self.state != "open":
            return []
        return self._play(self.plan.next_hits(), now)

    def _play(self, segments: list[CachedSegment], now: float) -> list[LiveEvent]:
        """Events of segments played from the cache, as if they had arrived."""
        events: list[LiveEvent] = []
        for segment in segments:
            if self._first_audio_at is None:
                self._first_audio_at = now
            segment_id = self._next_segment + self._shift
            self._shift += 1
            self.cached_segments += 1
            char_start, char_end = self._locate(segment.text)
            words = None
            if segment.words is not None:
                entries: list[Mapping[str, Any]] = [
                    {"word": w, "start": s, "end": e} for w, s, e in segment.words
                ]
                words = self._words(entries, segment.text, char_start)
            start = LiveSegment(
                segment_id, segment.text, words, self._offset, char_start, char_end, cached=True
            )
            events.append(start)
            step = msg.AUDIO_FRAME_MAX_BYTES
            for at in range(0, len(segment.audio), step):
                events.append(LiveAudio(segment_id, segment.audio[at : at + step]))
            self._bytes += len(segment.audio)
            events.append(self._finish(start, segment.audio, cached=True)[0])
        return events

    def on_close(self, code: int | None, reason: str) -> LiveError | None:
        """The connection closed (`code` None when it dropped without a close frame): the
        error to raise, or None when the session had ended as it should."""
        if self.state == "done" or self.cancelled:
            return None
        self.state = "failed"
        cls = error_for_close(code)
        meaning = msg.CLOSE_CODES.get(code or 0)
        if code is None or code == 1006:
            what = "the connection dropped"
        else:
            what = f"the server closed the session with code {code}"
            if meaning:
                what += f" ({meaning})"
        if self.server_error:
            what += f": {self.server_error}"
        elif reason:
            what += f": {reason}"
        return self.failure(cls, what, close_code=code)

    # --- segments ----------------------------------------------------------------------------

    def _segment_start(self, frame: Mapping[str, Any]) -> LiveSegment:
        if self._open is not None:
            raise self.failure(LiveProtocolError, "segment.start inside another segment")
        server_id = frame["segment_id"]
        self._check_order(server_id, "segment.start")
        text: str = frame["text"]
        char_start, char_end = self._locate(text)
        words = raw = None
        if isinstance(frame.get("word_timestamps"), list):
            words = self._words(frame["word_timestamps"], text, char_start)
            raw = tuple(
                (str(entry["word"]), float(entry["start"]), float(entry["end"]))
                for entry in frame["word_timestamps"]
            )
        start = LiveSegment(
            server_id + self._shift, text, words, self._offset, char_start, char_end
        )
        self._open = _Open(start, server_id, raw)
        return start

    def _segment_done(self, frame: Mapping[str, Any], now: float) -> list[LiveEvent]:
        current = self._open
        if current is None or frame["segment_id"] != current.server_id:
            raise self.failure(LiveProtocolError, "segment.done of a segment that is not open")
        self._open = None
        self._next_segment = current.server_id + 1
        audio = bytes(current.audio)
        done, checked = self._finish(current.start, audio, cached=False)
        if self.plan is None:
            return [done]
        start = current.start
        self.plan.on_segment(
            CachedSegment(start.text, current.words, audio), start.text, checked=checked
        )
        return [done, *self._play(self.plan.next_hits(), now)]

    def _finish(
        self, start: LiveSegment, audio: bytes, *, cached: bool
    ) -> tuple[LiveSegmentDone, bool]:
        """A segment whose audio is whole; and whether that audio could be measured."""
        duration, checked = self._measure(audio, start.words)
        self._offset += duration
        self._done_ids.append(start.segment_id)
        self._spoken.append(start.text)
        if start.char_end is not None:
            self._spoken_end = start.char_end
        done = LiveSegmentDone(
            start.segment_id,
            start.text,
            start.words,
            start.session_start,
            duration,
            len(audio),
            start.char_start,
            start.char_end,
            cached=cached,
        )
        return done, checked

    def _skipped_segment(self, frame: Mapping[str, Any], now: float) -> list[LiveEvent]:
        if self._open is not None:
            raise self.failure(LiveProtocolError, "segment.skipped inside another segment")
        self._check_order(frame["segment_id"], "segment.skipped")
        self._next_segment = frame["segment_id"] + 1
        self._locate(frame["text"])
        skipped = LiveSkipped(frame["segment_id"] + self._shift, frame["text"])
        self._skipped.append(skipped)
        if self.plan is None:
            return [skipped]
        self.plan.on_segment(None, frame["text"], checked=False)
        return [skipped, *self._play(self.plan.next_hits(), now)]

    def _check_order(self, segment_id: int, kind: str) -> None:
        if segment_id < self._next_segment:
            raise self.failure(LiveProtocolError, f"{kind} of segment {segment_id} out of order")

    def _measure(self, audio: bytes, words: tuple[LiveWord, ...] | None) -> tuple[float, bool]:
        """The audio's duration, and whether it could be measured (else never cached)."""
        from .._longform._audio_layout import audio_duration

        try:
            seconds = audio_duration(WIRE_FORMATS[self.output_format], audio, self.sample_rate)
        except AudioJoinError:
            seconds = None
        if seconds is None:
            # Audio this client cannot measure: the last word's end is the best guess.
            return max((word.end for word in words or ()), default=0.0), False
        return seconds, True

    def _locate(self, text: str) -> tuple[int | None, int | None]:
        """Where the server's segment text is in the text sent, from the last segment on."""
        sent = self.text_sent
        for candidate in (text, text.strip()):
            if not candidate:
                continue
            found = sent.find(candidate, self._cursor)
            if found >= 0:
                self._cursor = found + len(candidate)
                return found, found + len(candidate)
        return None, None

    def _words(
        self, entries: list[Mapping[str, Any]], text: str, char_start: int | None
    ) -> tuple[LiveWord, ...]:
        words: list[LiveWord] = []
        cursor = 0
        for entry in entries:
            word = str(entry["word"])
            start, end = float(entry["start"]), float(entry["end"])
            found = text.find(word, cursor) if word else -1
            chars: tuple[int | None, int | None] = (None, None)
            if found >= 0:
                cursor = found + len(word)
                if char_start is not None:
                    chars = (char_start + found, char_start + found + len(word))
            words.append(
                LiveWord(word, start, end, self._offset + start, self._offset + end, *chars)
            )
        return tuple(words)

    # --- what the session was ----------------------------------------------------------------

    def summary(self) -> LiveSummary:
        first = None
        if self._first_audio_at is not None and self._first_text_at is not None:
            first = max(0.0, self._first_audio_at - self._first_text_at)
        return LiveSummary(
            session_id=self.session_id,
            run_id=self.run_id,
            segments=len(self._done_ids),
            skipped=tuple(self._skipped),
            bytes=self._bytes,
            duration=self._offset,
            time_to_first_audio=first,
            spoken_text=self.spoken_text,
            unspoken_text=self.unspoken_text,
            cancelled=self.cancelled,
            cached_segments=self.cached_segments,
        )

    @property
    def spoken_text(self) -> str:
        return " ".join(self._spoken)

    @property
    def unspoken_text(self) -> str:
        rest = self.text_sent[self._spoken_end :] if self._done_ids else self.text_sent
        return rest if rest.strip() else ""

    def failure(
        self, cls: type[LiveError], what: str, *, close_code: int | None = None
    ) -> LiveError:
        """A `cls` saying `what`, with what the session got so far."""
        self.state = "failed"
        got = _arrived(self._done_ids)
        if self._open is not None:
            got += f", segment {self._open.start.segment_id} arrived in part"
        return cls(
            f"live speech: {what} ({got})",
            close_code=close_code,
            server_error=self.server_error,
            segments=self._done_ids,
            spoken_text=self.spoken_text,
            unspoken_text=self.unspoken_text,
            run_id=self.run_id,
        )


def _arrived(ids: list[int]) -> str:
    if not ids:
        return "no segment arrived complete"
    shown = ", ".join(str(one) for one in ids[:10]) + (", ..." if len(ids) > 10 else "")
    return f"{len(ids)} segment(s) arrived complete: {shown}"
