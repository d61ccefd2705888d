"""`client.tts.live(...)` against the sandbox, asyncio and blocking: the done-when of issue 19."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from camb import (
    AsyncCamb,
    Camb,
    LiveAuthenticationError,
    LiveBadRequestError,
    LiveConnectionError,
    LiveError,
    LivePaymentRequiredError,
    LiveSegmentDone,
    LiveSkipped,
    LiveSummary,
    LiveTimeoutError,
)
from camb._longform._captions import cues_from_live, write_captions
from camb.sandbox import Sandbox

from ._checks import check_against_audio, check_captions, check_order, samples_of
from .conftest import LLM_TEXT, VOICE, slow_async_tokens, slow_tokens, token_chunks

DELAY = 0.002  # between tokens (the 20 ms, shortened for the test suite)


def _sync_client(sandbox: Sandbox, **kwargs: object) -> Camb:
    return Camb(api_key=sandbox.api_key, base_url=sandbox.url, **kwargs)  # type: ignore[arg-type]


def _async_client(sandbox: Sandbox, **kwargs: object) -> AsyncCamb:
    return AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url, **kwargs)  # type: ignore[arg-type]


def _write_all_captions(done: list[LiveSegmentDone], folder: Path, source: str) -> None:
    cues = cues_from_live(done)
    for name in ("live.srt", "live.vtt", "live.json"):
        write_captions(folder / name, cues, source=source, flow="live")


def test_llm_tokens_blocking(sandbox: Sandbox, tmp_path: Path) -> None:
    chunks = token_chunks()
    assert len(chunks) >= 200
    with (
        _sync_client(sandbox) as client,
        client.tts.live(VOICE, format="wav", text=slow_tokens(chunks, DELAY)) as session,
    ):
        events = list(session)
        source = session.text_sent
    assert source == LLM_TEXT
    done = check_order(events)
    summary = events[-1]
    assert isinstance(summary, LiveSummary)
    audio = b"".join(e.data for e in events if hasattr(e, "data"))
    assert summary.bytes == len(audio)
    assert summary.run_id is not None
    assert summary.time_to_first_audio is not None
    assert summary.spoken_text == " ".join(s.text for s in done)
    assert summary.unspoken_text == ""
    # The saved file is the whole session, one WAV.
    with (
        _sync_client(sandbox) as client,
        client.tts.live(VOICE, format="wav", text=slow_tokens(chunks, DELAY)) as session,
    ):
        saved = session.save(tmp_path / "live.wav", captions=tmp_path / "live.srt")
    assert saved.duration == pytest.approx(summary.duration, abs=1e-9)
    samples = samples_of((tmp_path / "live.wav").read_bytes())
    check_against_audio(done, summary, samples, source)
    for name in ("live.vtt", "live.json"):
        write_captions(tmp_path / name, cues_from_live(done), source=source, flow="live")
    check_captions(done, tmp_path, source)
    # Every frame went through the sandbox in order: one text.chunk per token.
    record = sandbox.live_sessions()[0]
    chunk_frames = [f["text"] for f in record.client_frames if f["type"] == "text.chunk"]
    assert chunk_frames == chunks
    assert record.client_frames[-1] == {"type": "text.done"}
    assert record.close_code == 1000


async def test_llm_tokens_asyncio(sandbox: Sandbox, tmp_path: Path) -> None:
    chunks = token_chunks(seed=7)
    async with _async_client(sandbox) as client:
        session = client.tts.live(VOICE, format="wav", text=slow_async_tokens(chunks, DELAY))
        async with session:
            summary = await session.save(tmp_path / "live.wav", captions=tmp_path / "live.vtt")
            source = session.text_sent
        # A second session on the same client, fed by a plain iterable, read event by event.
        async with client.tts.live(VOICE, format="wav", text=iter(chunks)) as again:
            events = [event async for event in again]
    assert source == LLM_TEXT
    done = check_order(events)
    assert events[-1].duration == pytest.approx(summary.duration, abs=1e-9)  # type: ignore[union-attr]
    samples = samples_of((tmp_path / "live.wav").read_bytes())
    check_against_audio(done, summary, samples, source)
    for name in ("live.srt", "live.json"):
        write_captions(tmp_path / name, cues_from_live(done), source=source, flow="live")
    check_captions(done, tmp_path, source)


async def test_send_and_end_by_hand_with_play(sandbox: Sandbox) -> None:
    received: list[bytes] = []
    async with _async_client(sandbox) as client, client.tts.live(VOICE, format="mp3") as session:
        await session.send("First sentence here. Second")
        await session.send(" one without an end")
        await session.end()
        summary = await session.play(received.append, whole_segments=True)
    assert summary.segments == 2 == len(received)
    assert all(chunk.startswith((b"ID3", b"\xff")) for chunk in received)
    assert summary.spoken_text == "First sentence here. Second one without an end"


def test_skipped_segment_gives_its_text_back_and_the_session_goes_on(sandbox: Sandbox) -> None:
    text = "One is fine. Two is [skip] not. Three is fine."
    with _sync_client(sandbox) as client, client.tts.live(VOICE, text=text) as session:
        events = list(session)
    skipped = [e for e in events if isinstance(e, LiveSkipped)]
    assert [(s.segment_id, s.text) for s in skipped] == [(1, "Two is [skip] not.")]
    summary = events[-1]
    assert isinstance(summary, LiveSummary)
    assert summary.segments == 2
    assert summary.skipped == tuple(skipped)
    assert [e.segment_id for e in events if isinstance(e, LiveSegmentDone)] == [0, 2]


def test_idle_flush_speaks_a_fragment_without_sentence_end(sandbox: Sandbox) -> None:
    with _sync_client(sandbox) as client, client.tts.live(VOICE, idle_timeout=0.05) as session:
        session.send("no sentence end here")
        first = next(event for event in session if isinstance(event, LiveSegmentDone))
        assert first.text == "no sentence end here"
        session.end()
        rest = list(session)
    assert isinstance(rest[-1], LiveSummary)
    assert rest[-1].segments == 1


def test_cancel_mid_session_blocking(sandbox: Sandbox) -> None:
    chunks = token_chunks()
    with _sync_client(sandbox) as client:
        with client.tts.live(VOICE, format="wav", text=slow_tokens(chunks, 0.005)) as session:
            seen = []
            for event in session:
                seen.append(event)
                if isinstance(event, LiveSegmentDone):
                    summary = session.cancel()
                    break
            after = list(session)
            sent_at_cancel = session.text_sent
        # The same client goes on with another session.
        with client.tts.live(VOICE, text="After the cancel.") as other:
            assert isinstance(list(other)[-1], LiveSummary)
    assert after == []  # nothing more after cancel()
    first = seen[-1]
    assert isinstance(first, LiveSegmentDone)
    assert summary.cancelled
    assert summary.segments == 1
    assert summary.spoken_text == first.text
    assert sent_at_cancel.startswith(first.text)
    assert summary.unspoken_text == sent_at_cancel[len(first.text) :]
    assert len(sent_at_cancel) < len(LLM_TEXT)
    time.sleep(0.1)  # tokens keep coming from the iterator: none of them is sent
    record = sandbox.live_sessions()[0]
    got = "".join(f["text"] for f in record.client_frames if f["type"] == "text.chunk")
    assert got == sent_at_cancel
    assert {"type": "text.done"} not in record.client_frames
    assert record.ended_by == "client"


async def test_cancel_mid_session_asyncio(sandbox: Sandbox) -> None:
    chunks = token_chunks()
    async with _async_client(sandbox) as client:
        session = client.tts.live(VOICE, text=slow_async_tokens(chunks, 0.005))
        async with session:
            async for event in session:
                if isinstance(event, LiveSegmentDone):
                    summary = await session.cancel()
                    break
            assert [event async for event in session] == []
            sent = session.text_sent
        assert summary.cancelled
        assert summary.spoken_text == event.text
        assert summary.unspoken_text == sent[len(event.text) :]
        async with client.tts.live(VOICE, text="Second session.") as other:
            assert (await other.play(lambda data: None)).segments == 1


def test_bad_key_is_authentication_error_and_the_key_is_not_shown(sandbox: Sandbox) -> None:
    with (
        Camb(api_key="wrong-key-123", base_url=sandbox.url) as client,
        pytest.raises(LiveAuthenticationError) as raised,
        client.tts.live(VOICE, text="Hello."),
    ):
        pass
    assert raised.value.close_code == 4401
    assert raised.value.server_error == "Invalid API key."
    assert "wrong-key-123" not in str(raised.value) + repr(raised.value.__dict__)
    record = sandbox.live_sessions()[0]
    assert record.key_in_query is False  # the key went in the header


async def test_unknown_voice_is_bad_request(sandbox: Sandbox) -> None:
    async with _async_client(sandbox) as client:
        with pytest.raises(LiveBadRequestError) as raised:
            async with client.tts.live(999_999_999, text="Hello."):
                pass
    assert raised.value.close_code == 4400
    assert "999999999" in (raised.value.server_error or "")


@pytest.mark.camb_sandbox(live_credits=40)
def test_running_out_of_credits_says_what_arrived(sandbox: Sandbox) -> None:
    text = "This costs thirty credits or so. This one is more than what is left."
    with (
        _sync_client(sandbox) as client,
        client.tts.live(VOICE, text=text) as session,
        pytest.raises(LivePaymentRequiredError) as raised,
    ):
        list(session)
    error = raised.value
    assert error.close_code == 4402
    assert error.segments == [0]
    assert error.spoken_text == "This costs thirty credits or so."
    assert error.unspoken_text.strip() == "This one is more than what is left."


async def test_dropped_connection_says_which_segments_arrived(sandbox: Sandbox) -> None:
    text = "First one arrives. Second too. Then the line [drop] goes dead. Never."
    async with _async_client(sandbox) as client:
        async with client.tts.live(VOICE, text=text) as session:
            with pytest.raises(LiveConnectionError) as raised:
                async for _event in session:
                    pass
        # The client is still usable.
        async with client.tts.live(VOICE, text="Again.") as again:
            assert (await again.play(lambda data: None)).segments == 1
    error = raised.value
    assert not isinstance(error, LiveTimeoutError)
    assert error.close_code is None
    assert error.segments == [0, 1]
    assert "2 segment(s) arrived complete: 0, 1" in str(error)
    assert error.spoken_text == "First one arrives. Second too."


def test_idle_read_timeout_is_a_timeout_error(sandbox: Sandbox) -> None:
    with (
        _sync_client(sandbox, timeout=0.2) as client,
        client.tts.live(VOICE, idle_timeout=5.0) as session,
    ):
        session.send("waiting for the end of this sentence")
        with pytest.raises(LiveTimeoutError, match="read timeout"):
            list(session)


def test_bad_arguments_are_refused_before_any_traffic(sandbox: Sandbox) -> None:
    with _sync_client(sandbox) as client:
        with pytest.raises(ValueError, match="format"):
            client.tts.live(VOICE, format="ogg")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="idle_timeout"):
            client.tts.live(VOICE, idle_timeout=0)
        with pytest.raises(TypeError, match="voice_id"):
            client.tts.live("voice")  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="text"):
            client.tts.live(VOICE, text=42)  # type: ignore[arg-type]
    assert sandbox.live_sessions() == []


def test_live_errors_are_camb_errors() -> None:
    for cls in (LiveAuthenticationError, LiveBadRequestError, LivePaymentRequiredError):
        assert issubclass(cls, LiveError)
    assert issubclass(LiveTimeoutError, LiveConnectionError)
