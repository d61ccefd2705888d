"""Adaptive concurrency with a simulated clock: bursts of 429, Retry-After, recovery."""

from __future__ import annotations

import pytest

import camb
from camb.batch._aimd import AimdLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_starts_at_the_maximum_and_fills_it() -> None:
    limiter = AimdLimiter(16, clock=Clock())
    tickets = [limiter.start() for _ in range(16)]
    assert limiter.limit == 16
    assert not limiter.can_start()
    with pytest.raises(RuntimeError):
        limiter.start()
    limiter.success(tickets[0])
    assert limiter.available() == 1


def test_a_burst_of_429s_from_one_window_halves_once() -> None:
    clock = Clock()
    limiter = AimdLimiter(16, clock=clock)
    tickets = [limiter.start() for _ in range(16)]
    for ticket in tickets:
        limiter.rate_limited(ticket, retry_after=None)
    assert limiter.limit == 8
    assert limiter.decreases == 1
    assert limiter.rate_limited_count == 16
    assert limiter.in_flight == 0


def test_429s_from_later_windows_keep_halving_down_to_the_minimum() -> None:
    clock = Clock()
    limiter = AimdLimiter(16, default_pause=0.0, clock=clock)
    limits = []
    for _ in range(6):
        ticket = limiter.start()
        limiter.rate_limited(ticket)
        limits.append(limiter.limit)
    assert limits == [8, 4, 2, 1, 1, 1]
    limiter = AimdLimiter(16, min_limit=3, default_pause=0.0, clock=clock)
    for _ in range(5):
        limiter.rate_limited(limiter.start())
    assert limiter.limit == 3


def test_retry_after_pauses_every_new_start() -> None:
    clock = Clock()
    limiter = AimdLimiter(4, clock=clock)
    first, second = limiter.start(), limiter.start()
    limiter.rate_limited(first, retry_after=2.5)
    assert limiter.limit == 2
    assert limiter.pause_until == 1002.5
    assert not limiter.can_start()
    assert limiter.available() == 0
    assert limiter.delay() == pytest.approx(2.5)
    clock.now += 2.0
    limiter.success(second)  # finishing does not lift the pause
    assert not limiter.can_start()
    clock.now += 0.5
    assert limiter.delay() == 0
    assert limiter.available() == 2


def test_pause_without_retry_after_and_capped_retry_after() -> None:
    clock = Clock()
    limiter = AimdLimiter(4, default_pause=0.25, max_pause=30, clock=clock)
    limiter.rate_limited(limiter.start())
    assert limiter.delay() == pytest.approx(0.25)
    clock.now += 1
    limiter.rate_limited(limiter.start(), retry_after=10_000)
    assert limiter.delay() == pytest.approx(30)
    clock.now += 30
    limiter.rate_limited(limiter.start(), retry_after=-5)  # a date in the past
    assert limiter.delay() == 0
    limiter.rate_limited(limiter.start(), retry_after=float("nan"))
    assert limiter.delay() == pytest.approx(0.25)


def test_climbs_back_one_step_per_round_of_successes() -> None:
    clock = Clock()
    limiter = AimdLimiter(8, default_pause=0.0, clock=clock)
    limiter.rate_limited(limiter.start())
    assert limiter.limit == 4
    history = []
    for _ in range(40):
        limiter.success(limiter.start())
        history.append(limiter.limit)
    # 4 successes at 4 -> 5, 5 at 5 -> 6, 6 -> 7, 7 -> 8, then it stays at the maximum.
    assert history.index(5) == 3
    assert history.index(6) == 3 + 5
    assert history.index(7) == 3 + 5 + 6
    assert history.index(8) == 3 + 5 + 6 + 7
    assert history[-1] == 8
    assert limiter.increases == 4


def test_successes_from_before_a_cut_do_not_count_for_climbing() -> None:
    clock = Clock()
    limiter = AimdLimiter(4, default_pause=0.0, clock=clock)
    old = [limiter.start() for _ in range(4)]
    limiter.rate_limited(old[0])
    for ticket in old[1:]:
        limiter.success(ticket)
    assert limiter.limit == 2
    limiter.success(limiter.start())
    limiter.success(limiter.start())
    assert limiter.limit == 3


def test_other_failures_leave_the_limit_alone() -> None:
    limiter = AimdLimiter(4, clock=Clock())
    limiter.failure(limiter.start())
    assert (limiter.limit, limiter.in_flight, limiter.decreases) == (4, 0, 0)


def test_simulated_run_under_rate_limits_keeps_going_and_recovers() -> None:
    """A server that allows 6 concurrent requests: the limit settles near 6, never at 1."""
    clock = Clock()
    limiter = AimdLimiter(16, clock=clock)
    server_capacity = 6
    done = 0
    limits = []
    while done < 2000:
        batch = [limiter.start() for _ in range(limiter.available())]
        clock.now += 0.02
        for position, ticket in enumerate(batch):
            if position < server_capacity:
                limiter.success(ticket)
                done += 1
            else:
                limiter.rate_limited(ticket, retry_after=0.05)
        clock.now = max(clock.now, limiter.pause_until)
        limits.append(limiter.limit)
    assert min(limits[5:]) >= 3
    assert max(limits[5:]) <= 8
    assert sum(limits[-50:]) / 50 >= 4


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_concurrency": 0},
        {"max_concurrency": 4, "initial": 0},
        {"max_concurrency": 4, "decrease_factor": 1.0},
        {"max_concurrency": 4, "default_pause": -1},
    ],
)
def test_bad_settings(kwargs: dict[str, object]) -> None:
    with pytest.raises(camb.InvalidInputError):
        AimdLimiter(**kwargs)  # type: ignore[arg-type]


def test_initial_limit_is_clamped() -> None:
    assert AimdLimiter(4, initial=10).limit == 4
    assert AimdLimiter(8, initial=2).limit == 2
