"""create, status, wait and wait_many: the deprecated task flow."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb

from .conftest import Api, json_response


def statuses(*answers: Any) -> Callable[[httpx.Request], httpx.Response]:
    """A handler answering GET /tts/{id} with each answer in turn (the last one repeats)."""
    seen = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers[min(seen["n"], len(answers) - 1)]
        seen["n"] += 1
        if isinstance(answer, httpx.Response):
            return answer
        return json_response(200, answer)

    return handler


def test_create_sends_the_documented_body_and_returns_the_task_id(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(lambda r: json_response(200, {"task_id": "t-42"}))
    task_id = api(lambda c: c.tts.create("Hello", 5, 1, gender=2, project_name="pro"))
    assert task_id == "t-42"
    (request,) = api.requests
    assert (request.method, request.url.path) == ("POST", "/apis/tts")
    assert json.loads(request.content) == {
        "text": "Hello",
        "voice_id": 5,
        "language": 1,
        "gender": 2,
        "project_name": "pro",
    }


def test_status_is_typed_and_keeps_unknown_values(make_api: Callable[..., Api]) -> None:
    api = make_api(statuses({"status": "QUEUED_ELSEWHERE", "run_id": None, "message": {"k": 1}}))
    status = api(lambda c: c.tts.status("abc"))
    assert status == camb.TaskStatus(
        task_id="abc", status="QUEUED_ELSEWHERE", run_id=None, message={"k": 1}
    )
    assert not status.is_documented
    assert api.requests[0].url.path == "/apis/tts/abc"


@pytest.mark.parametrize(
    "body",
    [
        {"run_id": 3},
        {"status": 5},
        {"status": "SUCCESS", "run_id": "7"},
        {"status": "SUCCESS", "run_id": True},
        [1, 2],
        "text",
    ],
)
def test_malformed_status_is_a_typed_error(make_api: Callable[..., Api], body: Any) -> None:
    api = make_api(statuses(body))
    with pytest.raises(camb.UnexpectedResponseError):
        api(lambda c: c.tts.status("abc"))


def test_wait_polls_until_success_and_shows_each_status(make_api: Callable[..., Api]) -> None:
    api = make_api(
        statuses({"status": "PENDING"}, {"status": "PENDING"}, {"status": "SUCCESS", "run_id": 99})
    )
    seen: list[str] = []
    run_id = api(
        lambda c: c.tts.wait("t1", poll_interval=0.001, on_status=lambda s: seen.append(s.status))
    )
    assert run_id == 99
    assert seen == ["PENDING", "PENDING", "SUCCESS"]
    assert len(api.requests) == 3


@pytest.mark.parametrize(
    ("answer", "error", "also"),
    [
        (
            {"status": "ERROR", "exception_reason": "HARMFUL_CONTENT_DETECTED", "message": "no"},
            camb.TaskFailedError,
            "HARMFUL_CONTENT_DETECTED",
        ),
        ({"status": "TIMEOUT"}, camb.TaskTimeoutError, "timed out"),
        ({"status": "PAYMENT_REQUIRED"}, camb.TaskPaymentRequiredError, "credits"),
        ({"status": "CANCELLED"}, camb.UnexpectedTaskStatusError, "CANCELLED"),
        ({"status": "SUCCESS"}, camb.UnexpectedTaskStatusError, "without a run_id"),
    ],
)
def test_wait_ends_with_the_typed_error_for_each_outcome(
    make_api: Callable[..., Api], answer: dict[str, Any], error: type[Exception], also: str
) -> None:
    api = make_api(statuses({"status": "PENDING"}, answer))
    with pytest.raises(error, match=also) as info:
        api(lambda c: c.tts.wait("t1", poll_interval=0.001))
    assert isinstance(info.value, camb.TaskError)
    assert info.value.task_id == "t1"
    assert info.value.status is not None
    assert info.value.status.status == answer["status"]


def test_payment_required_is_catchable_as_one_type(make_api: Callable[..., Api]) -> None:
    api = make_api(statuses({"status": "PAYMENT_REQUIRED"}))
    with pytest.raises(camb.PaymentRequiredError):
        api(lambda c: c.tts.wait("t1", poll_interval=0.001))
    api402 = make_api(lambda r: json_response(402, {"detail": "top up"}))
    with pytest.raises(camb.PaymentRequiredError):
        api402(lambda c: c.tts.status("t1"))


def test_task_failed_error_carries_reason_and_message(make_api: Callable[..., Api]) -> None:
    api = make_api(
        statuses({"status": "ERROR", "exception_reason": "PROCESSING_ERROR", "message": "boom"})
    )
    with pytest.raises(camb.TaskFailedError) as info:
        api(lambda c: c.tts.wait("t1"))
    assert info.value.exception_reason == "PROCESSING_ERROR"
    assert info.value.reason_message == "boom"


def test_wait_timeout_carries_the_task_and_last_status(make_api: Callable[..., Api]) -> None:
    api = make_api(statuses({"status": "PENDING"}))
    with pytest.raises(camb.WaitTimeoutError) as info:
        api(lambda c: c.tts.wait("t9", timeout=0.05, poll_interval=0.01))
    assert isinstance(info.value, TimeoutError)
    assert info.value.task_id == "t9"
    assert info.value.status is not None
    assert info.value.status.status == "PENDING"
    assert "t9" in str(info.value)
    assert "PENDING" in str(info.value)


def test_wait_polls_through_transient_failures(make_api: Callable[..., Api]) -> None:
    api = make_api(
        statuses(
            httpx.Response(503, text="<html><body>Bad gateway</body></html>"),
            httpx.Response(503, text="down"),
            httpx.Response(503, text="down"),
            json_response(429, {"detail": "slow"}, **{"retry-after": "0"}),
            {"status": "SUCCESS", "run_id": 5},
        ),
        max_retries=0,
    )
    assert api(lambda c: c.tts.wait("t1", poll_interval=0.001)) == 5


def test_wait_stops_at_a_non_transient_failure(make_api: Callable[..., Api]) -> None:
    api = make_api(statuses(json_response(404, {"detail": "Task not found."})))
    with pytest.raises(camb.NotFoundError, match="Task not found"):
        api(lambda c: c.tts.wait("t1", poll_interval=0.001))
    assert len(api.requests) == 1


def test_wait_many_reports_each_task(make_api: Callable[..., Api]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        task = request.url.path.rsplit("/", 1)[1]
        if task.startswith("bad"):
            return json_response(200, {"status": "ERROR", "exception_reason": "PROCESSING_ERROR"})
        return json_response(200, {"status": "SUCCESS", "run_id": int(task[1:])})

    api = make_api(handler)
    results = api(lambda c: c.tts.wait_many(["t1", "t2", "bad", "t2"], poll_interval=0.001))
    assert dict(results) == {"t1": 1, "t2": 2}
    assert set(results.failed) == {"bad"}
    assert isinstance(results.failed["bad"], camb.TaskFailedError)
    assert not results.ok


def test_async_wait_many_bounds_polls_in_flight() -> None:
    api = Api(
        "async",
        statuses({"status": "PENDING"}, {"status": "PENDING"}, {"status": "SUCCESS", "run_id": 1}),
    )
    try:
        ids = [f"t{i}" for i in range(60)]
        results = api(lambda c: c.tts.wait_many(ids, poll_interval=0.001, concurrency=4))
        assert len(results) == 60
        assert 1 < api.recorder.max_in_flight <= 4
    finally:
        api.close()


def test_create_and_wait(make_api: Callable[..., Api]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "POST":
            return json_response(200, {"task_id": "new"})
        return json_response(200, {"status": "SUCCESS", "run_id": 8})

    api = make_api(handler)
    assert api(lambda c: c.tts.create_and_wait("Hi there", 1, 1)) == 8


def test_threaded_work_stops_promptly_when_the_caller_is_interrupted() -> None:
    import time

    from camb import _sync_runtime

    stopped_workers: list[int] = []

    def work(item: int) -> int:
        if item == 0:
            time.sleep(0.05)
            raise KeyboardInterrupt
        try:
            _sync_runtime.sleep(10)
        except Exception:
            stopped_workers.append(item)
            raise
        return item

    started = time.perf_counter()
    with pytest.raises(KeyboardInterrupt):
        _sync_runtime.map_concurrently(work, list(range(20)), 4)
    assert time.perf_counter() - started < 2
    time.sleep(0.1)
    # Only the workers already running saw the stop; the queued items were cancelled.
    assert 1 <= len(stopped_workers) <= 4
