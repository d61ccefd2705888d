"""Captions: SRT, WebVTT and a JSON timeline, from live speech and from `speak()`/batch.

A cue has its text, its start and end (seconds in the audio), the character offsets of its
text in the source text, and whether its times are exact (measured) or estimated.

- Live speech (`cues_from_live`): word-exact cues from the server's word timestamps, grouped
  into readable lines (at most `max_line_length` characters a line, `max_lines` lines and
  `max_duration` seconds a cue), never splitting a word; a cue never spans two segments.
- `speak()` and batch (`cues_from_requests`): each request's audio is measured, so the times
  at request boundaries are exact; a request of several sentences is split into one cue per
  sentence with times shared out by characters (marked not exact). Making requests
  sentence-sized (the `caption_sentences` option) makes every cue exact.

The writers are this module's own (a few lines each): `pysubs2` stores text as ASS markup
(braces and backslashes in plain text are taken for override tags and dropped when written
as SRT), `srt` writes SRT only, and `webvtt-py` writes cue text unescaped (a `<` or `&` of the
text breaks the WebVTT file). Files are written atomically (`AtomicFile`). No network.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Literal

import attrs

from .._exceptions import InvalidInputError
from .._files import AtomicFile
from .._live._events import LiveEvent, LiveSegmentDone, LiveWord
from .._types import StrPath

CaptionFormat = Literal["srt", "vtt", "json"]
CAPTION_FORMATS: dict[str, CaptionFormat] = {".srt": "srt", ".vtt": "vtt", ".json": "json"}
MAX_LINE_LENGTH = 42
MAX_LINES = 2
MAX_DURATION = 7.0


@attrs.frozen
class Cue:
    start: float
    end: float
    text: str  # lines separated by "\n"
    char_start: int | None = None
    char_end: int | None = None
    exact: bool = True


def caption_format(path: StrPath, param: str = "captions") -> CaptionFormat:
    """The format of a captions file, from its extension; InvalidInputError for another."""
    suffix = Path(path).suffix.lower()
    if suffix not in CAPTION_FORMATS:
        raise InvalidInputError(param, "must be a file name ending in .srt, .vtt or .json", path)
    return CAPTION_FORMATS[suffix]


# --- building cues -------------------------------------------------------------------------


def _wrap(words: Sequence[str], max_line_length: int) -> list[list[str]]:
    """Words into lines of at most `max_line_length` characters (a longer word alone)."""
    lines: list[list[str]] = []
    length = 0
    for word in words:
        if lines and length + 1 + len(word) <= max_line_length:
            lines[-1].append(word)
            length += 1 + len(word)
        else:
            lines.append([word])
            length = len(word)
    return lines


def wrap_text(text: str, max_line_length: int = MAX_LINE_LENGTH) -> str:
    return "\n".join(" ".join(line) for line in _wrap(text.split(), max_line_length))


@attrs.define
class _Piece:
    """A word of a segment with its span in the segment's text (from word start to the next
    word's start, so punctuation goes with the word before it)."""

    word: LiveWord
    text: str
    start: int
    end: int


def _pieces(segment: LiveSegmentDone) -> list[_Piece]:
    words = segment.words or ()
    text = segment.text
    found: list[tuple[LiveWord, int]] = []
    cursor = 0
    for word in words:
        at = text.find(word.word, cursor) if word.word else -1
        if at < 0:
            at = cursor
        found.append((word, at))
        cursor = at + len(word.word)
    pieces = []
    for index, (word, at) in enumerate(found):
        end = found[index + 1][1] if index + 1 < len(found) else len(text)
        if index == 0:
            at = 0  # anything before the first word (an opening quote) goes with it
        piece_text = text[at:end].strip()
        pieces.append(_Piece(word, piece_text or word.word, at, end))
    return pieces


def cues_from_live(
    segments: Iterable[LiveSegmentDone],
    *,
    max_line_length: int = MAX_LINE_LENGTH,
    max_lines: int = MAX_LINES,
    max_duration: float = MAX_DURATION,
) -> list[Cue]:
    """Word-exact cues of a live session's segments."""
    cues: list[Cue] = []
    for segment in segments:
        pieces = _pieces(segment) if segment.words else []
        if not pieces:
            if segment.text.strip():
                cues.append(
                    Cue(
                        segment.session_start,
                        segment.session_end,
                        wrap_text(segment.text, max_line_length),
                        segment.char_start,
                        segment.char_end,
                    )
                )
            continue
        group: list[_Piece] = []
        for piece in pieces:
            candidate = [*group, piece]
            lines = _wrap([p.text for p in candidate], max_line_length)
            too_long = candidate[-1].word.session_end - candidate[0].word.session_start
            if group and (len(lines) > max_lines or too_long > max_duration):
                cues.append(_cue(segment, group, max_line_length))
                group = [piece]
            else:
                group = candidate
        if group:
            cues.append(_cue(segment, group, max_line_length))
    return cues


