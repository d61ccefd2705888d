"""Class 9: errors pickle and unpickle, and never show the key.

Every error comes from a real call against the hostile server (so its request carried the
key): each APIStatusError subclass, UnexpectedResponseError, connection and timeout errors,
every TaskError subclass, BulkResultsError with nested errors, InvalidInputError and
FileWriteError. Each survives pickle with its type, message and plain attributes, and neither
the pickle bytes nor anything reachable from the error (walking `vars()` recursively, through
`error.request.headers` and `error.response.request.headers`, and `str`/`repr` of all of it)
shows the key.
"""

from __future__ import annotations

import contextlib
import json
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import KEY, Api
from .hostile_server import HostileServer, Reply, json_reply

STATUS_ERRORS = {
    400: camb.BadRequestError,
    401: camb.AuthenticationError,
    402: camb.PaymentRequiredStatusError,
    403: camb.AuthenticationError,
    404: camb.NotFoundError,
    409: camb.ConflictError,
    418: camb.APIStatusError,
    422: camb.ValidationError,
    429: camb.RateLimitError,
    500: camb.ServerError,
    503: camb.ServerError,
}
TASK_ERRORS = {
    "ERROR": camb.TaskFailedError,
    "TIMEOUT": camb.TaskTimeoutError,
    "PAYMENT_REQUIRED": camb.TaskPaymentRequiredError,
    "SOMETHING_NEW": camb.UnexpectedTaskStatusError,
    "PENDING": camb.WaitTimeoutError,
}


def raised(api: Api, call: Callable[[Any], Any]) -> camb.CambError:
    with pytest.raises(camb.CambError) as caught:
        api(call)
    return caught.value


def reachable(root: object, limit: int = 20_000) -> list[object]:
    """Every object reachable from `root` through attributes (`vars()`, slots), mapping keys
    and values, and items of sequences and sets. (The httpx exception a connection error was
    raised from, its `__cause__`, holds the request as sent: the issue allows that one.)"""
    seen: set[int] = set()
    found: list[object] = []
    stack: list[object] = [root]
    while stack and len(found) < limit:
        obj = stack.pop()
        if id(obj) in seen or isinstance(obj, (type, type(json), type(reachable))):
            continue
        seen.add(id(obj))
        found.append(obj)
        if isinstance(obj, (str, bytes, bytearray, int, float, bool, type(None))):
            continue
        if isinstance(obj, dict):
            stack.extend(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, (list, tuple, set, frozenset)):
            stack.extend(obj)
        with contextlib.suppress(TypeError):
            stack.extend(vars(obj).values())
        for slot in getattr(type(obj), "__slots__", ()):
            if isinstance(slot, str) and hasattr(obj, slot):
                stack.append(getattr(obj, slot))
        if isinstance(obj, BaseException):
            stack.append(obj.args)
    return found


def assert_no_key(error: camb.CambError) -> None:
    data = pickle.dumps(error)
    assert KEY.encode() not in data
    assert KEY not in str(error)
    assert KEY not in repr(error)
    for obj in reachable(error):
        if isinstance(obj, (bytes, bytearray)):
            assert KEY.encode() not in obj, f"key in {obj[:80]!r}"
        elif isinstance(obj, str):
            assert KEY not in obj
        else:
            try:
                text = str(obj) + repr(obj)
            except Exception:
                continue
            assert KEY not in text, f"key in {type(obj).__name__}"
    cause = error.__cause__ or error.__context__
    while cause is not None:
        assert KEY not in str(cause)
        assert KEY not in repr(cause)
        cause = cause.__cause__ or cause.__context__
    request = getattr(error, "request", None)
    if request is not None:
        assert KEY not in str(request.headers.raw)
    response = getattr(error, "response", None)
    if response is not None:
        assert KEY not in str(response.request.headers.raw)


def assert_round_trip(error: camb.CambError) -> camb.CambError:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert copy.args == error.args
    for name, value in vars(error).items():
        if name in ("request", "response"):
            assert getattr(copy, name) is None
        elif name not in ("results", "status", "errors", "body"):
            assert getattr(copy, name) == value, name
    assert_no_key(copy)
    return copy


@pytest.mark.parametrize("status", sorted(STATUS_ERRORS))
def test_every_status_error_pickles_without_the_key(
    make_api: Callable[..., Api], server: HostileServer, status: int
) -> None:
    detail: Any = [{"loc": ["body", "text"], "msg": "too short", "type": "x"}]
    server.handler = lambda seen: json_reply(
        {"detail": detail if status == 422 else f"no ({KEY[:4]})"}, status
    )
    api = make_api(base_url=server.url, max_retries=0)

    error = raised(api, lambda c: c.voices.list())

    assert type(error) is STATUS_ERRORS[status]
    assert isinstance(error, camb.APIStatusError)
    assert error.response.request.headers["x-api-key"] == "[redacted]"
    assert_no_key(error)
    copy = assert_round_trip(error)
    assert isinstance(copy, camb.APIStatusError)
    assert copy.status_code == status
    assert copy.body == error.body
    if status == 422:
        assert isinstance(copy, camb.ValidationError)
        assert copy.errors == detail


