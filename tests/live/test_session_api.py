"""The session's states and helpers: what it refuses, what it shows, every output format."""

from __future__ import annotations

from pathlib import Path

import pytest
import soundfile

from camb import AsyncCamb, Camb, ClientStateError, LiveAudio, LiveSegmentDone
from camb.sandbox import Sandbox

from .conftest import VOICE


def test_states_refuse_what_they_cannot_do(sandbox: Sandbox) -> None:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        session = client.tts.live(VOICE)
        with pytest.raises(ClientStateError):
            session.send("not open")
        with pytest.raises(ClientStateError):
            session.end()
        with pytest.raises(ClientStateError):
            list(session)
        with session:
            assert sandbox.api_key not in repr(session)
            assert session.run_id is not None
            assert session.session_id
            assert session.summary is None
            with pytest.raises(ClientStateError):
                session.open()
            session.feed("One sentence.")
            with pytest.raises(ClientStateError):
                session.feed("Again.")
            summary = session.play(lambda data: None)
            with pytest.raises(ClientStateError):
                session.send("after the end")
            session.end()  # nothing left to end: no error
        assert session.summary is summary
        assert session.cancel() is summary
    with pytest.raises(ClientStateError):
        client.tts.live(VOICE)


async def test_the_async_session_refuses_the_same(sandbox: Sandbox) -> None:
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        session = client.tts.live(VOICE)
        with pytest.raises(ClientStateError):
            await session.send("not open")
        with pytest.raises(ClientStateError):
            await session.end()
        with pytest.raises(ClientStateError):
            [event async for event in session]
        async with session:
            assert sandbox.api_key not in repr(session)
            assert session.run_id is not None
            assert session.session_id
            assert session.summary is None
            with pytest.raises(ClientStateError):
                await session.open()
            session.feed("One sentence.")
            with pytest.raises(ClientStateError):
                session.feed("Again.")
            summary = await session.play(lambda data: None)
            with pytest.raises(ClientStateError):
                await session.send("after the end")
            await session.end()  # nothing left to end: no error
        assert session.summary is summary
        assert await session.cancel() is summary
    with pytest.raises(ClientStateError):
        client.tts.live(VOICE)


@pytest.mark.parametrize("fmt", ["mp3", "wav", "flac", "aac"])
def test_save_writes_one_valid_file_in_every_format(
    sandbox: Sandbox, tmp_path: Path, fmt: str
) -> None:
    text = "Two segments are joined. Into one file!"
    client = Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    session = client.tts.live(VOICE, format=fmt, text=text)  # type: ignore[arg-type]
    with client, session:
        summary = session.save(tmp_path / f"out.{fmt}")
    assert summary.segments == 2
    if fmt in ("wav", "flac"):
        info = soundfile.info(str(tmp_path / f"out.{fmt}"))
        assert info.duration == pytest.approx(len("Two segments are joined.Into one file!") * 0.06)
    else:
        assert (tmp_path / f"out.{fmt}").stat().st_size > 1000


async def test_captions_only_and_play_by_chunk(sandbox: Sandbox, tmp_path: Path) -> None:
    chunks: list[bytes] = []
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        async with client.tts.live(VOICE, text="Just captions. No audio kept.") as session:
            summary = await session.captions(tmp_path / "only.vtt")
        async with client.tts.live(VOICE, text="Chunk by chunk.") as session:
            await session.play(chunks.append)
    assert summary.segments == 2
    assert (tmp_path / "only.vtt").read_text().startswith("WEBVTT")
    assert chunks
    assert b"".join(chunks).startswith((b"ID3", b"\xff\xfb"))


def test_events_carry_offsets_into_the_text_sent(sandbox: Sandbox) -> None:
    text = "  Leading spaces. And a second one."
    client = Camb(api_key=sandbox.api_key, base_url=sandbox.url)
    with client, client.tts.live(VOICE, format="wav", text=text) as session:
        done = [e for e in session if isinstance(e, LiveSegmentDone)]
        audio = [e for e in session if isinstance(e, LiveAudio)]
    assert audio == []  # the session was read to its end already
    for segment in done:
        assert text[segment.char_start : segment.char_end] == segment.text
        assert segment.session_end == pytest.approx(segment.session_start + segment.duration)
