"""The send loop: one request with its redirects and retries, answered or raised as a CambError."""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import AsyncGenerator
from typing import Literal, cast

import httpx

from .. import _async_runtime, _raw
from .._base_client import (
    RequestArgs,
    _BaseClient,
    check_deadline,
    http_client_args,
    remaining,
    transport_error,
)
from .._body import (
    AUDIO_MAX_INFLATE_RATIO,
    MAX_ERROR_BODY_BYTES,
    MAX_JSON_BYTES,
    BodyDecoder,
    BodyEncodingError,
    BodyTooLargeError,
)
from .._constants import MAX_REDIRECTS
from .._exceptions import APIError, ClientStateError, InvalidInputTypeError
from .._options import RequestOptions
from .._wire._responses import DecodedResponse, error_from_response, unexpected

# How `_send` treats a successful answer's body: read as JSON (capped), read as audio (whole,
# never capped), or left open for the caller to stream.
BodyKind = Literal["json", "audio", "stream"]


class AsyncAPIClient(_BaseClient):
    """Sends requests for the client's resources; every decision is made in `_BaseClient`."""

    _http_client: httpx.AsyncClient | None

    def _adopt_http(self, http_client: httpx.AsyncClient | None) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidInputTypeError("http_client", "must be an httpx.AsyncClient", http_client)
        self._owns_http = http_client is None
        self._http_client = http_client
        self._http_lock = threading.Lock()
        self._closed = False
        # Where the pool was made: a forked child or another event loop must not share it.
        self._http_pid = os.getpid()
        self._http_owner = _async_runtime.current_loop()

    def _check_open(self) -> None:
        # A `with_options` copy shares its parent's httpx client, and is closed with it.
        shared = self._http_client
        if self._closed or (shared is not None and shared.is_closed):
            raise ClientStateError("the client is closed: make a new one")

    @property
    def _http(self) -> httpx.AsyncClient:
        if self._closed:
            raise ClientStateError("the client is closed: make a new one")
        with self._http_lock:
            self._leave_inherited_pool()
            if self._http_client is None:
                # Built on first use: creating it loads the TLS trust store, which would
                # otherwise double the cost of a client that may never send anything.
                self._http_client = httpx.AsyncClient(
                    **http_client_args(self.timeout, self.base_url)
                )
            return self._http_client

    def _forget_unclosable_pool(self) -> None:
        """Before closing: drop, without closing, a pool made by the parent of a forked process
        or on an event loop that has ended; closing it would touch the parent's sockets or a
        loop that is gone."""
        owner = self._http_owner
        if self._owns_http and (
            os.getpid() != self._http_pid
            or (
                owner is not None
                and owner is not _async_runtime.current_loop()
                and not _async_runtime.is_running(owner)
            )
        ):
            self._http_client = None

    def _leave_inherited_pool(self) -> None:
        """Drop a pool this process or event loop must not use (without closing it: its
        sockets are the parent's, or belong to a loop that is gone)."""
        if not self._owns_http:
            return  # the caller's httpx client is the caller's to manage
        pid, owner = os.getpid(), _async_runtime.current_loop()
        if pid != self._http_pid:
            self._http_client = None
        elif owner is not self._http_owner:
            if self._http_client is not None and _async_runtime.is_running(self._http_owner):
                raise ClientStateError(
                    "this client is in use by another event loop: make one client per loop"
                )
            self._http_client = None
        self._http_pid, self._http_owner = pid, owner

    async def _send(
        self,
        request_args: RequestArgs,
        options: RequestOptions,
        *,
        idempotent: bool,
        body: BodyKind = "json",
        error_hint: str = "",
    ) -> httpx.Response:
        """Send with retries and answer a 2xx response, or raise a CambError.

        The answer's body is read as `body` says (JSON capped, audio whole) or, for "stream",
        left open. No retry waits past the call's deadline: when the wait before a retry (a
        long Retry-After, say) would end after it, the last error is raised at once.
        """
        if self._speech_cache is not None and self._speech_cache.replay:
            from .._cache._store import replay_refusal

            raise replay_refusal(
                self._speech_cache, f"{request_args['method']} {request_args['url']}"
            )
        retries_done = 0
        while True:
            check_deadline(options.deadline, None)
            request = self._build_request(self._http, request_args, options, audio=body != "json")
            try:
                response = await self._send_following_redirects(request)
                if response.is_success:
                    return _raw.record(await self._read_success(response, body, options))
            except httpx.TransportError as exc:
                delay = self._delay_after_error(exc, retries_done, options.max_retries, idempotent)
                if delay is None or not self._fits(delay, options):
                    raise transport_error(exc, request) from exc
                retries_done += 1
                self._log_retry(request, type(exc).__name__, delay, retries_done, options)
                await _async_runtime.sleep(delay)
                continue
            except httpx.HTTPError as exc:
                raise transport_error(exc, request) from exc
            content = await self._read_error_body(response, options)
            delay = self._delay_after_status(
                response, retries_done, options.max_retries, idempotent
            )
            if delay is None or not self._fits(delay, options):
                raise error_from_response(_raw.record(response), content, hint=error_hint)
            retries_done += 1
            self._log_retry(request, str(response.status_code), delay, retries_done, options)
            await _async_runtime.sleep(delay)

    @staticmethod
    def _fits(delay: float, options: RequestOptions) -> bool:
        left = remaining(options.deadline)
        return left is None or delay < left

    async def _send_following_redirects(self, request: httpx.Request) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            started = time.perf_counter()
            try:
                response = await self._http.send(request, stream=True, follow_redirects=False)
            except (httpx.InvalidURL, UnicodeError) as exc:
                # httpx parses a redirect's Location even when it does not follow it, and
                # encodes host names (IDNA) only when it connects.
                raise APIError(f"invalid URL or host name: {exc}", request=request) from None
            except RuntimeError as exc:
                # httpx's word for a closed client (the one a `with_options` copy shares).
                raise ClientStateError(f"the client is closed: {exc}") from None
            self._log_response(request, response, started)
            if not (response.is_redirect and "location" in response.headers):
                return response
            await response.aclose()
            request = self._redirect_request(request, response)
        raise APIError(f"more than {MAX_REDIRECTS} redirects", request=request)

    async def _read_success(
        self, response: httpx.Response, body: BodyKind, options: RequestOptions
    ) -> httpx.Response:
        if body == "stream":
            return response
        limit = MAX_JSON_BYTES if body == "json" else None
        try:
            content = await self._read_body(
                response,
                limit=limit,
                deadline=options.deadline,
                max_ratio=None if body == "json" else AUDIO_MAX_INFLATE_RATIO,
            )
        except BodyTooLargeError as exc:
            raise unexpected(response, str(exc)) from None
        except BodyEncodingError as exc:
            raise unexpected(response, str(exc)) from None
        return DecodedResponse(response, content)

    async def _read_error_body(self, response: httpx.Response, options: RequestOptions) -> bytes:
        """The start of an error answer's body: enough for its message, never more."""
        try:
            return await self._read_body(
                response, limit=MAX_ERROR_BODY_BYTES, deadline=options.deadline, truncate=True
            )
        except (httpx.HTTPError, BodyEncodingError, APIError):
            return b""

    @staticmethod
    async def _read_body(
        response: httpx.Response,
        *,
        limit: int | None,
        deadline: float | None,
        truncate: bool = False,
        max_ratio: int | None = None,
    ) -> bytes:
        """The decoded body, read raw so that compression never inflates past `limit` (nor,
        for audio, past `max_ratio` times its compressed size)."""
        try:
            # Already read (a mocked answer, or one an httpx event hook read): decoded by httpx.
            content = response.content
        except httpx.ResponseNotRead:
            pass
        else:
            decoder = BodyDecoder(None, limit=limit, truncate=truncate)
            decoder.feed(content)
            return decoder.finish()
        decoder = BodyDecoder(
            response.headers.get("content-encoding"),
            limit=limit,
            truncate=truncate,
            max_ratio=max_ratio,
        )
        whole = False
        try:
            # Closed here even when left early (a full decoder, a deadline): an async generator
            # left suspended is finished by the garbage collector, maybe after its loop closed.
            raw_pieces = cast("AsyncGenerator[bytes, None]", response.aiter_raw())
            async with contextlib.aclosing(raw_pieces) as raws:
                async for raw in raws:
                    decoder.feed(raw)
                    if decoder.full:
                        break
                    # A server trickling its body a byte at a time never trips the per-read
                    # timeout; the call's deadline still holds.
                    check_deadline(deadline, response.request)
                else:
                    whole = True
        finally:
            await response.aclose()
            if not whole:
                await _async_runtime.settle()
        return decoder.finish()
