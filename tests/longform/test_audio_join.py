"""Joining segments' audio: one valid file per format, decoded back, right length and order."""

from __future__ import annotations

import io
import struct
import wave
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
import soundfile

import camb
from camb._longform._audio_join import (
    CHUNK,
    AudioJoinError,
    Joiner,
    StreamJoiner,
    audio_duration,
    check_paragraph_pause,
    finish_in_place,
    wire_format_for,
)
from camb._models import AudioFormat
from camb.sandbox._audio import stream_audio

RATE = 24_000
LEVELS = (1000, 2000, 3000)  # one constant sample value per segment, to check the order
LENGTHS = (2400, 4800, 1200)  # samples per segment


def wav_bytes(samples: np.ndarray, rate: int = RATE, subtype: str = "PCM_16") -> bytes:
    buffer = io.BytesIO()
    soundfile.write(buffer, samples, rate, format="WAV", subtype=subtype)
    return buffer.getvalue()


def constant(level: int, count: int) -> np.ndarray:
    return np.full(count, level, dtype="<i2")


def runs(samples: np.ndarray) -> list[tuple[int, int]]:
    """(value, run length) of a 1-D array of integers."""
    edges = np.flatnonzero(np.diff(samples)) + 1
    starts = np.concatenate(([0], edges))
    ends = np.concatenate((edges, [len(samples)]))
    return [(int(samples[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)]


def join(fmt: AudioFormat, segments: list[bytes], pauses: list[float], tmp_path: Path, **kw):
    paths = []
    for number, data in enumerate(segments):
        path = tmp_path / f"segment-{number}.bin"
        path.write_bytes(data)
        paths.append(path)
    out_path = tmp_path / f"joined.{fmt}"
    with out_path.open("wb") as out:
        joiner = Joiner(fmt, out, **kw)
        durations = [joiner.add(p, pause) for p, pause in zip(paths, pauses, strict=True)]
        result = joiner.finish()
    assert result.bytes_written == out_path.stat().st_size
    assert result.segments == len(segments)
    return out_path, result, durations


# --- WAV ---------------------------------------------------------------------------------------


def test_wav_segments_join_into_one_file_with_the_right_length_and_order(tmp_path: Path) -> None:
    segments = [wav_bytes(constant(v, n)) for v, n in zip(LEVELS, LENGTHS, strict=True)]
    path, result, durations = join("wav", segments, [0.0, 0.1, 0.0], tmp_path)
    samples, rate = soundfile.read(path, dtype="int16")
    assert rate == RATE
    pause = round(0.1 * RATE)
    assert runs(samples) == [(1000, 2400), (0, pause), (2000, 4800), (3000, 1200)]
    assert result.duration == pytest.approx((sum(LENGTHS) + pause) / RATE)
    assert durations == pytest.approx([0.1, 0.1 + 0.2, 0.05])
    with wave.open(str(path)) as reader:  # the stdlib agrees on the header
        assert reader.getnframes() == sum(LENGTHS) + pause
    assert path.read_bytes().count(b"RIFF") == 1


def test_wav_chunks_before_data_are_skipped_and_streamed_sizes_read_to_the_end(
    tmp_path: Path,
) -> None:
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    data = constant(1000, 100).tobytes()
    with_list = (
        b"RIFF"
        + struct.pack("<I", 4 + 24 + 13 + 1 + 8 + len(data))
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"LIST"
        + struct.pack("<I", 13)
        + b"INFOodd-size!"
        + b"\0"  # odd size: padded
        + b"data"
        + struct.pack("<I", len(data))
        + data
    )
    data2 = constant(2000, 50).tobytes()
    streamed = (
        b"RIFF"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"data"
        + struct.pack("<I", 0xFFFFFFFF)
        + data2
    )
    path, _, _ = join("wav", [with_list, streamed], [0.0, 0.0], tmp_path)
    samples, _ = soundfile.read(path, dtype="int16")
    assert runs(samples) == [(1000, 100), (2000, 50)]


def test_wav_segments_that_differ_or_are_broken_raise_a_typed_error(tmp_path: Path) -> None:
    good = wav_bytes(constant(1000, 100))
    cases = {
        "other rate": wav_bytes(constant(1000, 100), rate=16000),
        "float": wav_bytes(np.zeros(100, dtype="float32"), subtype="FLOAT"),
        "not wav": b"ID3" + bytes(100),
        "half a sample": good[:-1],
        "no data": good[:36],
    }
    for name, bad in cases.items():
        with io.BytesIO() as out:
            joiner = Joiner("wav", out)
            joiner.add(good)
            with pytest.raises(AudioJoinError) as caught:
                joiner.add(bad)
            assert caught.value.segment == 1, name
            assert isinstance(caught.value, camb.CambError)
            joiner.add(good)  # nothing of the bad segment was written
            samples, _ = soundfile.read(io.BytesIO(_finished(joiner, out)), dtype="int16")
            assert runs(samples) == [(1000, 200)], name


def _finished(joiner: Joiner, out: io.BytesIO) -> bytes:
    joiner.finish()
    return out.getvalue()


def test_a_streamed_wav_is_playable_before_it_ends() -> None:
    stream = StreamJoiner("wav")
    first = b"".join(stream.feed(wav_bytes(constant(1000, 240))))
    # The header says "size unknown"; decoders read what is there.
    samples, _ = soundfile.read(io.BytesIO(first), dtype="int16")
    assert runs(samples) == [(1000, 240)]
    rest = b"".join(stream.feed(wav_bytes(constant(2000, 480)), pause_before=0.01))
    rest += stream.finish()
    samples, _ = soundfile.read(io.BytesIO(first + rest), dtype="int16")
    assert runs(samples) == [(1000, 240), (0, 240), (2000, 480)]
    assert stream.duration == pytest.approx(960 / RATE)


# --- raw PCM -----------------------------------------------------------------------------------

PCM = {
    "pcm_s16le": ("<i2", "PCM_16", "LITTLE"),
    "pcm_s16be": (">i2", "PCM_16", "BIG"),
    "pcm_s32le": ("<i4", "PCM_32", "LITTLE"),
    "pcm_s32be": (">i4", "PCM_32", "BIG"),
    "pcm_f32le": ("<f4", "FLOAT", "LITTLE"),
    "pcm_f32be": (">f4", "FLOAT", "BIG"),
}


@pytest.mark.parametrize("fmt", list(PCM))
def test_pcm_segments_are_concatenated_with_silent_pauses(fmt: AudioFormat, tmp_path: Path) -> None:
    dtype, subtype, endian = PCM[fmt]
    scale = {"<f4": 1 / 32768, ">f4": 1 / 32768, "<i4": 65536, ">i4": 65536}.get(dtype, 1)
    values = [np.full(n, v * scale, dtype=dtype) for v, n in zip(LEVELS, LENGTHS, strict=True)]
    segments = [v.tobytes() for v in values]
    path, result, _ = join(fmt, segments, [0.0, 0.05, 0.0], tmp_path, sample_rate=RATE)
    decoded, _ = soundfile.read(
        path,
        samplerate=RATE,
        channels=1,
        format="RAW",
        subtype=subtype,
        endian=endian,
        dtype="float64",
    )
    as_int16 = np.round(decoded * 32768).astype(np.int64)
    pause = round(0.05 * RATE)
    assert runs(as_int16) == [(1000, 2400), (0, pause), (2000, 4800), (3000, 1200)]
    assert result.duration == pytest.approx((sum(LENGTHS) + pause) / RATE)


def test_pcm_needs_a_sample_rate_and_whole_samples() -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        Joiner("pcm_s16le", io.BytesIO())
    assert caught.value.param == "sample_rate"
    joiner = Joiner("pcm_s32le", io.BytesIO(), sample_rate=RATE)
    with pytest.raises(AudioJoinError, match="whole number"):
        joiner.add(bytes(6))


# --- FLAC --------------------------------------------------------------------------------------


def test_flac_is_encoded_once_from_pcm_segments(tmp_path: Path) -> None:
    assert wire_format_for("flac") == "pcm_s16le"
    segments = [constant(v, n).tobytes() for v, n in zip(LEVELS, LENGTHS, strict=True)]
    path, result, _ = join("flac", segments, [0.02, 0.0, 0.0], tmp_path, sample_rate=RATE)
    info = soundfile.info(path)
    pause = round(0.02 * RATE)
    assert info.frames == sum(LENGTHS) + pause  # STREAMINFO holds the real length
    samples, _ = soundfile.read(path, dtype="int16")
    assert runs(samples) == [(0, pause), (1000, 2400), (2000, 4800), (3000, 1200)]
    assert audio_duration("flac", path) == pytest.approx(result.duration)


def test_streamed_flac_decodes_whole() -> None:
    stream = StreamJoiner("flac", sample_rate=RATE)
    body = b"".join(
        b"".join(stream.feed(constant(v, n).tobytes()))
        for v, n in zip(LEVELS, LENGTHS, strict=True)
    )
    body += stream.finish()
    # Its STREAMINFO does not know the length (a stream); decoders read every frame.
    assert audio_duration("flac", body) is None
    with av.open(io.BytesIO(body), format="flac") as container:
        samples = np.concatenate([f.to_ndarray()[0] for f in container.decode(audio=0)])
    assert runs(samples) == [(1000, 2400), (2000, 4800), (3000, 1200)]


def test_flac_without_the_audio_extra_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(__import__("sys").modules, "soundfile", None)
    with pytest.raises(camb.CambError, match=r"pip install 'camb-tts\[audio\]'") as caught:
        wire_format_for("flac")
    assert isinstance(caught.value, ImportError)
    with pytest.raises(camb.CambError, match="camb-tts"):
        Joiner("flac", io.BytesIO(), sample_rate=RATE)
    assert wire_format_for("wav") == "wav"  # other formats do not need it


# --- MP3 ---------------------------------------------------------------------------------------


def tone(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(round(seconds * RATE)) / RATE
    return (0.4 * np.sin(2 * np.pi * freq * t)).astype("float32")


def mp3_bytes(samples: np.ndarray, tmp_path: Path, name: str) -> bytes:
    path = tmp_path / f"{name}.mp3"
    soundfile.write(path, samples, RATE, format="MP3")  # LAME writes a Xing/Info frame
    return path.read_bytes()


def id3v2(payload: bytes = b"TIT2\0\0\0\x05\0\0abcd") -> bytes:
    size = len(payload)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    return b"ID3\x04\0\0" + syncsafe + payload


def mpeg_frames(data: bytes) -> list[int]:
    """Offsets of the MPEG frames in a joined file (which must start with one)."""
    from camb._longform._audio_join import mpeg_frame

    offsets, position = [], 0
    while position < len(data):
        frame = mpeg_frame(data[position : position + 4])
        assert frame is not None, f"garbage at {position}"
        offsets.append(position)
        position += frame.length
    assert position == len(data)
    return offsets


def dominant(samples: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(samples * np.hanning(len(samples))))
    return float(np.argmax(spectrum) * RATE / len(samples))


def test_mp3_segments_lose_their_tags_and_info_frames(tmp_path: Path) -> None:
    freqs = (300.0, 1200.0, 600.0)
    raw = [mp3_bytes(tone(f, 1.0), tmp_path, str(f)) for f in freqs]
    assert all(b"Xing" in r[:200] or b"Info" in r[:200] for r in raw)
    segments = [id3v2() + r + b"TAG" + bytes(125) for r in raw]
    path, result, durations = join("mp3", segments, [0.0, 0.5, 0.0], tmp_path)
    data = path.read_bytes()
    assert not data.startswith(b"ID3")
    assert b"TAG" not in data[-128:-125]
    offsets = mpeg_frames(data)
    # One Xing frame, the first, counting all the others (MPEG-2 mono: 9 bytes of side info).
    assert data[13:17] == b"Xing"
    assert all(data[o + 13 : o + 17] not in (b"Xing", b"Info") for o in offsets[1:])
    assert data.count(b"Xing") == 1
    assert b"Info" not in data
    frames, size = struct.unpack(">II", data[21:29])
    assert (frames, size) == (len(offsets) - 1, len(data))
    # Each segment: its frames but the Info one; the pause: 0.5 s of 576-sample frames.
    per_segment = [len(mpeg_frames(r)) - 1 for r in raw]
    assert frames == sum(per_segment) + round(0.5 * RATE / 576)
    assert result.duration == pytest.approx(frames * 576 / RATE)
    # Decoders see the whole length (an Info frame left in would make it the first segment's).
    decoded, rate = soundfile.read(path, dtype="float32")
    assert rate == RATE
    assert len(decoded) == pytest.approx(result.duration * RATE, abs=2 * 576)
    # ...and the segments in order, with silence where the pause is (durations[1] holds it).
    middles = [0.5, durations[0] + 0.5 + 0.5, durations[0] + durations[1] + 0.5]
    heard = [dominant(decoded[round((m - 0.2) * RATE) : round((m + 0.2) * RATE)]) for m in middles]
    assert heard == pytest.approx(freqs, abs=10)
    pause_middle = round((durations[0] + 0.25) * RATE)
    assert np.abs(decoded[pause_middle - 2400 : pause_middle + 2400]).max() < 1e-3


def test_sandbox_mp3_joins_and_decodes_to_the_summed_length(tmp_path: Path) -> None:
    texts = ["First segment of text.", "Second, a little longer segment.", "Third."]
    segments = [b"".join(map(bytes, stream_audio(t, "mp3").chunks)) for t in texts]
    path, _, _ = join("mp3", segments, [0.0, 0.0, 0.0], tmp_path)
    counts = [len(mpeg_frames(s)) for s in segments]  # the sandbox sends no Info frame
    assert len(mpeg_frames(path.read_bytes())) == 1 + sum(counts)  # and the new Xing frame
    assert soundfile.info(path).frames == pytest.approx(sum(counts) * 576, abs=2 * 576)


def test_mp3_of_another_rate_or_truncated_is_refused(tmp_path: Path) -> None:
    good = mp3_bytes(tone(300, 0.3), tmp_path, "good")
    path = tmp_path / "other.mp3"
    soundfile.write(path, tone(300, 0.3), 16000, format="MP3")
    for bad, message in (
        (path.read_bytes(), "differs"),
        (good[:-5], "truncated"),
        (b"not an mp3 at all" * 10, "no MPEG"),
    ):
        joiner = Joiner("mp3", io.BytesIO())
        joiner.add(good)
        with pytest.raises(AudioJoinError, match=message):
            joiner.add(bad)


# --- ADTS --------------------------------------------------------------------------------------


def adts_frames(data: bytes) -> int:
    count, position = 0, 0
    while position < len(data):
        assert data[position] == 0xFF
        assert data[position + 1] & 0xF6 == 0xF0
        position += (
            ((data[position + 3] & 3) << 11) | (data[position + 4] << 3) | (data[position + 5] >> 5)
        )
        count += 1
    assert position == len(data)
    return count


def aac_tone(freq: float, seconds: float, channels: int = 1) -> bytes:
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="adts") as container:
        stream = container.add_stream(
            "aac", rate=RATE, layout="mono" if channels == 1 else "stereo"
        )
        samples = tone(freq, seconds)
        frame = av.AudioFrame.from_ndarray(
            np.tile(samples, (channels, 1)), format="fltp", layout=stream.layout.name
        )
        frame.sample_rate = RATE
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def decode_aac(data: bytes) -> np.ndarray:
    with av.open(io.BytesIO(data), format="aac") as container:
        parts = [f.to_ndarray()[0] for f in container.decode(audio=0)]
    return np.concatenate(parts)


@pytest.mark.parametrize("channels", [1, 2])
def test_adts_frames_join_in_order_with_silent_pauses(channels: int, tmp_path: Path) -> None:
    freqs = (400.0, 1600.0)
    raw = [aac_tone(f, 1.0, channels) for f in freqs]
    segments = [id3v2() + raw[0], raw[1]]
    path, result, _ = join("adts", segments, [0.0, 0.5], tmp_path)
    data = path.read_bytes()
    pause_frames = round(0.5 * RATE / 1024)
    assert adts_frames(data) == sum(adts_frames(r) for r in raw) + pause_frames
    assert result.duration == pytest.approx(adts_frames(data) * 1024 / RATE)
    decoded = decode_aac(data)
    assert len(decoded) == adts_frames(data) * 1024  # every frame decodes, silence included
    first = adts_frames(raw[0]) * 1024
    pause = decoded[first + 1024 : first + (pause_frames - 1) * 1024]
    assert np.abs(pause).max() < 1e-4
    assert dominant(decoded[4800:14400]) == pytest.approx(freqs[0], abs=10)
    second = first + pause_frames * 1024
    assert dominant(decoded[second + 4800 : second + 14400]) == pytest.approx(freqs[1], abs=10)


def test_sandbox_adts_joins_frame_by_frame(tmp_path: Path) -> None:
    segments = [
        b"".join(map(bytes, stream_audio(t, "adts").chunks)) for t in ["One.", "Two two two."]
    ]
    path, result, _ = join("adts", segments, [0.0, 0.0], tmp_path)
    assert adts_frames(path.read_bytes()) == sum(adts_frames(s) for s in segments)
    assert audio_duration("adts", path) == pytest.approx(result.duration)


# --- shared rules ------------------------------------------------------------------------------


def test_large_segments_are_copied_in_bounded_chunks(tmp_path: Path) -> None:
    big = wav_bytes(constant(7, 3 * CHUNK // 2 + 10))  # 3 MiB of samples
    stream = StreamJoiner("wav")
    sizes = [len(chunk) for chunk in stream.feed(big, pause_before=30.0)]
    assert max(sizes) <= CHUNK
    assert sum(sizes) == 44 + round(30 * RATE) * 2 + (3 * CHUNK // 2 + 10) * 2


def test_durations_per_segment() -> None:
    assert audio_duration("wav", wav_bytes(constant(1, 2400))) == pytest.approx(0.1)
    assert audio_duration("pcm_s16le", bytes(4800), RATE) == pytest.approx(0.1)
    assert audio_duration("pcm_s16le", bytes(4800)) is None  # raw audio does not tell
    assert audio_duration("pcm_f32be", bytes(4800), RATE) == pytest.approx(0.05)
    flac = b"".join(map(bytes, stream_audio("Hello!", "flac").chunks))
    # The sandbox speaks 60 ms per character: "Hello!" is 6 characters.
    assert audio_duration("flac", flac) == pytest.approx(6 * 0.06)
    with pytest.raises(AudioJoinError):
        audio_duration("flac", b"nope")


@pytest.mark.parametrize("value", [-1, float("nan"), 61, True, "1"])
def test_paragraph_pause_is_checked(value: object) -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        check_paragraph_pause(value)
    assert caught.value.param == "paragraph_pause"


def test_a_join_needs_segments_and_ends_once() -> None:
    joiner = Joiner("wav", io.BytesIO())
    with pytest.raises(AudioJoinError, match="no segments"):
        joiner.finish()
    joiner.add(wav_bytes(constant(1, 10)))
    joiner.finish()
    with pytest.raises(AudioJoinError, match="already finished"):
        joiner.add(wav_bytes(constant(1, 10)))
    with pytest.raises(camb.InvalidInputError) as caught:
        Joiner("ogg", io.BytesIO())  # type: ignore[arg-type]
    assert caught.value.param == "format"


# --- less common layouts -----------------------------------------------------------------------


def test_mpeg1_stereo_with_an_ape_tag_and_streamed_pauses(tmp_path: Path) -> None:
    stereo = np.stack([tone(440, 0.5), tone(440, 0.5)], axis=1)
    path = tmp_path / "s.mp3"
    soundfile.write(path, stereo, 48000, format="MP3")
    raw = path.read_bytes()
    ape_footer = b"APETAGEX" + struct.pack("<IIII", 2000, 32 + 10, 1, 0x80000000) + bytes(8)
    tagged = raw + b"APETAGEX" + bytes(24) + b"k=v\0val000" + ape_footer
    stream = StreamJoiner("mp3")
    body = b"".join(stream.feed(tagged)) + b"".join(stream.feed(raw, pause_before=0.24))
    offsets = mpeg_frames(body)  # every byte is a frame: tags gone, no Xing frame in a stream
    assert len(offsets) == 2 * (len(mpeg_frames(raw)) - 1) + 10  # 0.24 s = 10 x 1152 samples
    assert stream.duration == pytest.approx(len(offsets) * 1152 / 48000)
    decoded, rate = soundfile.read(io.BytesIO(body))
    assert (rate, decoded.shape[1]) == (48000, 2)


def test_adts_that_is_broken_or_unlike_raises_a_typed_error() -> None:
    good = b"".join(map(bytes, stream_audio("Some words.", "adts").chunks))
    other = b"".join(map(bytes, stream_audio("Some words.", "adts", sample_rate=16000).chunks))
    cases = [
        (b"\x00" * 20, "no ADTS frame"),
        (good[:-3], "truncated"),
        (good + other, "changes format"),
        (good[:3] + bytes([good[3] & 0xFC]) + bytes([0]) + good[5:], "invalid ADTS"),
        (other, "differs"),
    ]
    for bad, message in cases:
        joiner = Joiner("adts", io.BytesIO())
        joiner.add(good)
        with pytest.raises(AudioJoinError, match=message):
            joiner.add(bad)


def test_adts_pauses_need_aac_lc() -> None:
    good = bytearray(b"".join(map(bytes, stream_audio("Some words.", "adts").chunks)))
    position = 0
    while position < len(good):  # mark every frame AAC Main instead of LC
        good[position + 2] &= 0x3F
        header = good[position : position + 7]
        position += ((header[3] & 3) << 11) | (header[4] << 3) | (header[5] >> 5)
    joiner = StreamJoiner("adts")
    list(joiner.feed(bytes(good)))
    with pytest.raises(AudioJoinError, match="AAC-LC"):
        list(joiner.feed(bytes(good), pause_before=0.5))


@pytest.mark.parametrize(("fmt", "subtype"), [("WAVEX", "PCM_16"), ("WAV", "PCM_U8")])
def test_extensible_and_8_bit_wav_pause_with_true_silence(fmt: str, subtype: str) -> None:
    def segment(level: float) -> bytes:
        buffer = io.BytesIO()
        soundfile.write(buffer, np.full(100, level), RATE, format=fmt, subtype=subtype)
        return buffer.getvalue()

    out = io.BytesIO()
    joiner = Joiner("wav", out)
    joiner.add(segment(0.5))
    joiner.add(segment(-0.5), pause_before=0.01)
    joiner.finish()
    decoded, _ = soundfile.read(io.BytesIO(out.getvalue()))
    as_int = np.round(decoded * 4).astype(int)
    assert runs(as_int) == [(2, 100), (0, 240), (-2, 100)]


def test_wav_that_is_not_pcm_or_is_malformed_is_refused() -> None:
    adpcm = struct.pack("<HHIIHH", 2, 1, RATE, RATE, 256, 4)
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    cases = {
        "not PCM": b"RIFF\0\0\0\0WAVEfmt " + struct.pack("<I", 16) + adpcm + b"data\0\0\0\0",
        "before its fmt": b"RIFF\0\0\0\0WAVEdata" + struct.pack("<I", 2) + b"\0\0",
        "too short": b"RIFF\0\0\0\0WAVEfmt " + struct.pack("<I", 8) + bytes(8),
        "truncated": b"RIFF\0\0\0\0WAVEfmt " + struct.pack("<I", 16) + fmt[:10],
    }
    for message, bad in cases.items():
        with pytest.raises(AudioJoinError, match=message):
            Joiner("wav", io.BytesIO()).add(bad)


def test_bad_arguments_are_refused_before_reading() -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        Joiner("wav", io.BytesIO(), channels=0)
    assert caught.value.param == "channels"
    with pytest.raises(camb.InvalidInputTypeError) as caught:
        Joiner("wav", io.BytesIO()).add(12)  # type: ignore[arg-type]
    assert caught.value.param == "segment"
    with pytest.raises(camb.InvalidInputError) as caught:
        Joiner("wav", io.BytesIO()).add(wav_bytes(constant(1, 10)), pause_before=-1)
    assert caught.value.param == "paragraph_pause"


# --- one segment finished in place -------------------------------------------------------------


def finished(fmt: AudioFormat, body: bytes, tmp_path: Path, **kw: object) -> tuple[Path, Any]:
    path = tmp_path / f"alone.{fmt}"
    path.write_bytes(body)
    with path.open("r+b") as file:
        result = finish_in_place(fmt, file, **kw)  # type: ignore[arg-type]
    assert result.bytes_written == path.stat().st_size
    assert result.segments == 1
    return path, result


def streamed_wav_with_chunks(data: bytes) -> bytes:
    """Unknown sizes, an odd-sized LIST chunk before the samples, a chunk after them."""
    fmt = struct.pack("<HHIIHH", 1, 1, RATE, RATE * 2, 2, 16)
    return (
        b"RIFF"
        + struct.pack("<I", 0xFFFFFFFF)
        + b"WAVE"
        + b"fmt "
        + struct.pack("<I", 16)
        + fmt
        + b"LIST"
        + struct.pack("<I", 13)
        + b"INFOodd-size!\0"
        + b"data"
        + struct.pack("<I", len(data))
        + data
        + b"id3 "
        + struct.pack("<I", 4)
        + b"tag!"
    )


@pytest.mark.parametrize("size", [100, CHUNK + 3])  # samples; the second crosses a copy chunk
def test_one_wav_segment_gets_one_header_with_its_real_sizes(size: int, tmp_path: Path) -> None:
    data = (np.arange(size) % 30000).astype("<i2").tobytes()
    path, result = finished("wav", streamed_wav_with_chunks(data), tmp_path)
    body = path.read_bytes()
    # The same file a join of this one segment makes.
    joined, _, _ = join("wav", [streamed_wav_with_chunks(data)], [0.0], tmp_path)
    assert body == joined.read_bytes()
    assert len(body) == 44 + len(data)
    with wave.open(str(path)) as audio:
        assert audio.getnframes() == size
        assert audio.readframes(size) == data
    assert result.duration == pytest.approx(size / RATE)


def test_a_plain_wav_segment_keeps_its_samples_and_gets_its_sizes(tmp_path: Path) -> None:
    plain = wav_bytes(constant(1000, 480))
    streamed = plain[:4] + b"\xff" * 4 + plain[8:40] + b"\xff" * 4 + plain[44:]
    path, result = finished("wav", streamed, tmp_path)
    assert path.read_bytes() == plain
    assert result.duration == pytest.approx(480 / RATE)


@pytest.mark.parametrize("fmt", ["mp3", "adts"])
def test_mp3_and_adts_segments_stand_as_received(fmt: AudioFormat, tmp_path: Path) -> None:
    body = b"".join(map(bytes, stream_audio("One segment of text, alone.", fmt).chunks))
    path, result = finished(fmt, body, tmp_path)
    assert path.read_bytes() == body
    if fmt == "mp3":
        decoded = soundfile.info(path).duration
    else:
        with av.open(str(path), format="aac") as container:
            stream = container.streams.audio[0]
            frames = sum(f.samples for f in container.decode(audio=0))
            decoded = frames / stream.rate
    assert result.duration == pytest.approx(decoded, abs=0.05)


def test_pcm_segment_stands_as_received_and_needs_whole_samples(tmp_path: Path) -> None:
    path, result = finished("pcm_s16le", b"\x01\x00" * 800, tmp_path, sample_rate=8000)
    assert path.read_bytes() == b"\x01\x00" * 800
    assert result.duration == pytest.approx(0.1)
    with pytest.raises(AudioJoinError, match="segment 0: 3 bytes"):
        finished("pcm_s16le", b"abc", tmp_path, sample_rate=8000)
    with pytest.raises(AudioJoinError, match="segment 0: not a WAV file"):
        finished("wav", b"<html>oops</html>", tmp_path)


def test_flac_cannot_be_finished_in_place(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="Joiner"):
        finished("flac", b"\0\0", tmp_path, sample_rate=RATE)