def _cue(segment: LiveSegmentDone, group: list[_Piece], max_line_length: int) -> Cue:
    first, last = group[0], group[-1]
    text = "\n".join(" ".join(line) for line in _wrap([p.text for p in group], max_line_length))
    chars: tuple[int | None, int | None] = (None, None)
    if segment.char_start is not None:
        raw = segment.text[first.start : last.end]
        lead = len(raw) - len(raw.lstrip())
        chars = (
            segment.char_start + first.start + lead,
            segment.char_start + first.start + len(raw.rstrip()),
        )
    return Cue(first.word.session_start, last.word.session_end, text, *chars)


_SENTENCE = re.compile(r".+?(?:[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)|\n\s*\n|$)", re.DOTALL)


def sentences(text: str) -> list[tuple[int, int]]:
    """The spans of `text`'s sentences (without surrounding whitespace)."""
    spans = []
    for match in _SENTENCE.finditer(text):
        piece = match.group()
        if piece.strip():
            lead = len(piece) - len(piece.lstrip())
            spans.append((match.start() + lead, match.start() + len(piece.rstrip())))
    return spans


class _Locator:
    """Finds pieces of a text in it in order, ignoring whitespace (long-form speech collapses
    whitespace runs inside its pieces)."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.cursor = 0

    def find(self, piece: str) -> tuple[int | None, int | None]:
        wanted = [ch for ch in piece if not ch.isspace()]
        if not wanted:
            return None, None
        source, at, start = self.source, self.cursor, None
        for ch in wanted:
            while at < len(source) and source[at].isspace():
                at += 1
            if at >= len(source) or source[at] != ch:
                return None, None
            if start is None:
                start = at
            at += 1
        self.cursor = at
        return start, at


@attrs.frozen
class RequestTiming:
    """One request of `speak()` or batch: its text, and when its audio starts in the file and
    how long it is (measured from its audio)."""

    text: str
    start: float
    duration: float


def cues_from_requests(
    requests: Iterable[RequestTiming], source: str, *, max_line_length: int = MAX_LINE_LENGTH
) -> list[Cue]:
    """One cue per sentence. A request's first cue starts and its last ends exactly where its
    audio does; times inside a request of several sentences are shared out by characters
    (those cues are marked not exact). Character offsets index `source`."""
    locator = _Locator(source)
    cues: list[Cue] = []
    for request in requests:
        spans = sentences(request.text)
        if not spans:
            continue
        voiced = sum(end - start for start, end in spans) or 1
        at = request.start
        for number, (begin, finish) in enumerate(spans):
            share = request.duration * (finish - begin) / voiced
            last = number == len(spans) - 1
            end = request.start + request.duration if last else at + share
            piece = request.text[begin:finish]
            cues.append(
                Cue(
                    at,
                    end,
                    wrap_text(piece, max_line_length),
                    *locator.find(piece),
                    exact=len(spans) == 1,
                )
            )
            at = end
    return cues


def sentence_segments(text: str) -> list[Any]:
    """`text` as long-form speech segments of one sentence each (a sentence too long for one
    request is cut as usual; one of fewer than 3 non-space characters joins the next), for
    captions whose every cue is exact."""
    from ._segmenting import Segment, plan_segments

    pieces: list[tuple[str, bool]] = []  # (text, a paragraph break follows)
    spans = sentences(text)
    carry = ""
    for number, (begin, finish) in enumerate(spans):
        following = spans[number + 1][0] if number + 1 < len(spans) else len(text)
        breaks = "\n" in text[finish:following] and bool(
            re.search(r"\n\s*\n", text[finish:following])
        )
        piece = (carry + " " + text[begin:finish]).strip() if carry else text[begin:finish]
        if sum(not ch.isspace() for ch in piece) < 3 and number + 1 < len(spans):
            carry = piece
            continue
        carry = ""
        for part in plan_segments(piece):
            pieces.append((part.text, False))
        if pieces:
            pieces[-1] = (pieces[-1][0], breaks and number + 1 < len(spans))
    if carry and pieces:
        pieces[-1] = (pieces[-1][0] + " " + carry, pieces[-1][1])
    if not pieces:
        return plan_segments(text)
    segments = []
    paragraph = 0
    for index, (piece, ends) in enumerate(pieces):
        segments.append(Segment(index, piece, paragraph, ends))
        paragraph += ends
    return segments


class SpeechCaptionCollector:
    """Collects each request's measured audio as long-form speech joins it."""

    def __init__(self, path: StrPath, texts: Sequence[str]) -> None:
        caption_format(path)
        self.path = path
        self.texts = list(texts)
        self.timings: list[RequestTiming] = []
        self.offset = 0.0

    def joined(self, index: int, pause_before: float, seconds: float | None) -> None:
        if index == 0:  # the join (re)starts: a join that started over begins again here
            self.timings.clear()
            self.offset = 0.0
        self.offset += pause_before
        duration = seconds or 0.0
        self.timings.append(RequestTiming(self.texts[index], self.offset, duration))
        self.offset += duration

    def write(self, source: str) -> Path:
        cues = cues_from_requests(self.timings, source)
        return write_captions(self.path, cues, source=source, flow="speak")


