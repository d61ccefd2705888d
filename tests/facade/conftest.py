"""Fixtures for facade tests: clients over httpx.MockTransport, sync and async alike."""

from __future__ import annotations

import asyncio
import inspect
import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

import camb

from ..contract.spec_transport import AsyncSpecValidatingTransport, SpecValidatingTransport

KEY = "sk-live-SECRET-0123456789"
BASE = "https://client.camb.ai/apis"
FAST = camb.BackoffPolicy(initial_delay=0.001, max_delay=0.002, jitter=0.0)

Handler = Callable[[httpx.Request], httpx.Response]
# Captured now: tests that record the client's sleeps patch asyncio.sleep itself.
_sleep = asyncio.sleep


class Recorder:
    """Wraps a handler; keeps every request and the most requests ever in flight at once."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[httpx.Request] = []
        self._lock = threading.Lock()
        self.in_flight = 0
        self.max_in_flight = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
        return self.handler(request)

    async def async_call(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.requests.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await _sleep(0.001)
            return self.handler(request)
        finally:
            with self._lock:
                self.in_flight -= 1

    def paths(self) -> list[str]:
        return [r.url.path for r in self.requests]

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


class Api:
    """One client, sync or async, and a way to call it the same from either test.

    Its MockTransport is wrapped in a spec-validating transport: every request to the API's
    origin is held against openapi/camb-tts.yaml, and one that breaks it fails the test.
    """

    def __init__(self, mode: str, handler: Handler, **kwargs: Any) -> None:
        self.mode = mode
        self.recorder = Recorder(handler)
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("backoff", FAST)
        base = kwargs.get("base_url") or BASE
        key = kwargs["api_key"] if isinstance(kwargs["api_key"], str) else None
        if mode == "sync":
            transport = SpecValidatingTransport(
                httpx.MockTransport(self.recorder), api_base=base, api_key=key
            )
            http = httpx.Client(transport=transport)
            self.client: Any = camb.Camb(http_client=http, **kwargs)
            self.loop = None
        else:
            async_transport = AsyncSpecValidatingTransport(
                httpx.MockTransport(self.recorder.async_call), api_base=base, api_key=key
            )
            http_async = httpx.AsyncClient(transport=async_transport)
            self.client = camb.AsyncCamb(http_client=http_async, **kwargs)
            self.loop = asyncio.new_event_loop()

    def __call__(self, fn: Callable[[Any], Any]) -> Any:
        result = fn(self.client)
        if inspect.isawaitable(result):
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    @property
    def requests(self) -> list[httpx.Request]:
        return self.recorder.requests

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.client._http.aclose())
            self.loop.close()
        else:
            self.client._http.close()


@pytest.fixture(params=["sync", "async"])
def make_api(request: pytest.FixtureRequest) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(handler: Handler, **kwargs: Any) -> Api:
        api = Api(request.param, handler, **kwargs)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


def json_response(status: int, body: Any, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.fixture(autouse=True)
def _no_env_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMB_API_KEY", raising=False)
    monkeypatch.delenv("CAMB_BASE_URL", raising=False)
