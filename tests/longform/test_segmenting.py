# Texts in many scripts, whose marks look like ASCII ones on purpose:
# ruff: noqa: RUF001
"""plan_segments: the properties speak() relies on, over many scripts, and each boundary kind."""

from __future__ import annotations

import unicodedata
from itertools import pairwise

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import camb
from camb._longform._segmenting import Segment, plan_segments
from camb._validation import STREAM_TEXT_MAX, STREAM_TEXT_MIN

# Words of the scripts Camb speaks (and some it does not), to build texts from.
LATIN = ["Hello", "world", "naïve", "café", "Dr.", "e.g.", "3.14", "U.S.", "don't", "x"]
DEVANAGARI = ["नमस्ते", "दुनिया", "क्षत्रिय", "है", "यह"]
ARABIC = ["مرحبا", "بالعالم", "كيف", "حالك", "اردو"]
CJK = ["你好世界", "日本語のテキスト", "こんにちは", "カタカナ", "漢字"]
THAI = ["สวัสดีครับ", "ภาษาไทย", "ประเทศไทย"]
EMOJI = ["👍🏽", "👨‍👩‍👧", "🇫🇷", "❤️", "🙂"]
LONG = ["https://example.com/" + "a" * 200 + "/x?y=" + "b" * 50, "z" * 400, "长" * 300]
WORDS = LATIN + DEVANAGARI + ARABIC + CJK + THAI + EMOJI
MARKS = [
    ".",
    "!",
    "?",
    "…",
    ",",
    ";",
    ":",
    " —",
    "।",
    "॥",
    "。",
    "！",
    "？",
    "、",
    "，",
    "؟",
    "۔",
    "،",
    '."',
    "。」",
    ")",
]
SPACES = [" ", " ", " ", "  ", "\n", "\n\n", "\n \n\n", "\t", "\u00a0", "\r\n\r\n", ""]

token = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(MARKS),
    st.sampled_from(SPACES),
    st.sampled_from(LONG),
    st.text(min_size=1, max_size=8),  # anything at all, including marks and surrogates' kin
)
texts = st.lists(token, min_size=1, max_size=120).map("".join)


def nonspace(text: str) -> str:
    return "".join(text.split())


def spaced_word_char(ch: str) -> bool:
    code = ord(ch)
    spaceless = (
        0x0E00 <= code <= 0x0FFF
        or 0x1000 <= code <= 0x109F
        or 0x1780 <= code <= 0x17FF
        or 0x3040 <= code <= 0x30FF
        or 0x3400 <= code <= 0x9FFF
        or code >= 0x20000
    )
    letter = ch.isalnum() or unicodedata.category(ch).startswith("M")
    return letter and not spaceless


def check_properties(text: str, segments: list[Segment], max_chars: int, min_chars: int) -> None:
    assert segments, "a text with enough characters gives at least one segment"
    assert [s.index for s in segments] == list(range(len(segments)))
    for segment in segments:
        assert min_chars <= len(segment.text) <= max_chars
        assert len(nonspace(segment.text)) >= min_chars
        assert segment.text == segment.text.strip()
    # Coverage and order: every non-space character, in order, nothing added.
    assert "".join(nonspace(s.text) for s in segments) == nonspace(text)
    paragraphs = [s.paragraph for s in segments]
    assert paragraphs == sorted(paragraphs)
    assert not segments[-1].ends_paragraph
    # Where each non-space character stands in the original text.
    where = [i for i, ch in enumerate(text) if not ch.isspace()]
    seen = 0
    for before, after in pairwise(segments):
        if before.ends_paragraph:
            assert after.paragraph > before.paragraph
        seen += len(nonspace(before.text))
        left, right = where[seen - 1], where[seen]
        if right != left + 1:
            continue  # cut at whitespace
        # A cut inside a token: never between two letters of a spaced script, unless the token
        # is too long for a piece (give or take the min_chars kept on either side).
        if spaced_word_char(text[left]) and spaced_word_char(text[right]):
            start, end = left, right
            while start > 0 and not text[start - 1].isspace():
                start -= 1
            while end < len(text) and not text[end].isspace():
                end += 1
            assert end - start >= max_chars - 2 * min_chars, text[start:end]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=texts, min_chars=st.integers(1, 5), extra=st.integers(0, 300))
def test_properties_hold_for_any_text_and_limits(text: str, min_chars: int, extra: int) -> None:
    max_chars = 6 * min_chars + extra
    if len(nonspace(text)) < min_chars:
        with pytest.raises(camb.InvalidInputError) as caught:
            plan_segments(text, max_chars=max_chars, min_chars=min_chars)
        assert caught.value.param == "text"
        return
    segments = plan_segments(text, max_chars=max_chars, min_chars=min_chars)
    check_properties(text, segments, max_chars, min_chars)
    assert plan_segments(text, max_chars=max_chars, min_chars=min_chars) == segments


