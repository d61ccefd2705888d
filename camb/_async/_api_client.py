"""The send loop: one request with its redirects and retries, answered or raised as a CambError."""

from __future__ import annotations

import threading
import time

import httpx

from .. import _async_runtime
from .._base_client import (
    RequestArgs,
    _BaseClient,
    http_client_args,
    transport_error,
)
from .._constants import MAX_REDIRECTS
from .._exceptions import APIError, InvalidInputTypeError
from .._options import RequestOptions
from .._responses import error_from_response


class AsyncAPIClient(_BaseClient):
    """Sends requests for the client's resources; every decision is made in `_BaseClient`."""

    _http_client: httpx.AsyncClient | None

    def _adopt_http(self, http_client: httpx.AsyncClient | None) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidInputTypeError("http_client", "must be an httpx.AsyncClient", http_client)
        self._owns_http = http_client is None
        self._http_client = http_client
        self._http_lock = threading.Lock()

    @property
    def _http(self) -> httpx.AsyncClient:
        # Built on first use: creating it loads the TLS trust store, which would otherwise
        # double the cost of constructing a client that may never send anything.
        http = self._http_client
        if http is None:
            with self._http_lock:
                if self._http_client is None:
                    self._http_client = httpx.AsyncClient(**http_client_args(self.timeout))
                http = self._http_client
        return http

    async def _send(
        self,
        request_args: RequestArgs,
        options: RequestOptions,
        *,
        idempotent: bool,
        stream: bool = False,
        error_hint: str = "",
    ) -> httpx.Response:
        """Send with retries; answer a 2xx response (still open when `stream`) or raise."""
        retries_done = 0
        while True:
            request = self._build_request(self._http, request_args, options)
            try:
                response = await self._send_following_redirects(request, stream=stream)
            except httpx.TransportError as exc:
                delay = self._delay_after_error(exc, retries_done, options.max_retries, idempotent)
                if delay is None:
                    raise transport_error(exc, request) from exc
                retries_done += 1
                self._log_retry(request, type(exc).__name__, delay, retries_done, options)
                await _async_runtime.sleep(delay)
                continue
            if response.is_success:
                return response
            content = await self._read_and_close(response)
            delay = self._delay_after_status(
                response, retries_done, options.max_retries, idempotent
            )
            if delay is None:
                raise error_from_response(response, content, hint=error_hint)
            retries_done += 1
            self._log_retry(request, str(response.status_code), delay, retries_done, options)
            await _async_runtime.sleep(delay)

    async def _send_following_redirects(
        self, request: httpx.Request, *, stream: bool
    ) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            started = time.perf_counter()
            try:
                response = await self._http.send(request, stream=stream, follow_redirects=False)
            except httpx.InvalidURL as exc:
                # httpx parses a redirect's Location even when it does not follow it.
                raise APIError(f"redirect to an invalid URL: {exc}", request=request) from None
            self._log_response(request, response, started)
            if not (response.is_redirect and "location" in response.headers):
                return response
            await response.aclose()
            request = self._redirect_request(request, response)
        raise APIError(f"more than {MAX_REDIRECTS} redirects", request=request)

    @staticmethod
    async def _read_and_close(response: httpx.Response) -> bytes:
        try:
            return await response.aread()
        except httpx.TransportError:
            return b""
        finally:
            await response.aclose()
