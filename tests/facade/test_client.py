"""Construction, typed errors, retries, redirects, key scoping and logging."""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb

from .conftest import BASE, KEY, Api, json_response

# --- construction --------------------------------------------------------------------------------


def test_key_and_base_url_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMB_API_KEY", "env-key")
    monkeypatch.setenv("CAMB_BASE_URL", "http://127.0.0.1:9999/")
    seen: list[httpx.Request] = []
    http = httpx.Client(
        transport=httpx.MockTransport(lambda r: seen.append(r) or json_response(200, []))
    )
    with camb.Camb(http_client=http) as client:
        assert client.base_url == "http://127.0.0.1:9999"
        client.voices.list()
    assert seen[0].headers["x-api-key"] == "env-key"
    assert str(seen[0].url) == "http://127.0.0.1:9999/list-voices"


def test_default_base_url_is_the_real_api() -> None:
    assert camb.Camb(api_key="k").base_url == BASE


@pytest.mark.parametrize("cls", [camb.Camb, camb.AsyncCamb])
def test_no_key_is_a_clear_error_at_construction(cls: Any) -> None:
    with pytest.raises(camb.InvalidInputError, match=r"api_key.*CAMB_API_KEY"):
        cls()


@pytest.mark.parametrize(
    "url",
    [
        "http://api.example.com",
        "http://10.0.0.5:8080",
        "ftp://x",
        "not a url",
        "https://x/apis?q=1",
    ],
)
def test_unsafe_or_malformed_base_urls_are_refused(url: str) -> None:
    with pytest.raises(camb.InvalidInputError, match="base_url"):
        camb.Camb(api_key="k", base_url=url)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080",
        "http://localhost:1",
        "http://[::1]:80/apis",
        "https://x.example/apis/",
    ],
)
def test_loopback_http_and_any_https_are_accepted(url: str) -> None:
    assert camb.Camb(api_key="k", base_url=url).base_url == url.rstrip("/")


def test_plain_http_elsewhere_only_when_asked() -> None:
    client = camb.Camb(api_key="k", base_url="http://api.internal:8080", allow_insecure_http=True)
    assert client.base_url == "http://api.internal:8080"


@pytest.mark.parametrize(
    ("kwargs", "param"),
    [
        ({"timeout": 0}, "timeout"),
        ({"timeout": -1.0}, "timeout"),
        ({"max_retries": -1}, "max_retries"),
        ({"max_retries": 1.5}, "max_retries"),
        ({"http_client": object()}, "http_client"),
    ],
)
def test_bad_options_name_the_parameter(kwargs: dict[str, Any], param: str) -> None:
    with pytest.raises(camb.InvalidInputError, match=param):
        camb.Camb(api_key="k", **kwargs)


def test_context_managers_close_their_own_http_client_only() -> None:
    with camb.Camb(api_key="k") as client:
        http = client._http
    assert http.is_closed
    mine = httpx.Client()
    with camb.Camb(api_key="k", http_client=mine):
        pass
    assert not mine.is_closed
    mine.close()

    async def run() -> None:
        async with camb.AsyncCamb(api_key="k") as aclient:
            ahttp = aclient._http
        assert ahttp.is_closed

    asyncio.run(run())


def test_with_options_changes_defaults_and_shares_connections() -> None:
    client = camb.Camb(api_key="k", max_retries=2)
    other = client.with_options(max_retries=0, timeout=3.0)
    assert (other.max_retries, other.timeout.read, other._http) == (0, 3.0, client._http)
    assert client.max_retries == 2


# --- errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, camb.BadRequestError),
        (401, camb.AuthenticationError),
        (403, camb.AuthenticationError),
        (402, camb.PaymentRequiredStatusError),
        (404, camb.NotFoundError),
        (409, camb.ConflictError),
        (418, camb.APIStatusError),
        (422, camb.ValidationError),
        (429, camb.RateLimitError),
        (500, camb.ServerError),
        (503, camb.ServerError),
    ],
)
def test_status_codes_map_to_typed_errors(
    make_api: Callable[..., Api], status: int, error: type[Exception]
) -> None:
    api = make_api(lambda r: json_response(status, {"detail": "nope"}), max_retries=0)
    with pytest.raises(error) as info:
        api(lambda c: c.voices.list())
    assert isinstance(info.value, camb.APIStatusError)
    assert info.value.status_code == status
    assert info.value.body == {"detail": "nope"}
    assert "nope" in str(info.value)
    assert "/list-voices" in str(info.value)


