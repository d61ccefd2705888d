"""The WebSocket under a live session, asyncio (`AsyncLiveSocket`) and blocking (`LiveSocket`),
with one interface: the only places where the two clients differ.

Built on `websockets` (the `live` extra): it has an asyncio and a blocking client with the same
interface, keeps a bounded queue of received frames (`max_queue`: when the caller reads slowly,
it stops reading the socket and TCP pushes back on the server), and limits frame sizes. Its
errors become the three plain exceptions below, which the session turns into `LiveError`s.

`AsyncLiveSocket` is the asyncio twin; `scripts/unasync.py` turns every `AsyncLiveSocket` of
`camb/_async/_live.py` into `LiveSocket` for the blocking client.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Any

from .._constants import API_KEY_HEADER
from .._exceptions import InvalidInputTypeError, MissingExtraError

EXTRA = "live"
# Received frames kept while the caller is busy: 16 frames of at most 64 KiB each, then the
# socket is not read any more until the caller catches up.
MAX_QUEUE = 16
# The biggest frame accepted: audio frames are at most 64 KiB, JSON frames (a segment's
# word timestamps) may be larger.
MAX_FRAME = 4 * 1024 * 1024


class SocketClosed(Exception):
    """The connection ended: `code` is the close code (None if it dropped without one)."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(code, reason)
        self.code = code
        self.reason = reason


class SocketTimeout(Exception):
    """Opening the connection or waiting for a frame took too long."""


