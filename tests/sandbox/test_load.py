"""Concurrency and throughput."""

from __future__ import annotations

import asyncio
import collections
import threading
import time

import httpx
import pytest

from camb.sandbox import running

from ._helpers import STREAM_BODY


async def test_a_hundred_concurrent_keep_alive_connections() -> None:
    with running(latency=0.3) as sb:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        headers = {"x-api-key": sb.api_key}
        async with httpx.AsyncClient(
            base_url=sb.url, headers=headers, limits=limits, timeout=30
        ) as client:

            async def one(index: int) -> int:
                if index % 2:
                    body = {**STREAM_BODY, "output_configuration": {"format": "wav"}}
                    response = await client.post("/tts-stream", json=body)
                    assert response.headers["content-type"] == "audio/wav"
                    assert len(response.content) > 44
                else:
                    response = await client.get("/list-voices")
                return response.status_code

            started = time.monotonic()
            first = await asyncio.gather(*(one(index) for index in range(100)))
            elapsed = time.monotonic() - started
            stats = sb.stats()
            # A few more requests, on connections the pool kept alive.
            again = await asyncio.gather(*(client.get("/list-voices") for _ in range(10)))
            later = sb.stats()
        assert first == [200] * 100
        assert [response.status_code for response in again] == [200] * 10
        # Served side by side, not one after the other (which would take 100 * 0.3 s).
        assert elapsed < 5.0
        assert stats["connections"]["api"] >= 90
        # Every connection stayed open after its answers, and was used again.
        assert stats["open_connections"]["api"] == stats["connections"]["api"]
        assert later["connections"]["api"] == stats["connections"]["api"]


def test_long_pcm_streams_arrive_whole() -> None:
    seconds = 6000.0  # 288 MB of pcm_s16le at 24 kHz
    output = {"format": "pcm_s16le", "duration": seconds, "sample_rate": 24000}
    body = {**STREAM_BODY, "output_configuration": output}
    with (
        running() as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}, timeout=30) as client,
    ):
        received = 0
        with client.stream("POST", "/tts-stream", json=body) as response:
            assert response.status_code == 200
            for chunk in response.iter_bytes():
                received += len(chunk)
    # Every byte of 288 MB arrives; how fast is `make bench`'s streaming section.
    assert received == seconds * 24000 * 2


def test_a_client_going_away_stops_the_stream() -> None:
    body = {**STREAM_BODY, "output_configuration": {"format": "pcm_s16le", "duration": 1e6}}
    with running() as sb:
        headers = {"x-api-key": sb.api_key}
        with (
            httpx.Client(base_url=sb.url, headers=headers) as client,
            client.stream("POST", "/tts-stream", json=body) as response,
        ):
            next(response.iter_raw())
        # The connection closed mid-stream (48 GB to go); the server must stop producing, so
        # that it answers at once and shuts down promptly.
        started = time.monotonic()
        assert httpx.get(sb.url + "/list-voices", headers=headers).status_code == 200
    assert time.monotonic() - started < 2.0


def test_stopping_cuts_off_a_stalled_stream() -> None:
    body = {**STREAM_BODY, "output_configuration": {"format": "flac", "duration": 1e5}}
    sandbox = running()
    sb = sandbox.__enter__()
    try:
        headers = {"x-api-key": sb.api_key}
        with (
            httpx.Client(timeout=10) as client,
            client.stream("POST", sb.url + "/tts-stream", json=body, headers=headers) as response,
        ):
            chunks = response.iter_raw()
            next(chunks)  # then stop reading, with a day of FLAC to go
            started = time.monotonic()
            sandbox.__exit__(None, None, None)
            elapsed = time.monotonic() - started
            with pytest.raises(httpx.TransportError):
                collections.deque(chunks, maxlen=0)
    finally:
        sandbox.__exit__(None, None, None)  # a no-op once stopped
    assert elapsed < 3.0
    assert not [t for t in threading.enumerate() if t.name.startswith("camb-sandbox")]
