"""The deprecated task flow over HTTP: POST /tts, GET /tts/{id}, /tts-result, /tts-results."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile

from camb.sandbox import Sandbox, running

from ._helpers import create_task, finished_run, wait_for_status

OPERATIONS = [
    ("POST", "/tts-stream"),
    ("POST", "/tts"),
    ("GET", "/tts/some-task"),
    ("GET", "/tts-result/1000"),
    ("POST", "/tts-results"),
    ("GET", "/list-voices"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
@pytest.mark.parametrize("headers", [{}, {"x-api-key": "wrong-key"}], ids=["missing", "wrong"])
def test_every_operation_needs_the_key(
    sandbox: Sandbox, method: str, path: str, headers: dict[str, str]
) -> None:
    response = httpx.request(method, sandbox.url + path, headers=headers, json={})
    assert response.status_code == 401
    assert isinstance(response.json()["detail"], str)


def test_task_goes_from_pending_to_success_with_a_run_id(client: httpx.Client) -> None:
    task_id = create_task(client)
    first = client.get(f"/tts/{task_id}").json()
    assert first["status"] == "PENDING"
    assert first["run_id"] is None
    final = wait_for_status(client, task_id)
    assert final["status"] == "SUCCESS"
    assert isinstance(final["run_id"], int)
    assert final["run_id"] > 0


def test_run_ids_are_new_for_each_task(client: httpx.Client) -> None:
    runs = [finished_run(client) for _ in range(3)]
    assert len(set(runs)) == 3
    assert runs == sorted(runs)


@pytest.mark.parametrize(
    ("trigger", "status", "reason"),
    [
        ("[error]", "ERROR", "PROCESSING_ERROR"),
        ("[harmful]", "ERROR", "HARMFUL_CONTENT_DETECTED"),
        ("[timeout]", "TIMEOUT", None),
        ("[payment]", "PAYMENT_REQUIRED", "PAYMENT_REQUIRED"),
    ],
)
def test_triggers_choose_the_outcome(
    client: httpx.Client, trigger: str, status: str, reason: str | None
) -> None:
    task_id = create_task(client, f"Say this {trigger} please")
    assert client.get(f"/tts/{task_id}").json()["status"] == "PENDING"
    final = wait_for_status(client, task_id)
    assert final["status"] == status
    assert final["exception_reason"] == reason
    assert final["run_id"] is None
    assert isinstance(final["message"], str)
    assert final["message"]


def test_duration_trigger_overrides_the_pending_time(client: httpx.Client) -> None:
    slow = create_task(client, "Slow one [duration=0.4]")
    quick = create_task(client, "Quick one [duration=0]")
    default = create_task(client, "Default pending time")  # 0.05 s in this module
    assert client.get(f"/tts/{quick}").json()["status"] == "SUCCESS"
    time.sleep(0.1)
    assert client.get(f"/tts/{default}").json()["status"] == "SUCCESS"
    assert client.get(f"/tts/{slow}").json()["status"] == "PENDING"
    time.sleep(0.35)
    assert client.get(f"/tts/{slow}").json()["status"] == "SUCCESS"


def test_unknown_task_is_404(client: httpx.Client) -> None:
    response = client.get("/tts/no-such-task")
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def _decode(data: bytes) -> tuple[np.ndarray[Any, Any], int]:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="int16")
    return samples, rate


def test_raw_bytes_result_is_flac_speech_growing_with_the_text(client: httpx.Client) -> None:
    short_run = finished_run(client, "Hi there")
    long_run = finished_run(client, "This sentence is quite a lot longer than the other one.")
    short = client.get(f"/tts-result/{short_run}")
    long = client.get(f"/tts-result/{long_run}", params={"output_type": "raw_bytes"})
    for response in (short, long):
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/flac"
        assert soundfile.info(io.BytesIO(response.content)).format == "FLAC"
    short_samples, rate = _decode(short.content)
    long_samples, _ = _decode(long.content)
    assert rate >= 8000
    assert len(short_samples) == round(len("Hi there") * 0.06 * rate)
    assert len(long_samples) > 2 * len(short_samples)
    assert np.sqrt(np.mean(long_samples.astype(np.float64) ** 2)) > 1000  # audible, not silence


def test_file_url_result_is_a_url_on_another_origin(client: httpx.Client, sandbox: Sandbox) -> None:
    run_id = finished_run(client)
    response = client.get(f"/tts-result/{run_id}", params={"output_type": "file_url"})
    assert response.status_code == 200
    url = response.json()["output_url"]
    assert url.startswith(sandbox.files_url + "/")
    assert not url.startswith(sandbox.url + "/")


def test_result_of_unknown_or_unfinished_run_is_400(client: httpx.Client) -> None:
    assert client.get("/tts-result/999999").status_code == 400
    done = finished_run(client)
    create_task(client, "Still working [duration=30]")  # run ids are handed out in order
    response = client.get(f"/tts-result/{done + 1}")
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str)
    assert client.get(f"/tts-result/{done}").status_code == 200


@pytest.mark.parametrize(
    ("path", "loc", "kind"),
    [
        ("/tts-result/abc", ["path", "run_id"], "int_parsing"),
        ("/tts-result/0", ["path", "run_id"], "greater_than"),
        ("/tts-result/-3", ["path", "run_id"], "greater_than"),
        ("/tts-result/5?output_type=mp3", ["query", "output_type"], "enum"),
    ],
)
def test_result_parameters_are_validated(
    client: httpx.Client, path: str, loc: list[str], kind: str
) -> None:
    response = client.get(path)
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == loc
    assert item["type"] == kind
    assert isinstance(item["msg"], str)


def test_both_bad_parameters_are_reported_together(client: httpx.Client) -> None:
    response = client.get("/tts-result/x", params={"output_type": "wav"})
    assert response.status_code == 422
    assert [item["loc"] for item in response.json()["detail"]] == [
        ["path", "run_id"],
        ["query", "output_type"],
    ]


@pytest.mark.parametrize(
    ("body", "loc", "kind"),
    [
        ({"voice_id": 147320, "language": 1}, ["body", "text"], "missing"),
        ({"text": "", "voice_id": 147320, "language": 1}, ["body", "text"], "string_too_short"),
        ({"text": "Hi", "voice_id": "1", "language": 1}, ["body", "voice_id"], "int_type"),
        ({"text": "Hi", "voice_id": 1, "language": 1.5}, ["body", "language"], "int_from_float"),
        (
            {"text": "Hi", "voice_id": 1, "language": "EN"},
            ["body", "language"],
            "string_pattern_mismatch",
        ),
        (
            {"text": "Hi", "voice_id": 0, "language": "en-us"},
            ["body", "voice_id"],
            "greater_than_equal",
        ),
        ({"text": "Hi", "voice_id": True, "language": 1}, ["body", "voice_id"], "int_type"),
        ({"text": "Hi", "voice_id": 1.5, "language": 1}, ["body", "voice_id"], "int_from_float"),
        (
            {"text": "Hi", "voice_id": 147320, "language": 1, "gender": 3},
            ["body", "gender"],
            "enum",
        ),
        (
            {"text": "Hi", "voice_id": 147320, "language": 1, "age": -1},
            ["body", "age"],
            "greater_than_equal",
        ),
        ({"text": 5, "voice_id": 147320, "language": 1}, ["body", "text"], "string_type"),
        (["text"], ["body"], "model_attributes_type"),
    ],
)
def test_create_task_body_is_validated(
    client: httpx.Client, body: Any, loc: list[str], kind: str
) -> None:
    response = client.post("/tts", json=body)
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert (item["loc"], item["type"]) == (loc, kind)


@pytest.mark.parametrize(
    ("content", "loc0", "kind"),
    [(b"", "body", "missing"), (b"{not json", "body", "json_invalid")],
)
def test_create_task_needs_a_json_body(
    client: httpx.Client, content: bytes, loc0: str, kind: str
) -> None:
    response = client.post("/tts", content=content, headers={"content-type": "application/json"})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"][0] == loc0
    assert item["type"] == kind


def test_optional_fields_and_unknown_keys_are_accepted(client: httpx.Client) -> None:
    body = {
        "text": "Hi",
        "voice_id": 147320,
        "language": "en-gb",
        "project_name": "pro",
        "project_description": "d" * 5000,
        "folder_id": 3,  # not in Camb's OpenAPI any more: an unknown key
        "gender": 9,
        "age": 0,
        "something_new": [1, 2],
    }
    assert client.post("/tts", json=body).status_code == 200


# --- POST /tts-results ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("run_ids", "loc", "kind"),
    [
        ([1000], ["body", "run_ids"], "too_short"),
        ([], ["body", "run_ids"], "too_short"),
        ([1, 2, 3, 4, 5, 6], ["body", "run_ids"], "too_long"),
        ([1000, 1000], ["body", "run_ids"], "value_error"),
        ([1000, 0], ["body", "run_ids", 1], "greater_than"),
        ([-1, 1000], ["body", "run_ids", 0], "greater_than"),
        ([1000, True], ["body", "run_ids", 1], "int_type"),
        (["12", 1000], ["body", "run_ids", 0], "int_type"),
        ([1000, 1.5], ["body", "run_ids", 1], "int_from_float"),
        ("1000,1001", ["body", "run_ids"], "list_type"),
    ],
)
def test_bulk_run_ids_are_validated_like_fastapi(
    client: httpx.Client, run_ids: Any, loc: list[Any], kind: str
) -> None:
    response = client.post("/tts-results", json={"run_ids": run_ids})
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == loc
    assert item["type"] == kind
    assert isinstance(item["msg"], str)
    assert item["msg"]


@pytest.mark.parametrize("body", [{}, [1000, 1001], "x"])
def test_bulk_body_must_be_an_object_with_run_ids(client: httpx.Client, body: Any) -> None:
    response = client.post("/tts-results", json=body)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][0] == "body"


def test_bulk_leaves_out_unknown_runs(client: httpx.Client) -> None:
    first, second = finished_run(client), finished_run(client)
    response = client.post("/tts-results", json={"run_ids": [first, 777777, second]})
    assert response.status_code == 200
    answer = response.json()
    assert set(answer) == {str(first), str(second)}


def test_bulk_with_no_available_run_is_404(client: httpx.Client) -> None:
    response = client.post("/tts-results", json={"run_ids": [777777, 888888]})
    assert response.status_code == 404
    assert response.json() == {"detail": "None of the requested runs is available."}


def test_bulk_leaves_out_unfinished_runs(client: httpx.Client) -> None:
    done = finished_run(client)
    create_task(client, "Still working [duration=30]")  # gets the next run id
    answer = client.post("/tts-results", json={"run_ids": [done, done + 1]}).json()
    assert list(answer) == [str(done)]


@pytest.mark.parametrize("shape", ["object", "string", "mixed"])
def test_bulk_value_shapes(shape: str) -> None:
    with (
        running(task_duration=0.0, bulk_value_shape=shape) as sb,
        httpx.Client(base_url=sb.url, headers={"x-api-key": sb.api_key}) as client,
    ):
        runs = [finished_run(client) for _ in range(4)]
        answer = client.post("/tts-results", json={"run_ids": runs}).json()
        assert list(answer) == [str(run) for run in runs]
        values = list(answer.values())
        objects = [isinstance(value, dict) for value in values]
        if shape == "object":
            assert all(objects)
        elif shape == "string":
            assert not any(objects)
        else:
            assert any(objects)
            assert not all(objects)
        for value in values:
            url = value["output_url"] if isinstance(value, dict) else value
            download = httpx.get(url)
            assert download.status_code == 200
            assert soundfile.info(io.BytesIO(download.content)).format == "FLAC"


# --- GET /list-voices ----------------------------------------------------------------------


def test_list_voices(client: httpx.Client) -> None:
    response = client.get("/list-voices")
    assert response.status_code == 200
    voices = response.json()
    assert 5 <= len(voices) <= 8
    assert len({voice["id"] for voice in voices}) == len(voices)
    for voice in voices:
        assert isinstance(voice["id"], int)
        assert isinstance(voice["voice_name"], str)


def test_unknown_path_is_a_json_404(client: httpx.Client) -> None:
    response = client.get("/no-such-endpoint")
    assert response.status_code == 404
    assert isinstance(response.json()["detail"], str)


def test_wrong_method_is_a_json_405(client: httpx.Client) -> None:
    response = client.get("/tts-stream")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"]
    assert isinstance(response.json()["detail"], str)
