"""Suite-wide hooks: a request that broke the spec on the wire fails the test that sent it.

The spec-validating transports (tests/contract/spec_transport.py) record violations instead of
raising them, because the facade may turn a transport's exception into one of its own. Whatever
was recorded by the end of a test's call (including its fixtures' setup) fails that test; what a
fixture's teardown sends fails its teardown.
"""

from __future__ import annotations

import signal
from collections.abc import Generator

import pytest

from .contract.spec_transport import describe, drain_violations

# What `make check` (the quick loop) leaves to `make test`: the built docs site and its browser,
# packaging builds, whole-process runs of the demo and the CLI, load tests, property tests over
# the whole spec, the official package in its own venv, regeneration and mypy runs.
SLOW = (
    "tests/docs/",
    "tests/packaging/",
    "tests/test_bench_smoke.py",
    "tests/test_regen_drift.py",
    "tests/test_typing.py",
    "tests/cli/test_demo.py",
    "tests/cli/test_processes.py",
    "tests/hardening/test_processes.py",
    "tests/sandbox/test_load.py",
    "tests/sandbox/test_official_sdk.py",
    "tests/contract/test_schemathesis.py",
)


def pytest_configure(config: pytest.Config) -> None:
    # A suite started in the background by a shell (`make test &`) inherits SIGINT ignored,
    # and so would every process the tests start: the tests of Ctrl-C need it delivered.
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = config.rootpath
    for item in items:
        where = item.path.relative_to(root).as_posix()
        if where.startswith(SLOW):
            item.add_marker(pytest.mark.slow)


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
