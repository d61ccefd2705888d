"""Issue 20: audio is asked for uncompressed, and a compressed audio answer the client did not
ask for cannot inflate without bound.

`result()` once read a 200 KB gzip body into 200 MB of memory. Now every audio request says
`Accept-Encoding: identity`; a server (or proxy) that compresses the audio anyway is still
understood when the audio is plausible, but a body inflating more than 32 times its size is an
UnexpectedResponseError, with tracemalloc's peak under 32 MiB while the call runs.
"""

from __future__ import annotations

import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import AUDIO, HostileServer, Reply, gzip_bomb, gzipped

PEAK_LIMIT = 32 * 1024 * 1024
GZIP = [("Content-Type", "audio/flac"), ("Content-Encoding", "gzip")]


def audio_calls(files: str) -> dict[str, Callable[[Any, Path], Any]]:
    return {
        "result": lambda c, p: c.tts.result(7),
        "stream.save": lambda c, p: c.tts.stream("Hello there", 1, "en-us").save(p),
        "download": lambda c, p: c.tts.download(7, p),
        "download_url": lambda c, p: c.tts.download_url(f"{files}/files/7.flac?sig=x", p),
    }


CALLS = list(audio_calls(""))


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip_bomb(200 * 1024 * 1024)


def serving(body: bytes) -> HostileServer:
    return HostileServer(lambda seen: Reply(200, GZIP, body))


@pytest.mark.parametrize("call", CALLS)
def test_audio_is_asked_for_uncompressed(
    make_api: Callable[..., Api], call: str, tmp_path: Path
) -> None:
    with HostileServer(lambda seen: Reply(200, [("Content-Type", "audio/flac")], AUDIO)) as server:
        api = make_api(base_url=server.url)
        api(lambda c: audio_calls(server.url)[call](c, tmp_path / "a.flac"))
        assert server.seen
        for seen in server.seen:
            assert seen.headers["accept-encoding"] == "identity"


@pytest.mark.parametrize("call", CALLS)
def test_audio_compressed_anyway_is_still_read_when_plausible(
    make_api: Callable[..., Api], call: str, tmp_path: Path
) -> None:
    with serving(gzipped(AUDIO)) as server:
        api = make_api(base_url=server.url)
        got = api(lambda c: audio_calls(server.url)[call](c, tmp_path / "a.flac"))
        assert (got if call == "result" else (tmp_path / "a.flac").read_bytes()) == AUDIO


@pytest.mark.parametrize("call", CALLS)
def test_a_gzip_bomb_of_audio_is_refused_without_inflating_it(
    make_api: Callable[..., Api], call: str, tmp_path: Path, bomb: bytes
) -> None:
    with serving(bomb) as server:
        api = make_api(base_url=server.url, max_retries=0)
        tracemalloc.start()
        try:
            with pytest.raises(camb.UnexpectedResponseError, match="inflates"):
                api(lambda c: audio_calls(server.url)[call](c, tmp_path / "a.flac"))
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert peak < PEAK_LIMIT, peak
        assert list(tmp_path.iterdir()) == []
