"""A task that ends ERROR with exception_reason PAYMENT_REQUIRED (the official definition's way
of saying the account ran out of credits) raises TaskPaymentRequiredError, not TaskFailedError."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb
from camb._polling import outcome_of

from .conftest import Api, json_response


def _status(**fields: Any) -> camb.TaskStatus:
    return camb.TaskStatus(task_id="t-1", **fields)


def test_error_with_the_payment_reason_is_a_payment_error() -> None:
    outcome = outcome_of(
        _status(status="ERROR", exception_reason="PAYMENT_REQUIRED", message="Top up.")
    )
    assert isinstance(outcome, camb.TaskPaymentRequiredError)
    assert not isinstance(outcome, camb.TaskFailedError)
    assert isinstance(outcome, camb.PaymentRequiredError)
    assert outcome.task_id == "t-1"
    assert outcome.status is not None
    assert outcome.status.exception_reason == "PAYMENT_REQUIRED"
    assert "credits" in str(outcome)
    assert "Top up." in str(outcome)


@pytest.mark.parametrize("reason", [None, "HARMFUL_CONTENT", "payment_required", "PAYMENT"])
def test_error_with_any_other_reason_is_still_a_failure(reason: str | None) -> None:
    outcome = outcome_of(_status(status="ERROR", exception_reason=reason))
    assert type(outcome) is camb.TaskFailedError


def test_the_payment_status_itself_is_still_a_payment_error() -> None:
    assert isinstance(outcome_of(_status(status="PAYMENT_REQUIRED")), camb.TaskPaymentRequiredError)


def test_wait_raises_it(make_api: Callable[..., Api]) -> None:
    answers = iter(
        [
            {"status": "PENDING"},
            {"status": "ERROR", "exception_reason": "PAYMENT_REQUIRED", "message": "No credits."},
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        return json_response(200, next(answers))

    api = make_api(handler)
    with pytest.raises(camb.TaskPaymentRequiredError) as caught:
        api(lambda c: c.tts.wait("t-1", poll_interval=0.001))
    assert caught.value.task_id == "t-1"
    assert len(api.requests) == 2


def test_wait_many_reports_it_per_task(make_api: Callable[..., Api]) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/broke"):
            return json_response(200, {"status": "ERROR", "exception_reason": "PAYMENT_REQUIRED"})
        return json_response(200, {"status": "SUCCESS", "run_id": 9})

    api = make_api(handler)
    done = api(lambda c: c.tts.wait_many(["ok", "broke"]))
    assert dict(done) == {"ok": 9}
    assert isinstance(done.failed["broke"], camb.TaskPaymentRequiredError)
