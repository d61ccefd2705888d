"""Never trust a requested property of the audio, nor a cached segment blindly.

- Audio shorter than its own header says is a typed error (`TruncatedAudioError`), tried
  again like a body cut short: in `stream().save`, `speak()` and batch jobs.
- Raw PCM and FLAC output is made from WAV, whose header tells the real sample rate and
  channels: a server answering another rate than asked still gives a correct file.
- A cached segment that cannot be joined is dropped and asked for again; it never poisons
  the cache for every later call.
"""

from __future__ import annotations

import io
import json
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile

import camb
import camb.batch
from camb._longform._segmenting import plan_segments
from camb.api_facts import SAMPLE_RATES, SERVER_DEFAULT_SPEECH_MODEL
from camb.sandbox import running

from .conftest import Api

MODEL_RATE = SAMPLE_RATES[SERVER_DEFAULT_SPEECH_MODEL]
SECONDS_PER_CHAR = 0.06  # the sandbox's speech


def text_of(sentences: int) -> str:
    return " ".join(f"Sentence number {n} of the text, told once." for n in range(sentences))


def speech_seconds(text: str, *, join_paragraphs: bool = True) -> float:
    """What the sandbox speaks for `text` as `speak()` cuts it."""
    segments = plan_segments(text, join_paragraphs=join_paragraphs)
    return sum(len(s.text) for s in segments) * SECONDS_PER_CHAR


def wav_body(level: int, count: int, rate: int, *, declared: int | None = None) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(level.to_bytes(2, "little", signed=True) * count)
    body = buffer.getvalue()
    if declared is not None:
        body = body[:40] + declared.to_bytes(4, "little") + body[44:]
    return body


# --- audio shorter than its header -----------------------------------------------------------


def test_the_length_check_reads_the_header_in_any_pieces() -> None:
    from camb._wire._audio_check import LengthCheck

    whole = wav_body(5, 24_000, 8000)
    short = wav_body(5, 12_000, 8000, declared=48_000)
    for body, missing in ((whole, False), (short, True)):
        for size in (1, 7, 44, 4096):
            check = LengthCheck()
            for start in range(0, len(body), size):
                check.feed(body[start : start + size])
            shortfall = check.shortfall()
            assert (shortfall is not None) is missing
            if shortfall is not None:
                assert (shortfall.declared, shortfall.received) == (48_000, 24_000)
    # A streamed WAV (size unknown) and other formats declare nothing.
    streamed = whole[:40] + b"\xff\xff\xff\xff" + whole[44:100]
    for body in (streamed, b"ID3\x04" + bytes(100)):
        check = LengthCheck()
        check.feed(body)
        assert check.shortfall() is None


def test_stream_save_refuses_a_wav_shorter_than_its_header(tmp_path: Path) -> None:
    destination = tmp_path / "line.wav"
    destination.write_bytes(b"the caller's old file")
    with running(rate_short_audio=1.0, seed=1) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0)
        voice = client.voices.list()[0].id
        stream = client.tts.stream("A short line of speech.", voice, "en-us", format="wav")
        with pytest.raises(camb.TruncatedAudioError) as caught:
            stream.save(destination)
        client.close()
    assert caught.value.declared == 2 * caught.value.received > 0
    assert "cut short" in str(caught.value)
    assert isinstance(caught.value, camb.UnexpectedResponseError)
    assert destination.read_bytes() == b"the caller's old file"
    assert [p.name for p in tmp_path.iterdir()] == ["line.wav"]


@pytest.mark.parametrize("sentences", [1, 40])
def test_speak_asks_again_for_a_wav_shorter_than_its_header(sentences: int, tmp_path: Path) -> None:
    text = text_of(sentences)
    destination = tmp_path / "book.wav"
    # One request at a time: the seeded faults fall on the same requests every run.
    with running(rate_short_audio=0.4, seed=5) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        voice = client.voices.list()[0].id
        sandbox.reset_stats()
        result = client.tts.speak(
            text, voice, "en-us", destination, concurrency=1, segment_retries=6
        )
        stats = sandbox.stats()
        client.close()
    assert stats["faults"]["short_audio"] > 0
    assert (
        stats["attempts"]["create_tts_stream"] == result.segments + stats["faults"]["short_audio"]
    )
    info = soundfile.info(str(destination))
    assert info.duration == pytest.approx(speech_seconds(text), abs=0.01)
    assert result.duration == pytest.approx(info.duration)


