"""Config, faults, tasks, presigned URLs and counters, without a server."""

from __future__ import annotations

import random
from typing import Any

import attrs
import pytest

from camb.sandbox import SandboxConfig
from camb.sandbox._faults import NO_FAULT, FaultDecision, decide, format_retry_after
from camb.sandbox._stats import Stats
from camb.sandbox._tasks import Outcome, TaskStore, parse_triggers, task_status
from camb.sandbox._urls import presign, presign_problem

# --- config ---------------------------------------------------------------------------------


def test_config_defaults() -> None:
    config = SandboxConfig()
    assert config.api_key == "sandbox-key"
    assert (config.task_duration, config.url_expiry) == (0.5, 300.0)
    assert (config.rate_429, config.rate_5xx, config.rate_drop, config.rate_truncate) == (
        0,
        0,
        0,
        0,
    )
    assert (config.retry_after, config.html_share) == (0.05, 0.5)
    assert (config.seed, config.result_bytes, config.bulk_value_shape) == (None, None, "object")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("rate_429", 1.5),
        ("rate_5xx", -0.1),
        ("html_share", 2),
        ("rate_drop", "0.5"),
        ("rate_truncate", True),
        ("task_duration", -1),
        ("latency", float("inf")),
        ("url_expiry", 0),
        ("retry_after", float("nan")),
        ("seed", 1.5),
        ("seed", True),
        ("bulk_value_shape", "list"),
        ("result_bytes", -1),
        ("api_key", ""),
        ("api_key", "has space"),
        ("access_log", 1),
    ],
)
def test_config_rejects_bad_values(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        SandboxConfig(**{field: value})


def test_config_overrides() -> None:
    base = SandboxConfig(seed=3)
    changed = base.with_overrides(rate_429=0.25, retry_after=1)
    assert (changed.seed, changed.rate_429, changed.retry_after) == (3, 0.25, 1)
    with pytest.raises(TypeError, match="rate_4299"):
        base.with_overrides(rate_4299=0.1)
    with pytest.raises(ValueError, match="rate_429"):
        base.with_overrides(rate_429=3)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        base.seed = 4  # type: ignore[misc]


# --- faults ---------------------------------------------------------------------------------


def _decisions(config: SandboxConfig, seed: int, count: int = 200) -> list[FaultDecision]:
    rng = random.Random(seed)
    return [decide(rng, config) for _ in range(count)]


def test_no_rates_no_faults() -> None:
    assert set(_decisions(SandboxConfig(), 1)) == {NO_FAULT}


def test_drop_wins_over_status() -> None:
    config = SandboxConfig(rate_drop=1, rate_429=1, rate_5xx=1)
    assert all(decision.drop and decision.status is None for decision in _decisions(config, 2))


def test_each_fault_takes_its_share() -> None:
    config = SandboxConfig(rate_429=0.2, rate_5xx=0.3, rate_truncate=0.5, html_share=0.5)
    decisions = _decisions(config, 3, 4000)
    limited = sum(decision.status == 429 for decision in decisions) / 4000
    failed = [decision for decision in decisions if decision.status in (500, 503)]
    assert limited == pytest.approx(0.2, abs=0.03)
    assert len(failed) / 4000 == pytest.approx(0.8 * 0.3, abs=0.03)
    assert sum(d.html for d in failed) / len(failed) == pytest.approx(0.5, abs=0.07)
    assert sum(d.status == 503 for d in failed) / len(failed) == pytest.approx(0.5, abs=0.07)
    assert sum(d.truncate for d in decisions) / 4000 == pytest.approx(0.5, abs=0.03)


def test_every_decision_draws_the_same_amount() -> None:
    # Whatever the outcome, the generator advances alike: a seed fixes the whole sequence.
    quiet, noisy = random.Random(9), random.Random(9)
    for _ in range(50):
        decide(quiet, SandboxConfig())
        decide(noisy, SandboxConfig(rate_drop=0.3, rate_429=0.3, rate_5xx=0.3))
    assert quiet.random() == noisy.random()


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.05, "0.05"), (2, "2"), (1.0, "1"), (0, "0"), (1.2345, "1.234")]
)
def test_retry_after_format(seconds: float, text: str) -> None:
    assert format_retry_after(seconds) == text


