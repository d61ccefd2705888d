"""Raw answers: capturing the HTTP response behind a call made through `with_raw_response`.

The send loop hands every final response (after redirects and retries) to `record`; a call
made through `with_raw_response` runs under `capturing()`, whose capture keeps the last one.
The capture travels in a context variable, so calls side by side (threads that copy the
context, asyncio tasks) each fill their own, and a call made without it records nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, TypeVar

import httpx

from ._exceptions import ClientStateError

if TYPE_CHECKING:
    from ._raw_response import RawResponse

T = TypeVar("T")


class Capture:
    """The last final response of one call made through `with_raw_response`."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.response: httpx.Response | None = None
        self.started = time.perf_counter()

    def result(self, value: T) -> RawResponse[T]:
        """`value` with the response captured; the call must have sent a request."""
        if self.response is None:
            raise ClientStateError(
                f"{self.where} sent no request, so there is no HTTP response to show: "
                "call it without with_raw_response"
            )
        from datetime import timedelta

        from ._raw_response import RawResponse

        elapsed = timedelta(seconds=time.perf_counter() - self.started)
        return RawResponse(self.response, elapsed, value)


_capture: ContextVar[Capture | None] = ContextVar("camb_raw_capture", default=None)


def record(response: httpx.Response) -> httpx.Response:
    """Keep `response` as the latest of the call being captured, if any; answers it."""
    capture = _capture.get()
    if capture is not None:
        capture.response = response
    return response


@contextmanager
def capturing(where: str) -> Iterator[Capture]:
    """Capture the responses of the call `where` (e.g. "tts.create") made inside."""
    capture = Capture(where)
    token = _capture.set(capture)
    try:
        yield capture
    finally:
        _capture.reset(token)
