"""A hostile HTTP/1.1 server on loopback, for the hardening tests.

It answers each request with whatever `Reply` its handler returns: a body trickled a byte at a
time, a huge or gzip-bombed body, broken gzip, a 2xx page that is not audio, a long
Retry-After, a redirect, a Set-Cookie, a dropped connection. It keeps connections alive, so a
test can see which connection (and which client port) each request came over, and records
every request with its headers. Raw sockets, one thread per connection: nothing here trusts
or helps the client.
"""

from __future__ import annotations

import contextlib
import gzip
import itertools
import json
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Seen:
    """One request as the server received it."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    connection_id: int
    client_port: int
    # time.monotonic() when the request had fully arrived.
    at: float = field(default_factory=time.monotonic)

    @property
    def path(self) -> str:
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> str:
        return self.target.split("?", 1)[1] if "?" in self.target else ""


@dataclass
class Reply:
    """What to answer. The body goes out as `body`, or in `chunk_size` pieces with
    `chunk_delay` seconds before each; `drop=True` closes the connection without answering,
    `cut_after` closes it after that many body bytes (Content-Length announcing them all)."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    chunk_size: int | None = None
    chunk_delay: float = 0.0
    delay: float = 0.0
    drop: bool = False
    cut_after: int | None = None
    close: bool = False


Handler = Callable[[Seen], Reply]

REASONS = {
    200: "OK",
    301: "Moved Permanently",
    302: "Found",
    303: "See Other",
    307: "Temporary Redirect",
    400: "Bad Request",
    404: "Not Found",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


class HostileServer:
    """`with HostileServer(handler) as server:` serves on `server.url` until the block ends."""

    def __init__(self, handler: Handler | None = None, *, host: str = "127.0.0.1") -> None:
        self.handler: Handler = handler or (lambda seen: Reply(404))
        self.host = host
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._listener = socket.socket(family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        # accept() wakes up now and then to notice `stop()`.
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self.seen: list[Seen] = []
        # Every byte each connection sent, to look for a key anywhere in it.
        self.raw: list[bytes] = []
        self._connection_ids = itertools.count(1)
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._sockets: list[socket.socket] = []

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def __enter__(self) -> HostileServer:
        thread = threading.Thread(target=self._accept, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stopping.set()
        self._threads[0].join(timeout=5)
        self._listener.close()
        with self._lock:
            sockets = list(self._sockets)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        for thread in self._threads:
            thread.join(timeout=5)

    def requests_to(self, path: str) -> list[Seen]:
        return [seen for seen in self.seen if seen.path == path]

    # --- serving ----------------------------------------------------------------------------

    def _accept(self) -> None:
        while not self._stopping.is_set():
            try:
                sock, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            sock.settimeout(None)
            with self._lock:
                self._sockets.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock,), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket) -> None:
        connection_id = next(self._connection_ids)
        client_port = sock.getpeername()[1]
        raw = bytearray()
        with self._lock:
            self.raw.append(b"")
            raw_index = len(self.raw) - 1
        buffer = b""
        try:
            while not self._stopping.is_set():
                while b"\r\n\r\n" not in buffer:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                    raw += data
                    self.raw[raw_index] = bytes(raw)
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = lines[0].split(" ", 2)
                headers: dict[str, str] = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                length = int(headers.get("content-length", "0"))
                while len(buffer) < length:
                    data = sock.recv(65536)
                    if not data:
                        return
                    buffer += data
                    raw += data
                    self.raw[raw_index] = bytes(raw)
                body, buffer = buffer[:length], buffer[length:]
                seen = Seen(method, target, headers, body, connection_id, client_port)
                with self._lock:
                    self.seen.append(seen)
                reply = self.handler(seen)
                if not self._answer(sock, reply):
                    return
        except OSError:
            return
        finally:
            with contextlib.suppress(OSError):
                sock.close()

    def _answer(self, sock: socket.socket, reply: Reply) -> bool:
        """Send `reply`; False when the connection is to be (or was) closed."""
        if reply.delay and self._stopping.wait(reply.delay):
            return False
        if reply.drop:
            return False
        names = {name.lower() for name, _ in reply.headers}
        lines = [f"HTTP/1.1 {reply.status} {REASONS.get(reply.status, 'Whatever')}"]
        lines += [f"{name}: {value}" for name, value in reply.headers]
        if "content-length" not in names:
            lines.append(f"Content-Length: {len(reply.body)}")
        if reply.close:
            lines.append("Connection: close")
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        body = memoryview(reply.body)
        if reply.cut_after is not None:
            body = body[: reply.cut_after]
        size = reply.chunk_size or max(len(body), 1)
        for start in range(0, len(body), size):
            if reply.chunk_delay and self._stopping.wait(reply.chunk_delay):
                return False
            sock.sendall(body[start : start + size])
        return reply.cut_after is None and not reply.close


# --- bodies ---------------------------------------------------------------------------------

AUDIO = b"fLaC" + bytes(range(256)) * 64
WAV = b"RIFF" + b"\0" * 4 + b"WAVEfmt " + bytes(range(200))


def json_reply(body: Any, status: int = 200, **kwargs: Any) -> Reply:
    headers = [("Content-Type", "application/json"), *kwargs.pop("headers", [])]
    return Reply(status, headers, json.dumps(body).encode(), **kwargs)


def audio_reply(body: bytes = AUDIO, content_type: str = "audio/flac", **kwargs: Any) -> Reply:
    headers = [("Content-Type", content_type), *kwargs.pop("headers", [])]
    return Reply(200, headers, body, **kwargs)


def gzip_bomb(inflated_bytes: int) -> bytes:
    """A gzip body of zeros inflating to `inflated_bytes` (about 1,000 times its size)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    parts = [compressor.compress(block) for _ in range(inflated_bytes >> 20)]
    parts.append(compressor.flush())
    return b"".join(parts)


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data)


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


def wait_until(condition: Callable[[], bool], timeout: float = 5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.01)
    return condition()
