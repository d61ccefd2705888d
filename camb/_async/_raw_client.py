"""`client.with_raw_response`: every method of every resource, answering a `camb.RawResponse`.

Resolved by name when used (`client.with_raw_response.tts.create`), so a method added to a
resource has its raw form at once. The method runs as it always does; the send loop records
each final response in the capture that `_raw.capturing` sets around the call.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .. import _async_runtime, _raw
from .._raw_response import RawResponse
from ._streaming import AsyncSpeechStream

if TYPE_CHECKING:
    from ._client import AsyncCamb

# What a raw method answers (a plain name, so that the blocking twin reads `AnyRawResponse`).
AnyRawResponse = RawResponse[Any]


class AsyncRawResponseClient:
    """The client's resources (`tts`, `voices`, `languages`, ...) whose methods answer a
    `camb.RawResponse`: the value with the HTTP response it came from."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    def __getattr__(self, name: str) -> AsyncRawResponseResource:
        if name.startswith("_") or name not in self._resources():
            raise AttributeError(f"the client has no resource {name!r}")
        return AsyncRawResponseResource(getattr(self._client, name), name)

    def _resources(self) -> list[str]:
        """The client's resources: its public attributes and properties whose value belongs
        to it (`tts`, ...), this view itself aside."""
        client = self._client
        cls = type(client)
        names = {name for name in vars(client) if not name.startswith("_")}
        names.update(
            name
            for name in dir(cls)
            if not name.startswith("_") and isinstance(getattr(cls, name, None), property)
        )
        names.discard("with_raw_response")
        return sorted(
            name for name in names if getattr(getattr(client, name), "_client", None) is client
        )

    def __dir__(self) -> list[str]:
        return self._resources()

    def __repr__(self) -> str:
        return f"<with_raw_response of {self._client!r}>"


class AsyncRawResponseResource:
    """One resource whose methods answer a `camb.RawResponse`."""

    def __init__(self, resource: object, name: str) -> None:
        self._resource = resource
        self._name = name

    def __getattr__(self, name: str) -> Callable[..., Awaitable[AnyRawResponse]]:
        if name.startswith("_"):
            raise AttributeError(name)
        method = getattr(self._resource, name, None)
        if method is None or not callable(method):
            raise AttributeError(f"{self._name} has no method {name!r}")
        where = f"{self._name}.{name}"

        @functools.wraps(method)
        async def call(*args: Any, **kwargs: Any) -> AnyRawResponse:
            with _raw.capturing(where) as capture:
                value = await _async_runtime.resolve(method(*args, **kwargs))
                if isinstance(value, AsyncSpeechStream):
                    # Its request goes out when it is opened: the raw answer is that response.
                    await value.open()
            return capture.result(value)

        return call

    def __dir__(self) -> list[str]:
        return [name for name in dir(self._resource) if not name.startswith("_")]

    def __repr__(self) -> str:
        return f"<with_raw_response.{self._name}>"
