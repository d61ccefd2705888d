"""Forward compatibility, openai-python's way: every method takes extra_headers, extra_query and
extra_body, merged into its requests; the clients take default_headers. None of them can set
the key or send it to another origin.

These clients use a plain MockTransport: extra options go beyond the spec on purpose.
"""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb

KEY = "sk-live-OptionsKey0123456789"
FILES = "https://files.example"


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/apis")
    if request.url.host == "files.example":
        return httpx.Response(200, content=b"fLaC" + bytes(10), headers={"content-type": "a/flac"})
    if path == "/tts":
        return httpx.Response(200, json={"task_id": "t-1"})
    if path == "/tts-stream":
        return httpx.Response(200, content=b"RIFF" + bytes(10), headers={"content-type": "a/wav"})
    if path.startswith("/tts/"):
        return httpx.Response(200, json={"status": "SUCCESS", "run_id": 7})
    if path == "/list-voices":
        return httpx.Response(200, json=[])
    if path == "/tts-results":
        ids = json.loads(request.content)["run_ids"]
        return httpx.Response(200, json={str(i): f"{FILES}/{i}.flac" for i in ids})
    if path.startswith("/tts-result/") and request.url.params["output_type"] == "file_url":
        return httpx.Response(200, json={"output_url": f"{FILES}/7.flac"})
    if path.startswith("/tts-result/"):
        return httpx.Response(200, content=b"fLaC" + bytes(10), headers={"content-type": "a/flac"})
    if path.endswith("-languages"):
        return httpx.Response(200, json=[{"id": 1, "language": "English", "short_name": "en-us"}])
    return httpx.Response(404, json={"detail": "no"})


class Client:
    """A sync or async client over a plain MockTransport, and the requests it sent."""

    def __init__(self, mode: str, **kwargs: Any) -> None:
        self.mode = mode
        self.requests: list[httpx.Request] = []

        def record(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return answer(request)

        transport = httpx.MockTransport(record)
        if mode == "sync":
            self.http: Any = httpx.Client(transport=transport)
            self.client: Any = camb.Camb(api_key=KEY, http_client=self.http, **kwargs)
        else:
            self.http = httpx.AsyncClient(transport=transport)
            self.client = camb.AsyncCamb(api_key=KEY, http_client=self.http, **kwargs)

    def __call__(self, fn: Callable[[Any], Any]) -> Any:
        result = fn(self.client)
        if inspect.isawaitable(result):
            return asyncio.run(_awaited(result))
        return result

    def close(self) -> None:
        if self.mode == "sync":
            self.http.close()


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


@pytest.fixture(params=["sync", "async"])
def make(request: pytest.FixtureRequest) -> Iterator[Callable[..., Client]]:
    made: list[Client] = []

    def build(**kwargs: Any) -> Client:
        made.append(Client(request.param, **kwargs))
        return made[-1]

    yield build
    for one in made:
        one.close()


EXTRAS = {
    "extra_headers": {"X-Feature": "beta", "X-Trace": "t1"},
    "extra_query": {"preview": "1"},
}
# Every method that sends a JSON body, with its call.
WITH_BODY: list[tuple[str, Callable[..., Any]]] = [
    ("tts.create", lambda c, **kw: c.tts.create("Hello", 5, 1, **kw)),
    ("tts.stream", lambda c, **kw: c.tts.stream("Hello there", 5, "en-us", **kw).read()),
    ("tts.results", lambda c, **kw: c.tts.results([1, 2], **kw)),
]
WITHOUT_BODY: list[tuple[str, Callable[..., Any]]] = [
    ("tts.status", lambda c, **kw: c.tts.status("t-1", **kw)),
    ("tts.result", lambda c, **kw: c.tts.result(7, **kw)),
    ("tts.result_url", lambda c, **kw: c.tts.result_url(7, **kw)),
    ("voices.list", lambda c, **kw: c.voices.list(**kw)),
    ("languages.source", lambda c, **kw: c.languages.source(**kw)),
    ("languages.target", lambda c, **kw: c.languages.target(**kw)),
]


@pytest.mark.parametrize(
    ("name", "call"), WITH_BODY + WITHOUT_BODY, ids=[n for n, _ in WITH_BODY + WITHOUT_BODY]
)
def test_extra_headers_and_query_go_with_every_method(
    make: Callable[..., Client], name: str, call: Callable[..., Any]
) -> None:
    api = make()
    api(lambda c: call(c, **EXTRAS))
    assert api.requests, name
    for request in api.requests:
        assert request.headers["x-feature"] == "beta"
        assert request.headers["x-trace"] == "t1"
        assert request.url.params["preview"] == "1"
        assert request.headers["x-api-key"] == KEY


@pytest.mark.parametrize(("name", "call"), WITH_BODY, ids=[n for n, _ in WITH_BODY])
def test_extra_body_is_merged_into_the_json_body(
    make: Callable[..., Client], name: str, call: Callable[..., Any]
) -> None:
    api = make()
    api(lambda c: call(c, extra_body={"new_option": {"a": 1}}))
    body = json.loads(api.requests[-1].content)
    assert body["new_option"] == {"a": 1}
    # ...next to what the method sends itself.
    assert set(body) - {"new_option"}


def test_extra_body_may_override_a_field_the_method_sends(make: Callable[..., Client]) -> None:
    api = make()
    api(lambda c: c.tts.create("Hello", 5, 1, extra_body={"language": 2, "speed": 1.5}))
    body = json.loads(api.requests[0].content)
    assert (body["language"], body["speed"], body["text"]) == (2, 1.5, "Hello")


@pytest.mark.parametrize(("name", "call"), WITHOUT_BODY, ids=[n for n, _ in WITHOUT_BODY])
def test_extra_body_on_a_request_without_a_body_is_refused_before_sending(
    make: Callable[..., Client], name: str, call: Callable[..., Any]
) -> None:
    api = make()
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: call(c, extra_body={"a": 1}))
    assert caught.value.param == "extra_body"
    assert api.requests == []


