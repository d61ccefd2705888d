"""Answers, property-based: the facade parses every answer the spec allows, and turns every answer
it does not (not JSON, an HTML page, a missing field, a wrong type, random JSON, an unknown task
status) into a typed `camb.CambError`. Nothing else ever escapes: no KeyError, TypeError,
AttributeError, UnicodeDecodeError, RecursionError or httpx error, and never an
`InvalidInputError` (that one is for the caller's arguments, not the server's answers).

Bodies for valid answers come from hypothesis-jsonschema over each JSON response schema of
`openapi/camb-tts.yaml` (its `$ref`s inlined), for every operation and status, 422 included;
each answer is served through a spec-validating MockTransport.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from hypothesis_jsonschema import from_schema

import camb
from camb import _sync_runtime
from camb import _validation as check

from .._spec import operations, resolve, validator_for
from .conftest import Mocked

# Derandomized, so every run (and CI) tries the same examples; no shrinking, so a failure is
# reported with the example as drawn (bodies are small anyway) and a failing property costs the
# CI budget seconds, not minutes. The tables below name each known failure mode explicitly.
PROPERTY_SETTINGS = settings(
    max_examples=50,
    deadline=None,
    derandomize=True,
    phases=(Phase.explicit, Phase.generate),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# The error bodies are two schemas (ErrorDetail, HTTPValidationError) shared by every operation.
ERROR_SETTINGS = settings(PROPERTY_SETTINGS, max_examples=25)
DOCUMENTED = {"SUCCESS", "PENDING", "ERROR", "TIMEOUT", "PAYMENT_REQUIRED"}
BULK_IDS = [11, 12, 13, 14, 15]


def inline(node: Any) -> Any:
    """A schema with every local `$ref` replaced by what it points at (the spec has no cycles)."""
    if isinstance(node, dict):
        if "$ref" in node:
            return inline(resolve(node))
        return {key: inline(value) for key, value in node.items()}
    if isinstance(node, list):
        return [inline(value) for value in node]
    return node


def bounded(schema: Any) -> Any:
    """The same schema with sizes bounded (arrays of at most 3 items; objects with at most 2
    properties beyond those declared, with scalar values): every value it allows, the original
    allows too, and hypothesis-jsonschema draws it in a fraction of the time."""
    if isinstance(schema, list):
        return [bounded(value) for value in schema]
    if not isinstance(schema, dict):
        return schema
    out = {key: bounded(value) for key, value in schema.items()}
    if out.get("type") == "array":
        out.setdefault("maxItems", 3)
    if out.get("type") == "object" and "properties" in out:
        out.setdefault("additionalProperties", SCALAR)
        out.setdefault("maxProperties", len(out["properties"]) + 2)
    return out


SCALAR = {"type": ["string", "integer", "number", "boolean", "null"]}


def json_responses() -> list[tuple[str, int, dict[str, Any]]]:
    """(operationId, status, inlined schema) for every JSON response in the spec."""
    found = []
    for _method, _path, op in operations():
        for status, response in op["responses"].items():
            content = resolve(response).get("content", {})
            if "application/json" in content:
                schema = inline(content["application/json"]["schema"])
                found.append((op["operationId"], int(status), schema))
    return found


RESPONSES = json_responses()
SCHEMAS = {(op, status): schema for op, status, schema in RESPONSES}
VALIDATORS = {key: validator_for(schema) for key, schema in SCHEMAS.items()}
STRATEGIES = {key: from_schema(bounded(schema)) for key, schema in SCHEMAS.items()}
SUCCESS_SCHEMAS = sorted(op for op, status in SCHEMAS if status == 200)

CALLS: dict[str, Callable[[Any], Any]] = {
    "create_tts_stream": lambda c: c.tts.stream("Hello there", 1, "en-us").read(),
    "create_tts": lambda c: c.tts.create("Hello", 1, 1),
    "get_tts_status": lambda c: c.tts.status("task-1"),
    "get_tts_result": lambda c: c.tts.result_url(7),
    "get_tts_results": lambda c: c.tts.results(BULK_IDS, raise_on_error=False),
    "list_voices": lambda c: c.voices.list(),
    "list_source_languages": lambda c: c.languages.source(),
    "list_target_languages": lambda c: c.languages.target(),
    "create_translated_tts": lambda c: c.tts.create_translated("Hello", 1, "en-us", "fr-fr"),
    "get_translated_tts_status": lambda c: c.tts.translated_status("task-1"),
}
# The list answers: read leniently (an item that cannot be read is skipped with a warning).
LIST_OPS = {"list_voices", "list_source_languages", "list_target_languages"}
VOICE_FIELDS = [
    "id",
    "voice_name",
    "gender",
    "age",
    "language",
    "transcript",
    "description",
    "is_published",
    "signed_url",
]
LANGUAGE_FIELDS = ["id", "language", "short_name"]
ERROR_CLASSES: dict[int, type[camb.APIStatusError]] = {
    400: camb.BadRequestError,
    401: camb.AuthenticationError,
    404: camb.NotFoundError,
    422: camb.ValidationError,
    500: camb.ServerError,
}


def test_every_json_response_of_the_spec_is_covered() -> None:
    assert {op for op, _, _ in RESPONSES} == set(CALLS)
    assert len(RESPONSES) == 37
    assert ("create_tts_stream", 422) in SCHEMAS
    assert ("get_tts_result", 500) in SCHEMAS


def _serve(status: int, content: bytes, headers: dict[str, str] | None = None) -> Any:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=content, headers=headers)

    return handler


def _json_bytes(body: Any) -> bytes:
    return json.dumps(body).encode()


def _outcome(api: Mocked, call: Callable[[Any], Any]) -> tuple[Any, camb.CambError | None]:
    """What `call` answered or which CambError it raised. Anything else propagates (and fails)."""
    try:
        return api.run(call), None
    except camb.CambError as raised:
        error = raised
    finally:
        api.close()
    assert not isinstance(error, camb.InvalidInputError), f"input error for an answer: {error}"
    assert str(error)
    return None, error


def _bulk_partition(results: camb.BulkResults) -> None:
    """Every id asked for is accounted for exactly once."""
    urls, unavailable, failed = set(results), set(results.unavailable), set(results.failed)
    assert urls | unavailable | failed == set(BULK_IDS)
    assert len(urls) + len(unavailable) + len(failed) == len(BULK_IDS)


# --- valid answers -------------------------------------------------------------------------------


def _expected_status(body: dict[str, Any]) -> camb.TaskStatus | None:
    run_id = body.get("run_id")
    if run_id is not None and not (isinstance(run_id, int) and run_id > 0):
        return None  # the facade refuses a run id that no run can have (spec: any integer)
    return camb.TaskStatus(
        task_id="task-1",
        status=body["status"],
        run_id=run_id,
        exception_reason=body.get("exception_reason"),
        message=body.get("message"),
    )


def _usable_task_id(task_id: str) -> bool:
    """Whether status()/wait() take this task id (the facade's own rule for task ids)."""
    try:
        check.task_id("task_id", task_id)
    except camb.InvalidInputError:
        return False
    return True


def _expected_item(cls: Any, fields: list[str], item: dict[str, Any]) -> Any:
    """The model a valid list item becomes: its known fields, and the rest in `extra`."""
    extra = {key: value for key, value in item.items() if key not in fields}
    return cls(**{f: item.get(f) for f in fields}, extra=extra)


def _check_success(op: str, body: Any, value: Any, error: camb.CambError | None) -> None:
    if op in ("create_tts", "create_translated_tts"):
        task_id = body["task_id"]
        if task_id and _usable_task_id(task_id):
            assert (value, error) == (task_id, None)
        elif task_id and error is None:
            # Returned as it is: then status() must take it too (see
            # test_a_task_id_the_server_hands_out_is_never_refused_as_input).
            assert value == task_id
        else:
            assert isinstance(error, camb.UnexpectedResponseError)
    elif op in ("get_tts_status", "get_translated_tts_status"):
        expected = _expected_status(body)
        if expected is None:
            assert isinstance(error, camb.UnexpectedResponseError)
        else:
            assert error is None
            assert value == expected
            assert value.is_success == (body["status"] == "SUCCESS")
            assert value.is_pending == (body["status"] == "PENDING")
            assert value.is_documented == (body["status"] in DOCUMENTED)
    elif op == "get_tts_result":
        url = body.get("output_url")
        if isinstance(url, str) and url:
            assert (value, error) == (url, None)
        else:  # the spec does not require output_url; without it there is nothing to return
            assert isinstance(error, camb.UnexpectedResponseError)
    elif op == "get_tts_results":
        assert error is None
        _bulk_partition(value)
        for run_id in BULK_IDS:
            answer = body.get(str(run_id))
            if answer is None:
                assert run_id in value.unavailable
                continue
            url = answer.get("output_url") if isinstance(answer, dict) else answer
            if isinstance(url, str) and url:
                assert value[run_id] == url
            else:
                assert isinstance(value.failed[run_id], camb.UnexpectedResponseError)
    elif op == "list_voices":
        assert error is None
        assert value == [_expected_item(camb.Voice, VOICE_FIELDS, item) for item in body]
    elif op in ("list_source_languages", "list_target_languages"):
        assert error is None
        assert value == [_expected_item(camb.Language, LANGUAGE_FIELDS, item) for item in body]
    else:  # pragma: no cover - every JSON 200 is listed above
        raise AssertionError(op)


@pytest.mark.parametrize("op", SUCCESS_SCHEMAS)
@PROPERTY_SETTINGS
@given(data=st.data())
def test_every_valid_answer_is_parsed(op: str, data: st.DataObject) -> None:
    body = data.draw(STRATEGIES[(op, 200)], label="body")
    VALIDATORS[(op, 200)].validate(body)
    api = Mocked("sync", _serve(200, _json_bytes(body)), max_retries=0)
    value, error = _outcome(api, CALLS[op])
    _check_success(op, body, value, error)


# Keys drawn from the ids asked for, so that every answer says something about them.
BULK_KEYED_SCHEMA = {
    **bounded(SCHEMAS[("get_tts_results", 200)]),
    "propertyNames": {"enum": [str(run_id) for run_id in BULK_IDS]},
}


@PROPERTY_SETTINGS
@given(body=from_schema(BULK_KEYED_SCHEMA))
def test_every_valid_bulk_answer_for_the_ids_asked_is_parsed(body: dict[str, Any]) -> None:
    VALIDATORS[("get_tts_results", 200)].validate(body)
    api = Mocked("sync", _serve(200, _json_bytes(body)), max_retries=0)
    value, error = _outcome(api, CALLS["get_tts_results"])
    _check_success("get_tts_results", body, value, error)
    assert len(value) + len(value.failed) == len(body)


ERROR_CASES = sorted((op, status) for op, status in SCHEMAS if status != 200)


@pytest.mark.parametrize(("op", "status"), ERROR_CASES)
@ERROR_SETTINGS
@given(data=st.data())
def test_every_documented_error_answer_is_its_typed_error(
    op: str, status: int, data: st.DataObject
) -> None:
    body = data.draw(STRATEGIES[(op, status)], label="body")
    VALIDATORS[(op, status)].validate(body)
    api = Mocked("sync", _serve(status, _json_bytes(body)), max_retries=0)
    value, error = _outcome(api, CALLS[op])
    if op == "get_tts_results":
        _bulk_partition(value)
        if status in (400, 404):  # none of the runs asked for is available
            assert set(value.unavailable) == set(BULK_IDS)
            return
        assert set(value.failed) == set(BULK_IDS)
        error = value.failed[BULK_IDS[0]]
    cls = ERROR_CLASSES[status]
    assert isinstance(error, cls), error
    assert error.status_code == status
    assert error.body == body
    assert f"-> {status}" in str(error)
    if status == 422:
        detail = body.get("detail", [])
        assert isinstance(error, camb.ValidationError)
        assert error.errors == detail
        for item in detail:
            assert item["msg"] in str(error)


# --- malformed answers ---------------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)
HTML_PAGES = st.sampled_from(
    [
        b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
        b"<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
        b"<html>",
    ]
)
WRONG_TYPES = st.sampled_from([None, True, 0, -1, 1.5, "", "x", [], {}, [1], {"a": 1}])


@st.composite
def mutated(draw: st.DrawFn, op: str) -> Any:
    """A valid answer broken in one place: a field dropped, retyped, or the whole shape changed."""
    body = draw(STRATEGIES[(op, 200)])
    how = draw(st.sampled_from(["drop", "retype", "wrap", "pairs", "unwrap"]))
    if how == "wrap":
        return [body]
    if how == "pairs":  # a JSON array of [key, value] pairs: looks like an object to dict()
        return [list(item) for item in body.items()] if isinstance(body, dict) else {"0": body}
    if how == "unwrap":
        inner = list(body.values()) if isinstance(body, dict) else []
        return draw(st.sampled_from(inner or [1, "x"]))
    target = body
    if isinstance(body, list):
        if not body:
            return [draw(WRONG_TYPES)]
        target = body[draw(st.integers(0, len(body) - 1))]
    if not isinstance(target, dict) or not target:
        return draw(WRONG_TYPES)
    key = draw(st.sampled_from(sorted(target)))
    if how == "drop":
        del target[key]
    else:
        target[key] = draw(WRONG_TYPES)
    return body


def malformed_bodies(op: str) -> st.SearchStrategy[bytes]:
    return st.one_of(
        st.binary(max_size=40),
        HTML_PAGES,
        JSON_VALUES.map(_json_bytes),
        mutated(op).map(_json_bytes),
    )


def _without_nulls(body: Any) -> Any:
    """The body with `null` members of objects (also inside a top-level list) left out: the
    facade may read a null optional field as absent, which gives no wrong value."""

    def strip(node: Any) -> Any:
        return {k: v for k, v in node.items() if v is not None} if isinstance(node, dict) else node

    return [strip(item) for item in body] if isinstance(body, list) else strip(body)


def _is_valid_json_answer(op: str, content: bytes) -> bool:
    try:
        body = json.loads(content.decode("utf-8"))
    except (ValueError, RecursionError):
        return False
    validator = VALIDATORS[(op, 200)]
    return validator.is_valid(body) or validator.is_valid(_without_nulls(body))


MALFORMED_OPS = SUCCESS_SCHEMAS


def _check_malformed(op: str, content: bytes, value: Any, error: camb.CambError | None) -> None:
    if op == "get_tts_results":
        # The bulk answer is read leniently (keys not asked for are ignored), but whatever it
        # holds, every id is accounted for exactly once, and a body that is not even a JSON
        # object fails every id with UnexpectedResponseError.
        _bulk_partition(value)
        try:
            is_object = isinstance(json.loads(content.decode("utf-8")), dict)
        except (ValueError, RecursionError):
            is_object = False
        if not is_object:
            assert set(value.failed) == set(BULK_IDS)
            assert all(isinstance(e, camb.UnexpectedResponseError) for e in value.failed.values())
        return
    if op in LIST_OPS:
        _check_lenient_list(op, content, value, error)
        return
    if not _is_valid_json_answer(op, content):
        assert isinstance(error, camb.UnexpectedResponseError), (
            f"a malformed answer was accepted: {content[:120]!r} -> {value!r}"
        )


ITEM_VALIDATORS = {op: validator_for(SCHEMAS[(op, 200)]["items"]) for op in LIST_OPS}
LIST_MODELS = {
    "list_voices": (camb.Voice, VOICE_FIELDS),
    "list_source_languages": (camb.Language, LANGUAGE_FIELDS),
    "list_target_languages": (camb.Language, LANGUAGE_FIELDS),
}


def _check_lenient_list(op: str, content: bytes, value: Any, error: camb.CambError | None) -> None:
    """A list answer: a body that is not a JSON list is an UnexpectedResponseError; a list gives
    every item the spec allows, in order, and nothing else (odd items are skipped)."""
    try:
        body = json.loads(content.decode("utf-8"))
    except (ValueError, RecursionError):
        body = None
    if not isinstance(body, list):
        assert isinstance(error, camb.UnexpectedResponseError), f"{content[:120]!r} -> {value!r}"
        return
    assert error is None, error
    cls, fields = LIST_MODELS[op]
    check_item = ITEM_VALIDATORS[op]
    valid = [
        _expected_item(cls, fields, item)
        for item in body
        if isinstance(item, dict)
        and (check_item.is_valid(item) or check_item.is_valid(_without_nulls(item)))
    ]
    assert value == valid, f"{content[:120]!r} -> {value!r}"


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("op", MALFORMED_OPS)
@settings(PROPERTY_SETTINGS, max_examples=40)
@given(data=st.data())
def test_every_malformed_answer_is_a_typed_error(op: str, mode: str, data: Any) -> None:
    content = data.draw(malformed_bodies(op), label="body")
    status = data.draw(st.sampled_from([200, 201, 203]), label="status")
    api = Mocked(mode, _serve(status, content), max_retries=0)
    value, error = _outcome(api, CALLS[op])
    _check_malformed(op, content, value, error)


DEEP = b"[" * 100_000 + b"]" * 100_000
MALFORMED_TABLE = [
    ("create_tts", b"", "empty body"),
    ("create_tts", b"\xff\xfe\x00\x01", "not UTF-8"),
    ("create_tts", b"<html><body>502 Bad Gateway</body></html>", "an HTML page"),
    ("create_tts", b'{"task_id": 123}', "a number for task_id"),
    ("create_tts", b'{"id": "t-1"}', "no task_id"),
    ("create_tts", b'[["task_id", "t-1"]]', "key-value pairs instead of an object"),
    ("create_tts", DEEP, "JSON nested 100,000 deep"),
    ("get_tts_status", b'{"run_id": 5}', "no status"),
    ("get_tts_status", b'{"status": 5}', "a number for status"),
    ("get_tts_status", b'{"status": "SUCCESS", "run_id": "5"}', "a string run_id"),
    ("get_tts_status", b'{"status": "SUCCESS", "run_id": true}', "a bool run_id"),
    ("get_tts_status", b'{"status": "ERROR", "message": [1]}', "a list message"),
    ("get_tts_status", b'{"status": "ERROR", "exception_reason": 5}', "a number for the reason"),
    ("get_tts_status", b'[["status", "SUCCESS"], ["run_id", 5]]', "pairs instead of an object"),
    ("get_tts_status", b"null", "null"),
    ("get_tts_status", DEEP, "JSON nested 100,000 deep"),
    ("get_tts_result", b'{"output_url": 7}', "a number for output_url"),
    ("get_tts_result", b'"https://x.example/1.flac"', "a bare string"),
    ("get_tts_result", b'[["output_url", "https://x.example/1.flac"]]', "pairs"),
    ("list_voices", b'{"voices": []}', "an object instead of a list"),
    ("list_voices", b"null", "null"),
    ("list_voices", DEEP, "JSON nested 100,000 deep"),
    ("list_source_languages", b'{"languages": []}', "an object instead of a list"),
    ("list_target_languages", b"<html>502</html>", "an HTML page"),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("op", "content", "why"), MALFORMED_TABLE, ids=[f"{o}: {w}" for o, _, w in MALFORMED_TABLE]
)
def test_malformed_answer_table(mode: str, op: str, content: bytes, why: str) -> None:
    api = Mocked(mode, _serve(200, content), max_retries=0)
    value, error = _outcome(api, CALLS[op])
    assert isinstance(error, camb.UnexpectedResponseError), f"{why}: accepted as {value!r}"
    assert error.status_code == 200


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "content", [b"[1, 2]", b'"x"', b"\xff", DEEP, b'{"11": 5, "12": {"output_url": ""}}']
)
def test_a_malformed_bulk_answer_fails_its_ids_and_loses_none(mode: str, content: bytes) -> None:
    api = Mocked(mode, _serve(200, content), max_retries=0)
    value, error = _outcome(api, CALLS["get_tts_results"])
    assert error is None
    _bulk_partition(value)
    assert set(value.failed) >= {11, 12}
    assert all(isinstance(e, camb.UnexpectedResponseError) for e in value.failed.values())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_bulk_keys_must_be_the_run_ids_as_the_api_writes_them(mode: str) -> None:
    """ "1_1", " 12" and "+13" are not run ids 11, 12 and 13: int() reads them so, the spec
    does not (its keys are the run ids)."""
    body = {
        "1_1": "https://x.example/a",
        " 12": "https://x.example/b",
        "+13": "https://x.example/c",
    }
    api = Mocked(mode, _serve(200, _json_bytes(body)), max_retries=0)
    value, error = _outcome(api, CALLS["get_tts_results"])
    assert error is None
    assert dict(value) == {}
    assert set(value.unavailable) == set(BULK_IDS)


