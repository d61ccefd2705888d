"""The batch loop, over any synthesiser: threads, adaptive concurrency, durable state.

`run_batch` matches the items with the state store, then sends every pending item to
`synthesize(item, path)`, at most as many at a time as the AIMD limiter allows. The
synthesiser writes `<out_dir>/<id>.<ext>` all or nothing and durably (a temporary file beside
it, fsynced, renamed, the folder fsynced: what `tts.speak()` does) and returns the audio's
duration and credits; the item is recorded done only after that, so a done item always has its
whole file. A run killed between the two redoes that one item (it is in flight, and counted as
redone after a crash). One fsync of the file and one of the folder per item: the runner does
not sync the file again.

What happens to a request that ends in an error:

- `RateLimitError` (429): not a failure. The item goes back to the front of the queue with no
  attempt counted, and the limiter halves the concurrency and pauses for `Retry-After`.
- `AuthenticationError`, `PaymentRequiredError`, `FileWriteError` (a full disk): every other
  item would fail the same way, so no new request starts; the item goes back to pending, and
  the result's `aborted` holds the error.
- `InvalidInputError`, `BadRequestError`, `NotFoundError`, `ValidationError`: the request itself
  is wrong; asking again would fail again. The item fails at once.
- Anything else (connection errors, 5xx, a failed segment): tried again, up to
  `max_attempts` attempts in this run, then failed with the last error.

All state changes happen on one thread of the run's own; worker threads only synthesise. The
caller's thread only waits for the run's outcome on a plain lock, which an exception raised
by a signal handler leaves intact: an interrupt there can never fall inside the bookkeeping
of a lock the workers share. (It did: Ctrl-C inside the thread pool's semaphore left the
semaphore's lock held, every worker blocked on it, and the run never ended.) Signals never
reach the run's own thread. A request to stop (`_stop`: Ctrl-C, SIGTERM, a cancelled
coroutine) is a flag checked between steps: no new request starts, the ones under way are
recorded as they end, and items never sent stay pending. An item is recorded in flight with
the file its audio will go to, so a run killed after the file was put in place but before it
was recorded finds it done (see `_state`).
"""

from __future__ import annotations

import contextlib
import contextvars
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import attrs

from .. import _validation as check
from .._exceptions import (
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    CambError,
    FileWriteError,
    InvalidInputError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ValidationError,
)
from .._retry import parse_retry_after
from .._sync_runtime import Stopped, WorkerPool, sleeps_stopped_by
from ._aimd import AimdLimiter, Ticket
from ._input import BatchItem
from ._state import DoneRecord, StateStore, Summary, SyncReport
from ._stop import StopRequest

__all__ = ["BatchResult", "ItemResult", "Progress", "Synthesize", "run_batch"]

# A file that cannot be written (a full disk) fails every item the same way, after paying for
# each: stop, and leave the item pending for a rerun once there is room. A spent budget stops
# the run like a spent account: no new request starts.
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    AuthenticationError,
    PaymentRequiredError,
    FileWriteError,
    BudgetExceededError,
)
PERMANENT_ERRORS: tuple[type[BaseException], ...] = (
    InvalidInputError,
    BadRequestError,
    NotFoundError,
    ValidationError,
)


@attrs.frozen
class ItemResult:
    """What the synthesiser reports for one item (its file is at the path it was given,
    complete and synced)."""

    duration: float | None = None
    credits: float | None = None


Synthesize = Callable[[BatchItem, Path], ItemResult]


@attrs.frozen
class Progress:
    """Where the run stands, after each finished request (for a progress bar)."""

    total: int
    done: int
    failed: int
    in_flight: int
    concurrency: int
    rate_limited: int
    elapsed: float


