from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.audio_output_file_url_response import AudioOutputFileURLResponse
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.output_type import OutputType
from ...types import UNSET, Response, Unset


def _get_kwargs(
    run_id: int,
    *,
    output_type: OutputType | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_output_type: str | Unset = UNSET
    if not isinstance(output_type, Unset):
        json_output_type = output_type.value

    params["output_type"] = json_output_type

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/tts-result/{run_id}".format(
            run_id=quote(str(run_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError | None:
    if response.status_code == 200:
        response_200 = AudioOutputFileURLResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = ErrorDetail.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = ErrorDetail.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = HTTPValidationError.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = ErrorDetail.from_dict(response.json())

        return response_500

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    run_id: int,
    *,
    client: AuthenticatedClient,
    output_type: OutputType | Unset = UNSET,
) -> Response[AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError]:
    """Get the result of a text-to-speech run

     With `output_type=raw_bytes` (the default) the body is the FLAC audio itself, streamed; with
    `output_type=file_url` it is JSON holding a presigned URL to the file.

    Args:
        run_id (int):
        output_type (OutputType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        output_type=output_type,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    run_id: int,
    *,
    client: AuthenticatedClient,
    output_type: OutputType | Unset = UNSET,
) -> AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError | None:
    """Get the result of a text-to-speech run

     With `output_type=raw_bytes` (the default) the body is the FLAC audio itself, streamed; with
    `output_type=file_url` it is JSON holding a presigned URL to the file.

    Args:
        run_id (int):
        output_type (OutputType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError
    """

    return sync_detailed(
        run_id=run_id,
        client=client,
        output_type=output_type,
    ).parsed


async def asyncio_detailed(
    run_id: int,
    *,
    client: AuthenticatedClient,
    output_type: OutputType | Unset = UNSET,
) -> Response[AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError]:
    """Get the result of a text-to-speech run

     With `output_type=raw_bytes` (the default) the body is the FLAC audio itself, streamed; with
    `output_type=file_url` it is JSON holding a presigned URL to the file.

    Args:
        run_id (int):
        output_type (OutputType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError]
    """

    kwargs = _get_kwargs(
        run_id=run_id,
        output_type=output_type,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    run_id: int,
    *,
    client: AuthenticatedClient,
    output_type: OutputType | Unset = UNSET,
) -> AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError | None:
    """Get the result of a text-to-speech run

     With `output_type=raw_bytes` (the default) the body is the FLAC audio itself, streamed; with
    `output_type=file_url` it is JSON holding a presigned URL to the file.

    Args:
        run_id (int):
        output_type (OutputType | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AudioOutputFileURLResponse | ErrorDetail | HTTPValidationError
    """

    return (
        await asyncio_detailed(
            run_id=run_id,
            client=client,
            output_type=output_type,
        )
    ).parsed
