"""`tts.translate()` and the translated task flow, sync and async, against the sandbox (and a
mocked API for the failures the sandbox cannot make for one language only)."""

from __future__ import annotations

import asyncio
import inspect
import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
from camb.sandbox import Sandbox, running, spoken_language

from .conftest import Api

VOICE = 147320
TEXT = "Hello from Camb."


class Client:
    """A sync or async client on the sandbox, called the same way, recording every request."""

    def __init__(self, mode: str, sandbox: Sandbox) -> None:
        self.requests: list[httpx.Request] = []
        self.loop: asyncio.AbstractEventLoop | None = None
        options: dict[str, Any] = {"api_key": sandbox.api_key, "base_url": sandbox.url}
        if mode == "sync":

            def record(request: httpx.Request) -> None:
                self.requests.append(request)

            self.client: Any = camb.Camb(
                http_client=httpx.Client(event_hooks={"request": [record]}), **options
            )
        else:

            async def arecord(request: httpx.Request) -> None:
                self.requests.append(request)

            self.loop = asyncio.new_event_loop()
            self.client = camb.AsyncCamb(
                http_client=httpx.AsyncClient(event_hooks={"request": [arecord]}), **options
            )

    def __call__(self, fn: Callable[[Any], Any]) -> Any:
        result = fn(self.client)
        if inspect.isawaitable(result):
            assert self.loop is not None
            return self.loop.run_until_complete(result)
        return result

    def paths(self) -> list[str]:
        return [f"{r.method} {r.url.path}" for r in self.requests if "/files/" not in r.url.path]

    def bulk_bodies(self) -> list[list[int]]:
        return [
            json.loads(r.content)["run_ids"] for r in self.requests if r.url.path == "/tts-results"
        ]

    def close(self) -> None:
        if self.loop is not None:
            self.loop.run_until_complete(self.client._http.aclose())
            self.loop.close()
        else:
            self.client._http.close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[Sandbox]:
    with running(task_duration=0.05) as sb:
        yield sb


@pytest.fixture(params=["sync", "async"])
def api(request: pytest.FixtureRequest, sandbox: Sandbox) -> Iterator[Client]:
    client = Client(request.param, sandbox)
    yield client
    client.close()


def test_three_languages_each_from_its_own_task_fetched_in_one_bulk_request(
    api: Client, tmp_path: Path
) -> None:
    targets = ["fr-fr", "de-de", "es-es"]
    results = api(lambda c: c.tts.translate(TEXT, VOICE, "en-us", targets, tmp_path / "out"))
    assert isinstance(results, camb.TranslationResults)
    assert results.ok
    assert list(results) == targets
    for language in targets:
        speech = results[language]
        assert isinstance(speech, camb.TranslatedSpeech)
        assert speech.path == tmp_path / "out" / f"{language}.flac"
        # Routing: each file is the audio of the task made for its language.
        assert spoken_language(speech.path.read_bytes()) == language
    assert len({speech.run_id for speech in results.values()}) == 3
    paths = api.paths()
    assert paths.count("POST /translated-tts") == 3
    assert all(p.startswith("GET /translated-tts/") for p in paths if "translated-tts/" in p)
    assert not any(p.startswith("GET /tts/") for p in paths)
    # The three runs' URLs came from one bulk request, not one request each.
    assert api.bulk_bodies() == [[results[lang].run_id for lang in targets]]
    assert not any(p.startswith("GET /tts-result/") for p in paths)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{lang}.flac" for lang in targets
    )


def test_many_languages_go_out_in_bulk_chunks_of_two_to_five(api: Client) -> None:
    targets = ["fr-fr", "de-de", "es-es", "it-it", "ja-jp", "hi-in", "pt-br"]
    results = api(lambda c: c.tts.translate(TEXT, VOICE, "en-us", targets))
    assert results.ok
    chunks = api.bulk_bodies()
    assert [len(chunk) for chunk in chunks] == [4, 3]
    assert sorted(run for chunk in chunks for run in chunk) == sorted(
        speech.run_id for speech in results.values()
    )
    # Without a folder nothing is downloaded: each language has its (expiring) URL.
    assert all(speech.path is None for speech in results.values())
    for language, speech in results.items():
        assert spoken_language(httpx.get(speech.url).content) == language