@pytest.mark.parametrize("mode", ["sync", "async"])
@settings(PROPERTY_SETTINGS, max_examples=30)
@given(status=st.integers(400, 599), content=st.one_of(st.binary(max_size=60), HTML_PAGES))
def test_any_error_answer_is_an_api_status_error(mode: str, status: int, content: bytes) -> None:
    api = Mocked(mode, _serve(status, content), max_retries=0)
    _, error = _outcome(api, CALLS["get_tts_status"])
    assert isinstance(error, camb.APIStatusError)
    assert error.status_code == status
    assert isinstance(error, ERROR_CLASSES.get(status, camb.APIStatusError))
    if status >= 500:
        assert isinstance(error, camb.ServerError)


# --- wait(): every status, documented or not -----------------------------------------------------


def _wait_expectation(body: dict[str, Any]) -> Any:
    if _expected_status(body) is None:
        return camb.UnexpectedResponseError
    status, run_id = body["status"], body.get("run_id")
    if status == "SUCCESS":
        return run_id if run_id is not None else camb.UnexpectedTaskStatusError
    return {
        "PENDING": 77,  # polled again: the second answer is SUCCESS with run 77
        "ERROR": camb.TaskFailedError,
        "TIMEOUT": camb.TaskTimeoutError,
        "PAYMENT_REQUIRED": camb.TaskPaymentRequiredError,
    }.get(status, camb.UnexpectedTaskStatusError)


