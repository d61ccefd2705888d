"""Every decision about sending that needs no I/O: the key's scope, redirects, retries, logging.

`_BaseClient` holds the configuration shared by `Camb` and `AsyncCamb`; the send loops that do
the I/O are `camb/_async/_api_client.py` and its generated twin in `camb/_sync/`.
"""

from __future__ import annotations

import base64
import logging
import os
import random
import re
import time
from collections.abc import Iterable, Mapping
from http.cookiejar import CookieJar, DefaultCookiePolicy
from typing import Any

import httpx

from . import _options
from . import _validation as check
from ._constants import (
    ACCEPT_ENCODING,
    API_KEY_ENV,
    API_KEY_HEADER,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    DEFAULT_LIMITS,
    USER_AGENT_PRODUCT,
)
from ._exceptions import APIConnectionError, APIError, APITimeoutError, InvalidInputError
from ._options import RequestOptions
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

USER_AGENT = f"{USER_AGENT_PRODUCT}/{__version__}"

log = logging.getLogger("camb")

RequestArgs = dict[str, Any]
"""An operation's request as the generated builders describe it: httpx.request's keywords."""


def origin(url: httpx.URL) -> tuple[str, str, int | None]:
    """Scheme, host and effective port: two URLs share an origin iff these are equal."""
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, port)


def loggable_url(url: httpx.URL) -> str:
    """The URL without its query (presigned URLs carry their signature there) and without a
    `user:pass@`."""
    return str(without_userinfo(url).copy_with(query=None, fragment=None))


def http_client_args(timeout: httpx.Timeout, base_url: str) -> dict[str, Any]:
    """The arguments of the httpx client `Camb` or `AsyncCamb` builds unless it is given one.

    Proxies from the environment (HTTP_PROXY, HTTPS_PROXY, ALL_PROXY) are used, except for a
    plain-http base URL: the key would cross the proxy in clear text there, so those requests
    go direct. Through an https proxy tunnel the key stays inside TLS.
    """
    url = httpx.URL(base_url)
    host = f"[{url.host}]" if ":" in url.host else url.host  # an IPv6 literal needs brackets
    mounts = {f"http://{host}:{origin(url)[2]}": None} if url.scheme == "http" else {}
    # Redirects are followed by our own send loop, so that the key never follows one to
    # another origin (see `_BaseClient._redirect_request`). No cookie is ever stored: the API
    # authenticates with the key, and a stored cookie could follow a presigned download.
    return {
        "timeout": timeout,
        "limits": DEFAULT_LIMITS,
        "follow_redirects": False,
        "headers": {"user-agent": USER_AGENT},
        # The jar itself, not wrapped in httpx.Cookies: httpx copies an httpx.Cookies into a
        # new default jar, which would drop this policy and keep every cookie.
        "cookies": CookieJar(DefaultCookiePolicy(allowed_domains=[])),
        "mounts": mounts,
    }


def remaining(deadline: float | None) -> float | None:
    """Seconds left before `deadline` (a time.monotonic() value), or None for no deadline."""
    return None if deadline is None else deadline - time.monotonic()


def attempt_timeout(options: RequestOptions) -> httpx.Timeout:
    """The call's per-request timeout, shortened so that no wait outlives the call's deadline."""
    left = remaining(options.deadline)
    if left is None:
        return options.timeout
    left = max(left, 0.001)
    t = options.timeout
    return httpx.Timeout(
        connect=left if t.connect is None else min(t.connect, left),
        read=left if t.read is None else min(t.read, left),
        write=left if t.write is None else min(t.write, left),
        pool=left if t.pool is None else min(t.pool, left),
    )


