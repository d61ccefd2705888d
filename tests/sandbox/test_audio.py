"""Audio synthesis and encoding, without a server."""

from __future__ import annotations

import io
import wave

import numpy as np
import pytest
import soundfile
from hypothesis import given, settings
from hypothesis import strategies as st

from camb.sandbox._audio import result_flac, stream_audio
from camb.sandbox._codecs import (
    ADTS_SAMPLE_RATES,
    adts_silence_frame,
    padded_flac,
    padding_sizes,
    wav_header,
)
from camb.sandbox._sources import (
    LARGEST_CHUNK,
    BytesSource,
    ConcatSource,
    CycleSource,
    iter_source,
)
from camb.sandbox._synth import PITCH_LOWEST_HZ, is_voiced, speech_samples, text_pitch


@settings(max_examples=200, deadline=None)
@given(
    pieces=st.lists(st.binary(min_size=0, max_size=7), min_size=1, max_size=5).filter(
        lambda p: any(p)
    ),
    total=st.integers(0, 200),
    sizes=st.lists(st.integers(1, 40), min_size=1, max_size=50),
    tile_limit=st.sampled_from([0, 8, 1 << 20]),
)
def test_cycle_source_repeats_its_pieces(
    pieces: list[bytes], total: int, sizes: list[int], tile_limit: int
) -> None:
    source = CycleSource(pieces, total, tile_to=16, tile_limit=tile_limit)
    expected = (b"".join(pieces) * (total + 1))[:total]
    got = b""
    for size in sizes * 10:
        chunk = source.read(size)
        assert len(chunk) <= size
        got += bytes(chunk)
        assert source.remaining == total - len(got)
    assert got == expected[: len(got)]
    got += b"".join(bytes(chunk) for chunk in iter_source(source, 3, 9))
    assert got == expected
    assert source.read(5) == b""


def test_concat_and_chunk_sizes() -> None:
    source = ConcatSource([BytesSource(b"abc"), CycleSource([b"xy"], 5), BytesSource(b"!")])
    assert source.remaining == 9
    chunks = [bytes(chunk) for chunk in iter_source(source, first=2, largest=4)]
    assert b"".join(chunks) == b"abcxyxyx!"
    assert [len(chunk) for chunk in chunks] == [2, 4, 3]


def test_letters_are_voiced_and_the_rest_are_pauses() -> None:
    assert not any(is_voiced(ch) for ch in " ,\n.!?।。")
    assert all(is_voiced(ch) for ch in "aZ9हक中")


def test_speech_is_60_ms_per_character() -> None:
    assert speech_samples("abc", 24000) == 3 * 1440
    assert speech_samples("a" * 100, 24000) == 100 * 1440
    assert speech_samples("a" * 100, 24000, speaking_rate=2.0) == 100 * 720
    assert speech_samples("a" * 100, 22050) == 100 * 1323


def test_the_pitch_is_a_function_of_the_text() -> None:
    assert text_pitch("Segment one.") == text_pitch("Segment one.")
    pitches = {text_pitch(f"Segment number {i}.") for i in range(40)}
    assert len(pitches) > 20
    assert all(PITCH_LOWEST_HZ <= pitch < 4000 for pitch in pitches)


def test_different_texts_sound_different() -> None:
    one = b"".join(bytes(c) for c in stream_audio("Hello world!", "pcm_s16le").chunks)
    two = b"".join(bytes(c) for c in stream_audio("Other words.", "pcm_s16le").chunks)
    assert len(one) == len(two)
    assert one != two


def test_wav_header_reads_back() -> None:
    data = wav_header(16000, 3200) + bytes(3200)
    with wave.open(io.BytesIO(data)) as wav:
        assert (wav.getframerate(), wav.getnframes(), wav.getsampwidth()) == (16000, 1600, 2)


def test_wav_header_saturates_past_4_gib() -> None:
    header = wav_header(24000, 5 << 30)
    assert header[4:8] == header[40:44] == b"\xff\xff\xff\xff"


@pytest.mark.parametrize("rate", ADTS_SAMPLE_RATES)
def test_adts_frame_header(rate: int) -> None:
    frame = adts_silence_frame(rate)
    assert frame[:2] == b"\xff\xf1"
    assert (frame[2] >> 6) + 1 == 2  # AAC LC
    assert ADTS_SAMPLE_RATES[(frame[2] >> 2) & 0xF] == rate
    assert ((frame[2] & 1) << 2) | (frame[3] >> 6) == 1  # mono
    length = ((frame[3] & 3) << 11) | (frame[4] << 3) | (frame[5] >> 5)
    assert length == len(frame)


@pytest.mark.parametrize("missing", [0, 1, 4, 5, 100, (1 << 24) + 3, 40 << 20])
def test_padding_sizes_cover_what_is_missing(missing: int) -> None:
    sizes = padding_sizes(missing)
    added = sum(4 + size for size in sizes)
    assert added >= missing
    assert added - missing < 4 or missing == 0
    assert all(0 <= size < 1 << 24 for size in sizes)


def test_padded_flac_decodes_to_the_same_audio() -> None:
    flac = result_flac("Hello there, sandbox.")
    target = (1 << 24) * 2 + 12345  # needs three padding blocks
    source = padded_flac(flac, target)
    assert source.remaining >= target
    padded = b"".join(bytes(chunk) for chunk in iter_source(source))
    assert len(padded) >= target
    original, rate = soundfile.read(io.BytesIO(flac), dtype="int16")
    again, rate_again = soundfile.read(io.BytesIO(padded), dtype="int16")
    assert rate == rate_again
    assert np.array_equal(original, again)


def test_a_gibibyte_of_padding_is_lazy() -> None:
    source = padded_flac(result_flac("abc"), 1 << 30)
    assert source.remaining >= 1 << 30
    chunk = source.read(LARGEST_CHUNK * 4)
    assert len(chunk) == LARGEST_CHUNK * 4


@pytest.mark.parametrize(("fmt", "width"), [("pcm_s16be", 2), ("pcm_f32le", 4), ("wav", 2)])
def test_long_durations_have_exact_lengths(fmt: str, width: int) -> None:
    audio = stream_audio("Hi", fmt, sample_rate=8000, duration=600.0)
    header = 44 if fmt == "wav" else 0
    assert audio.length == header + 600 * 8000 * width
    total = 0
    for chunk in audio.chunks:
        assert len(chunk) <= LARGEST_CHUNK
        total += len(chunk)
    assert total == audio.length


@pytest.mark.parametrize("fmt", ["flac", "mp3"])
def test_encoded_streams_know_their_length(fmt: str) -> None:
    audio = stream_audio("Streaming text.", fmt, sample_rate=16000, duration=7.0)
    assert audio.length is None
    assert audio.blocking
    chunks = [bytes(chunk) for chunk in audio.chunks]
    assert len(chunks) > 2
    info = soundfile.info(io.BytesIO(b"".join(chunks)))
    assert info.samplerate == 16000
    if fmt == "flac":
        assert info.frames == 7 * 16000
    else:  # mp3 adds the encoder's delay and padding
        assert 7 * 16000 <= info.frames <= 7 * 16000 + 4000
