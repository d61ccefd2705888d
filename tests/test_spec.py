"""The spec is valid OpenAPI 3.1, complete for the TTS surface, and its examples are honest."""

from __future__ import annotations

import re
from typing import Any

import pytest
from openapi_spec_validator import validate

from ._spec import load_spec, operation, operations, resolve, validator_for

EXPECTED_OPERATIONS = {
    ("post", "/tts"): "create_tts",
    ("get", "/tts/{task_id}"): "get_tts_status",
    ("get", "/tts-result/{run_id}"): "get_tts_result",
    ("post", "/tts-results"): "get_tts_results",
    ("post", "/tts-stream"): "create_tts_stream",
    ("get", "/list-voices"): "list_voices",
    ("get", "/source-languages"): "list_source_languages",
    ("get", "/target-languages"): "list_target_languages",
    ("post", "/translated-tts"): "create_translated_tts",
    ("get", "/translated-tts/{task_id}"): "get_translated_tts_status",
}


def test_spec_is_valid_openapi() -> None:
    validate(load_spec())


def test_spec_has_exactly_the_tts_operations_with_short_ids() -> None:
    found = {(m, p): op["operationId"] for m, p, op in operations()}
    assert found == EXPECTED_OPERATIONS
    for _, _, op in operations():
        assert re.fullmatch(r"[a-z_]+", op["operationId"])
        assert op.get("summary")


def test_server_is_the_real_base_url() -> None:
    assert load_spec()["servers"] == [{"url": "https://client.camb.ai/apis"}]


@pytest.mark.parametrize(("method", "path", "op"), operations())
def test_every_operation_uses_the_api_key_and_documents_422(
    method: str, path: str, op: dict[str, Any]
) -> None:
    scheme = load_spec()["components"]["securitySchemes"]["APIKeyHeader"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "x-api-key"}
    assert op["security"] == [{"APIKeyHeader": []}]
    body = resolve(op["responses"]["422"])["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/HTTPValidationError"}


def test_only_post_tts_is_deprecated() -> None:
    deprecated = {op["operationId"] for _, _, op in operations() if op.get("deprecated")}
    assert deprecated == {"create_tts"}


def test_tts_results_keeps_the_seed_constraints() -> None:
    schema = load_spec()["components"]["schemas"]["RunIDsRequestPayload"]
    run_ids = schema["properties"]["run_ids"]
    assert run_ids["minItems"] == 2
    assert run_ids["maxItems"] == 5
    assert run_ids["uniqueItems"] is True
    assert run_ids["items"] == {"type": "integer", "exclusiveMinimum": 0}
    validator = validator_for(schema)
    assert validator.is_valid({"run_ids": [1, 2]})
    for bad in ([1], [1, 2, 3, 4, 5, 6], [1, 1], [0, 1], [-3, 1], [1.5, 2], ["12", 3]):
        assert not validator.is_valid({"run_ids": bad}), bad


def test_bulk_answer_accepts_both_value_shapes() -> None:
    validator = validator_for({"$ref": "#/components/schemas/BulkTTSRunsResults"})
    assert validator.is_valid({"1": {"output_url": "https://x/1.flac"}, "2": "https://x/2.flac"})
    assert not validator.is_valid({"1": 5})
    assert not validator.is_valid({str(i): "u" for i in range(6)})


def test_task_status_lists_documented_values_and_accepts_others() -> None:
    kinds = load_spec()["components"]["schemas"]["TaskStatusKind"]["enum"]
    assert set(kinds) == {"SUCCESS", "PENDING", "TIMEOUT", "ERROR", "PAYMENT_REQUIRED"}
    validator = validator_for({"$ref": "#/components/schemas/TaskStatus"})
    assert validator.is_valid({"status": "QUEUED_SOMEWHERE_NEW"})
    assert validator.is_valid(
        {"status": "ERROR", "run_id": None, "exception_reason": "X", "message": {"a": 1}}
    )
    assert not validator.is_valid({"run_id": 3})


def test_tts_result_declares_both_bodies_and_output_type() -> None:
    _, _, op = operation("get_tts_result")
    content = op["responses"]["200"]["content"]
    assert set(content) == {"audio/flac", "application/json"}
    (param,) = [p for p in op["parameters"] if p["name"] == "output_type"]
    enum = resolve(param["schema"])
    assert enum["enum"] == ["raw_bytes", "file_url"]
    assert enum["default"] == "raw_bytes"


