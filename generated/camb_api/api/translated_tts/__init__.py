"""Request builders for the `translated_tts` operations.

Each `build_<operation>_request` returns the keyword arguments of `httpx.Client.request` (method,
URL relative to the API's base URL with path parameters percent-encoded, query, headers, JSON
body) exactly as the spec describes the operation. They are the public surface for callers that
send requests themselves (with streaming, their own retries and timeouts): the facade in camb/
does. Rendered by openapi/templates/endpoint_init.py.jinja.
"""

from typing import Any, cast

from ...models.create_translated_tts_request import CreateTranslatedTTSRequest
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.task_id import TaskID
from ...models.task_status import TaskStatus
from ...types import UNSET, Unset
from . import create_translated_tts as _create_translated_tts
from . import get_translated_tts_status as _get_translated_tts_status

__all__ = [
    "build_create_translated_tts_request",
    "build_get_translated_tts_status_request",
]


def build_create_translated_tts_request(
    *,
    body: CreateTranslatedTTSRequest,
) -> dict[str, Any]:
    """`POST /translated-tts`: the request's httpx keyword arguments."""
    return _create_translated_tts._get_kwargs(
        body=body,
    )


def build_get_translated_tts_status_request(
    task_id: str,
) -> dict[str, Any]:
    """`GET /translated-tts/{task_id}`: the request's httpx keyword arguments."""
    return _get_translated_tts_status._get_kwargs(
        task_id=task_id,
    )
