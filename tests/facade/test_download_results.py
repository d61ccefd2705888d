"""`tts.download_results`: resumable bulk downloads that survive expired presigned URLs."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import httpx

from .conftest import Api

FLAC = b"fLaC" + bytes(60)
STORAGE = "https://storage.example"


def handler(expired_first: set[int], unavailable: set[int]) -> Callable[..., httpx.Response]:
    """The API hands out `?v=1` URLs from the bulk call and `?v=2` ones from /tts-result;
    the storage host refuses `v=1` for the runs in `expired_first`."""

    def answer(request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.host == "storage.example":
            run_id = int(url.path.rsplit("/", 1)[1].split(".")[0])
            if run_id in expired_first and url.params.get("v") == "1":
                return httpx.Response(403, text="<Error>Request has expired</Error>")
            return httpx.Response(200, content=FLAC, headers={"content-type": "audio/flac"})
        if url.path.endswith("/tts-results"):
            ids = [int(i) for i in re.findall(rb"\d+", request.content)]
            body = {str(i): {"output_url": f"{STORAGE}/{i}.flac?v=1"} for i in ids}
            return httpx.Response(
                200, json={k: v for k, v in body.items() if int(k) not in unavailable}
            )
        match = re.search(r"/tts-result/(\d+)", url.path)
        assert match is not None, url
        return httpx.Response(200, json={"output_url": f"{STORAGE}/{match[1]}.flac?v=2"})

    return answer


def test_downloads_every_file_and_refetches_an_expired_url(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    api = make_api(handler(expired_first={2, 4}, unavailable={5}))
    done = api(lambda c: c.tts.download_results([1, 2, 3, 4, 5], tmp_path / "dl"))
    assert sorted(done) == [1, 2, 3, 4]
    assert done.unavailable.keys() == {5}
    assert not done.failed
    assert not done.ok
    for run_id in (1, 2, 3, 4):
        assert (tmp_path / "dl" / f"{run_id}.flac").read_bytes() == FLAC
    storage = [r for r in api.requests if r.url.host == "storage.example"]
    assert all("x-api-key" not in r.headers for r in storage)
    assert sorted(str(r.url) for r in storage if "v=2" in str(r.url)) == [
        f"{STORAGE}/2.flac?v=2",
        f"{STORAGE}/4.flac?v=2",
    ]


def test_a_second_call_skips_complete_files(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api(handler(expired_first=set(), unavailable=set()))
    api(lambda c: c.tts.download_results([1, 2, 3], tmp_path))
    sent = len(api.requests)
    again = api(lambda c: c.tts.download_results([1, 2, 3, 4], tmp_path))
    assert again.skipped == frozenset({1, 2, 3})
    assert sorted(again) == [1, 2, 3, 4]
    new = api.requests[sent:]
    assert [r.url.path for r in new if r.url.host == "storage.example"] == ["/4.flac"]
    assert again.ok


def test_a_url_that_stays_expired_is_reported_with_its_error(
    make_api: Callable[..., Api], tmp_path: Path
) -> None:
    def always_expired(request: httpx.Request) -> httpx.Response:
        if request.url.host == "storage.example":
            return httpx.Response(403, text="expired")
        return handler(set(), set())(request)

    api = make_api(always_expired)
    done = api(lambda c: c.tts.download_results([1, 2], tmp_path))
    assert len(done) == 0
    assert {run_id: error.status_code for run_id, error in done.failed.items()} == {1: 403, 2: 403}
    assert set(done.missing()) == {1, 2}
    assert list(tmp_path.iterdir()) == []
