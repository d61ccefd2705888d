"""client.languages and locales in the task flow: `create()` sends a locale tag as it is (Camb's
OpenAPI), with no GET /source-languages lookup; a numeric id still goes through."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

import httpx
import pytest

import camb
from camb.sandbox import running

from .conftest import Api, json_response

SOURCE = [
    {"id": 1, "language": "English (United States)", "short_name": "en-us"},
    {"id": 81, "language": "Hindi (India)", "short_name": "hi-in"},
    {"id": 30, "language": "English (Australia)", "short_name": "en-au"},
    {"id": 54, "language": "Spanish (Spain)", "short_name": "es-es"},
]
TARGET = [{"id": 81, "language": "Hindi (India)", "short_name": "hi-in", "script": "Deva"}]


def api_handler(
    *, source: Any = SOURCE, source_status: int = 200
) -> Callable[[httpx.Request], httpx.Response]:
    """Answers the languages lists, POST /tts (echoing the id it got) and task statuses."""

    def handler(request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/apis")
        if path == "/source-languages":
            return json_response(source_status, source)
        if path == "/target-languages":
            return json_response(200, TARGET)
        if path == "/tts":
            return json_response(200, {"task_id": f"t-{json.loads(request.content)['language']}"})
        if path.startswith("/tts/"):
            return json_response(200, {"status": "SUCCESS", "run_id": 7})
        raise AssertionError(f"unexpected request {request.method} {path}")

    return handler


def sent_languages(api: Api) -> list[int]:
    return [json.loads(r.content)["language"] for r in api.requests if r.url.path == "/apis/tts"]


def lookups(api: Api) -> int:
    return sum(r.url.path == "/apis/source-languages" for r in api.requests)


# --- the lists ----------------------------------------------------------------------------------


def test_source_and_target_are_typed_lists(make_api: Callable[..., Api]) -> None:
    api = make_api(api_handler())
    source = api(lambda c: c.languages.source())
    assert source[0] == camb.Language(id=1, language="English (United States)", short_name="en-us")
    assert [language.short_name for language in source] == ["en-us", "hi-in", "en-au", "es-es"]
    assert all(isinstance(language, camb.Language) for language in source)
    target = api(lambda c: c.languages.target())
    assert target == [
        camb.Language(81, "Hindi (India)", "hi-in", extra={"script": "Deva"}),
    ]
    assert target[0].extra["script"] == "Deva"
    paths = [r.url.path for r in api.requests]
    assert paths == ["/apis/source-languages", "/apis/target-languages"]


def test_a_language_is_frozen_and_hashable_despite_its_extra_fields() -> None:
    language = camb.Language(1, "English", "en-us", extra={"a": 1})
    with pytest.raises(AttributeError):
        language.id = 2  # type: ignore[misc]
    assert hash(language) == hash(camb.Language(1, "English", "en-us"))
    assert language != camb.Language(1, "English", "en-us")
    assert {language} == {camb.Language(1, "English", "en-us", extra={"a": 1})}


def test_an_unreadable_language_is_skipped_with_a_warning(
    make_api: Callable[..., Api], caplog: pytest.LogCaptureFixture
) -> None:
    body = [
        SOURCE[0],
        {"id": "2", "language": "x", "short_name": "x-y"},
        5,
        SOURCE[1],
        {"id": 3, "language": "No locale"},
    ]
    api = make_api(api_handler(source=body))
    with caplog.at_level(logging.WARNING, logger="camb"):
        source = api(lambda c: c.languages.source())
    assert [language.id for language in source] == [1, 81]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3
    assert "language 1 of 5: id is not int but str" in warnings[0]
    assert "language 2 of 5: not an object" in warnings[1]
    assert "language 4 of 5: short_name is missing" in warnings[2]


def test_a_languages_answer_that_is_not_a_list_is_a_typed_error(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(api_handler(source={"languages": SOURCE}))
    with pytest.raises(camb.UnexpectedResponseError):
        api(lambda c: c.languages.source())


def test_the_sandbox_languages_match_the_official_ids() -> None:
    """Against the sandbox, both clients: 1 is en-us and 81 hi-in, as in the official package."""
    with running(task_duration=0.01) as sandbox:
        with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
            source = client.languages.source()
            target = client.languages.target()
            run_id = client.tts.create_and_wait("Hello there.", 147320, "hi-in", timeout=10)

        async def use_async() -> tuple[list[camb.Language], str]:
            async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                listed = await client.languages.source()
                return listed, await client.tts.create("Hello there.", 147320, "en-us")

        async_source, task_id = asyncio.run(use_async())
    ids = {language.short_name: language.id for language in source}
    assert (ids["en-us"], ids["hi-in"]) == (1, 81)
    assert async_source == source
    assert target
    assert all(isinstance(language, camb.Language) for language in target)
    assert run_id > 0
    assert task_id


# --- create() with a locale ---------------------------------------------------------------------


def test_create_sends_the_locale_tag_without_a_lookup(make_api: Callable[..., Api]) -> None:
    """Camb's OpenAPI: POST /tts takes a locale tag; no GET /source-languages first."""
    api = make_api(api_handler())
    assert api(lambda c: c.tts.create("Hello", 5, "hi-in")) == "t-hi-in"
    assert api(lambda c: c.tts.create("Hello", 5, "en-gb")) == "t-en-gb"
    assert api(lambda c: c.tts.create_and_wait("Hello", 5, "es-es")) == 7
    assert sent_languages(api) == ["hi-in", "en-gb", "es-es"]
    assert lookups(api) == 0


def test_an_int_language_goes_straight_through(make_api: Callable[..., Api]) -> None:
    """Numeric ids are deprecated upstream but still work."""
    api = make_api(api_handler())
    assert api(lambda c: c.tts.create("Hello", 5, 12345)) == "t-12345"
    assert api(lambda c: c.tts.create_and_wait("Hello", 5, 1)) == 7
    assert lookups(api) == 0


def test_an_unknown_locale_names_language_and_suggests_known_ones(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(api_handler())
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.tts.create("Hello", 5, "en-gbx"))
    error = caught.value
    assert error.param == "language"
    assert str(error).startswith("language: ")
    assert "'en-gbx'" in str(error)
    assert "nearest: 'en-gb'" in str(error)
    assert api.requests == []


def test_create_takes_the_calls_extras() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return api_handler()(request)

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = camb.Camb(api_key="sk-test", http_client=http)
    task_id = client.tts.create(
        "Hello",
        5,
        "hi-in",
        extra_headers={"X-Trace": "t1"},
        extra_query={"beta": "1"},
        extra_body={"priority": 2},
    )
    assert task_id == "t-hi-in"
    (create,) = seen
    assert create.headers["x-trace"] == "t1"
    assert create.url.params["beta"] == "1"
    assert json.loads(create.content)["priority"] == 2
    http.close()


def test_create_language_of_the_wrong_type_or_form_sends_nothing(
    make_api: Callable[..., Api],
) -> None:
    api = make_api(api_handler())
    for bad, exc in (("EN-US", camb.InvalidInputError), (1.0, camb.InvalidInputTypeError)):
        with pytest.raises(exc) as caught:
            api(lambda c, bad=bad: c.tts.create("Hello", 5, bad))
        assert caught.value.param == "language"
    assert api.requests == []
