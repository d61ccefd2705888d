"""The sandbox's MP3 costs about what its WAV does: each sound is encoded once, then reused.

Not a stopwatch test: what is counted is the work given to the encoder, which must not grow
with the length of the speech, nor repeat for a text already spoken.
"""

from __future__ import annotations

import io
import math
from typing import Any

import numpy as np
import pytest
import soundfile

from camb.sandbox import _codecs
from camb.sandbox._audio import stream_audio
from camb.sandbox._synth import SECONDS_PER_CHAR, text_pitch

_SoundFile = soundfile.SoundFile


class CountingSoundFile:
    """Wraps soundfile.SoundFile: counts MP3 encoders opened and samples written to them."""

    opened = 0
    samples = 0

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._file = _SoundFile(*args, **kwargs)
        if kwargs.get("format") == "MP3":
            CountingSoundFile.opened += 1
            self._counted = True
        else:
            self._counted = False

    def write(self, data: Any) -> None:
        if self._counted:
            CountingSoundFile.samples += len(data)
        self._file.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._file, name)

    def __enter__(self) -> CountingSoundFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self._file.close()


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> type[CountingSoundFile]:
    _codecs.mp3_sound_frames.cache_clear()
    CountingSoundFile.opened = CountingSoundFile.samples = 0
    monkeypatch.setattr(_codecs.soundfile, "SoundFile", CountingSoundFile)
    return CountingSoundFile


def body(text: str, **kwargs: Any) -> bytes:
    return b"".join(bytes(chunk) for chunk in stream_audio(text, "mp3", **kwargs).chunks)


def test_the_encoder_works_once_per_sound_whatever_the_length(
    counted: type[CountingSoundFile],
) -> None:
    rate = 48_000
    body("A first text.", sample_rate=rate, duration=600.0)
    # Its tone and silence: encoded once each, a few seconds of samples, not ten minutes.
    assert counted.opened == 2
    assert counted.samples <= 2 * _codecs.MP3_RUN_FRAMES * 1152
    body("A first text.", sample_rate=rate, duration=600.0)
    body("A first text.", sample_rate=rate)
    assert counted.opened == 2  # the same text again: nothing encoded
    body("Another text entirely.", sample_rate=rate)
    assert counted.opened == 3  # only the new text's tone


@pytest.mark.parametrize("rate", [16_000, 24_000, 44_100, 48_000])
def test_cached_frames_decode_to_the_text_length_tone_and_pauses(rate: int) -> None:
    text = "Aaaaaaaaaaaaaaaaaaaa                    Bbbbbbbbbbbbbbbbbbbb"
    data = body(text, sample_rate=rate)
    decoded, decoded_rate = soundfile.read(io.BytesIO(data), dtype="float64")
    assert decoded_rate == rate
    expected = len(text) * round(SECONDS_PER_CHAR * rate)
    per_frame = _codecs.mp3_frame_samples(rate)
    assert len(decoded) == math.ceil(expected / per_frame) * per_frame
    second = round(SECONDS_PER_CHAR * rate) * 20  # each run of 20 characters

    def level(start: int) -> float:
        piece = decoded[start + second // 4 : start + 3 * second // 4]
        return float(np.sqrt(np.mean(piece**2)))

    assert level(0) > 0.1  # the first word: a tone
    assert level(second) < 1e-3  # the spaces: silence
    assert level(2 * second) > 0.1
    piece = decoded[second // 4 : 3 * second // 4]
    spectrum = np.abs(np.fft.rfft(piece * np.hanning(len(piece))))
    heard = np.argmax(spectrum) * rate / len(piece)
    assert heard == pytest.approx(text_pitch(text), abs=12.5)
