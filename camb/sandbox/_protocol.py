"""uvicorn's h11 protocol, letting the app reach its connection (to drop or cut it short)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

# Key of the connection's transport in each request's ``scope["state"]``.
TRANSPORT_KEY = "camb_sandbox.transport"


def protocol_class(
    *, on_open: Callable[[], None], on_close: Callable[[], None], access_log: bool
) -> type[H11Protocol]:
    """An ``H11Protocol`` that puts its transport into every request's scope state, calls
    ``on_open`` and ``on_close`` as connections come and go, and logs requests only if
    ``access_log``."""

    class SandboxH11Protocol(H11Protocol):
        def __init__(
            self,
            config: Config,
            server_state: ServerState,
            app_state: dict[str, Any],
            _loop: asyncio.AbstractEventLoop | None = None,
        ) -> None:
            super().__init__(config, server_state, app_state, _loop)
            self.access_log = access_log and self.access_log

        def connection_made(  # type: ignore[override]
            self, transport: asyncio.Transport
        ) -> None:
            super().connection_made(transport)
            # uvicorn copies app_state into each request's scope["state"].
            self.app_state = {**self.app_state, TRANSPORT_KEY: transport}
            on_open()

        def connection_lost(self, exc: Exception | None) -> None:
            super().connection_lost(exc)
            on_close()

    return SandboxH11Protocol


def scope_transport(scope: Mapping[str, Any]) -> asyncio.BaseTransport | None:
    """The transport of the request's connection, when served by ``protocol_class``."""
    state = scope.get("state")
    if not isinstance(state, Mapping):
        return None
    transport = state.get(TRANSPORT_KEY)
    return transport if isinstance(transport, asyncio.BaseTransport) else None
