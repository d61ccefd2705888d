"""Every answer of the sandbox, for each operation, conforms to openapi/camb-tts.yaml."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from camb.sandbox import Sandbox, running

from . import _spec
from ._helpers import STREAM_BODY, create_task, finished_run

Scenario = Callable[[httpx.Client], tuple[str, str, httpx.Response]]


def assert_conforms(template: str, method: str, response: httpx.Response) -> None:
    """The status is documented for the operation and the body matches its schema."""
    status = response.status_code
    assert status in _spec.documented_statuses(template, method), (template, status)
    media = _spec.response_media(template, method, status)
    content_type = response.headers["content-type"].split(";")[0].strip()
    assert content_type in media, (template, status, content_type)
    if content_type == "application/json":
        schema = media[content_type]["schema"]
        _spec.validator(schema).validate(response.json())
    else:
        assert media[content_type]["schema"] == {"type": "string", "format": "binary"}
    headers = _spec.resolve(_spec.operation(template, method)["responses"][str(status)])
    for name, header in headers.get("headers", {}).items():
        assert name.lower() in response.headers, name
        if header["schema"]["type"] == "number":
            float(response.headers[name])


@pytest.fixture(scope="module")
def conforming() -> Iterator[Sandbox]:
    with running(task_duration=0.05) as sb:
        yield sb


@pytest.fixture
def api(conforming: Sandbox) -> Iterator[httpx.Client]:
    headers = {"x-api-key": conforming.api_key}
    with httpx.Client(base_url=conforming.url, headers=headers, timeout=10) as client:
        yield client


STREAM = ("/tts-stream", "POST")


@pytest.mark.parametrize(
    "fmt", ["wav", "flac", "adts", "mp3", "pcm_s16le", "pcm_s32be", "pcm_f32le"]
)
def test_stream_audio(api: httpx.Client, fmt: str) -> None:
    response = api.post(
        "/tts-stream", json={**STREAM_BODY, "output_configuration": {"format": fmt}}
    )
    assert response.status_code == 200
    assert_conforms(*STREAM, response)


@pytest.mark.parametrize(
    "body",
    [
        {},
        {**STREAM_BODY, "text": "no"},
        {**STREAM_BODY, "language": "xx-yy"},
        {**STREAM_BODY, "output_configuration": {"format": "ogg", "sample_rate": -1}},
        [1, 2],
    ],
)
def test_stream_validation_errors(api: httpx.Client, body: Any) -> None:
    response = api.post("/tts-stream", json=body)
    assert response.status_code == 422
    assert_conforms(*STREAM, response)


def test_stream_bad_json(api: httpx.Client) -> None:
    response = api.post(
        "/tts-stream", content=b'{"text": ', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    assert_conforms(*STREAM, response)


def test_task_flow_answers(api: httpx.Client) -> None:
    created = api.post("/tts", json={"text": "Conformance", "voice_id": 147320, "language": 1})
    assert_conforms("/tts", "POST", created)
    task_id = created.json()["task_id"]
    pending = api.get(f"/tts/{task_id}")
    assert pending.json()["status"] == "PENDING"
    assert_conforms("/tts/{task_id}", "GET", pending)
    run_id = finished_run(api)
    assert_conforms("/tts/{task_id}", "GET", api.get(f"/tts/{task_id}"))
    for trigger in ("[error]", "[harmful]", "[timeout]", "[payment]"):
        failed = create_task(api, f"x {trigger} [duration=0]")
        assert_conforms("/tts/{task_id}", "GET", api.get(f"/tts/{failed}"))
    assert_conforms("/tts/{task_id}", "GET", api.get("/tts/unknown"))
    result = "/tts-result/{run_id}"
    assert_conforms(result, "GET", api.get(f"/tts-result/{run_id}"))
    assert_conforms(result, "GET", api.get(f"/tts-result/{run_id}?output_type=file_url"))
    assert_conforms(result, "GET", api.get(f"/tts-result/{run_id}?output_type=raw_bytes"))
    assert_conforms(result, "GET", api.get("/tts-result/424242"))
    assert_conforms(result, "GET", api.get("/tts-result/nope?output_type=all"))


@pytest.mark.parametrize(
    "body",
    [{}, {"text": ""}, {"text": "x", "voice_id": "1", "language": "en-us", "gender": 4}, "x"],
)
def test_create_task_validation_errors(api: httpx.Client, body: Any) -> None:
    response = api.post("/tts", json=body)
    assert response.status_code == 422
    assert_conforms("/tts", "POST", response)


@pytest.mark.parametrize("shape", ["object", "string", "mixed"])
def test_bulk_results(shape: str) -> None:
    with (
        running(task_duration=0.0, bulk_value_shape=shape) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as api,
    ):
        runs = [finished_run(api) for _ in range(5)]
        for requested in (runs[:2], runs, [runs[0], 99999], [99998, 99999]):
            response = api.post("/tts-results", json={"run_ids": requested})
            assert_conforms("/tts-results", "POST", response)
        for bad in ([runs[0]], [*runs, 99999], [1, 1], [0, 1], [True, 1], ["1", 2], None):
            response = api.post("/tts-results", json={"run_ids": bad})
            assert response.status_code == 422
            assert_conforms("/tts-results", "POST", response)


def test_voices(api: httpx.Client) -> None:
    assert_conforms("/list-voices", "GET", api.get("/list-voices"))


@pytest.mark.parametrize(
    ("template", "method", "path"),
    [
        ("/tts-stream", "POST", "/tts-stream"),
        ("/tts", "POST", "/tts"),
        ("/tts/{task_id}", "GET", "/tts/abc"),
        ("/tts-result/{run_id}", "GET", "/tts-result/1"),
        ("/tts-results", "POST", "/tts-results"),
        ("/list-voices", "GET", "/list-voices"),
    ],
)
def test_unauthorized(conforming: Sandbox, template: str, method: str, path: str) -> None:
    response = httpx.request(method, conforming.url + path, json={"text": "x"})
    assert response.status_code == 401
    assert_conforms(template, method, response)


def _request_body(template: str) -> dict[str, Any]:
    body: dict[str, Any] = _spec.operation(template, "POST")["requestBody"]["content"]
    return body["application/json"]


@pytest.mark.parametrize(
    ("template", "status"), [("/tts-stream", 200), ("/tts", 200), ("/tts-results", 404)]
)
def test_the_spec_examples_are_accepted(api: httpx.Client, template: str, status: int) -> None:
    body = _request_body(template)
    _spec.validator(body["schema"]).validate(body["example"])
    response = api.post(template, json=body["example"])
    assert response.status_code == status  # the example's run ids do not exist here: 404
    assert_conforms(template, "POST", response)
