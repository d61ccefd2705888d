"""Request validation: the rule tables mirror the spec, and agree with a JSON Schema validator."""

from __future__ import annotations

import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from camb.sandbox._validation import (
    CREATE_STREAM_TTS,
    CREATE_TTS,
    INFERENCE_OPTIONS,
    OUTPUT_CONFIGURATION,
    VOICE_SETTINGS,
    Prop,
    RequestInvalid,
    check_object,
    parse_json_body,
    parse_output_type,
    parse_run_id,
    parse_stream_request,
    run_ids_errors,
)

from . import _spec

TABLES = {
    "CreateStreamTTSRequest": CREATE_STREAM_TTS,
    "OutputConfiguration": OUTPUT_CONFIGURATION,
    "VoiceSettings": VOICE_SETTINGS,
    "InferenceOptions": INFERENCE_OPTIONS,
    "CreateTTSRequest": CREATE_TTS,
}


def props_from_spec(schema: dict[str, Any]) -> dict[str, Prop]:
    required = set(schema.get("required", []))
    found = {}
    for name, raw in schema["properties"].items():
        prop = _spec.resolve(raw)
        other = None
        if "anyOf" in prop:
            branches = [_spec.resolve(branch) for branch in prop["anyOf"]]
            # An open enum: the sandbox checks its free-string branch.
            prop = next(branch for branch in branches if "enum" not in branch)
            # A string of a form or an integer (LanguageInput): both branches.
            extra = [b for b in branches if b is not prop and "enum" not in b]
            if extra:
                (other,) = props_from_spec({"properties": {name: extra[0]}}).values()
                other = attrs.evolve(other, required=name in required)
        kind = prop["type"]
        found[name] = Prop(
            name,
            kind,
            required=name in required,
            min_length=prop.get("minLength"),
            max_length=prop.get("maxLength"),
            pattern=prop.get("pattern"),
            minimum=prop.get("minimum"),
            maximum=prop.get("maximum"),
            exclusive_minimum=prop.get("exclusiveMinimum"),
            enum=tuple(prop["enum"]) if "enum" in prop else None,
            title=prop.get("title", "") if kind == "object" else "",
            props=tuple(props_from_spec(prop).values()) if kind == "object" else (),
            other=other,
        )
    return found


@pytest.mark.parametrize("name", TABLES)
def test_rule_tables_mirror_the_spec(name: str) -> None:
    table = {prop.name: prop for prop in TABLES[name]}
    expected = props_from_spec(_spec.component(name))
    assert table.keys() == expected.keys()
    for key, prop in expected.items():
        mine = table[key]
        assert mine == prop or (
            # nested objects: same rules, compared field by field (order may differ)
            mine.kind == "object"
            and {p.name: p for p in mine.props} == {p.name: p for p in prop.props}
            and (mine.title, mine.required) == (prop.title, prop.required)
        ), key


def test_run_ids_rules_mirror_the_spec() -> None:
    schema = _spec.component("RunIDsRequestPayload")
    run_ids = schema["properties"]["run_ids"]
    assert schema["required"] == ["run_ids"]
    assert (run_ids["minItems"], run_ids["maxItems"], run_ids["uniqueItems"]) == (2, 5, True)
    assert run_ids["items"] == {"type": "integer", "exclusiveMinimum": 0}


# --- agreement with jsonschema on generated bodies ------------------------------------------

ANY_JSON = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 200_000),
    st.sampled_from([0, 0.0, 0.005, 0.01, 0.5, 1, 1.0, 2.5, 3.0, 4, 4.5, 9, 1000, 1001]),
    st.floats(-5, 5, allow_nan=False),
    st.text(max_size=4),
    st.lists(st.integers(0, 3), max_size=2),
    st.dictionaries(st.text(max_size=2), st.integers(), max_size=2),
)
TEXTS = st.integers(0, 3005).map(lambda n: "a" * n)
LOCALES = st.sampled_from(["en-us", "EN-US", "e", "en-", "zh-cn", "abcd-x", "pt-br-x1", "xx-yy"])


def valid_values(prop: Prop) -> st.SearchStrategy[Any]:
    """Values of one property that its rule accepts (mostly)."""
    if prop.kind == "object":
        return valid_body_of(prop.props)
    if prop.other is not None:
        return st.one_of(valid_values(attrs.evolve(prop, other=None)), valid_values(prop.other))
    if prop.enum is not None:
        return st.sampled_from(prop.enum)
    if prop.kind == "string":
        if prop.pattern:
            return st.sampled_from(["en-us", "zh-cn", "xx-yy", "pt-br-x1"])
        return st.integers(prop.min_length or 0, prop.max_length or 50).map(lambda n: "b" * n)
    if prop.kind == "boolean":
        return st.booleans()
    low = prop.minimum if prop.minimum is not None else prop.exclusive_minimum
    high = prop.maximum
    if prop.kind == "integer":
        return st.integers(int(low or 0), int(high or 10**6))
    return st.floats(low or 0, high or 1000, allow_nan=False)


def edge_values(prop: Prop) -> st.SearchStrategy[Any]:
    """Values of one property near or past its rule's limits, and anything else JSON holds."""
    if prop.kind == "object":
        return st.one_of(nearly_valid_body_of(prop.props), ANY_JSON)
    if prop.kind == "string":
        return st.one_of(ANY_JSON, LOCALES if prop.pattern else TEXTS)
    return ANY_JSON


