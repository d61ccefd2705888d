"""pytest plugin: the ``camb_sandbox`` fixture, a running sandbox per test.

    @pytest.mark.camb_sandbox(task_duration=0.05, rate_429=0.3, seed=1)
    def test_retries(camb_sandbox):
        client = make_client(base_url=camb_sandbox.url, api_key=camb_sandbox.api_key)
        ...

Importing this module is cheap and works without the ``sandbox`` extra; the server stack is
imported when the fixture is first used.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from camb.sandbox._runner import Sandbox

MARKER = "camb_sandbox"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        f"{MARKER}(config=None, **overrides): SandboxConfig fields for the camb_sandbox fixture",
    )


def _marker_arguments(request: pytest.FixtureRequest) -> tuple[Any, dict[str, Any]]:
    config: Any = None
    overrides: dict[str, Any] = {}
    # The closest marker wins field by field over those further out (module, class).
    for marker in reversed(list(request.node.iter_markers(MARKER))):
        if marker.args:
            config = marker.args[0]
        overrides.update(marker.kwargs)
    return config, overrides


@pytest.fixture
def camb_sandbox(request: pytest.FixtureRequest) -> Iterator[Sandbox]:
    """A running Camb sandbox; configure it with ``@pytest.mark.camb_sandbox(**fields)``."""
    from camb import MissingExtraError

    try:
        from camb.sandbox import running
    except MissingExtraError as exc:
        pytest.fail(f"the camb_sandbox fixture: {exc}", pytrace=False)
    config, overrides = _marker_arguments(request)
    with running(config, **overrides) as sandbox:
        yield sandbox
