"""Containers and encoders: WAV headers, ADTS frames, FLAC files (padded or streamed), MP3."""

from __future__ import annotations

import functools
import io
import struct
from typing import Literal

import attrs
import numpy as np
import numpy.typing as npt
import soundfile

from ._sources import LARGEST_CHUNK, ByteSource, BytesSource, ConcatSource, CycleSource

# In ADTS sampling_frequency_index order.
ADTS_SAMPLE_RATES = (
    96000,
    88200,
    64000,
    48000,
    44100,
    32000,
    24000,
    22050,
    16000,
    12000,
    11025,
    8000,
    7350,
)
ADTS_FRAME_SAMPLES = 1024


def wav_header(sample_rate: int, data_bytes: int, bits: int = 16) -> bytes:
    """A canonical 44-byte PCM WAV header for mono audio (sizes saturate past 4 GiB)."""
    block_align = bits // 8
    return struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        min(36 + data_bytes, 0xFFFFFFFF),
        b"WAVE",
        b"fmt ",
        16,
        1,
        1,
        sample_rate,
        sample_rate * block_align,
        block_align,
        bits,
        b"data",
        min(data_bytes, 0xFFFFFFFF),
    )


# A mono AAC-LC raw_data_block holding one silent frame: SCE, max_sfb 0, END.
_AAC_SILENT_MONO = bytes.fromhex("01402007")


def adts_silence_frame(sample_rate: int) -> bytes:
    """One ADTS frame (1024 samples) of mono AAC-LC silence."""
    index = ADTS_SAMPLE_RATES.index(sample_rate)
    length = 7 + len(_AAC_SILENT_MONO)
    channels = 1
    fullness = 0x7FF
    header = bytes(
        [
            0xFF,
            0xF1,  # MPEG-4, layer 0, no CRC
            (1 << 6) | (index << 2) | (channels >> 2),  # profile LC
            ((channels & 3) << 6) | (length >> 11),
            (length >> 3) & 0xFF,
            ((length & 7) << 5) | (fullness >> 6),
            ((fullness & 0x3F) << 2),
        ]
    )
    return header + _AAC_SILENT_MONO


def encode_flac(samples: npt.NDArray[np.int16], sample_rate: int) -> bytes:
    """Mono 16-bit samples as a complete FLAC file."""
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, sample_rate, format="FLAC", subtype="PCM_16")
    return buffer.getvalue()


FLAC_PADDING = 1
FLAC_MAX_BLOCK = (1 << 24) - 1


def flac_metadata_end(data: bytes) -> int:
    """Offset of the first audio frame of a FLAC file (after all metadata blocks)."""
    if data[:4] != b"fLaC":
        raise ValueError("not a FLAC stream")
    pos = 4
    while True:
        header = data[pos]
        length = int.from_bytes(data[pos + 1 : pos + 4], "big")
        pos += 4 + length
        if header & 0x80:
            return pos


def padding_sizes(missing: int) -> list[int]:
    """Payload sizes of PADDING blocks (4-byte header each) adding at least ``missing`` bytes."""
    sizes: list[int] = []
    while missing > 0:
        payload = min(FLAC_MAX_BLOCK, max(0, missing - 4))
        sizes.append(payload)
        missing -= 4 + payload
    return sizes


_ZEROS = bytes(LARGEST_CHUNK)


def padded_flac(data: bytes, min_total: int | None) -> ByteSource:
    """``data`` (a FLAC file) grown to at least ``min_total`` bytes with PADDING metadata blocks.

    The padding is produced lazily from one block of zeros, so a 1 GiB answer costs no memory.
    """
    if min_total is None or min_total <= len(data):
        return BytesSource(data)
    frames = flac_metadata_end(data)
    sizes = padding_sizes(min_total - len(data))
    # Every original metadata block stays; only the "last block" flag moves to the padding.
    head = bytearray(data[:frames])
    pos = 4
    while pos < frames:
        head[pos] &= 0x7F
        pos += 4 + int.from_bytes(head[pos + 1 : pos + 4], "big")
    sources: list[ByteSource] = [BytesSource(bytes(head))]
    for number, payload in enumerate(sizes):
        last = 0x80 if number == len(sizes) - 1 else 0
        sources.append(BytesSource(bytes([last | FLAC_PADDING]) + payload.to_bytes(3, "big")))
        sources.append(CycleSource([_ZEROS], payload))
    sources.append(BytesSource(data[frames:]))
    return ConcatSource(sources)


# --- streaming encoders ---------------------------------------------------------------------


