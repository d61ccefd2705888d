"""Every frame the client sends and every frame the sandbox sends is one of the AsyncAPI
document's messages, valid against its schema; audio frames are at most 64 KiB."""

from __future__ import annotations

import pytest

from camb import Camb, LiveError
from camb.sandbox import Sandbox

from ._schemas import validate_frame
from .conftest import LLM_TEXT, VOICE, token_chunks


def _sessions(sandbox: Sandbox) -> None:
    with Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        for fmt in ("mp3", "wav", "flac", "aac"):
            with (
                client.tts.live(
                    VOICE,
                    format=fmt,  # type: ignore[arg-type]
                    text=token_chunks(LLM_TEXT[:160]),
                    language="en-us",
                    idle_timeout=0.5,
                    speaking_rate=1.5,
                    apply_enhancement=False,
                    maintain_source_accent=True,
                ) as session
            ):
                list(session)
        with client.tts.live(VOICE, word_timestamps=False, text="A [skip] one. Fine.") as session:
            list(session)
        with client.tts.live(VOICE) as session:
            session.send("Cancelled right away. ")
            session.cancel()
        with pytest.raises(LiveError), client.tts.live(VOICE, text="Cut [drop] here.") as s:
            list(s)
        with pytest.raises(LiveError), client.tts.live(424242, text="No such voice."):
            pass
    with (
        Camb(api_key="not-the-key", base_url=sandbox.url) as client,
        pytest.raises(LiveError),
        client.tts.live(VOICE, text="No key."),
    ):
        pass


@pytest.mark.camb_sandbox(live_credits=10)
def test_frames_out_of_credits_are_valid(sandbox: Sandbox) -> None:
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client,
        pytest.raises(LiveError),
        client.tts.live(VOICE, text="Too long for ten.") as s,
    ):
        list(s)
    _check_all(sandbox, minimum_sessions=1)


def test_every_frame_both_ways_matches_the_schemas(sandbox: Sandbox) -> None:
    _sessions(sandbox)
    _check_all(sandbox, minimum_sessions=9)


def _check_all(sandbox: Sandbox, minimum_sessions: int) -> None:
    records = sandbox.live_sessions()
    assert len(records) >= minimum_sessions
    kinds_in: set[str] = set()
    kinds_out: set[str] = set()
    for record in records:
        for frame in record.client_frames:
            validate_frame("clientSend", frame)
            kinds_in.add(frame["type"])
        for frame in record.server_frames:
            validate_frame("serverSend", frame)
            kinds_out.add(frame["type"])
        assert all(0 < size <= 65536 for size in record.audio_frames)
        if record.server_frames and record.server_frames[-1]["type"] == "session.error":
            assert record.close_code in (4400, 4401, 4402)
    assert "session.start" in kinds_in
    assert "session.ready" in kinds_out or minimum_sessions == 1
