"""What a finished live session must be, checked against the sandbox's synthetic speech."""

from __future__ import annotations

import html
import io
import json
import wave
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import srt
import webvtt

from camb import LiveAudio, LiveEvent, LiveSegment, LiveSegmentDone, LiveSummary
from camb._longform._captions import cues_from_live
from camb.sandbox._synth import SECONDS_PER_CHAR

RATE = 48_000  # mars-8.1-flash-beta
SLOT = round(SECONDS_PER_CHAR * RATE)  # samples per character


def check_order(events: Sequence[LiveEvent]) -> list[LiveSegmentDone]:
    """segment start, its audio, its done, segment after segment, then the summary."""
    assert isinstance(events[-1], LiveSummary)
    done: list[LiveSegmentDone] = []
    current: LiveSegment | None = None
    for event in events[:-1]:
        if isinstance(event, LiveSegment):
            assert current is None
            assert event.segment_id == len(done)
            current = event
        elif isinstance(event, LiveAudio):
            assert current is not None
            assert event.segment_id == current.segment_id
            assert 0 < len(event.data) <= 65536
        else:
            assert isinstance(event, LiveSegmentDone)
            assert current is not None
            assert event.segment_id == current.segment_id
            done.append(event)
            current = None
    assert current is None
    return done


def samples_of(wav_bytes: bytes) -> np.ndarray:
    with wave.open(io.BytesIO(wav_bytes)) as reader:
        assert reader.getframerate() == RATE
        return np.frombuffer(reader.readframes(reader.getnframes()), dtype="<i2")


def check_against_audio(
    done: Sequence[LiveSegmentDone], summary: LiveSummary, samples: np.ndarray, text: str
) -> None:
    """The audio is as long as its segments; every word's session times are where the
    synthetic speech has it, to the sample; the segments' texts are the text sent."""
    total = sum(segment.duration for segment in done)
    assert abs(total - summary.duration) < 1e-9
    assert len(samples) == round(total * RATE)
    assert summary.segments == len(done)
    assert " ".join(segment.text for segment in done) == " ".join(text.split())
    for segment in done:
        # 60 ms of audio per character of the segment's text.
        assert round(segment.duration * RATE) == len(segment.text) * SLOT
        assert segment.words
        for word in segment.words:
            start = word.session_start * RATE
            end = word.session_end * RATE
            # To the millisecond (in fact to the sample).
            assert abs(start - round(start)) < 1e-6 * RATE
            assert abs(end - round(end)) < 1e-6 * RATE
            first, last = round(start), round(end)
            index = text.index(word.word, word.char_start or 0)
            assert index == word.char_start
            # Every character slot of the word that is a letter or digit is a tone...
            for offset, char in enumerate(word.word):
                slot = samples[first + offset * SLOT : first + (offset + 1) * SLOT]
                assert bool(np.any(slot)) == char.isalnum(), (word, offset)
            # ...and the slots around it (a space, punctuation) are silent, to the sample.
            before = samples[max(0, first - SLOT) : first]
            after = samples[last : last + SLOT]
            if word.word[0].isalnum() and first > 0:
                assert not np.any(before), word
            if last < len(samples):
                assert not np.any(after), word


def _ms(clock: str) -> int:
    hours, minutes, rest = clock.replace(",", ".").split(":")
    seconds, millis = rest.split(".")
    return ((int(hours) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def check_captions(done: Sequence[LiveSegmentDone], folder: Path, source: str) -> None:
    """SRT, WebVTT and JSON read back by parsers give the same cues, word-exact."""
    cues = cues_from_live(done)
    assert cues
    expected = [(round(c.start * 1000), round(c.end * 1000), c.text) for c in cues]
    words = {round(w.session_start * 1000) for s in done for w in s.words or ()}
    ends = {round(w.session_end * 1000) for s in done for w in s.words or ()}
    for start, end, text in expected:
        assert start in words
        assert end in ends
        assert all(len(line) <= 42 or " " not in line for line in text.split("\n"))
        assert len(text.split("\n")) <= 2
        assert end - start <= 7000

    subtitles = list(srt.parse((folder / "live.srt").read_text(encoding="utf-8")))
    got = [
        (
            round(s.start.total_seconds() * 1000),
            round(s.end.total_seconds() * 1000),
            s.content,
        )
        for s in subtitles
    ]
    assert got == expected

    vtt = webvtt.from_string((folder / "live.vtt").read_text(encoding="utf-8"))
    got = [(_ms(c.start), _ms(c.end), html.unescape(c.text)) for c in vtt.captions]
    assert got == expected

    timeline = json.loads((folder / "live.json").read_text(encoding="utf-8"))
    assert timeline["text"] == source
    got = [(round(c["start"] * 1000), round(c["end"] * 1000), c["text"]) for c in timeline["cues"]]
    assert got == expected
    for cue in timeline["cues"]:
        assert cue["exact"] is True
        spoken = source[cue["char_start"] : cue["char_end"]]
        assert " ".join(spoken.split()) == " ".join(cue["text"].split())