def valid_body_of(props: tuple[Prop, ...]) -> st.SearchStrategy[dict[str, Any]]:
    required = {prop.name: valid_values(prop) for prop in props if prop.required}
    optional = {prop.name: valid_values(prop) for prop in props if not prop.required}
    return st.fixed_dictionaries(required, optional=optional)


def nearly_valid_body_of(props: tuple[Prop, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Valid bodies but for one property, which gets an edge value (or goes missing)."""
    options = []
    for target in props:
        required = {
            prop.name: edge_values(prop) if prop is target else valid_values(prop)
            for prop in props
            if prop.required and prop is not target
        }
        optional = {prop.name: valid_values(prop) for prop in props if not prop.required}
        optional[target.name] = edge_values(target)
        optional["unknown_extra"] = ANY_JSON
        options.append(st.fixed_dictionaries(required, optional=optional))
    return st.one_of(options)


def body_of(props: tuple[Prop, ...]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies valid, nearly valid (one property off), or anything in between."""
    anything = {prop.name: st.one_of(valid_values(prop), edge_values(prop)) for prop in props}
    partial = st.fixed_dictionaries({}, optional=anything)
    return st.one_of(valid_body_of(props), nearly_valid_body_of(props), partial)


def _agrees(props: tuple[Prop, ...], schema_name: str, body: Any) -> None:
    _, errors = check_object(body, props, ("body",))
    assert (not errors) == _spec.schema_validator(schema_name).is_valid(body), errors


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(body_of(CREATE_STREAM_TTS), ANY_JSON))
def test_stream_rules_agree_with_the_schema(body: Any) -> None:
    _agrees(CREATE_STREAM_TTS, "CreateStreamTTSRequest", body)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(body_of(CREATE_TTS), ANY_JSON))
def test_task_rules_agree_with_the_schema(body: Any) -> None:
    _agrees(CREATE_TTS, "CreateTTSRequest", body)


RUN_ID_ITEMS = st.one_of(
    st.integers(-2, 8), st.booleans(), st.sampled_from([1.0, 2.0, 2.5]), st.text(max_size=2)
)


@settings(max_examples=200, deadline=None)
@given(
    st.one_of(
        ANY_JSON,
        st.fixed_dictionaries(
            {}, optional={"run_ids": st.one_of(ANY_JSON, st.lists(RUN_ID_ITEMS, max_size=7))}
        ),
    )
)
def test_run_ids_rules_agree_with_the_schema(body: Any) -> None:
    _, errors = run_ids_errors(body)
    assert (not errors) == _spec.schema_validator("RunIDsRequestPayload").is_valid(body), errors


# --- details --------------------------------------------------------------------------------


def test_errors_have_fastapi_fields() -> None:
    _, errors = check_object({"text": 3}, CREATE_STREAM_TTS, ("body",))
    assert [error["loc"] for error in errors] == [
        ["body", "text"],
        ["body", "language"],
        ["body", "voice_id"],
    ]
    for error in errors:
        assert set(error) >= {"loc", "msg", "type", "input"}
    json.dumps(errors)


def test_integers_may_be_written_as_floats() -> None:
    request = parse_stream_request(
        json.dumps(
            {"text": "abc", "language": "en-us", "voice_id": 5.0, "output_configuration": {}}
        ).encode()
    )
    assert request.voice_id == 5
    assert isinstance(request.voice_id, int)


@pytest.mark.parametrize("raw", [b"NaN", b'{"text": Infinity}', b"1e999", b"\xff\xfe"])
def test_non_json_numbers_and_bytes_are_rejected(raw: bytes) -> None:
    with pytest.raises(RequestInvalid) as caught:
        parse_json_body(raw)
    assert caught.value.errors[0]["type"] == "json_invalid"


def test_stream_request_defaults() -> None:
    request = parse_stream_request(b'{"text": "abc", "language": "hi-in", "voice_id": 1}')
    assert (request.format, request.sample_rate, request.duration) == ("mp3", 48000, None)
    assert request.speech_model == "mars-8.1-flash-beta"


@pytest.mark.parametrize(
    ("model", "rate"),
    [
        ("mars-pro", 48000),
        ("mars-8.1-pro-beta", 48000),
        ("mars-8.1-flash-beta", 48000),
        ("mars-flash", 22050),
        ("mars-instruct", 22050),
    ],
)
def test_each_model_speaks_at_its_documented_rate(model: str, rate: int) -> None:
    body = {"text": "abc", "language": "en-us", "voice_id": 1, "speech_model": model}
    request = parse_stream_request(json.dumps(body).encode())
    assert request.sample_rate == rate
    asked = {**body, "output_configuration": {"sample_rate": 16000, "format": "wav"}}
    assert parse_stream_request(json.dumps(asked).encode()).sample_rate == 16000


@pytest.mark.parametrize(("text", "value"), [("1", 1), ("000042", 42), ("+7", 7)])
def test_run_id_parsing(text: str, value: int) -> None:
    assert parse_run_id(text) == value


def test_output_type_default() -> None:
    assert parse_output_type(None) == "raw_bytes"
    assert parse_output_type("file_url") == "file_url"
