"""Classes 5 and 6: time is bounded.

`wait(timeout=T)` and `wait_many(timeout=T)` return within T plus one poll's own timeout,
whatever the server does: a Retry-After longer than the time left, retries with a long
backoff, a body trickled a byte at a time, an answer that never comes. Here each poll's
timeout (the client's per-request `timeout`) is 2 s and T is 1 s, and the calls must end by
T + 1 s: the deadline holds inside a poll, not only between polls.

A client's `total_timeout` holds the same way for every kind of call (a JSON answer, audio
read whole, audio streamed to a file) against trickled bodies and endless retries.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import AUDIO, HostileServer, Reply, audio_reply, json_reply

T = 1.0
POLL_TIMEOUT = 2.0
# Slack for a loaded 2-core machine; still well under one poll's timeout.
SLACK = 1.0
SLOW_BACKOFF = camb.BackoffPolicy(initial_delay=0.3, max_delay=0.3, jitter=0.0)
PENDING = json.dumps({"status": "PENDING"}).encode() + b" " * 200


def pending_trickled(seen: Any) -> Reply:
    # 200+ bytes at one byte per 50 ms: 10 s per poll, though no single read waits long.
    return Reply(200, [("Content-Type", "application/json")], PENDING, 1, 0.05)


HOSTILE_POLLS: dict[str, Callable[[Any], Reply]] = {
    "retry-after longer than the time left": lambda seen: json_reply(
        {"detail": "busy"}, 503, headers=[("Retry-After", "30")]
    ),
    "retry-after as a date far ahead": lambda seen: json_reply(
        {"detail": "busy"}, 429, headers=[("Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT")]
    ),
    "retries with a long backoff": lambda seen: json_reply({"detail": "down"}, 502),
    "body trickled a byte at a time": pending_trickled,
    "answer that never comes": lambda seen: Reply(200, delay=30),
    "connection dropped": lambda seen: Reply(drop=True),
}


@pytest.mark.parametrize("hostile", sorted(HOSTILE_POLLS))
def test_wait_returns_by_its_timeout_whatever_the_server_does(
    make_api: Callable[..., Api], server: HostileServer, hostile: str
) -> None:
    server.handler = HOSTILE_POLLS[hostile]
    backoff = camb.BackoffPolicy(initial_delay=20, max_delay=20, jitter=0.0)
    api = make_api(base_url=server.url, timeout=POLL_TIMEOUT, max_retries=5, backoff=backoff)

    started = time.monotonic()
    with pytest.raises(camb.WaitTimeoutError) as caught:
        api(lambda c: c.tts.wait("task-1", timeout=T))
    elapsed = time.monotonic() - started

    assert elapsed < T + SLACK, f"wait(timeout={T}) took {elapsed:.2f}s"
    assert caught.value.task_id == "task-1"
    assert len(server.seen) >= 1


@pytest.mark.parametrize(
    "hostile",
    ["body trickled a byte at a time", "retry-after longer than the time left", "slow answer"],
)
def test_wait_many_ends_every_task_by_the_deadline_from_the_calls_start(
    make_api: Callable[..., Api], server: HostileServer, hostile: str
) -> None:
    handlers = {
        **HOSTILE_POLLS,
        "slow answer": lambda seen: json_reply({"status": "PENDING"}, delay=0.2),
    }
    server.handler = handlers[hostile]
    api = make_api(base_url=server.url, timeout=POLL_TIMEOUT, backoff=SLOW_BACKOFF)
    task_ids = [f"task-{i}" for i in range(40)]

    started = time.monotonic()
    done = api(lambda c: c.tts.wait_many(task_ids, timeout=T, concurrency=2))
    elapsed = time.monotonic() - started

    assert elapsed < T + SLACK, f"wait_many(timeout={T}) took {elapsed:.2f}s"
    assert dict(done) == {}
    assert sorted(done.failed) == sorted(task_ids)
    assert all(isinstance(e, camb.WaitTimeoutError) for e in done.failed.values())
    # No poll goes out once the deadline has passed, however late a task was picked up.
    late = [seen.target for seen in server.seen if seen.at > started + T + 0.05]
    assert late == []


def test_wait_many_still_finishes_tasks_that_finish(
    make_api: Callable[..., Api], server: HostileServer
) -> None:
    # The deadline must not end waits that succeed in time. The deadline is far beyond what
    # 40 quick polls need even on a loaded machine: this is about correctness, not speed.
    server.handler = lambda seen: json_reply({"status": "SUCCESS", "run_id": 7})
    api = make_api(base_url=server.url, timeout=POLL_TIMEOUT)
    task_ids = [f"t{i}" for i in range(40)]
    done = api(lambda c: c.tts.wait_many(task_ids, timeout=60, concurrency=2))
    assert dict(done) == {f"t{i}": 7 for i in range(40)}


# --- total_timeout ---------------------------------------------------------------------------


def trickled_json(seen: Any) -> Reply:
    body = json.dumps([{"id": 1, "voice_name": "Alice"}]).encode() + b" " * 300
    return Reply(200, [("Content-Type", "application/json")], body, 1, 0.05)


def trickled_audio(seen: Any) -> Reply:
    return audio_reply(AUDIO, chunk_size=64, chunk_delay=0.05)


CALLS: dict[str, Callable[[Any, Path], Any]] = {
    "json: voices.list": lambda c, p: c.voices.list(),
    "audio read whole: result": lambda c, p: c.tts.result(7),
    "audio streamed: stream.read": lambda c, p: c.tts.stream("Hello there", 1, "en-us").read(),
    "audio streamed to a file: stream.save": lambda c, p: c.tts.stream(
        "Hello there", 1, "en-us"
    ).save(p),
    "audio streamed to a file: download": lambda c, p: c.tts.download(7, p),
}


@pytest.mark.parametrize("call", sorted(CALLS))
def test_total_timeout_holds_for_a_trickled_body(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, call: str
) -> None:
    server.handler = trickled_json if call.startswith("json") else trickled_audio
    path = tmp_path / "speech.flac"
    path.write_bytes(b"old")
    api = make_api(base_url=server.url, total_timeout=T, timeout=POLL_TIMEOUT)

    started = time.monotonic()
    with pytest.raises(camb.APITimeoutError):
        api(lambda c: CALLS[call](c, path))
    elapsed = time.monotonic() - started

    assert elapsed < T + SLACK, f"{call} with total_timeout={T} took {elapsed:.2f}s"
    assert path.read_bytes() == b"old"


@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("failure", ["503 with Retry-After", "connection refused"])
def test_total_timeout_holds_for_endless_retries(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, call: str, failure: str
) -> None:
    server.handler = lambda seen: json_reply(
        {"detail": "busy"}, 503, headers=[("Retry-After", "0.3")]
    )
    base_url = server.url
    if failure == "connection refused":
        server.stop()
    api = make_api(
        base_url=base_url,
        total_timeout=T,
        timeout=POLL_TIMEOUT,
        max_retries=100,
        backoff=SLOW_BACKOFF,
    )

    started = time.monotonic()
    with pytest.raises(camb.APIError):
        api(lambda c: CALLS[call](c, tmp_path / "speech.flac"))
    elapsed = time.monotonic() - started

    assert elapsed < T + SLACK, f"{call} with total_timeout={T} took {elapsed:.2f}s"
    assert not (tmp_path / "speech.flac").exists()


def test_total_timeout_none_lets_a_slow_body_finish(
    make_api: Callable[..., Api], server: HostileServer
) -> None:
    # The default (no overall deadline) does not cut a slow but steady answer short.
    server.handler = lambda seen: audio_reply(AUDIO[:2000], chunk_size=100, chunk_delay=0.05)
    api = make_api(base_url=server.url, timeout=POLL_TIMEOUT)
    assert api(lambda c: c.tts.result(7)) == AUDIO[:2000]


PER_CALL: dict[str, Callable[[Any, Path], object]] = {
    "json: voices.list": lambda c, p: c.voices.list(total_timeout=T),
    "audio in memory: result": lambda c, p: c.tts.result(7, total_timeout=T),
    "audio streamed to a file: stream().save": lambda c, p: c.tts.stream(
        "Hello there.", 7, "en-us", total_timeout=T
    ).save(p),
    "audio streamed to a file: download": lambda c, p: c.tts.download(7, p, total_timeout=T),
}


@pytest.mark.parametrize("call", sorted(PER_CALL))
def test_a_per_call_total_timeout_holds_for_a_trickled_body(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, call: str
) -> None:
    """The same deadline given to one call only: the client's default has none."""
    server.handler = trickled_json if call.startswith("json") else trickled_audio
    path = tmp_path / "speech.flac"
    path.write_bytes(b"old")
    api = make_api(base_url=server.url, timeout=POLL_TIMEOUT)

    started = time.monotonic()
    with pytest.raises(camb.APITimeoutError):
        api(lambda c: PER_CALL[call](c, path))
    elapsed = time.monotonic() - started

    assert elapsed < T + SLACK, f"{call} with total_timeout={T} took {elapsed:.2f}s"
    assert path.read_bytes() == b"old"
