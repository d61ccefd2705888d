"""Per-call options, checked once when a call starts and then passed down as one value.

Every public method takes the same keyword arguments (`timeout`, `total_timeout`,
`max_retries`, `extra_headers`, `extra_query`, `extra_body`); `_BaseClient._options` turns
them into a `RequestOptions` before anything is sent, so a bad value is an `InvalidInputError`
naming it, and nothing below checks again.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import attrs
import httpx

from . import _validation as check
from ._constants import API_KEY_HEADER
from ._echo import echo
from ._exceptions import InvalidInputError, InvalidInputTypeError
from ._types import NOT_GIVEN, NotGiven, TimeoutTypes

Headers = Mapping[str, str]
Query = Mapping[str, Any]
Body = Mapping[str, Any]
# What a caller may pass for each option.
TimeoutOption = TimeoutTypes | NotGiven
TotalTimeoutOption = float | None | NotGiven
RetriesOption = int | NotGiven
HeadersOption = Headers | None
QueryOption = Query | None
BodyOption = Body | None

# Headers a caller may not set: the key is the client's to scope to the API's origin, and
# the others are httpx's to compute.
_RESERVED_HEADERS = frozenset({API_KEY_HEADER, "host", "content-length", "transfer-encoding"})


@attrs.frozen
class RequestOptions:
    """What one call sends with each of its requests, already checked."""

    timeout: httpx.Timeout
    max_retries: int
    # time.monotonic() by which the whole call must be over (retries and bodies included).
    deadline: float | None = None
    extra_headers: Headers = attrs.field(factory=dict)
    extra_query: Query = attrs.field(factory=dict)
    extra_body: Body = attrs.field(factory=dict)


def headers(param: str, value: object) -> dict[str, str]:
    """Extra or default headers: a mapping of str to str, without the reserved ones."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputTypeError(param, "must be a mapping of header names to str values", value)
    checked: dict[str, str] = {}
    for name, header_value in value.items():
        if not isinstance(name, str) or not isinstance(header_value, str):
            raise InvalidInputTypeError(param, "must map str header names to str values", value)
        if name.lower() in _RESERVED_HEADERS:
            raise InvalidInputError(
                param,
                f"must not set {echo(name)}: the client sets it (pass api_key= for the key)",
                show_value=False,
            )
        try:
            httpx.Headers({name: header_value})
        except (UnicodeEncodeError, ValueError, TypeError):
            raise InvalidInputError(param, "header names and values must be ASCII", value) from None
        if any(c in name + header_value for c in "\r\n\0"):
            raise InvalidInputError(param, "header names and values must be one line", value)
        checked[name] = header_value
    return checked


def _mapping(param: str, value: object) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
        raise InvalidInputTypeError(param, "must be a mapping with str keys", value)
    check.no_lone_surrogates(param, value)
    return dict(value)


_QUERY_SCALARS = (str, int, float, bool, type(None))


def _query(param: str, value: object) -> dict[str, Any]:
    """Extra query parameters: str names, plain values (or lists of them). httpx would send a
    dict or an object as its repr."""
    query = _mapping(param, value)
    for name, item in query.items():
        items = item if isinstance(item, (list, tuple)) else [item]
        if not all(isinstance(one, _QUERY_SCALARS) for one in items):
            raise InvalidInputTypeError(
                f"{param}[{echo(name)}]",
                "must be a str, int, float, bool or None, or a list of them",
                item,
            )
    return query


def request_options(
    *,
    timeout: object,
    total_timeout: object,
    max_retries: object,
    extra_headers: object,
    extra_query: object,
    extra_body: object,
    default_timeout: httpx.Timeout,
    default_total_timeout: float | None,
    default_max_retries: int,
) -> RequestOptions:
    """The checked options of one call; NOT_GIVEN falls back to the client's defaults.

    The call's deadline starts now: when the method is called, not when its first request
    goes out.
    """
    total = (
        default_total_timeout
        if total_timeout is NOT_GIVEN
        else check.optional_seconds("total_timeout", total_timeout)
    )
    return RequestOptions(
        timeout=default_timeout if timeout is NOT_GIVEN else check.http_timeout("timeout", timeout),
        max_retries=default_max_retries
        if max_retries is NOT_GIVEN
        else check.max_retries("max_retries", max_retries),
        deadline=None if total is None else time.monotonic() + total,
        extra_headers=headers("extra_headers", extra_headers),
        extra_query=_query("extra_query", extra_query),
        extra_body=_mapping("extra_body", extra_body),
    )