class _BaseClient:
    """Configuration shared by `Camb` and `AsyncCamb`, and every decision that needs no I/O."""

    # The speech cache (camb/_cache.py) `Camb(cache=...)` or $CAMB_CACHE opened, if any.
    _speech_cache: Any = None

    def __init__(
        self,
        *,
        api_key: str | None,
        base_url: str | None,
        timeout: TimeoutTypes,
        total_timeout: float | None,
        max_retries: int,
        allow_insecure_http: bool,
        backoff: BackoffPolicy | None,
        default_headers: Mapping[str, str] | None,
    ) -> None:
        self._api_key = check.api_key(
            api_key if api_key is not None else os.environ.get(API_KEY_ENV)
        )
        chosen = (
            base_url if base_url is not None else os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
        )
        checked = check.base_url(chosen, allow_insecure_http=allow_insecure_http)
        # A `user:pass@` in the URL becomes an Authorization header scoped like the key; the
        # URL itself (shown in repr, logs and errors) keeps no password.
        self.base_url, self._basic_auth = split_userinfo(checked)
        self._given_base_url = checked
        self._allow_insecure_http = allow_insecure_http
        self._base_origin = origin(httpx.URL(self.base_url))
        self.timeout = check.http_timeout("timeout", timeout)
        self.total_timeout = check.optional_seconds("total_timeout", total_timeout)
        self.max_retries = check.max_retries("max_retries", max_retries)
        self.backoff = check.backoff("backoff", backoff) if backoff is not None else DEFAULT_BACKOFF
        self.default_headers = _options.headers("default_headers", default_headers)
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
            "base_url": self._given_base_url,
            "timeout": self.timeout if timeout is NOT_GIVEN else timeout,
            "total_timeout": self.total_timeout,
            "max_retries": self.max_retries if max_retries is NOT_GIVEN else max_retries,
            "allow_insecure_http": self._allow_insecure_http,
            "backoff": self.backoff,
            "default_headers": self.default_headers,
        }

    def _check_open(self) -> None:
        """Raise ClientStateError when the client can no longer send (see the send loops)."""

    def _options(
        self,
        *,
        timeout: object = NOT_GIVEN,
        total_timeout: object = NOT_GIVEN,
        max_retries: object = NOT_GIVEN,
        extra_headers: object = None,
        extra_query: object = None,
        extra_body: object = None,
    ) -> RequestOptions:
        """One call's options, checked once; what it leaves out comes from this client.

        Every method starts here, so a closed client is refused before anything else (also by
        methods that report other errors per item, such as `results` and `wait_many`).
        """
        self._check_open()
        return _options.request_options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
            default_timeout=self.timeout,
            default_total_timeout=self.total_timeout,
            default_max_retries=self.max_retries,
        )

    # --- building requests -------------------------------------------------------------------

    def _build_request(
        self,
        http: httpx.Client | httpx.AsyncClient,
        request_args: RequestArgs,
        options: RequestOptions,
        *,
        audio: bool = False,
    ) -> httpx.Request:
        """An httpx request from a generated request builder's arguments and the call's options.

        An `audio` answer is asked for uncompressed: audio hardly compresses, and a compressed
        body could inflate far beyond what was sent (see `_body.AUDIO_MAX_INFLATE_RATIO`).

        Relative URLs are the API's; absolute ones (presigned downloads) are taken as they are.
        The caller's extra headers, query and body are merged in before the key is scoped, so
        none of them can send the key to another origin.
        """
        url = request_args["url"]
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        else:
            # An absolute URL is the caller's (a presigned download): checked like base_url.
            check.no_lone_surrogates("url", url)
            try:
                problem = check.host_problem(httpx.URL(url))
            except httpx.InvalidURL as exc:
                problem = f"is not a valid URL: {exc}"
            if problem is not None:
                raise InvalidInputError("url", problem, url)
        body = request_args.get("json")
        if options.extra_body:
            if not isinstance(body, dict):
                raise InvalidInputError(
                    "extra_body", "this call sends no JSON body to add to", show_value=False
                )
            body = {**body, **options.extra_body}
        params = request_args.get("params") or {}
        if options.extra_query:
            params = {**params, **options.extra_query}
            url = _with_query(url, params)
            params = {}
        headers = {
            "accept-encoding": "identity" if audio else ACCEPT_ENCODING,
            **self.default_headers,
            **(request_args.get("headers") or {}),
        }
        headers.update(options.extra_headers)
        try:
            request = http.build_request(
                request_args["method"],
                url,
                params=params or None,
                json=body,
                headers=headers,
                timeout=attempt_timeout(options),
            )
        except (UnicodeEncodeError, ValueError, TypeError) as exc:
            # Only what the caller merged in can fail here: the facade's own arguments were
            # checked (lone surrogates, NaN, objects JSON cannot hold).
            raise InvalidInputError(
                "extra_body",
                f"must be JSON-serialisable text ({type(exc).__name__})",
                show_value=False,
            ) from None
        except httpx.InvalidURL as exc:
            raise InvalidInputError("url", f"is not a valid URL: {exc}", url) from None
        return self._scope_key(request)

    def _scope_key(self, request: httpx.Request) -> httpx.Request:
        """Attach the key if and only if the request goes to the API's own origin.

        So are the caller's other credentials: the base URL's `user:pass@` (as Basic auth),
        every header of `default_headers` (a bearer token or a gateway's key can have any
        name) and any header named like a credential (see `drop_credentials`): a request to
        another origin (a presigned download, a redirect) carries none of them.
        Cookies never go anywhere: the client keeps no cookie jar (see `http_client_args`).
        """
        if origin(request.url) == self._base_origin:
            request.headers[API_KEY_HEADER] = self._api_key
            if self._basic_auth is not None and "authorization" not in request.headers:
                request.headers["authorization"] = self._basic_auth
        else:
            drop_credentials(request.headers, self.default_headers)
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
        problem = check.host_problem(url)
        if problem is not None:
            raise APIError(f"redirect to a URL that {problem}", request=request)
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
        request: httpx.Request, why: str, delay: float, retry: int, options: RequestOptions
    ) -> None:
        log.debug(
            "retrying %s %s in %.2fs (retry %d of %d) after %s",
            request.method,
            loggable_url(request.url),
            delay,
            retry,
            options.max_retries,
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


def _with_query(url: str, params: Mapping[str, Any]) -> str:
    """`url` with `params` appended to its query. The URL's own query is kept byte for byte
    (httpx would replace it, and re-encoding a presigned URL's query can break its signature).
    """
    # The values were checked (`_options`): plain ones, which httpx percent-encodes to ASCII.
    try:
        added = str(httpx.QueryParams(params)).encode("ascii")
    except UnicodeEncodeError:
        raise InvalidInputError(
            "extra_query", "must be valid Unicode text (it has a lone surrogate)", show_value=False
        ) from None
    try:
        target = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InvalidInputError("url", f"is not a valid URL: {exc}", url) from None
    query = target.query + b"&" + added if target.query else added
    return str(target.copy_with(query=query))


def _where(request: httpx.Request | None) -> str:
    return f"{request.method} {loggable_url(request.url)}" if request is not None else "request"


def transport_error(exc: Exception, request: httpx.Request | None) -> APIError:
    """Our error for an httpx failure while sending or reading; names the URL, never headers."""
    where = _where(request)
    if isinstance(exc, httpx.TimeoutException):
        return APITimeoutError(f"{where} timed out ({type(exc).__name__})", request=request)
    if isinstance(exc, httpx.DecodingError):
        return APIError(f"{where}: the answer's compressed body is broken: {exc}", request=request)
    if isinstance(exc, (httpx.InvalidURL, UnicodeError)):
        return APIError(f"{where}: invalid URL or host name: {exc}", request=request)
    return APIConnectionError(f"{where} failed: {type(exc).__name__}: {exc}", request=request)


def deadline_error(request: httpx.Request | None) -> APITimeoutError:
    """The call's overall deadline (`total_timeout`, or a wait's `timeout`) has passed."""
    return APITimeoutError(
        f"{_where(request)}: the call's deadline passed (total_timeout)", request=request
    )


def check_deadline(deadline: float | None, request: httpx.Request | None) -> None:
    if deadline is not None and time.monotonic() >= deadline:
        raise deadline_error(request)


# --- credentials the caller gives, scoped to the API's origin ------------------------------
# Every credential the caller gives, kept to the API's origin and out of every message.
#
# The caller can authenticate in more ways than the API key: `default_headers` or a call's
# `extra_headers` (`Authorization: Bearer ...`, a gateway's key under any name, a cookie) and a
# `user:pass@` base URL (HTTP Basic). None of them is for a presigned storage host or for a
# redirect to another origin. A request to another origin therefore carries none of the
# client's `default_headers` (they are for the API, whatever their names) and no header whose
# name says it holds a credential (`Authorization`, `Cookie`, `X-Gateway-Key`, `X-Auth-Token`,
# ...), wherever it came from; a call's other `extra_headers` (`X-Trace: ...`) still go with
# the presigned download that call asked for.
#
# Where a request is shown (an error's `request`, a log line, `repr`), the value of every header
# that is not in `SAFE_ELSEWHERE` is "[redacted]", and a URL loses its `user:pass@`.

REDACTED = "[redacted]"

# Headers that never hold a credential: the only ones sent to another origin, and the only
# ones whose value is shown.
SAFE_ELSEWHERE = frozenset(
    {
        "accept",
        "accept-encoding",
        "accept-language",
        "content-length",
        "content-type",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "range",
        "user-agent",
    }
)


# A header whose name says it holds a credential.
_CREDENTIAL_NAME = re.compile(
    r"auth|key|token|secret|passw|session|cookie|credential|signature|bearer|jwt", re.IGNORECASE
)


def split_userinfo(url: str) -> tuple[str, str | None]:
    """`url` without `user:pass@`, and the `Authorization: Basic` value it stood for."""
    parsed = httpx.URL(url)
    if not parsed.userinfo:
        return url, None
    pair = f"{parsed.username}:{parsed.password}".encode()
    plain = str(parsed.copy_with(userinfo=b""))
    return plain, "Basic " + base64.b64encode(pair).decode("ascii")


def without_userinfo(url: httpx.URL) -> httpx.URL:
    return url.copy_with(userinfo=b"") if url.userinfo else url


def drop_credentials(headers: httpx.Headers, client_headers: Iterable[str]) -> None:
    """Drop, in place, every header that may hold a credential (for another origin): those
    of `client_headers` (the client's `default_headers`) and those named like one."""
    client = {name.lower() for name in client_headers}
    for name in {name.lower() for name in headers}:
        if name in SAFE_ELSEWHERE:
            continue
        if name in client or _CREDENTIAL_NAME.search(name):
            del headers[name]


def redacted_headers(headers: httpx.Headers) -> httpx.Headers:
    """A copy of `headers` in which only the values of `SAFE_ELSEWHERE` headers are kept."""
    return httpx.Headers(
        [
            (name, value if name.lower() in SAFE_ELSEWHERE else REDACTED)
            for name, value in headers.multi_items()
        ]
    )
