"""The API key stays secret: with every logger at DEBUG and every public method driven against
the sandbox (successes and errors: 401, 404, 422, 429, 5xx, dropped and refused connections,
failed tasks, a wait that times out, bad arguments), the key is in no log record, no repr or str
of a client, resource, result or error, and no exception message or traceback. It is never sent
to the presigned-URL origin, nor after a redirect to another origin."""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import string
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
from camb.sandbox import Sandbox, running

from .conftest import Mocked, async_sandbox_client, close_async, close_sync, sandbox_client

SECRET = "sk-live-" + "".join(random.Random(1).choices(string.ascii_letters, k=24))
WRONG = "sk-live-" + "".join(random.Random(2).choices(string.ascii_letters, k=24))
LOGGERS = ["", "camb", "httpx", "httpcore", "camb.sandbox", "uvicorn", "asyncio"]


def leaks(text: str, secret: str = SECRET) -> bool:
    """True if any 8 characters in a row of the key's random part appear in `text`."""
    tail = secret[len("sk-live-") :]
    return secret in text or any(tail[i : i + 8] in text for i in range(len(tail) - 7))


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def texts(self) -> list[str]:
        return [self.format(record) + repr(record.args) for record in self.records]


@pytest.fixture
def debug_logs() -> Iterator[Capture]:
    capture = Capture()
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    root = logging.getLogger()
    root.addHandler(capture)
    for name in LOGGERS:
        logging.getLogger(name).setLevel(logging.DEBUG)
    try:
        yield capture
    finally:
        root.removeHandler(capture)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture(scope="module")
def secret_sandbox() -> Iterator[Sandbox]:
    with running(api_key=SECRET, task_duration=0.05, seed=3) as sandbox:
        yield sandbox


@pytest.fixture(scope="module")
def failing_sandboxes() -> Iterator[dict[str, Sandbox]]:
    """Sandboxes (with the same key) that answer every request 5xx, 429, or not at all."""
    with (
        running(api_key=SECRET, rate_5xx=1.0, html_share=0.5, seed=4) as errors,
        running(api_key=SECRET, rate_429=1.0, retry_after=0.001, seed=5) as limited,
        running(api_key=SECRET, rate_drop=1.0, seed=6) as dropping,
    ):
        yield {"5xx": errors, "429": limited, "drop": dropping}


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Seen:
    """Every object a caller can get hold of: values, results and errors."""

    def __init__(self) -> None:
        self.objects: list[Any] = []
        self.errors: list[BaseException] = []

    def value(self, obj: Any) -> Any:
        self.objects.append(obj)
        return obj

    def expect(self, exc: type[BaseException], fn: Any) -> None:
        with pytest.raises(exc) as caught:
            fn()
        self.errors.append(caught.value)

    async def aexpect(self, exc: type[BaseException], coro: Any) -> None:
        with pytest.raises(exc) as caught:
            await coro
        self.errors.append(caught.value)

    def texts(self) -> list[str]:
        texts = []
        for obj in self.objects:
            texts += [repr(obj), str(obj)]
        for error in self.errors:
            texts += [repr(error), str(error), repr(error.args)]
            texts.append("".join(traceback.format_exception(error)))
            for name in ("body", "message", "status", "results", "errors", "response"):
                if hasattr(error, name):
                    texts.append(repr(getattr(error, name)))
            if error.__cause__ is not None:
                texts += [repr(error.__cause__), str(error.__cause__)]
        return texts