def test_one_language_is_fetched_alone_and_duplicates_are_one(api: Client, tmp_path: Path) -> None:
    results = api(
        lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["ko-kr", "ko-kr"], folder=tmp_path)
    )
    assert list(results) == ["ko-kr"]
    assert spoken_language((tmp_path / "ko-kr.flac").read_bytes()) == "ko-kr"
    assert api.bulk_bodies() == []
    assert api.paths().count("POST /translated-tts") == 1


def test_the_task_flow_steps_one_by_one(api: Client) -> None:
    task_id = api(lambda c: c.tts.create_translated(TEXT, VOICE, "en-us", "de-de", formality=1))
    run_id = api(lambda c: c.tts.wait_translated(task_id, timeout=10, poll_interval=0.01))
    status = api(lambda c: c.tts.translated_status(task_id))
    assert (status.status, status.run_id, status.task_id) == ("SUCCESS", run_id, task_id)
    assert spoken_language(api(lambda c: c.tts.result(run_id))) == "de-de"
    # The plain task flow does not know a translated task: it is polled at its own path.
    with pytest.raises(camb.NotFoundError):
        api(lambda c: c.tts.status(task_id))


def test_a_failed_language_raises_with_the_others_in_its_results(api: Client) -> None:
    with pytest.raises(camb.TranslationError) as caught:
        api(lambda c: c.tts.translate("Fails [error] always.", VOICE, "en-us", ["fr-fr"]))
    assert isinstance(caught.value.results.failed["fr-fr"], camb.TaskFailedError)
    assert "fr-fr" in str(caught.value)


@pytest.mark.parametrize(
    ("call", "param"),
    [
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", "fr-fr"), "target_languages"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", []), "target_languages"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr", "FR"]), "target_languages[1]"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", [0]), "target_languages[0]"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", [31, "31"]), "target_languages[1]"),
        (lambda c: c.tts.translate(TEXT, VOICE, "English", ["fr-fr"]), "source_language"),
        (lambda c: c.tts.translate("", VOICE, "en-us", ["fr-fr"]), "text"),
        (lambda c: c.tts.translate(TEXT, 0, "en-us", ["fr-fr"]), "voice_id"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], formality=3), "formality"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], gender=5), "gender"),
        (lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], age=-1), "age"),
        (
            lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], project_name="ab"),
            "project_name",
        ),
        (
            lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], chosen_dictionaries=[]),
            "chosen_dictionaries",
        ),
        (
            lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], concurrency=0),
            "concurrency",
        ),
        (
            lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], wait_timeout=0),
            "wait_timeout",
        ),
        (lambda c: c.tts.create_translated(TEXT, VOICE, "en-us", "fr_FR"), "target_language"),
        (lambda c: c.tts.translated_status("a/b"), "task_id"),
    ],
)
def test_bad_input_is_refused_before_any_request(
    api: Client, call: Callable[[Any], Any], param: str
) -> None:
    with pytest.raises(camb.InvalidInputError) as caught:
        api(call)
    assert caught.value.param == param
    assert api.requests == []