def test_wait_sends_its_extra_headers_and_query_with_every_poll(
    make: Callable[..., Client],
) -> None:
    api = make()
    assert api(lambda c: c.tts.wait("t-1", **EXTRAS)) == 7
    assert api(lambda c: c.tts.wait_many(["t-2", "t-3"], **EXTRAS)).ok
    assert len(api.requests) == 3
    assert all(r.headers["x-feature"] == "beta" for r in api.requests)
    assert all(r.url.params["preview"] == "1" for r in api.requests)


@pytest.mark.parametrize("name", ["x-api-key", "X-API-KEY", "X-Api-Key", "Host", "content-length"])
def test_extra_headers_cannot_set_the_key_or_what_httpx_computes(
    make: Callable[..., Client], name: str
) -> None:
    api = make()
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.voices.list(extra_headers={name: "sk-live-Other"}))
    assert caught.value.param == "extra_headers"
    assert "sk-live-Other" not in str(caught.value)
    assert api.requests == []


@pytest.mark.parametrize(
    ("headers", "rule"),
    [
        ({"X-A": 1}, "str"),
        ({"X-A": "a\r\nX-Injected: 1"}, "one line"),
        ({"X-A": "é"}, "ASCII"),
        (["X-A"], "mapping"),
    ],
)
def test_extra_headers_must_be_one_line_ascii_text(
    make: Callable[..., Client], headers: Any, rule: str
) -> None:
    api = make()
    with pytest.raises(camb.InvalidInputError, match=rule):
        api(lambda c: c.voices.list(extra_headers=headers))
    assert api.requests == []