@attrs.frozen
class BatchResult:
    """The outcome of `run_batch`: the store's summary, what the input sync found, how many
    requests this run sent and how many of those were rate-limited, and `aborted`: the error
    that stopped the run early (authentication, credits), or None."""

    summary: Summary
    sync: SyncReport
    requests: int
    rate_limited: int
    elapsed: float
    aborted: CambError | None = None
    # Whether the run was asked to stop (Ctrl-C, SIGTERM, a cancelled coroutine) before the
    # end: the requests under way were recorded, and items never sent are pending.
    interrupted: bool = False
    # Input lines left out by `skip_invalid=True` (set by `camb.batch.run`).
    problems: tuple[Any, ...] = ()
    # How the input was read, for the summary (e.g. ids made from line numbers).
    notes: tuple[str, ...] = ()


@attrs.frozen
class _Outcome:
    item_id: str
    ticket: Ticket
    file: str | None = None
    size: int = 0
    result: ItemResult | None = None
    error: BaseException | None = None


def describe_error(error: BaseException) -> str:
    """`Type: message`, one line (the client's messages never hold the API key)."""
    text = " ".join(str(error).split())
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def retry_after_of(error: BaseException) -> float | None:
    """Seconds from a 429's `retry_after` attribute, or from its response's header."""
    value = getattr(error, "retry_after", None)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None)
    if headers is None:
        return None
    header = headers.get("retry-after")
    return parse_retry_after(header if isinstance(header, str) else None, time.time())


def _write_item(synthesize: Synthesize, item: BatchItem, ticket: Ticket, out_dir: Path) -> _Outcome:
    """Have the item's file written (whole and synced, or not at all) and measure it."""
    destination = out_dir / item.file_name
    try:
        result = synthesize(item, destination)
        if not isinstance(result, ItemResult):
            raise TypeError(f"the synthesiser returned {type(result).__name__}, not ItemResult")
        try:
            size = destination.stat().st_size
        except FileNotFoundError:
            raise CambError(f"the synthesiser wrote no file for item {item.id!r}") from None
        return _Outcome(item.id, ticket, file=item.file_name, size=size, result=result)
    except BaseException as error:
        return _Outcome(item.id, ticket, error=error)


def run_batch(
    items: Sequence[BatchItem],
    state: StateStore,
    synthesize: Synthesize,
    *,
    concurrency: int = 4,
    max_attempts: int = 3,
    retry_failed: bool = True,
    on_progress: Callable[[Progress], None] | None = None,
    limiter: AimdLimiter | None = None,
    stop: StopRequest | None = None,
    evidence: Callable[[], Mapping[str, Sequence[DoneRecord]]] | None = None,
) -> BatchResult:
    """Bring every item to done (or failed), resuming whatever `state` already holds.

    `items` are this run's items (this shard's, when sharded), already checked. Files go to
    `state.out_dir`. `on_progress` is called on the run's own thread, one call at a time.

    `stop` (see `_stop`) asks the run to end early: no new request starts, the ones under way
    are waited for and recorded, items never sent stay pending, and the result says
    `interrupted`. A KeyboardInterrupt raised in this thread (a program's own SIGINT handler)
    or by `on_progress` is treated the same way and then re-raised. A second one while the run
    ends returns at once: the run's thread goes on recording the requests under way for as
    long as the program lives, and a later run finds the files of any it did not record.
    """
    concurrency = check.concurrency("concurrency", concurrency)
    max_attempts = check.concurrency("max_attempts", max_attempts)
    stop = stop or StopRequest()
    # The run's outcome, put there before `finished` is released. Whether the run has ended is
    # read from this list, never from the lock: an interrupt may fall just after the lock was
    # taken. (Not `Thread.join`: before Python 3.13 an interrupt inside it marks the thread
    # ended. Not a queue: an interrupt just after `get` loses what it took.)
    ended: list[BatchResult | BaseException] = []
    finished = threading.Lock()
    finished.acquire()
    # Whoever takes it first decides whether the run happens: the run's thread as it begins,
    # or the caller's thread when an interrupt fell while that thread was being started.
    claim = threading.Lock()

    def run() -> None:
        if not claim.acquire(blocking=False):
            return  # the caller was interrupted before the run began: nothing is sent
        try:
            ended.append(
                _run(
                    items,
                    state,
                    synthesize,
                    concurrency=concurrency,
                    max_attempts=max_attempts,
                    retry_failed=retry_failed,
                    on_progress=on_progress,
                    limiter=limiter or AimdLimiter(concurrency),
                    stop=stop,
                    evidence=evidence,
                )
            )
        except BaseException as error:  # handed to the caller's thread, raised there
            ended.append(error)
        finally:
            finished.release()

    # A daemon: a run whose caller stopped waiting must not keep the program from exiting.
    runner = threading.Thread(
        target=contextvars.copy_context().run, args=(run,), name="camb-batch-run", daemon=True
    )

    def wait() -> None:
        while not ended:
            finished.acquire()

    try:
        runner.start()
        wait()
    except KeyboardInterrupt:
        if claim.acquire(blocking=False):
            raise  # the run never began (its thread was still starting): nothing was sent
        if stop.requested:
            raise  # asked to stop already (a first signal): the caller will not wait
        stop.request()
        wait()  # a second interrupt leaves at once
        raise
    [outcome] = ended
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


