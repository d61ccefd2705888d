"""The sandbox's /live-tts/ws as a plain `websockets` client sees it: auth by header or
?api_key=, close codes, and the frames of Camb's quickstart."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from camb.sandbox import Sandbox

from ._schemas import validate_frame
from .conftest import VOICE


def _url(sandbox: Sandbox, query: str = "") -> str:
    return sandbox.url.replace("http://", "ws://") + "/live-tts/ws" + query


def _until_closed(ws: Any) -> tuple[list[Any], int | None]:
    frames = []
    try:
        while True:
            frames.append(ws.recv(5))
    except ConnectionClosed as closed:
        return frames, closed.rcvd.code if closed.rcvd else None


def _start(**fields: Any) -> str:
    return json.dumps({"type": "session.start", "voice_id": VOICE, **fields})


def test_quickstart_with_the_key_in_the_query(sandbox: Sandbox) -> None:
    with connect(_url(sandbox, f"?api_key={sandbox.api_key}")) as ws:
        ws.send(_start(output_format="wav", word_timestamps=True))
        ready = json.loads(ws.recv(5))
        assert ready["type"] == "session.ready"
        assert isinstance(ready["run_id"], int)
        ws.send(json.dumps({"type": "text.chunk", "text": "Hello, world. "}))
        ws.send(json.dumps({"type": "text.done"}))
        frames, code = _until_closed(ws)
    assert code == 1000
    kinds = [json.loads(f)["type"] if isinstance(f, str) else "audio" for f in frames]
    assert kinds[0] == "segment.start"
    assert kinds[-2:] == ["segment.done", "session.done"]
    start = json.loads(frames[0])
    validate_frame("serverSend", start)
    assert start["word_timestamps"] == [
        {"word": "Hello", "start": 0.0, "end": pytest.approx(0.3)},
        {"word": "world", "start": pytest.approx(0.42), "end": pytest.approx(0.72)},
    ]
    assert sandbox.live_sessions()[0].key_in_query is True


@pytest.mark.parametrize(
    ("headers", "first", "code"),
    [
        ({}, _start(), 4401),
        ({"x-api-key": "wrong"}, _start(), 4401),
        (None, "not json", 4400),
        (None, json.dumps({"type": "text.chunk", "text": "no start first"}), 4400),
        (None, _start(voice_id="6460"), 4400),
        (None, _start(output_format="ogg"), 4400),
        (None, _start(language="xx-yy"), 4400),
        (None, _start(voice_id=999_999), 4400),
    ],
)
def test_refusals_send_session_error_then_close_with_the_code(
    sandbox: Sandbox, headers: dict[str, str] | None, first: str, code: int
) -> None:
    sent = {"x-api-key": sandbox.api_key} if headers is None else headers
    with connect(_url(sandbox), additional_headers=sent) as ws:
        with contextlib.suppress(ConnectionClosed):
            ws.send(first)
        frames, closed = _until_closed(ws)
    assert closed == code
    error = json.loads(frames[-1])
    validate_frame("serverSend", error)
    assert error["type"] == "session.error"


def test_a_malformed_chunk_later_is_4400(sandbox: Sandbox) -> None:
    with connect(_url(sandbox), additional_headers={"x-api-key": sandbox.api_key}) as ws:
        ws.send(_start())
        assert json.loads(ws.recv(5))["type"] == "session.ready"
        ws.send(json.dumps({"type": "text.chunk", "text": 42}))
        frames, code = _until_closed(ws)
    assert code == 4400
    assert json.loads(frames[-1])["type"] == "session.error"
