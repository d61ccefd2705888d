"""Shared fixtures of the sandbox tests."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from camb.sandbox import Sandbox, running


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    """One fault-free sandbox shared by a test module."""
    with running(task_duration=0.05) as sb:
        yield sb


@pytest.fixture
def client(sandbox: Sandbox) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=sandbox.url, headers={"x-api-key": sandbox.api_key}, timeout=10
    ) as c:
        yield c
