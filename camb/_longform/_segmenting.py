# Sentence and clause marks of many scripts look like ASCII ones on purpose:
# ruff: noqa: RUF001, RUF003
"""Splitting text of any length into pieces the streaming API accepts. No I/O.

`plan_segments` cuts at the best boundary it can find: a paragraph break, then a sentence end,
then a clause mark, then a space between words, and only when a piece has none of those (a
long run of Chinese, Japanese or Thai, or a URL longer than a piece) between two characters.

Whitespace runs are collapsed first (a paragraph break to a blank line, a line break to one
newline, other runs to one space): the engine does not read them, and a piece of 3,000
characters should hold 3,000 characters of speech. Every other character is kept, in order.

Inline controls stay whole: a piece never ends inside `[...]` (CMU phonemes such as
`[B EY1 S]`, non-verbal tags such as `[laughter]`) or `<...>` (`<break time="400ms"/>`), which
the engine reads as one instruction (a control longer than `MAX_CONTROL_CHARS`, or one that
spans a line break, is taken for text).

Memory stays proportional to the text and small (a few bytes per character on top of the
normalised copy): cut points are one byte per character, non-space counts four or eight.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from array import array
from collections.abc import Iterable
from itertools import accumulate

import attrs

from .._exceptions import InvalidInputError, InvalidInputTypeError
from .._validation import STREAM_TEXT_MAX, STREAM_TEXT_MIN

__all__ = ["Segment", "plan_segments"]


@attrs.frozen
class Segment:
    """One piece of a long text, to be spoken by one streaming request.

    `index` is its place in the text (0, 1, ...). `paragraph` is the index of the paragraph it
    starts in (paragraphs are the non-empty blocks between blank lines). `ends_paragraph` is
    True when a paragraph break follows it, so a pause may be put after its audio; it is False
    for the last segment.
    """

    index: int
    text: str
    paragraph: int
    ends_paragraph: bool


# Kinds of cut point, best last. A piece is cut at the best kind its window holds.
_FORCED = 0  # inside a grapheme cluster: only when nothing else exists
_INSIDE_WORD = 1  # between two letters of a spaced script: an over-long token
_INSIDE_TOKEN = 2  # after '/', '-', '.' and the like inside a token (URLs, paths)
_WORD = 3  # a space, or between two characters of a script written without spaces
_CLAUSE = 4  # after , ; : 、 ， ، a dash, or at a line break
_SENTENCE = 5  # after . ! ? 。 । ؟ ... (and closing quotes or brackets)
# In the table of cut points (one byte per offset): kind + 1 for a cut, 0 for none, and
# _INSIDE_CONTROL for an offset inside an inline control, where no cut is ever made.
_INSIDE_CONTROL = 0xFF

# Inline controls: `[...]` (phonemes, non-verbal tags) and `<...>` (breaks, cues), on one line.
MAX_CONTROL_CHARS = 200
_CONTROL_RE = re.compile(
    rf"\[[^\[\]\n]{{0,{MAX_CONTROL_CHARS - 2}}}\]|<[^<>\n]{{0,{MAX_CONTROL_CHARS - 2}}}>"
)
# Pieces of the normalised text joined at a time (bounds the list of pieces in memory).
_JOIN_EVERY = 4096

# A lower kind of cut (down to a word boundary) is used instead of a better one only when the
# better one would leave the piece less than this full: fewer, fuller pieces mean fewer
# requests and fewer joins. Cuts inside a token are never preferred to a word boundary.
_MIN_FILL = 0.5

_NO_BREAK_SPACES = "\u00a0\u2007\u202f"
_LINE_BREAK_RE = re.compile(r"\r\n|[\n\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029]")
_SPACE_RUN_RE = re.compile(r"\s+")

_CLOSERS = "\"'”’»›)\\]}」』）】〕〉》〗〙〛"
# Marks that end a sentence wherever they stand (no space follows in CJK).
_SCRIPT_ENDS = "。！？｡．।॥؟۔։።፧፨။។"
_SENTENCE_RE = re.compile(rf"(?:(?P<latin>[.!?…‼⁇⁈⁉]+)|[{_SCRIPT_ENDS}]+)[{re.escape(_CLOSERS)}]*")
# Clause marks: Latin ones count when a space follows ("1,000" and "10:30" are not clauses).
_CLAUSE_RE = re.compile(
    rf"[,;:][{re.escape(_CLOSERS)}]*(?=\s)|[、，；：،؛︐︑︓︔][{re.escape(_CLOSERS)}]*|[–—―]"
    r"|(?<=\s)-(?=\s)"
)
_NEXT_NONSPACE_RE = re.compile(r"\S")
_WORD_BEFORE_RE = re.compile(r"([^\W\d_]+(?:\.[^\W\d_]+)*)$")

# A '.' after one of these (compared lower-case, without the final dot) does not end a
# sentence. Kept short on purpose: a missed sentence end only costs a cut at a word instead.
_ABBREVIATIONS = frozenset(
    (
        *("mr", "mrs", "ms", "mx", "dr", "prof", "sr", "jr", "st", "mt", "ft", "vs", "etc"),
        *("al", "approx", "dept", "est", "inc", "ltd", "co", "corp", "cf", "resp", "gen"),
        *("col", "lt", "sgt", "capt", "rev", "hon", "e.g", "i.e", "a.m", "p.m", "u.s", "u.k"),
        *("jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"),
        *("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
    )
)
# ...and these only before a number ("No. 5", "Fig. 3", "p. 12").
_NUMBER_ABBREVIATIONS = frozenset(
    ("no", "nos", "nr", "fig", "figs", "p", "pp", "vol", "vols", "ch", "sec", "art", "eq", "ex")
)


def plan_segments(
    text: str,
    *,
    max_chars: int = STREAM_TEXT_MAX,
    min_chars: int = STREAM_TEXT_MIN,
    join_paragraphs: bool = False,
) -> list[Segment]:
    """Split `text` into pieces of `min_chars` to `max_chars` characters, in text order.

    Rules, in order:

    - A piece never spans a paragraph break (a blank line), unless the paragraph on one side
      has fewer than `min_chars` non-space characters: then it joins its neighbour.
    - Within a paragraph a piece is filled towards `max_chars` and cut at the best boundary in
      reach: sentence end, then clause mark, then space, then (scripts without spaces, or a
      single token longer than a piece) between two characters, never inside a grapheme
      cluster when that can be helped. A worse kind (down to a space) is taken over a better
      one only when the better would leave the piece less than half full; a cut inside a
      token only when the window holds no space or mark at all.
    - Every piece has at least `min_chars` non-space characters (short ones are merged with a
      neighbour); leading and trailing whitespace is trimmed; whitespace runs inside are
      collapsed.
    - The pieces, joined, hold every non-space character of `text`, in order. The result
      depends only on the arguments.
    - With `join_paragraphs`, whole pieces on either side of a paragraph break are then put
      together while they fit in `max_chars` (a text of many short paragraphs takes a few
      requests, not one per paragraph); the break stays in the text as a blank line. Without
      it, paragraph breaks stay between pieces, where silence can be put.

    Raises `InvalidInputError` naming `text` when it is not a str or has fewer than
    `min_chars` non-space characters, and naming `max_chars`/`min_chars` for bad limits.
    """
    _check_limits(max_chars, min_chars)
    if not isinstance(text, str):
        raise InvalidInputTypeError("text", "must be a str", text)
    normal, breaks = _normalise(text)
    # Running count of non-space characters before each offset, 4 bytes each when they fit.
    code = "I" if len(normal) < 1 << 32 else "q"
    nonspace = array(code, accumulate((not ch.isspace() for ch in normal), initial=0))
    if nonspace[-1] < min_chars:
        raise InvalidInputError(
            "text",
            f"must hold at least {min_chars} non-space characters, not {nonspace[-1]}",
            show_value=False,
        )
    segments = _Planner(normal, breaks, nonspace, max_chars, min_chars).plan()
    return _join_paragraphs(segments, max_chars) if join_paragraphs else segments


def _join_paragraphs(segments: list[Segment], max_chars: int) -> list[Segment]:
    """Neighbouring pieces across paragraph breaks, put together while they fit."""
    joined: list[Segment] = []
    for segment in segments:
        last = joined[-1] if joined else None
        if last is not None and last.ends_paragraph:
            text = f"{last.text}\n\n{segment.text}"
            if len(text) <= max_chars:
                joined[-1] = attrs.evolve(last, text=text, ends_paragraph=segment.ends_paragraph)
                continue
        joined.append(attrs.evolve(segment, index=len(joined)))
    return joined


def _check_limits(max_chars: object, min_chars: object) -> None:
    if isinstance(max_chars, bool) or not isinstance(max_chars, int):
        raise InvalidInputTypeError("max_chars", "must be an int", max_chars)
    if isinstance(min_chars, bool) or not isinstance(min_chars, int):
        raise InvalidInputTypeError("min_chars", "must be an int", min_chars)
    if min_chars < 1:
        raise InvalidInputError("min_chars", "must be >= 1", min_chars)
    # With whitespace collapsed, at least a third of any window is non-space, so a window of
    # 6 x min_chars always holds a cut leaving min_chars on both sides.
    if max_chars < 6 * min_chars:
        raise InvalidInputError("max_chars", "must be at least 6 times min_chars", max_chars)


def _normalise(text: str) -> tuple[str, list[int]]:
    """`text` stripped, with whitespace runs collapsed, and where its paragraph breaks are.

    A break is recorded as the offset of the blank line (where the piece before it ends).
    """
    chunks: list[str] = []  # pieces joined a few thousand at a time: bounded overhead
    parts: list[str] = []
    breaks: list[int] = []
    length = 0
    last = 0
    stripped = text.strip()
    for match in _SPACE_RUN_RE.finditer(stripped):
        if len(parts) >= _JOIN_EVERY:
            chunks.append("".join(parts))
            parts.clear()
        parts.append(stripped[last : match.start()])
        length += match.start() - last
        run = match.group()
        line_breaks = len(_LINE_BREAK_RE.findall(run))
        if line_breaks >= 2 or "\u2029" in run:
            breaks.append(length)
            space = "\n\n"
        elif line_breaks:
            space = "\n"
        elif all(ch in _NO_BREAK_SPACES for ch in run):
            space = run[0]  # kept: it says "do not cut here"
        else:
            space = " "
        parts.append(space)
        length += len(space)
        last = match.end()
    parts.append(stripped[last:])
    chunks.append("".join(parts))
    parts.clear()
    return "".join(chunks), breaks


def _spaceless(ch: str) -> bool:
    """A character of a script written without spaces between words."""
    code = ord(ch)
    return (
        0x0E00 <= code <= 0x0EFF  # Thai, Lao
        or 0x0F00 <= code <= 0x0FFF  # Tibetan
        or 0x1000 <= code <= 0x109F  # Myanmar
        or 0x1780 <= code <= 0x17FF  # Khmer
        or 0x3040 <= code <= 0x30FF  # Hiragana, Katakana
        or 0x31F0 <= code <= 0x31FF
        or 0x3400 <= code <= 0x4DBF  # CJK ideographs
        or 0x4E00 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF66 <= code <= 0xFF9F  # half-width Katakana
        or 0x20000 <= code <= 0x3FFFF
    )


def _word_char(ch: str) -> bool:
    """A letter, digit or mark of a script that separates words with spaces."""
    return (ch.isalnum() or unicodedata.category(ch).startswith("M")) and not _spaceless(ch)


def _grapheme_boundary(before: str, after: str) -> bool:
    """Whether a cut between `before` and `after` keeps grapheme clusters whole.

    An approximation of UAX #29 with the stdlib: no cut before a combining mark, a joiner or
    an emoji modifier, after a virama or a joiner, between regional indicators, or in CR LF.
    """
    if unicodedata.category(after).startswith("M") or after in "\u200c\u200d":
        return False
    if before == "\u200d" or unicodedata.combining(before) == 9:  # ZWJ, virama
        return False
    code_after, code_before = ord(after), ord(before)
    if 0x1F3FB <= code_after <= 0x1F3FF or 0xE0020 <= code_after <= 0xE007F:
        return False
    if 0x1F1E6 <= code_before <= 0x1F1FF and 0x1F1E6 <= code_after <= 0x1F1FF:
        return False
    return not (before == "\r" and after == "\n")


def _fine_kind(before: str, after: str) -> int:
    """The kind of a cut between two non-space characters."""
    if not _grapheme_boundary(before, after):
        return _FORCED
    if _spaceless(before) or _spaceless(after):
        return _WORD
    if _word_char(before) and _word_char(after):
        return _INSIDE_WORD
    return _INSIDE_TOKEN


def _sentence_end(text: str, match: re.Match[str]) -> bool:
    if match.group("latin") is None:
        return True
    end = match.end()
    if end < len(text) and not text[end].isspace():
        return False  # "3.14", "example.com", "?!x"
    if match.group("latin") != ".":
        return True
    next_char = _NEXT_NONSPACE_RE.search(text, end)
    following = next_char.group() if next_char else ""
    if following.islower():
        return False
    word = _WORD_BEFORE_RE.search(text, max(0, match.start() - 40), match.start())
    if word is None:
        return True
    name = word.group(1).lower()
    if len(name) == 1 or name in _ABBREVIATIONS:
        return False  # an initial ("J. R. R.") or a known abbreviation
    return not (name in _NUMBER_ABBREVIATIONS and following.isdigit())


def _cut_table(text: str) -> bytearray:
    """One byte per offset of `text` (and one past its end): the best kind of cut there plus
    one (sentence, clause or word boundary), 0 for none, `_INSIDE_CONTROL` inside an inline
    control."""
    table = bytearray(len(text) + 1)

    def mark(offsets: Iterable[int], kind: int) -> None:
        value = kind + 1
        for offset in offsets:
            if 0 < offset < len(text) and table[offset] < value:
                table[offset] = value

    spaces = _SPACE_RUN_RE.finditer(text)
    mark((match.start() for match in spaces if match.group() not in _NO_BREAK_SPACES), _WORD)
    mark((match.start() for match in re.finditer(r"\n", text)), _CLAUSE)
    mark((match.end() for match in _CLAUSE_RE.finditer(text)), _CLAUSE)
    mark(
        (match.end() for match in _SENTENCE_RE.finditer(text) if _sentence_end(text, match)),
        _SENTENCE,
    )
    for control in _CONTROL_RE.finditer(text):
        inside = control.end() - control.start() - 1
        table[control.start() + 1 : control.end()] = bytes([_INSIDE_CONTROL]) * inside
    return table


@attrs.define
class _Planner:
    text: str
    breaks: list[int]
    nonspace: array[int]
    max_chars: int
    min_chars: int
    table: bytearray = attrs.field(init=False)

    def __attrs_post_init__(self) -> None:
        self.table = _cut_table(self.text)

    def plan(self) -> list[Segment]:
        text, size = self.text, len(self.text)
        pieces: list[tuple[int, int, bool]] = []  # start, end, ends at a paragraph break
        start = 0
        while start < size:
            end, at_break = self._next_cut(start)
            pieces.append((start, end, at_break))
            start = end
            while start < size and text[start].isspace():
                start += 1
        return [
            Segment(
                index=index,
                text=text[start:end].strip(),
                paragraph=bisect.bisect_right(self.breaks, start),
                ends_paragraph=at_break and index < len(pieces) - 1,
            )
            for index, (start, end, at_break) in enumerate(pieces)
        ]

    def _valid(self, start: int, cut: int) -> bool:
        """Both the piece before `cut` and all text after it have min_chars or none."""
        before = self.nonspace[cut] - self.nonspace[start]
        after = self.nonspace[-1] - self.nonspace[cut]
        return before >= self.min_chars and (after >= self.min_chars or after == 0)

    def _next_cut(self, start: int) -> tuple[int, bool]:
        limit = start + self.max_chars
        # A paragraph break in reach ends the piece, unless one side of it is too short.
        first = bisect.bisect_right(self.breaks, start)
        for offset in self.breaks[first:]:
            if offset > limit:
                break
            if self._valid(start, offset):
                return offset, True
        if len(self.text) <= limit:
            return len(self.text), False
        cut = self._best_cut(start, limit)
        return cut, False

    def _last_valid(self, start: int, limit: int, kind: int) -> int | None:
        """The last offset in (start, limit] holding a cut of `kind` that `_valid` allows."""
        tag = bytes([kind + 1])
        high = limit + 1
        while True:
            offset = self.table.rfind(tag, start + 1, high)
            if offset < 0:
                return None
            if self._valid(start, offset):
                return offset
            if self.nonspace[offset] - self.nonspace[start] < self.min_chars:
                return None  # further left the piece only gets shorter
            high = offset  # too little text after it: look further left

    def _best_cut(self, start: int, limit: int) -> int:
        fill = start + int(self.max_chars * _MIN_FILL)
        best: dict[int, int] = {}  # kind -> last valid offset
        for kind in (_SENTENCE, _CLAUSE, _WORD):
            offset = self._last_valid(start, limit, kind)
            if offset is not None:
                best[kind] = offset
        chosen = _choose(best, fill)
        if chosen is not None and chosen >= fill:
            return chosen
        # Nothing good enough among spaces and marks: look between characters too (never
        # inside an inline control, unless nothing else is left).
        for controls in (False, True):
            chosen = self._fine_cut(start, limit, fill, dict(best), controls=controls)
            if chosen is not None:
                return chosen
        # _check_limits guarantees a valid offset exists in every window.
        raise AssertionError("no valid cut in the window")

    def _fine_cut(
        self, start: int, limit: int, fill: int, best: dict[int, int], *, controls: bool
    ) -> int | None:
        text, table = self.text, self.table
        for offset in range(limit, start, -1):
            if table[offset] == _INSIDE_CONTROL and not controls:
                continue
            before, after = text[offset - 1], text[offset]
            # Spaces left here are no-break ones: cut there only as inside a token.
            space = before.isspace() or after.isspace()
            kind = _INSIDE_TOKEN if space else _fine_kind(before, after)
            if offset > best.get(kind, -1) and self._valid(start, offset):
                best[kind] = offset
                if kind == _WORD and offset >= fill:
                    break  # nothing found further left can beat it
        return _choose(best, fill)


def _choose(best: dict[int, int], fill: int) -> int | None:
    """The best kind whose last cut fills the piece enough, else the best kind there is.

    Cuts inside a token (between letters, or inside a URL) are a last resort: they are taken
    only when the window holds no cut at a word or better, however short that leaves the piece.
    """
    good = {kind: offset for kind, offset in best.items() if kind >= _WORD}
    for kind in sorted(good, reverse=True):
        if good[kind] >= fill:
            return good[kind]
    if good:
        return good[max(good)]
    return best[max(best)] if best else None
