"""Bad input, table-driven, sync and async: each raises the documented exception
(`camb.InvalidInputError`, or its subclass `camb.InvalidInputTypeError`, also a TypeError), its
message names the parameter, and no request reaches the transport."""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb

from .conftest import MOCK_KEY, Mocked

URL = "https://storage.example/files/1.flac?sig=abc"
Call = Callable[[Any, Path], Any]

T = camb.InvalidInputTypeError
V = camb.InvalidInputError


def _stream(**kwargs: Any) -> Call:
    args = {"text": "Hello there", "voice_id": 147320, "language": "en-us", **kwargs}
    return lambda c, tmp: c.tts.stream(**args)


# (name, call, exception, parameter named in the message)
CASES: list[tuple[str, Call, type[Exception], str]] = [
    # run ids
    ("results(0)", lambda c, tmp: c.tts.results(0), T, "run_ids"),
    ("results('1,2')", lambda c, tmp: c.tts.results("1,2"), T, "run_ids"),
    ("results(None)", lambda c, tmp: c.tts.results(None), T, "run_ids"),
    ("results({1: 'a'})", lambda c, tmp: c.tts.results({1: "a"}), T, "run_ids"),
    ("results([0])", lambda c, tmp: c.tts.results([0]), V, "run_ids[0]"),
    ("results([5, -1])", lambda c, tmp: c.tts.results([5, -1]), V, "run_ids[1]"),
    ("results([True])", lambda c, tmp: c.tts.results([True]), T, "run_ids[0]"),
    ("results([1.5])", lambda c, tmp: c.tts.results([1.5]), T, "run_ids[0]"),
    ("results(['12'])", lambda c, tmp: c.tts.results(["12"]), T, "run_ids[0]"),
    ("results([None])", lambda c, tmp: c.tts.results([None]), T, "run_ids[0]"),
    (
        "results(concurrency=0)",
        lambda c, tmp: c.tts.results([1, 2], concurrency=0),
        V,
        "concurrency",
    ),
    (
        "results(max_retries=-1)",
        lambda c, tmp: c.tts.results([1, 2], max_retries=-1),
        V,
        "max_retries",
    ),
    ("results(timeout=0)", lambda c, tmp: c.tts.results([1, 2], timeout=0), V, "timeout"),
    ("result(0)", lambda c, tmp: c.tts.result(0), V, "run_id"),
    ("result(-1)", lambda c, tmp: c.tts.result(-1), V, "run_id"),
    ("result(True)", lambda c, tmp: c.tts.result(True), T, "run_id"),
    ("result(1.5)", lambda c, tmp: c.tts.result(1.5), T, "run_id"),
    ("result('12')", lambda c, tmp: c.tts.result("12"), T, "run_id"),
    ("result(None)", lambda c, tmp: c.tts.result(None), T, "run_id"),
    (
        "result(output_type='mp3')",
        lambda c, tmp: c.tts.result(1, output_type="mp3"),
        V,
        "output_type",
    ),
    ("result(timeout=-1)", lambda c, tmp: c.tts.result(1, timeout=-1), V, "timeout"),
    ("result_url(0)", lambda c, tmp: c.tts.result_url(0), V, "run_id"),
    ("download(0)", lambda c, tmp: c.tts.download(0, tmp / "a.flac"), V, "run_id"),
    ("download_url(ftp)", lambda c, tmp: c.tts.download_url("ftp://x/1", tmp / "a"), V, "url"),
    ("download_url(None)", lambda c, tmp: c.tts.download_url(None, tmp / "a"), T, "url"),
    ("download(path=None)", lambda c, tmp: c.tts.download(1, None), T, "path"),
    ("download_url(path=None)", lambda c, tmp: c.tts.download_url(URL, None), T, "path"),
    ("download(path=a folder)", lambda c, tmp: c.tts.download(1, tmp), V, "path"),
    ("download_url(path='')", lambda c, tmp: c.tts.download_url(URL, ""), V, "path"),
    (
        "results(concurrency='2')",
        lambda c, tmp: c.tts.results([1, 2], concurrency="2"),
        T,
        "concurrency",
    ),
    # task ids
    ("status('')", lambda c, tmp: c.tts.status(""), V, "task_id"),
    ("status('../x')", lambda c, tmp: c.tts.status("../x"), V, "task_id"),
    ("status('a/b')", lambda c, tmp: c.tts.status("a/b"), V, "task_id"),
    ("status(' ')", lambda c, tmp: c.tts.status(" "), V, "task_id"),
    ("status('t\\n')", lambda c, tmp: c.tts.status("t\n"), V, "task_id"),
    ("status('..')", lambda c, tmp: c.tts.status(".."), V, "task_id"),
    ("status(None)", lambda c, tmp: c.tts.status(None), T, "task_id"),
    ("status(12)", lambda c, tmp: c.tts.status(12), T, "task_id"),
    ("wait('')", lambda c, tmp: c.tts.wait(""), V, "task_id"),
    ("wait('a/b')", lambda c, tmp: c.tts.wait("a/b"), V, "task_id"),
    ("wait(timeout=0)", lambda c, tmp: c.tts.wait("t", timeout=0), V, "timeout"),
    ("wait(timeout=-1)", lambda c, tmp: c.tts.wait("t", timeout=-1), V, "timeout"),
    ("wait(timeout=nan)", lambda c, tmp: c.tts.wait("t", timeout=math.nan), V, "timeout"),
    ("wait(poll_interval=0)", lambda c, tmp: c.tts.wait("t", poll_interval=0), V, "poll_interval"),
    ("wait(on_status='x')", lambda c, tmp: c.tts.wait("t", on_status="x"), T, "on_status"),
    ("wait_many('abc')", lambda c, tmp: c.tts.wait_many("abc"), T, "task_ids"),
    ("wait_many(['t', 'a/b'])", lambda c, tmp: c.tts.wait_many(["t", "a/b"]), V, "task_ids[1]"),
    ("wait_many([None])", lambda c, tmp: c.tts.wait_many([None]), T, "task_ids[0]"),
    (
        "wait_many(concurrency=0)",
        lambda c, tmp: c.tts.wait_many(["t"], concurrency=0),
        V,
        "concurrency",
    ),
    ("wait_many(timeout=0)", lambda c, tmp: c.tts.wait_many(["t"], timeout=0), V, "timeout"),
    (
        "wait_many(poll_interval=-1)",
        lambda c, tmp: c.tts.wait_many(["t"], poll_interval=-1),
        V,
        "poll_interval",
    ),
    ("wait_many(on_status=5)", lambda c, tmp: c.tts.wait_many(["t"], on_status=5), T, "on_status"),
    # stream
    ("stream(text of 2)", _stream(text="hi"), V, "text"),
    ("stream(text of 3001)", _stream(text="x" * 3001), V, "text"),
    ("stream(text=None)", _stream(text=None), T, "text"),
    ("stream(voice_id=0)", _stream(voice_id=0), V, "voice_id"),
    ("stream(voice_id='1')", _stream(voice_id="1"), T, "voice_id"),
    ("stream(language='EN_US')", _stream(language="EN_US"), V, "language"),
    ("stream(language=1)", _stream(language=1), T, "language"),
    ("stream(format='ogg')", _stream(format="ogg"), V, "format"),
    ("stream(sample_rate=0)", _stream(sample_rate=0), V, "sample_rate"),
    ("stream(duration=0)", _stream(duration=0), V, "duration"),
    ("stream(duration=inf)", _stream(duration=math.inf), V, "duration"),
    ("stream(duration='1')", _stream(duration="1"), T, "duration"),
    ("stream(speech_model='')", _stream(speech_model=""), V, "speech_model"),
    ("stream(apply_enhancement='yes')", _stream(apply_enhancement="yes"), T, "apply_enhancement"),
    (
        "stream(temperature=5)",
        _stream(inference_options={"temperature": 5}),
        V,
        "inference_options.temperature",
    ),
    (
        "stream(temperature=0)",
        _stream(inference_options={"temperature": 0}),
        V,
        "inference_options.temperature",
    ),
    (
        "stream(stability=-0.1)",
        _stream(inference_options={"stability": -0.1}),
        V,
        "inference_options.stability",
    ),
    (
        "stream(inference_steps=0)",
        _stream(inference_options={"inference_steps": 0}),
        V,
        "inference_options.inference_steps",
    ),
    (
        "stream(inference_steps=1001)",
        _stream(inference_options={"inference_steps": 1001}),
        V,
        "inference_options.inference_steps",
    ),
    (
        "stream(inference_steps=2.5)",
        _stream(inference_options={"inference_steps": 2.5}),
        T,
        "inference_options.inference_steps",
    ),
    (
        "stream(speaker_similarity=1.5)",
        _stream(inference_options={"speaker_similarity": 1.5}),
        V,
        "inference_options.speaker_similarity",
    ),
    (
        "stream(inference_options={'bogus': 1})",
        _stream(inference_options={"bogus": 1}),
        T,
        "inference_options",
    ),
    ("stream(inference_options=[1])", _stream(inference_options=[1]), T, "inference_options"),
    (
        "stream(speaking_rate=0)",
        _stream(voice_settings={"speaking_rate": 0}),
        V,
        "voice_settings.speaking_rate",
    ),
    ("stream(timeout=0)", _stream(timeout=0), V, "timeout"),
    ("stream(max_retries=-1)", _stream(max_retries=-1), V, "max_retries"),
    ("stream(...).save(None)", lambda c, tmp: _stream()(c, tmp).save(None), T, "path"),
    ("stream(...).save(a folder)", lambda c, tmp: _stream()(c, tmp).save(tmp), V, "path"),
    # the task flow
    ("create(text='')", lambda c, tmp: c.tts.create("", 1, 1), V, "text"),
    ("create(language=1.5)", lambda c, tmp: c.tts.create("Hi", 1, 1.5), T, "language"),
    ("create(language=True)", lambda c, tmp: c.tts.create("Hi", 1, True), T, "language"),
    ("create(language=0)", lambda c, tmp: c.tts.create("Hi", 1, 0), V, "language"),
    ("create(language='EN_US')", lambda c, tmp: c.tts.create("Hi", 1, "EN_US"), V, "language"),
    ("create(language='')", lambda c, tmp: c.tts.create("Hi", 1, ""), V, "language"),
    # A locale is looked up with a request of its own: every other argument is checked first.
    ("create(text='', 'en-us')", lambda c, tmp: c.tts.create("", 1, "en-us"), V, "text"),
    ("create(voice_id=0, 'en-us')", lambda c, tmp: c.tts.create("Hi", 0, "en-us"), V, "voice_id"),
    (
        "create('en-us', gender=3)",
        lambda c, tmp: c.tts.create("Hi", 1, "en-us", gender=3),
        V,
        "gender",
    ),
    (
        "create('en-us', timeout=0)",
        lambda c, tmp: c.tts.create("Hi", 1, "en-us", timeout=0),
        V,
        "timeout",
    ),
    (
        "create_and_wait(language=[1])",
        lambda c, tmp: c.tts.create_and_wait("Hi", 1, [1]),
        T,
        "language",
    ),
    ("create(gender=3)", lambda c, tmp: c.tts.create("Hi", 1, 1, gender=3), V, "gender"),
    ("create(gender=True)", lambda c, tmp: c.tts.create("Hi", 1, 1, gender=True), V, "gender"),
    ("create(age=-1)", lambda c, tmp: c.tts.create("Hi", 1, 1, age=-1), V, "age"),
    (
        "create(project_name='ab')",
        lambda c, tmp: c.tts.create("Hi", 1, 1, project_name="ab"),
        V,
        "project_name",
    ),
    (
        "create(project_description=5001 chars)",
        lambda c, tmp: c.tts.create("Hi", 1, 1, project_description="x" * 5001),
        V,
        "project_description",
    ),
    (
        "create(max_retries=-1)",
        lambda c, tmp: c.tts.create("Hi", 1, 1, max_retries=-1),
        V,
        "max_retries",
    ),
    (
        "create_and_wait(timeout=0)",
        lambda c, tmp: c.tts.create_and_wait("Hi", 1, 1, timeout=0),
        V,
        "timeout",
    ),
    ("voices.list(timeout=0)", lambda c, tmp: c.voices.list(timeout=0), V, "timeout"),
    ("voices.list(max_retries=-1)", lambda c, tmp: c.voices.list(max_retries=-1), V, "max_retries"),
    (
        "voices.list(max_retries=1.0)",
        lambda c, tmp: c.voices.list(max_retries=1.0),
        T,
        "max_retries",
    ),
    ("languages.source(timeout=0)", lambda c, tmp: c.languages.source(timeout=0), V, "timeout"),
    (
        "languages.target(max_retries=-1)",
        lambda c, tmp: c.languages.target(max_retries=-1),
        V,
        "max_retries",
    ),
    (
        "languages.source(extra_headers={'x-api-key': ...})",
        lambda c, tmp: c.languages.source(extra_headers={"x-api-key": "other"}),
        V,
        "extra_headers",
    ),
    (
        "languages.target(extra_query=[1])",
        lambda c, tmp: c.languages.target(extra_query=[1]),
        T,
        "extra_query",
    ),
    (
        "languages.source(extra_body={'a': 1}) on a GET",
        lambda c, tmp: c.languages.source(extra_body={"a": 1}),
        V,
        "extra_body",
    ),
    (
        "with_raw_response.tts.create(text='')",
        lambda c, tmp: c.with_raw_response.tts.create("", 1, 1),
        V,
        "text",
    ),
    (
        "with_raw_response.languages.source(timeout=0)",
        lambda c, tmp: c.with_raw_response.languages.source(timeout=0),
        V,
        "timeout",
    ),
    (
        "with_raw_response.tts.stream(text of 2)",
        lambda c, tmp: c.with_raw_response.tts.stream("hi", 1, "en-us"),
        V,
        "text",
    ),
    ("with_options(timeout=0)", lambda c, tmp: c.with_options(timeout=0), V, "timeout"),
    (
        "with_options(max_retries=-1)",
        lambda c, tmp: c.with_options(max_retries=-1),
        V,
        "max_retries",
    ),
]