def test_validation_error_shows_every_detail_entry(make_api: Callable[..., Api]) -> None:
    detail = [
        {
            "loc": ["body", "text"],
            "msg": "String should have at least 3 characters",
            "type": "string_too_short",
        },
        {
            "loc": ["body", "language"],
            "msg": "Unsupported locale; allowed: en-us, hi-in",
            "type": "value_error",
        },
    ]
    api = make_api(lambda r: json_response(422, {"detail": detail}))
    with pytest.raises(camb.ValidationError) as info:
        api(lambda c: c.voices.list())
    assert info.value.errors == detail
    text = str(info.value)
    assert "body.text: String should have at least 3 characters (string_too_short)" in text
    assert "allowed: en-us, hi-in" in text


def test_an_html_error_page_gives_a_typed_error_with_a_short_excerpt(
    make_api: Callable[..., Api],
) -> None:
    page = (
        "<html><head><style>x{}</style></head><body><h1>503 Service Unavailable</h1>"
        + "<p>filler</p>" * 500
        + "</body></html>"
    )
    api = make_api(
        lambda r: httpx.Response(503, text=page, headers={"content-type": "text/html"}),
        max_retries=0,
    )
    with pytest.raises(camb.ServerError) as info:
        api(lambda c: c.voices.list())
    assert "503 Service Unavailable" in str(info.value)
    assert "<" not in str(info.value)
    assert len(str(info.value)) < 400


def test_undecodable_bodies_are_typed_errors(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: httpx.Response(500, content=b"\xff\xfe\x00garbage"), max_retries=0)
    with pytest.raises(camb.ServerError):
        api(lambda c: c.voices.list())
    ok_but_binary = make_api(lambda r: httpx.Response(200, content=b"\xff\xfe\x00"))
    with pytest.raises(camb.UnexpectedResponseError):
        ok_but_binary(lambda c: c.voices.list())


# A list whose items cannot be read is no error: see test_voices_lenient.py.
@pytest.mark.parametrize("body", [{"voices": []}, None, "voices", 3])
def test_a_voice_answer_that_is_not_a_list_is_a_typed_error(
    make_api: Callable[..., Api], body: Any
) -> None:
    api = make_api(lambda r: json_response(200, body))
    with pytest.raises(camb.UnexpectedResponseError):
        api(lambda c: c.voices.list())


def test_voices_are_typed(make_api: Callable[..., Api]) -> None:
    api = make_api(
        lambda r: json_response(
            200,
            [
                {"id": 1, "voice_name": "Ann", "gender": 2, "is_published": True},
                {"id": 2, "voice_name": "Bo"},
            ],
        )
    )
    voices = api(lambda c: c.voices.list())
    assert voices == [
        camb.Voice(id=1, voice_name="Ann", gender=2, is_published=True),
        camb.Voice(id=2, voice_name="Bo"),
    ]