class _Sink:
    """A write-only virtual file for libsndfile that hands over what it has written so far.

    Rewrites of bytes already handed over (libsndfile's closing header updates) are dropped.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._flushed = 0
        self._pos = 0

    def write(self, data: bytes) -> int:
        size = len(data)
        start = self._pos - self._flushed
        if start >= 0:
            self._buffer[start : start + size] = bytes(data)
        elif start + size > 0:
            self._buffer[0 : start + size] = bytes(data)[-start:]
        self._pos += size
        return size

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._flushed + len(self._buffer) + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def read(self, size: int = -1) -> bytes:
        return b""

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._flushed += len(data)
        self._buffer.clear()
        return data


def _patch_flac_total_samples(head: bytes, total: int) -> bytes:
    """Write the total sample count into a STREAMINFO (0, "unknown", when it does not fit)."""
    if total >= 1 << 36:
        total = 0
    # STREAMINFO starts at byte 8; bytes 10..17 of it hold rate, channels, bits and the total.
    start = 8 + 10
    packed = int.from_bytes(head[start : start + 8], "big")
    packed = (packed & ~((1 << 36) - 1)) | total
    return head[:start] + packed.to_bytes(8, "big") + head[start + 8 :]


class StreamEncoder:
    """Encodes mono 16-bit samples to FLAC or MP3 piece by piece, handing out bytes as made."""

    _HEAD = 42  # "fLaC" + block header + STREAMINFO

    def __init__(self, fmt: Literal["flac", "mp3"], sample_rate: int, total_samples: int) -> None:
        self._fmt = fmt
        self._total = total_samples
        self._sink = _Sink()
        self._pending = b""
        self._head_done = fmt != "flac"
        if fmt == "flac":
            self._file = soundfile.SoundFile(
                self._sink, "w", samplerate=sample_rate, channels=1, format="FLAC", subtype="PCM_16"
            )
        else:
            # Constant bit rate, so a decoder can tell the length without the closing header.
            self._file = soundfile.SoundFile(
                self._sink,
                "w",
                samplerate=sample_rate,
                channels=1,
                format="MP3",
                subtype="MPEG_LAYER_III",
                compression_level=0.5,
                bitrate_mode="CONSTANT",
            )

    def _handout(self, data: bytes) -> bytes:
        if self._head_done:
            return data
        self._pending += data
        if len(self._pending) < self._HEAD:
            return b""
        self._head_done = True
        out, self._pending = _patch_flac_total_samples(self._pending, self._total), b""
        return out

    def feed(self, samples: npt.NDArray[np.int16]) -> bytes:
        self._file.write(samples)
        return self._handout(self._sink.take())

    def finish(self) -> bytes:
        self._file.close()
        out = self._handout(self._sink.take())
        if not self._head_done:  # shorter than a header: cannot happen for real output
            self._head_done = True
            out, self._pending = self._pending, b""
        return out

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()


# --- MP3 made from cached frames --------------------------------------------------------------
#
# Encoding MP3 costs about 30 times more CPU than making the samples (16.9 s against 1.05 s for
# 30,000 characters as WAV), yet the sandbox's speech is only ever two sounds per text: its
# tone and silence. So each sound is encoded once per sample rate (and pitch), and speech is
# laid out frame by frame from those frames: an MP3 frame is a tone frame when the character
# at its middle is voiced, else a silent one. A run of frames of one sound is a prefix of that
# sound's encoding: the first frame of an encoding takes no bits from frames before it (its
# main_data_begin is 0), and no frame takes bits from frames after it, so every run decodes
# on its own and runs can be laid end to end. The speech is as long as the text's to within
# one frame; a run starts with the encoder's delay (about 1,100 samples of fade-in).

MP3_RUN_FRAMES = 128  # frames of each cached sound: longer runs start the sound again
_MPEG1_RATES = (32000, 44100, 48000)


def mp3_frame_samples(sample_rate: int) -> int:
    """Samples per MPEG audio Layer III frame at this rate (MPEG-1: 1152, MPEG-2/2.5: 576)."""
    return 1152 if sample_rate in _MPEG1_RATES else 576


# Layer III kbit/s by MPEG-1 or not (MPEG-2/2.5), and sample rates by the version bits. The
# sandbox reads its own encoder's frames itself: it is the client's oracle, so it shares none
# of the client's private code (tests/sandbox/test_official_shapes.py checks its imports).
_LAYER3_KBITS = {
    True: (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    False: (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_VERSION_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@attrs.frozen
class _Mp3Frame:
    length: int
    side_info: int  # bytes of side information after the header (where Xing/Info sits)


def _mp3_frame(header: bytes) -> _Mp3Frame | None:
    """A Layer III frame header's frame length and side-information size (None: not one)."""
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    kbits_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer_bits != 1 or kbits_index in (0, 15) or rate_index == 3:
        return None
    mpeg1 = version == 3
    bitrate = _LAYER3_KBITS[mpeg1][kbits_index] * 1000
    rate = _VERSION_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    length = (144 if mpeg1 else 72) * bitrate // rate + padding
    mono = header[3] >> 6 == 3
    side_info = (17 if mono else 32) if mpeg1 else (9 if mono else 17)
    return _Mp3Frame(length, side_info)


def _split_mp3_frames(data: bytes) -> list[bytes]:
    """The audio frames of one encoding, without ID3 tags and its Xing/Info/LAME frame."""
    position = 0
    if data[:3] == b"ID3":
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        position = 10 + size
    frames: list[bytes] = []
    while position + 4 <= len(data):
        frame = _mp3_frame(data[position : position + 4])
        if frame is None or position + frame.length > len(data):
            break
        body = data[position : position + frame.length]
        position += frame.length
        tag_at = 4 + frame.side_info
        if not frames and body[tag_at : tag_at + 4] in (b"Xing", b"Info"):
            continue
        frames.append(body)
    return frames


@functools.lru_cache(maxsize=64)
def mp3_sound_frames(sample_rate: int, pitch: float | None, amplitude: float) -> tuple[bytes, ...]:
    """`MP3_RUN_FRAMES` frames of one steady sound (a tone at `pitch`, or silence for None),
    encoded once (CBR, as `StreamEncoder` does) and reused for every run of it."""
    count = MP3_RUN_FRAMES * mp3_frame_samples(sample_rate)
    if pitch is None:
        samples = np.zeros(count, dtype="<i2")
    else:
        wave = amplitude * np.sin(2 * np.pi * pitch * np.arange(count) / sample_rate)
        samples = np.round(wave * 32767).astype("<i2")
    buffer = io.BytesIO()
    with soundfile.SoundFile(
        buffer,
        "w",
        samplerate=sample_rate,
        channels=1,
        format="MP3",
        subtype="MPEG_LAYER_III",
        compression_level=0.5,
        bitrate_mode="CONSTANT",
    ) as out:
        out.write(samples)
    frames = _split_mp3_frames(buffer.getvalue())
    return tuple(frames[:MP3_RUN_FRAMES])
