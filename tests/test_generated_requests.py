"""The generated client builds the requests the spec describes (method, path, query, body, key)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from camb_api import AuthenticatedClient
from camb_api.api.tts import (
    create_tts,
    create_tts_stream,
    get_tts_result,
    get_tts_results,
    get_tts_status,
)
from camb_api.api.voices import list_voices
from camb_api.models import (
    AudioFormat,
    CreateStreamTTSRequest,
    CreateTTSRequest,
    Gender,
    InferenceOptions,
    OutputConfiguration,
    OutputType,
    RunIDsRequestPayload,
)

from ._spec import operation, validator_for

KEY = "sk-test-123"
BASE = "https://client.camb.ai/apis"


def _capture(call: Callable[[AuthenticatedClient], Any]) -> httpx.Request:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={})

    client = AuthenticatedClient(
        base_url=BASE,
        token=KEY,
        prefix="",
        auth_header_name="x-api-key",
        httpx_args={"transport": httpx.MockTransport(handler)},
    )
    # Parsing the dummy answer may fail; only the request matters here.
    with contextlib.suppress(KeyError, TypeError, ValueError):
        call(client)
    (request,) = seen
    assert request.headers["x-api-key"] == KEY
    assert "authorization" not in request.headers
    return request


def _assert_body_matches_spec(operation_id: str, request: httpx.Request) -> Any:
    _, _, op = operation(operation_id)
    schema = op["requestBody"]["content"]["application/json"]["schema"]
    body = json.loads(request.content)
    validator_for(schema).validate(body)
    assert request.headers["content-type"] == "application/json"
    return body


def test_create_tts_stream() -> None:
    body = CreateStreamTTSRequest(
        text="Hello there",
        language="en-us",
        voice_id=7,
        speech_model="mars-flash",
        output_configuration=OutputConfiguration(format_=AudioFormat.FLAC, sample_rate=24000),
        inference_options=InferenceOptions(temperature=0.7, inference_steps=10),
    )
    request = _capture(lambda c: create_tts_stream.sync_detailed(client=c, body=body))
    assert (request.method, request.url.raw_path) == ("POST", b"/apis/tts-stream")
    sent = _assert_body_matches_spec("create_tts_stream", request)
    assert sent == {
        "text": "Hello there",
        "language": "en-us",
        "voice_id": 7,
        "speech_model": "mars-flash",
        "output_configuration": {"format": "flac", "sample_rate": 24000},
        "inference_options": {"temperature": 0.7, "inference_steps": 10},
    }


def test_create_tts() -> None:
    body = CreateTTSRequest(text="Hi", voice_id=3, language=1, gender=Gender.VALUE_2)
    request = _capture(lambda c: create_tts.sync_detailed(client=c, body=body))
    assert (request.method, request.url.raw_path) == ("POST", b"/apis/tts")
    sent = _assert_body_matches_spec("create_tts", request)
    assert sent == {"text": "Hi", "voice_id": 3, "language": 1, "gender": 2}


@pytest.mark.parametrize(
    ("task_id", "raw_path"),
    [
        ("abc-123", b"/apis/tts/abc-123"),
        ("a/b", b"/apis/tts/a%2Fb"),
        ("../x", b"/apis/tts/..%2Fx"),
        ("a b?c#d", b"/apis/tts/a%20b%3Fc%23d"),
    ],
)
def test_get_tts_status_percent_encodes_the_task_id(task_id: str, raw_path: bytes) -> None:
    request = _capture(lambda c: get_tts_status.sync_detailed(task_id, client=c))
    assert (request.method, request.url.raw_path) == ("GET", raw_path)
    assert request.content == b""


@pytest.mark.parametrize(
    ("output_type", "query"),
    [
        (None, b""),
        (OutputType.RAW_BYTES, b"output_type=raw_bytes"),
        (OutputType.FILE_URL, b"output_type=file_url"),
    ],
)
def test_get_tts_result(output_type: OutputType | None, query: bytes) -> None:
    def call(c: AuthenticatedClient) -> Any:
        if output_type is None:
            return get_tts_result.sync_detailed(42, client=c)
        return get_tts_result.sync_detailed(42, client=c, output_type=output_type)

    request = _capture(call)
    assert (request.method, request.url.path, request.url.query) == (
        "GET",
        "/apis/tts-result/42",
        query,
    )


def test_get_tts_results() -> None:
    body = RunIDsRequestPayload(run_ids=[12345, 6789, 3])
    request = _capture(lambda c: get_tts_results.sync_detailed(client=c, body=body))
    assert (request.method, request.url.raw_path) == ("POST", b"/apis/tts-results")
    assert _assert_body_matches_spec("get_tts_results", request) == {"run_ids": [12345, 6789, 3]}


def test_list_voices() -> None:
    request = _capture(lambda c: list_voices.sync_detailed(client=c))
    assert (request.method, request.url.raw_path, request.content) == (
        "GET",
        b"/apis/list-voices",
        b"",
    )
