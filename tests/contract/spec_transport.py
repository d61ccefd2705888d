"""Every request the facade sends to the API, held against `openapi/camb-tts.yaml` on the wire.

`SpecValidatingTransport` (sync) and `AsyncSpecValidatingTransport` wrap another httpx transport
(a MockTransport, or a real one pointed at the sandbox). Before forwarding a request to the API's
origin they check it with openapi-core (operation by method and path template, path and query
parameters, JSON body, the `x-api-key` security scheme) plus a few rules openapi-core leaves out:
path parameters percent-encoded as RFC 6570 simple expansion does it, no undeclared query
parameters, no body where the operation takes none, and the key being the client's. A request to
any other origin (a presigned storage URL) is not an API request and is not held against the
spec, but it must not carry the key.

Violations are recorded, never raised: the facade may wrap a transport's exception into one of its
own, which would hide the problem. The root `tests/conftest.py` fails the test during which a
violation was recorded (see `drain_violations`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from functools import cache, lru_cache
from typing import Any

import httpx

from .._spec import load_spec, operations

API_KEY_HEADER = "x-api-key"
# RFC 3986 unreserved characters and percent-encoded octets: all that RFC 6570's simple string
# expansion (OpenAPI's default `style: simple` for path parameters) leaves in a value.
_ENCODED_VALUE = re.compile(r"(?:[A-Za-z0-9._~-]|%[0-9A-Fa-f]{2})+")

_pending: list[str] = []
_pending_lock = threading.Lock()
_openapi_lock = threading.Lock()


def drain_violations() -> list[str]:
    """Every violation recorded by a registered transport since the last drain."""
    with _pending_lock:
        found = list(_pending)
        _pending.clear()
    return found


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    port = url.port or {"http": 80, "https": 443}.get(url.scheme)
    return (url.scheme, url.host, port)


@cache
def _openapi() -> Any:
    from openapi_core import OpenAPI  # imported on first use: conftest imports this module

    return OpenAPI.from_dict(load_spec())


@cache
def _spec_server() -> httpx.URL:
    return httpx.URL(load_spec()["servers"][0]["url"])


@cache
def _routes() -> list[tuple[re.Pattern[str], str, dict[str, Any]]]:
    """(regex over the raw path below the base URL, method, operation) for every operation."""
    routes = []
    for method, template, op in operations():
        pattern = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]*)", re.escape(template))
        routes.append((re.compile(pattern), method, op))
    return routes


class _OpenAPIRequest:
    """A request in the shape openapi-core reads, moved onto the spec's own server so that the
    client's base URL (a sandbox, a mock) does not matter."""

    def __init__(
        self,
        method: str,
        below_base: str,
        query: tuple[tuple[str, str], ...],
        content_type: str,
        body: bytes,
        has_key: bool,
    ) -> None:
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        server = _spec_server()
        self.host_url = f"{server.scheme}://{server.netloc.decode('ascii')}"
        self.path = server.path.rstrip("/") + below_base
        self.method = method
        self.body = body or None
        self.content_type = content_type
        headers = [("content-type", content_type)] if content_type else []
        if has_key:
            headers.append((API_KEY_HEADER, "present"))
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(query)),
            header=Headers(headers),
            cookie=ImmutableMultiDict(),
        )

    @property
    def full_url_pattern(self) -> str:
        return self.host_url + self.path


@lru_cache(maxsize=16384)
def _openapi_errors(
    method: str,
    below_base: str,
    query: tuple[tuple[str, str], ...],
    content_type: str,
    body: bytes,
    has_key: bool,
) -> tuple[str, ...]:
    """openapi-core's findings for one request, cached: retries and polls repeat requests, and
    openapi-core takes about a millisecond per request."""
    request = _OpenAPIRequest(method, below_base, query, content_type, body, has_key)
    try:
        with _openapi_lock:  # openapi-core's lazy spec accessors are not meant for threads
            errors = list(_openapi().iter_request_errors(request))
    except Exception as exc:  # openapi-core itself failed on this request: report it
        errors = [exc]
    return tuple(_describe_openapi_error(error) for error in errors)


def _describe_openapi_error(error: Exception) -> str:
    text = f"{type(error).__name__}: {error}"
    cause = error.__cause__
    if cause is not None:
        text += f" ({type(cause).__name__}: {cause})"
    return text


