"""Clients for the contract tests, over the sandbox or a MockTransport, always spec-validated."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import camb

from .spec_transport import AsyncSpecValidatingTransport, SpecValidatingTransport

MOCK_BASE = "https://client.camb.ai/apis"
MOCK_KEY = "sk-live-MockKeyDoNotLeak0123"
# Retries after 2-20 ms instead of 0.5-8 s: the fault tests retry hundreds of times.
FAST = camb.BackoffPolicy(initial_delay=0.002, max_delay=0.02, jitter=0.5)
NO_WAIT = camb.BackoffPolicy(initial_delay=0.0001, max_delay=0.0001, jitter=0.0)

Handler = Callable[[httpx.Request], httpx.Response]


def sandbox_client(sandbox: Any, *, api_key: str | None = None, **kwargs: Any) -> camb.Camb:
    """A `Camb` on the sandbox whose every API request is held against the spec."""
    key = api_key if api_key is not None else sandbox.api_key
    transport = SpecValidatingTransport(httpx.HTTPTransport(), api_base=sandbox.url, api_key=key)
    http = httpx.Client(transport=transport, follow_redirects=False)
    kwargs.setdefault("backoff", FAST)
    return camb.Camb(api_key=key, base_url=sandbox.url, http_client=http, **kwargs)


def async_sandbox_client(
    sandbox: Any, *, api_key: str | None = None, **kwargs: Any
) -> camb.AsyncCamb:
    key = api_key if api_key is not None else sandbox.api_key
    transport = AsyncSpecValidatingTransport(
        httpx.AsyncHTTPTransport(), api_base=sandbox.url, api_key=key
    )
    http = httpx.AsyncClient(transport=transport, follow_redirects=False)
    kwargs.setdefault("backoff", FAST)
    return camb.AsyncCamb(api_key=key, base_url=sandbox.url, http_client=http, **kwargs)


def close_sync(client: camb.Camb) -> None:
    client._http.close()


async def close_async(client: camb.AsyncCamb) -> None:
    await client._http.aclose()


class Mocked:
    """A sync or async client over a MockTransport (spec-validated), and the requests it sent."""

    def __init__(self, mode: str, handler: Handler, **kwargs: Any) -> None:
        self.mode = mode
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()
        kwargs.setdefault("api_key", MOCK_KEY)
        kwargs.setdefault("backoff", NO_WAIT)
        base = kwargs.get("base_url") or MOCK_BASE
        if mode == "sync":
            self.transport: Any = SpecValidatingTransport(
                httpx.MockTransport(self._record), api_base=base, api_key=kwargs["api_key"]
            )
            self.client: Any = camb.Camb(
                http_client=httpx.Client(transport=self.transport), **kwargs
            )
        else:
            self.transport = AsyncSpecValidatingTransport(
                httpx.MockTransport(self._record_async), api_base=base, api_key=kwargs["api_key"]
            )
            self.client = camb.AsyncCamb(
                http_client=httpx.AsyncClient(transport=self.transport), **kwargs
            )

    def _record(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        return self.handler(request)

    async def _record_async(self, request: httpx.Request) -> httpx.Response:
        return self._record(request)

    def run(self, fn: Callable[[Any], Any]) -> Any:
        """`fn(client)`, awaited on a fresh event loop when the client is async."""
        result = fn(self.client)
        if asyncio.iscoroutine(result):
            return asyncio.run(result)
        return result

    def close(self) -> None:
        if self.mode == "sync":
            self.client._http.close()
        else:
            asyncio.run(self.client._http.aclose())


@pytest.fixture
def mocked() -> Iterator[Callable[..., Mocked]]:
    made: list[Mocked] = []

    def make(mode: str, handler: Handler, **kwargs: Any) -> Mocked:
        made.append(Mocked(mode, handler, **kwargs))
        return made[-1]

    yield make
    for one in made:
        one.close()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMB_API_KEY", raising=False)
    monkeypatch.delenv("CAMB_BASE_URL", raising=False)