def _client_cls(mode: str) -> Any:
    return camb.Camb if mode == "sync" else camb.AsyncCamb


# (name, constructor arguments, exception, parameter): the constructor checks its arguments.
CLIENT_CASES: list[tuple[str, dict[str, Any], type[Exception], str]] = [
    ("no key (env cleared)", {}, V, "api_key"),
    ("empty key", {"api_key": ""}, V, "api_key"),
    ("key with a space", {"api_key": "sk live"}, V, "api_key"),
    ("key of the wrong type", {"api_key": 12345}, T, "api_key"),
    ("http on a public host", {"base_url": "http://client.camb.ai/apis"}, V, "base_url"),
    ("http on a look-alike host", {"base_url": "http://localhost.evil.example"}, V, "base_url"),
    ("ftp base URL", {"base_url": "ftp://client.camb.ai"}, V, "base_url"),
    ("relative base URL", {"base_url": "/apis"}, V, "base_url"),
    ("unparsable base URL", {"base_url": "https://[::1"}, V, "base_url"),
    ("base URL of the wrong type", {"base_url": b"https://client.camb.ai"}, T, "base_url"),
    ("base URL with a query", {"base_url": "https://client.camb.ai/apis?x=1"}, V, "base_url"),
    ("max_retries -1", {"max_retries": -1}, V, "max_retries"),
    ("max_retries True", {"max_retries": True}, T, "max_retries"),
    ("timeout 0", {"timeout": 0}, V, "timeout"),
    ("timeout -5", {"timeout": -5}, V, "timeout"),
    ("timeout '5'", {"timeout": "5"}, T, "timeout"),
    ("connect timeout 0", {"timeout": httpx.Timeout(5, connect=0)}, V, "timeout.connect"),
]