class SocketFailed(Exception):
    """The connection could not be opened (refused, not a WebSocket, an HTTP error)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _websockets(module: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise MissingExtraError("live speech (client.tts.live)", EXTRA, "websockets") from error


def require() -> None:
    """Raise MissingExtraError now (before anything is sent) if `websockets` is missing."""
    _websockets("websockets")


def _closed(error: Any) -> SocketClosed:
    received = getattr(error, "rcvd", None)
    if received is None:
        return SocketClosed(None, "")
    return SocketClosed(int(received.code), str(received.reason or ""))


# What a timeout raises: on Python 3.10 asyncio's TimeoutError is its own class (3.11 made it
# the builtin one), and `asyncio.wait_for` and websockets' asyncio client raise it.
TIMEOUTS: tuple[type[BaseException], ...] = (TimeoutError, asyncio.TimeoutError)


def _open_failed(error: BaseException, exceptions: Any) -> Exception:
    if isinstance(error, TIMEOUTS):
        return SocketTimeout("opening the connection timed out")
    if isinstance(error, exceptions.InvalidStatus):
        status = int(error.response.status_code)
        return SocketFailed(f"the server refused the WebSocket with HTTP {status}", status)
    if isinstance(error, exceptions.InvalidURI):
        return SocketFailed("the live speech URL is not a WebSocket URL")
    name = type(error).__name__
    return SocketFailed(f"cannot open the connection ({name}: {error})")


class _RedactingLogger(logging.LoggerAdapter):  # type: ignore[type-arg]
    """The logger handed to `websockets`: it logs the handshake's headers at DEBUG, so the key
    is replaced before anything reaches a handler. Under `camb.live` (CAMB_LOG=debug)."""

    def __init__(self, secret: str) -> None:
        super().__init__(logging.getLogger("camb.live"), {})
        self._secret = secret

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg) % args if args else str(msg)
        if self._secret:
            text = text.replace(self._secret, "[redacted]")
        self.logger.log(level, "%s", text, **kwargs)


def _logger(headers: dict[str, str]) -> _RedactingLogger:
    return _RedactingLogger(headers.get(API_KEY_HEADER, ""))


def _check_chunk(chunk: object) -> str:
    if not isinstance(chunk, str):
        raise InvalidInputTypeError("text", "must yield str chunks", chunk)
    return chunk


class AsyncLiveSocket:
    """A WebSocket connection of the asyncio client."""

    def __init__(self, connection: Any, exceptions: Any) -> None:
        self._connection = connection
        self._exceptions = exceptions

    @classmethod
    async def open(
        cls, url: str, headers: dict[str, str], *, open_timeout: float | None
    ) -> AsyncLiveSocket:
        client = _websockets("websockets.asyncio.client")
        exceptions = _websockets("websockets.exceptions")
        try:
            connection = await _without_redirects(client.connect)(
                url,
                additional_headers=headers,
                open_timeout=open_timeout,
                max_size=MAX_FRAME,
                max_queue=MAX_QUEUE,
                compression=None,
                logger=_logger(headers),
            )
        except (OSError, *TIMEOUTS, exceptions.WebSocketException) as error:
            raise _open_failed(error, exceptions) from error
        return cls(connection, exceptions)

    async def send(self, text: str) -> None:
        try:
            await self._connection.send(text)
        except self._exceptions.ConnectionClosed as error:
            raise _closed(error) from error

    async def receive(self, timeout: float | None) -> str | bytes:
        try:
            frame = await asyncio.wait_for(self._connection.recv(), timeout)
        except TIMEOUTS:
            raise SocketTimeout("no frame arrived in time") from None
        except self._exceptions.ConnectionClosed as error:
            raise _closed(error) from error
        return frame  # type: ignore[no-any-return]

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self._connection.close()

    def abort(self) -> None:
        """Cut the connection at once (a cancelled session): nothing more is read or sent."""
        transport = getattr(self._connection, "transport", None)
        if transport is not None:
            transport.abort()

    @staticmethod
    async def text_chunks(
        chunks: str | Iterable[str] | AsyncIterable[str],
    ) -> AsyncIterator[str]:
        """Each chunk of `chunks`: one str, or an iterable or async iterable of str."""
        if isinstance(chunks, str):
            yield chunks
        elif isinstance(chunks, AsyncIterable):
            async for chunk in chunks:
                yield _check_chunk(chunk)
        elif isinstance(chunks, Iterable):
            for chunk in chunks:
                yield _check_chunk(chunk)
        else:
            raise InvalidInputTypeError("text", "must be a str or an iterable of str", chunks)

    @staticmethod
    def start(work: Callable[[], Awaitable[None]]) -> AsyncBackground:
        return AsyncBackground(work)


class AsyncBackground:
    """Work running beside the caller (feeding text): an asyncio task."""

    def __init__(self, work: Callable[[], Awaitable[None]]) -> None:
        self._task = asyncio.ensure_future(work())

    def failure(self) -> BaseException | None:
        """What the work raised, once it has (None while it runs or when it ended well)."""
        if not self._task.done() or self._task.cancelled():
            return None
        return self._task.exception()

    async def stop(self) -> None:
        self._task.cancel()
        with contextlib.suppress(BaseException):
            await self._task


def _without_redirects(connecter: Any) -> Any:
    """`connecter` (websockets' connect or reconnect class) that follows no redirect: it
    would take the x-api-key header along to wherever the redirect points."""

    class NoRedirects(connecter):  # type: ignore[misc]
        def process_redirect(self, exc: Exception) -> Exception:
            return exc

    return NoRedirects


class LiveSocket:
    """A WebSocket connection of the blocking client."""

    def __init__(self, connection: Any, exceptions: Any) -> None:
        self._connection = connection
        self._exceptions = exceptions

    @classmethod
    def open(cls, url: str, headers: dict[str, str], *, open_timeout: float | None) -> LiveSocket:
        client = _websockets("websockets.sync.client")
        exceptions = _websockets("websockets.exceptions")
        arguments: dict[str, Any] = {
            "additional_headers": headers,
            "open_timeout": open_timeout,
            "max_size": MAX_FRAME,
            "max_queue": MAX_QUEUE,
            "compression": None,
            "logger": _logger(headers),
        }
        try:
            if hasattr(client, "reconnect"):
                # websockets 17: connect() goes through reconnect, which follows redirects.
                connection = _without_redirects(client.reconnect)(url, **arguments).connect()
                connection.pending_legacy_warning = False
            else:
                connection = client.connect(url, **arguments)
        except (OSError, *TIMEOUTS, exceptions.WebSocketException) as error:
            raise _open_failed(error, exceptions) from error
        return cls(connection, exceptions)

    def send(self, text: str) -> None:
        try:
            self._connection.send(text)
        except self._exceptions.ConnectionClosed as error:
            raise _closed(error) from error

    def receive(self, timeout: float | None) -> str | bytes:
        try:
            frame = self._connection.recv(timeout)
        except TimeoutError:
            raise SocketTimeout("no frame arrived in time") from None
        except self._exceptions.ConnectionClosed as error:
            raise _closed(error) from error
        return frame  # type: ignore[no-any-return]

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._connection.close()

    def abort(self) -> None:
        socket = getattr(self._connection, "socket", None)
        if socket is not None:
            import socket as socket_module

            with contextlib.suppress(OSError):
                socket.shutdown(socket_module.SHUT_RDWR)

    @staticmethod
    def text_chunks(chunks: str | Iterable[str]) -> Iterator[str]:
        if isinstance(chunks, str):
            yield chunks
        elif isinstance(chunks, Iterable):
            for chunk in chunks:
                yield _check_chunk(chunk)
        else:
            raise InvalidInputTypeError("text", "must be a str or an iterable of str", chunks)

    @staticmethod
    def start(work: Callable[[], None]) -> Background:
        return Background(work)


class Background:
    """Work running beside the caller (feeding text): a daemon thread. `stop()` cannot
    interrupt the thread; the work checks the session's state before each send."""

    def __init__(self, work: Callable[[], None]) -> None:
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, args=(work,), daemon=True)
        self._thread.start()

    def _run(self, work: Callable[[], None]) -> None:
        try:
            work()
        except BaseException as error:
            self._error = error

    def failure(self) -> BaseException | None:
        return None if self._thread.is_alive() else self._error

    def stop(self) -> None:
        self._thread.join(0.0)
