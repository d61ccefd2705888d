"""Sending requests: the API key's scope, redirects, retries, logging. Sync and async.

Everything that decides (which origin gets the key, where a redirect goes, whether and when to
retry) is in `_BaseClient` and `_retry`; `SyncAPIClient` and `AsyncAPIClient` only do the I/O.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import threading
import time
from typing import Any

import httpx

from . import _validation as check
from ._exceptions import APIConnectionError, APIError, APITimeoutError, InvalidInputTypeError
from ._responses import error_from_response
from ._retry import (
    DEFAULT_BACKOFF,
    BackoffPolicy,
    is_retryable_exception,
    is_retryable_status,
    parse_retry_after,
    retry_delay,
)
from ._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ._version import __version__

log = logging.getLogger("camb")

DEFAULT_BASE_URL = "https://client.camb.ai/apis"
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
DEFAULT_MAX_RETRIES = 2
# Idle connections are dropped after 4 s: servers commonly close them after 5 s (uvicorn does),
# and a request sent on a connection the server is closing fails in a way that a POST, which
# costs credits, cannot safely retry.
DEFAULT_LIMITS = httpx.Limits(
    max_connections=64, max_keepalive_connections=32, keepalive_expiry=4.0
)
API_KEY_HEADER = "x-api-key"
MAX_REDIRECTS = 5
USER_AGENT = f"camb-python/{__version__}"


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and effective port: two URLs share an origin iff these are equal."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, port)


def loggable_url(url: httpx.URL) -> str:
    """The URL without its query: presigned URLs carry their signature there."""
    return str(url.copy_with(query=None, fragment=None))


def build_http_client(timeout: httpx.Timeout) -> httpx.Client:
    """The httpx client `Camb` uses unless it is given one."""
    # Redirects are followed by our own send loop, so that the key never follows one to
    # another origin (see `_BaseClient._redirect_request`).
    return httpx.Client(
        timeout=timeout,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )


def build_async_http_client(timeout: httpx.Timeout) -> httpx.AsyncClient:
    """The httpx client `AsyncCamb` uses unless it is given one."""
    return httpx.AsyncClient(
        timeout=timeout,
        limits=DEFAULT_LIMITS,
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )


class _BaseClient:
    """Configuration shared by `Camb` and `AsyncCamb`, and every decision that needs no I/O."""

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        max_retries: int,
        allow_insecure_http: bool,
        backoff: BackoffPolicy | None,
    ) -> None:
        self._api_key = check.api_key(
            api_key if api_key is not None else os.environ.get("CAMB_API_KEY")
        )
        chosen = (
            base_url
            if base_url is not None
            else os.environ.get("CAMB_BASE_URL") or DEFAULT_BASE_URL
        )
        self.base_url = check.base_url(chosen, allow_insecure_http=allow_insecure_http)
        self._allow_insecure_http = allow_insecure_http
        self._base_origin = origin(httpx.URL(self.base_url))
        self.timeout = check.http_timeout("timeout", timeout)
        self.max_retries = check.max_retries("max_retries", max_retries)
        self.backoff = backoff or DEFAULT_BACKOFF
        self._random = random.Random()

    def __repr__(self) -> str:
        # The key is deliberately absent.
        return f"{type(self).__name__}(base_url={self.base_url!r}, max_retries={self.max_retries})"

    # --- per-call options --------------------------------------------------------------------

    def _copy_args(
        self, timeout: TimeoutTypes | NotGiven, max_retries: int | NotGiven
    ) -> dict[str, Any]:
        """The constructor arguments of a client like this one, with other defaults."""
        return {
            "api_key": self._api_key,
            "base_url": self.base_url,
            "timeout": self.timeout if timeout is NOT_GIVEN else timeout,
            "max_retries": self.max_retries if max_retries is NOT_GIVEN else max_retries,
            "allow_insecure_http": self._allow_insecure_http,
            "backoff": self.backoff,
        }

    def _timeout_for(self, timeout: TimeoutTypes | NotGiven) -> httpx.Timeout:
        return self.timeout if timeout is NOT_GIVEN else check.http_timeout("timeout", timeout)

    def _retries_for(self, max_retries: int | NotGiven) -> int:
        return (
            self.max_retries
            if max_retries is NOT_GIVEN
            else check.max_retries("max_retries", max_retries)
        )

    # --- building requests -------------------------------------------------------------------

    def _build_request(
        self, http: httpx.Client | httpx.AsyncClient, spec: dict[str, Any], timeout: httpx.Timeout
    ) -> httpx.Request:
        """An httpx request from the generated client's request description (`_get_kwargs`).

        Relative URLs are the API's; absolute ones (presigned downloads) are taken as they are.
        """
        url = spec["url"]
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        request = http.build_request(
            spec["method"],
            url,
            params=spec.get("params"),
            json=spec.get("json"),
            headers=spec.get("headers"),
            timeout=timeout,
        )
        return self._scope_key(request)

    def _scope_key(self, request: httpx.Request) -> httpx.Request:
        """Attach the key if and only if the request goes to the API's own origin."""
        if origin(request.url) == self._base_origin:
            request.headers[API_KEY_HEADER] = self._api_key
        else:
            request.headers.pop(API_KEY_HEADER, None)
        return request

    def _redirect_request(self, request: httpx.Request, response: httpx.Response) -> httpx.Request:
        """The request a redirect asks for, with the key re-scoped to the new origin."""
        location = response.headers["location"]
        try:
            url = request.url.join(location)
        except httpx.InvalidURL as exc:
            raise APIError(f"redirect to an invalid URL: {exc}", request=request) from None
        if url.scheme not in ("http", "https"):
            raise APIError(f"redirect to an unsupported URL scheme {url.scheme!r}", request=request)
        if (
            url.scheme == "http"
            and request.url.scheme == "https"
            and not check.is_loopback(url.host)
        ):
            raise APIError("refusing a redirect from https to plain http", request=request)
        method = request.method
        keep_body = response.status_code in (307, 308)
        if response.status_code == 303 or (response.status_code in (301, 302) and method == "POST"):
            method = "GET"
        headers = httpx.Headers(request.headers)
        headers.pop(API_KEY_HEADER, None)
        headers.pop("host", None)
        if not keep_body:
            headers.pop("content-length", None)
            headers.pop("content-type", None)
        redirected = httpx.Request(
            method,
            url,
            headers=headers,
            content=request.content if keep_body else None,
            extensions=request.extensions,
        )
        return self._scope_key(redirected)

    # --- retries -----------------------------------------------------------------------------

    def _delay_after_status(
        self, response: httpx.Response, retries_done: int, max_retries: int, idempotent: bool
    ) -> float | None:
        # A status answer means the request reached the server: only safe requests repeat.
        if (
            retries_done >= max_retries
            or not idempotent
            or not is_retryable_status(response.status_code)
        ):
            return None
        retry_after = parse_retry_after(response.headers.get("retry-after"), time.time())
        return retry_delay(
            retries_done,
            retry_after=retry_after,
            policy=self.backoff,
            random_share=self._random.random(),
        )

    def _delay_after_error(
        self, exc: Exception, retries_done: int, max_retries: int, idempotent: bool
    ) -> float | None:
        if retries_done >= max_retries or not is_retryable_exception(exc, idempotent=idempotent):
            return None
        return retry_delay(
            retries_done, retry_after=None, policy=self.backoff, random_share=self._random.random()
        )

    @staticmethod
    def _log_retry(
        request: httpx.Request, why: str, delay: float, retry: int, max_retries: int
    ) -> None:
        log.debug(
            "retrying %s %s in %.2fs (retry %d of %d) after %s",
            request.method,
            loggable_url(request.url),
            delay,
            retry,
            max_retries,
            why,
        )

    @staticmethod
    def _log_response(request: httpx.Request, response: httpx.Response, started: float) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug(
                "%s %s -> %d (%.3fs)",
                request.method,
                loggable_url(request.url),
                response.status_code,
                time.perf_counter() - started,
            )


