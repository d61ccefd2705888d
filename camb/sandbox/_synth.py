"""What the sandbox's speech sounds like: one short tone (or pause) per character.

The tones are precomputed per sample rate and layout, so speech of any length is a sequence of
ready-made byte strings. No I/O.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt

# numpy dtype of each sample layout; wav, flac and mp3 are made from pcm_s16le.
PCM_DTYPES: dict[str, str] = {
    "pcm_s16le": "<i2",
    "pcm_s16be": ">i2",
    "pcm_s32le": "<i4",
    "pcm_s32be": ">i4",
    "pcm_f32le": "<f4",
    "pcm_f32be": ">f4",
}

DEFAULT_SAMPLE_RATE = 24_000
SECONDS_PER_CHAR = 0.06
MIN_SECONDS = 0.5

# Semitones above the base pitch, one per tone class: a pentatonic scale over two octaves.
_SCALE = (0, 2, 4, 7, 9, 12, 14, 16, 19, 21, 24, 26)
_BASE_HZ = 196.0
_AMPLITUDE = 0.4


def char_class(ch: str) -> int:
    """0 (a pause) for spaces and punctuation, else one of 12 tones chosen by the character."""
    if not ch.isalnum():
        return 0
    return 1 + ord(ch.lower()) % len(_SCALE)


def clamp_speaking_rate(rate: float | None) -> float:
    """The speaking rate the sandbox honours: 0.25 to 4 times normal speed."""
    if rate is None:
        return 1.0
    return min(max(rate, 0.25), 4.0)


def segment_samples(sample_rate: int, speaking_rate: float | None = None) -> int:
    """Samples per character."""
    seconds = SECONDS_PER_CHAR / clamp_speaking_rate(speaking_rate)
    return max(1, round(seconds * sample_rate))


def speech_samples(text: str, sample_rate: int, speaking_rate: float | None = None) -> int:
    """Length of the speech for ``text``: one segment per character, at least 0.5 s."""
    return max(
        len(text) * segment_samples(sample_rate, speaking_rate), round(MIN_SECONDS * sample_rate)
    )


def _syllable(tone: int, length: int, sample_rate: int) -> npt.NDArray[np.float64]:
    if tone == 0:
        return np.zeros(length)
    freq = _BASE_HZ * 2.0 ** (_SCALE[tone - 1] / 12.0)
    t = np.arange(length) / sample_rate
    wave = 0.7 * np.sin(2 * np.pi * freq * t) + 0.3 * np.sin(4 * np.pi * freq * t)
    # Raised-cosine fade in and out: every syllable starts and ends at zero, so they join
    # without clicks.
    ramp = max(1, length // 5)
    edge = (0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp))[: min(ramp, length)]
    envelope = np.ones(length)
    envelope[: len(edge)] = edge
    envelope[length - len(edge) :] = np.minimum(envelope[length - len(edge) :], edge[::-1])
    result: npt.NDArray[np.float64] = _AMPLITUDE * wave * envelope
    return result


def encode_samples(samples: npt.NDArray[np.float64], layout: str) -> bytes:
    """Float samples in [-1, 1] as raw bytes in a ``pcm_*`` layout."""
    dtype = np.dtype(PCM_DTYPES[layout])
    if dtype.kind == "f":
        return samples.astype(dtype).tobytes()
    full_scale = float(np.iinfo(dtype).max)
    return np.round(np.clip(samples, -1.0, 1.0) * full_scale).astype(dtype).tobytes()


@functools.lru_cache(maxsize=64)
def syllable_bank(sample_rate: int, length: int, layout: str) -> tuple[bytes, ...]:
    """The pause and the 12 tones, ``length`` samples each, as raw bytes in ``layout``."""
    return tuple(
        encode_samples(_syllable(tone, length, sample_rate), layout)
        for tone in range(len(_SCALE) + 1)
    )


def text_pieces(text: str, sample_rate: int, length: int, layout: str) -> list[bytes]:
    """One syllable per character of ``text``: the repeating cycle of the speech."""
    bank = syllable_bank(sample_rate, length, layout)
    return [bank[char_class(ch)] for ch in text] or [bank[0]]