def test_tts_stream_request_schema_and_credits_header() -> None:
    _, _, op = operation("create_tts_stream")
    assert "X-Credits-Required" in op["responses"]["200"]["headers"]
    validator = validator_for({"$ref": "#/components/schemas/CreateStreamTTSRequest"})
    ok = {"text": "abc", "language": "en-us", "voice_id": 1}
    assert validator.is_valid(ok)
    assert not validator.is_valid({**ok, "text": "ab"})
    assert not validator.is_valid({**ok, "text": "a" * 3001})
    assert not validator.is_valid({**ok, "language": "EN-US"})
    assert not validator.is_valid({**ok, "output_configuration": {"format": "ogg"}})
    assert not validator.is_valid({**ok, "inference_options": {"temperature": 5}})
    assert not validator.is_valid({**ok, "inference_options": {"inference_steps": 0}})


def _examples() -> list[tuple[str, Any, dict[str, Any]]]:
    """Every example in the spec, with the schema it illustrates."""
    found: list[tuple[str, Any, dict[str, Any]]] = []
    for _, _, op in operations():
        op_id = op["operationId"]
        bodies = [("request", op.get("requestBody", {}).get("content", {}))]
        bodies += [(code, resolve(r).get("content", {})) for code, r in op["responses"].items()]
        for where, content in bodies:
            for media in content.values():
                if "example" in media:
                    found.append((f"{op_id} {where}", media["example"], media["schema"]))
    for name, schema in load_spec()["components"]["schemas"].items():
        for example in schema.get("examples", []):
            found.append((name, example, schema))
        for prop, sub in schema.get("properties", {}).items():
            for example in sub.get("examples", []):
                found.append((f"{name}.{prop}", example, sub))
    return found


@pytest.mark.parametrize(("where", "example", "schema"), _examples(), ids=lambda v: str(v)[:40])
def test_every_example_validates_against_its_schema(
    where: str, example: Any, schema: dict[str, Any]
) -> None:
    errors = list(validator_for(schema).iter_errors(example))
    assert not errors, f"{where}: {errors[0].message}"


def test_there_are_examples_for_every_operation() -> None:
    covered = {where.split()[0] for where, _, _ in _examples()}
    assert set(EXPECTED_OPERATIONS.values()) <= covered


def test_voice_has_every_official_field_nullable_and_keeps_unknown_ones() -> None:
    voice = load_spec()["components"]["schemas"]["Voice"]
    official = {"id", "voice_name", "gender", "age", "language", "transcript", "description"}
    assert set(voice["properties"]) == official | {"is_published", "signed_url"}
    assert voice["required"] == ["id", "voice_name"]
    validator = validator_for(voice)
    nulls = {name: None for name in voice["properties"] if name not in voice["required"]}
    assert validator.is_valid({"id": 1, "voice_name": "A", **nulls, "new_field": [1]})
    assert not validator.is_valid({"id": 1, "voice_name": None})


def test_languages_answer_id_name_and_locale() -> None:
    validator = validator_for({"$ref": "#/components/schemas/Language"})
    assert validator.is_valid(
        {"id": 1, "language": "English (United States)", "short_name": "en-us"}
    )
    assert not validator.is_valid({"id": "1", "language": "English", "short_name": "en-us"})
    assert not validator.is_valid({"id": 1, "language": "English"})


def test_stream_locales_and_models_are_known_lists_open_to_new_values() -> None:
    schemas = load_spec()["components"]["schemas"]
    locales = schemas["StreamLanguage"]["enum"]
    assert len(locales) == len(set(locales)) == 313
    assert {"ar-kw", "ko-kr", "en-uk", "it-it", "en-in"} <= set(locales)
    assert {"en-gb", "fil-ph", "zh-cn-sichuan"} <= set(locales)
    models = schemas["SpeechModelKind"]
    assert set(models["x-sample-rates"]) == set(models["enum"])
    validator = validator_for({"$ref": "#/components/schemas/CreateStreamTTSRequest"})
    ok = {"text": "abc", "voice_id": 1}
    assert validator.is_valid({**ok, "language": "zh-cn-sichuan", "speech_model": "mars-9"})


def test_answers_no_source_documents_are_marked_and_explained() -> None:
    marked = [
        (op["operationId"], code, response)
        for _, _, op in operations()
        for code, response in op["responses"].items()
        if response.get("x-sandbox-choice")
    ]
    assert {(op_id, code) for op_id, code, _ in marked} == {
        ("create_tts_stream", "400"),
        ("create_tts", "400"),
        ("get_tts_status", "404"),
        ("get_tts_results", "404"),
        ("create_translated_tts", "400"),
        ("get_translated_tts_status", "404"),
    }
    for _, _, response in marked:
        assert "sandbox's choice" in response["description"]
