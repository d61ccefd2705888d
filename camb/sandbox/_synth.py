"""What the sandbox's speech sounds like: 60 ms per character, a tone or a pause.

Every letter or digit is 60 ms (at speaking rate 1) of one tone whose pitch derives from a hash
of the whole text (``text_pitch``); every other character is 60 ms of silence. So the length of
the audio follows the text, and two different texts (say two segments of a long text) can be
told apart by their pitch. The two pieces are precomputed per sample rate, pitch and layout, so
speech of any length is a sequence of ready-made byte strings. No I/O.
"""

from __future__ import annotations

import functools
import hashlib

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

DEFAULT_SAMPLE_RATE = 24_000  # of task results (POST /tts), which no source documents
SECONDS_PER_CHAR = 0.06

# Pitches are PITCH_LOWEST_HZ + k * PITCH_STEP_HZ for k in 0..PITCH_STEPS-1: far enough apart
# for an FFT of a few hundred ms to tell them apart, and below 4 kHz (Nyquist at 8 kHz).
PITCH_LOWEST_HZ = 200.0
PITCH_STEP_HZ = 25.0
PITCH_STEPS = 64
_AMPLITUDE = 0.4


def text_pitch(text: str) -> float:
    """The pitch in Hz of the tones of ``text``'s speech: from the SHA-256 of its UTF-8."""
    digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()
    return PITCH_LOWEST_HZ + PITCH_STEP_HZ * (int.from_bytes(digest[:4], "big") % PITCH_STEPS)


def is_voiced(ch: str) -> bool:
    """Letters and digits are spoken (a tone); spaces and punctuation are pauses."""
    return ch.isalnum()


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
    """Length of the speech for ``text``: one segment (60 ms at rate 1) per character."""
    return max(1, len(text)) * segment_samples(sample_rate, speaking_rate)


def _syllable(freq: float | None, length: int, sample_rate: int) -> npt.NDArray[np.float64]:
    if freq is None:
        return np.zeros(length)
    t = np.arange(length) / sample_rate
    wave = np.sin(2 * np.pi * freq * t)
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


@functools.lru_cache(maxsize=256)
def syllable_bank(sample_rate: int, length: int, layout: str, pitch: float) -> tuple[bytes, bytes]:
    """The pause and the tone at ``pitch``, ``length`` samples each, as bytes in ``layout``."""
    return (
        encode_samples(_syllable(None, length, sample_rate), layout),
        encode_samples(_syllable(pitch, length, sample_rate), layout),
    )


def text_pieces(text: str, sample_rate: int, length: int, layout: str) -> list[bytes]:
    """One syllable per character of ``text``: the repeating cycle of the speech."""
    pause, tone = syllable_bank(sample_rate, length, layout, text_pitch(text))
    return [tone if is_voiced(ch) else pause for ch in text] or [pause]
