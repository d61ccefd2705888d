"""`camb.RawResponse`: a call's value with the HTTP response it came from.

Imported on first use (by `with_raw_response`): a client that never asks for raw answers does
not pay for it at start-up.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Generic, TypeVar

import attrs
import httpx

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
