"""Answers: JSON, errors, streamed audio (possibly cut short) and dropped connections."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, Iterator, Mapping
from typing import Any

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from ._audio import AudioStream
from ._protocol import scope_transport
from ._validation import ErrorItem

# How long a cut or dropped connection may take to close before it is aborted.
CLOSE_TIMEOUT = 5.0


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    body = json.dumps(payload, ensure_ascii=True, separators=(",", ":")).encode()
    return Response(body, status_code=status, headers=headers, media_type="application/json")


def detail_response(
    status: int, message: str, headers: Mapping[str, str] | None = None
) -> Response:
    return json_response(status, {"detail": message}, headers)


def validation_response(errors: list[ErrorItem]) -> Response:
    return json_response(422, {"detail": errors})


_PROXY_PAGE = """<html>
<head><title>{status} {phrase}</title></head>
<body>
<center><h1>{status} {phrase}</h1></center>
<hr><center>nginx</center>
</body>
</html>
"""
_PHRASES = {500: "Internal Server Error", 503: "Service Temporarily Unavailable"}


def server_error_response(status: int, html: bool) -> Response:
    """A 500 or 503 as the app (JSON) or a proxy in front of it (HTML) would send it."""
    phrase = _PHRASES.get(status, "Server Error")
    if html:
        page = _PROXY_PAGE.format(status=status, phrase=phrase)
        return Response(page, status_code=status, media_type="text/html")
    return detail_response(status, phrase)


async def _wait_disconnect(receive: Receive) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return


async def _close(transport: asyncio.BaseTransport, disconnected: asyncio.Future[None]) -> None:
    """Close the connection (after what was written) and wait until the server saw it go."""
    transport.close()
    try:
        await asyncio.wait_for(asyncio.shield(disconnected), CLOSE_TIMEOUT)
    except asyncio.TimeoutError:
        if isinstance(transport, asyncio.WriteTransport):
            transport.abort()


class DropConnection(Response):
    """No answer at all: the connection is closed before any response byte."""

    def __init__(self) -> None:
        super().__init__(status_code=500)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        transport = scope_transport(scope)
        if transport is None:
            # Not on the sandbox's own protocol: promise a body, then stop (the server closes).
            headers = [(b"content-length", b"1"), (b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            return
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            await _close(transport, disconnected)
        finally:
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disconnected


def _next_chunk(chunks: Iterator[bytes | memoryview]) -> bytes | memoryview | None:
    return next(chunks, None)


class AudioResponse(Response):
    """A streamed audio body.

    ``announce_length``: send a Content-Length (when the length is known) instead of chunked
    transfer. ``truncate``: announce a Content-Length, send part of the body, close the
    connection.
    """

    def __init__(
        self,
        audio: AudioStream,
        *,
        headers: Mapping[str, str] | None = None,
        announce_length: bool = False,
        truncate: bool = False,
    ) -> None:
        self.status_code = 200
        self.media_type = audio.media_type
        self.background = None
        self.audio = audio
        self.truncate = truncate
        self.init_headers(headers or {})
        if announce_length and audio.length is not None and not truncate:
            self.raw_headers.append((b"content-length", str(audio.length).encode()))

    async def _chunks(self) -> AsyncGenerator[bytes | memoryview, None]:
        chunks = self.audio.chunks
        loop = asyncio.get_running_loop()
        while True:
            if self.audio.blocking:
                chunk = await loop.run_in_executor(None, _next_chunk, chunks)
            else:
                chunk = _next_chunk(chunks)
            if chunk is None:
                return
            yield chunk

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.truncate:
            await self._send_truncated(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if scope.get("method") == "HEAD":
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        chunks = self._chunks()
        try:
            async for chunk in chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                # Let the loop run: a send to a lost connection returns at once, and only the
                # loop tells us that the client went away.
                await asyncio.sleep(0)
                if disconnected.done():
                    return  # stop producing
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            await chunks.aclose()
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disconnected

    async def _send_truncated(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks = self._chunks()
        if self.audio.length is not None:
            announced = self.audio.length
            cut = announced // 2
            first: list[bytes | memoryview] = []
        else:
            # Unknown length: send the first chunk and promise twice as much.
            chunk = await anext(chunks, b"")
            first = [chunk]
            cut = len(chunk)
            announced = max(2 * cut, cut + 1)
        headers = [*self.raw_headers, (b"content-length", str(announced).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        disconnected = asyncio.ensure_future(_wait_disconnect(receive))
        try:
            sent = 0
            for chunk in first:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
                sent += len(chunk)
            if sent < cut:
                async for chunk in chunks:
                    piece = chunk[: cut - sent]
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                    sent += len(piece)
                    await asyncio.sleep(0)
                    if sent >= cut or disconnected.done():
                        break
            transport = scope_transport(scope)
            if transport is not None:
                await _close(transport, disconnected)
            # else: returning without finishing the body makes the server close the connection
        finally:
            await chunks.aclose()
            disconnected.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await disconnected
