"""client.with_raw_response.<resource>.<method>(...): the value with the HTTP response it came
from (status, headers, the response, elapsed), for every method, sync and async."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb

from .conftest import Api, json_response

FLAC = b"fLaC" + bytes(200)


def handler(request: httpx.Request) -> httpx.Response:
    """A small API: every answer says which request it answers in X-Answer."""
    path = request.url.path.removeprefix("/apis")
    answer = {"X-Answer": f"{request.method} {path}"}
    if path == "/tts":
        return httpx.Response(
            200, json={"task_id": "t-1"}, headers={**answer, "X-Credits-Required": "12.5"}
        )
    if path.startswith("/tts/"):
        return httpx.Response(200, json={"status": "SUCCESS", "run_id": 7}, headers=answer)
    if path == "/tts-stream":
        return httpx.Response(
            200,
            content=b"RIFF" + bytes(100),
            headers={**answer, "Content-Type": "audio/wav", "X-Credits-Required": "11"},
        )
    if path == "/list-voices":
        return httpx.Response(200, json=[{"id": 1, "voice_name": "Ann"}], headers=answer)
    if path == "/source-languages":
        return httpx.Response(
            200, json=[{"id": 1, "language": "English", "short_name": "en-us"}], headers=answer
        )
    if path.startswith("/tts-result/"):
        return httpx.Response(200, content=FLAC, headers={**answer, "Content-Type": "audio/flac"})
    if path == "/tts-results":
        ids = json.loads(request.content)["run_ids"]
        return httpx.Response(
            200,
            json={str(i): {"output_url": f"https://files.example/{i}.flac"} for i in ids},
            headers={**answer, "X-Ids": ",".join(map(str, ids))},
        )
    return json_response(404, {"detail": "no such thing"})


def test_create_answers_the_task_id_with_its_headers(make_api: Callable[..., Api]) -> None:
    api = make_api(handler)
    raw = api(lambda c: c.with_raw_response.tts.create("Hello", 5, 1))
    assert isinstance(raw, camb.RawResponse)
    assert raw.status_code == 200
    assert isinstance(raw.headers, httpx.Headers)
    assert raw.headers["x-credits-required"] == "12.5"
    assert raw.parse() == "t-1"
    assert isinstance(raw.http_response, httpx.Response)
    assert raw.http_response.request.url.path == "/apis/tts"
    assert json.loads(raw.http_response.content) == {"task_id": "t-1"}
    assert isinstance(raw.elapsed, timedelta)
    assert raw.elapsed >= timedelta(0)
    assert len(api.requests) == 1


def test_status_and_voices_answer_what_the_plain_methods_do(make_api: Callable[..., Api]) -> None:
    api = make_api(handler)
    status = api(lambda c: c.with_raw_response.tts.status("t-1"))
    assert status.parse() == api(lambda c: c.tts.status("t-1"))
    assert status.headers["x-answer"] == "GET /tts/t-1"
    voices = api(lambda c: c.with_raw_response.voices.list())
    assert voices.parse() == [camb.Voice(1, "Ann")]
    assert voices.headers["x-answer"] == "GET /list-voices"
    languages = api(lambda c: c.with_raw_response.languages.source())
    assert languages.parse() == [camb.Language(1, "English", "en-us")]


def test_stream_answers_the_opened_streams_response(make_api: Callable[..., Api]) -> None:
    api = make_api(handler)
    raw = api(lambda c: c.with_raw_response.tts.stream("Hello there", 5, "en-us"))
    assert len(api.requests) == 1  # opened: the request went out
    assert raw.status_code == 200
    assert raw.headers["content-type"] == "audio/wav"
    assert raw.headers["x-credits-required"] == "11"
    stream = raw.parse()
    assert stream.response is raw.http_response
    assert stream.credits_required == 11.0
    assert api(lambda c: stream.read()) == b"RIFF" + bytes(100)
    assert len(api.requests) == 1


def test_a_call_of_many_requests_answers_its_last_response(make_api: Callable[..., Api]) -> None:
    polls = {"n": 0}

    def slow_task(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/apis/tts/"):
            polls["n"] += 1
            body = {"status": "SUCCESS", "run_id": 7} if polls["n"] == 3 else {"status": "PENDING"}
            return httpx.Response(200, json=body, headers={"X-Poll": str(polls["n"])})
        return handler(request)

    api = make_api(slow_task)
    waited = api(lambda c: c.with_raw_response.tts.wait("t-1", poll_interval=0.001))
    assert waited.parse() == 7
    assert waited.headers["x-poll"] == "3"
    # A locale goes into the POST as it is (no lookup since Camb's OpenAPI): its raw answer.
    created = api(lambda c: c.with_raw_response.tts.create("Hello", 5, "en-us"))
    assert api.requests[-1].url.path == "/apis/tts"
    assert all(r.url.path != "/apis/source-languages" for r in api.requests)
    assert created.headers["x-answer"] == "POST /tts"
    assert created.parse() == "t-1"


def test_bulk_requests_on_worker_threads_or_tasks_are_captured(
    make_api: Callable[..., Api],
) -> None:
    """The blocking client runs chunks on threads: the capture travels with the context."""
    api = make_api(handler)
    raw = api(lambda c: c.with_raw_response.tts.results(range(1, 8), concurrency=2))
    assert sorted(raw.parse()) == list(range(1, 8))
    assert raw.headers["x-answer"] == "POST /tts-results"
    assert raw.headers["x-ids"] in ("1,2,3,4", "5,6,7")
    assert len(api.requests) == 2


def test_download_answers_the_path_and_the_closed_response(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = make_api(handler)
    raw = api(lambda c: c.with_raw_response.tts.download(7, tmp_path / "a.flac"))
    assert raw.parse() == tmp_path / "a.flac"
    assert (tmp_path / "a.flac").read_bytes() == FLAC
    assert raw.headers["content-type"] == "audio/flac"
    assert raw.http_response.is_closed


def test_an_error_is_raised_as_the_plain_method_raises_it(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(404, {"detail": "Task not found"}), max_retries=0)
    with pytest.raises(camb.NotFoundError) as caught:
        api(lambda c: c.with_raw_response.tts.status("gone"))
    assert caught.value.status_code == 404


def test_a_call_that_sends_nothing_has_no_raw_answer(make_api: Callable[..., Api]) -> None:
    api = make_api(handler)
    api(lambda c: c.with_raw_response.tts.create("Hello", 5, 1))
    # Each call has a fresh capture: the earlier response is not this call's.
    with pytest.raises(camb.ClientStateError, match=r"tts\.results sent no request"):
        api(lambda c: c.with_raw_response.tts.results([]))


def test_plain_calls_are_not_captured_and_raw_calls_do_not_leak(
    make_api: Callable[..., Api],
) -> None:
    from camb import _raw

    api = make_api(handler)
    api(lambda c: c.tts.create("Hello", 5, 1))
    assert _raw._capture.get() is None
    api(lambda c: c.with_raw_response.tts.create("Hello", 5, 1))
    assert _raw._capture.get() is None


def test_async_raw_calls_side_by_side_each_get_their_own_response() -> None:
    async def main() -> list[str]:
        http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with camb.AsyncCamb(api_key="sk-test", http_client=http) as client:
            raws = await asyncio.gather(
                *(client.with_raw_response.tts.status(f"t-{i}") for i in range(5))
            )
        await http.aclose()
        return [raw.headers["x-answer"] for raw in raws]

    assert asyncio.run(main()) == [f"GET /tts/t-{i}" for i in range(5)]


def test_methods_resolve_by_name_and_keep_their_docs() -> None:
    secret = "sk-live-DoNotShowMe0123"
    for client in (camb.Camb(api_key=secret), camb.AsyncCamb(api_key=secret)):
        raw = client.with_raw_response
        assert dir(raw) == ["languages", "tts", "voices"]
        assert raw.tts.create.__doc__ == client.tts.create.__doc__
        assert raw.voices.list.__name__ == "list"
        assert "source" in dir(raw.languages)
        for missing in ("nope", "_secret", "backoff", "base_url", "with_options", "close"):
            with pytest.raises(AttributeError):
                getattr(raw, missing)
        for missing in ("nope", "_status", "_client"):
            with pytest.raises(AttributeError):
                getattr(raw.tts, missing)
        assert secret not in repr(raw) + repr(raw.tts) + repr(raw.tts.create)


def test_against_the_sandbox_the_stream_says_its_credits() -> None:
    from camb.sandbox import running

    with running() as sandbox, camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
        raw = client.with_raw_response.tts.stream("Hello there.", 147320, "en-us", format="wav")
        with raw.parse() as stream:
            audio = stream.read()
        created = client.with_raw_response.tts.create("Hello there.", 147320, 1)
    assert raw.status_code == 200
    assert float(raw.headers["x-credits-required"]) > 0
    assert audio[:4] == b"RIFF"
    assert created.status_code == 200
    assert created.parse()


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_raw_speak_with_segments_side_by_side_answers_the_last_response(
    mode: str, tmp_path: Path
) -> None:
    """The blocking client's segments run on threads: the raw capture must travel there (it
    once did not, and the call raised after every segment was paid for and the file written)."""
    from camb.sandbox import running

    text = "\n\n".join(
        f"Paragraph {i} of a text long enough to need its own request." for i in range(4)
    )
    out = tmp_path / "raw.wav"
    with running() as sandbox:
        if mode == "sync":
            with camb.Camb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                voice = client.voices.list()[0].id
                raw = client.with_raw_response.tts.speak(
                    text, voice, "en-us", out, concurrency=3, paragraph_pause=0.1
                )
        else:

            async def main() -> camb.RawResponse[Any]:
                async with camb.AsyncCamb(api_key=sandbox.api_key, base_url=sandbox.url) as client:
                    voice = (await client.voices.list())[0].id
                    return await client.with_raw_response.tts.speak(
                        text, voice, "en-us", out, concurrency=3, paragraph_pause=0.1
                    )

            raw = asyncio.run(main())
    assert raw.status_code == 200
    assert raw.http_response.request.url.path.endswith("/tts-stream")
    result = raw.parse()
    assert result.segments >= 2
    assert out.stat().st_size > 44


def test_every_public_method_of_every_resource_has_its_raw_route() -> None:
    """The routes are written out (so that they are typed): a method added to a resource
    without its route fails here. `speak_stream` has none (it answers many responses), nor
    `plan` (it sends nothing), nor `live` (a WebSocket session, not an HTTP answer)."""
    for client in (camb.Camb(api_key="k"), camb.AsyncCamb(api_key="k")):
        raw = client.with_raw_response
        for name in ("tts", "voices", "languages"):
            resource = getattr(client, name)
            methods = {
                m for m in dir(resource) if not m.startswith("_") and callable(getattr(resource, m))
            } - {"speak_stream", "plan", "live"}
            routes = {m for m in vars(getattr(raw, name)) if not m.startswith("_")}
            assert routes == methods, name
