"""The logic that does no I/O: chunk planning, backoff, Retry-After, the poll schedule."""

from __future__ import annotations

import email.utils
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from camb._polling import DEFAULT_POLL_SCHEDULE, PollSchedule, poll_delay
from camb._retry import BackoffPolicy, is_retryable_status, parse_retry_after, retry_delay
from camb._wire._chunking import plan_chunks


@given(st.lists(st.integers(min_value=1, max_value=10**9), unique=True, max_size=400))
def test_chunks_are_the_fewest_the_api_accepts(ids: list[int]) -> None:
    chunks = plan_chunks(ids)
    n = len(ids)
    if n == 0:
        assert chunks == []
        return
    if n == 1:
        assert chunks == [ids]
        return
    assert len(chunks) == math.ceil(n / 5)
    for chunk in chunks:
        assert 2 <= len(chunk) <= 5
        assert len(set(chunk)) == len(chunk)
        assert all(i > 0 for i in chunk)
    flat = [i for chunk in chunks for i in chunk]
    assert flat == ids  # every id once, order kept


@pytest.mark.parametrize(
    ("n", "sizes"),
    [(2, [2]), (5, [5]), (6, [3, 3]), (7, [4, 3]), (10, [5, 5]), (11, [4, 4, 3]), (12, [4, 4, 4])],
)
def test_chunk_sizes_are_even(n: int, sizes: list[int]) -> None:
    assert [len(c) for c in plan_chunks(list(range(1, n + 1)))] == sizes


def test_backoff_grows_exponentially_to_the_cap_without_jitter() -> None:
    policy = BackoffPolicy(initial_delay=0.5, max_delay=4.0, jitter=0.0)
    delays = [retry_delay(n, retry_after=None, policy=policy, random_share=0.9) for n in range(6)]
    assert delays == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_jitter_only_shortens_and_by_at_most_its_share() -> None:
    policy = BackoffPolicy(initial_delay=1.0, max_delay=8.0, jitter=0.25)
    assert retry_delay(0, retry_after=None, policy=policy, random_share=0.0) == 1.0
    assert retry_delay(0, retry_after=None, policy=policy, random_share=0.999) == pytest.approx(
        0.75, abs=1e-3
    )


def test_retry_after_wins_when_reasonable() -> None:
    policy = BackoffPolicy(max_retry_after=60)
    assert retry_delay(3, retry_after=2.5, policy=policy, random_share=0.5) == 2.5
    # An absurd Retry-After falls back to our own schedule.
    assert retry_delay(0, retry_after=3600, policy=policy, random_share=0.0) == policy.initial_delay


def test_parse_retry_after_seconds_and_http_dates() -> None:
    now = 1_700_000_000.0
    assert parse_retry_after("3", now) == 3.0
    assert parse_retry_after("0.25", now) == 0.25
    assert parse_retry_after(email.utils.formatdate(now + 7, usegmt=True), now) == pytest.approx(
        7, abs=1
    )
    assert parse_retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    for bad in (None, "", "soon", "nan", "Wed, 99 Foo 2024"):
        assert parse_retry_after(bad, now) is None
    assert parse_retry_after("-5", now) == 0.0


@pytest.mark.parametrize(
    ("code", "retry"),
    [
        (408, True),
        (409, True),
        (429, True),
        (500, True),
        (503, True),
        (400, False),
        (401, False),
        (404, False),
        (422, False),
    ],
)
def test_retryable_statuses(code: int, retry: bool) -> None:
    assert is_retryable_status(code) is retry


def test_poll_schedule_starts_fast_and_backs_off_to_a_cap() -> None:
    s = DEFAULT_POLL_SCHEDULE
    assert s.next_delay(0.0) == 0.25
    gaps = [s.next_delay(t) for t in range(0, 700, 5)]
    assert gaps == sorted(gaps)  # never speeds up again
    assert max(gaps) == s.max_interval
    assert all(
        g <= s.fast_cap for g, t in zip(gaps, range(0, 700, 5), strict=True) if t < s.fast_period
    )


def test_fixed_poll_interval_overrides_the_schedule() -> None:
    assert poll_delay(100.0, 0.5, PollSchedule()) == 0.5
    assert poll_delay(100.0, None, PollSchedule()) == PollSchedule().next_delay(100.0)


def test_a_decoded_copy_serves_the_decoded_body_every_way_httpx_offers() -> None:
    import asyncio
    import gzip

    import httpx

    from camb._wire._responses import DecodedResponse

    body = b'{"status": "SUCCESS", "run_id": 7}'
    request = httpx.Request("GET", "https://client.camb.ai/apis/tts/x")
    wire = gzip.compress(body)
    source = httpx.Response(
        200,
        headers=[
            ("content-type", "application/json"),
            ("content-encoding", "gzip"),
            ("content-length", str(len(wire))),
            ("set-cookie", "a=1"),
            ("set-cookie", "b=2"),
        ],
        stream=httpx.ByteStream(wire),
        request=request,
    )
    copy = DecodedResponse(source, body)
    assert isinstance(copy, httpx.Response)
    assert copy.content == body
    assert copy.json() == {"status": "SUCCESS", "run_id": 7}
    assert copy.text == body.decode()
    # The encodings no longer apply to what the copy holds; other headers stay, repeated too.
    assert "content-encoding" not in copy.headers
    assert copy.headers["content-length"] == str(len(body))
    assert copy.headers.get_list("set-cookie") == ["a=1", "b=2"]
    assert copy.request is request
    assert copy.status_code == 200
    assert b"".join(DecodedResponse(source, body).iter_bytes()) == body
    assert DecodedResponse(source, body).read() == body

    async def read_async() -> bytes:
        return await DecodedResponse(source, body).aread()

    assert asyncio.run(read_async()) == body
