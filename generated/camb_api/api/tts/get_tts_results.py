from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.bulk_tts_runs_results import BulkTTSRunsResults
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.run_i_ds_request_payload import RunIDsRequestPayload
from ...types import Response


def _get_kwargs(
    *,
    body: RunIDsRequestPayload,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/tts-results",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> BulkTTSRunsResults | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = BulkTTSRunsResults.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = ErrorDetail.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[BulkTTSRunsResults | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RunIDsRequestPayload,
) -> Response[BulkTTSRunsResults | ErrorDetail | HTTPValidationError]:
    """Fetch text-to-speech results

     Answers presigned URLs for two to five runs at once. Runs that are unknown or not finished are left
    out of the answer.

    Args:
        body (RunIDsRequestPayload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkTTSRunsResults | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: RunIDsRequestPayload,
) -> BulkTTSRunsResults | ErrorDetail | HTTPValidationError | None:
    """Fetch text-to-speech results

     Answers presigned URLs for two to five runs at once. Runs that are unknown or not finished are left
    out of the answer.

    Args:
        body (RunIDsRequestPayload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkTTSRunsResults | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RunIDsRequestPayload,
) -> Response[BulkTTSRunsResults | ErrorDetail | HTTPValidationError]:
    """Fetch text-to-speech results

     Answers presigned URLs for two to five runs at once. Runs that are unknown or not finished are left
    out of the answer.

    Args:
        body (RunIDsRequestPayload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[BulkTTSRunsResults | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RunIDsRequestPayload,
) -> BulkTTSRunsResults | ErrorDetail | HTTPValidationError | None:
    """Fetch text-to-speech results

     Answers presigned URLs for two to five runs at once. Runs that are unknown or not finished are left
    out of the answer.

    Args:
        body (RunIDsRequestPayload):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        BulkTTSRunsResults | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