def test_extra_options_never_move_the_key_to_another_origin(
    make: Callable[..., Client], tmp_path: Path
) -> None:
    """A presigned download gets the caller's extra headers and query, never the key; and no
    extra option can point an API request at another host."""
    api = make()
    api(
        lambda c: c.tts.download_url(
            f"{FILES}/7.flac?sig=abc",
            tmp_path / "out.flac",
            extra_headers={"X-Trace": "t1"},
            extra_query={"preview": "1"},
        )
    )
    (download,) = api.requests
    assert download.url.host == "files.example"
    assert "x-api-key" not in download.headers
    assert download.headers["x-trace"] == "t1"
    assert download.url.params["sig"] == "abc"
    assert download.url.params["preview"] == "1"
    # A query that looks like a URL stays a query parameter of the API's own host.
    api(lambda c: c.voices.list(extra_query={"url": "https://evil.example/", "host": "evil"}))
    voices = api.requests[-1]
    assert voices.url.host == "client.camb.ai"
    assert voices.headers["x-api-key"] == KEY


def test_a_presigned_urls_query_is_kept_byte_for_byte(
    make: Callable[..., Client], tmp_path: Path
) -> None:
    url = f"{FILES}/7.flac?X-Amz-Credential=AKIA%2F2024%2Fs3&X-Amz-Signature=a+b%7E"
    api = make()
    api(lambda c: c.tts.download_url(url, tmp_path / "a.flac", extra_query={"v": "2"}))
    api(lambda c: c.tts.download_url(url, tmp_path / "b.flac"))
    with_extra, plain = api.requests
    assert with_extra.url.query == b"X-Amz-Credential=AKIA%2F2024%2Fs3&X-Amz-Signature=a+b%7E&v=2"
    assert plain.url.query == b"X-Amz-Credential=AKIA%2F2024%2Fs3&X-Amz-Signature=a+b%7E"


def test_a_bad_url_with_extra_query_is_an_input_error(
    make: Callable[..., Client], tmp_path: Path
) -> None:
    api = make()
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.tts.download_url("https://[::1/x", tmp_path / "a", extra_query={"v": 1}))
    assert caught.value.param == "url"
    assert api.requests == []


def test_extra_query_values_must_be_plain(make: Callable[..., Client]) -> None:
    api = make()
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.voices.list(extra_query={"a": {"nested": 1}}))
    assert caught.value.param == "extra_query['a']"
    assert api.requests == []
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.voices.list(extra_query={"a": "\ud800"}))
    assert caught.value.param == "extra_query"
    api(lambda c: c.voices.list(extra_query={"a": [1, "b"], "c": True, "d": None}))
    assert api.requests[0].url.query == b"a=1&a=b&c=true&d="


def test_default_headers_go_with_every_request_and_extra_headers_win(
    make: Callable[..., Client],
) -> None:
    api = make(default_headers={"X-App": "demo", "X-Trace": "default"})
    api(lambda c: c.voices.list())
    api(lambda c: c.tts.create("Hello", 5, 1, extra_headers={"X-Trace": "call"}))
    api(lambda c: c.with_options(max_retries=0).tts.status("t-1"))
    first, second, third = api.requests
    assert first.headers["x-app"] == second.headers["x-app"] == third.headers["x-app"] == "demo"
    assert first.headers["x-trace"] == "default"
    assert second.headers["x-trace"] == "call"
    assert third.headers["x-trace"] == "default"
    assert api.client.default_headers == {"X-App": "demo", "X-Trace": "default"}


@pytest.mark.parametrize("cls", [camb.Camb, camb.AsyncCamb])
@pytest.mark.parametrize(
    ("headers", "exc"),
    [
        ({"x-api-key": "sk-live-Other"}, camb.InvalidInputError),
        ({"X-A": None}, camb.InvalidInputTypeError),
        ("X-A: 1", camb.InvalidInputTypeError),
    ],
)
def test_default_headers_are_checked_when_the_client_is_made(
    cls: Any, headers: Any, exc: type[Exception]
) -> None:
    with pytest.raises(exc) as caught:
        cls(api_key=KEY, default_headers=headers)
    assert caught.value.param == "default_headers"  # type: ignore[attr-defined]
    assert "sk-live-Other" not in str(caught.value)
