"""Translated speech over HTTP: POST /translated-tts, GET /translated-tts/{id}, and its runs
fetched like any other (GET /tts-result, POST /tts-results), their FLAC marked with the language."""

from __future__ import annotations

import io
import time
from typing import Any

import httpx
import numpy as np
import pytest
import soundfile

from camb.sandbox import Sandbox, spoken_language
from camb.sandbox._language_marker import tag_flac

VOICE = 147320


def _create(client: httpx.Client, **fields: Any) -> httpx.Response:
    body = {
        "text": "Hello from Camb.",
        "voice_id": VOICE,
        "source_language": "en-us",
        "target_language": "fr-fr",
        **fields,
    }
    return client.post("/translated-tts", json=body)


def _finished(client: httpx.Client, task_id: str) -> dict[str, Any]:
    for _ in range(200):
        status = client.get(f"/translated-tts/{task_id}").json()
        if status["status"] != "PENDING":
            return dict(status)
        time.sleep(0.02)
    raise AssertionError("the translated task never finished")


@pytest.mark.parametrize(
    ("target", "marked"), [("fr-fr", "fr-fr"), ("de-de", "de-de"), (31, "de-de"), ("54", "es-es")]
)
def test_a_translated_run_is_fetched_like_any_run_and_says_its_language(
    client: httpx.Client, target: object, marked: str
) -> None:
    created = _create(client, target_language=target)
    assert created.status_code == 200, created.text
    status = _finished(client, created.json()["task_id"])
    assert status["status"] == "SUCCESS"
    run_id = status["run_id"]
    flac = client.get(f"/tts-result/{run_id}").content
    assert spoken_language(flac) == marked
    # The marker is a standard Vorbis comment: the audio stays a valid FLAC file.
    samples, rate = soundfile.read(io.BytesIO(flac), dtype="int16")
    assert rate > 0
    assert len(samples) > 0
    url = client.get(f"/tts-result/{run_id}", params={"output_type": "file_url"}).json()
    assert spoken_language(httpx.get(url["output_url"]).content) == marked


def test_bulk_results_serve_translated_runs_of_several_languages(client: httpx.Client) -> None:
    runs = {}
    for target in ("fr-fr", "de-de", "ja-jp"):
        task_id = _create(client, target_language=target).json()["task_id"]
        runs[target] = _finished(client, task_id)["run_id"]
    answer = client.post("/tts-results", json={"run_ids": list(runs.values())}).json()
    for target, run_id in runs.items():
        value = answer[str(run_id)]
        url = value["output_url"] if isinstance(value, dict) else value
        assert spoken_language(httpx.get(url).content) == target


def test_each_language_sounds_different_too(client: httpx.Client) -> None:
    """The stand-in translation is the text tagged with the locale, so its pitch differs."""
    pitches = set()
    for target in ("fr-fr", "de-de"):
        run_id = _finished(client, _create(client, target_language=target).json()["task_id"])[
            "run_id"
        ]
        samples, rate = soundfile.read(io.BytesIO(client.get(f"/tts-result/{run_id}").content))
        spectrum = np.abs(np.fft.rfft(samples[: rate // 2]))
        pitches.add(round(float(np.argmax(spectrum)) * 2))
    assert len(pitches) == 2


def test_speech_that_was_not_translated_has_no_language_marker(client: httpx.Client) -> None:
    task_id = client.post("/tts", json={"text": "Plain.", "voice_id": VOICE, "language": 1})
    run_id = None
    for _ in range(200):
        status = client.get(f"/tts/{task_id.json()['task_id']}").json()
        if status["status"] == "SUCCESS":
            run_id = status["run_id"]
            break
        time.sleep(0.02)
    assert run_id is not None
    assert spoken_language(client.get(f"/tts-result/{run_id}").content) is None


def test_each_status_operation_knows_only_its_own_tasks(client: httpx.Client) -> None:
    translated = _create(client).json()["task_id"]
    plain = client.post("/tts", json={"text": "Plain.", "voice_id": VOICE, "language": 1})
    assert client.get(f"/tts/{translated}").status_code == 404
    assert client.get(f"/translated-tts/{plain.json()['task_id']}").status_code == 404
    assert client.get("/translated-tts/no-such-task").json() == {"detail": "Task not found."}


def test_triggers_decide_a_translated_task_as_they_do_a_task(client: httpx.Client) -> None:
    status = _finished(client, _create(client, text="Fails [error] here.").json()["task_id"])
    assert (status["status"], status["exception_reason"]) == ("ERROR", "PROCESSING_ERROR")


@pytest.mark.parametrize(
    ("fields", "loc", "kind"),
    [
        ({"target_language": "xx-yy"}, ["body", "target_language"], "value_error"),
        ({"source_language": 9999}, ["body", "source_language"], "value_error"),
        ({"target_language": 0}, ["body", "target_language"], "greater_than"),
        ({"target_language": None}, ["body", "target_language"], "string_type"),
        ({"formality": 3}, ["body", "formality"], "enum"),
        ({"project_name": "ab"}, ["body", "project_name"], "string_too_short"),
        ({"chosen_dictionaries": []}, ["body", "chosen_dictionaries"], "too_short"),
        ({"voice_id": "one"}, ["body", "voice_id"], "int_type"),
    ],
)
def test_bad_requests_get_fastapi_shaped_422s(
    client: httpx.Client, fields: dict[str, Any], loc: list[str], kind: str
) -> None:
    response = _create(client, **fields)
    assert response.status_code == 422
    assert [(item["loc"], item["type"]) for item in response.json()["detail"]] == [(loc, kind)]


def test_missing_fields_and_an_unknown_voice(client: httpx.Client) -> None:
    missing = client.post("/translated-tts", json={"text": "Hi"}).json()["detail"]
    assert sorted(tuple(item["loc"]) for item in missing) == [
        ("body", "source_language"),
        ("body", "target_language"),
        ("body", "voice_id"),
    ]
    unknown = _create(client, voice_id=999)
    assert unknown.status_code == 400
    assert "999" in unknown.json()["detail"]


def test_nulls_take_the_servers_defaults(client: httpx.Client) -> None:
    response = _create(client, age=None, formality=None, gender=None, chosen_dictionaries=None)
    assert response.status_code == 200


def test_the_translated_operations_need_the_key(sandbox: Sandbox) -> None:
    assert httpx.post(sandbox.url + "/translated-tts", json={}).status_code == 401
    assert (
        httpx.get(sandbox.url + "/translated-tts/x", headers={"x-api-key": "no"}).status_code == 401
    )


def test_tagging_keeps_every_other_block_and_the_audio() -> None:
    buffer = io.BytesIO()
    samples = (np.arange(4000) % 100).astype("int16")
    soundfile.write(buffer, samples, 24000, format="FLAC", subtype="PCM_16")
    tagged = tag_flac(tag_flac(buffer.getvalue(), "fr-fr"), "hi-in")
    assert spoken_language(tagged) == "hi-in"
    decoded, rate = soundfile.read(io.BytesIO(tagged), dtype="int16")
    assert rate == 24000
    assert np.array_equal(decoded, samples)
    with pytest.raises(ValueError, match="not a FLAC"):
        spoken_language(b"RIFF....WAVE")