# --- tasks ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "outcome", "duration"),
    [
        ("plain", Outcome.SUCCESS, None),
        ("a [error] b", Outcome.ERROR, None),
        ("[HARMFUL]", Outcome.HARMFUL, None),
        ("[timeout] then [payment]", Outcome.TIMEOUT, None),
        ("[payment][duration=2.5]", Outcome.PAYMENT, 2.5),
        ("[duration=.5]", Outcome.SUCCESS, 0.5),
        ("[duration=3]", Outcome.SUCCESS, 3.0),
        ("[duration=x]", Outcome.SUCCESS, None),
    ],
)
def test_triggers(text: str, outcome: Outcome, duration: float | None) -> None:
    triggers = parse_triggers(text)
    assert (triggers.outcome, triggers.duration) == (outcome, duration)


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_task_store_lifecycle() -> None:
    clock = FakeClock()
    store = TaskStore(2.0, clock=clock, first_run_id=50)
    ok = store.create("fine")
    bad = store.create("broken [error]")
    late = store.create("slow [duration=5]")
    assert store.get(ok.task_id) is ok
    assert store.get("nope") is None
    assert (ok.run_id, bad.run_id, late.run_id) == (50, None, 51)
    assert task_status(ok, clock.now)["status"] == "PENDING"
    assert store.finished_run(50) is None
    clock.now += 2.0
    assert task_status(ok, clock.now) == {
        "status": "SUCCESS",
        "run_id": 50,
        "exception_reason": None,
        "message": None,
    }
    assert task_status(bad, clock.now)["exception_reason"] == "PROCESSING_ERROR"
    assert store.finished_run(50) is ok
    assert store.finished_run(51) is None
    assert store.run(51) is late
    clock.now += 3.0
    assert store.finished_run(51) is late


# --- presigned URLs -------------------------------------------------------------------------


def test_presigned_urls() -> None:
    secret = b"s" * 32
    url = presign("http://files", secret, 7, expires_at=1000.5)
    assert url.startswith("http://files/files/7.flac?expires=1000.500&signature=")
    signature = url.split("signature=")[1]
    assert presign_problem(secret, 7, "1000.500", signature, now=1000.0) is None
    assert presign_problem(secret, 7, "1000.500", signature, now=1000.6) is not None
    assert presign_problem(secret, 8, "1000.500", signature, now=1000.0) is not None
    assert presign_problem(b"x" * 32, 7, "1000.500", signature, now=1000.0) is not None
    assert presign_problem(secret, 7, "2000.000", signature, now=1000.0) is not None
    assert presign_problem(secret, 7, None, signature, now=1000.0) is not None


# --- counters -------------------------------------------------------------------------------


def test_stats_count_and_reset() -> None:
    stats = Stats()
    stats.request("get_tts_results")
    stats.answered("get_tts_results", 200)
    stats.request("get_tts_results")
    stats.answered("get_tts_results", 422)
    stats.request("list_voices")
    stats.fault("drop")
    stats.file_request(with_api_key=True)
    stats.file_request(with_api_key=False)
    snapshot = stats.snapshot()
    assert snapshot["requests"] == 3
    assert snapshot["by_operation"]["get_tts_results"] == {"200": 1, "422": 1}
    assert snapshot["by_operation"]["list_voices"] == {}
    assert snapshot["attempts"]["list_voices"] == 1
    assert snapshot["faults"] == {"429": 0, "5xx": 0, "drop": 1, "truncate": 0, "short_audio": 0}
    assert (snapshot["file_requests"], snapshot["file_requests_with_api_key"]) == (2, 1)
    stats.reset()
    assert stats.snapshot()["requests"] == 0
    assert stats.snapshot()["by_operation"]["get_tts_results"] == {}
