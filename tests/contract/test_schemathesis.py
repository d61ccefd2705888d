"""The sandbox under schemathesis: every operation of openapi/camb-tts.yaml, with valid and
invalid inputs, and every built-in check.

One check is narrowed, not dropped: `positive_data_acceptance` expects every schema-valid
request to be accepted, and two kinds of rejection of schema-valid requests are the API's
documented behaviour that no schema can predict:

- `GET /tts-result/{run_id}` answers 400 (documented: "The run id is not valid or is not a
  text-to-speech run") for a run id that does not exist; schemathesis draws random run ids.
- `POST /tts-stream` answers 422 for a well-formed locale the model does not speak (Camb's
  docs: `loc` `["body"]`, listing the allowed ones), a speech model it does not know, or a
  sample rate the format cannot carry (e.g. 2 Hz; mp3 only takes the MPEG rates); the spec only
  says `language` is a lower-case BCP-47 locale and `sample_rate` a positive integer.
- `POST /tts-stream` and `POST /tts` answer 400 for a voice that is not one of the key's
  (the spec's `x-sandbox-choice` answer), and `POST /tts` 422 for a language id that is not
  one of GET /source-languages.

Any other rejection of valid data still fails. The spec-validating transport is not used here:
schemathesis sends invalid requests on purpose, and it does not go through the facade.

Then the same checks run on requests for resources that exist (a finished run, a real task),
which random inputs almost never hit.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
import schemathesis
from schemathesis.core.failures import FailureGroup
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import positive_data_acceptance

from camb.sandbox import Sandbox, running

from .._spec import SPEC_PATH
from .conftest import close_sync, sandbox_client

CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {"max-examples": 25},
        "phases": {"stateful": {"enabled": False}},
    }
)
schema = schemathesis.openapi.from_path(SPEC_PATH, config=CONFIG)

RULES_BEYOND_THE_SCHEMA = {
    "create_tts_stream": {
        ("body",),
        ("body", "speech_model"),
        ("body", "output_configuration", "sample_rate"),
    },
    "create_tts": {("body", "language")},
    # The languages must be ones GET /target-languages lists (Camb's LanguageInput is any string).
    "create_translated_tts": {("body", "source_language"), ("body", "target_language")},
}


def _documented_rejection(case: Any, response: Any) -> bool:
    operation_id = case.operation.definition.raw.get("operationId")
    try:
        body = response.json()
    except ValueError:
        return False
    if operation_id in (
        "get_tts_result",
        "create_tts_stream",
        "create_tts",
        "create_translated_tts",
    ) and (response.status_code == 400):
        return isinstance(body, dict) and isinstance(body.get("detail"), str)
    if operation_id in RULES_BEYOND_THE_SCHEMA and response.status_code == 422:
        detail = body.get("detail") if isinstance(body, dict) else None
        return (
            isinstance(detail, list)
            and bool(detail)
            and all(
                isinstance(item, dict)
                and item.get("type") == "value_error"
                and tuple(item.get("loc", ())) in RULES_BEYOND_THE_SCHEMA[operation_id]
                for item in detail
            )
        )
    return False


def positive_data_acceptance_but_documented_rejections(
    ctx: Any, response: Any, case: Any
) -> bool | None:
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _documented_rejection(case, response):
            return None
        raise


@pytest.fixture(scope="module")
def fuzzed_sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.0, seed=20240611) as sandbox:
        yield sandbox


@schema.parametrize()
def test_the_sandbox_conforms_to_the_spec(case: Any, fuzzed_sandbox: Sandbox) -> None:
    case.call_and_validate(
        base_url=fuzzed_sandbox.url,
        headers={"x-api-key": fuzzed_sandbox.api_key},
        excluded_checks=[positive_data_acceptance],
        additional_checks=[positive_data_acceptance_but_documented_rejections],
    )


@pytest.fixture(scope="module")
def resources(fuzzed_sandbox: Sandbox) -> dict[str, Any]:
    """A finished run and real tasks in every end state, made through the facade."""
    client = sandbox_client(fuzzed_sandbox, max_retries=0)
    try:
        tasks = {
            outcome: client.tts.create(f"Hello {outcome}", 147320, 1)
            for outcome in ("ok", "[error]", "[timeout]", "[payment]", "[duration=30]")
        }
        run_ids = [client.tts.wait(tasks["ok"], timeout=10, poll_interval=0.01)]
        run_ids.append(client.tts.create_and_wait("Hello again", 147320, 1, timeout=10))
    finally:
        close_sync(client)
    return {"tasks": tasks, "run_ids": run_ids}


def _operation(operation_id: str) -> Any:
    return schema.find_operation_by_id(operation_id)


def _call_and_validate(case: Any, sandbox: Sandbox) -> Any:
    try:
        return case.call_and_validate(base_url=sandbox.url, headers={"x-api-key": sandbox.api_key})
    except FailureGroup as failures:
        pytest.fail(str(failures), pytrace=False)


@pytest.mark.parametrize("output_type", ["raw_bytes", "file_url", None])
def test_a_real_run_conforms(
    fuzzed_sandbox: Sandbox, resources: dict[str, Any], output_type: str | None
) -> None:
    query = {} if output_type is None else {"output_type": output_type}
    case = _operation("get_tts_result").Case(
        path_parameters={"run_id": resources["run_ids"][0]}, query=query
    )
    response = _call_and_validate(case, fuzzed_sandbox)
    assert response.status_code == 200
    expected = "application/json" if output_type == "file_url" else "audio/flac"
    assert response.headers["content-type"][0].startswith(expected)


@pytest.mark.parametrize("outcome", ["ok", "[error]", "[timeout]", "[payment]", "[duration=30]"])
def test_a_real_task_conforms(
    fuzzed_sandbox: Sandbox, resources: dict[str, Any], outcome: str
) -> None:
    case = _operation("get_tts_status").Case(
        path_parameters={"task_id": resources["tasks"][outcome]}
    )
    response = _call_and_validate(case, fuzzed_sandbox)
    assert response.status_code == 200
    status = response.json()["status"]
    expected = {
        "ok": "SUCCESS",
        "[error]": "ERROR",
        "[timeout]": "TIMEOUT",
        "[payment]": "PAYMENT_REQUIRED",
        "[duration=30]": "PENDING",
    }
    assert status == expected[outcome]


def test_real_bulk_results_conform(fuzzed_sandbox: Sandbox, resources: dict[str, Any]) -> None:
    case = _operation("get_tts_results").Case(body={"run_ids": [*resources["run_ids"], 10**9]})
    response = _call_and_validate(case, fuzzed_sandbox)
    assert response.status_code == 200
    assert set(response.json()) == {str(run_id) for run_id in resources["run_ids"]}


def test_a_stream_conforms(fuzzed_sandbox: Sandbox) -> None:
    body = {"text": "Hello there", "language": "en-us", "voice_id": 147320}
    case = _operation("create_tts_stream").Case(
        body={**body, "output_configuration": {"format": "mp3"}}
    )
    response = _call_and_validate(case, fuzzed_sandbox)
    assert response.status_code == 200
    assert response.headers["content-type"][0].startswith("audio/mpeg")


def _fake(operation_id: str, status: int, body: Any) -> tuple[Any, Any]:
    operation = SimpleNamespace(definition=SimpleNamespace(raw={"operationId": operation_id}))
    response = SimpleNamespace(status_code=status, json=lambda: body)
    return SimpleNamespace(operation=operation), response


def _value_error(*loc: str) -> dict[str, Any]:
    return {"type": "value_error", "loc": list(loc), "msg": "Value error, not supported"}


@pytest.mark.parametrize(
    ("operation_id", "status", "body", "documented"),
    [
        ("create_tts_stream", 422, {"detail": [_value_error("body")]}, True),
        ("create_tts_stream", 422, {"detail": [_value_error("body", "speech_model")]}, True),
        ("create_tts_stream", 422, {"detail": [_value_error("body", "language")]}, False),
        (
            "create_tts_stream",
            422,
            {"detail": [_value_error("body", "output_configuration", "sample_rate")]},
            True,
        ),
        ("create_tts_stream", 422, {"detail": [_value_error("body", "text")]}, False),
        (
            "create_tts_stream",
            422,
            {"detail": [_value_error("body"), _value_error("body", "voice_id")]},
            False,
        ),
        ("create_tts_stream", 422, {"detail": []}, False),
        ("create_tts_stream", 400, {"detail": "Voice 9 is not available."}, True),
        ("create_tts_stream", 400, {"detail": ["not a string"]}, False),
        ("create_tts", 400, {"detail": "Voice 9 is not available."}, True),
        ("get_tts_result", 400, {"detail": "Run 1 is not a text-to-speech run."}, True),
        ("get_tts_result", 422, {"detail": []}, False),
        ("get_tts_results", 400, {"detail": "bad"}, False),
        ("create_tts", 422, {"detail": [_value_error("body", "language")]}, True),
        ("create_tts", 422, {"detail": [_value_error("body", "voice_id")]}, False),
        ("create_translated_tts", 400, {"detail": "Voice 9 is not available."}, True),
        (
            "create_translated_tts",
            422,
            {"detail": [_value_error("body", "target_language")]},
            True,
        ),
        ("create_translated_tts", 422, {"detail": [_value_error("body", "text")]}, False),
    ],
)
def test_only_documented_rejections_of_valid_data_are_let_through(
    operation_id: str, status: int, body: Any, documented: bool
) -> None:
    assert _documented_rejection(*_fake(operation_id, status, body)) is documented
