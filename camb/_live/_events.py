"""What a live speech session yields, in order. Plain values, no I/O.

For each segment the server makes: `LiveSegment` (its text and word timestamps, before its
audio), one or more `LiveAudio`, then `LiveSegmentDone` (its measured duration). A segment the
server gave up on is a `LiveSkipped` instead (resend its text if you need it). The last event
is `LiveSummary`.

Times are seconds. A word's `start`/`end` are relative to its segment's audio, as the server
sends them; `session_start`/`session_end` are the same instants in the session's whole audio
(the segments' audio one after the other, as `save()` writes it). Character offsets index the
text the session was sent (all chunks joined), or are None when the server's segment text
cannot be found in it.
"""

from __future__ import annotations

import attrs


@attrs.frozen
class LiveWord:
    word: str
    start: float
    end: float
    session_start: float
    session_end: float
    char_start: int | None = None
    char_end: int | None = None


@attrs.frozen
class LiveSegment:
    """A segment starts: its text, its words (None when the server sent no timestamps), where
    its audio starts in the session (`session_start`), and where its text is in the input."""

    segment_id: int
    text: str
    words: tuple[LiveWord, ...] | None
    session_start: float
    char_start: int | None = None
    char_end: int | None = None
    cached: bool = False  # played from the speech cache: nothing was sent, 0 credits


@attrs.frozen
class LiveAudio:
    """Audio bytes of the current segment (at most 64 KiB). Each segment's bytes, joined, are
    one complete file in the session's format."""

    segment_id: int
    data: bytes = attrs.field(repr=lambda data: f"<{len(data)} bytes>")


@attrs.frozen
class LiveSegmentDone:
    """A segment's audio is complete: how long it is (measured from its audio) and its size."""

    segment_id: int
    text: str
    words: tuple[LiveWord, ...] | None
    session_start: float
    duration: float
    bytes: int
    char_start: int | None = None
    char_end: int | None = None
    cached: bool = False

    @property
    def session_end(self) -> float:
        return self.session_start + self.duration


@attrs.frozen
class LiveSkipped:
    """The server gave up on a segment (its retries ran out); the session goes on."""

    segment_id: int
    text: str


@attrs.frozen
class LiveSummary:
    """How the session went.

    `segments`: segments whose audio arrived; `skipped`: those given up on; `bytes`: audio
    bytes received; `duration`: seconds of audio; `time_to_first_audio`: seconds from the
    first text sent to the first audio byte (None without audio). `spoken_text` is the text
    of the segments whose audio arrived; `unspoken_text` the text sent after the last of them
    (what to send again to go on); `cancelled` tells a session stopped by `cancel()`;
    `cached_segments` how many of `segments` the speech cache played (0 credits).
    """

    session_id: str | None
    run_id: int | None
    segments: int
    skipped: tuple[LiveSkipped, ...]
    bytes: int
    duration: float
    time_to_first_audio: float | None
    spoken_text: str
    unspoken_text: str
    cancelled: bool = False
    cached_segments: int = 0


LiveEvent = LiveSegment | LiveAudio | LiveSegmentDone | LiveSkipped | LiveSummary
