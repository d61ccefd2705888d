"""Request builders for the `languages` operations.

Each `build_<operation>_request` returns the keyword arguments of `httpx.Client.request` (method,
URL relative to the API's base URL with path parameters percent-encoded, query, headers, JSON
body) exactly as the spec describes the operation. They are the public surface for callers that
send requests themselves (with streaming, their own retries and timeouts): the facade in camb/
does. Rendered by openapi/templates/endpoint_init.py.jinja.
"""

from typing import Any, cast

from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.language import Language
from ...types import UNSET, Unset
from . import list_source_languages as _list_source_languages
from . import list_target_languages as _list_target_languages

__all__ = [
    "build_list_source_languages_request",
    "build_list_target_languages_request",
]


def build_list_source_languages_request() -> dict[str, Any]:
    """`GET /source-languages`: the request's httpx keyword arguments."""
    return _list_source_languages._get_kwargs()


def build_list_target_languages_request() -> dict[str, Any]:
    """`GET /target-languages`: the request's httpx keyword arguments."""
    return _list_target_languages._get_kwargs()
