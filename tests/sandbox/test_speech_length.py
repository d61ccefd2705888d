"""POST /tts-stream: audio whose length follows the text, in every format, at the model's rate.

The rule (the sandbox's docs): 60 ms per character at speaking rate 1; letters are a tone at
``text_pitch(text)``, other characters silence. So a long text cut into segments and joined
can be checked for length (the sum of the segments') and order (each segment's pitch).
"""

from __future__ import annotations

import io

import httpx
import numpy as np
import numpy.typing as npt
import pytest
import soundfile

from camb.api_facts import AUDIO_FORMATS, SAMPLE_RATES
from camb.sandbox._codecs import ADTS_SAMPLE_RATES
from camb.sandbox._synth import PCM_DTYPES, PITCH_STEP_HZ, SECONDS_PER_CHAR, text_pitch

from ._helpers import STREAM_BODY

TEXT = "Speech whose length follows the text."


def _stream(client: httpx.Client, text: str, fmt: str, model: str) -> httpx.Response:
    body = {
        **STREAM_BODY,
        "text": text,
        "speech_model": model,
        "output_configuration": {"format": fmt},
    }
    response = client.post("/tts-stream", json=body)
    assert response.status_code == 200, response.text
    return response


def _adts_frames(data: bytes) -> tuple[int, int]:
    """(frame count, sample rate) of an ADTS stream, walking its frame headers."""
    pos = frames = 0
    rates = set()
    while pos < len(data):
        assert data[pos : pos + 2] == b"\xff\xf1", f"no ADTS sync word at {pos}"
        rates.add(ADTS_SAMPLE_RATES[(data[pos + 2] >> 2) & 0xF])
        length = ((data[pos + 3] & 3) << 11) | (data[pos + 4] << 3) | (data[pos + 5] >> 5)
        pos += length
        frames += 1
    assert pos == len(data)
    (rate,) = rates
    return frames, rate


def _decode(data: bytes, fmt: str, rate: int) -> npt.NDArray[np.float64]:
    if fmt in PCM_DTYPES:
        dtype = np.dtype(PCM_DTYPES[fmt])
        samples = np.frombuffer(data, dtype=dtype).astype(np.float64)
        return samples if dtype.kind == "f" else samples / np.iinfo(dtype).max
    decoded, found_rate = soundfile.read(io.BytesIO(data), dtype="float64")
    assert found_rate == rate
    result: npt.NDArray[np.float64] = decoded
    return result


def _pitch(samples: npt.NDArray[np.float64], rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


@pytest.mark.parametrize("model", ["mars-flash", "mars-pro"])
@pytest.mark.parametrize("fmt", AUDIO_FORMATS)
def test_every_format_has_the_texts_length_at_the_models_rate(
    client: httpx.Client, fmt: str, model: str
) -> None:
    rate = SAMPLE_RATES[model]
    expected = len(TEXT) * round(SECONDS_PER_CHAR * rate)
    data = _stream(client, TEXT, fmt, model).content
    if fmt == "adts":
        # Silent AAC frames (no AAC encoder at hand): the length is right, the sound is not.
        frames, found_rate = _adts_frames(data)
        assert found_rate == rate
        assert expected <= frames * 1024 < expected + 1024
        return
    samples = _decode(data, fmt, rate)
    if fmt == "mp3":  # the encoder adds its delay and padding
        assert expected <= len(samples) <= expected + 3000
    else:
        assert len(samples) == expected
    assert np.sqrt(np.mean(samples**2)) > 0.05  # a tone, not silence
    if fmt != "mp3":
        assert _pitch(samples, rate) == pytest.approx(text_pitch(TEXT), abs=PITCH_STEP_HZ / 2)


def test_length_is_proportional_to_the_text(client: httpx.Client) -> None:
    lengths = [
        len(_stream(client, "word " * words, "pcm_s16le", "mars-flash").content) // 2
        for words in (2, 4, 8)
    ]
    per_char = round(SECONDS_PER_CHAR * 22050)
    assert lengths == [10 * per_char, 20 * per_char, 40 * per_char]


def test_joined_segments_show_their_order(client: httpx.Client) -> None:
    """Two segments joined: each half carries its own segment's pitch, in text order."""
    first, second = "The first segment of a chapter.", "And then the second one follows."
    assert abs(text_pitch(first) - text_pitch(second)) >= PITCH_STEP_HZ
    rate = 22050
    parts = [
        _decode(_stream(client, text, "flac", "mars-flash").content, "flac", rate)
        for text in (first, second)
    ]
    joined = np.concatenate(parts)
    head, tail = joined[: len(parts[0])], joined[len(parts[0]) :]
    assert _pitch(head, rate) == pytest.approx(text_pitch(first), abs=PITCH_STEP_HZ / 2)
    assert _pitch(tail, rate) == pytest.approx(text_pitch(second), abs=PITCH_STEP_HZ / 2)


def test_spaces_and_punctuation_are_silent(client: httpx.Client) -> None:
    samples = _decode(_stream(client, "ab, cd", "pcm_f32le", "mars-flash").content, "pcm_f32le", 0)
    per_char = round(SECONDS_PER_CHAR * 22050)
    chars = samples.reshape(6, per_char)
    loud = [bool(np.max(np.abs(char)) > 0.1) for char in chars]
    assert loud == [True, True, False, False, True, True]
