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
- `AuthenticationError`, `PaymentRequiredError`: every other item would fail the same way, so
  no new request starts; the item goes back to pending, and the result's `aborted` holds the
  error.
- `InvalidInputError`, `BadRequestError`, `NotFoundError`, `ValidationError`: the request itself
  is wrong; asking again would fail again. The item fails at once.
- Anything else (connection errors, 5xx, a failed segment, a full disk): tried again, up to
  `max_attempts` attempts in this run, then failed with the last error.

All state changes happen on the calling thread; worker threads only synthesise.
"""

from __future__ import annotations

import queue
import time
from collections import deque
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import attrs

from .. import _validation as check
from .._exceptions import (
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    CambError,
    InvalidInputError,
    NotFoundError,
    PaymentRequiredError,
    RateLimitError,
    ValidationError,
)
from .._retry import parse_retry_after
from ._aimd import AimdLimiter, Ticket
from ._input import BatchItem
from ._state import StateStore, Summary, SyncReport

__all__ = ["BatchResult", "ItemResult", "Progress", "Synthesize", "run_batch"]

# A spent budget stops the run like a spent account: no new request starts.
FATAL_ERRORS: tuple[type[BaseException], ...] = (
    AuthenticationError,
    PaymentRequiredError,
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
    # Input lines left out by `skip_invalid=True` (set by `camb.batch.run`).
    problems: tuple[Any, ...] = ()


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
) -> BatchResult:
    """Bring every item to done (or failed), resuming whatever `state` already holds.

    `items` are this run's items (this shard's, when sharded), already checked. Files go to
    `state.out_dir`. `on_progress` is called on this thread. On KeyboardInterrupt no new
    request starts, the ones under way are waited for and recorded, and it is re-raised.
    """
    concurrency = check.concurrency("concurrency", concurrency)
    max_attempts = check.concurrency("max_attempts", max_attempts)
    limiter = limiter or AimdLimiter(concurrency)
    started = time.monotonic()
    sync = state.sync_items(items, retry_failed=retry_failed)
    by_id = {item.id: item for item in items}
    waiting: deque[str] = deque(state.pending_ids())
    counts = state.counts()
    done, failed, total = counts.done, counts.failed, counts.total
    attempts: dict[str, int] = {}
    finished: queue.SimpleQueue[_Outcome] = queue.SimpleQueue()
    active = requests = rate_limited = 0
    aborted: CambError | None = None
    stopping = False
    state.out_dir.mkdir(parents=True, exist_ok=True)

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
        elif isinstance(error, RateLimitError):
            limiter.rate_limited(outcome.ticket, retry_after_of(error))
            state.mark_pending(item_id)
            rate_limited += 1
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

    def work(item: BatchItem, ticket: Ticket) -> None:
        finished.put(_write_item(synthesize, item, ticket, state.out_dir))

    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="camb-batch") as pool:
        while True:
            try:
                starting: list[str] = []
                while not stopping and waiting and limiter.available() > len(starting):
                    starting.append(waiting.popleft())
                if starting:
                    # Recorded (committed) before any of them is sent.
                    with state.transaction():
                        for item_id in starting:
                            state.mark_in_flight(item_id)
                    for item_id in starting:
                        pool.submit(work, by_id[item_id], limiter.start())
                    active += len(starting)
                    requests += len(starting)
                if active == 0 and (stopping or not waiting):
                    break
                delay = limiter.delay()
                try:
                    outcome = finished.get(timeout=delay if delay > 0 else None)
                except queue.Empty:
                    continue  # the pause is over: start more
                outcomes = [outcome]
                while len(outcomes) < active:
                    try:
                        outcomes.append(finished.get_nowait())
                    except queue.Empty:
                        break
                active -= len(outcomes)
                with state.transaction():
                    for outcome in outcomes:
                        handle(outcome)
                if on_progress is not None:
                    on_progress(
                        Progress(
                            total=total,
                            done=done,
                            failed=failed,
                            in_flight=active,
                            concurrency=limiter.limit,
                            rate_limited=rate_limited,
                            elapsed=time.monotonic() - started,
                        )
                    )
            except KeyboardInterrupt:
                # Record what is under way (it may have been paid for), then stop.
                stopping = True
                while active:
                    outcome = finished.get()
                    active -= 1
                    handle(outcome)
                raise
    return BatchResult(
        summary=state.summary(),
        sync=sync,
        requests=requests,
        rate_limited=rate_limited,
        elapsed=time.monotonic() - started,
        aborted=aborted,
    )
