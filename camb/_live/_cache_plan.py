"""Live speech through the speech cache: which text goes to the server, which is answered
from the cache, and in what order the two are heard. A plain state machine, no I/O (the
cache is asked through a lookup function the session gives).

The server cuts segments itself, so a client cannot know a segment's text before paying for
it, unless it cuts first. With a cache, the session therefore cuts the text it is given by
the server's own rule (`camb.live_protocol.split_ready`: a sentence at once, a fragment after
`idle_timeout` without text, or at the end of the input) into *units*, and for each unit:

- a **hit** (the cache holds this unit's segments for the session's voice and options) is
  played from the cache: nothing is sent, 0 credits;
- a **miss** is sent as one text.chunk. Being a whole sentence, the server speaks it at once
  as one segment (or several, if it cuts finer); when all of its text has come back, its
  segments are stored under the unit's key, so the next session that says it pays nothing.

Order: a hit is played when everything sent before it has been spoken, and a miss that
follows a hit still waiting to be played is *parked* (sent only once that hit has been
played), so that the server can never join its text with text sent before the hit. text.done
goes out after the last parked unit. If the server's segments ever stop matching the units
sent (it changed the text, or cut across units), the plan stops trusting the cache for the
rest of the session: waiting hits are sent instead (paid, but in order), nothing more is
stored.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence

import attrs

from .. import live_protocol as msg


@attrs.frozen
class CachedSegment:
    """One segment as the cache keeps it: its text, its words (word, start, end) relative to
    the segment (None when the server sent none), and its audio (one complete file)."""

    text: str
    words: tuple[tuple[str, float, float], ...] | None
    audio: bytes = attrs.field(repr=lambda audio: f"<{len(audio)} bytes>")


@attrs.frozen
class UnitToStore:
    """A unit whose segments all arrived whole: store them under the unit's text."""

    text: str
    segments: tuple[CachedSegment, ...]


def _letters(text: str) -> str:
    """`text` without whitespace: what a unit and the segments made of it have in common."""
    return "".join(text.split())


class _Unit:
    def __init__(self, text: str, hit: tuple[CachedSegment, ...] | None) -> None:
        self.text = text
        self.hit = hit
        self.state = "hit" if hit is not None else "new"  # new -> parked | sent
        self.left = _letters(text)  # of a sent unit: its text not spoken yet
        self.segments: list[CachedSegment] = []
        self.storable = True


Lookup = Callable[[str], "tuple[CachedSegment, ...] | None"]


