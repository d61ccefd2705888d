"""How the blocking client sleeps and runs work side by side: threads.

This is one of the two hand-written halves of the sync/async split (the other is
`_async_runtime`); everything else of the sync client is generated from the async source by
`scripts/unasync.py`. The difference that matters: a blocking caller interrupted with Ctrl-C
must not wait for its worker threads to finish sleeping, so a worker's `sleep` wakes up and
gives up as soon as the call that started it is interrupted.
"""

from __future__ import annotations

import contextvars
import threading
import time
from collections.abc import Callable, Generator, Sequence
from typing import Any, TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

_local = threading.local()


class _Stopped(Exception):
    """Tells a worker thread to give up: its caller was interrupted (Ctrl-C, say)."""


def sleep(seconds: float) -> None:
    """Sleep; in a worker of `map_concurrently`, wake up at once when the caller is interrupted."""
    stop: threading.Event | None = getattr(_local, "stop", None)
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise _Stopped


def settle() -> None:
    """Nothing to finish: blocking generators are closed when they are collected."""


def map_concurrently(
    fn: Callable[[ItemT], ResultT], items: Sequence[ItemT], limit: int
) -> list[ResultT]:
    """`fn` over `items`, at most `limit` at a time (one thread each); results in order.

    If the caller is interrupted while it waits, queued items are cancelled and running ones
    stop at their next `sleep`, so the call returns at once.
    """
    if limit == 1 or len(items) <= 1:
        return [fn(item) for item in items]
    # Imported here: only callers that run work side by side pay for the thread pool module.
    from concurrent.futures import ThreadPoolExecutor

    stop = threading.Event()

    def run(item: ItemT) -> ResultT:
        _local.stop = stop
        try:
            return fn(item)
        finally:
            _local.stop = None

    pool = ThreadPoolExecutor(max_workers=min(limit, len(items)))
    try:
        # Each worker runs in a copy of the caller's context, as an asyncio task would (a raw
        # response's capture travels there).
        futures = [pool.submit(contextvars.copy_context().run, run, item) for item in items]
        results = [future.result() for future in futures]
    except BaseException:
        stop.set()
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def resolve(value: Any) -> Any:
    """What a resource method returned: the value itself (the asyncio twin awaits it)."""
    return value


def current_loop() -> object:
    """The blocking client's connections belong to no event loop: always None."""
    return None


def is_running(loop: object) -> bool:
    """No event loop owns the blocking client's connections."""
    return False


def iter_ordered(
    fn: Callable[[ItemT], ResultT], items: Sequence[ItemT], limit: int
) -> Generator[ResultT, None, None]:
    """`fn` over `items`, at most `limit` running at a time; yields each result in item order,
    as soon as it and every one before it are done.

    If a result raises, or the consumer stops early, nothing new starts and the ones already
    running are waited for (their work, paid for, is not thrown away); if the caller is
    interrupted (Ctrl-C), they are told to stop at their next `sleep`.
    """
    if limit == 1 or len(items) <= 1:
        for item in items:
            yield fn(item)
        return
    from concurrent.futures import ThreadPoolExecutor

    stop = threading.Event()

    def run(item: ItemT) -> ResultT:
        _local.stop = stop
        try:
            return fn(item)
        finally:
            _local.stop = None

    pool = ThreadPoolExecutor(max_workers=min(limit, len(items)))
    futures = [pool.submit(run, item) for item in items]
    interrupted = False
    try:
        for future in futures:
            yield future.result()
    except (KeyboardInterrupt, SystemExit):
        interrupted = True
        stop.set()
        raise
    finally:
        pool.shutdown(wait=not interrupted, cancel_futures=True)