def transport_error(exc: Exception, request: httpx.Request | None) -> APIConnectionError:
    """Our error for an httpx transport failure; the message names the URL, never headers."""
    where = f"{request.method} {loggable_url(request.url)}" if request is not None else "request"
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{where} timed out ({type(exc).__name__})", request=request)
    return APIConnectionError(f"{where} failed: {type(exc).__name__}: {exc}", request=request)


class SyncAPIClient(_BaseClient):
    """The blocking send loop."""

    _http_client: httpx.Client | None
    _http_lock: threading.Lock

    def _adopt_http(self, http_client: httpx.Client | None) -> None:
        if http_client is not None and not isinstance(http_client, httpx.Client):
            raise InvalidInputTypeError("http_client", "must be an httpx.Client", http_client)
        self._owns_http = http_client is None
        self._http_client = http_client
        self._http_lock = threading.Lock()

    @property
    def _http(self) -> httpx.Client:
        # Built on first use: creating it loads the TLS trust store, which would otherwise
        # double the cost of constructing a client that may never send anything.
        http = self._http_client
        if http is None:
            with self._http_lock:
                if self._http_client is None:
                    self._http_client = build_http_client(self.timeout)
                http = self._http_client
        return http

    def _send(
        self,
        spec: dict[str, Any],
        *,
        idempotent: bool,
        stream: bool = False,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        error_hint: str = "",
    ) -> httpx.Response:
        """Send with retries; answer a 2xx response (still open when `stream`) or raise."""
        http_timeout = self._timeout_for(timeout)
        retries = self._retries_for(max_retries)
        retries_done = 0
        while True:
            request = self._build_request(self._http, spec, http_timeout)
            try:
                response = self._send_following_redirects(request, stream=stream)
            except httpx.TransportError as exc:
                delay = self._delay_after_error(exc, retries_done, retries, idempotent)
                if delay is None:
                    raise transport_error(exc, request) from exc
                retries_done += 1
                self._log_retry(request, type(exc).__name__, delay, retries_done, retries)
                time.sleep(delay)
                continue
            if response.is_success:
                return response
            content = self._read_and_close(response)
            delay = self._delay_after_status(response, retries_done, retries, idempotent)
            if delay is None:
                raise error_from_response(response, content, hint=error_hint)
            retries_done += 1
            self._log_retry(request, str(response.status_code), delay, retries_done, retries)
            time.sleep(delay)

    def _send_following_redirects(self, request: httpx.Request, *, stream: bool) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            started = time.perf_counter()
            try:
                response = self._http.send(request, stream=stream, follow_redirects=False)
            except httpx.InvalidURL as exc:
                # httpx parses a redirect's Location even when it does not follow it.
                raise APIError(f"redirect to an invalid URL: {exc}", request=request) from None
            self._log_response(request, response, started)
            if not (response.is_redirect and "location" in response.headers):
                return response
            response.close()
            request = self._redirect_request(request, response)
        raise APIError(f"more than {MAX_REDIRECTS} redirects", request=request)

    @staticmethod
    def _read_and_close(response: httpx.Response) -> bytes:
        try:
            return response.read()
        except httpx.TransportError:
            return b""
        finally:
            response.close()


