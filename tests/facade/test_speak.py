"""`tts.speak()` and `tts.speak_stream()`: long text, one file, in order; failures and resume."""

from __future__ import annotations

import hashlib
import io
import json
import random
import threading
import time
import wave
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
from camb._constants import DEFAULT_SEGMENT_RETRIES
from camb._longform._segmenting import plan_segments

from .conftest import Api

RATE = 8000
VOICE = 7


def level(text: str) -> int:
    """The constant sample value the fake server speaks a segment's text with."""
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % 30000 + 1


def wav_of(text: str) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(level(text).to_bytes(2, "little", signed=True) * len(text))
    return buffer.getvalue()


def pcm_of(text: str) -> bytes:
    return level(text).to_bytes(2, "little", signed=True) * len(text)


def long_text(paragraphs: int = 6, sentences: int = 30) -> str:
    """Distinct sentences, so that every segment's text (and so its sound) is distinct."""
    return "\n\n".join(
        " ".join(f"Paragraph {p} says sentence number {s} of its own." for s in range(sentences))
        for p in range(paragraphs)
    )


class FakeStreamServer:
    """Answers `/tts-stream` with WAV whose samples tell which text they speak.

    `fail` maps a text's position in the order of first requests to the statuses to answer
    before succeeding; `delay` makes later segments finish first.
    """

    def __init__(self, *, fail: dict[int, list[int]] | None = None, delay: bool = False) -> None:
        self.fail = fail or {}
        self.delay = delay
        self.texts: list[str] = []
        self.order: dict[str, int] = {}
        self.lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        text = body["text"]
        with self.lock:
            self.texts.append(text)
            position = self.order.setdefault(text, len(self.order))
            failures = self.fail.get(position)
            status = failures.pop(0) if failures else None
        if status is not None:
            headers = {"retry-after": "0"} if status == 429 else {}
            return httpx.Response(status, json={"detail": "nope"}, headers=headers)
        if self.delay:
            time.sleep(random.uniform(0, 0.02))
        wire = (body.get("output_configuration") or {}).get("format", "wav")
        if wire == "pcm_s16le":
            assert body["output_configuration"]["sample_rate"] > 0
            content, kind = pcm_of(text), "audio/pcm"
        else:
            content, kind = wav_of(text), "audio/wav"
        return httpx.Response(
            200, content=content, headers={"content-type": kind, "x-credits-required": "2"}
        )


def samples(path: Path) -> list[int]:
    with wave.open(str(path), "rb") as audio:
        data = audio.readframes(audio.getnframes())
    return [int.from_bytes(data[i : i + 2], "little", signed=True) for i in range(0, len(data), 2)]


def expected_samples(text: str, *, pause: float = 0.0) -> list[int]:
    out: list[int] = []
    for segment in plan_segments(text, join_paragraphs=pause == 0):
        out += [level(segment.text)] * len(segment.text)
    return out