def _run(
    items: Sequence[BatchItem],
    state: StateStore,
    synthesize: Synthesize,
    *,
    concurrency: int,
    max_attempts: int,
    retry_failed: bool,
    on_progress: Callable[[Progress], None] | None,
    limiter: AimdLimiter,
    stop: StopRequest,
    evidence: Callable[[], Mapping[str, Sequence[DoneRecord]]] | None,
) -> BatchResult:
    """`run_batch`'s loop, on the run's own thread."""
    started = time.monotonic()
    sync = state.sync_items(items, retry_failed=retry_failed, evidence=evidence)
    by_id = {item.id: item for item in items}
    waiting: deque[str] = deque(state.pending_ids())
    counts = state.counts()
    done, failed, total = counts.done, counts.failed, counts.total
    attempts: dict[str, int] = {}
    # None wakes the loop up (a stop request).
    finished: queue.SimpleQueue[_Outcome | None] = queue.SimpleQueue()
    # The requests under way, by item, each with a future that holds its outcome: an entry
    # leaves only after its outcome is committed, so an interruption anywhere leaves it
    # findable.
    submitted: dict[str, Future[_Outcome]] = {}
    requests = rate_limited = 0
    aborted: CambError | None = None
    stopping = False
    state.out_dir.mkdir(parents=True, exist_ok=True)
    stop.add_waker(lambda: finished.put(None))

    def handle(outcome: _Outcome) -> None:
        nonlocal done, failed, rate_limited, aborted, stopping
        error = outcome.error
        item_id = outcome.item_id
        if error is None:
            assert outcome.file is not None
            assert outcome.result is not None
            limiter.success(outcome.ticket)
            state.mark_done(
                item_id,
                file=outcome.file,
                bytes=outcome.size,
                duration=outcome.result.duration,
                credits=outcome.result.credits,
            )
            done += 1
        elif isinstance(error, (RateLimitError, Stopped)):
            # Refused before it cost anything, or stopped while waiting to try again.
            if isinstance(error, RateLimitError):
                limiter.rate_limited(outcome.ticket, retry_after_of(error))
                rate_limited += 1
            else:
                limiter.failure(outcome.ticket)
            state.mark_pending(item_id)
            if not stopping:
                waiting.appendleft(item_id)
        elif isinstance(error, FATAL_ERRORS):
            limiter.failure(outcome.ticket)
            state.mark_pending(item_id)
            if aborted is None:
                aborted = error if isinstance(error, CambError) else CambError(str(error))
            stopping = True
        else:
            limiter.failure(outcome.ticket)
            attempts[item_id] = attempts.get(item_id, 0) + 1
            message = describe_error(error)
            if isinstance(error, PERMANENT_ERRORS) or attempts[item_id] >= max_attempts:
                state.mark_failed(item_id, message)
                failed += 1
            else:
                state.mark_retry(item_id, message)
                if not stopping:
                    waiting.append(item_id)

    def work(item: BatchItem, ticket: Ticket, holder: Future[_Outcome]) -> None:
        if not holder.set_running_or_notify_cancel():
            return  # given up before it started (`settle`): never sent
        with sleeps_stopped_by(stop.event):
            outcome = _write_item(synthesize, item, ticket, state.out_dir)
        holder.set_result(outcome)  # before the queue: whoever takes it, it stays here
        finished.put(outcome)

    def settle() -> None:
        """Wait for every request under way and record it; an item recorded in flight but
        never sent goes back to pending. Safe after an interruption at any point."""
        # Every task the pool was given ends (also one submitted just before an
        # interruption, and not yet in `submitted`): no request is left under way.
        pool.shutdown(wait=True)
        with state.transaction():
            for item_id in state.in_flight_ids():
                holder = submitted.get(item_id)
                # Cancelling succeeds only for work that has not started (the pool may
                # still hold it, or an interruption fell before it was handed over): it
                # never will. Work that has started is waited for.
                if holder is None or holder.cancel():
                    state.mark_pending(item_id)  # recorded in flight, never sent
                else:
                    handle(holder.result())
        submitted.clear()

    # The blocking runtime's pool: each item runs in a copy of the caller's context.
    pool = WorkerPool(concurrency, name="camb-batch")
    abandoned = False
    try:
        while True:
            if stop.requested:
                stopping = True
            starting: list[str] = []
            while not stopping and waiting and limiter.available() > len(starting):
                starting.append(waiting.popleft())
            if starting:
                # Recorded (committed) before any of them is sent.
                with state.transaction():
                    for item_id in starting:
                        state.mark_in_flight(item_id, file=by_id[item_id].file_name)
                for item_id in starting:
                    holder: Future[_Outcome] = Future()
                    submitted[item_id] = holder
                    pool.submit(work, by_id[item_id], limiter.start(), holder)
                requests += len(starting)
            if not submitted and (stopping or not waiting):
                break
            delay = limiter.delay()
            try:
                first = finished.get(timeout=delay if delay > 0 else None)
            except queue.Empty:
                continue  # the pause is over: start more
            outcomes: list[_Outcome] = []
            if first is not None:
                outcomes.append(first)
            while True:
                try:
                    more = finished.get_nowait()
                except queue.Empty:
                    break
                if more is not None:
                    outcomes.append(more)
            if not outcomes:
                continue  # woken up to stop
            with state.transaction():
                for outcome in outcomes:
                    handle(outcome)
            for outcome in outcomes:
                submitted.pop(outcome.item_id, None)
            if on_progress is not None:
                on_progress(
                    Progress(
                        total=total,
                        done=done,
                        failed=failed,
                        in_flight=len(submitted),
                        concurrency=limiter.limit,
                        rate_limited=rate_limited,
                        elapsed=time.monotonic() - started,
                    )
                )
    except KeyboardInterrupt:
        if stop.requested:
            # A second interrupt (after a stop was asked): the caller will not wait. What is
            # under way stays recorded in flight; the next run finds the files that landed.
            abandoned = True
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        stop.request()
        stopping = True
        settle()
        raise
    except BaseException:
        # The state could not be written (a full disk), say: nothing new starts, and what is
        # under way is waited for (and recorded, where the state still takes it).
        stopping = True
        stop.request()
        with contextlib.suppress(Exception):
            settle()
        raise
    finally:
        if not abandoned:
            pool.shutdown(wait=True)
    return BatchResult(
        summary=state.summary(),
        sync=sync,
        requests=requests,
        rate_limited=rate_limited,
        elapsed=time.monotonic() - started,
        aborted=aborted,
        interrupted=stop.requested,
    )
