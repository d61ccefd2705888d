"""Fixtures for the hardening tests: every test runs against `Camb` and `AsyncCamb` alike."""

from __future__ import annotations

import asyncio
import inspect
import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb

from .hostile_server import HostileServer, Reply

KEY = "sk-live-HARDENING-SECRET-0123456789"
FAST = camb.BackoffPolicy(initial_delay=0.001, max_delay=0.002, jitter=0.0)
VOICES = [{"id": 1, "voice_name": "Alice"}]


class Api:
    """One client, sync or async, called the same way from either test.

    `api(lambda c: c.voices.list())` runs the call (on this Api's own event loop for the
    async client) and returns its result.
    """

    def __init__(self, kind: str, **kwargs: Any) -> None:
        self.kind = kind
        kwargs.setdefault("api_key", KEY)
        kwargs.setdefault("backoff", FAST)
        self.client: Any = camb.Camb(**kwargs) if kind == "sync" else camb.AsyncCamb(**kwargs)
        self.loop = asyncio.new_event_loop() if kind == "async" else None

    def __call__(self, fn: Callable[[Any], Any]) -> Any:
        return self.run(fn(self.client))

    def run(self, result: Any) -> Any:
        if inspect.isawaitable(result):
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    def iterate(self, make_stream: Callable[[Any], Any]) -> bytes:
        """Every chunk of a speech stream, by iterating it."""
        stream = make_stream(self.client)
        if self.kind == "sync":
            return b"".join(stream)

        async def collect() -> bytes:
            return b"".join([chunk async for chunk in stream])

        return self.run(collect())

    def close(self) -> None:
        self.run(self.client.close())
        if self.loop is not None:
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(kind: str) -> Iterator[Callable[..., Api]]:
    made: list[Api] = []

    def make(**kwargs: Any) -> Api:
        api = Api(kind, **kwargs)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer(lambda seen: Reply(404)) as running:
        yield running


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CAMB_API_KEY", "CAMB_BASE_URL"):
        monkeypatch.delenv(name, raising=False)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def try_mount(target: Path, options: str) -> bool:
    """Mount a tmpfs at `target` (root only, where the machine allows it)."""
    if os.geteuid() != 0:
        return False
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(target)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


def unmount(target: Path) -> None:
    subprocess.run(["umount", "-l", str(target)], capture_output=True, check=False)