def test_speak_fails_typed_when_every_answer_is_short(tmp_path: Path) -> None:
    with running(rate_short_audio=1.0, seed=2) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        voice = client.voices.list()[0].id
        with pytest.raises(camb.SpeechSegmentError) as caught:
            client.tts.speak(text_of(40), voice, "en-us", tmp_path / "b.wav", segment_retries=1)
        client.close()
    assert isinstance(caught.value.__cause__, camb.TruncatedAudioError)
    assert caught.value.attempts == 2
    assert not (tmp_path / "b.wav").exists()


def test_a_batch_never_records_a_short_wav_as_done(tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": f"i{n}", "text": f"Line {n} of the batch."}) for n in range(4)]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out"
    with running(rate_short_audio=1.0, seed=3) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url, max_retries=0)
        defaults = {"voice_id": client.voices.list()[0].id, "language": "en-us", "format": "wav"}
        result = camb.batch.run(client, source, out=out, defaults=defaults, max_attempts=2)
        client.close()
    assert result.summary.counts.done == 0
    assert result.summary.counts.failed == 4
    assert not list(out.glob("*.wav"))
    # The same folder against a healthy server: every item done, each file whole.
    with running() as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        defaults["voice_id"] = client.voices.list()[0].id
        again = camb.batch.run(client, source, out=out, defaults=defaults)
        client.close()
    assert again.summary.counts.done == 4
    for n in range(4):
        info = soundfile.info(str(out / f"i{n}.wav"))
        assert info.duration == pytest.approx(len(f"Line {n} of the batch.") * SECONDS_PER_CHAR)


# --- the server may ignore sample_rate --------------------------------------------------------


@pytest.mark.parametrize("sentences", [1, 40])
def test_flac_and_pcm_are_labelled_with_the_rate_the_audio_has(
    sentences: int, tmp_path: Path
) -> None:
    text = text_of(sentences)
    asked = 16_000
    assert asked != MODEL_RATE
    with running(ignore_sample_rate=True) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        voice = client.voices.list()[0].id
        flac = client.tts.speak(text, voice, "en-us", tmp_path / "o.flac", sample_rate=asked)
        pcm = client.tts.speak(
            text, voice, "en-us", tmp_path / "o.pcm", sample_rate=asked, format="pcm_s16be"
        )
        client.close()
    seconds = speech_seconds(text)
    info = soundfile.info(str(tmp_path / "o.flac"))
    assert info.samplerate == MODEL_RATE
    assert info.duration == pytest.approx(seconds, abs=0.01)
    assert flac.sample_rate == MODEL_RATE
    assert flac.duration == pytest.approx(seconds, abs=0.01)
    assert pcm.sample_rate == MODEL_RATE
    assert pcm.duration == pytest.approx(seconds, abs=0.01)
    raw = (tmp_path / "o.pcm").read_bytes()
    assert len(raw) == pytest.approx(seconds * MODEL_RATE * 2, abs=MODEL_RATE * 0.02)
    # Big-endian 16-bit samples, as asked: the same tone as the FLAC.
    decoded, _ = soundfile.read(str(tmp_path / "o.flac"), dtype="int16")
    assert np.array_equal(np.frombuffer(raw, dtype=">i2"), decoded)


def test_pcm_layouts_are_converted_from_the_wav() -> None:
    from camb._longform._pcm_convert import converter

    samples = np.array([0, 1, -1, 16384, -32768, 32767], dtype="<i2")
    chunk = samples.tobytes()
    assert converter(1, 16, "pcm_s16le")(chunk) == chunk
    assert converter(1, 16, "pcm_s16be")(chunk) == samples.astype(">i2").tobytes()
    wide = np.frombuffer(converter(1, 16, "pcm_s32le")(chunk), dtype="<i4")
    assert list(wide) == [int(v) << 16 for v in samples]
    floats = np.frombuffer(converter(1, 16, "pcm_f32be")(chunk), dtype=">f4")
    assert np.allclose(floats, samples / 32768.0)
    back = converter(3, 32, "pcm_s16le")(np.array([0.5, -1.0, 2.0], dtype="<f4").tobytes())
    assert list(np.frombuffer(back, dtype="<i2")) == [16384, -32768, 32767]
    with pytest.raises(camb.AudioJoinError, match="24-bit"):
        converter(1, 24, "pcm_s16le")


