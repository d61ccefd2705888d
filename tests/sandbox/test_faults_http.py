"""Fault injection as a client sees it."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from camb.sandbox import Sandbox, running

from ._helpers import STREAM_BODY, finished_run


def api(sandbox: Sandbox) -> httpx.Client:
    return httpx.Client(base_url=sandbox.url, headers={"x-api-key": sandbox.api_key}, timeout=10)


@pytest.fixture
def faulty(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    with running(**request.param) as sb:
        yield sb


@pytest.mark.parametrize("faulty", [{"rate_429": 1.0, "retry_after": 0.05}], indirect=True)
def test_rate_limited_answers_carry_retry_after(faulty: Sandbox) -> None:
    with api(faulty) as client:
        for _ in range(3):
            response = client.get("/list-voices")
            assert response.status_code == 429
            assert float(response.headers["retry-after"]) == pytest.approx(0.05)
            assert isinstance(response.json()["detail"], str)
    assert faulty.stats()["faults"]["429"] == 3


def test_retry_after_may_be_whole_seconds() -> None:
    with running(rate_429=1.0, retry_after=2) as sb, api(sb) as client:
        assert client.get("/list-voices").headers["retry-after"] == "2"


@pytest.mark.parametrize("faulty", [{"rate_5xx": 1.0, "seed": 11}], indirect=True)
def test_server_errors_are_500_or_503_some_html(faulty: Sandbox) -> None:
    statuses, kinds = set(), set()
    with api(faulty) as client:
        for _ in range(30):
            response = client.get("/list-voices")
            statuses.add(response.status_code)
            if response.headers["content-type"].startswith("text/html"):
                assert response.text.lstrip().startswith("<html")
                kinds.add("html")
            else:
                assert isinstance(response.json()["detail"], str)
                kinds.add("json")
    assert statuses == {500, 503}
    assert kinds == {"html", "json"}


@pytest.mark.parametrize("share", [0.0, 1.0])
def test_html_share_chooses_the_body(share: float) -> None:
    with running(rate_5xx=1.0, html_share=share) as sb, api(sb) as client:
        html = [
            client.get("/list-voices").headers["content-type"].startswith("text/html")
            for _ in range(10)
        ]
    assert html == [share == 1.0] * 10


@pytest.mark.parametrize("faulty", [{"rate_drop": 1.0}], indirect=True)
def test_dropped_requests_fail_in_the_transport(faulty: Sandbox) -> None:
    with api(faulty) as client:
        with pytest.raises(httpx.RemoteProtocolError):
            client.get("/list-voices")
        with pytest.raises(httpx.TransportError):
            client.post("/tts-stream", json=STREAM_BODY)
    stats = faulty.stats()
    assert stats["faults"]["drop"] == 2
    assert stats["requests"] == 2
    assert all(not codes for codes in stats["by_operation"].values())


@pytest.mark.parametrize("faulty", [{"rate_drop": 1.0}], indirect=True)
def test_a_drop_sends_no_byte_at_all(faulty: Sandbox) -> None:
    host, port = faulty.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        request = f"GET /list-voices HTTP/1.1\r\nHost: x\r\nx-api-key: {faulty.api_key}\r\n\r\n"
        sock.sendall(request.encode())
        assert sock.recv(1024) == b""


@pytest.mark.parametrize("faulty", [{"rate_drop": 1.0, "rate_429": 1.0}], indirect=True)
def test_faults_spare_the_stats_endpoint(faulty: Sandbox) -> None:
    response = httpx.get(faulty.url + "/_sandbox/stats")
    assert response.status_code == 200
    reset = httpx.post(faulty.url + "/_sandbox/reset-stats")
    assert reset.status_code == 200
    assert reset.json()["requests"] == 0


def _read_truncated(response: httpx.Response) -> None:
    announced = int(response.headers["content-length"])
    received: list[int] = []

    def drain() -> None:
        for chunk in response.iter_raw():
            received.append(len(chunk))

    with pytest.raises(httpx.RemoteProtocolError):
        drain()
    assert sum(received) < announced


@pytest.mark.parametrize("fmt", ["wav", "flac", "pcm_f32le", "mp3"])
def test_truncated_stream_is_a_protocol_error(fmt: str) -> None:
    with running(rate_truncate=1.0) as sb, api(sb) as client:
        body = {**STREAM_BODY, "output_configuration": {"format": fmt}}
        with client.stream("POST", "/tts-stream", json=body) as response:
            assert response.status_code == 200
            _read_truncated(response)
        assert sb.stats()["faults"]["truncate"] == 1


def test_truncated_result_and_download() -> None:
    with running(task_duration=0.0, rate_truncate=1.0) as sb, api(sb) as client:
        run_id = finished_run(client)
        with client.stream("GET", f"/tts-result/{run_id}") as response:
            _read_truncated(response)
        url = client.get(f"/tts-result/{run_id}", params={"output_type": "file_url"}).json()
        with httpx.stream("GET", url["output_url"]) as response:
            _read_truncated(response)
        # JSON answers are never truncated.
        assert client.get("/list-voices").status_code == 200
        assert sb.stats()["faults"]["truncate"] == 2


def test_latency_is_added_to_api_requests() -> None:
    with running(latency=0.25) as sb, api(sb) as client:
        started = time.monotonic()
        assert client.get("/list-voices").status_code == 200
        assert time.monotonic() - started >= 0.25
        started = time.monotonic()
        httpx.get(sb.url + "/_sandbox/stats")
        assert time.monotonic() - started < 0.25


def _statuses(**config: Any) -> list[int]:
    with running(**config) as sb, api(sb) as client:
        return [client.get("/list-voices").status_code for _ in range(30)]


def test_a_seed_fixes_the_fault_sequence() -> None:
    faults = {"rate_429": 0.3, "rate_5xx": 0.3}
    first = _statuses(seed=5, **faults)
    assert set(first) > {200}
    assert _statuses(seed=5, **faults) == first
    assert _statuses(seed=6, **faults) != first


def test_rates_are_shares() -> None:
    statuses = _statuses(seed=1, rate_429=0.5)
    assert 5 <= statuses.count(429) <= 25
    assert statuses.count(429) + statuses.count(200) == 30