@settings(max_examples=40, deadline=None)
@given(text=st.lists(token, min_size=200, max_size=800).map("".join))
def test_properties_hold_at_the_api_limits(text: str) -> None:
    if len(nonspace(text)) < STREAM_TEXT_MIN:
        return
    segments = plan_segments(text)
    check_properties(text, segments, STREAM_TEXT_MAX, STREAM_TEXT_MIN)


def test_pieces_are_filled_towards_the_limit() -> None:
    sentence = "This sentence has exactly fifty characters in it. "
    text = sentence * 600  # 30,000 characters
    segments = plan_segments(text)
    assert len(segments) == 10
    assert all(s.text.endswith("in it.") for s in segments)
    assert all(len(s.text) >= 2900 for s in segments)


def test_a_paragraph_break_always_ends_a_piece() -> None:
    text = "First paragraph is short.\n\nSecond one too.\n \n\n\nThird."
    segments = plan_segments(text)
    assert [s.text for s in segments] == ["First paragraph is short.", "Second one too.", "Third."]
    assert [s.paragraph for s in segments] == [0, 1, 2]
    assert [s.ends_paragraph for s in segments] == [True, True, False]


def test_a_too_short_paragraph_joins_its_neighbour() -> None:
    segments = plan_segments("Hi\n\nThere is more to say.\n\nOk")
    assert [s.text for s in segments] == ["Hi\n\nThere is more to say.\n\nOk"]
    segments = plan_segments("Hi\n\nThere is more to say.\n\nAnd more here.")
    assert [s.text for s in segments] == ["Hi\n\nThere is more to say.", "And more here."]
    assert [(s.paragraph, s.ends_paragraph) for s in segments] == [(0, True), (2, False)]


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # Sentence ends beat clause marks and spaces.
        ("One two three four five six. Seven eight, nine ten", "One two three four five six."),
        ("Is it really over already? Seven eight, nine ten", "Is it really over already?"),
        ('He said "it is done today." Then eight, nine ten', 'He said "it is done today."'),
        ("Wait for it... Then eight, nine ten eleven twelve", "Wait for it..."),
        ("यह पहला वाक्य है और लंबा है। यह दूसरा वाक्य है, और भी", "यह पहला वाक्य है और लंबा है।"),
        ("पहला वाक्य है॥ दूसरा, वाक्य है और भी लंबा", "पहला वाक्य है॥"),
        ("这是第一个很长的句子。这是第二个句子，它也很长很长很长很长。", "这是第一个很长的句子。"),
        ("「これは文です。」それから、次の文が来ます。", "「これは文です。」"),
        ("هذه جملة طويلة جدا جدا؟ وهذه جملة ثانية، وهي أيضا", "هذه جملة طويلة جدا جدا؟"),
        ("یہ ایک بہت لمبا جملہ ہے۔ یہ دوسرا، اور بھی لمبا", "یہ ایک بہت لمبا جملہ ہے۔"),
        # Clause marks when there is no sentence end in reach.
        (
            "one two three four five six seven, eight nine ten eleven",
            "one two three four five six seven,",
        ),
        (
            "one two three four five six seven; eight nine ten eleven",
            "one two three four five six seven;",
        ),
        ("这是一个很长很长的分句、然后是另一个很长很长很长很长的分句", "这是一个很长很长的分句、"),
        ("هذه جملة طويلة جدا جدا، وهذه جملة ثانية وهي أيضا", "هذه جملة طويلة جدا جدا،"),
        (
            "one two three four five six seven — eight nine ten eleven",
            "one two three four five six seven —",
        ),
        ("one two three four five six\nseven eight nine ten eleven", "one two three four five six"),
        # Words when there is nothing better; never inside one.
        (
            "one two three four five six seven eight nine ten eleven",
            "one two three four five six seven",
        ),
    ],
)
def test_the_best_boundary_in_reach_is_used(text: str, first: str) -> None:
    segments = plan_segments(text, max_chars=max(len(first) + 2, 18))
    assert segments[0].text == first
    assert "".join(nonspace(s.text) for s in segments) == nonspace(text)


