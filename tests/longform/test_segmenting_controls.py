"""The segmenter keeps inline controls whole, and plans any length of text in small memory."""

from __future__ import annotations

import re
import tracemalloc

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camb._longform._segmenting import plan_segments

# What the 8.1 betas and mars-instruct read inside a text: CMU phonemes, non-verbal tags,
# cues and breaks.
PHONEMES = ["B", "EY1", "S", "AH0", "K", "T", "IY1", "SH", "ER0", "N", "D", "AA1"]
phoneme = st.lists(st.sampled_from(PHONEMES), min_size=1, max_size=6).map(
    lambda parts: "[" + " ".join(parts) + "]"
)
tag = st.sampled_from(["[laughter]", "[sigh]", "[breath]", "[clears throat]", "[whispering]"])
markup = st.sampled_from(
    [
        '<break time="400ms"/>',
        '<break time="1.5s" />',
        "<emphasis>",
        "</emphasis>",
        '<prosody rate="slow">',
        "</prosody>",
    ]
)
control = st.one_of(phoneme, tag, markup)
word = st.sampled_from(["Hello", "world", "naïve", "speech", "today", "a", "the", "你好世界"])
mark = st.sampled_from([".", ",", "!", "?", ";", " —", "。"])
space = st.sampled_from([" ", " ", "  ", "\n", "\n\n", ""])
piece = st.one_of(control, word, word, mark, space)
texts = st.lists(piece, min_size=1, max_size=200).map("".join)

CONTROL = re.compile(r"\[[^\[\]\n]*\]|<[^<>\n]*>")


def nonspace(text: str) -> str:
    return "".join(ch for ch in text if not ch.isspace())


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, max_chars=st.integers(60, 200))
def test_no_piece_ends_inside_an_inline_control(text: str, max_chars: int) -> None:
    if len(nonspace(text)) < 3:
        return
    segments = plan_segments(text, max_chars=max_chars, min_chars=3)
    for segment in segments:
        assert len(segment.text) <= max_chars
        # Every bracket of the piece belongs to a whole control inside it.
        leftover = CONTROL.sub("", segment.text)
        assert not set("[]<>") & set(leftover), (segment.text, [s.text for s in segments])
    assert "".join(nonspace(s.text) for s in segments) == nonspace(text)


def test_the_controls_of_the_issue_stay_whole_at_any_limit() -> None:
    text = (
        'Say [B EY1 S] twice. [laughter] Then wait <break time="400ms"/> and go on. ' * 40
    ).strip()
    for max_chars in range(60, 140):
        segments = plan_segments(text, max_chars=max_chars, min_chars=3)
        assert len(segments) > 1
        for segment in segments:
            assert not set("[]<>") & set(CONTROL.sub("", segment.text))


def peak_bytes_per_char(text: str) -> float:
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        plan_segments(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return (peak - base) / len(text)


def test_planning_memory_is_a_few_bytes_per_character() -> None:
    # Was 55-63 bytes per character (a 5 MB text grew memory by about 318 MB).
    prose = "The quick brown fox jumps over the lazy dog, again. It was Mr. Smith's idea! "
    latin = ((prose * 8 + "\n\n") * 100)[:60_000]
    assert peak_bytes_per_char(latin) < 12
    cjk = ("日本語のテキストです。你好世界" * 4000)[:30_000]
    # Text in a wider script takes 2-4 bytes per character in any copy of it.
    assert peak_bytes_per_char(cjk) < 24
