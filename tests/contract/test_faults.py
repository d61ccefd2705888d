"""Faults: the facade against a sandbox that fails about one API request in ten.

The sandbox answers ~4% of API requests 429 (with a fractional Retry-After), ~4% 500 or 503 (half
of them an HTML page from a "proxy"), and drops ~3% of connections before any response byte.
Its faults are fixed per sandbox, so runs are created on the faulty sandbox itself, tolerantly:
a fault hits a request before the sandbox's handler runs, so a failed `create()` made no task
and is simply called again. That `POST /tts` is never retried by the facade once it reached
the server is checked on the way (the sandbox saw exactly as many create attempts as there
were `create()` calls).

Run with `-s` to see the counts each test prints (ids, requests, faults injected and survived).
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import camb
from camb.sandbox import Sandbox, running

from .conftest import async_sandbox_client, close_async, close_sync, sandbox_client

FAULTS: dict[str, Any] = {
    "rate_429": 0.04,
    "retry_after": 0.01,
    "rate_5xx": 0.04,
    "html_share": 0.5,
    "rate_drop": 0.03,
}
TRANSIENT = (camb.RateLimitError, camb.ServerError, camb.APIConnectionError)
VOICE, LANGUAGE = 147320, 1
AVAILABLE_RUNS = 2000
TOTAL_IDS = 5000


def _summary(title: str, **counts: Any) -> None:
    shown = ", ".join(f"{key}={value}" for key, value in counts.items())
    print(f"\n[fault summary] {title}: {shown}")


def _faults(stats: dict[str, Any]) -> dict[str, int]:
    return {kind: int(count) for kind, count in stats["faults"].items()}


def _no_422(stats: dict[str, Any]) -> None:
    for operation, statuses in stats["by_operation"].items():
        assert "422" not in statuses, (operation, statuses)


def create_tolerantly(client: camb.Camb, texts: list[str]) -> tuple[list[str], Counter[str]]:
    """One task per text; a create() that met a fault made no task and is called again."""
    task_ids: list[str] = []
    refused: Counter[str] = Counter()
    for text in texts:
        while True:
            try:
                task_ids.append(client.tts.create(text, VOICE, LANGUAGE))
                break
            except TRANSIENT as error:
                refused[type(error).__name__] += 1
    return task_ids, refused


async def acreate_tolerantly(
    client: camb.AsyncCamb, texts: list[str]
) -> tuple[list[str], Counter[str]]:
    refused: Counter[str] = Counter()

    async def one(text: str) -> str:
        while True:
            try:
                return await client.tts.create(text, VOICE, LANGUAGE)
            except TRANSIENT as error:
                refused[type(error).__name__] += 1

    return list(await asyncio.gather(*(one(text) for text in texts))), refused


@pytest.fixture(scope="module")
def faulty() -> Iterator[Sandbox]:
    with running(task_duration=0.0, seed=5150, **FAULTS) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def available_runs(faulty: Sandbox) -> list[int]:
    """2,000 finished runs, created and waited for under faults."""
    faulty.reset_stats()
    client = sandbox_client(faulty, max_retries=8)
    try:
        texts = [f"Run number {i}." for i in range(AVAILABLE_RUNS)]
        task_ids, refused = create_tolerantly(client, texts)
        stats = faulty.stats()
        # POST /tts reached the server once per call: never retried after a fault.
        assert stats["attempts"]["create_tts"] == len(texts) + sum(refused.values())
        waited = client.tts.wait_many(task_ids, poll_interval=0.01, timeout=60, concurrency=8)
        assert waited.ok, dict(itertools.islice(waited.failed.items(), 3))
        stats = faulty.stats()
        _no_422(stats)
        _summary(
            f"created and waited for {AVAILABLE_RUNS} tasks",
            create_calls_refused=dict(refused),
            requests=stats["requests"],
            faults=_faults(stats),
        )
        run_ids = [waited[task_id] for task_id in task_ids]
    finally:
        close_sync(client)
    assert len(set(run_ids)) == AVAILABLE_RUNS
    return run_ids


def _bulk_input(available: list[int]) -> tuple[list[int], set[int], set[int]]:
    """5,000 unique ids (the available runs and 3,000 that do not exist), shuffled, with 500
    duplicates mixed in."""
    rng = random.Random(99)
    missing = set(rng.sample(range(10**9, 10**12), TOTAL_IDS - len(available)))
    unique = [*available, *missing]
    rng.shuffle(unique)
    with_duplicates = unique + rng.sample(unique, 500)
    rng.shuffle(with_duplicates)
    return with_duplicates, set(available), missing


def _check_bulk(
    sandbox: Sandbox, results: camb.BulkResults, available: set[int], missing: set[int]
) -> None:
    urls, unavailable, failed = set(results), set(results.unavailable), set(results.failed)
    assert failed == set(), dict(itertools.islice(results.failed.items(), 3))
    assert urls == available  # every available id returned
    assert unavailable == missing  # every unavailable one reported
    # none lost, none duplicated, none reported twice
    assert urls | unavailable | failed == available | missing
    assert len(results) + len(results.unavailable) + len(results.failed) == TOTAL_IDS
    assert not (urls & unavailable)
    assert len(set(results.values())) == len(results)
    for run_id, url in results.items():
        assert url.startswith(sandbox.files_url + "/")
        assert f"/{run_id}." in url


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_results_over_5000_ids_under_faults(
    faulty: Sandbox, available_runs: list[int], mode: str
) -> None:
    ids, available, missing = _bulk_input(available_runs)
    faulty.reset_stats()
    if mode == "sync":
        client = sandbox_client(faulty, max_retries=8)
        try:
            results = client.tts.results(ids, concurrency=8, raise_on_error=False)
        finally:
            close_sync(client)
    else:

        async def fetch() -> camb.BulkResults:
            aclient = async_sandbox_client(faulty, max_retries=8)
            try:
                return await aclient.tts.results(ids, concurrency=8, raise_on_error=False)
            finally:
                await close_async(aclient)

        results = asyncio.run(fetch())
    _check_bulk(faulty, results, available, missing)
    stats = faulty.stats()
    faults = _faults(stats)
    answered = stats["by_operation"]["get_tts_results"]
    _no_422(stats)
    assert faults["429"] > 0
    assert faults["5xx"] > 0
    assert faults["drop"] > 0
    # Every chunk of 5 (1,000 of them) was answered 200 or 404 in the end; the faults came on top.
    assert answered.get("200", 0) + answered.get("404", 0) == TOTAL_IDS // 5
    assert stats["attempts"]["get_tts_results"] == TOTAL_IDS // 5 + sum(faults.values())
    _summary(
        f"results() {mode} over {len(ids)} ids ({TOTAL_IDS} unique)",
        returned=len(results),
        unavailable=len(results.unavailable),
        failed=len(results.failed),
        requests=stats["requests"],
        faults_survived=faults,
        statuses=answered,
    )


OUTCOMES = {
    "ok": None,
    "[error]": (camb.TaskFailedError, "PROCESSING_ERROR"),
    "[harmful]": (camb.TaskFailedError, "HARMFUL_CONTENT_DETECTED"),
    "[timeout]": (camb.TaskTimeoutError, None),
    "[payment]": (camb.TaskPaymentRequiredError, "PAYMENT_REQUIRED"),
}
DURATIONS = [0.05, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2]


def _wait_texts() -> list[tuple[str, str]]:
    """50 (text, outcome) pairs: 36 succeed, 14 end otherwise; durations varied."""
    kinds = ["ok"] * 36 + ["[error]"] * 4 + ["[harmful]"] * 3 + ["[timeout]"] * 4
    kinds += ["[payment]"] * 3
    random.Random(3).shuffle(kinds)
    texts = []
    for i, (kind, duration) in enumerate(zip(kinds, itertools.cycle(DURATIONS), strict=False)):
        trigger = "" if kind == "ok" else f" {kind}"
        texts.append((f"Task {i}{trigger} [duration={duration}]", kind))
    return texts


def _check_outcome(task_id: str, kind: str, outcome: int | camb.CambError) -> None:
    expected = OUTCOMES[kind]
    if expected is None:
        assert isinstance(outcome, int), outcome
        assert outcome > 0
        return
    cls, reason = expected
    assert type(outcome) is cls, outcome
    assert isinstance(outcome, camb.TaskError)
    assert outcome.task_id == task_id
    assert outcome.status is not None
    if reason is not None:
        assert outcome.status.exception_reason == reason
    if cls is camb.TaskPaymentRequiredError:
        assert isinstance(outcome, camb.PaymentRequiredError)


def _wait_sync(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, str], Counter[str]]:
    texts = _wait_texts()
    client = sandbox_client(sandbox, max_retries=8)
    try:
        task_ids, refused = create_tolerantly(client, [text for text, _ in texts])
        kinds = dict(zip(task_ids, [kind for _, kind in texts], strict=True))
        many, single = task_ids[:40], task_ids[40:]
        waited = client.tts.wait_many(many, timeout=30, poll_interval=0.02, concurrency=16)
        outcomes: dict[str, Any] = {**waited.run_ids, **waited.failed}
        for task_id in single:
            try:
                outcomes[task_id] = client.tts.wait(task_id, timeout=30)
            except camb.CambError as error:
                outcomes[task_id] = error
        run_ids = [o for o in outcomes.values() if isinstance(o, int)]
        assert client.tts.results(run_ids, concurrency=4).ok
    finally:
        close_sync(client)
    return outcomes, kinds, refused


async def _wait_async(sandbox: Sandbox) -> tuple[dict[str, Any], dict[str, str], Counter[str]]:
    texts = _wait_texts()
    client = async_sandbox_client(sandbox, max_retries=8)
    try:
        task_ids, refused = await acreate_tolerantly(client, [text for text, _ in texts])
        kinds = dict(zip(task_ids, [kind for _, kind in texts], strict=True))
        many, single = task_ids[:40], task_ids[40:]

        async def wait_one(task_id: str) -> int | camb.CambError:
            try:
                return await client.tts.wait(task_id, timeout=30)
            except camb.CambError as error:
                return error

        waited, singles = await asyncio.gather(
            client.tts.wait_many(many, timeout=30, poll_interval=0.02, concurrency=16),
            asyncio.gather(*(wait_one(task_id) for task_id in single)),
        )
        outcomes: dict[str, Any] = {**waited.run_ids, **waited.failed}
        outcomes.update(zip(single, singles, strict=True))
        run_ids = [o for o in outcomes.values() if isinstance(o, int)]
        assert (await client.tts.results(run_ids, concurrency=4)).ok
    finally:
        await close_async(client)
    return outcomes, kinds, refused


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_wait_on_50_tasks_under_faults(faulty: Sandbox, mode: str) -> None:
    faulty.reset_stats()
    if mode == "sync":
        outcomes, kinds, refused = _wait_sync(faulty)
    else:
        outcomes, kinds, refused = asyncio.run(_wait_async(faulty))
    assert set(outcomes) == set(kinds)
    for task_id, kind in kinds.items():
        _check_outcome(task_id, kind, outcomes[task_id])
    run_ids = [o for o in outcomes.values() if isinstance(o, int)]
    assert len(run_ids) == len(set(run_ids)) == 36
    stats = faulty.stats()
    faults = _faults(stats)
    _no_422(stats)
    assert sum(faults.values()) > 0
    _summary(
        f"wait {mode} on 50 tasks (40 in wait_many, 10 one by one)",
        outcomes=dict(Counter(kinds.values())),
        status_polls=stats["attempts"]["get_tts_status"],
        create_calls_refused=dict(refused),
        faults_survived=faults,
    )


# --- bodies cut short ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cut_short() -> Iterator[Sandbox]:
    with running(task_duration=0.0, rate_truncate=1.0, seed=7) as sandbox:
        yield sandbox


def _only(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_a_body_cut_short_raises_and_leaves_no_file(
    cut_short: Sandbox, tmp_path: Path, mode: str
) -> None:
    cut_short.reset_stats()
    keep = tmp_path / "keep.flac"
    keep.write_bytes(b"the previous file")
    calls = {
        "download": lambda c, path: c.tts.download(run_id, path, max_retries=0),
        "download_url": lambda c, path: c.tts.download_url(url, path, max_retries=0),
        "stream.save": lambda c, path: c.tts.stream(
            "Hello there, this is cut short.", VOICE, "en-us", max_retries=0
        ).save(path),
    }
    errors: dict[str, Any] = {}
    if mode == "sync":
        client = sandbox_client(cut_short, max_retries=0)
        try:
            run_id = client.tts.create_and_wait("Hello there", VOICE, LANGUAGE, timeout=10)
            url = client.tts.result_url(run_id)
            for name, call in calls.items():
                for path in (tmp_path / f"{name}.flac", keep):
                    with pytest.raises(camb.APIConnectionError) as caught:
                        call(client, path)
                    errors[f"{name} -> {path.name}"] = caught.value
        finally:
            close_sync(client)
    else:

        async def run_all() -> None:
            nonlocal run_id, url
            client = async_sandbox_client(cut_short, max_retries=0)
            try:
                run_id = await client.tts.create_and_wait(
                    "Hello there", VOICE, LANGUAGE, timeout=10
                )
                url = await client.tts.result_url(run_id)
                for name, call in calls.items():
                    for path in (tmp_path / f"{name}.flac", keep):
                        with pytest.raises(camb.APIConnectionError) as caught:
                            await call(client, path)
                        errors[f"{name} -> {path.name}"] = caught.value
            finally:
                await close_async(client)

        run_id, url = 0, ""
        asyncio.run(run_all())
    assert _only(tmp_path) == ["keep.flac"]  # no file, no temporary file
    assert keep.read_bytes() == b"the previous file"
    for error in errors.values():
        assert not isinstance(error, camb.APITimeoutError)
    faults = _faults(cut_short.stats())
    assert faults["truncate"] == len(errors) == 6
    _summary(f"bodies cut short ({mode})", raised=len(errors), truncations=faults["truncate"])