TASK_STATUSES = st.one_of(
    STRATEGIES[("get_tts_status", 200)],
    st.fixed_dictionaries(
        {"status": st.sampled_from(sorted(DOCUMENTED)), "run_id": st.none() | st.integers(1, 99)}
    ),
)


@pytest.mark.parametrize("mode", ["sync", "async"])
@PROPERTY_SETTINGS
@given(body=TASK_STATUSES)
@example(body={"status": "QUEUED"})
@example(body={"status": "success", "run_id": 3})
@example(body={"status": "", "run_id": None})
def test_wait_ends_right_for_every_status(mode: str, body: dict[str, Any]) -> None:
    answers = [body]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0) if answers else {"status": "SUCCESS", "run_id": 77}
        return httpx.Response(200, json=answer)

    api = Mocked(mode, handler, max_retries=0)
    value, error = _outcome(api, lambda c: c.tts.wait("task-1", timeout=10, poll_interval=0.001))
    expected = _wait_expectation(body)
    if isinstance(expected, int):
        assert (value, error) == (expected, None)
    else:
        assert isinstance(error, expected), (body, error)
    if isinstance(error, camb.UnexpectedTaskStatusError) and body["status"] not in DOCUMENTED:
        assert repr(body["status"]) in str(error)
        assert error.status is not None
        assert error.status.status == body["status"]