def test_speak_joins_every_segment_in_text_order(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = long_text()
    server = FakeStreamServer(delay=True)
    api = make_api(server)
    seen: list[camb.SpeechProgress] = []
    result = api(
        lambda c: c.tts.speak(
            text, VOICE, "en-us", tmp_path / "book.wav", concurrency=4, on_progress=seen.append
        )
    )
    segments = plan_segments(text, join_paragraphs=True)
    assert len(segments) >= 3
    assert isinstance(result, camb.SpeechResult)
    assert result.segments == len(segments)
    assert result.format == "wav"
    assert result.cached_segments == 0
    assert result.credits == 2 * len(segments)
    assert samples(tmp_path / "book.wav") == expected_samples(text)
    assert result.duration == pytest.approx(len(expected_samples(text)) / RATE)
    assert result.bytes == (tmp_path / "book.wav").stat().st_size
    assert [p.done for p in seen] == list(range(1, len(segments) + 1))
    assert not (tmp_path / ".book.wav.segments").exists()
    assert sorted(server.texts) == sorted(s.text for s in segments)


def test_paragraph_pause_puts_silence_between_paragraphs(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = "First paragraph here.\n\nSecond paragraph here."
    api = make_api(FakeStreamServer())
    api(lambda c: c.tts.speak(text, VOICE, "en-us", tmp_path / "p.wav", paragraph_pause=0.5))
    got = samples(tmp_path / "p.wav")
    first, second = plan_segments(text)
    assert got == (
        [level(first.text)] * len(first.text)
        + [0] * (RATE // 2)
        + [level(second.text)] * len(second.text)
    )


def test_a_segment_that_fails_twice_then_succeeds(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = long_text(paragraphs=3)
    api = make_api(FakeStreamServer(fail={1: [500, 503]}))
    result = api(lambda c: c.tts.speak(text, VOICE, "en-us", tmp_path / "o.wav", segment_retries=2))
    assert samples(tmp_path / "o.wav") == expected_samples(text)
    assert result.segments == len(plan_segments(text, join_paragraphs=True))


def test_a_failed_segment_keeps_the_rest_and_the_next_call_pays_only_for_it(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = long_text(paragraphs=8)
    assert len(plan_segments(text, join_paragraphs=True)) >= 4
    destination = tmp_path / "o.wav"
    destination.write_bytes(b"the caller's old file")
    server = FakeStreamServer(fail={2: [500, 500]})
    api = make_api(server)
    with pytest.raises(camb.SpeechSegmentError) as caught:
        api(
            lambda c: c.tts.speak(
                text, VOICE, "en-us", destination, concurrency=1, segment_retries=1
            )
        )
    error = caught.value
    total = len(plan_segments(text, join_paragraphs=True))
    assert error.segment == plan_segments(text, join_paragraphs=True).index(
        next(
            s for s in plan_segments(text, join_paragraphs=True) if s.text == list(server.order)[2]
        )
    )
    assert error.attempts == 2
    assert isinstance(error.__cause__, camb.ServerError)
    assert destination.read_bytes() == b"the caller's old file"
    assert Path(str(error.cache_dir)).is_dir()
    paid_first = len(server.texts) - 2  # two failed answers
    # The same call again: only what is missing is asked for.
    server.texts.clear()
    result = api(lambda c: c.tts.speak(text, VOICE, "en-us", destination, concurrency=1))
    assert len(server.texts) == total - paid_first
    assert result.cached_segments == paid_first
    assert samples(destination) == expected_samples(text)


def test_a_429_is_waited_out_and_is_not_an_attempt(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = long_text(paragraphs=2)
    api = make_api(FakeStreamServer(fail={0: [429, 429, 429]}))
    result = api(lambda c: c.tts.speak(text, VOICE, "en-us", tmp_path / "o.wav", segment_retries=0))
    assert result.segments == len(plan_segments(text, join_paragraphs=True))


def test_a_client_error_is_not_retried(make_api: Callable[..., Api], tmp_path: Path) -> None:
    server = FakeStreamServer(fail={0: [422]})
    api = make_api(server)
    with pytest.raises(camb.SpeechSegmentError) as caught:
        api(lambda c: c.tts.speak("Hello there.", VOICE, "en-us", tmp_path / "o.wav"))
    assert isinstance(caught.value.__cause__, camb.ValidationError)
    assert len(server.texts) == 1
    assert not (tmp_path / "o.wav").exists()


def test_bad_arguments_are_refused_before_any_request(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    server = FakeStreamServer()
    api = make_api(server)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"text": "  "}, "text"),
        ({"path": tmp_path / "o.xyz"}, "format"),
        ({"format": "ogg"}, "format"),
        ({"paragraph_pause": -1}, "paragraph_pause"),
        ({"concurrency": 0}, "concurrency"),
        ({"segment_retries": -1}, "segment_retries"),
        ({"voice_id": 0}, "voice_id"),
        ({"language": "EN US"}, "language"),
    ]
    for overrides, param in cases:
        args: dict[str, Any] = {
            "text": "Hello there.",
            "voice_id": VOICE,
            "language": "en-us",
            "path": tmp_path / "o.wav",
            **overrides,
        }
        with pytest.raises(camb.InvalidInputError) as caught:
            api(lambda c, a=args: c.tts.speak(**a))
        assert caught.value.param == param
    assert server.texts == []


def test_speak_stream_yields_the_audio_in_order(make_api: Callable[..., Api]) -> None:
    text = long_text(paragraphs=3)
    api = make_api(FakeStreamServer(delay=True))

    def collect(client: Any) -> Any:
        stream = client.tts.speak_stream(text, VOICE, "en-us", format="pcm_s16le")
        if hasattr(stream, "__aiter__"):

            async def gather() -> bytes:
                return b"".join([chunk async for chunk in stream])

            return gather()
        return b"".join(stream)

    audio = api(collect)
    got = [int.from_bytes(audio[i : i + 2], "little", signed=True) for i in range(0, len(audio), 2)]
    assert got == expected_samples(text)


def test_speak_against_the_sandbox_makes_valid_files(tmp_path: Path) -> None:
    import soundfile

    from camb.sandbox import running

    text = ("A sentence of the sandbox's long text. " * 60 + "\n\n") * 3
    with running() as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        voice = client.voices.list()[0].id
        for fmt in ("wav", "flac", "mp3"):
            result = client.tts.speak(text, voice, "en-us", tmp_path / f"o.{fmt}", concurrency=3)
            info = soundfile.info(str(tmp_path / f"o.{fmt}"))
            assert info.duration == pytest.approx(result.duration, abs=0.2)
            assert result.segments >= 2
        client.close()


_KILLED_CHILD = """
import sys
import camb
client = camb.Camb(api_key=sys.argv[1], base_url=sys.argv[2])
text = open(sys.argv[3], encoding="utf-8").read()
client.tts.speak(text, int(sys.argv[4]), "en-us", sys.argv[5], concurrency=2)
"""


def test_a_run_killed_half_way_resumes_paying_only_for_what_was_missing(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys

    from camb.sandbox import running

    text = long_text(paragraphs=12, sentences=40)
    total = len(plan_segments(text, join_paragraphs=True))
    (tmp_path / "text.txt").write_text(text, encoding="utf-8")
    destination = tmp_path / "book.wav"
    with running(latency=0.15) as sandbox:
        client = camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url)
        voice = client.voices.list()[0].id
        sandbox.reset_stats()
        child = subprocess.Popen(
            [
                sys.executable,
                "-c",
                _KILLED_CHILD,
                sandbox.api_key,
                sandbox.url,
                str(tmp_path / "text.txt"),
                str(voice),
                str(destination),
            ],
            env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        )
        cache = tmp_path / ".book.wav.segments"
        deadline = time.monotonic() + 60
        while len(list(cache.glob("*.wav"))) < total // 3 and time.monotonic() < deadline:
            time.sleep(0.02)
        child.send_signal(signal.SIGKILL)
        child.wait()
        finished = len(list(cache.glob("*.wav")))
        assert 0 < finished < total
        assert not destination.exists()
        first_run = sandbox.stats()["attempts"]["create_tts_stream"]
        sandbox.reset_stats()
        result = client.tts.speak(text, voice, "en-us", destination, concurrency=2)
        second_run = sandbox.stats()["attempts"]["create_tts_stream"]
        client.close()
    assert result.cached_segments == finished
    assert second_run == total - finished
    # Only segments that were in flight at the kill were paid for twice.
    assert first_run + second_run - total <= 2
    assert result.segments == total


# --- a text of one segment: streamed straight into the destination -------------------------


def streamed_wav(text: str) -> bytes:
    """WAV as a streaming server sends it: sizes unknown (0xFFFFFFFF), a LIST chunk before
    the samples, and a trailing chunk after them."""
    fmt = wav_of(text)[12:36]  # the 'fmt ' chunk of a plain 16-bit mono WAV
    listing = b"LIST" + (6).to_bytes(4, "little") + b"INFOxx"
    data = b"data" + b"\xff\xff\xff\xff" + pcm_of(text)
    return b"RIFF\xff\xff\xff\xffWAVE" + fmt + listing + data


class BrokenOnce(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that breaks off after its first piece the first time, whole the next."""

    def __init__(self, body: bytes, broken: bool) -> None:
        self.body = body
        self.broken = broken

    def __iter__(self) -> Iterator[bytes]:
        yield self.body[:50]
        if self.broken:
            raise httpx.RemoteProtocolError("peer closed connection part-way")
        yield self.body[50:]

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def test_one_segment_is_streamed_into_the_destination_with_one_right_header(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    text = "A short line, spoken whole."
    destination = tmp_path / "line.wav"
    cache = tmp_path / ".line.wav.segments"
    calls: list[bool] = []

    def handler(request: httpx.Request) -> httpx.Response:
        # No cache folder for a text of one segment: nothing to resume from.
        assert not cache.exists()
        calls.append(True)
        stream = BrokenOnce(streamed_wav(text), broken=len(calls) == 1)
        headers = {"content-type": "audio/wav", "x-credits-required": "3"}
        return httpx.Response(200, stream=stream, headers=headers)

    api = make_api(handler)
    result = api(lambda c: c.tts.speak(text, VOICE, "en-us", destination, segment_retries=1))
    # The first answer broke off after 50 bytes; the second try starts the file again.
    assert len(calls) == 2
    assert samples(destination) == [level(text)] * len(text)
    body = destination.read_bytes()
    assert body[:4] == b"RIFF"
    assert int.from_bytes(body[4:8], "little") == len(body) - 8
    assert body[36:40] == b"data"
    assert int.from_bytes(body[40:44], "little") == 2 * len(text)
    assert len(body) == 44 + 2 * len(text)
    assert result.segments == 1
    assert result.bytes == len(body)
    assert result.duration == pytest.approx(len(text) / RATE)
    assert result.credits == 3
    assert result.cached_segments == 0
    assert not cache.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["line.wav"]


def test_one_segment_that_fails_leaves_the_destination_as_it_was(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    destination = tmp_path / "line.wav"
    destination.write_bytes(b"the caller's old file")

    def handler(request: httpx.Request) -> httpx.Response:
        stream = BrokenOnce(wav_of("A short line."), broken=True)
        return httpx.Response(200, stream=stream, headers={"content-type": "audio/wav"})

    api = make_api(handler)
    with pytest.raises(camb.SpeechSegmentError) as caught:
        api(lambda c: c.tts.speak("A short line.", VOICE, "en-us", destination))
    assert caught.value.segment == 0
    assert caught.value.attempts == 1 + DEFAULT_SEGMENT_RETRIES
    # No folder is promised that was never made.
    assert "No audio of it is kept" in str(caught.value)
    assert ".segments" not in str(caught.value)
    assert destination.read_bytes() == b"the caller's old file"
    assert [p.name for p in tmp_path.iterdir()] == ["line.wav"]


def test_one_segment_of_malformed_audio_is_a_typed_error(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        # Raw 16-bit PCM cannot have an odd number of bytes.
        return httpx.Response(200, content=b"\x01\x02\x03", headers={"content-type": "audio/pcm"})

    api = make_api(handler)
    # Raw PCM output is made from WAV (whose header says what the samples are): three bytes
    # that are no WAV are an unusable answer, tried again, then the segment's failure.
    with pytest.raises(camb.SpeechSegmentError, match="not a WAV file") as caught:
        api(
            lambda c: c.tts.speak(
                "A short line.", VOICE, "en-us", tmp_path / "x.pcm", sample_rate=RATE
            )
        )
    assert isinstance(caught.value.__cause__, camb.UnexpectedResponseError)
    assert [body["output_configuration"]["format"] for body in api.recorder.bodies()] == ["wav"] * (
        1 + DEFAULT_SEGMENT_RETRIES
    )
    assert list(tmp_path.iterdir()) == []