def _check(error: BaseException, exc: type[Exception], param: str) -> None:
    assert type(error) is exc, f"{type(error).__name__}: {error}"
    assert isinstance(error, camb.CambError)
    assert isinstance(error, ValueError)
    if exc is T:
        assert isinstance(error, TypeError)
    assert isinstance(error, camb.InvalidInputError)
    assert error.param == param
    assert str(error).startswith(f"{param}: "), str(error)


def _never_called(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"a request was sent: {request.method} {request.url}")


def test_the_table_is_big_enough() -> None:
    assert len(CASES) + len(CLIENT_CASES) >= 30


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("name", "call", "exc", "param"), CASES, ids=[c[0] for c in CASES])
def test_bad_input_raises_before_any_request(
    mocked: Any, tmp_path: Path, mode: str, name: str, call: Call, exc: type[Exception], param: str
) -> None:
    api: Mocked = mocked(mode, _never_called)
    with pytest.raises(camb.CambError) as caught:
        api.run(lambda c: call(c, tmp_path))
    _check(caught.value, exc, param)
    assert api.requests == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("name", "kwargs", "exc", "param"), CLIENT_CASES, ids=[c[0] for c in CLIENT_CASES]
)
def test_bad_client_arguments_raise(
    mode: str, name: str, kwargs: dict[str, Any], exc: type[Exception], param: str
) -> None:
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda r: seen.append(r) or httpx.Response(500))
    http: Any = (
        httpx.Client(transport=transport)
        if mode == "sync"
        else httpx.AsyncClient(transport=transport)
    )
    arguments = {"api_key": MOCK_KEY, **kwargs} if kwargs and "api_key" not in kwargs else kwargs
    with pytest.raises(camb.CambError) as caught:
        _client_cls(mode)(http_client=http, **arguments)
    _check(caught.value, exc, param)
    assert seen == []
    if mode == "sync":
        http.close()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_wrong_kind_of_http_client_is_refused(mode: str) -> None:
    other = httpx.AsyncClient() if mode == "sync" else httpx.Client()
    with pytest.raises(camb.InvalidInputTypeError) as caught:
        _client_cls(mode)(api_key=MOCK_KEY, http_client=other)
    _check(caught.value, T, "http_client")


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    "empty",
    [[], (), set(), iter([]), {}.keys()],
    ids=["list", "tuple", "set", "iterator", "dict_keys"],
)
def test_an_empty_iterable_is_no_error_and_no_request(mocked: Any, mode: str, empty: Any) -> None:
    api: Mocked = mocked(mode, _never_called)
    results = api.run(lambda c: c.tts.results(empty))
    assert isinstance(results, camb.BulkResults)
    assert dict(results) == {}
    assert results.ok
    waited = api.run(lambda c: c.tts.wait_many([]))
    assert dict(waited) == {}
    assert waited.ok
    assert api.requests == []


def test_the_key_is_never_echoed_by_a_key_error() -> None:
    secret = "sk-live-EchoMeNot0123456789"
    for bad in (secret + " ", " " + secret, secret + "\n", secret + "é"):
        with pytest.raises(camb.InvalidInputError) as caught:
            camb.Camb(api_key=bad)
        assert secret not in str(caught.value)
        assert secret not in repr(caught.value)
