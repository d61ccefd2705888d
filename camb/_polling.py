"""How often to poll a task, and what each status means for a waiter. Plain functions; no I/O."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import attrs

from . import _validation as check
from ._exceptions import (
    APIConnectionError,
    CambError,
    InvalidInputTypeError,
    RateLimitError,
    ServerError,
    TaskFailedError,
    TaskPaymentRequiredError,
    TaskTimeoutError,
    UnexpectedTaskStatusError,
    WaitTimeoutError,
)
from ._models import ERROR, PAYMENT_REQUIRED, PENDING, SUCCESS, TIMEOUT, TaskStatus

log = logging.getLogger("camb")

OnStatus = Callable[[TaskStatus], object]


@attrs.frozen
class PollSchedule:
    """The default waiting schedule: fast at first, then backing off to a cap.

    The gap between polls starts at `initial` seconds and grows by `ramp` seconds per second
    waited, up to `fast_cap` (so a task that takes 1 s is seen within about 0.25 s). Past
    `fast_period` seconds the gap grows by `slow_ramp` per second up to `max_interval`, so a
    task that runs for minutes costs a request every few seconds and no more.
    """

    initial: float = 0.25
    ramp: float = 0.15
    fast_cap: float = 1.2
    fast_period: float = 30.0
    slow_ramp: float = 0.1
    max_interval: float = 4.0

    def next_delay(self, elapsed: float) -> float:
        """Seconds to sleep before the next poll, `elapsed` seconds after waiting began."""
        if elapsed < self.fast_period:
            return min(self.fast_cap, self.initial + self.ramp * elapsed)
        slow = max(self.fast_cap, self.fast_cap + self.slow_ramp * (elapsed - self.fast_period))
        return min(self.max_interval, slow)


def wait_args(
    timeout: object, poll_interval: object, on_status: object = None
) -> tuple[float, float | None]:
    """A wait's checked deadline (seconds) and fixed poll interval (or None: the schedule)."""
    if on_status is not None and not callable(on_status):
        raise InvalidInputTypeError(
            "on_status", "must be a callable taking a TaskStatus", on_status
        )
    checked_timeout = check.timeout_seconds("timeout", timeout)
    interval = (
        None if poll_interval is None else check.timeout_seconds("poll_interval", poll_interval)
    )
    return checked_timeout, interval


def poll_delay(elapsed: float, poll_interval: float | None, schedule: PollSchedule) -> float:
    """A fixed `poll_interval` when the caller gave one, else the schedule's next gap."""
    return poll_interval if poll_interval is not None else schedule.next_delay(elapsed)


def outcome_of(status: TaskStatus) -> int | CambError | None:
    """What a status means to a waiter: the run id (done), an error to raise, or None (wait on).

    A status outside the documented ones ends the wait with an error naming it, rather than
    polling until the deadline: the seeds treat an unexpected status as final, and a caller
    is better told at once.
    """
    task_id = status.task_id
    if status.status == SUCCESS:
        if status.run_id is None:
            return UnexpectedTaskStatusError(
                f"task {task_id} reported SUCCESS without a run_id", task_id=task_id, status=status
            )
        return status.run_id
    if status.status == PENDING:
        return None
    if status.status == ERROR and status.exception_reason == PAYMENT_REQUIRED:
        # The official definition's way of saying it: an ERROR whose reason is the payment.
        detail = f": {status.message}" if status.message else ""
        return TaskPaymentRequiredError(
            f"task {task_id} needs more credits on the account{detail}",
            task_id=task_id,
            status=status,
        )
    if status.status == ERROR:
        reason = status.exception_reason or "no reason given"
        detail = f": {status.message}" if status.message else ""
        return TaskFailedError(
            f"task {task_id} failed ({reason}){detail}", task_id=task_id, status=status
        )
    if status.status == TIMEOUT:
        return TaskTimeoutError(
            f"task {task_id} timed out on the server; shorter text may help",
            task_id=task_id,
            status=status,
        )
    if status.status == PAYMENT_REQUIRED:
        return TaskPaymentRequiredError(
            f"task {task_id} needs more credits on the account", task_id=task_id, status=status
        )
    return UnexpectedTaskStatusError(
        f"task {task_id} reported a status this client does not know: {status.status!r}",
        task_id=task_id,
        status=status,
    )


def is_transient(error: CambError) -> bool:
    """Errors after which polling again is worth it: the status call itself failed in passing."""
    return isinstance(error, (APIConnectionError, RateLimitError, ServerError))


# What `wait()` uses when the caller gives no schedule.
DEFAULT_POLL_SCHEDULE = PollSchedule()


class Waiter:
    """The state of one `wait`: decides after each poll whether to return, raise or sleep.

    The sync and async clients only make the status calls and sleep for `next_sleep()`.
    `clock` is injectable so the schedule can be simulated without waiting.
    """

    def __init__(
        self,
        task_id: str,
        *,
        timeout: float,
        poll_interval: float | None,
        on_status: Callable[[TaskStatus], object] | None,
        schedule: PollSchedule | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.task_id = task_id
        self.timeout = timeout
        self.poll_interval = poll_interval
        self.on_status = on_status
        self.schedule = schedule or DEFAULT_POLL_SCHEDULE
        self.clock = clock
        self.started = clock()
        # When the wait must be over, on `clock`'s time line.
        self.deadline = self.started + timeout
        self.last_status: TaskStatus | None = None
        self.polls = 0

    def observe(self, status: TaskStatus) -> int | None:
        """The run id when the task is done; raises its error when it ended badly."""
        self.polls += 1
        self.last_status = status
        if self.on_status is not None:
            self.on_status(status)
        outcome = outcome_of(status)
        if isinstance(outcome, CambError):
            raise outcome
        return outcome

    def poll_failed(self, error: CambError) -> None:
        """A status call failed after its own retries: wait on if it was transient, else raise."""
        self.polls += 1
        if not is_transient(error):
            raise error
        log.debug("polling task %s failed (%s); polling again", self.task_id, error)

    def next_sleep(self) -> float:
        """Seconds until the next poll; raises WaitTimeoutError once the deadline has passed."""
        elapsed = self.clock() - self.started
        remaining = self.timeout - elapsed
        if remaining <= 0:
            last = self.last_status.status if self.last_status else "none yet"
            raise WaitTimeoutError(
                f"task {self.task_id} still not done after {self.timeout:g}s "
                f"({self.polls} polls; last status: {last})",
                task_id=self.task_id,
                status=self.last_status,
            )
        return min(poll_delay(elapsed, self.poll_interval, self.schedule), remaining)