# --- writing -------------------------------------------------------------------------------


def _clock(seconds: float, separator: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, millis = divmod(millis, 3_600_000)
    minutes, millis = divmod(millis, 60_000)
    secs, millis = divmod(millis, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{millis:03d}"


def _times(cue: Cue) -> tuple[float, float]:
    # A cue lasts at least a millisecond once rounded.
    start = round(cue.start, 3)
    return start, max(round(cue.end, 3), start + 0.001)


def _lines(text: str) -> list[str]:
    return [line for line in (part.strip() for part in text.split("\n")) if line] or ["..."]


def to_srt(cues: Sequence[Cue]) -> str:
    blocks = []
    for number, cue in enumerate(cues, 1):
        start, end = _times(cue)
        # "-->" inside the text would read as a timing line.
        lines = [line.replace("-->", "->") for line in _lines(cue.text)]
        timing = f"{_clock(start, ',')} --> {_clock(end, ',')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + "\n" if blocks else ""


def _vtt_escape(line: str) -> str:
    return line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_vtt(cues: Sequence[Cue]) -> str:
    blocks = ["WEBVTT"]
    for number, cue in enumerate(cues, 1):
        start, end = _times(cue)
        lines = [_vtt_escape(line) for line in _lines(cue.text)]
        timing = f"{_clock(start, '.')} --> {_clock(end, '.')}"
        blocks.append("\n".join([str(number), timing, *lines]))
    return "\n\n".join(blocks) + "\n"


def to_json(cues: Sequence[Cue], *, source: str, flow: str) -> str:
    timeline: dict[str, Any] = {
        "flow": flow,
        "text": source,
        "cues": [
            {
                "index": number,
                "start": _times(cue)[0],
                "end": _times(cue)[1],
                "text": cue.text,
                "char_start": cue.char_start,
                "char_end": cue.char_end,
                "exact": cue.exact,
            }
            for number, cue in enumerate(cues, 1)
        ],
    }
    return json.dumps(timeline, ensure_ascii=False, indent=2) + "\n"


def write_captions(path: StrPath, cues: Sequence[Cue], *, source: str, flow: str) -> Path:
    """Write `cues` to `path` (.srt, .vtt or .json), atomically."""
    fmt = caption_format(path)
    if fmt == "srt":
        text = to_srt(cues)
    elif fmt == "vtt":
        text = to_vtt(cues)
    else:
        text = to_json(cues, source=source, flow=flow)
    destination = Path(path)
    with AtomicFile(destination) as out:
        out.write(text.encode("utf-8"))
    return destination


class LiveCaptionCollector:
    """Collects a live session's finished segments, then writes their captions."""

    def __init__(self, path: StrPath) -> None:
        caption_format(path)
        self.path = path
        self.segments: list[LiveSegmentDone] = []

    def feed(self, event: LiveEvent) -> None:
        if isinstance(event, LiveSegmentDone):
            self.segments.append(event)

    def write(self, source: str) -> Path:
        return write_captions(self.path, cues_from_live(self.segments), source=source, flow="live")
