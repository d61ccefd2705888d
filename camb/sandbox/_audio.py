"""The audio bodies of the API: speech in the requested format, produced lazily.

Nothing here does I/O. Audio is made chunk by chunk from small precomputed pieces (a tone or
a pause per character, see _synth), so streams of any duration cost no more memory than a
chunk and long PCM streams are mostly memory copies.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Literal

import attrs
import numpy as np

from camb.api_facts import AudioFormat

from ._codecs import (
    ADTS_FRAME_SAMPLES,
    ADTS_SAMPLE_RATES,
    StreamEncoder,
    adts_silence_frame,
    encode_flac,
    wav_header,
)
from ._sources import ByteSource, BytesSource, ConcatSource, CycleSource, iter_source
from ._synth import (
    DEFAULT_SAMPLE_RATE,
    PCM_DTYPES,
    segment_samples,
    speech_samples,
    text_pieces,
)

MEDIA_TYPES: dict[AudioFormat, str] = {
    "wav": "audio/wav",
    "flac": "audio/flac",
    "adts": "audio/aac",
    "mp3": "audio/mpeg",
    "pcm_s16le": "audio/x-pcm",
    "pcm_s16be": "audio/x-pcm",
    "pcm_s32le": "audio/x-pcm",
    "pcm_s32be": "audio/x-pcm",
    "pcm_f32le": "audio/x-pcm",
    "pcm_f32be": "audio/x-pcm",
}
MAX_RESULT_SECONDS = 600.0
MAX_STREAM_SECONDS = 1_000_000.0  # a longer requested duration is cut to this
MIN_SAMPLE_RATE = 8_000
MAX_SAMPLE_RATE = 192_000
MPEG_SAMPLE_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


def _encoded_chunks(
    fmt: Literal["flac", "mp3"], pcm: ByteSource, total_samples: int, sample_rate: int
) -> Iterator[bytes]:
    encoder = StreamEncoder(fmt, sample_rate, total_samples)
    try:
        step = max(1, sample_rate // 4)
        remaining = total_samples
        while remaining > 0:
            count = min(step, remaining)
            samples = np.frombuffer(pcm.read(count * 2), dtype="<i2")
            remaining -= count
            step = min(step * 2, sample_rate * 4)
            out = encoder.feed(samples)
            if out:
                yield out
        tail = encoder.finish()
        if tail:
            yield tail
    finally:
        encoder.close()


# --- what the endpoints answer --------------------------------------------------------------


@attrs.frozen
class AudioStream:
    """An audio body: its media type, its length if known in advance, and its chunks.

    ``blocking`` tells that producing a chunk does real encoding work (run it off the loop).
    """

    media_type: str
    length: int | None
    chunks: Iterator[bytes | memoryview]
    blocking: bool


def sample_rate_problem(fmt: AudioFormat, sample_rate: int) -> str | None:
    """Why ``sample_rate`` cannot be used with ``fmt``, or None."""
    if fmt == "mp3" and sample_rate not in MPEG_SAMPLE_RATES:
        rates = ", ".join(str(rate) for rate in MPEG_SAMPLE_RATES)
        return f"sample_rate {sample_rate} is not supported for mp3; supported: {rates}"
    if fmt == "adts" and sample_rate not in ADTS_SAMPLE_RATES:
        rates = ", ".join(str(rate) for rate in sorted(ADTS_SAMPLE_RATES))
        return f"sample_rate {sample_rate} is not supported for adts; supported: {rates}"
    if not MIN_SAMPLE_RATE <= sample_rate <= MAX_SAMPLE_RATE:
        return f"sample_rate must be between {MIN_SAMPLE_RATE} and {MAX_SAMPLE_RATE}"
    return None


def stream_audio(
    text: str,
    fmt: AudioFormat = "wav",
    *,
    sample_rate: int | None = None,
    duration: float | None = None,
    speaking_rate: float | None = None,
    declare_more: bool = False,
) -> AudioStream:
    """The body of ``POST /tts-stream``: speech for ``text`` in ``fmt``, produced lazily.

    Its length is the text's (``speech_samples``) unless ``duration`` (seconds) is given; the
    text's tone cycle repeats as needed. With ``declare_more`` a WAV header declares twice the
    data that follows (a fault: audio cut short under a header that was not).
    """
    rate = sample_rate or DEFAULT_SAMPLE_RATE
    segment = segment_samples(rate, speaking_rate)
    if duration is not None:
        total = max(1, round(min(duration, MAX_STREAM_SECONDS) * rate))
    else:
        total = speech_samples(text, rate, speaking_rate)
    media_type = MEDIA_TYPES[fmt]
    if fmt == "adts":
        frames = math.ceil(total / ADTS_FRAME_SAMPLES)
        frame = adts_silence_frame(rate)
        source: ByteSource = CycleSource([frame], frames * len(frame))
        return AudioStream(media_type, source.remaining, iter_source(source), blocking=False)
    layout = fmt if fmt in PCM_DTYPES else "pcm_s16le"
    width = np.dtype(PCM_DTYPES[layout]).itemsize
    pcm = CycleSource(text_pieces(text, rate, segment, layout), total * width)
    if fmt == "wav":
        declared = total * width * (2 if declare_more else 1)
        source = ConcatSource([BytesSource(wav_header(rate, declared)), pcm])
        return AudioStream(media_type, source.remaining, iter_source(source), blocking=False)
    if fmt == "flac" or fmt == "mp3":
        return AudioStream(media_type, None, _encoded_chunks(fmt, pcm, total, rate), blocking=True)
    return AudioStream(media_type, pcm.remaining, iter_source(pcm), blocking=False)


def result_flac(text: str, sample_rate: int = DEFAULT_SAMPLE_RATE) -> bytes:
    """The FLAC file of a finished ``POST /tts`` task (at most ``MAX_RESULT_SECONDS`` long)."""
    segment = segment_samples(sample_rate)
    total = min(speech_samples(text, sample_rate), round(MAX_RESULT_SECONDS * sample_rate))
    pcm = CycleSource(text_pieces(text, sample_rate, segment, "pcm_s16le"), total * 2)
    samples = np.frombuffer(pcm.read(total * 2), dtype="<i2")
    return encode_flac(samples, sample_rate)
