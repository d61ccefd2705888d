"""The protocol state machine without I/O: what it accepts, and the typed error for each way a
server can break the protocol."""

from __future__ import annotations

import json
from typing import Any

import pytest

from camb import (
    LiveAuthenticationError,
    LiveBadRequestError,
    LiveConnectionError,
    LivePaymentRequiredError,
    LiveProtocolError,
)
from camb._live._protocol import LiveProtocol

READY = {"type": "session.ready", "session_id": "s", "run_id": 7, "config": {}}


def _frame(**fields: Any) -> str:
    return json.dumps(fields)


def _open() -> LiveProtocol:
    protocol = LiveProtocol("mp3", None)
    protocol.chunk_frame("Hello world. Again.", 0.0)
    protocol.on_text(json.dumps(READY), 0.0)
    return protocol


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        (["not json"], "not JSON"),
        ([_frame(nothing=1)], "without a `type`"),
        ([_frame(type="segment.done", segment_id=0)], "before session.ready"),
        ([json.dumps(READY), _frame(type="segment.done", segment_id=0)], "not open"),
        ([json.dumps(READY), _frame(type="segment.start", segment_id="x", text="a")], "malformed"),
        (
            [
                json.dumps(READY),
                _frame(type="segment.start", segment_id=0, text="Hello world."),
                _frame(type="segment.start", segment_id=1, text="Again."),
            ],
            "inside another segment",
        ),
        (
            [
                json.dumps(READY),
                _frame(type="segment.start", segment_id=0, text="Hello world."),
                _frame(type="session.done"),
            ],
            "inside a segment",
        ),
        (
            [
                json.dumps(READY),
                _frame(type="segment.start", segment_id=0, text="Hello world."),
                _frame(type="segment.skipped", segment_id=1, text="Again."),
            ],
            "inside another segment",
        ),
        (
            [
                json.dumps(READY),
                _frame(type="segment.skipped", segment_id=3, text="Hello world."),
                _frame(type="segment.skipped", segment_id=1, text="Again."),
            ],
            "out of order",
        ),
        ([json.dumps(READY), _frame(type="session.done"), _frame(type="session.done")], "ended"),
    ],
)
def test_a_server_breaking_the_protocol_is_a_protocol_error(
    frames: list[str], message: str
) -> None:
    protocol = LiveProtocol("wav", None)
    for frame in frames[:-1]:
        protocol.on_text(frame, 0.0)
    with pytest.raises(LiveProtocolError, match=message):
        protocol.on_text(frames[-1], 0.0)


def test_audio_outside_a_segment_or_too_big_is_a_protocol_error() -> None:
    protocol = _open()
    with pytest.raises(LiveProtocolError, match="outside a segment"):
        protocol.on_bytes(b"x", 0.0)
    protocol = _open()
    protocol.on_text(_frame(type="segment.start", segment_id=0, text="Hello world."), 0.0)
    with pytest.raises(LiveProtocolError, match="65537 bytes"):
        protocol.on_bytes(b"x" * 65537, 0.0)


def test_unknown_message_types_are_ignored_and_words_are_placed() -> None:
    protocol = _open()
    assert protocol.on_text(_frame(type="session.heartbeat"), 0.0) == []
    words = [{"word": "world", "start": 0.4, "end": 0.7}, {"word": "Gone", "start": 1, "end": 2}]
    (start,) = protocol.on_text(
        _frame(type="segment.start", segment_id=0, text="Hello world.", word_timestamps=words),
        0.0,
    )
    assert start.words[0].char_start == 6  # type: ignore[union-attr, index]
    assert start.words[1].char_start is None  # type: ignore[index]
    # Audio this client cannot measure (not MP3): the last word's end stands in.
    protocol.on_bytes(b"not audio", 1.0)
    (done,) = protocol.on_text(_frame(type="segment.done", segment_id=0), 1.0)
    assert done.duration == 2.0
    assert protocol.summary().time_to_first_audio == 1.0


@pytest.mark.parametrize(
    ("code", "cls"),
    [
        (4400, LiveBadRequestError),
        (4401, LiveAuthenticationError),
        (4402, LivePaymentRequiredError),
        (None, LiveConnectionError),
        (1006, LiveConnectionError),
        (1011, LiveProtocolError),
        (1000, LiveProtocolError),
    ],
)
def test_each_close_code_has_its_error(code: int | None, cls: type[Exception]) -> None:
    protocol = _open()
    protocol.on_text(_frame(type="session.error", error="the reason"), 0.0)
    error = protocol.on_close(code, "")
    assert type(error) is cls
    assert error is not None
    assert "the reason" in str(error)
    assert error.run_id == 7
    assert error.unspoken_text == "Hello world. Again."


def test_a_close_after_session_done_or_cancel_is_no_error() -> None:
    protocol = _open()
    protocol.on_text(_frame(type="session.done"), 0.0)
    assert protocol.on_close(1000, "") is None
    cancelled = _open()
    cancelled.cancelled = True
    assert cancelled.on_close(None, "") is None
    reason = _open().on_close(1001, "going away")
    assert reason is not None
    assert "going away" in str(reason)
