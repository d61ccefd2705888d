"""results(): validation, chunking on the wire, both answer shapes, nothing lost."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb

from .conftest import Api, json_response


def bulk_handler(
    *,
    missing: frozenset[int] = frozenset(),
    shape: str = "object",
    fail: Callable[[list[int]], httpx.Response | None] | None = None,
) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/apis/tts-result/"):
            run_id = int(request.url.path.rsplit("/", 1)[1])
            if run_id in missing:
                return json_response(400, {"detail": "not a tts run"})
            return json_response(200, {"output_url": f"https://store.example/{run_id}.flac?sig=x"})
        ids = json.loads(request.content)["run_ids"]
        assert 2 <= len(ids) <= 5
        assert len(set(ids)) == len(ids)
        if fail is not None and (answer := fail(ids)) is not None:
            return answer
        body: dict[str, Any] = {}
        for i in ids:
            if i in missing:
                continue
            url = f"https://store.example/{i}.flac?sig=x"
            use_object = shape == "object" or (shape == "mixed" and i % 2)
            body[str(i)] = {"output_url": url} if use_object else url
        return json_response(200, body)

    return handler


@pytest.mark.parametrize("n", [2, 5, 6, 7, 12, 23])
def test_fewest_requests_of_two_to_five_unique_ids(make_api: Callable[..., Api], n: int) -> None:
    api = make_api(bulk_handler())
    ids = list(range(100, 100 + n))
    results = api(lambda c: c.tts.results(ids + ids[:3], concurrency=3))
    assert len(api.requests) == math.ceil(n / 5)
    sent = [i for body in api.recorder.bodies() for i in body["run_ids"]]
    assert sorted(sent) == ids
    assert dict(results) == {i: f"https://store.example/{i}.flac?sig=x" for i in ids}
    assert results.ok


@pytest.mark.parametrize("shape", ["object", "string", "mixed"])
def test_both_answer_shapes(make_api: Callable[..., Api], shape: str) -> None:
    api = make_api(bulk_handler(shape=shape))
    results = api(lambda c: c.tts.results([1, 2, 3]))
    assert results[2] == "https://store.example/2.flac?sig=x"
    assert len(results) == 3


def test_single_id_goes_through_result_url(make_api: Callable[..., Api]) -> None:
    api = make_api(bulk_handler())
    results = api(lambda c: c.tts.results([7, 7]))
    assert dict(results) == {7: "https://store.example/7.flac?sig=x"}
    (request,) = api.requests
    assert (request.url.path, request.url.params["output_type"]) == (
        "/apis/tts-result/7",
        "file_url",
    )


def test_empty_input_sends_nothing(make_api: Callable[..., Api]) -> None:
    api = make_api(bulk_handler())
    results = api(lambda c: c.tts.results(iter([])))
    assert dict(results) == {}
    assert results.ok
    assert api.requests == []


def test_missing_ids_are_reported_with_a_reason(make_api: Callable[..., Api]) -> None:
    api = make_api(bulk_handler(missing=frozenset({2, 5})))
    results = api(lambda c: c.tts.results([1, 2, 3, 4, 5, 6]))
    assert set(results) == {1, 3, 4, 6}
    assert set(results.unavailable) == {2, 5}
    assert "not available" in results.unavailable[2]
    assert results.missing() == dict(results.unavailable)
    assert not results.ok


def test_single_unavailable_id(make_api: Callable[..., Api]) -> None:
    api = make_api(bulk_handler(missing=frozenset({9})))
    results = api(lambda c: c.tts.results([9]))
    assert dict(results) == {}
    assert set(results.unavailable) == {9}


def test_a_404_chunk_means_none_available(make_api: Callable[..., Api]) -> None:
    api = make_api(bulk_handler(fail=lambda ids: json_response(404, {"detail": "None available"})))
    results = api(lambda c: c.tts.results([1, 2, 3]))
    assert set(results.unavailable) == {1, 2, 3}
    assert not results.failed


def test_failed_chunks_keep_every_success(make_api: Callable[..., Api]) -> None:
    def fail(ids: list[int]) -> httpx.Response | None:
        return (
            httpx.Response(502, text="<html><h1>502 Bad Gateway</h1></html>") if 1 in ids else None
        )

    api = make_api(bulk_handler(fail=fail), max_retries=1)
    ids = list(range(1, 13))  # 3 chunks: 4 + 4 + 4
    with pytest.raises(camb.BulkResultsError) as info:
        api(lambda c: c.tts.results(ids, concurrency=2))
    results = info.value.results
    assert set(results) == set(range(5, 13))
    assert set(results.failed) == {1, 2, 3, 4}
    assert all(isinstance(e, camb.ServerError) for e in results.failed.values())
    assert "502 Bad Gateway" in str(results.failed[1])
    # 1 chunk tried twice (one retry) + 2 chunks once.
    assert len(api.requests) == 4
    # Without raising, the same answer comes back.
    quiet = make_api(bulk_handler(fail=fail), max_retries=0)
    again = quiet(lambda c: c.tts.results(ids, raise_on_error=False))
    assert set(again) == set(range(5, 13))
    assert set(again.failed) == {1, 2, 3, 4}


def test_malformed_values_fail_only_their_ids(make_api: Callable[..., Api]) -> None:
    api = make_api(
        lambda r: json_response(
            200,
            {"1": {"output_url": "u1"}, "2": 5, "3": {"no": "url"}, "junk": "x", "99": "not asked"},
        )
    )
    results = api(lambda c: c.tts.results([1, 2, 3], raise_on_error=False))
    assert dict(results) == {1: "u1"}
    assert set(results.failed) == {2, 3}
    assert all(isinstance(e, camb.UnexpectedResponseError) for e in results.failed.values())


def test_a_bad_key_stops_sending_and_reports_every_id(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(401, {"detail": "Invalid API key."}))
    with pytest.raises(camb.BulkResultsError) as info:
        api(lambda c: c.tts.results(range(1, 31)))
    assert len(api.requests) == 1
    assert set(info.value.results.failed) == set(range(1, 31))
    assert all(isinstance(e, camb.AuthenticationError) for e in info.value.results.failed.values())


@pytest.mark.parametrize(
    ("bad", "shown"),
    [
        ([1, True], "True"),
        ([1, 1.5], "1.5"),
        (["12", 3], "'12'"),
        ([0, 1], "0"),
        ([2, -3], "-3"),
        ([None, 1], "None"),
    ],
)
def test_bad_ids_are_refused_before_any_request(
    make_api: Callable[..., Api], bad: list[Any], shown: str
) -> None:
    api = make_api(bulk_handler())
    with pytest.raises(camb.InvalidInputError, match=r"run_ids\[\d\]") as info:
        api(lambda c: c.tts.results(bad))
    assert shown in str(info.value)
    assert api.requests == []


@pytest.mark.parametrize("bad", ["1,2", 12, None, b"12", {1: 2}])
def test_non_iterables_are_refused(make_api: Callable[..., Api], bad: Any) -> None:
    api = make_api(bulk_handler())
    with pytest.raises(camb.InvalidInputTypeError, match="run_ids"):
        api(lambda c: c.tts.results(bad))
    assert api.requests == []


def test_sync_concurrency_is_bounded() -> None:
    lock = threading.Lock()
    state = {"now": 0, "max": 0}
    inner = bulk_handler()

    def handler(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["max"] = max(state["max"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        return inner(request)

    api = Api("sync", handler)
    try:
        api(lambda c: c.tts.results(range(1, 101), concurrency=4))
    finally:
        api.close()
    assert 1 < state["max"] <= 4


def test_async_concurrency_is_bounded() -> None:
    api = Api("async", bulk_handler())
    try:
        results = api(lambda c: c.tts.results(range(1, 101), concurrency=3))
    finally:
        api.close()
    assert len(results) == 100
    assert 1 < api.recorder.max_in_flight <= 3


def test_default_concurrency_is_sequential() -> None:
    api = Api("async", bulk_handler())
    try:
        api(lambda c: c.tts.results(range(1, 51)))
    finally:
        api.close()
    assert api.recorder.max_in_flight == 1
