"""What one segment's audio is: where its samples are, at what rate, how long. No writing.

Reads a segment's file (or bytes) in the format it was requested in and finds the byte range
of its audio (WAV's data chunk, MPEG or ADTS frames without tags or Xing/Info frames, raw PCM
as a whole) and the facts two segments must share to be joined. `_audio_join` builds files from
these layouts. Malformed audio raises `AudioJoinError`.
"""

from __future__ import annotations

import io
import os
import struct
from typing import IO, Final

import attrs

from .._exceptions import AudioJoinError, InvalidInputError, InvalidInputTypeError
from .._models import AUDIO_FORMATS, AudioFormat

# Sample layout of each raw PCM format: bytes per sample and struct byte order.
PCM_WIDTHS: Final[dict[str, int]] = {
    "pcm_s16le": 2,
    "pcm_s16be": 2,
    "pcm_s32le": 4,
    "pcm_s32be": 4,
    "pcm_f32le": 4,
    "pcm_f32be": 4,
}
WAVE_PCM, WAVE_FLOAT, WAVE_EXTENSIBLE = 1, 3, 0xFFFE
UNKNOWN_SIZE = 0xFFFFFFFF


def check_format(fmt: object) -> None:
    if fmt not in AUDIO_FORMATS:
        raise InvalidInputError("format", f"must be one of {', '.join(AUDIO_FORMATS)}", fmt)


# --- reading segments ------------------------------------------------------------------------


@attrs.frozen
class Layout:
    """Where a segment's audio is, and what it is.

    `start`/`length`: the byte range to copy; `samples`: its duration in samples per channel;
    `signature`: what must match between segments; `first_frame`: an MPEG/ADTS frame header.
    """

    start: int
    length: int
    samples: int | None
    rate: int | None
    signature: tuple[object, ...]
    fmt_chunk: bytes = b""
    first_frame: bytes = b""


def open_segment(source: str | os.PathLike[str] | bytes) -> IO[bytes]:
    if isinstance(source, (bytes, bytearray, memoryview)):
        return io.BytesIO(source)
    if isinstance(source, (str, os.PathLike)):
        return open(source, "rb")
    raise InvalidInputTypeError("segment", "must be a file path or bytes", source)


def _size(file: IO[bytes]) -> int:
    end = file.seek(0, io.SEEK_END)
    file.seek(0)
    return end


def _read_exact(file: IO[bytes], count: int, what: str) -> bytes:
    data = file.read(count)
    if len(data) != count:
        raise AudioJoinError(f"truncated {what}")
    return data


