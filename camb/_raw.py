"""Raw answers: `camb.RawResponse`, and capturing the HTTP response behind a call made
through `with_raw_response`.

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
from datetime import timedelta
from typing import Generic, TypeVar

import attrs
import httpx

from ._exceptions import ClientStateError

T = TypeVar("T")


@attrs.frozen
class RawResponse(Generic[T]):
    """A call's value with the HTTP response it came from (`client.with_raw_response`).

    `http_response` is the last response the call received (its body already read or closed;
    for `tts.stream()`, the open stream's response). A call that sends several requests
    (`wait`, `wait_many`, `results`, `create` with a locale) answers with its last one.
    `elapsed` is the whole call's duration, retries and waits included (for `tts.stream()`,
    until the answer's headers arrived). `parse()` gives the value the plain method returns.
    """

    http_response: httpx.Response
    elapsed: timedelta
    _value: T = attrs.field(repr=False)

    @property
    def status_code(self) -> int:
        """The HTTP status code of `http_response`."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        """The headers of `http_response` (e.g. `X-Credits-Required`)."""
        return self.http_response.headers

    def parse(self) -> T:
        """The value the plain method returns."""
        return self._value


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
