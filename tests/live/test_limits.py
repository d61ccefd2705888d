"""Live speech keeps the key out of logs, bounds what it buffers, and reports what fails."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from camb import AsyncCamb, Camb, LiveAudio, LiveSummary, LiveTimeoutError
from camb.sandbox import Sandbox

from .conftest import VOICE


def test_the_key_is_never_logged_even_at_debug(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client,
        client.tts.live(VOICE, text="Logged session.") as session,
    ):
        list(session)
    # The client's records (the sandbox, a server, logs what it received as servers do).
    lines = [r.getMessage() for r in caplog.records if not r.name.startswith("uvicorn")]
    assert any("GET /live-tts/ws" in line for line in lines)  # the handshake is logged...
    assert any(line.lower() == "> x-api-key: [redacted]" for line in lines)
    assert not any(sandbox.api_key in line for line in lines)  # ...without the key
    assert not any("api_key=" in line for line in lines)


def test_a_slow_reader_holds_the_server_back(sandbox: Sandbox) -> None:
    # 720 s of 48 kHz WAV, about 69 MB: far more than the client's queue and the sockets hold.
    text = "Sixty characters of text make three and a half seconds here. " * 200
    total = 60 * 2**20
    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client,
        client.tts.live(VOICE, format="wav", text=text) as session,
    ):
        events = iter(session)
        assert isinstance(next(e for e in events if isinstance(e, LiveAudio)), LiveAudio)
        time.sleep(1.0)  # the reader is busy; the server could send everything meanwhile
        sent = sum(sandbox.live_sessions()[0].audio_frames)
        last = list(events)[-1]
    assert sent < 24 * 2**20 < total
    assert isinstance(last, LiveSummary)
    assert last.bytes > total


def test_an_error_of_the_text_iterable_ends_the_session_with_it(sandbox: Sandbox) -> None:
    def broken() -> Iterator[str]:
        yield "A first sentence. "
        raise OSError("the model went away")

    with (
        Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client,
        client.tts.live(VOICE, text=broken(), idle_timeout=5.0) as session,
        pytest.raises(OSError, match="the model went away"),
    ):
        list(session)


async def test_total_timeout_ends_the_session(sandbox: Sandbox) -> None:
    async with AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        session = client.tts.live(VOICE, idle_timeout=5.0, total_timeout=0.3)
        async with session:
            await session.send("a sentence that never ends")
            with pytest.raises(LiveTimeoutError, match="total_timeout"):
                async for _event in session:
                    pass


def test_connect_failure_is_a_connection_error() -> None:
    from camb import LiveConnectionError

    with (
        Camb(api_key="some-key", base_url="http://127.0.0.1:9") as client,
        pytest.raises(LiveConnectionError) as raised,
        client.tts.live(VOICE, text="Nobody listens."),
    ):
        pass
    assert "some-key" not in str(raised.value)


def test_without_the_live_extra_the_error_names_it() -> None:
    import subprocess
    import sys

    code = (
        "import sys; sys.modules['websockets'] = None\n"
        "import camb\n"
        "client = camb.Camb(api_key='k', base_url='http://127.0.0.1:9')\n"
        "try:\n"
        "    client.tts.live(1, text='Hello.')\n"
        "except camb.MissingExtraError as error:\n"
        "    print(error.extra, '|', error)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.startswith("live | ")
    assert "pip install 'camb-tts[live]'" in done.stdout


def test_a_server_that_never_answers_the_handshake_is_a_connect_timeout() -> None:
    import socket

    import httpx

    listener = socket.create_server(("127.0.0.1", 0))  # accepts TCP, never speaks HTTP
    port = listener.getsockname()[1]
    try:
        timeout = httpx.Timeout(5.0, connect=0.2)
        with Camb(api_key="k", base_url=f"http://127.0.0.1:{port}", timeout=timeout) as client:
            session = client.tts.live(VOICE, text="Hello.")
            with pytest.raises(LiveTimeoutError, match="opening the connection"):
                session.open()
    finally:
        listener.close()