class AsyncAPIClient(_BaseClient):
    """The asyncio send loop; the same steps as `SyncAPIClient._send`."""

    _http_client: httpx.AsyncClient | None
    _http_lock: threading.Lock

    def _adopt_http(self, http_client: httpx.AsyncClient | None) -> None:
        if http_client is not None and not isinstance(http_client, httpx.AsyncClient):
            raise InvalidInputTypeError("http_client", "must be an httpx.AsyncClient", http_client)
        self._owns_http = http_client is None
        self._http_client = http_client
        self._http_lock = threading.Lock()

    @property
    def _http(self) -> httpx.AsyncClient:
        """See `SyncAPIClient._http`."""
        http = self._http_client
        if http is None:
            with self._http_lock:
                if self._http_client is None:
                    self._http_client = build_async_http_client(self.timeout)
                http = self._http_client
        return http

    async def _send(
        self,
        spec: dict[str, Any],
        *,
        idempotent: bool,
        stream: bool = False,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
        error_hint: str = "",
    ) -> httpx.Response:
        http_timeout = self._timeout_for(timeout)
        retries = self._retries_for(max_retries)
        retries_done = 0
        while True:
            request = self._build_request(self._http, spec, http_timeout)
            try:
                response = await self._send_following_redirects(request, stream=stream)
            except httpx.TransportError as exc:
                delay = self._delay_after_error(exc, retries_done, retries, idempotent)
                if delay is None:
                    raise transport_error(exc, request) from exc
                retries_done += 1
                self._log_retry(request, type(exc).__name__, delay, retries_done, retries)
                await asyncio.sleep(delay)
                continue
            if response.is_success:
                return response
            content = await self._read_and_close(response)
            delay = self._delay_after_status(response, retries_done, retries, idempotent)
            if delay is None:
                raise error_from_response(response, content, hint=error_hint)
            retries_done += 1
            self._log_retry(request, str(response.status_code), delay, retries_done, retries)
            await asyncio.sleep(delay)

    async def _send_following_redirects(
        self, request: httpx.Request, *, stream: bool
    ) -> httpx.Response:
        for _ in range(MAX_REDIRECTS + 1):
            started = time.perf_counter()
            try:
                response = await self._http.send(request, stream=stream, follow_redirects=False)
            except httpx.InvalidURL as exc:
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