@pytest.mark.parametrize("mode", ["sync", "async"])
@settings(PROPERTY_SETTINGS, max_examples=30)
@given(task_id=STRATEGIES[("create_tts", 200)].map(lambda b: b["task_id"]))
@example(task_id="a/b")
@example(task_id="3f1b8c0e 7f5a")
def test_a_task_id_the_server_hands_out_is_never_refused_as_input(mode: str, task_id: str) -> None:
    """create_and_wait() on any task id the spec allows ends in a run id or a typed API error:
    never InvalidInputError, which would blame the caller for the server's answer."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return httpx.Response(200, json={"task_id": task_id})
        return httpx.Response(200, json={"status": "SUCCESS", "run_id": 5})

    api = Mocked(mode, handler, max_retries=0)
    value, error = _outcome(api, lambda c: c.tts.create_and_wait("Hello", 1, 1, timeout=10))
    assert value == 5 or isinstance(error, camb.UnexpectedResponseError), error


# --- headers of failed answers: Retry-After and Location -----------------------------------------


@pytest.mark.parametrize("status", [429, 503])
@settings(PROPERTY_SETTINGS, max_examples=30)
@given(
    retry_after=st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=40)
    | st.sampled_from(
        [
            "1e999",
            "nan",
            "-5",
            "0x10",
            "Fri, 31 Dec 9999 23:59:59 GMT",
            "Mon, 01 Jan 2024 00:00:00 -0000",
            "Mon, 01 Jan 2024 00:00:00 GMT",
        ]
    )
)
def test_any_retry_after_gives_a_bounded_wait(
    status: int, retry_after: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    slept: list[float] = []
    monkeypatch.setattr(_sync_runtime.time, "sleep", slept.append)
    answers = [(status, {"detail": "slow down"}, retry_after)]

    def handler(request: httpx.Request) -> httpx.Response:
        if answers:
            code, body, header = answers.pop(0)
            return httpx.Response(code, json=body, headers={"retry-after": header})
        return httpx.Response(200, json=[])

    api = Mocked("sync", handler, max_retries=1)
    value, error = _outcome(api, lambda c: c.voices.list())
    assert (value, error) == ([], None)
    assert len(slept) == 1
    assert 0 <= slept[0] <= camb.BackoffPolicy().max_retry_after


LOCATIONS = st.one_of(
    st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=30),
    st.sampled_from(
        [
            "http://[::1",
            "https://a:b:c/",
            "https://storage.example:99999/x",
            "ftp://storage.example/x",
            "javascript:alert(1)",
            "//storage.example/x",
            "/apis/list-voices",
        ]
    ),
)


@pytest.mark.parametrize("mode", ["sync", "async"])
@settings(PROPERTY_SETTINGS, max_examples=30)
@given(location=LOCATIONS, status=st.sampled_from([301, 302, 303, 307, 308]))
@example(location="http://[::1", status=302)
def test_any_redirect_ends_in_an_answer_or_a_typed_error(
    mode: str, location: str, status: int
) -> None:
    redirects = [location]

    def handler(request: httpx.Request) -> httpx.Response:
        if redirects:
            return httpx.Response(status, headers={"location": redirects.pop()})
        return httpx.Response(200, json=[])

    api = Mocked(mode, handler, max_retries=0)
    value, error = _outcome(api, lambda c: c.voices.list())
    assert value == [] or isinstance(error, camb.APIError), error


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_validation_error_with_odd_entries_keeps_what_it_can(mode: str) -> None:
    entry = {"loc": "body", "msg": "Field required", "type": "missing"}
    body = {"detail": ["text is bad", 7, entry]}
    api = Mocked(mode, _serve(422, _json_bytes(body)), max_retries=0)
    _, error = _outcome(api, CALLS["create_tts"])
    assert isinstance(error, camb.ValidationError)
    assert error.errors == [entry]
    assert "text is bad" in str(error)
    assert "Field required" in str(error)


class _BrokenBody(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that fails after its first bytes, as a connection dropped mid-answer does."""

    def __iter__(self) -> Any:
        yield b"<html>"
        raise httpx.ReadError("connection reset")

    async def __aiter__(self) -> Any:
        yield b"<html>"
        raise httpx.ReadError("connection reset")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("op", "expected"),
    [
        # Every body is read by the client itself (capped, under the call's deadline) after the
        # status line has arrived, so both are a 503 with no body to show.
        ("create_tts_stream", camb.ServerError),
        ("list_voices", camb.ServerError),
    ],
)
def test_an_error_answer_whose_body_breaks_is_still_a_typed_error(
    mode: str, op: str, expected: type[camb.CambError]
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, stream=_BrokenBody())

    api = Mocked(mode, handler, max_retries=0)
    _, error = _outcome(api, CALLS[op])
    assert isinstance(error, expected)
    if isinstance(error, camb.ServerError):
        assert error.status_code == 503


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("header", "expected"), [("12.5", 12.5), ("lots", None), (None, None)])
def test_the_credits_header_is_read_or_left_out(
    mode: str, header: str | None, expected: float | None
) -> None:
    headers = {"content-type": "audio/wav"}
    if header is not None:
        headers["x-credits-required"] = header

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b"RIFF" + bytes(40), headers=headers)

    api = Mocked(mode, handler, max_retries=0)

    async def read_async(client: Any) -> tuple[Any, Any, bytes]:
        async with client.tts.stream("Hello there", 1, "en-us") as stream:
            return stream.content_type, stream.credits_required, await stream.read()

    def read_sync(client: Any) -> tuple[Any, Any, bytes]:
        with client.tts.stream("Hello there", 1, "en-us") as stream:
            return stream.content_type, stream.credits_required, stream.read()

    value, error = _outcome(api, read_sync if mode == "sync" else read_async)
    assert error is None
    assert value == ("audio/wav", expected, b"RIFF" + bytes(40))


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", [404, 422, 500])
def test_an_error_answer_nested_too_deep_is_still_its_typed_error(mode: str, status: int) -> None:
    api = Mocked(mode, _serve(status, DEEP), max_retries=0)
    _, error = _outcome(api, CALLS["get_tts_status"])
    assert isinstance(error, ERROR_CLASSES.get(status, camb.APIStatusError))
    assert error.status_code == status