@pytest.mark.parametrize(
    ("text", "first"),
    [
        # A wrongly found sentence end after the first dot would give the shorter piece.
        ("Mister Bean said to Dr. Lee that it was fine", "Mister Bean said to Dr. Lee"),
        ("We like to eat e.g. apples and pears and more", "We like to eat e.g. apples"),
        ("Please write to J. R. R. Tolkien about it all", "Please write to J. R. R. Tolkien"),
        ("It costs exactly 3.14 dollars per unit of it and more", "It costs exactly 3.14 dollars"),
        ("Look carefully at Fig. 3 for all the details", "Look carefully at Fig. 3 for"),
        ("They went to the U.S. after the war was over", "They went to the U.S. after"),
        ("The sentence ends here. and this is lowercase stuff", "The sentence ends here. and"),
    ],
)
def test_abbreviations_initials_and_decimals_do_not_end_a_sentence(text: str, first: str) -> None:
    assert plan_segments(text, max_chars=len(first) + 2)[0].text == first


def test_a_real_sentence_end_after_a_word_is_found() -> None:
    text = "He lives at No. 10 today. Then he moved away from the city"
    assert plan_segments(text, max_chars=40)[0].text == "He lives at No. 10 today."


def test_scripts_without_spaces_are_cut_between_characters() -> None:
    text = "日本語のテキスト" * 10 + "สวัสดีครับ" * 10
    segments = plan_segments(text, max_chars=30)
    assert all(len(s.text) == 30 for s in segments[:-1])
    assert "".join(s.text for s in segments) == text


def test_a_token_longer_than_a_piece_is_cut_at_the_limit() -> None:
    url = "https://example.com/" + "a" * 5000
    segments = plan_segments(f"See {url} now", max_chars=STREAM_TEXT_MAX)
    assert "".join(nonspace(s.text) for s in segments) == nonspace(f"See {url} now")
    assert all(len(s.text) <= STREAM_TEXT_MAX for s in segments)
    # The cut inside the URL prefers its '/' over the middle of a run of letters when in reach.
    segments = plan_segments("https://example.com/" + "a" * 40, max_chars=30)
    assert segments[0].text == "https://example.com/"


def test_grapheme_clusters_stay_whole_when_cut_between_characters() -> None:
    family = "👨‍👩‍👧"
    text = family * 40
    segments = plan_segments(text, max_chars=30)
    assert all(s.text.replace(family, "") == "" for s in segments)
    devanagari = "क्ष" * 40  # a conjunct: consonant, virama, consonant
    for segment in plan_segments(devanagari, max_chars=30):
        assert segment.text.replace("क्ष", "") == ""


def test_whitespace_is_collapsed_and_trimmed() -> None:
    segments = plan_segments("  \n\n  Hello   there \t world  \n  again.   \n\n\n   ")
    assert [s.text for s in segments] == ["Hello there world\nagain."]


def test_a_text_of_many_blank_lines_and_tiny_paragraphs_still_fits() -> None:
    text = "\n\n".join(["a"] * 5000)
    segments = plan_segments(text)
    check_properties(text, segments, STREAM_TEXT_MAX, STREAM_TEXT_MIN)


@pytest.mark.parametrize("text", ["", "   \n\n ", "ab", " a \n b "])
def test_too_little_text_is_refused(text: str) -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        plan_segments(text)
    assert caught.value.param == "text"
    assert "at least 3 non-space characters" in str(caught.value)


def test_wrong_arguments_are_refused() -> None:
    with pytest.raises(camb.InvalidInputTypeError) as caught:
        plan_segments(b"bytes")  # type: ignore[arg-type]
    assert caught.value.param == "text"
    with pytest.raises(camb.InvalidInputError) as caught:
        plan_segments("Hello world", max_chars=10, min_chars=3)
    assert caught.value.param == "max_chars"
    with pytest.raises(camb.InvalidInputError) as caught:
        plan_segments("Hello world", min_chars=0)
    assert caught.value.param == "min_chars"
    with pytest.raises(camb.InvalidInputTypeError):
        plan_segments("Hello world", max_chars=True)


def test_short_paragraphs_share_a_piece_when_no_pause_is_wanted() -> None:
    text = "\n\n".join(f"Paragraph number {n} is short." for n in range(300))
    apart = plan_segments(text)
    joined = plan_segments(text, join_paragraphs=True)
    assert len(apart) == 300
    assert len(joined) < 10
    assert all(3 <= len(s.text) <= 3000 for s in joined)
    assert " ".join(s.text for s in joined).split() == text.split()
    assert [s.index for s in joined] == list(range(len(joined)))
    assert joined[-1].ends_paragraph is False
    assert "\n\n" in joined[0].text


def test_a_short_sentence_is_cut_at_its_end_rather_than_a_word_being_cut() -> None:
    # Filling the piece to half (7 of 15) would mean cutting "HelloHello" in two.
    segments = plan_segments("3.14! HelloHello", max_chars=15, min_chars=2)
    assert [s.text for s in segments] == ["3.14!", "HelloHello"]
