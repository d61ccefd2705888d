"""Stopping a batch run cleanly: Ctrl-C, SIGTERM, or a cancelled coroutine.

A run told to stop starts no new request, waits for the ones under way (they may have been
paid for) and records each, and leaves every item it never sent pending. The request to stop
is a flag the runner checks between its steps, never an exception raised in the middle of its
bookkeeping: an exception there could fall between recording an item as in flight and sending
it, or between taking a finished request off the queue and recording it, which left items in
flight (paid again by the next run) or had the runner wait for requests that had already
ended.

`signals_stop_run` turns SIGINT and SIGTERM into such a request while a blocking run holds the
main thread (SIGTERM is what `docker stop` and Kubernetes send first, and deserves the same
care as Ctrl-C). A second signal raises KeyboardInterrupt at once, for someone who does not
want to wait. The previous handlers are put back afterwards.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

__all__ = ["StopRequest", "signals_stop_run"]


class StopRequest:
    """A thread-safe "stop starting requests" flag that also wakes the runner up."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signal: int | None = None
        self._wakers: list[Callable[[], None]] = []

    @property
    def requested(self) -> bool:
        return self.event.is_set()

    def add_waker(self, wake: Callable[[], None]) -> None:
        """`wake` is called on every request (it must be safe in a signal handler)."""
        self._wakers.append(wake)
        if self.requested:
            wake()

    def request(self, signum: int | None = None) -> None:
        if self.signal is None:
            self.signal = signum
        self.event.set()
        for wake in list(self._wakers):
            wake()


# Handlers that a run may replace for its duration: Python's own, or none at all. A handler
# the program installed itself is left alone (it decides what a signal means).
def _replaceable(signum: int, handler: Any) -> bool:
    if handler in (signal.SIG_DFL, signal.default_int_handler):
        return True
    return signum == signal.SIGINT and handler is None


@contextlib.contextmanager
def signals_stop_run(stop: StopRequest) -> Iterator[None]:
    """On the main thread, SIGINT and SIGTERM ask `stop` while the block runs."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_signal(signum: int, frame: FrameType | None) -> None:
        if stop.requested:
            raise KeyboardInterrupt  # a second signal: stop waiting
        stop.request(signum)

    previous: dict[int, Any] = {}
    try:
        for signum in (signal.SIGINT, getattr(signal, "SIGTERM", None)):
            if signum is None:
                continue
            current = signal.getsignal(signum)
            if _replaceable(signum, current):
                previous[signum] = signal.signal(signum, on_signal)
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
