from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_translated_tts_request import CreateTranslatedTTSRequest
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.task_id import TaskID
from ...types import Response


def _get_kwargs(
    *,
    body: CreateTranslatedTTSRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/translated-tts",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> ErrorDetail | HTTPValidationError | TaskID | None:
    if response.status_code == 200:
        response_200 = TaskID.from_dict(response.json())

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

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[ErrorDetail | HTTPValidationError | TaskID]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateTranslatedTTSRequest,
) -> Response[ErrorDetail | HTTPValidationError | TaskID]:
    """Create a translated text-to-speech task

     Translates `text` from `source_language` into `target_language` and speaks the translation. Answers
    a task id; poll GET /translated-tts/{task_id}, then fetch the run's audio with GET /tts-
    result/{run_id} or POST /tts-results, like any speech run. One target language per task.

    Args:
        body (CreateTranslatedTTSRequest): Camb's CreateTranslatedTTSRequestPayload: the text, its
            language, the language to speak it in, and the voice. project_name and project_description
            come from Camb's CreateTaskWithNameAndDescription.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | TaskID]
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
    body: CreateTranslatedTTSRequest,
) -> ErrorDetail | HTTPValidationError | TaskID | None:
    """Create a translated text-to-speech task

     Translates `text` from `source_language` into `target_language` and speaks the translation. Answers
    a task id; poll GET /translated-tts/{task_id}, then fetch the run's audio with GET /tts-
    result/{run_id} or POST /tts-results, like any speech run. One target language per task.

    Args:
        body (CreateTranslatedTTSRequest): Camb's CreateTranslatedTTSRequestPayload: the text, its
            language, the language to speak it in, and the voice. project_name and project_description
            come from Camb's CreateTaskWithNameAndDescription.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | TaskID
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateTranslatedTTSRequest,
) -> Response[ErrorDetail | HTTPValidationError | TaskID]:
    """Create a translated text-to-speech task

     Translates `text` from `source_language` into `target_language` and speaks the translation. Answers
    a task id; poll GET /translated-tts/{task_id}, then fetch the run's audio with GET /tts-
    result/{run_id} or POST /tts-results, like any speech run. One target language per task.

    Args:
        body (CreateTranslatedTTSRequest): Camb's CreateTranslatedTTSRequestPayload: the text, its
            language, the language to speak it in, and the voice. project_name and project_description
            come from Camb's CreateTaskWithNameAndDescription.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[ErrorDetail | HTTPValidationError | TaskID]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateTranslatedTTSRequest,
) -> ErrorDetail | HTTPValidationError | TaskID | None:
    """Create a translated text-to-speech task

     Translates `text` from `source_language` into `target_language` and speaks the translation. Answers
    a task id; poll GET /translated-tts/{task_id}, then fetch the run's audio with GET /tts-
    result/{run_id} or POST /tts-results, like any speech run. One target language per task.

    Args:
        body (CreateTranslatedTTSRequest): Camb's CreateTranslatedTTSRequestPayload: the text, its
            language, the language to speak it in, and the voice. project_name and project_description
            come from Camb's CreateTaskWithNameAndDescription.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        ErrorDetail | HTTPValidationError | TaskID
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
