from __future__ import annotations

from collections.abc import Iterator

import pytest

import camb
from camb.sandbox import Sandbox, running


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(latency=0.002) as started:
        yield started


@pytest.fixture(scope="module")
def voice(sandbox: Sandbox) -> int:
    with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        return int(client.voices.list()[0].id)


@pytest.fixture(autouse=True)
def _no_cache_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMB_CACHE", raising=False)
    monkeypatch.delenv("CAMB_CACHE_MODE", raising=False)