class RequestChecker:
    """The checks, shared by the sync and async transports. Thread-safe."""

    def __init__(self, api_base: str, *, api_key: str | None = None, register: bool = True) -> None:
        base = httpx.URL(api_base)
        self.api_origin = _origin(base)
        self.base_path = base.raw_path.decode("ascii").split("?")[0].rstrip("/")
        self.api_key = api_key
        self.register = register
        self.violations: list[str] = []
        self.checked = 0
        self._redirect_targets: set[str] = set()
        self._lock = threading.Lock()

    def problems(self, request: httpx.Request) -> list[str]:
        """What is wrong with `request`, as the spec and the key's scope see it."""
        if self.api_key is not None and self.api_key in str(request.url):
            return ["the API key is in the URL"]
        if _origin(request.url) != self.api_origin:
            if API_KEY_HEADER in request.headers:
                return [f"the API key was sent to another origin ({request.url.host})"]
            return []
        with self._lock:
            target = str(request.url)
            if target in self._redirect_targets:
                # The server chose this URL (a redirect), not the client: nothing to hold
                # against the spec, and it is on the API's origin, so the key may go along.
                self._redirect_targets.discard(target)
                return []
        raw_path = request.url.raw_path.decode("ascii").split("?", 1)[0]
        if not raw_path.startswith(self.base_path + "/"):
            return [f"{raw_path} is on the API's origin but outside its base path"]
        below_base = raw_path[len(self.base_path) :]
        found = self._route_problems(request, below_base)
        found += self._key_problems(request)
        with self._lock:
            self.checked += 1
        found += _openapi_errors(
            request.method.lower(),
            below_base,
            tuple(request.url.params.multi_items()),
            request.headers.get("content-type", ""),
            request.content,
            bool(request.headers.get(API_KEY_HEADER)),
        )
        return found

    def _route_problems(self, request: httpx.Request, below_base: str) -> list[str]:
        method = request.method.lower()
        for pattern, route_method, op in _routes():
            match = pattern.fullmatch(below_base)
            if match is None or route_method != method:
                continue
            found = [
                f"path parameter {name} is not percent-encoded: {value!r}"
                for name, value in match.groupdict().items()
                if not _ENCODED_VALUE.fullmatch(value)
            ]
            declared = {p["name"] for p in op.get("parameters", []) if p["in"] == "query"}
            found += [
                f"undeclared query parameter {name!r}"
                for name in request.url.params
                if name not in declared
            ]
            if "requestBody" not in op and request.content:
                found.append(f"{op['operationId']} takes no body, but one was sent")
            return found
        return []  # openapi-core reports the unknown path or method

    def _key_problems(self, request: httpx.Request) -> list[str]:
        sent = request.headers.get(API_KEY_HEADER)
        if not sent:
            return [f"no {API_KEY_HEADER} header on a request to the API"]
        if self.api_key is not None and sent != self.api_key:
            return [f"the {API_KEY_HEADER} header is not the client's key"]
        return []

    def before(self, request: httpx.Request) -> None:
        found = self.problems(request)
        if not found:
            return
        text = f"{request.method} {request.url.copy_with(query=None)}: " + "; ".join(found)
        with self._lock:
            self.violations.append(text)
        if self.register:
            with _pending_lock:
                _pending.append(text)

    def after(self, request: httpx.Request, response: httpx.Response) -> None:
        location = response.headers.get("location")
        if response.is_redirect and location:
            try:
                target = str(request.url.join(location))
            except httpx.InvalidURL:
                return
            with self._lock:
                self._redirect_targets.add(target)

    def take(self) -> list[str]:
        """The violations recorded so far, removed from this transport and from the pending
        list (for tests that send bad requests on purpose)."""
        with self._lock:
            mine = list(self.violations)
            self.violations.clear()
        with _pending_lock:
            for text in mine:
                if text in _pending:
                    _pending.remove(text)
        return mine


class SpecValidatingTransport(httpx.BaseTransport):
    """A sync transport that checks every API request against the spec, then forwards it."""

    def __init__(
        self,
        inner: httpx.BaseTransport,
        *,
        api_base: str,
        api_key: str | None = None,
        register: bool = True,
    ) -> None:
        self.inner = inner
        self.checker = RequestChecker(api_base, api_key=api_key, register=register)

    @property
    def violations(self) -> list[str]:
        return list(self.checker.violations)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.checker.before(request)
        response = self.inner.handle_request(request)
        self.checker.after(request, response)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncSpecValidatingTransport(httpx.AsyncBaseTransport):
    """The asyncio form of `SpecValidatingTransport`."""

    def __init__(
        self,
        inner: httpx.AsyncBaseTransport,
        *,
        api_base: str,
        api_key: str | None = None,
        register: bool = True,
    ) -> None:
        self.inner = inner
        self.checker = RequestChecker(api_base, api_key=api_key, register=register)

    @property
    def violations(self) -> list[str]:
        return list(self.checker.violations)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.checker.before(request)
        response = await self.inner.handle_async_request(request)
        self.checker.after(request, response)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def describe(violations: Iterable[str]) -> str:
    shown = list(violations)
    lines = "\n".join(f"  - {text}" for text in shown[:20])
    more = f"\n  ... and {len(shown) - 20} more" if len(shown) > 20 else ""
    return f"{len(shown)} request(s) broke openapi/camb-tts.yaml:\n{lines}{more}"
