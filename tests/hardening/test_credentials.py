"""Issue 20, item 4: every credential the caller gives stays with the API's origin.

`default_headers` and `extra_headers` (a bearer token, a gateway's key under any name) and a
`user:pass@` base URL (HTTP Basic) reach the API, and never a presigned storage host or a
cross-origin redirect target; the password and the tokens never show in `repr(client)`, in
DEBUG logs or in an error (message or `request`).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import KEY, Api
from .hostile_server import AUDIO, HostileServer, Reply, audio_reply, json_reply

BEARER = "Bearer BEARER-SECRET-TOKEN"
GATEWAY = "GATEWAY-SECRET-KEY"
PASSWORD = "BASIC-SECRET-PASSWORD"
SECRETS = ("BEARER-SECRET-TOKEN", GATEWAY, PASSWORD, KEY)
HEADERS = {"Authorization": BEARER, "X-Gateway-Token": GATEWAY}


@pytest.fixture
def files() -> Iterator[HostileServer]:
    with HostileServer(lambda seen: audio_reply(AUDIO)) as running:
        yield running


@pytest.fixture
def api_server(files: HostileServer) -> Iterator[HostileServer]:
    def handler(seen: Any) -> Reply:
        if seen.path.startswith("/tts-result/"):
            return Reply(302, [("Location", f"{files.url}/files/7.flac?sig=x")])
        if seen.path.startswith("/tts/"):
            return json_reply({"detail": "nope"}, status=400)
        return json_reply([{"id": 1, "voice_name": "A"}])

    with HostileServer(handler) as running:
        yield running


def nothing_secret_reached(server: HostileServer) -> None:
    assert server.seen, "the server was never asked"
    for raw in server.raw:
        for secret in SECRETS:
            assert secret.encode() not in raw, secret
    for seen in server.seen:
        assert "authorization" not in seen.headers
        assert "x-gateway-token" not in seen.headers


def with_basic_auth(url: str) -> str:
    return url.replace("http://", f"http://user:{PASSWORD}@")


def test_default_headers_reach_the_api_but_not_a_redirect_target(
    make_api: Callable[..., Api], api_server: HostileServer, files: HostileServer, tmp_path: Path
) -> None:
    api = make_api(base_url=api_server.url, default_headers=HEADERS)
    api(lambda c: c.voices.list())
    api(lambda c: c.tts.download(7, tmp_path / "a.flac"))
    assert (tmp_path / "a.flac").read_bytes() == AUDIO
    first = api_server.seen[0].headers
    assert first["authorization"] == BEARER
    assert first["x-gateway-token"] == GATEWAY
    nothing_secret_reached(files)


def test_default_and_extra_headers_never_go_to_a_presigned_host(
    make_api: Callable[..., Api], api_server: HostileServer, files: HostileServer, tmp_path: Path
) -> None:
    api = make_api(base_url=api_server.url, default_headers=HEADERS)
    api(
        lambda c: c.tts.download_url(
            f"{files.url}/files/7.flac?sig=x",
            tmp_path / "a.flac",
            extra_headers={"X-Other-Secret": GATEWAY, "X-Trace": "t1"},
        )
    )
    assert (tmp_path / "a.flac").read_bytes() == AUDIO
    nothing_secret_reached(files)
    # A header of the call that is no credential still goes with the download it asked for.
    assert files.seen[0].headers["x-trace"] == "t1"


def test_basic_auth_of_the_base_url_reaches_the_api_only(
    make_api: Callable[..., Api], api_server: HostileServer, files: HostileServer, tmp_path: Path
) -> None:
    api = make_api(base_url=with_basic_auth(api_server.url))
    api(lambda c: c.voices.list())
    api(lambda c: c.tts.download(7, tmp_path / "a.flac"))
    assert api_server.seen[0].headers["authorization"].startswith("Basic ")
    assert api_server.seen[1].headers["authorization"].startswith("Basic ")
    nothing_secret_reached(files)


def test_a_with_options_copy_keeps_the_basic_auth(
    make_api: Callable[..., Api], api_server: HostileServer
) -> None:
    api = make_api(base_url=with_basic_auth(api_server.url))
    api(lambda c: c.with_options(max_retries=0).voices.list())
    assert api_server.seen[0].headers["authorization"].startswith("Basic ")


def test_the_password_and_tokens_never_show_in_repr_logs_or_errors(
    make_api: Callable[..., Api],
    api_server: HostileServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    api = make_api(base_url=with_basic_auth(api_server.url), default_headers=HEADERS)
    shown = [repr(api.client), str(api.client.base_url)]
    with caplog.at_level(logging.DEBUG, logger="camb"):
        api(lambda c: c.voices.list())
        with pytest.raises(camb.APIStatusError) as caught:
            api(lambda c: c.tts.status("t"))
    error = caught.value
    shown += [record.getMessage() for record in caplog.records]
    shown += [str(error), repr(error.request), str(error.request.url)]
    shown += [f"{k}: {v}" for k, v in error.request.headers.items()]
    shown += [repr(pickle.loads(pickle.dumps(error)).__dict__)]
    for text in shown:
        for secret in SECRETS:
            assert secret not in text, (secret, text)
    assert error.request.headers["authorization"] == "[redacted]"
    assert error.request.headers["x-gateway-token"] == "[redacted]"
