"""Starting and stopping a sandbox: two uvicorn servers on loopback in one background thread."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import attrs
import uvicorn
from uvicorn.config import LOGGING_CONFIG

from ._api import api_app
from ._config import SandboxConfig
from ._files import files_app
from ._live import LiveRecord
from ._protocol import protocol_class
from ._state import SandboxState
from ._stats import Server

START_TIMEOUT = 10.0
# How long a server keeps an idle keep-alive connection open (uvicorn's default is 5 s).
KEEP_ALIVE_SECONDS = 60
# uvicorn's WebSocket implementation on top of `websockets` without its deprecated legacy API
# (uvicorn 0.35 and later); older uvicorns get the legacy one.
_WS_IMPLEMENTATION = (
    "websockets-sansio" if "websockets-sansio" in uvicorn.config.WS_PROTOCOLS else "websockets"
)
STOP_TIMEOUT = 15.0


@attrs.frozen
class Sandbox:
    """A running sandbox.

    ``url`` is the API base URL (use it where you would use ``https://client.camb.ai/apis``);
    ``files_url`` is the origin of the presigned file URLs the API hands out.
    """

    url: str
    files_url: str
    api_key: str
    config: SandboxConfig
    _state: SandboxState = attrs.field(repr=False, alias="state")

    def stats(self) -> dict[str, Any]:
        """The counters also served at ``GET {url}/_sandbox/stats``::

            {
              "requests": 12,                      # API requests (all eight operations)
              "attempts": {"create_tts": 3, ...},  # per operation, dropped ones included
              "by_operation": {"get_tts_results": {"200": 3, "422": 1}, ...},  # answers
              "faults": {"429": 0, "5xx": 0, "drop": 0, "truncate": 0, "short_audio": 0},
              "file_requests": 2,                  # downloads from the files origin
              "file_requests_with_api_key": 0,     # ... that carried x-api-key (a leak)
              "file_by_status": {"200": 2},
              "connections": {"api": 3, "files": 1},       # opened so far
              "open_connections": {"api": 1, "files": 0},  # open now (not reset)
            }

        Operation names are the spec's operationIds: create_tts_stream, create_tts,
        get_tts_status, get_tts_result, get_tts_results, list_voices, list_source_languages,
        list_target_languages.
        """
        return self._state.stats.snapshot()

    def reset_stats(self) -> None:
        self._state.stats.reset()

    def live_sessions(self) -> list[LiveRecord]:
        """Every live speech session so far (``/live-tts/ws``), oldest first: each frame it
        got and sent, and how it ended (see ``camb.sandbox._live``)."""
        return list(self._state.live.sessions)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only turns Nagle off (TCP_NODELAY) on connections of
    # sockets that say they are TCP; without it every small answer waits ~40 ms for an ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host, port))
        sock.listen(1024)
        sock.setblocking(False)
    except BaseException:
        sock.close()
        raise
    return sock


def _origin(host: str, sock: socket.socket) -> str:
    port = sock.getsockname()[1]
    shown = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


class _Servers:
    """Both servers, their sockets and the thread running their event loop."""

    def __init__(self, config: SandboxConfig, host: str, port: int, files_port: int) -> None:
        self._sockets: list[socket.socket] = []
        try:
            self._sockets.append(_bind(host, port))
            self._sockets.append(_bind(host, files_port))
        except BaseException:
            self._close_sockets()
            raise
        api_sock, files_sock = self._sockets
        state = SandboxState(config, _origin(host, files_sock))
        self.sandbox = Sandbox(
            url=_origin(host, api_sock),
            files_url=state.files_url,
            api_key=config.api_key,
            config=config,
            state=state,
        )
        self._servers = [
            uvicorn.Server(self._uvicorn_config(api_app(state), state, "api")),
            uvicorn.Server(self._uvicorn_config(files_app(state), state, "files")),
        ]
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="camb-sandbox", daemon=True)

    @staticmethod
    def _uvicorn_config(app: Any, state: SandboxState, server: Server) -> uvicorn.Config:
        access_log = state.config.access_log
        return uvicorn.Config(
            app,
            http=protocol_class(
                on_open=lambda: state.stats.connection_opened(server),
                on_close=lambda: state.stats.connection_closed(server),
                access_log=access_log,
            ),
            # The files origin serves no WebSocket; the API's /live-tts/ws does.
            ws=_WS_IMPLEMENTATION if server == "api" else "none",
            lifespan="off",
            # uvicorn closes an idle keep-alive connection after 5 s; a loaded machine can leave
            # a pooled connection idle that long, and a close racing the client's reuse of it
            # is a read error no real API gateway (idle timeouts of a minute or more) shows.
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
            # Leave the process's logging alone unless access logs were asked for.
            log_config=LOGGING_CONFIG if access_log else None,
            log_level="info" if access_log else None,
        )

    def start(self) -> None:
        self._thread.start()
        if not self._ready.wait(START_TIMEOUT) or self._error is not None:
            error = self._error
            self.stop()
            raise RuntimeError("the Camb sandbox failed to start") from error

    def _run(self) -> None:
        try:
            asyncio.run(self._main())
        except BaseException as exc:  # reported by start(); nothing else can see it
            self._error = exc
        finally:
            self._ready.set()

    async def _main(self) -> None:
        self._stop = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._stopping:  # stop() came before the loop existed
            self._stop.set()
        tickers = [
            await _start_server(server, sock)
            for server, sock in zip(self._servers, self._sockets, strict=True)
        ]
        self._ready.set()
        await self._stop.wait()
        for ticker in tickers:
            ticker.cancel()
        await asyncio.gather(*(_stop_server(server) for server in self._servers))

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()

    @property
    def error(self) -> BaseException | None:
        return self._error

    def stop(self) -> None:
        self._stopping = True
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(stop.set)
        if self._thread.is_alive():
            self._thread.join(STOP_TIMEOUT)
        self._close_sockets()

    def _close_sockets(self) -> None:
        for sock in self._sockets:
            sock.close()


# uvicorn's Server.serve() polls for its exit flag every 0.1 s and pauses 0.1 s on shutdown;
# a sandbox per test makes that add up, so the servers are started and stopped here instead,
# with the same steps (startup, Date header ticks, graceful close, cancel after a grace period).
SHUTDOWN_GRACE = 1.0


async def _start_server(server: uvicorn.Server, sock: socket.socket) -> asyncio.Task[None]:
    """Start serving on ``sock``; answers the task that keeps the Date header current."""
    config = server.config
    if not config.loaded:
        config.load()
    server.lifespan = config.lifespan_class(config)
    await server.startup(sockets=[sock])
    await server.on_tick(0)  # sets the Date and Server headers
    return asyncio.ensure_future(_tick(server))


async def _tick(server: uvicorn.Server) -> None:
    while True:
        await asyncio.sleep(1.0)
        await server.on_tick(0)


async def _wait(busy: Callable[[], bool], timeout: float) -> None:
    """Wait until ``busy()`` is false, at most ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    # uvicorn has no event for "all connections closed": poll, briefly.
    while busy() and loop.time() < deadline:  # noqa: ASYNC110
        await asyncio.sleep(0.005)


async def _stop_server(server: uvicorn.Server) -> None:
    for listener in server.servers:
        listener.close()
    state = server.server_state
    for connection in list(state.connections):
        connection.shutdown()  # closes idle keep-alive connections, ends busy ones after
    await _wait(lambda: bool(state.connections or state.tasks), SHUTDOWN_GRACE)
    # What is still going (say a stream the client stopped reading) is cut off; the request
    # then sees its client gone and ends. Cancelling is the last resort.
    for connection in list(state.connections):
        connection.transport.abort()
    await _wait(lambda: bool(state.tasks), SHUTDOWN_GRACE / 2)
    stuck = list(state.tasks)
    for task in stuck:
        task.cancel()
    await asyncio.gather(*stuck, return_exceptions=True)
    await server.lifespan.shutdown()


@contextlib.contextmanager
def _started(config: SandboxConfig, host: str, port: int, files_port: int) -> Iterator[Sandbox]:
    servers = _Servers(config, host, port, files_port)
    try:
        servers.start()
        yield servers.sandbox
    finally:
        servers.stop()


@contextlib.contextmanager
def running(config: SandboxConfig | None = None, **overrides: Any) -> Iterator[Sandbox]:
    """Run a sandbox on free loopback ports for the duration of a ``with`` block.

    ``overrides`` replace fields of ``config`` (or of the default config), e.g.
    ``running(task_duration=0.05, rate_429=0.2, seed=7)``.
    """
    config = (config or SandboxConfig()).with_overrides(**overrides)
    with _started(config, "127.0.0.1", 0, 0) as sandbox:
        yield sandbox


def serve(
    config: SandboxConfig | None = None,
    host: str = "127.0.0.1",
    port: int = 8080,
    files_port: int = 0,
    ready: Callable[[Sandbox], None] | None = None,
) -> None:
    """Run a sandbox in the foreground until SIGINT or SIGTERM, then stop it and return.

    ``ready`` is called with the running sandbox once both servers accept connections.
    """
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        servers = _Servers(config or SandboxConfig(), host, port, files_port)
        try:
            servers.start()
            if ready is not None:
                ready(servers.sandbox)
            while servers.alive and not stop.wait(0.5):
                pass
        finally:
            servers.stop()
        if servers.error is not None:
            raise RuntimeError("the Camb sandbox stopped unexpectedly") from servers.error
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
