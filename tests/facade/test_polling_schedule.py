"""Waiting the way Camb asks: 2-5 s between polls at first, backing off; a faster schedule by
name; a 404 of a task just created is polled again, for a bounded time.

No test sleeps: the schedules are checked on a fake clock, and `wait()` runs with the
runtimes' sleep replaced by a recorder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb
from camb import _async_runtime, _sync_runtime
from camb._models import PENDING, SUCCESS, TaskStatus
from camb._polling import DEFAULT_POLL_SCHEDULE, FAST_POLL_SCHEDULE, Waiter, poll_schedule

from .conftest import Api, json_response


def simulate(schedule: camb.PollSchedule, duration: float) -> list[float]:
    """The times (s after waiting began) at which `wait()` polls a task taking `duration`."""
    now = 0.0
    waiter = Waiter(
        "t", timeout=3600, poll_interval=None, on_status=None, schedule=schedule, clock=lambda: now
    )
    times = []
    while True:
        times.append(now)
        done = now >= duration
        status = TaskStatus("t", SUCCESS if done else PENDING, run_id=1 if done else None)
        if waiter.observe(status) is not None:
            return times
        now += waiter.next_sleep()


def test_the_default_schedule_starts_within_camb_guidance_and_backs_off() -> None:
    schedule = DEFAULT_POLL_SCHEDULE
    gaps = [schedule.next_delay(t) for t in range(0, 900, 3)]
    assert 2.0 <= gaps[0] <= 5.0
    assert gaps == sorted(gaps)  # never speeds up again
    assert gaps[-1] > 5.0  # backs off beyond the first gaps
    # The first 10 s of a long task: at most 5 polls (the old default made 15).
    assert len([t for t in simulate(schedule, 600.0) if t < 10.0]) <= 5
    # A ten-minute task: far fewer requests than one every 2 s.
    assert len(simulate(schedule, 600.0)) < 600 / 5


def test_the_fast_schedule_stays_available_by_name() -> None:
    assert poll_schedule("fast") is FAST_POLL_SCHEDULE
    assert poll_schedule("camb") is DEFAULT_POLL_SCHEDULE
    assert poll_schedule(None) is DEFAULT_POLL_SCHEDULE
    assert FAST_POLL_SCHEDULE.next_delay(0.0) == 0.25
    fast = simulate(FAST_POLL_SCHEDULE, 600.0)
    assert len([t for t in fast if t < 10.0]) > len(
        [t for t in simulate(DEFAULT_POLL_SCHEDULE, 600.0) if t < 10.0]
    )
    mine = camb.PollSchedule(initial=1.0)
    assert poll_schedule(mine) is mine
    with pytest.raises(camb.InvalidInputError, match="poll_schedule"):
        poll_schedule("quick")
    with pytest.raises(camb.InvalidInputTypeError, match="poll_schedule"):
        poll_schedule(2.0)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The seconds every sleep of either runtime was asked for; none is slept."""
    seen: list[float] = []

    def record(seconds: float) -> None:
        seen.append(seconds)

    async def arecord(seconds: float) -> None:
        seen.append(seconds)

    monkeypatch.setattr(_sync_runtime, "sleep", record)
    monkeypatch.setattr(_async_runtime, "sleep", arecord)
    return seen


def answers(*items: Any) -> Callable[[httpx.Request], httpx.Response]:
    """GET /tts/{id} answered with each item in turn (an int is a bare status code)."""
    seen = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        item = items[min(seen["n"], len(items) - 1)]
        seen["n"] += 1
        if isinstance(item, int):
            return json_response(item, {"detail": "Task not found."})
        return json_response(200, item)

    return handler


PENDING_ANSWER = {"status": "PENDING"}
DONE = {"status": "SUCCESS", "run_id": 9}


def test_wait_sleeps_by_the_default_schedule_or_the_named_one(
    make_api: Callable[..., Api], sleeps: list[float]
) -> None:
    api = make_api(answers(PENDING_ANSWER, PENDING_ANSWER, DONE))
    assert api(lambda c: c.tts.wait("t1")) == 9
    assert len(sleeps) == 2
    assert all(2.0 <= s <= 5.0 for s in sleeps)
    sleeps.clear()
    api = make_api(answers(PENDING_ANSWER, PENDING_ANSWER, DONE))
    assert api(lambda c: c.tts.wait("t1", poll_schedule="fast")) == 9
    assert sleeps
    assert all(s < 1.0 for s in sleeps)
    sleeps.clear()
    api = make_api(answers(PENDING_ANSWER, DONE))
    assert api(lambda c: c.tts.wait_many(["t1"], poll_schedule="fast")).run_ids == {"t1": 9}
    assert sleeps
    assert all(s < 1.0 for s in sleeps)


def test_a_bad_schedule_is_refused_before_any_request(make_api: Callable[..., Api]) -> None:
    api = make_api(answers(DONE))
    with pytest.raises(camb.InvalidInputError, match="poll_schedule"):
        api(lambda c: c.tts.wait("t1", poll_schedule="sometimes"))
    with pytest.raises(camb.InvalidInputError, match="poll_schedule"):
        api(lambda c: c.tts.create_and_wait("Hello", 1, 1, poll_schedule="sometimes"))
    assert api.requests == []


def test_a_young_task_answered_404_is_polled_again(
    make_api: Callable[..., Api], sleeps: list[float]
) -> None:
    api = make_api(answers(404, 404, PENDING_ANSWER, DONE))
    assert api(lambda c: c.tts.wait("t1", poll_schedule="fast")) == 9
    assert len(api.requests) == 4


def test_a_404_is_polled_again_only_while_the_task_is_young() -> None:
    now = 0.0
    waiter = Waiter(
        "t",
        timeout=600,
        poll_interval=None,
        on_status=None,
        schedule=DEFAULT_POLL_SCHEDULE,
        clock=lambda: now,
    )
    request = httpx.Request("GET", "https://client.camb.ai/apis/tts/t")
    response = httpx.Response(404, request=request)
    not_found = camb.NotFoundError("not found", response=response, body=None)
    while now < DEFAULT_POLL_SCHEDULE.not_found_grace:
        waiter.poll_failed(not_found)  # polled again
        now += waiter.next_sleep()
    with pytest.raises(camb.NotFoundError):
        waiter.poll_failed(not_found)
    assert waiter.polls <= 1 + DEFAULT_POLL_SCHEDULE.not_found_polls  # bounded


def test_a_404_past_the_grace_ends_the_wait(
    make_api: Callable[..., Api], sleeps: list[float]
) -> None:
    api = make_api(answers(404))
    impatient = camb.PollSchedule(not_found_grace=0.0)
    with pytest.raises(camb.NotFoundError):
        api(lambda c: c.tts.wait("t1", poll_schedule=impatient))
    assert len(api.requests) == 1
