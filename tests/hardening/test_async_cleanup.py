"""Issue 20, item 21: an async call leaves no clean-up behind when it returns.

A response closed before its end (a 2xx answer that is not audio, an error body read only in
part) leaves httpx's inner async generators part-way; the event loop closes them with tasks.
Those tasks now run before the call returns, so a caller that closes its loop right away (as
`loop.close()` after `run_until_complete` does) drops nothing: on Python 3.13 each dropped one
was a "coroutine method 'aclose' ... was never awaited" RuntimeWarning (121 in the suite).
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import KEY
from .hostile_server import HostileServer, Reply

HTML = b"<!DOCTYPE html><html><body>" + b"x" * 200_000 + b"</body></html>"


@pytest.mark.parametrize(
    "call",
    [
        lambda c, url, p: c.tts.download_url(f"{url}/files/7.flac?sig=x", p),
        lambda c, url, p: c.tts.stream("Hello there", 1, "en-us").save(p),
        lambda c, url, p: c.voices.list(),
    ],
    ids=["download_url", "stream.save", "voices"],
)
def test_an_async_call_that_closes_a_response_early_leaves_nothing_for_the_loop(
    call: Any, tmp_path: Path
) -> None:
    with HostileServer(lambda seen: Reply(200, [], HTML)) as server:
        loop = asyncio.new_event_loop()
        client = camb.AsyncCamb(api_key=KEY, base_url=server.url, max_retries=0)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            with pytest.raises(camb.CambError):
                loop.run_until_complete(call(client, server.url, tmp_path / "a.flac"))
            pending = asyncio.all_tasks(loop)
            loop.run_until_complete(client.close())
            loop.close()
            gc.collect()
        assert pending == set()
        assert not [w for w in caught if "never awaited" in str(w.message)]