@pytest.mark.parametrize(
    "case", ["not audio", "not json", "over the cap", "connection dropped", "deadline", "redirect"]
)
def test_every_api_error_pickles_without_the_key(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, case: str
) -> None:
    replies = {
        "not audio": Reply(200, [("Content-Type", "text/html")], b"<html>hi</html>"),
        "not json": Reply(200, [("Content-Type", "application/json")], b"{nope"),
        "over the cap": Reply(200, [("Content-Type", "application/json")], b" " * (9 << 20)),
        "connection dropped": Reply(drop=True),
        "deadline": Reply(200, [("Content-Type", "audio/flac")], b"f" * 300, 1, 0.02),
        "redirect": Reply(302, [("Location", "ftp://127.0.0.1/x")]),
    }
    server.handler = lambda seen: replies[case]
    # Only the deadline case needs a short one; the others must not meet it on a busy machine.
    total_timeout = 0.5 if case == "deadline" else 30.0
    api = make_api(base_url=server.url, max_retries=0, total_timeout=total_timeout)
    call = (
        (lambda c: c.tts.result(7))
        if case in ("not audio", "deadline")
        else (lambda c: c.voices.list())
    )

    error = raised(api, call)

    assert isinstance(error, camb.APIError)
    assert error.request is not None
    assert error.request.headers["x-api-key"] == "[redacted]"
    assert_no_key(error)
    assert_round_trip(error)


@pytest.mark.parametrize("status", sorted(TASK_ERRORS))
def test_every_task_error_pickles_without_the_key(
    make_api: Callable[..., Api], server: HostileServer, status: str
) -> None:
    body = {"status": status, "exception_reason": "bad voice", "message": {"why": "x"}}
    server.handler = lambda seen: json_reply(body)
    api = make_api(base_url=server.url)

    # PENDING ends by the wait's timeout; a final status must end it long before, however busy.
    timeout = 0.3 if status == "PENDING" else 30.0
    error = raised(api, lambda c: c.tts.wait("task-1", timeout=timeout, poll_interval=0.05))

    assert type(error) is TASK_ERRORS[status]
    copy = assert_round_trip(error)
    assert isinstance(copy, camb.TaskError)
    assert copy.task_id == "task-1"
    assert copy.status == error.status
    assert_no_key(error)


def test_bulk_results_error_with_nested_errors_pickles_without_the_key(
    make_api: Callable[..., Api], server: HostileServer
) -> None:
    def handler(seen: Any) -> Reply:
        ids = json.loads(seen.body)["run_ids"]
        if 1 in ids:
            return json_reply({"detail": "boom"}, 500)
        return json_reply({str(i): {"output_url": f"https://f.example/{i}"} for i in ids})

    server.handler = handler
    api = make_api(base_url=server.url, max_retries=0)

    error = raised(api, lambda c: c.tts.results([1, 2, 3, 4, 5, 6, 7, 8]))

    assert isinstance(error, camb.BulkResultsError)
    nested = error.results.failed
    assert nested
    assert all(isinstance(e, camb.ServerError) for e in nested.values())
    assert_no_key(error)
    copy = assert_round_trip(error)
    assert isinstance(copy, camb.BulkResultsError)
    assert dict(copy.results) == dict(error.results)
    assert {k: str(v) for k, v in copy.results.failed.items()} == {
        k: str(v) for k, v in nested.items()
    }
    assert all(e.response is None for e in copy.results.failed.values())


def test_input_and_file_errors_pickle(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path
) -> None:
    api = make_api(base_url=server.url)
    bad_input = raised(api, lambda c: c.tts.stream("Hi", 1, "en-us").read())
    assert isinstance(bad_input, camb.InvalidInputError)
    copy = assert_round_trip(bad_input)
    assert isinstance(copy, camb.InvalidInputError)
    assert (copy.param, copy.rule) == ("text", bad_input.rule)
    assert isinstance(copy, ValueError)

    file_error = camb.FileWriteError("cannot write 'x': No space left", path="x")
    file_copy = assert_round_trip(file_error)
    assert isinstance(file_copy, camb.FileWriteError)
    assert isinstance(file_copy, OSError)
    assert file_copy.path == "x"