def _drive_sync(sandbox: Sandbox, failing: dict[str, Sandbox], tmp: Path, seen: Seen) -> list[str]:
    urls: list[str] = []
    client = sandbox_client(sandbox, max_retries=1)
    try:
        tts = seen.value(client.tts)
        seen.value(client.voices)
        seen.value(client)
        seen.value(client.with_options(timeout=30, max_retries=2))
        seen.value(client.voices.list())
        seen.value(client.languages)
        seen.value(client.languages.source())
        seen.value(client.languages.target())
        raw_client = seen.value(client.with_raw_response)
        seen.value(raw_client.tts)
        raw = seen.value(raw_client.tts.create("Hello raw task.", 147320, "en-us"))
        seen.value(raw.http_response)
        seen.value(raw.headers)
        seen.value(raw.http_response.request)
        seen.value(raw_client.voices.list())
        seen.value(raw_client.tts.status(raw.parse()))
        raw_stream = seen.value(raw_client.tts.stream("Hello raw stream.", 147320, "en-us"))
        seen.value(raw_stream.parse().read())
        with tts.stream("Hello there, secret world.", 147320, "en-us", format="wav") as stream:
            seen.value(stream.content_type)
            seen.value(stream.credits_required)
            seen.value(b"".join(stream))
        seen.value(tts.stream("Hello again.", 147320, "en-us", format="mp3").read())
        seen.value(tts.stream("Hello there.", 147320, "en-us").save(tmp / "s.wav"))
        task_id = seen.value(tts.create("Hello task.", 147320, 1, project_name="pro"))
        seen.value(tts.status(task_id))
        run_id = seen.value(tts.wait(task_id, timeout=10, poll_interval=0.01, on_status=seen.value))
        run_ids = [run_id, tts.create_and_wait("Another.", 147320, 1, timeout=10)]
        more = [tts.create(f"More {i}.", 147320, 1) for i in range(4)]
        waited = seen.value(tts.wait_many(more, timeout=10, poll_interval=0.01))
        run_ids += list(waited.values())
        seen.value(tts.result(run_id))
        seen.value(tts.result(run_id, output_type="file_url"))
        urls.append(seen.value(tts.result_url(run_id)))
        seen.value(tts.download(run_id, tmp / "d.flac"))
        bulk = seen.value(tts.results([*run_ids, 10**9]))
        urls += list(bulk.values())
        for i, url in enumerate(urls):
            seen.value(tts.download_url(url, tmp / f"u{i}.flac"))
        # errors from the API and from tasks
        seen.expect(camb.NotFoundError, lambda: tts.status("no-such-task"))
        seen.expect(camb.BadRequestError, lambda: tts.result(10**9))
        seen.expect(
            camb.ValidationError,
            lambda: tts.stream("Hello.", 1, "en-us", speech_model="mars-99").read(),
        )
        failed = tts.create("Fail [error].", 147320, 1)
        seen.expect(camb.TaskFailedError, lambda: tts.wait(failed, timeout=10, poll_interval=0.01))
        broke = tts.create("Broke [payment].", 147320, 1)
        seen.expect(camb.TaskPaymentRequiredError, lambda: tts.wait(broke, poll_interval=0.01))
        slow = tts.create("Slow [duration=30].", 147320, 1)
        seen.expect(camb.WaitTimeoutError, lambda: tts.wait(slow, timeout=0.1, poll_interval=0.02))
        seen.expect(camb.InvalidInputError, lambda: tts.download_url("ftp://x/1", tmp / "x"))
        seen.expect(camb.InvalidInputError, lambda: tts.create("Hello.", 147320, "xx-zz"))
        seen.expect(camb.ClientStateError, lambda: client.with_raw_response.tts.results([]))
        seen.expect(camb.NotFoundError, lambda: client.with_raw_response.tts.status("no-such"))
    finally:
        close_sync(client)
    wrong = sandbox_client(sandbox, api_key=WRONG, max_retries=0)
    try:
        seen.expect(camb.AuthenticationError, lambda: wrong.voices.list())
        seen.expect(camb.BulkResultsError, lambda: wrong.tts.results([1, 2, 3]))
    finally:
        close_sync(wrong)
    for kind, exc in (
        ("5xx", camb.ServerError),
        ("429", camb.RateLimitError),
        ("drop", camb.APIConnectionError),
    ):
        broken = sandbox_client(failing[kind], max_retries=1)
        try:
            seen.expect(exc, lambda c=broken: c.tts.status("t-1"))
            seen.expect(exc, lambda c=broken: c.tts.create("Hello.", 1, 1))
            seen.expect(exc, lambda c=broken: c.tts.stream("Hello.", 1, "en-us").read())
        finally:
            close_sync(broken)
    refused = camb.Camb(
        api_key=SECRET, base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=1
    )
    seen.expect(camb.APIConnectionError, lambda: refused.voices.list())
    refused.close()
    for bad_key in (SECRET + " ", "\t" + SECRET):
        seen.expect(camb.InvalidInputError, lambda k=bad_key: camb.Camb(api_key=k))
    return urls