class LiveCachePlan:
    """One session's units, in order. Thread-safe: the blocking client gives text from a
    feeding thread while the caller's thread reads the server."""

    def __init__(self, lookup: Lookup, idle_timeout: float) -> None:
        self._lookup = lookup
        self._idle = idle_timeout
        self._lock = threading.Lock()
        self._buffer = ""
        self._last_text_at: float | None = None
        self._units: deque[_Unit] = deque()
        self._outbox: list[str] = []
        self._stores: list[UnitToStore] = []
        self._ended = False
        self._done_sent = False
        self._sending = False
        self._trusted = True
        self.hits = 0
        self.misses = 0

    # --- text given ------------------------------------------------------------------------

    def add(self, text: str, now: float) -> None:
        """Text given by the caller: its complete sentences become units now."""
        with self._lock:
            self._last_text_at = now
            ready, self._buffer = msg.split_ready(self._buffer + text)
            for piece in ready:
                self._unit(piece)

    def idle(self, now: float) -> None:
        """The idle flush: a fragment no text has followed for `idle_timeout` becomes a unit."""
        with self._lock:
            due = self._last_text_at is not None and now - self._last_text_at >= self._idle
            if due and self._buffer.strip() and not self._ended:
                self._unit(self._buffer)
                self._buffer = ""

    def end(self) -> None:
        """The input ended: what is left becomes the last unit; text.done follows it."""
        with self._lock:
            if self._buffer.strip():
                self._unit(self._buffer)
            self._buffer = ""
            self._ended = True

    def _unit(self, text: str) -> None:
        if not text.strip():
            return
        hit = self._lookup(text.strip()) if self._trusted else None
        unit = _Unit(text, hit)
        if hit is not None:
            self.hits += 1
        else:
            self.misses += 1
            if any(waiting.state in ("hit", "parked") for waiting in self._units):
                unit.state = "parked"
            else:
                self._send(unit)
        self._units.append(unit)

    def _send(self, unit: _Unit) -> None:
        unit.state = "sent"
        self._outbox.append(unit.text)

    # --- what the session does next ----------------------------------------------------------

    def take_sends(self) -> tuple[list[str], bool]:
        """The texts to send now, in order (each one text.chunk), and whether text.done
        follows them (the input ended, nothing is parked; answered once).

        One caller sends at a time (the feeding thread or task, or the reader releasing
        parked units): a caller that gets something must send it, then `sent()`, and ask
        again; while it holds the turn, others get nothing, so frames never overtake."""
        with self._lock:
            if self._sending:
                return [], False
            sends, self._outbox = self._outbox, []
            done = (
                self._ended
                and not self._done_sent
                and not any(unit.state == "parked" for unit in self._units)
            )
            if done:
                self._done_sent = True
            self._sending = bool(sends) or done
            return sends, done

    def sent(self) -> None:
        """The turn taken by `take_sends` is over."""
        with self._lock:
            self._sending = False

    def take_stores(self) -> list[UnitToStore]:
        with self._lock:
            stores, self._stores = self._stores, []
            return stores

    def stop(self, unsent: int) -> None:
        """The input stops here (a budget): the last `unsent` texts taken were not sent, and
        nothing after them will be; what was sent is still spoken. text.done is due."""
        with self._lock:
            sent = [unit for unit in self._units if unit.state == "sent"]
            kept = sent[: len(sent) - unsent] if unsent else sent
            self._units = deque(kept)
            self._outbox = []
            self._buffer = ""
            self._ended = True
            self._done_sent = True

    def idle_due_at(self) -> float | None:
        """When the idle flush is due (None: no fragment waits)."""
        with self._lock:
            if self._last_text_at is None or not self._buffer.strip() or self._ended:
                return None
            return self._last_text_at + self._idle

    def next_hits(self) -> list[CachedSegment]:
        """The segments to play from the cache now: those of the hits at the head of the
        queue (everything sent before them has been spoken). Parked units behind them are
        sent."""
        with self._lock:
            played: list[CachedSegment] = []
            while self._units and self._units[0].state == "hit":
                unit = self._units.popleft()
                assert unit.hit is not None
                played.extend(unit.hit)
            self._release_parked()
            return played

    def _release_parked(self) -> None:
        for unit in self._units:
            if unit.state == "hit":
                return
            if unit.state == "parked":
                self._send(unit)

    @property
    def input_ended(self) -> bool:
        return self._ended

    @property
    def waiting(self) -> bool:
        """Whether units wait to be played or sent (no session.done is due before them)."""
        with self._lock:
            return bool(self._units) or bool(self._outbox)

    # --- what the server answered ------------------------------------------------------------

    def on_segment(self, segment: CachedSegment | None, text: str, *, checked: bool) -> None:
        """The server finished a segment of `text` (`segment` None when it skipped it, or
        `checked` False when its audio could not be read): the units it covers advance."""
        with self._lock:
            letters = _letters(text)
            sent = [unit for unit in self._units if unit.state == "sent"]
            if not sent or not self._trusted:
                self._distrust()
                return
            head = sent[0]
            if head.left.startswith(letters):
                head.left = head.left[len(letters) :]
                if segment is None or not checked:
                    head.storable = False
                else:
                    head.segments.append(segment)
                if not head.left:
                    self._finish(head)
                return
            # The segment runs past this unit into the next ones sent: spoken, never stored.
            rest = letters
            for unit in sent:
                if rest.startswith(unit.left):
                    rest = rest[len(unit.left) :]
                    unit.left = ""
                    unit.storable = False
                    self._finish(unit)
                    if not rest:
                        return
                elif unit.left.startswith(rest):
                    unit.left = unit.left[len(rest) :]
                    unit.storable = False
                    return
                else:
                    break
            self._distrust()

    def _finish(self, unit: _Unit) -> None:
        self._units.remove(unit)
        if unit.storable and unit.segments and self._trusted:
            self._stores.append(UnitToStore(unit.text.strip(), tuple(unit.segments)))

    def _distrust(self) -> None:
        """The server's segments no longer match the units: send everything still waiting
        (in order), store nothing more, and look nothing more up."""
        if not self._trusted:
            return
        self._trusted = False
        for unit in self._units:
            if unit.state == "hit":
                self.hits -= 1
                self.misses += 1
            if unit.state in ("hit", "parked"):
                unit.hit = None
                self._send(unit)
        self._units.clear()

    def on_session_done(self) -> list[CachedSegment]:
        """session.done: every unit sent was spoken; the hits still waiting play now."""
        with self._lock:
            played: list[CachedSegment] = []
            for unit in self._units:
                if unit.hit is not None:
                    played.extend(unit.hit)
            self._units.clear()
            return played


def encode_unit(segments: Sequence[CachedSegment]) -> bytes:
    """A unit's segments as one cache entry: a JSON header line, then the audio."""
    import json

    header = {
        "segments": [
            {
                "text": segment.text,
                "words": None if segment.words is None else [list(w) for w in segment.words],
                "bytes": len(segment.audio),
            }
            for segment in segments
        ]
    }
    line = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return line + b"\n" + b"".join(segment.audio for segment in segments)


def decode_unit(blob: bytes) -> tuple[CachedSegment, ...] | None:
    """The segments of a cache entry (None if it is not one, or damaged)."""
    import json

    head, newline, audio = blob.partition(b"\n")
    if not newline:
        return None
    try:
        header = json.loads(head)
        segments = []
        offset = 0
        for entry in header["segments"]:
            size = int(entry["bytes"])
            words = entry["words"]
            segments.append(
                CachedSegment(
                    str(entry["text"]),
                    None
                    if words is None
                    else tuple((str(w), float(s), float(e)) for w, s, e in words),
                    audio[offset : offset + size],
                )
            )
            offset += size
    except (ValueError, KeyError, TypeError):
        return None
    if offset != len(audio) or not segments:
        return None
    return tuple(segments)
