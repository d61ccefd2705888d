"""Captions from `speak()`: exact at request boundaries, every cue exact with
`caption_sentences`, read back by subtitle parsers."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest
import srt
import webvtt

from camb import AsyncCamb, Camb, InvalidInputError
from camb._longform._captions import sentences
from camb.sandbox import Sandbox

from .conftest import VOICE

TEXT = (
    "The first sentence is short. The second one is a little longer than the first!\n\n"
    "A new paragraph starts here? Yes, and it ends here."
)


def _sentences() -> list[str]:
    return [TEXT[start:end] for start, end in sentences(TEXT)]


def test_caption_sentences_make_every_cue_exact(camb_sandbox: Sandbox, tmp_path: Path) -> None:
    with Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
        client.tts.speak(
            TEXT,
            VOICE,
            "en-us",
            tmp_path / "speech.wav",
            captions=tmp_path / "speech.json",
            caption_sentences=True,
        )
    texts = _sentences()
    assert camb_sandbox.stats()["attempts"]["create_tts_stream"] == len(texts) == 4
    timeline = json.loads((tmp_path / "speech.json").read_text())
    cues = timeline["cues"]
    assert [c["text"].replace("\n", " ") for c in cues] == texts
    assert all(c["exact"] for c in cues)
    # The sandbox speaks 60 ms per character: the cues are the requests' measured audio.
    at = 0.0
    for cue, text in zip(cues, texts, strict=True):
        assert cue["start"] == pytest.approx(at, abs=0.0005)
        at += len(text) * 0.06
        assert cue["end"] == pytest.approx(at, abs=0.0005)
        assert TEXT[cue["char_start"] : cue["char_end"]] == text
    with wave.open(str(tmp_path / "speech.wav")) as reader:
        assert reader.getnframes() / reader.getframerate() == pytest.approx(at, abs=0.0005)


async def test_default_requests_are_exact_at_their_boundaries(
    camb_sandbox: Sandbox, tmp_path: Path
) -> None:
    async with AsyncCamb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url) as client:
        await client.tts.speak(
            TEXT,
            VOICE,
            "en-us",
            tmp_path / "speech.wav",
            captions=tmp_path / "speech.srt",
            paragraph_pause=0.5,
        )
        await client.tts.speak(
            TEXT, VOICE, "en-us", tmp_path / "again.wav", captions=tmp_path / "speech.vtt"
        )
    texts = _sentences()
    subtitles = list(srt.parse((tmp_path / "speech.srt").read_text()))
    assert [s.content.replace("\n", " ") for s in subtitles] == texts
    # Two requests (one per paragraph), with half a second of silence between them.
    first_paragraph = len(texts[0]) + 1 + len(texts[1])
    second_start = first_paragraph * 0.06 + 0.5
    assert subtitles[0].start.total_seconds() == 0
    assert subtitles[1].end.total_seconds() == pytest.approx(first_paragraph * 0.06, abs=0.0005)
    assert subtitles[2].start.total_seconds() == pytest.approx(second_start, abs=0.0005)
    vtt = webvtt.from_string((tmp_path / "speech.vtt").read_text())
    assert [c.text.replace("\n", " ") for c in vtt.captions] == texts


def test_bad_captions_name_is_refused_before_any_traffic(
    camb_sandbox: Sandbox, tmp_path: Path
) -> None:
    client = Camb(api_key=camb_sandbox.api_key, base_url=camb_sandbox.url)
    with client, pytest.raises(InvalidInputError, match="captions"):
        client.tts.speak(TEXT, VOICE, "en-us", tmp_path / "a.wav", captions="a.txt")
    assert camb_sandbox.stats()["requests"] == 0