async def _drive_async(
    sandbox: Sandbox, failing: dict[str, Sandbox], tmp: Path, seen: Seen
) -> list[str]:
    urls: list[str] = []
    client = async_sandbox_client(sandbox, max_retries=1)
    try:
        tts = seen.value(client.tts)
        seen.value(client.voices)
        seen.value(client)
        seen.value(client.with_options(max_retries=2))
        seen.value(await client.voices.list())
        seen.value(await client.languages.source())
        seen.value(await client.languages.target())
        raw_client = seen.value(client.with_raw_response)
        raw = seen.value(await raw_client.tts.create("Hello raw task.", 147320, "en-us"))
        seen.value(raw.http_response.request)
        seen.value(await raw_client.languages.source())
        raw_stream = seen.value(await raw_client.tts.stream("Hello raw.", 147320, "en-us"))
        seen.value(await raw_stream.parse().read())
        async with tts.stream("Hello there, secret world.", 147320, "en-us") as stream:
            seen.value(stream.content_type)
            seen.value(b"".join([chunk async for chunk in stream]))
        seen.value(await tts.stream("Hello again.", 147320, "en-us", format="flac").read())
        seen.value(await tts.stream("Hello there.", 147320, "en-us").save(tmp / "s.wav"))
        task_id = seen.value(await tts.create("Hello task.", 147320, 1))
        seen.value(await tts.status(task_id))
        run_id = seen.value(await tts.wait(task_id, timeout=10, on_status=seen.value))
        run_ids = [run_id, await tts.create_and_wait("Another.", 147320, 1, timeout=10)]
        more = [await tts.create(f"More {i}.", 147320, 1) for i in range(4)]
        waited = seen.value(await tts.wait_many(more, timeout=10, poll_interval=0.01))
        run_ids += list(waited.values())
        seen.value(await tts.result(run_id))
        urls.append(seen.value(await tts.result_url(run_id)))
        seen.value(await tts.download(run_id, tmp / "d.flac"))
        bulk = seen.value(await tts.results([*run_ids, 10**9], concurrency=2))
        urls += list(bulk.values())
        for i, url in enumerate(urls):
            seen.value(await tts.download_url(url, tmp / f"u{i}.flac"))
        await seen.aexpect(camb.NotFoundError, tts.status("no-such-task"))
        await seen.aexpect(camb.BadRequestError, tts.result_url(10**9))
        await seen.aexpect(
            camb.ValidationError, tts.stream("Hello.", 1, "en-us", speech_model="mars-99").read()
        )
        failed = await tts.create("Fail [harmful].", 147320, 1)
        await seen.aexpect(camb.TaskFailedError, tts.wait(failed, poll_interval=0.01))
        late = await tts.create("Late [timeout].", 147320, 1)
        await seen.aexpect(camb.TaskTimeoutError, tts.wait(late, poll_interval=0.01))
        await seen.aexpect(camb.InvalidInputError, tts.create("Hello.", 147320, "xx-zz"))
        await seen.aexpect(camb.NotFoundError, raw_client.tts.status("no-such"))
    finally:
        await close_async(client)
    wrong = async_sandbox_client(sandbox, api_key=WRONG, max_retries=0)
    try:
        await seen.aexpect(camb.AuthenticationError, wrong.tts.status("t-1"))
        await seen.aexpect(camb.BulkResultsError, wrong.tts.results([1, 2, 3, 4, 5, 6]))
    finally:
        await close_async(wrong)
    for kind, exc in (
        ("5xx", camb.ServerError),
        ("429", camb.RateLimitError),
        ("drop", camb.APIConnectionError),
    ):
        broken = async_sandbox_client(failing[kind], max_retries=1)
        try:
            await seen.aexpect(exc, broken.voices.list())
            await seen.aexpect(exc, broken.tts.result(5))
        finally:
            await close_async(broken)
    refused = camb.AsyncCamb(
        api_key=SECRET, base_url=f"http://127.0.0.1:{_closed_port()}", max_retries=0
    )
    await seen.aexpect(camb.APIConnectionError, refused.tts.status("t-1"))
    await refused.close()
    return urls


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_key_leaks_nowhere(
    secret_sandbox: Sandbox,
    failing_sandboxes: dict[str, Sandbox],
    debug_logs: Capture,
    tmp_path: Path,
    mode: str,
) -> None:
    secret_sandbox.reset_stats()
    seen = Seen()
    if mode == "sync":
        urls = _drive_sync(secret_sandbox, failing_sandboxes, tmp_path, seen)
    else:
        urls = asyncio.run(_drive_async(secret_sandbox, failing_sandboxes, tmp_path, seen))
    texts = seen.texts()
    logs = debug_logs.texts()
    assert len(seen.errors) >= 14
    assert len(logs) > 50  # DEBUG logging was really on
    assert any(record.name.startswith("camb") for record in debug_logs.records)
    assert any(record.name.startswith("httpcore") for record in debug_logs.records)
    leaked = [text for text in texts + logs if leaks(text)]
    assert leaked == []
    assert not leaks("\n".join(texts + logs))
    # ...and the presigned-URL origin never saw it.
    stats = secret_sandbox.stats()
    assert stats["file_requests"] == len(urls) >= 7
    assert stats["file_requests_with_api_key"] == 0
    print(
        f"\n[security summary] {mode}: {len(seen.objects)} values, {len(seen.errors)} errors, "
        f"{len(logs)} log records checked; {stats['file_requests']} file downloads, "
        f"{stats['file_requests_with_api_key']} with the key"
    )