def test_connection_failures_are_typed(make_api: Callable[..., Api]) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    api = make_api(refuse, max_retries=1)
    with pytest.raises(camb.APIConnectionError, match="ConnectError"):
        api(lambda c: c.voices.list())
    assert len(api.requests) == 2

    def slow(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    api = make_api(slow, max_retries=0)
    with pytest.raises(camb.APITimeoutError):
        api(lambda c: c.voices.list())


# --- retries -------------------------------------------------------------------------------------


def flaky(*answers: httpx.Response | Exception) -> Callable[[httpx.Request], httpx.Response]:
    state = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers[min(state["n"], len(answers) - 1)]
        state["n"] += 1
        if isinstance(answer, Exception):
            raise answer
        return answer

    return handler


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    recorded: list[float] = []

    async def fake_async_sleep(delay: float) -> None:
        recorded.append(delay)

    monkeypatch.setattr("camb._sync_runtime.time.sleep", recorded.append)
    monkeypatch.setattr("camb._async_runtime.asyncio.sleep", fake_async_sleep)
    return recorded


def test_retry_after_seconds_and_dates_are_honoured(
    make_api: Callable[..., Api], sleeps: list[float]
) -> None:
    date = email.utils.formatdate(time.time() + 30, usegmt=True)
    api = make_api(
        flaky(
            json_response(429, {"detail": "slow down"}, **{"retry-after": "2"}),
            json_response(503, {"detail": "busy"}, **{"retry-after": date}),
            json_response(200, []),
        ),
        max_retries=2,
    )
    assert api(lambda c: c.voices.list()) == []
    assert sleeps[0] == 2.0
    assert 28 <= sleeps[1] <= 30


def test_backoff_without_retry_after_is_exponential(
    make_api: Callable[..., Api], sleeps: list[float]
) -> None:
    api = make_api(
        flaky(
            httpx.Response(500), httpx.Response(502), httpx.Response(504), json_response(200, [])
        ),
        max_retries=3,
        backoff=camb.BackoffPolicy(initial_delay=0.5, max_delay=1.5, jitter=0.0),
    )
    api(lambda c: c.voices.list())
    assert sleeps == [0.5, 1.0, 1.5]


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_retryable_statuses_are_retried_for_safe_requests(
    make_api: Callable[..., Api], status: int
) -> None:
    api = make_api(flaky(httpx.Response(status), json_response(200, {"status": "PENDING"})))
    assert api(lambda c: c.tts.status("t")).status == "PENDING"
    assert len(api.requests) == 2


def test_client_errors_are_not_retried(make_api: Callable[..., Api]) -> None:
    api = make_api(flaky(json_response(400, {"detail": "bad"}), json_response(200, [])))
    with pytest.raises(camb.BadRequestError):
        api(lambda c: c.voices.list())
    assert len(api.requests) == 1


def test_max_retries_per_client_and_per_call(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: httpx.Response(503), max_retries=3)
    with pytest.raises(camb.ServerError):
        api(lambda c: c.voices.list())
    assert len(api.requests) == 4
    api.requests.clear()
    with pytest.raises(camb.ServerError):
        api(lambda c: c.voices.list(max_retries=0))
    assert len(api.requests) == 1
    api.requests.clear()
    with pytest.raises(camb.ServerError):
        api(lambda c: c.with_options(max_retries=1).voices.list())
    assert len(api.requests) == 2


def test_posts_that_cost_credits_are_not_repeated_once_they_reached_the_server(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(flaky(httpx.Response(503), json_response(200, {"task_id": "t"})), max_retries=3)
    with pytest.raises(camb.ServerError):
        api(lambda c: c.tts.create("Hello", 1, 1))
    assert len(api.requests) == 1

    def read_fails(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadError("reset after send", request=request)

    api = make_api(read_fails, max_retries=3)
    with pytest.raises(camb.APIConnectionError):
        api(lambda c: c.tts.create("Hello", 1, 1))
    assert len(api.requests) == 1


def test_posts_are_retried_when_nothing_reached_the_server(make_api: Callable[..., Api]) -> None:
    api = make_api(
        flaky(
            httpx.ConnectError("refused"),
            httpx.ConnectTimeout("slow connect"),
            json_response(200, {"task_id": "t"}),
        ),
        max_retries=2,
    )
    assert api(lambda c: c.tts.create("Hello", 1, 1)) == "t"
    assert len(api.requests) == 3


def test_bulk_posts_are_safe_to_repeat(make_api: Callable[..., Api]) -> None:
    api = make_api(
        flaky(
            httpx.Response(500),
            httpx.ReadError("reset"),
            json_response(200, {"1": "u1", "2": "u2"}),
        )
    )
    assert dict(api(lambda c: c.tts.results([1, 2]))) == {1: "u1", 2: "u2"}
    assert len(api.requests) == 3


def test_each_request_and_retry_is_logged_without_the_key(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(flaky(httpx.Response(503), json_response(200, [])))
    with caplog.at_level(logging.DEBUG, logger="camb"):
        api(lambda c: c.voices.list())
    lines = [r.getMessage() for r in caplog.records if r.name == "camb"]
    assert len([m for m in lines if m.startswith("GET ") and "/list-voices -> " in m]) == 2
    assert len([m for m in lines if m.startswith("retrying GET")]) == 1
    assert all(KEY not in line for line in lines)


# --- the key's scope -----------------------------------------------------------------------------


def test_redirects_keep_the_key_only_on_the_api_origin(
    make_api: Callable[..., Api], tmp_path: Any
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/apis/tts-result/3":
            return httpx.Response(307, headers={"location": "/apis/tts-result-moved/3"})
        if request.url.path == "/apis/tts-result-moved/3":
            return httpx.Response(302, headers={"location": "https://evil.example/steal"})
        return httpx.Response(200, content=b"fLaC")

    api = make_api(handler)
    assert api(lambda c: c.tts.result(3)) == b"fLaC"
    first, same_origin, other_origin = api.requests
    assert first.headers["x-api-key"] == KEY
    assert same_origin.headers["x-api-key"] == KEY
    assert "x-api-key" not in other_origin.headers
    assert other_origin.url.host == "evil.example"


def test_too_many_redirects_is_an_error(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: httpx.Response(302, headers={"location": "/apis/list-voices"}))
    with pytest.raises(camb.APIError, match="redirects"):
        api(lambda c: c.voices.list())


def test_the_key_never_shows(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    api = make_api(lambda r: json_response(401, {"detail": "Invalid API key."}))
    with caplog.at_level(logging.DEBUG), pytest.raises(camb.AuthenticationError) as info:
        api(lambda c: c.voices.list())
    shown = [repr(api.client), str(api.client), str(info.value), repr(info.value), caplog.text]
    assert all(KEY not in text for text in shown)
    with pytest.raises(camb.InvalidInputError) as bad:
        camb.Camb(api_key=" " + KEY)
    assert KEY not in str(bad.value)
