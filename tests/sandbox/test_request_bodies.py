"""Issue 20, item 19: the sandbox caps request bodies and takes a hang-up mid-body quietly.

A body over the cap is answered 413 with the API's error shape (`{"detail": "..."}`) without
being read whole (a client announcing 300 MB gets its answer before sending them); a client
that hangs up part-way through its body costs no traceback and no 500.
"""

from __future__ import annotations

import json
import logging
import socket
import time
from urllib.parse import urlsplit

import httpx
import pytest

from camb.sandbox import running
from camb.sandbox._bodies import MAX_REQUEST_BODY_BYTES


def raw_request(url: str, api_key: str, *, length: int, send: bytes) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    head = (
        f"POST {parts.path}/tts-stream HTTP/1.1\r\nHost: {parts.hostname}\r\n"
        f"x-api-key: {api_key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()
    sock.sendall(head + send)
    return sock


def read_answer(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data or not data.rstrip().endswith(b"}"):
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data


def test_a_body_over_the_cap_is_413_with_the_api_error_shape() -> None:
    with running() as sandbox:
        body = json.dumps({"text": "x" * (MAX_REQUEST_BODY_BYTES + 10), "voice_id": 1})
        response = httpx.post(
            f"{sandbox.url}/tts-stream",
            content=body,
            headers={"x-api-key": sandbox.api_key, "content-type": "application/json"},
        )
        assert response.status_code == 413
        assert set(response.json()) == {"detail"}
        assert str(MAX_REQUEST_BODY_BYTES) in response.json()["detail"]


def test_a_client_announcing_300_mb_is_answered_before_sending_them() -> None:
    with running() as sandbox:
        sock = raw_request(sandbox.url, sandbox.api_key, length=300 * 1024 * 1024, send=b"{")
        try:
            answer = read_answer(sock)
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413 ")
        assert b'"detail"' in answer


def test_a_chunked_body_over_the_cap_is_413() -> None:
    """Without a Content-Length, the cap holds as the body arrives."""
    with running() as sandbox:
        parts = urlsplit(sandbox.url)
        sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        piece = b" " * 65536
        chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        head = (
            f"POST {parts.path}/tts-stream HTTP/1.1\r\nHost: {parts.hostname}\r\n"
            f"x-api-key: {sandbox.api_key}\r\nTransfer-Encoding: chunked\r\n\r\n"
        ).encode()
        try:
            sock.sendall(head + chunk * (MAX_REQUEST_BODY_BYTES // len(piece) + 2))
            answer = read_answer(sock)
        finally:
            sock.close()
        assert answer.startswith(b"HTTP/1.1 413 ")


def test_a_hang_up_mid_body_logs_no_traceback_and_no_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.INFO), running() as sandbox:
        sock = raw_request(sandbox.url, sandbox.api_key, length=1000, send=b'{"text": "Hel')
        time.sleep(0.2)
        sock.close()
        deadline = time.monotonic() + 5
        while not sandbox.stats()["by_operation"] and time.monotonic() < deadline:
            time.sleep(0.02)
        answered = sandbox.stats()["by_operation"].get("create_tts_stream", {})
    assert "500" not in answered
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING or r.exc_info]