def read_layout(
    fmt: AudioFormat, file: IO[bytes], *, sample_rate: int | None, channels: int
) -> Layout:
    size = _size(file)
    if fmt == "wav":
        return _wav_layout(file, size)
    if fmt == "mp3":
        return _mp3_layout(file, size)
    if fmt == "adts":
        return _adts_layout(file, size)
    # Raw PCM (also what a FLAC join is fed).
    width = PCM_WIDTHS["pcm_s16le" if fmt == "flac" else fmt] * channels
    if size % width:
        raise AudioJoinError(f"{size} bytes of {fmt} is not a whole number of {width}-byte frames")
    return Layout(0, size, size // width, sample_rate, ())


def _wav_layout(file: IO[bytes], size: int) -> Layout:
    head = file.read(12)
    if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WAVE":
        raise AudioJoinError("not a WAV file (no RIFF/WAVE header)")
    riff_size = struct.unpack("<I", head[4:8])[0]
    fmt_chunk = b""
    position = 12
    while position + 8 <= size:
        file.seek(position)
        chunk_id, chunk_size = struct.unpack("<4sI", _read_exact(file, 8, "WAV chunk header"))
        body = position + 8
        if chunk_id == b"fmt ":
            if chunk_size < 16:
                raise AudioJoinError("WAV fmt chunk is too short")
            fmt_chunk = b"fmt " + struct.pack("<I", chunk_size)
            fmt_chunk += _read_exact(file, chunk_size, "WAV fmt chunk")
            if chunk_size % 2:
                fmt_chunk += b"\0"
        elif chunk_id == b"data":
            if not fmt_chunk:
                raise AudioJoinError("WAV data chunk comes before its fmt chunk")
            streamed = chunk_size == UNKNOWN_SIZE or (
                chunk_size == 0 and riff_size in (0, UNKNOWN_SIZE)
            )
            # A streamed WAV may not know its size: its data then runs to the end of the file.
            if streamed:
                return _wav_data_layout(fmt_chunk, body, size - body)
            if body + chunk_size > size:
                # Never trusted to fit: audio cut short under a header that was not.
                raise AudioJoinError(
                    f"WAV data is shorter than its header says ({size - body} of "
                    f"{chunk_size} bytes): the audio was cut short"
                )
            return _wav_data_layout(fmt_chunk, body, chunk_size)
        position = body + chunk_size + (chunk_size % 2)
    raise AudioJoinError("WAV file has no data chunk")


def _wav_data_layout(fmt_chunk: bytes, start: int, length: int) -> Layout:
    tag, channels, rate, _, block_align, bits = struct.unpack("<HHIIHH", fmt_chunk[8:24])
    if tag == WAVE_EXTENSIBLE and len(fmt_chunk) >= 8 + 26:
        tag = struct.unpack("<H", fmt_chunk[8 + 24 : 8 + 26])[0]
    if tag not in (WAVE_PCM, WAVE_FLOAT) or not channels or not rate or not block_align:
        raise AudioJoinError(f"WAV encoding {tag} is not PCM or float samples")
    if length % block_align:
        raise AudioJoinError(f"WAV data of {length} bytes ends inside a {block_align}-byte frame")
    return Layout(
        start,
        length,
        length // block_align,
        rate,
        (tag, channels, rate, bits, block_align),
        fmt_chunk=fmt_chunk,
    )


def _tag_bounds(file: IO[bytes], size: int) -> tuple[int, int]:
    """The byte range left once ID3v2 tags (front), ID3v1 and APEv2 tags (back) are cut off."""
    start = 0
    while True:
        file.seek(start)
        head = file.read(10)
        if len(head) < 10 or head[:3] != b"ID3":
            break
        body = 0
        for byte in head[6:10]:
            body = (body << 7) | (byte & 0x7F)
        start += 10 + body + (10 if head[5] & 0x10 else 0)
    end = size
    if end - start >= 128:
        file.seek(end - 128)
        if file.read(3) == b"TAG":
            end -= 128
    if end - start >= 32:
        file.seek(end - 32)
        footer = file.read(32)
        if footer[:8] == b"APETAGEX":
            tag_size, _, flags = struct.unpack("<III", footer[12:24])
            end -= tag_size + (32 if flags & 0x80000000 else 0)
    if end < start:
        raise AudioJoinError("tags overlap: not an audio stream")
    return start, end


# MPEG audio frame headers: kbit/s by (version is 1, layer) and sample rates by version.
_MPEG_BITRATES: Final = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_MPEG_RATES: Final = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


@attrs.frozen
class MpegFrame:
    version: int  # header bits: 3 = MPEG-1, 2 = MPEG-2, 0 = MPEG-2.5
    layer: int  # 1, 2 or 3
    rate: int
    mono: bool
    length: int
    samples: int
    protected: bool

    @property
    def side_info(self) -> int:
        if self.version == 3:
            return 17 if self.mono else 32
        return 9 if self.mono else 17


def mpeg_frame(header: bytes) -> MpegFrame | None:
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return None
    version, layer_bits = (header[1] >> 3) & 3, (header[1] >> 1) & 3
    bitrate_index, rate_index = header[2] >> 4, (header[2] >> 2) & 3
    if version == 1 or layer_bits == 0 or bitrate_index in (0, 15) or rate_index == 3:
        return None  # reserved values; free-format streams are not joined
    layer = 4 - layer_bits
    mpeg1 = version == 3
    bitrate = _MPEG_BITRATES[(mpeg1, layer)][bitrate_index] * 1000
    rate = _MPEG_RATES[version][rate_index]
    padding = (header[2] >> 1) & 1
    if layer == 1:
        length, samples = (12 * bitrate // rate + padding) * 4, 384
    elif layer == 2 or mpeg1:
        length, samples = 144 * bitrate // rate + padding, 1152
    else:
        length, samples = 72 * bitrate // rate + padding, 576
    mono = header[3] >> 6 == 3
    return MpegFrame(version, layer, rate, mono, length, samples, not header[1] & 1)


def _mp3_layout(file: IO[bytes], size: int) -> Layout:
    start, end = _tag_bounds(file, size)
    position, frames, samples = start, 0, 0
    first: MpegFrame | None = None
    first_header = b""
    audio_start = start
    while position < end:
        file.seek(position)
        header = file.read(4)
        frame = mpeg_frame(header)
        if frame is None:
            raise AudioJoinError(f"no MPEG audio frame at byte {position}")
        if position + frame.length > end:
            raise AudioJoinError(f"MPEG frame at byte {position} is truncated")
        if first is None:
            first, first_header = frame, header
            if _is_info_frame(file, position, frame):
                # The encoder's Xing/Info/VBRI frame counts this segment's frames only.
                position += frame.length
                audio_start = position
                first = None
                continue
        elif (frame.version, frame.layer, frame.rate, frame.mono) != (
            first.version,
            first.layer,
            first.rate,
            first.mono,
        ):
            raise AudioJoinError(f"MPEG frame at byte {position} changes format mid-stream")
        frames += 1
        samples += frame.samples
        position += frame.length
    if first is None:
        raise AudioJoinError("no MPEG audio frames")
    return Layout(
        audio_start,
        end - audio_start,
        samples,
        first.rate,
        (first.version, first.layer, first.rate, first.mono),
        first_frame=first_header,
    )


def _is_info_frame(file: IO[bytes], position: int, frame: MpegFrame) -> bool:
    if frame.layer != 3:
        return False
    file.seek(position + 4 + frame.side_info)
    if file.read(4) in (b"Xing", b"Info"):
        return True
    file.seek(position + 4 + 32)
    return file.read(4) == b"VBRI"


_ADTS_RATES: Final = (96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000)
_ADTS_RATES_ALL: Final = (*_ADTS_RATES, 11025, 8000, 7350)


def _adts_layout(file: IO[bytes], size: int) -> Layout:
    start, end = _tag_bounds(file, size)
    position, samples = start, 0
    signature: tuple[object, ...] | None = None
    first_header = b""
    while position < end:
        file.seek(position)
        header = file.read(7)
        if len(header) < 7 or header[0] != 0xFF or header[1] & 0xF6 != 0xF0:
            raise AudioJoinError(f"no ADTS frame at byte {position}")
        profile, rate_index = header[2] >> 6, (header[2] >> 2) & 0xF
        channels = ((header[2] & 1) << 2) | (header[3] >> 6)
        length = ((header[3] & 3) << 11) | (header[4] << 3) | (header[5] >> 5)
        if rate_index >= len(_ADTS_RATES_ALL) or length < (7 if header[1] & 1 else 9):
            raise AudioJoinError(f"invalid ADTS frame header at byte {position}")
        if position + length > end:
            raise AudioJoinError(f"ADTS frame at byte {position} is truncated")
        this = (profile, _ADTS_RATES_ALL[rate_index], channels)
        if signature is None:
            signature, first_header = this, header
        elif this != signature:
            raise AudioJoinError(f"ADTS frame at byte {position} changes format mid-stream")
        samples += 1024 * ((header[6] & 3) + 1)
        position += length
    if signature is None:
        raise AudioJoinError("no ADTS frames")
    rate = signature[1]
    assert isinstance(rate, int)
    return Layout(start, end - start, samples, rate, signature, first_frame=first_header)


def audio_duration(
    fmt: AudioFormat,
    source: str | os.PathLike[str] | bytes,
    sample_rate: int | None = None,
    *,
    channels: int = 1,
) -> float | None:
    """Seconds of audio in one segment's body, as received in `fmt` (the wire format).

    WAV, MP3 and ADTS tell their own rate; raw PCM needs `sample_rate` (None without it). FLAC
    is read from its STREAMINFO (None when it does not know its length). Raises
    `AudioJoinError` for malformed audio.
    """
    check_format(fmt)
    with open_segment(source) as file:
        if fmt == "flac":
            return _flac_duration(file)
        if fmt in PCM_WIDTHS and sample_rate is None:
            return None
        layout = read_layout(fmt, file, sample_rate=sample_rate, channels=channels)
    if layout.samples is None or not layout.rate:
        return None
    return layout.samples / layout.rate


def _flac_duration(file: IO[bytes]) -> float | None:
    head = file.read(4 + 4 + 34)
    if len(head) < 42 or head[:4] != b"fLaC" or head[4] & 0x7F != 0:
        raise AudioJoinError("not a FLAC stream (no STREAMINFO)")
    packed = int.from_bytes(head[18:26], "big")
    rate, total = packed >> 44, packed & ((1 << 36) - 1)
    return total / rate if rate and total else None
