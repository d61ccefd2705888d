"""Class 8: every failure is a `camb.CambError`.

Broken gzip/deflate bodies, host names that IDNA refuses (in the base URL and in a redirect's
Location), lone surrogates anywhere a caller passes text, a bad `BackoffPolicy` (refused when
it is made, not at the first retry), a closed client, and file-system errors while saving:
never an httpx, Unicode, OS or Runtime error from deep inside.
"""

from __future__ import annotations

import contextlib
import errno
import gzip
import json
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb
import camb._files

from .conftest import KEY, Api
from .hostile_server import AUDIO, HostileServer, Reply, json_reply

VOICES = json.dumps([{"id": 1, "voice_name": "Alice"}]).encode()
LONG_LABEL = "a" * 64


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Name lookups for anything but loopback fail here (and are recorded): no test may leave
    this machine, whatever a hostile Location says."""
    real = socket.getaddrinfo
    asked: list[str] = []

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode("ascii", "replace") if isinstance(host, bytes) else str(host)
        if name in ("127.0.0.1", "::1", "localhost"):
            return real(host, *args, **kwargs)
        if isinstance(host, str):
            host.encode("idna")  # what the real lookup does first (and may fail at)
        asked.append(name)
        raise socket.gaierror(socket.EAI_NONAME, "not on this test's loopback")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


# --- broken compressed bodies -----------------------------------------------------------------

_GZ = gzip.compress(VOICES)
BROKEN_BODIES = {
    "gzip: not gzip at all": ("gzip", b"this is not gzip data at all, sorry"),
    "gzip: cut short": ("gzip", _GZ[: len(_GZ) // 2]),
    "gzip: bad checksum": ("gzip", _GZ[:-8] + b"\0\0\0\0" + _GZ[-4:]),
    "deflate: garbage": ("deflate", b"\x78\x9c garbage garbage garbage"),
    "deflate: raw garbage": ("deflate", b"\xff\xfe\xfd\xfc" * 10),
    "unknown encoding": ("br", b"whatever"),
    "two encodings": ("gzip, gzip", gzip.compress(_GZ)),
}

CALLS: dict[str, Callable[[Any, Path], Any]] = {
    "voices.list": lambda c, p: c.voices.list(),
    "result": lambda c, p: c.tts.result(7),
    "result_url": lambda c, p: c.tts.result_url(7),
    "stream.read": lambda c, p: c.tts.stream("Hello there", 1, "en-us").read(),
    "download": lambda c, p: c.tts.download(7, p),
    "status": lambda c, p: c.tts.status("task-1"),
}


@pytest.mark.parametrize("broken", sorted(BROKEN_BODIES))
@pytest.mark.parametrize("call", sorted(CALLS))
@pytest.mark.parametrize("status", [200, 500])
def test_a_broken_compressed_body_is_a_camb_error(
    make_api: Callable[..., Api],
    server: HostileServer,
    tmp_path: Path,
    broken: str,
    call: str,
    status: int,
) -> None:
    encoding, body = BROKEN_BODIES[broken]
    content_type = (
        "audio/flac" if call in ("result", "stream.read", "download") else "application/json"
    )
    headers = [("Content-Type", content_type), ("Content-Encoding", encoding)]
    server.handler = lambda seen: Reply(status, headers, body)
    api = make_api(base_url=server.url, max_retries=0)
    path = tmp_path / "a.flac"

    with contextlib.suppress(camb.CambError):
        api(lambda c: CALLS[call](c, path))
    # An encoding this client did not ask for may be passed through as audio as it is, but
    # never raised as anything but a CambError; and no half-decoded file is left.
    assert [p.name for p in tmp_path.iterdir()] in ([], ["a.flac"])
    if status == 200 and encoding in ("gzip", "deflate"):
        with pytest.raises(camb.CambError):
            api(lambda c: CALLS[call](c, path.with_name("b.flac")))


# --- host names IDNA refuses --------------------------------------------------------------------

BAD_HOSTS = [
    f"https://{LONG_LABEL}.example",
    "https://a..b.example",
    f"https://{'abc.' * 70}example",
    "https://example.com:99999",
    "https://\u2603.example",
    "https://xn--a.example\u0000",
    "https://exa mple.com",
    "https://[::1",
    "http://\ud800.example",
]


@pytest.mark.parametrize("base_url", BAD_HOSTS)
def test_a_base_url_with_a_bad_host_is_invalid_input(kind: str, base_url: str) -> None:
    cls = camb.Camb if kind == "sync" else camb.AsyncCamb
    with pytest.raises(camb.InvalidInputError) as caught:
        cls(api_key=KEY, base_url=base_url, allow_insecure_http=True)
    assert caught.value.param == "base_url"


BAD_LOCATIONS = [
    f"http://{LONG_LABEL}.example/audio.flac",
    "http://a..b.example/audio.flac",
    f"http://{'abc.' * 70}example/audio.flac",
    "http://[::1/audio.flac",
    "http://exa mple.com/audio.flac",
    "http://127.0.0.1:99999/audio.flac",
    "ftp://127.0.0.1/audio.flac",
    "http://:80/audio.flac",
]


@pytest.mark.parametrize("location", BAD_LOCATIONS)
@pytest.mark.parametrize("call", ["result", "download", "voices.list", "result_url"])
def test_a_redirect_to_a_bad_host_is_a_camb_error(
    make_api: Callable[..., Api],
    server: HostileServer,
    loopback_only: list[str],
    tmp_path: Path,
    location: str,
    call: str,
) -> None:
    server.handler = lambda seen: Reply(302, [("Location", location)])
    api = make_api(base_url=server.url, max_retries=1)

    with pytest.raises(camb.APIError):
        api(lambda c: CALLS[call](c, tmp_path / "a.flac"))
    assert loopback_only == []
    assert not (tmp_path / "a.flac").exists()


@pytest.mark.parametrize("location", ["https://\u2603.example/a", "https://\ud800.example/a"])
def test_a_redirect_to_a_non_ascii_bad_host_is_a_camb_error(kind: str, location: str) -> None:
    # Header values off the wire are Latin-1; httpx.MockTransport lets the Location be any str.
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "127.0.0.1":
            return httpx.Response(
                302, headers=[(b"location", location.encode("utf-8", "surrogatepass"))]
            )
        raise AssertionError(f"followed a bad redirect to {request.url}")

    base = "http://127.0.0.1:9"
    if kind == "sync":
        client: Any = camb.Camb(
            api_key=KEY,
            base_url=base,
            http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        )
        with pytest.raises(camb.APIError):
            client.tts.result(7)
        client.close()
    else:
        import asyncio

        async def run() -> None:
            transport = httpx.MockTransport(handler)
            async with camb.AsyncCamb(
                api_key=KEY, base_url=base, http_client=httpx.AsyncClient(transport=transport)
            ) as client:
                with pytest.raises(camb.APIError):
                    await client.tts.result(7)

        asyncio.run(run())


# --- lone surrogates ----------------------------------------------------------------------------

LONE = "\ud800"
SURROGATE_CALLS: dict[str, tuple[str, Callable[[Any, Path, str], Any]]] = {
    "stream text": ("text", lambda c, p, u: c.tts.stream(f"Hello {LONE}", 1, "en-us").read()),
    "stream language": ("language", lambda c, p, u: c.tts.stream("Hello", 1, f"en{LONE}").read()),
    "stream user_instructions": (
        "user_instructions",
        lambda c, p, u: c.tts.stream("Hello", 1, "en-us", user_instructions=LONE).read(),
    ),
    "stream speech_model": (
        "speech_model",
        lambda c, p, u: c.tts.stream("Hello", 1, "en-us", speech_model=LONE).read(),
    ),
    "create text": ("text", lambda c, p, u: c.tts.create(f"Hi {LONE}", 1, 1)),
    "create project_name": (
        "project_name",
        lambda c, p, u: c.tts.create("Hi", 1, 1, project_name=LONE),
    ),
    "status task id": ("task_id", lambda c, p, u: c.tts.status(f"t{LONE}")),
    "wait task id": ("task_id", lambda c, p, u: c.tts.wait(f"t{LONE}", timeout=1)),
    "extra_body": (
        "extra_body",
        lambda c, p, u: c.tts.create("Hi", 1, 1, extra_body={"note": LONE}),
    ),
    "extra_query": ("extra_query", lambda c, p, u: c.voices.list(extra_query={"q": LONE})),
    "extra_headers": (
        "extra_headers",
        lambda c, p, u: c.voices.list(extra_headers={"x-note": LONE}),
    ),
    "download_url url": ("url", lambda c, p, u: c.tts.download_url(f"{u}/a{LONE}.flac", p)),
    "download path": ("path", lambda c, p, u: c.tts.download(7, p.with_name(f"a{LONE}.flac"))),
}


@pytest.mark.parametrize("case", sorted(SURROGATE_CALLS))
def test_a_lone_surrogate_is_invalid_input_before_any_request(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, case: str
) -> None:
    server.handler = lambda seen: json_reply({"task_id": "t"})
    param, call = SURROGATE_CALLS[case]
    api = make_api(base_url=server.url)

    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: call(c, tmp_path / "a.flac", server.url))

    assert caught.value.param.split("[")[0].split(".")[0] == param
    assert server.seen == []


# --- BackoffPolicy --------------------------------------------------------------------------------

BAD_POLICIES = {
    "negative initial_delay": {"initial_delay": -1.0},
    "negative max_delay": {"max_delay": -0.5},
    "jitter above 1": {"jitter": 1.5},
    "negative jitter": {"jitter": -0.1},
    "NaN delay": {"initial_delay": float("nan")},
    "infinite delay": {"max_delay": float("inf")},
    "negative max_retry_after": {"max_retry_after": -1},
    "bool delay": {"initial_delay": True},
    "str delay": {"initial_delay": "1"},
    "NaN jitter": {"jitter": float("nan")},
}


@pytest.mark.parametrize("case", sorted(BAD_POLICIES))
def test_a_bad_backoff_policy_is_refused_when_it_is_made(case: str) -> None:
    fields = BAD_POLICIES[case]
    with pytest.raises(camb.InvalidInputError) as caught:
        camb.BackoffPolicy(**fields)
    assert caught.value.param == f"backoff.{next(iter(fields))}"


@pytest.mark.parametrize("value", ["fast", 0.5, {"initial_delay": 1}])
def test_a_backoff_that_is_not_a_policy_is_refused_by_the_client(kind: str, value: object) -> None:
    cls = camb.Camb if kind == "sync" else camb.AsyncCamb
    with pytest.raises(camb.InvalidInputTypeError) as caught:
        cls(api_key=KEY, backoff=value)
    assert caught.value.param == "backoff"


# --- closed clients -------------------------------------------------------------------------------


CLOSED_CALLS: dict[str, Callable[[Any, Path], Any]] = {
    "voices.list": lambda c, p: c.voices.list(),
    "stream.read": lambda c, p: c.tts.stream("Hello there", 1, "en-us").read(),
    "download": lambda c, p: c.tts.download(7, p),
    "results": lambda c, p: c.tts.results([1, 2, 3]),
    "wait": lambda c, p: c.tts.wait("t", timeout=1),
    "wait_many": lambda c, p: c.tts.wait_many(["t", "u"], timeout=1),
}


@pytest.mark.parametrize("call", sorted(CLOSED_CALLS))
@pytest.mark.parametrize("which", ["client", "with_options copy", "copy of a used client"])
def test_a_closed_client_raises_client_state_error(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, call: str, which: str
) -> None:
    server.handler = lambda seen: json_reply([{"id": 1, "voice_name": "A"}])
    api = make_api(base_url=server.url)
    if which == "copy of a used client":
        api(lambda c: c.voices.list())
    target = api.client.with_options(max_retries=0) if which != "client" else api.client
    api.run(api.client.close())
    api.run(api.client.close())  # closing twice is harmless
    before = len(server.seen)

    with pytest.raises(camb.ClientStateError):
        api.run(CLOSED_CALLS[call](target, tmp_path / "a.flac"))
    assert len(server.seen) == before
    assert not (tmp_path / "a.flac").exists()


# --- file-system errors ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "error",
    [
        OSError(errno.EMFILE, "Too many open files"),
        PermissionError(errno.EACCES, "Permission denied"),
        OSError(errno.EROFS, "Read-only file system"),
    ],
    ids=["EMFILE", "EACCES", "EROFS"],
)
@pytest.mark.parametrize("call", ["download", "stream.save"])
def test_a_file_system_error_while_saving_is_a_file_write_error(
    make_api: Callable[..., Api],
    server: HostileServer,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    error: OSError,
    call: str,
) -> None:
    server.handler = lambda seen: Reply(200, [("Content-Type", "audio/flac")], AUDIO)

    def mkstemp(*args: Any, **kwargs: Any) -> Any:
        raise error

    monkeypatch.setattr(camb._files.tempfile, "mkstemp", mkstemp)
    path = tmp_path / "new" / "a.flac"
    api = make_api(base_url=server.url)
    calls = {
        "download": lambda c: c.tts.download(7, path),
        "stream.save": lambda c: c.tts.stream("Hello there", 1, "en-us").save(path),
    }

    with pytest.raises(camb.FileWriteError) as caught:
        api(calls[call])
    assert caught.value.__cause__ is error
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("location", BAD_LOCATIONS[:5])
def test_a_download_url_with_a_bad_host_is_invalid_input_before_any_request(
    make_api: Callable[..., Api],
    server: HostileServer,
    loopback_only: list[str],
    tmp_path: Path,
    location: str,
) -> None:
    api = make_api(base_url=server.url)
    with pytest.raises(camb.InvalidInputError) as caught:
        api(lambda c: c.tts.download_url(location, tmp_path / "a.flac"))
    assert caught.value.param == "url"
    assert server.seen == []
    assert loopback_only == []
