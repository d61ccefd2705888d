"""Adaptive concurrency under rate limits: additive increase, multiplicative decrease.

A plain state machine with no I/O and an injectable clock; the runner asks it whether a
request may start, and tells it how each ended.

- The limit starts at `max_concurrency` (or `initial`): the user's `--concurrency` is what they
  are allowed, and starting lower would cost every run that is never rate-limited a slow
  climb.
- A 429 halves the limit (never below `min_limit`), at most once per window: only a request
  *started after* the last decrease can cause another. So 16 requests refused together cut it
  once, as TCP treats losses from one window as one congestion event.
- A 429 also pauses every new start until `pause_until`: `Retry-After` seconds from now when the
  server sent it (capped at `max_pause`), else `default_pause`.
- After `limit` successes in a row at the current limit (about one round of requests) the limit
  climbs by one, up to `max_concurrency`.
- A rate-limited request is not a failure: the caller sends it again and counts no attempt;
  `failure` (any other error) ends a request without touching the limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import attrs

from .. import _validation as check
from .._exceptions import InvalidInputError

__all__ = ["AimdLimiter", "Ticket"]


@attrs.frozen
class Ticket:
    """A started request: its start order, for telling one window's 429s from the next's."""

    seq: int
    started_at: float


class AimdLimiter:
    """How many requests may be in flight now, adapted to the server's 429 answers."""

    def __init__(
        self,
        max_concurrency: int,
        *,
        initial: int | None = None,
        min_limit: int = 1,
        decrease_factor: float = 0.5,
        default_pause: float = 1.0,
        max_pause: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_concurrency = check.concurrency("max_concurrency", max_concurrency)
        start = max_concurrency if initial is None else check.concurrency("initial", initial)
        self.min_limit = check.concurrency("min_limit", min_limit)
        if not 0 < decrease_factor < 1:
            raise InvalidInputError("decrease_factor", "must be between 0 and 1", decrease_factor)
        for name, value in (("default_pause", default_pause), ("max_pause", max_pause)):
            if not (value >= 0 and math.isfinite(value)):
                raise InvalidInputError(name, "must be a finite number of seconds >= 0", value)
        self.limit = max(self.min_limit, min(start, self.max_concurrency))
        self.decrease_factor = decrease_factor
        self.default_pause = default_pause
        self.max_pause = max_pause
        self.in_flight = 0
        self.pause_until = -math.inf
        self.rate_limited_count = 0
        self.decreases = 0
        self.increases = 0
        self._clock = clock
        self._started = 0
        self._last_decrease_seq = 0  # tickets with seq <= this started before the last cut
        self._successes = 0

    def delay(self) -> float:
        """Seconds until new requests may start again after a 429 (0 when not paused)."""
        return max(0.0, self.pause_until - self._clock())

    def available(self) -> int:
        """How many requests may start now."""
        if self.delay() > 0:
            return 0
        return max(0, self.limit - self.in_flight)

    def can_start(self) -> bool:
        """Whether one more request may start now."""
        return self.available() > 0

    def start(self) -> Ticket:
        """Record a request starting (call only when `can_start()`)."""
        if not self.can_start():
            raise RuntimeError("AimdLimiter.start() called while no request may start")
        self._started += 1
        self.in_flight += 1
        return Ticket(self._started, self._clock())

    def _finish(self) -> None:
        self.in_flight = max(0, self.in_flight - 1)

    def success(self, ticket: Ticket) -> None:
        """The request succeeded: after a round of successes the limit climbs by one."""
        self._finish()
        if ticket.seq <= self._last_decrease_seq:
            return  # it ran under the old limit: no evidence for the new one
        self._successes += 1
        if self._successes >= self.limit and self.limit < self.max_concurrency:
            self.limit += 1
            self.increases += 1
            self._successes = 0

    def rate_limited(self, ticket: Ticket, retry_after: float | None = None) -> None:
        """The request was answered 429: pause new starts, and cut the limit once per window."""
        self._finish()
        self.rate_limited_count += 1
        now = self._clock()
        if retry_after is None or not math.isfinite(retry_after):
            pause = self.default_pause
        else:
            pause = min(max(0.0, retry_after), self.max_pause)
        self.pause_until = max(self.pause_until, now + pause)
        if ticket.seq > self._last_decrease_seq:
            self.limit = max(self.min_limit, math.floor(self.limit * self.decrease_factor))
            self.decreases += 1
            self._last_decrease_seq = self._started
            self._successes = 0

    def failure(self, ticket: Ticket) -> None:
        """The request failed otherwise: it no longer counts, and the limit stays."""
        self._finish()
