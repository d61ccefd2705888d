"""Class 7: memory is bounded.

A JSON answer over the cap is a typed error; a 200 KB gzip (or deflate) body inflating to
200 MB is refused without being inflated (tracemalloc's peak stays under 32 MiB while the call
runs, server thread included); error bodies are read only up to their cap; a server's 20 MB
`message`/`detail`/reason gives a short `str(error)`.
"""

from __future__ import annotations

import json
import tracemalloc
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import HostileServer, Reply, gzip_bomb

PEAK_LIMIT = 32 * 1024 * 1024
BOMB_INFLATED = 200 * 1024 * 1024
HUGE = 20 * 1024 * 1024


@pytest.fixture(scope="module")
def bombs() -> dict[str, bytes]:
    deflater = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS)
    block = bytes(1 << 20)
    deflate = b"".join(deflater.compress(block) for _ in range(BOMB_INFLATED >> 20))
    return {"gzip": gzip_bomb(BOMB_INFLATED), "deflate": deflate + deflater.flush()}


def peak_while(run: Callable[[], Any]) -> tuple[int, BaseException | None]:
    """tracemalloc's peak (bytes) while `run` runs, and what it raised."""
    tracemalloc.start()
    raised: BaseException | None = None
    try:
        run()
    except BaseException as exc:
        raised = exc
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return peak, raised


def test_the_bombs_are_what_they_claim(bombs: dict[str, bytes]) -> None:
    assert len(bombs["gzip"]) < 400_000
    assert len(bombs["deflate"]) < 400_000
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    assert len(inflater.decompress(bombs["gzip"][:50_000], 50 << 20)) > 40 << 20


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
@pytest.mark.parametrize("status", [200, 500, 404])
def test_a_compression_bomb_is_never_inflated(
    make_api: Callable[..., Api],
    server: HostileServer,
    bombs: dict[str, bytes],
    encoding: str,
    status: int,
) -> None:
    body = bombs[encoding]
    headers = [("Content-Type", "application/json"), ("Content-Encoding", encoding)]
    server.handler = lambda seen: Reply(status, headers, body)
    api = make_api(base_url=server.url, max_retries=0)
    api(lambda c: c._http)  # the pool's own start-up cost is not what is measured

    peak, raised = peak_while(lambda: api(lambda c: c.voices.list()))

    expected = camb.UnexpectedResponseError if status == 200 else camb.APIStatusError
    assert isinstance(raised, expected), repr(raised)
    assert len(str(raised)) < 2000
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_a_compression_bomb_where_audio_was_expected_is_not_inflated(
    make_api: Callable[..., Api],
    server: HostileServer,
    bombs: dict[str, bytes],
    tmp_path: Path,
    encoding: str,
) -> None:
    headers = [("Content-Type", "text/html"), ("Content-Encoding", encoding)]
    server.handler = lambda seen: Reply(200, headers, bombs[encoding])
    api = make_api(base_url=server.url, max_retries=0)
    api(lambda c: c._http)

    for call in (
        lambda c: c.tts.stream("Hello there", 1, "en-us").read(),
        lambda c: c.tts.download(7, tmp_path / "a.flac"),
    ):
        peak, raised = peak_while(lambda: api(call))  # noqa: B023
        assert isinstance(raised, camb.UnexpectedResponseError), repr(raised)
        assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


def test_a_json_answer_over_the_cap_is_a_typed_error(
    make_api: Callable[..., Api], server: HostileServer
) -> None:
    voice = {"id": 1, "voice_name": "A" * 1000}
    body = json.dumps([voice] * 10_000).encode()  # 10 MB of valid JSON
    server.handler = lambda seen: Reply(200, [("Content-Type", "application/json")], body)
    api = make_api(base_url=server.url)

    with pytest.raises(camb.UnexpectedResponseError) as caught:
        api(lambda c: c.voices.list())
    assert "larger than" in str(caught.value)
    assert len(server.seen) == 1, "an answer too large is not asked for again"


@pytest.fixture(scope="module")
def huge_texts() -> Iterator[dict[str, bytes]]:
    text = "x" * HUGE
    return {
        "detail": json.dumps({"detail": text}).encode(),
        "message": json.dumps({"message": text}).encode(),
        "detail list": json.dumps({"detail": [{"loc": ["body"], "msg": text}]}).encode(),
        "html": b"<html><body>" + b"y" * HUGE + b"</body></html>",
    }


@pytest.mark.parametrize("shape", ["detail", "message", "detail list", "html"])
@pytest.mark.parametrize("status", [400, 422, 503])
def test_a_huge_error_body_is_capped_and_its_message_short(
    make_api: Callable[..., Api],
    server: HostileServer,
    huge_texts: dict[str, bytes],
    shape: str,
    status: int,
) -> None:
    body = huge_texts[shape]
    server.handler = lambda seen: Reply(status, [("Content-Type", "application/json")], body)
    api = make_api(base_url=server.url, max_retries=0)
    api(lambda c: c._http)

    peak, raised = peak_while(lambda: api(lambda c: c.voices.list()))

    assert isinstance(raised, camb.APIStatusError), repr(raised)
    assert raised.status_code == status
    assert len(str(raised)) < 2000
    assert len(repr(raised)) < 2000
    assert len(json.dumps(raised.body, default=str)) < 1 << 20
    assert peak < PEAK_LIMIT, f"peak {peak / 2**20:.1f} MiB"


TASK_STATUSES: dict[str, dict[str, Any]] = {
    "failure reason": {"status": "ERROR", "exception_reason": "r" * (5 << 20)},
    "failure message": {"status": "ERROR", "message": "m" * (5 << 20)},
    "unknown status": {"status": "S" * (5 << 20)},
}


@pytest.mark.parametrize("case", sorted(TASK_STATUSES))
def test_a_task_errors_message_is_short_whatever_the_server_said(
    make_api: Callable[..., Api], server: HostileServer, case: str
) -> None:
    body = json.dumps(TASK_STATUSES[case]).encode()
    server.handler = lambda seen: Reply(200, [("Content-Type", "application/json")], body)
    api = make_api(base_url=server.url)

    with pytest.raises(camb.TaskError) as caught:
        api(lambda c: c.tts.wait("task-1", timeout=5))

    assert len(str(caught.value)) < 2000
    # The status itself is kept whole for whoever wants it.
    assert caught.value.status is not None