def test_the_leak_check_would_see_a_leak() -> None:
    assert leaks(f"x-api-key: {SECRET}")
    assert leaks(repr({"x-api-key": SECRET[:-3] + "..."}))
    assert not leaks(f"x-api-key: {WRONG}")


# --- redirects to another origin (MockTransport) ------------------------------------------------

API = "https://client.camb.ai/apis"


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
@pytest.mark.parametrize(
    "elsewhere",
    [
        "https://storage.example/files/1.flac?sig=x",
        "https://client.camb.ai:8443/apis/list-voices",
        "https://evil.client.camb.ai.example/apis/list-voices",
        "//storage.example/relative-scheme",
    ],
)
def test_the_key_does_not_follow_a_redirect_to_another_origin(
    mocked: Any, mode: str, status: int, elsewhere: str
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "client.camb.ai" and request.url.port in (None, 443):
            if request.url.path == "/apis/list-voices":
                return httpx.Response(status, headers={"location": elsewhere})
            return httpx.Response(200, json=[])
        if request.url.path != "/hop":
            return httpx.Response(302, headers={"location": "https://cdn.example/hop"})
        return httpx.Response(200, json=[{"id": 1, "voice_name": "A"}])

    api: Mocked = mocked(mode, handler, api_key=SECRET)
    voices = api.run(lambda c: c.voices.list())
    assert voices == [camb.Voice(id=1, voice_name="A")]
    hosts = [(r.url.host, r.url.port, "x-api-key" in r.headers) for r in api.requests]
    assert hosts[0] == ("client.camb.ai", None, True)
    assert all(not has_key for host, port, has_key in hosts[1:]), hosts
    assert len(hosts) == 3
    for request in api.requests[1:]:
        assert not leaks(str(request.headers.raw))
        assert not leaks(str(request.url))
    assert api.transport.violations == []


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("location", "why"),
    [
        ("http://storage.example/1.flac", "from https to plain http"),
        ("ftp://storage.example/1.flac", "unsupported URL scheme"),
    ],
)
def test_a_redirect_to_plain_http_or_another_scheme_is_refused(
    mocked: Any, mode: str, location: str, why: str
) -> None:
    api: Mocked = mocked(mode, lambda r: httpx.Response(302, headers={"location": location}))
    with pytest.raises(camb.APIError, match=why) as caught:
        api.run(lambda c: c.voices.list())
    assert not leaks(str(caught.value))
    assert len(api.requests) == 1


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_the_key_comes_back_only_on_the_apis_own_origin(mocked: Any, mode: str) -> None:
    """API -> storage -> API again: the key is dropped for storage and scoped back for the API."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.example":
            return httpx.Response(307, headers={"location": f"{API}/list-voices?from=storage"})
        if request.url.params.get("from") == "storage":
            return httpx.Response(200, json=[])
        return httpx.Response(302, headers={"location": "https://storage.example/x"})

    api: Mocked = mocked(mode, handler, api_key=SECRET)
    assert api.run(lambda c: c.voices.list()) == []
    keys = [(r.url.host, r.headers.get("x-api-key")) for r in api.requests]
    assert keys == [
        ("client.camb.ai", SECRET),
        ("storage.example", None),
        ("client.camb.ai", SECRET),
    ]


@pytest.mark.parametrize("mode", ["sync", "async"])
def test_download_url_never_sends_the_key_even_if_asked_to_redirect(
    mocked: Any, mode: str, tmp_path: Path
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.example":
            return httpx.Response(302, headers={"location": "https://mirror.example/1.flac"})
        return httpx.Response(200, content=b"fLaC" + bytes(100))

    api: Mocked = mocked(mode, handler, api_key=SECRET)
    path = api.run(
        lambda c: c.tts.download_url("https://storage.example/1.flac?sig=x", tmp_path / "a")
    )
    assert Path(path).read_bytes().startswith(b"fLaC")
    assert [("x-api-key" in r.headers) for r in api.requests] == [False, False]
