"""Request builders for the `tts` operations.

Each `build_<operation>_request` returns the keyword arguments of `httpx.Client.request` (method,
URL relative to the API's base URL with path parameters percent-encoded, query, headers, JSON
body) exactly as the spec describes the operation. They are the public surface for callers that
send requests themselves (with streaming, their own retries and timeouts): the facade in camb/
does. Rendered by openapi/templates/endpoint_init.py.jinja.
"""

from typing import Any, cast

from ...models.audio_output_file_url_response import AudioOutputFileURLResponse
from ...models.bulk_tts_runs_results import BulkTTSRunsResults
from ...models.create_stream_tts_request import CreateStreamTTSRequest
from ...models.create_tts_request import CreateTTSRequest
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.output_type import OutputType
from ...models.run_i_ds_request_payload import RunIDsRequestPayload
from ...models.task_id import TaskID
from ...models.task_status import TaskStatus
from ...types import UNSET, Unset
from . import create_tts as _create_tts
from . import create_tts_stream as _create_tts_stream
from . import get_tts_result as _get_tts_result
from . import get_tts_results as _get_tts_results
from . import get_tts_status as _get_tts_status

__all__ = [
    "build_create_tts_stream_request",
    "build_create_tts_request",
    "build_get_tts_status_request",
    "build_get_tts_result_request",
    "build_get_tts_results_request",
]


def build_create_tts_stream_request(
    *,
    body: CreateStreamTTSRequest,
) -> dict[str, Any]:
    """`POST /tts-stream`: the request's httpx keyword arguments."""
    return _create_tts_stream._get_kwargs(
        body=body,
    )


def build_create_tts_request(
    *,
    body: CreateTTSRequest,
) -> dict[str, Any]:
    """`POST /tts`: the request's httpx keyword arguments."""
    return _create_tts._get_kwargs(
        body=body,
    )


def build_get_tts_status_request(
    task_id: str,
) -> dict[str, Any]:
    """`GET /tts/{task_id}`: the request's httpx keyword arguments."""
    return _get_tts_status._get_kwargs(
        task_id=task_id,
    )


def build_get_tts_result_request(
    run_id: int,
    *,
    output_type: OutputType | Unset = UNSET,
) -> dict[str, Any]:
    """`GET /tts-result/{run_id}`: the request's httpx keyword arguments."""
    return _get_tts_result._get_kwargs(
        run_id=run_id,
        output_type=output_type,
    )


def build_get_tts_results_request(
    *,
    body: RunIDsRequestPayload,
) -> dict[str, Any]:
    """`POST /tts-results`: the request's httpx keyword arguments."""
    return _get_tts_results._get_kwargs(
        body=body,
    )