# --- a segment that cannot be joined does not poison the cache -------------------------------


class RateServer:
    """Answers `/tts-stream` with WAV at 8 kHz, or at `odd_rate` for the texts in `odd`
    (as many times as `odd` says)."""

    def __init__(self, odd: dict[str, int] | None = None, odd_rate: int = 16_000) -> None:
        self.odd = dict(odd or {})
        self.odd_rate = odd_rate
        self.texts: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        text = json.loads(request.content)["text"]
        self.texts.append(text)
        rate = 8000
        if self.odd.get(text, 0) > 0:
            self.odd[text] -= 1
            rate = self.odd_rate
        body = wav_body(100, len(text), rate)
        return httpx.Response(200, content=body, headers={"content-type": "audio/wav"})


def poison(cache: Path, index: int, text: str) -> None:
    """Put a 16 kHz answer for segment `index` where the cache keeps segment audio."""
    files = sorted(cache.glob("*.wav"))
    assert files
    # The cache names files by key: find the one of this segment by its length.
    segment = plan_segments(text, join_paragraphs=True)[index].text
    for path in files:
        with wave.open(str(path), "rb") as audio:
            if audio.getnframes() == len(segment):
                path.write_bytes(wav_body(100, len(segment), 16_000))
                return
    raise AssertionError("segment not in the cache")


def cache_of(make_api: Callable[..., Api], tmp_path: Path, text: str) -> Path:
    """A cache folder holding every segment of `text` (a `speak_stream` keeps its segments in
    the `cache_dir` it is given; `speak()` with the same arguments finds them there)."""
    cache = tmp_path / "cache"

    def consume(client: Any) -> Any:
        stream = client.tts.speak_stream(text, 7, "en-us", format="wav", cache_dir=cache)
        if hasattr(stream, "__aiter__"):

            async def gather() -> bytes:
                return b"".join([chunk async for chunk in stream])

            return gather()
        return b"".join(stream)

    make_api(RateServer())(consume)
    assert len(list(cache.glob("*.wav"))) == len(plan_segments(text, join_paragraphs=True))
    return cache


@pytest.mark.parametrize("index", [0, 2])
def test_a_cached_segment_of_another_rate_is_asked_again_once(
    index: int, make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = text_of(200)
    segments = plan_segments(text, join_paragraphs=True)
    assert len(segments) >= 3
    cache = cache_of(make_api, tmp_path, text)
    poison(cache, index, text)
    server = RateServer()
    api = make_api(server)
    result = api(lambda c: c.tts.speak(text, 7, "en-us", tmp_path / "book.wav", cache_dir=cache))
    if index:
        # Only the bad segment was paid for again.
        assert server.texts == [segments[index].text]
        assert result.cached_segments == len(segments) - 1
    else:
        # A bad first segment shows as the second being unlike it: the second is asked
        # again, and, still unlike the cached first, the first is the one dropped.
        assert server.texts == [segments[1].text, segments[0].text]
    # The file is whole and at one rate.
    with wave.open(str(tmp_path / "book.wav"), "rb") as audio:
        assert audio.getframerate() == 8000
        assert audio.getnframes() == sum(len(s.text) for s in segments)
    assert not cache.exists()


def test_a_segment_that_stays_unjoinable_names_the_cache_and_heals_it(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = text_of(200)
    segments = plan_segments(text, join_paragraphs=True)
    cache = cache_of(make_api, tmp_path, text)
    # The server answers segment 3 at 16 kHz again when it is asked once more.
    server = RateServer({segments[2].text: 1})
    poison(cache, 2, text)
    api = make_api(server)
    with pytest.raises(camb.AudioJoinError) as caught:
        api(lambda c: c.tts.speak(text, 7, "en-us", tmp_path / "book.wav", cache_dir=cache))
    message = str(caught.value)
    assert str(cache) in message
    assert "delete that folder" in message
    assert server.texts == [segments[2].text]
    assert not (tmp_path / "book.wav").exists()
    # The next call is not poisoned: the unusable segment was dropped, and is asked anew.
    healthy = RateServer()
    result = make_api(healthy)(
        lambda c: c.tts.speak(text, 7, "en-us", tmp_path / "book.wav", cache_dir=cache)
    )
    assert segments[2].text in healthy.texts
    assert result.segments == len(segments)
    with wave.open(str(tmp_path / "book.wav"), "rb") as audio:
        assert audio.getframerate() == 8000
