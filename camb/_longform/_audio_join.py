"""Joining the audio of many segments into one file of one format. No network I/O.

`/tts-stream` answers each segment with a complete audio body. Laid end to end those are not
one valid file: every WAV has its own header, MP3s carry ID3 tags and a Xing/Info frame whose
frame count makes players stop after the first segment, and FLAC streams cannot be
concatenated at all. This module takes each segment's audio (found by `_audio_layout`, which
reads a segment and writes nothing) and writes one stream with one header:

=========  ===================  =================================================================
output     ask the API for      what the joined file is
=========  ===================  =================================================================
wav        wav                  one RIFF header (the first segment's fmt), the data chunks
                                concatenated, sizes written by `finish()`
pcm_*      the same pcm_*       the samples concatenated
mp3        mp3                  the MPEG frames concatenated, without ID3v2/ID3v1/APE tags and
                                without each segment's Xing/Info/VBRI frame; one new Xing
                                frame in front counts all frames (VBR length for decoders)
adts       adts                 the ADTS frames concatenated, without ID3/APE tags
flac       pcm_s16le            one FLAC stream encoded once from the segments' samples (needs
                                the `audio` extra: soundfile and numpy)
=========  ===================  =================================================================

Use `wire_format_for(output)` to learn what to request. Raw PCM says nothing about its sample
rate, so `sample_rate` (the request's, or the model's default) is passed in for pcm_* and flac.
With `segment_format="wav"` the segments of a pcm_* or flac join are WAV instead: their own
headers then tell the rate, channels and sample layout, and nothing asked for is trusted
(what long-form speech does).

`Joiner` writes a file (in 1 MiB chunks, never holding a whole segment); `StreamJoiner` makes
the same bytes progressively, for playback while later segments are still being made.
`finish_in_place` makes a text of one segment, streamed straight into the output file, that
file: the same checks, one WAV header with the real sizes, nothing copied.
Malformed segment audio raises `AudioJoinError` (a `CambError`).
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable, Iterator
from typing import IO, Any, BinaryIO, Final

import attrs

from .. import _rules as rules
from .._exceptions import (
    AudioExtraMissingError,
    AudioJoinError,
    InvalidInputError,
    InvalidInputTypeError,
)
from .._models import AudioFormat
from ._audio_layout import (
    PCM_WIDTHS,
    UNKNOWN_SIZE,
    WAVE_PCM,
    Layout,
    audio_duration,
    check_format,
    mpeg_frame,
    open_segment,
    read_layout,
)
from ._pcm_convert import converter

__all__ = [
    "AudioExtraMissingError",
    "AudioJoinError",
    "JoinResult",
    "Joiner",
    "StreamJoiner",
    "audio_duration",
    "check_paragraph_pause",
    "finish_in_place",
    "wire_format_for",
]

CHUNK: Final = 1 << 20  # bytes copied at a time
MAX_PAUSE_SECONDS: Final = rules.MAX_PAUSE_SECONDS


@attrs.frozen
class JoinResult:
    """What `Joiner.finish()` wrote: the format, bytes, segments and duration in seconds."""

    format: AudioFormat
    bytes_written: int
    segments: int
    duration: float | None
    sample_rate: int | None = None  # the audio's own, where it says it


# --- choosing what to ask for ----------------------------------------------------------------


def wire_format_for(output_format: AudioFormat) -> AudioFormat:
    """The format to request from `/tts-stream` for each segment of a join into `output_format`.

    FLAC is made once from PCM (`pcm_s16le`), so it raises `AudioExtraMissingError` here, before
    any request, when the `audio` extra is not installed. Raises `InvalidInputError` naming
    `format` for an unknown format.
    """
    check_format(output_format)
    if output_format == "flac":
        _soundfile()
        return "pcm_s16le"
    return output_format


def check_paragraph_pause(value: object) -> float:
    """`paragraph_pause` as seconds, by its rule in the rule table (`InvalidInputError`
    otherwise): a number from 0 to MAX_PAUSE_SECONDS, the same rule batch lines follow."""
    if value is None:
        raise InvalidInputTypeError("paragraph_pause", "must be a number of seconds", value)
    return float(rules.apply(rules.rule_of("paragraph_pause"), "paragraph_pause", value))


def _check_rate(fmt: str, sample_rate: object, channels: object, wire: str | None = None) -> None:
    if isinstance(channels, bool) or not isinstance(channels, int) or channels < 1:
        raise InvalidInputError("channels", "must be an int >= 1", channels)
    needed = (fmt in PCM_WIDTHS or fmt == "flac") and wire != "wav"
    if sample_rate is None and not needed:
        return
    if isinstance(sample_rate, bool) or not isinstance(sample_rate, int) or sample_rate <= 0:
        rule = "must be a positive int" + (f" (raw audio for {fmt} has no header)" * needed)
        raise InvalidInputError("sample_rate", rule, sample_rate)


def _soundfile() -> Any:
    try:
        import numpy  # noqa: F401
        import soundfile
    except ImportError as error:
        missing = error.name or "soundfile"
        raise AudioExtraMissingError("writing FLAC", "audio", missing) from error
    return soundfile


# --- writing ---------------------------------------------------------------------------------


def _copy(file: IO[bytes], start: int, length: int) -> Iterator[bytes]:
    file.seek(start)
    while length > 0:
        chunk = file.read(min(CHUNK, length))
        if not chunk:
            raise AudioJoinError("file shrank while it was read")
        length -= len(chunk)
        yield chunk


def _zeros(count: int, fill: int = 0) -> Iterator[bytes]:
    block = bytes([fill]) * min(count, CHUNK)
    while count > 0:
        yield block[: min(count, CHUNK)]
        count -= min(count, CHUNK)


def _wav_header(fmt_chunk: bytes, data_bytes: int) -> bytes:
    """RIFF/WAVE header with `fmt_chunk`; sizes past 4 GiB saturate (the "unknown" value)."""
    riff = min(4 + len(fmt_chunk) + 8 + data_bytes, UNKNOWN_SIZE)
    return (
        b"RIFF"
        + struct.pack("<I", riff)
        + b"WAVE"
        + fmt_chunk
        + b"data"
        + struct.pack("<I", min(data_bytes, UNKNOWN_SIZE))
    )


def _mp3_silent_frame(header: bytes) -> tuple[bytes, int]:
    """A Layer III frame that decodes to silence (all side info zero), and its samples.

    Built from a real frame's header (same version, rate, mode and bitrate), without padding or
    CRC. main_data_begin 0 means it takes nothing from, and leaves nothing in, the bit
    reservoir, so it can stand between two segments.
    """
    silent = bytes([header[0], header[1] | 1, header[2] & ~0x02 & 0xFF, header[3]])
    frame = mpeg_frame(silent)
    assert frame is not None
    if frame.layer != 3:
        raise AudioJoinError("pauses are only made for MPEG Layer III (mp3) audio")
    return silent + bytes(frame.length - 4), frame.samples


def _xing_frame(header: bytes) -> tuple[bytes, int]:
    """An empty Xing frame like the audio frame `header`, and where its counts go.

    A joined VBR stream needs one: without it decoders guess the length from the first
    frame's bitrate. Its side info is zero, so a decoder that does not know Xing plays one
    frame of silence. The frame and byte counts (flags 0x3) are written by `Joiner.finish()`.
    """
    frame = mpeg_frame(header)
    assert frame is not None
    for bitrate_index in range(1, 15):
        candidate = bytes(
            [0xFF, header[1] | 1, (bitrate_index << 4) | (header[2] & 0x0D), header[3]]
        )
        sized = mpeg_frame(candidate)
        assert sized is not None
        tag_at = 4 + sized.side_info
        if sized.length >= tag_at + 16:
            body = bytearray(sized.length - 4)
            body[tag_at - 4 : tag_at + 4] = b"Xing" + struct.pack(">I", 3)
            return candidate + bytes(body), tag_at + 8
    raise AudioJoinError("no MPEG bitrate leaves room for a Xing frame")  # pragma: no cover


def _aac_silent_block(channels: int) -> bytes:
    """One AAC-LC raw data block of silence: an SCE (mono) or a CPE (stereo) with no bands.

    Each channel: global_gain, ics_info with max_sfb 0 (so no sections, scale factors or
    spectral data), no pulse/TNS/gain control; then the END element, byte-aligned.
    """
    bits = "000" if channels == 1 else "001"  # element id: SCE or CPE
    bits += "0000"  # element_instance_tag
    if channels == 2:
        bits += "0"  # common_window
    channel = "10100000" + "0" + "00" + "0" + "000000" + "0" + "000"
    bits += channel * channels + "111"  # END
    bits += "0" * (-len(bits) % 8)
    return int(bits, 2).to_bytes(len(bits) // 8, "big")


def _adts_silent_frame(header: bytes, channels: int) -> bytes:
    payload = _aac_silent_block(channels)
    length = 7 + len(payload)
    fullness = 0x7FF
    out = bytearray(header[:7])
    out[1] |= 1  # no CRC
    out[3] = (out[3] & 0xFC) | (length >> 11)
    out[4] = (length >> 3) & 0xFF
    out[5] = ((length & 7) << 5) | (fullness >> 6)
    out[6] = (fullness & 0x3F) << 2  # one raw data block
    return bytes(out) + payload


def finish_in_place(
    output_format: AudioFormat,
    file: BinaryIO,
    *,
    sample_rate: int | None = None,
    channels: int = 1,
) -> JoinResult:
    """Make one segment's audio, written as received into `file`, the whole output file.

    For a text of one segment, which needs no cache and no join: the segment is checked as
    `Joiner.add` checks it (`AudioJoinError` when malformed). A WAV gets one header with the
    real sizes (a streamed header's unknown sizes replaced, other chunks dropped, the samples
    moved up in place); raw PCM, MP3 and ADTS stand as received, each already one stream.
    `file` is open for reading and writing. FLAC is made from PCM, so it cannot be finished
    in place (`ValueError`: the caller joins it).
    """
    check_format(output_format)
    _check_rate(output_format, sample_rate, channels)
    if output_format == "flac":
        raise ValueError("flac is encoded from PCM segments: use Joiner")
    file.flush()
    try:
        layout = read_layout(output_format, file, sample_rate=sample_rate, channels=channels)
    except AudioJoinError as error:
        raise AudioJoinError(str(error), segment=0) from None
    size = file.seek(0, io.SEEK_END)
    if output_format == "wav":
        header = _wav_header(layout.fmt_chunk, layout.length)
        if layout.start != len(header):
            # Chunks before the samples (LIST, fact, ...): move the samples up to the header.
            # The new header is never longer than what it replaces, so reading stays ahead of
            # writing.
            read_at, write_at, left = layout.start, len(header), layout.length
            while left > 0:
                file.seek(read_at)
                chunk = file.read(min(CHUNK, left))
                if not chunk:
                    raise AudioJoinError("file shrank while it was read", segment=0)
                file.seek(write_at)
                file.write(chunk)
                read_at, write_at, left = (
                    read_at + len(chunk),
                    write_at + len(chunk),
                    left - len(chunk),
                )
        file.seek(0)
        file.write(header)
        size = len(header) + layout.length
        file.truncate(size)
        file.seek(size)
    file.flush()
    rate = layout.rate or sample_rate
    duration = (layout.samples or 0) / rate if rate and layout.samples is not None else None
    return JoinResult(
        format=output_format, bytes_written=size, segments=1, duration=duration, sample_rate=rate
    )


class StreamJoiner:
    """The joined audio made progressively: feed segments in text order, play the bytes.

    `feed(segment, pause_before)` yields the bytes to append for that segment (chunked; the
    first call includes any header). What the stream is, per output format:

    - wav: a RIFF header whose RIFF and data sizes are 0xFFFFFFFF ("unknown, read to the
      end", as streamed WAV does), then the samples. `Joiner` writes the real sizes instead.
    - pcm_*: the samples. mp3, adts: the frames, tags and Xing/Info frames removed (a
      `Joiner`'s mp3 file starts with one new Xing frame counting all frames).
    - flac: a FLAC stream whose STREAMINFO does not know its length (total samples 0, which
      the format allows for streams); `finish()` returns the last frames.

    `sample_rate` is required for pcm_* and flac (their segments are raw PCM).
    """

    def __init__(
        self,
        output_format: AudioFormat,
        *,
        sample_rate: int | None = None,
        channels: int = 1,
        segment_format: AudioFormat | None = None,
    ) -> None:
        check_format(output_format)
        wire = wire_format_for(output_format)
        if segment_format is not None and segment_format != wire:
            if segment_format != "wav" or wire not in PCM_WIDTHS:
                raise InvalidInputError(
                    "segment_format",
                    f"must be {wire!r} or 'wav' for {output_format}",
                    segment_format,
                )
            wire = segment_format
        _check_rate(output_format, sample_rate, channels, wire)
        self.format: AudioFormat = output_format
        self.wire_format: AudioFormat = wire
        self.sample_rate = sample_rate
        self.channels = channels
        self.segments = 0
        self.samples = 0
        self._first: Layout | None = None
        self._encoder: _FlacEncoder | None = None
        self._flac_file: BinaryIO | None = None  # Joiner's seekable output, for FLAC
        # WAV samples into the pcm_* layout asked for (or into FLAC's 16-bit input).
        self._convert: Callable[[bytes], bytes] | None = None
        self._silence: tuple[bytes, int] | None = None  # one silent frame and its samples
        # Where Joiner patches the frame and byte counts of the Xing frame it asks for.
        self._xing_counts_at: int | None = None
        self._want_xing = False

    @property
    def duration(self) -> float | None:
        """Seconds of audio fed so far (None before the first segment of a wav/mp3/adts)."""
        rate = self._first.rate if self._first else self.sample_rate
        return self.samples / rate if rate else None

    def feed(
        self, segment: str | os.PathLike[str] | bytes, pause_before: float = 0.0
    ) -> Iterator[bytes]:
        """Check one segment's audio and yield what to append for it (silence first, if asked).

        The segment is checked as a whole before anything is yielded, so a malformed one
        raises `AudioJoinError` without having produced half its bytes.
        """
        pause = check_paragraph_pause(pause_before)
        index = self.segments
        with open_segment(segment) as file:
            try:
                layout = read_layout(
                    self.wire_format, file, sample_rate=self.sample_rate, channels=self.channels
                )
            except AudioJoinError as error:
                raise AudioJoinError(str(error), segment=index) from None
            self._check_like_first(layout, index)
            if self._first is None:
                self._first = layout
                yield from self._start()
            self.segments += 1
            if pause > 0:
                yield from self._pause(pause, index)
            self.samples += layout.samples or 0
            for chunk in _copy(file, layout.start, layout.length):
                yield self._transform(chunk)

    @property
    def rate(self) -> int | None:
        """The joined audio's sample rate: the first segment's own, else the one given."""
        first_rate = self._first.rate if self._first else None
        return first_rate or self.sample_rate

    def _transform(self, chunk: bytes) -> bytes:
        if self._convert is not None:
            chunk = self._convert(chunk)
        if self._encoder is not None:
            return self._encoder.feed(chunk)
        return chunk

    def check(self, segment: str | os.PathLike[str] | bytes) -> None:
        """Whether `feed` would take this segment: `AudioJoinError` when its audio is malformed
        or unlike the first segment's. Nothing is fed."""
        index = self.segments
        with open_segment(segment) as file:
            try:
                layout = read_layout(
                    self.wire_format, file, sample_rate=self.sample_rate, channels=self.channels
                )
            except AudioJoinError as error:
                raise AudioJoinError(str(error), segment=index) from None
        self._check_like_first(layout, index)

    def finish(self) -> bytes:
        """The last bytes of the stream (FLAC's final frames; empty for other formats)."""
        if self._encoder is None:
            return b""
        return self._encoder.finish()

    def _check_like_first(self, layout: Layout, index: int) -> None:
        first = self._first
        if first is not None and layout.signature != first.signature:
            raise AudioJoinError(
                f"audio {layout.signature} differs from the first segment's {first.signature} "
                "(format tag/version, channels, sample rate, sample size)",
                segment=index,
            )

    def _start(self) -> Iterator[bytes]:
        assert self._first is not None
        if self.format == "wav":
            yield _wav_header(self._first.fmt_chunk, UNKNOWN_SIZE)
        elif self.format == "mp3" and self._want_xing:
            frame, self._xing_counts_at = _xing_frame(self._first.first_frame)
            yield frame
        if self.wire_format == "wav" and self.format != "wav":
            # The WAV's own header says what its samples are: nothing asked for is trusted.
            tag, channels, _, bits, _ = self._first.signature
            assert isinstance(tag, int)
            assert isinstance(channels, int)
            assert isinstance(bits, int)
            self.channels = channels
            target = "pcm_s16le" if self.format == "flac" else self.format
            self._convert = converter(tag, bits, target)
        if self.format == "flac" and self._encoder is None:
            rate = self.rate
            assert rate is not None
            self._encoder = _FlacEncoder(rate, self.channels, self._flac_file)

    def _pause(self, seconds: float, index: int) -> Iterator[bytes]:
        first = self._first
        assert first is not None
        rate = first.rate or self.sample_rate
        assert rate is not None
        if self.format in ("mp3", "adts"):
            if self._silence is None:
                self._silence = self._silent_frame(first, index)
            frame, per_frame = self._silence
            count = round(seconds * rate / per_frame)
            self.samples += count * per_frame
            for _ in range(count):
                yield frame
            return
        frames = round(seconds * rate)
        self.samples += frames
        if self.wire_format == "wav":
            tag, _, _, bits, block_align = first.signature
            assert isinstance(block_align, int)
            # Unsigned 8-bit PCM is silent at 128; every other layout at 0.
            fill = 0x80 if tag == WAVE_PCM and bits == 8 else 0
            for chunk in _zeros(frames * block_align, fill):
                yield self._transform(chunk)
            return
        width = PCM_WIDTHS["pcm_s16le" if self.format == "flac" else self.format] * self.channels
        chunks = _zeros(frames * width)
        if self._encoder is not None:
            for chunk in chunks:
                yield self._encoder.feed(chunk)
        else:
            yield from chunks

    def _silent_frame(self, first: Layout, index: int) -> tuple[bytes, int]:
        if self.format == "mp3":
            return _mp3_silent_frame(first.first_frame)
        profile, _, channels = first.signature
        if profile != 1 or channels not in (1, 2):
            raise AudioJoinError(
                "pauses in ADTS are only made for mono or stereo AAC-LC", segment=index
            )
        assert isinstance(channels, int)
        return _adts_silent_frame(first.first_frame, channels), 1024


class _Sink(io.RawIOBase):
    """A write-only file for libsndfile that hands out what was written so far.

    libsndfile seeks back at the end to rewrite the FLAC header; bytes already handed out
    cannot change, so such rewrites are dropped (the header then says "length unknown").
    """

    def __init__(self) -> None:
        super().__init__()
        self._buffer = bytearray()
        self._taken = 0
        self._position = 0

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        data = bytes(data)
        offset = self._position - self._taken
        if offset >= 0:
            self._buffer[offset : offset + len(data)] = data
        elif offset + len(data) > 0:
            self._buffer[: offset + len(data)] = data[-offset:]
        self._position += len(data)
        return len(data)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            self._position = offset
        elif whence == io.SEEK_CUR:
            self._position += offset
        else:
            self._position = self._taken + len(self._buffer) + offset
        return self._position

    def tell(self) -> int:
        return self._position

    def readinto(self, buffer: Any) -> int:
        return 0

    def take(self) -> bytes:
        data = bytes(self._buffer)
        self._taken += len(data)
        self._buffer.clear()
        return data


class _FlacEncoder:
    """16-bit PCM in, FLAC out, a chunk at a time (into a sink, or into a seekable file)."""

    def __init__(self, sample_rate: int, channels: int, file: BinaryIO | None = None) -> None:
        soundfile = _soundfile()
        self._sink = _Sink() if file is None else None
        self._channels = channels
        self._file = soundfile.SoundFile(
            file if file is not None else self._sink,
            "w",
            samplerate=sample_rate,
            channels=channels,
            format="FLAC",
            subtype="PCM_16",
        )

    def feed(self, pcm: bytes) -> bytes:
        import numpy

        samples = numpy.frombuffer(pcm, dtype="<i2").reshape(-1, self._channels)
        self._file.write(samples)
        return self._sink.take() if self._sink is not None else b""

    def finish(self) -> bytes:
        self._file.close()
        return self._sink.take() if self._sink is not None else b""


class Joiner:
    """Joins segments' audio into one file of `output_format`, written to `out`.

    `out` is an open, seekable binary file, empty and at its start (normally a new temporary
    file next to the destination: the caller renames it into place after `finish()`). Call
    `add(path_or_bytes, pause_before)` for each segment in text order, then `finish()`.
    Segments are read from disk and copied in 1 MiB chunks, so memory stays bounded whatever
    the length. `sample_rate` is required for pcm_* and flac (their segments are raw PCM).
    """

    def __init__(
        self,
        output_format: AudioFormat,
        out: BinaryIO,
        *,
        sample_rate: int | None = None,
        channels: int = 1,
        segment_format: AudioFormat | None = None,
    ) -> None:
        self._stream = StreamJoiner(
            output_format,
            sample_rate=sample_rate,
            channels=channels,
            segment_format=segment_format,
        )
        self._out = out
        self._start = out.tell()
        self._finished = False
        # FLAC is written straight into the seekable file, so STREAMINFO gets the real length.
        self._stream._flac_file = out
        # A file (unlike a stream) knows its length at the end: mp3 gets a Xing frame.
        self._stream._want_xing = True

    @property
    def format(self) -> AudioFormat:
        return self._stream.format

    def check(self, segment: str | os.PathLike[str] | bytes) -> None:
        """`AudioJoinError` when `add` would refuse this segment (see `StreamJoiner.check`)."""
        self._stream.check(segment)

    @property
    def wire_format(self) -> AudioFormat:
        """The format each segment must be in (see `wire_format_for`)."""
        return self._stream.wire_format

    def add(
        self, segment: str | os.PathLike[str] | bytes, pause_before: float = 0.0
    ) -> float | None:
        """Append one segment (a file path, or bytes), after `pause_before` seconds of silence.

        Returns the segment's duration in seconds. Raises `AudioJoinError` for audio that is
        malformed or unlike the first segment's; nothing of that segment is written then.
        """
        if self._finished:
            raise AudioJoinError("the join is already finished")
        before = self._stream.samples
        for chunk in self._stream.feed(segment, pause_before):
            self._out.write(chunk)
        rate = self._stream.rate
        added = self._stream.samples - before
        return added / rate if rate else None

    def finish(self) -> JoinResult:
        """Complete the file (headers with the real sizes) and say what was written."""
        if self._finished:
            raise AudioJoinError("the join is already finished")
        if not self._stream.segments:
            raise AudioJoinError("no segments were added")
        self._finished = True
        out = self._out
        self._stream.finish()
        end = out.seek(0, io.SEEK_END)
        if self.format == "wav":
            first = self._stream._first
            assert first is not None
            header = _wav_header(first.fmt_chunk, 0)
            data_bytes = end - self._start - len(header)
            out.seek(self._start)
            out.write(_wav_header(first.fmt_chunk, data_bytes))
            out.seek(end)
        elif self.format == "mp3" and self._stream._xing_counts_at is not None:
            first = self._stream._first
            assert first is not None
            frame = mpeg_frame(first.first_frame)
            assert frame is not None
            frames = self._stream.samples // frame.samples
            out.seek(self._start + self._stream._xing_counts_at)
            out.write(struct.pack(">II", frames, min(end - self._start, UNKNOWN_SIZE)))
            out.seek(end)
        out.flush()
        return JoinResult(
            format=self.format,
            bytes_written=end - self._start,
            segments=self._stream.segments,
            duration=self._stream.duration,
            sample_rate=self._stream.rate,
        )
