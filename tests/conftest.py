"""Suite-wide hooks: a request that broke the spec on the wire fails the test that sent it.

The spec-validating transports (tests/contract/spec_transport.py) record violations instead of
raising them, because the facade may turn a transport's exception into one of its own. Whatever
was recorded by the end of a test's call (including its fixtures' setup) fails that test; what a
fixture's teardown sends fails its teardown.
"""

from __future__ import annotations

from collections.abc import Generator

import pytest

from .contract.spec_transport import describe, drain_violations


def _fail_on_violations() -> None:
    found = drain_violations()
    if found:
        pytest.fail(describe(found), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    try:
        return (yield)
    finally:
        _fail_on_violations()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(
    item: pytest.Item, nextitem: pytest.Item | None
) -> Generator[None, object, object]:
    try:
        return (yield)
    finally:
        _fail_on_violations()
