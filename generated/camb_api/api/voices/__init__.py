"""Request builders for the `voices` operations.

Each `build_<operation>_request` returns the keyword arguments of `httpx.Client.request` (method,
URL relative to the API's base URL with path parameters percent-encoded, query, headers, JSON
body) exactly as the spec describes the operation. They are the public surface for callers that
send requests themselves (with streaming, their own retries and timeouts): the facade in camb/
does. Rendered by openapi/templates/endpoint_init.py.jinja.
"""

from typing import Any, cast

from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.voice import Voice
from ...types import UNSET, Unset
from . import list_voices as _list_voices

__all__ = [
    "build_list_voices_request",
]


def build_list_voices_request() -> dict[str, Any]:
    """`GET /list-voices`: the request's httpx keyword arguments."""
    return _list_voices._get_kwargs()