def test_a_folder_that_is_a_file_is_refused_before_any_request(api: Client, tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder")
    with pytest.raises(camb.InvalidInputError, match="folder"):
        api(lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr"], tmp_path / "taken"))
    assert api.requests == []


# --- one language failing while the others succeed (a mocked API) ---------------------------


def _two_languages(request: httpx.Request) -> httpx.Response:
    path = request.url.path
    if request.method == "POST" and path.endswith("/translated-tts"):
        target = json.loads(request.content)["target_language"]
        return httpx.Response(200, json={"task_id": f"task-{target}"})
    match = re.search(r"/translated-tts/task-(.+)$", path)
    if match is not None:
        if match[1] == "de-de":
            return httpx.Response(
                200, json={"status": "ERROR", "run_id": None, "exception_reason": "X"}
            )
        return httpx.Response(200, json={"status": "SUCCESS", "run_id": 11})
    if path.endswith("/tts-result/11"):
        return httpx.Response(200, json={"output_url": "https://storage.example/11.flac"})
    if request.url.host == "storage.example":
        return httpx.Response(200, content=b"fLaC" + bytes(40))
    raise AssertionError(f"unexpected request {request.method} {request.url}")


def test_one_language_failing_leaves_the_others_whole(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = make_api(_two_languages)
    with pytest.raises(camb.TranslationError) as caught:
        api(lambda c: c.tts.translate(TEXT, VOICE, "en-us", ["fr-fr", "de-de"], tmp_path))
    results = caught.value.results
    assert list(results) == ["fr-fr"]
    assert isinstance(results.failed["de-de"], camb.TaskFailedError)
    assert (tmp_path / "fr-fr.flac").read_bytes() == b"fLaC" + bytes(40)
    assert not (tmp_path / "de-de.flac").exists()
    again = api(
        lambda c: c.tts.translate(
            TEXT, VOICE, "en-us", ["fr-fr", "de-de"], tmp_path, raise_on_error=False
        )
    )
    assert not again.ok
    assert set(again.missing()) == {"de-de"}


# --- downloads: an expired URL, a broken download, a run the bulk call leaves out ------------

_RUNS = {"fr-fr": 21, "de-de": 22, "es-es": 23, "it-it": 24}


def _download_faults(request: httpx.Request) -> httpx.Response:
    """fr-fr downloads at once; de-de's bulk URL has expired (a fresh one from /tts-result
    works); es-es's storage keeps failing; the bulk call leaves it-it out."""
    url = request.url
    if request.method == "POST" and url.path.endswith("/translated-tts"):
        target = json.loads(request.content)["target_language"]
        return httpx.Response(200, json={"task_id": f"task-{target}"})
    match = re.search(r"/translated-tts/task-(.+)$", url.path)
    if match is not None:
        return httpx.Response(200, json={"status": "SUCCESS", "run_id": _RUNS[match[1]]})
    if url.path.endswith("/tts-results"):
        ids = json.loads(request.content)["run_ids"]
        return httpx.Response(
            200,
            json={
                str(i): {"output_url": f"https://storage.example/{i}.flac?v=1"}
                for i in ids
                if i != _RUNS["it-it"]
            },
        )
    match = re.search(r"/tts-result/(\d+)$", url.path)
    if match is not None:
        return httpx.Response(
            200, json={"output_url": f"https://storage.example/{match[1]}.flac?v=2"}
        )
    if url.host == "storage.example":
        run = int(url.path.rsplit("/", 1)[1].split(".")[0])
        if run == _RUNS["de-de"] and url.params["v"] == "1":
            return httpx.Response(403, text="<Error>Request has expired</Error>")
        if run == _RUNS["es-es"]:
            return httpx.Response(404, text="<Error>NoSuchKey</Error>")
        return httpx.Response(200, content=b"fLaC" + bytes([run]) * 40)
    raise AssertionError(f"unexpected request {request.method} {url}")


def test_downloads_refetch_an_expired_url_and_keep_the_languages_that_arrived(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = make_api(_download_faults)
    results = api(
        lambda c: c.tts.translate(TEXT, VOICE, "en-us", list(_RUNS), tmp_path, raise_on_error=False)
    )
    assert (tmp_path / "fr-fr.flac").read_bytes() == b"fLaC" + bytes([21]) * 40
    # The bulk URL had expired: a fresh one was asked for that run alone, and it worked.
    assert (tmp_path / "de-de.flac").read_bytes() == b"fLaC" + bytes([22]) * 40
    assert not (tmp_path / "es-es.flac").exists()
    assert not (tmp_path / "it-it.flac").exists()
    assert not results.ok
    assert set(results.missing()) == {"es-es", "it-it"}
    assert isinstance(results.failed["es-es"], camb.CambError)
