"""How the blocking client sleeps and runs work side by side: threads.

This is one of the two hand-written halves of the sync/async split (the other is
`_async_runtime`); everything else of the sync client is generated from the async source by
`scripts/unasync.py`. The difference that matters: a blocking caller interrupted with Ctrl-C
must not wait for its worker threads to finish sleeping, so a worker's `sleep` wakes up and
gives up as soon as the call that started it is interrupted.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from concurrent.futures import Future
from typing import Any, TypeVar

ItemT = TypeVar("ItemT")
ResultT = TypeVar("ResultT")

_local = threading.local()


class _Stopped(Exception):
    """Tells a worker thread to give up: its caller was interrupted (Ctrl-C, say)."""


# What a sleep raises when its caller asked the work to stop (the batch runner catches it).
Stopped = _Stopped


@contextlib.contextmanager
def sleeps_stopped_by(stop: threading.Event) -> Iterator[None]:
    """In this thread, every `sleep` (a retry's back-off, say) wakes up and raises `Stopped`
    once `stop` is set: a batch told to stop does not wait out its workers' back-offs."""
    previous = getattr(_local, "stop", None)
    _local.stop = stop
    try:
        yield
    finally:
        _local.stop = previous


def sleep(seconds: float) -> None:
    """Sleep; in a `WorkerPool`'s worker, wake up and give up at once when the pool stops."""
    stop: threading.Event | None = getattr(_local, "stop", None)
    if stop is None:
        time.sleep(seconds)
    elif stop.wait(seconds):
        raise _Stopped


class WorkerPool:
    """Threads that run work side by side for one blocking call: the one way the blocking client
    starts worker threads.

    Each piece of work runs in a copy of the submitting thread's context, as an asyncio task
    would (a raw response's capture and the caller's logging context travel there), and sees
    this pool's stop flag, so that `sleep` in a worker gives up once `stop()` is called. Use it
    as a context manager: leaving normally waits for the work; leaving by an exception cancels
    what has not started and, for an interrupt (Ctrl-C, SystemExit), stops the running work at
    its next `sleep` without waiting for it.
    """

    def __init__(self, workers: int, *, name: str = "camb") -> None:
        # Imported here: only callers that run work side by side pay for the module.
        from concurrent.futures import ThreadPoolExecutor

        self._executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name)
        self._stop = threading.Event()

    def submit(self, fn: Callable[..., ResultT], /, *args: Any) -> Future[ResultT]:
        """Run `fn(*args)` on a worker, in a copy of the caller's context."""
        return self._executor.submit(contextvars.copy_context().run, self._run, fn, *args)

    def _run(self, fn: Callable[..., ResultT], *args: Any) -> ResultT:
        _local.stop = self._stop
        try:
            return fn(*args)
        finally:
            _local.stop = None

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()

    def shutdown(self, *, wait: bool = True, cancel_futures: bool = False) -> None:
        """As `ThreadPoolExecutor.shutdown`: for callers that manage the ending themselves."""
        self._executor.shutdown(wait=wait, cancel_futures=cancel_futures)

    def stop(self) -> None:
        """Tell running work to give up at its next `sleep`; cancel work not yet started."""
        self._stop.set()
        self._executor.shutdown(wait=False, cancel_futures=True)

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, *rest: object) -> None:
        if self._stop.is_set():
            return  # stopped: the work was told to give up, not waited for
        if kind is None:
            self._executor.shutdown()
        elif issubclass(kind, (KeyboardInterrupt, SystemExit)):
            self.stop()
        else:
            # Work already running was paid for: wait for it, start nothing new.
            self._executor.shutdown(wait=True, cancel_futures=True)


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
    with WorkerPool(min(limit, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            return [future.result() for future in futures]
        except BaseException:
            pool.stop()
            raise


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
    with WorkerPool(min(limit, len(items))) as pool:
        futures = [pool.submit(fn, item) for item in items]
        for future in futures:
            yield future.result()
