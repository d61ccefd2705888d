"""Classes 12 and 13: what may travel to whom.

Cookies the API sets (host-only, and with a Domain that covers the file host: both servers are
127.0.0.1, on different ports, so any cookie jar would match both) are never sent to another
origin, on a redirect or on a presigned download, nor back to the API: the client keeps no
cookies at all (the API authenticates with the key).

Environment proxies (HTTP_PROXY, ALL_PROXY and their lower-case forms) are NOT used for a
plain-http base URL: the key would cross the proxy in clear text, so those requests go
direct. (An https base URL goes through an https proxy tunnel, inside TLS.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb

from .conftest import KEY, Api
from .hostile_server import AUDIO, HostileServer, Reply, audio_reply, json_reply

COOKIES = [
    ("Set-Cookie", "sid=API-SESSION-COOKIE; Path=/"),
    ("Set-Cookie", "wide=API-DOMAIN-COOKIE; Domain=127.0.0.1; Path=/"),
    ("Set-Cookie", "local=API-LOCAL-COOKIE; Domain=localhost; Path=/"),
]


@pytest.fixture
def files() -> Iterator[HostileServer]:
    with HostileServer(lambda seen: audio_reply(AUDIO)) as running:
        yield running


def api_handler(files: HostileServer) -> Callable[[Any], Reply]:
    def handler(seen: Any) -> Reply:
        if seen.path.startswith("/tts-result/"):
            return Reply(302, [("Location", f"{files.url}/files/7.flac?sig=x"), *COOKIES])
        return json_reply([{"id": 1, "voice_name": "A"}], headers=COOKIES)

    return handler


def no_cookie_or_key(server: HostileServer) -> None:
    for seen in server.seen:
        assert "cookie" not in seen.headers, seen.headers
        assert "x-api-key" not in seen.headers
    for raw in server.raw:
        assert b"COOKIE" not in raw
        assert KEY.encode() not in raw


@pytest.mark.parametrize("own_http_client", [False, True], ids=["client's pool", "caller's httpx"])
def test_cookies_set_by_the_api_never_reach_another_origin(
    make_api: Callable[..., Api],
    server: HostileServer,
    files: HostileServer,
    tmp_path: Path,
    kind: str,
    own_http_client: bool,
) -> None:
    server.handler = api_handler(files)
    extra: dict[str, Any] = {}
    if own_http_client:
        # A caller's httpx client keeps cookies as httpx does; still none may leave the API.
        extra["http_client"] = httpx.Client() if kind == "sync" else httpx.AsyncClient()
    api = make_api(base_url=server.url, **extra)

    api(lambda c: c.voices.list())
    assert api(lambda c: c.tts.result(7)) == AUDIO  # redirected to the file host
    api(lambda c: c.tts.download(7, tmp_path / "a.flac"))  # redirected too
    api(lambda c: c.tts.download_url(f"{files.url}/files/7.flac?sig=x", tmp_path / "b.flac"))
    api(lambda c: c.voices.list())

    assert len(files.seen) == 3
    no_cookie_or_key(files)
    if own_http_client:
        api.run(extra["http_client"].aclose() if kind == "async" else extra["http_client"].close())
    else:
        # Nor does a cookie go back to the API: the client keeps none.
        assert all("cookie" not in seen.headers for seen in server.seen)
    assert all(seen.headers.get("x-api-key") == KEY for seen in server.seen)


@pytest.fixture
def proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[HostileServer]:
    """A recording proxy on loopback, named by every proxy variable httpx reads."""
    with HostileServer(lambda seen: Reply(502)) as running:
        for name in ("HTTP_PROXY", "ALL_PROXY", "HTTPS_PROXY"):
            monkeypatch.setenv(name, running.url)
            monkeypatch.setenv(name.lower(), running.url)
        yield running


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_environment_proxies_never_see_the_key_of_a_plain_http_base_url(
    make_api: Callable[..., Api], proxy: HostileServer, tmp_path: Path, host: str
) -> None:
    """Decision: a plain-http base URL bypasses HTTP_PROXY/ALL_PROXY. Sending the key through
    a proxy over plain http would show it to the proxy (and to everyone on the way) in clear
    text; the base URL's origin is mounted as a direct connection, so the proxy sees nothing
    at all. Other origins (presigned downloads, which carry no key) may still use it."""
    listen = "::1" if host == "::1" else "127.0.0.1"
    with HostileServer(lambda seen: Reply(404), host=listen) as server:
        server.handler = lambda seen: (
            json_reply([{"id": 1, "voice_name": "A"}])
            if seen.path == "/list-voices"
            else audio_reply(AUDIO)
        )
        base = server.url.replace("127.0.0.1", host) if host == "localhost" else server.url
        api = make_api(base_url=base)

        api(lambda c: c.voices.list())
        assert api(lambda c: c.tts.result(7)) == AUDIO
        api(lambda c: c.tts.stream("Hello there", 1, "en-us").save(tmp_path / "a.wav"))

        assert proxy.seen == []
        assert proxy.raw == []
        assert len(server.seen) == 3
        assert all(seen.headers.get("x-api-key") == KEY for seen in server.seen)


def test_an_ipv6_plain_http_base_url_makes_a_working_client(kind: str) -> None:
    # The direct mount for an IPv6 host once built an invalid URL pattern ("http://::1:8080"),
    # which httpx refused (InvalidURL) only when the pool was first made.
    with HostileServer(lambda seen: json_reply([{"id": 1, "voice_name": "A"}]), host="::1") as s:
        cls = camb.Camb if kind == "sync" else camb.AsyncCamb
        client: Any = cls(api_key=KEY, base_url=s.url)
        if kind == "sync":
            assert client.voices.list()[0].voice_name == "A"
            client.close()
        else:
            import asyncio

            async def run() -> None:
                async with client:
                    assert (await client.voices.list())[0].voice_name == "A"

            asyncio.run(run())
