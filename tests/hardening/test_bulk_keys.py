"""Class 4: one bad key (or value) in a bulk answer loses nothing else.

A 5,000-digit key (int() refuses over 4,300 digits), a key of spaces, non-canonical spellings
of an id that was asked for ("+13", " 13", "1_3", "013", Arabic-Indic digits): every other id
keeps its URL, and every id asked for is accounted for exactly once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import HostileServer, Reply, json_reply

ASKED = [11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
BAD_KEYS = {
    "5,000 digits": "9" * 5000,
    "5,000 digits of an asked id": "0" * 4998 + "13",
    "spaces": "   ",
    "empty": "",
    "plus sign": "+13",
    "leading space": " 13",
    "trailing newline": "13\n",
    "underscore": "1_3",
    "leading zero": "013",
    "negative": "-13",
    "arabic-indic digits": "\u0661\u0663",
    "fullwidth digits": "\uff11\uff13",
}


def url(run_id: int) -> str:
    return f"https://files.example/{run_id}.flac?sig=abc"


def answer_with(extra: dict[str, Any]) -> Callable[[Any], Reply]:
    def handler(seen: Any) -> Reply:
        ids = json.loads(seen.body)["run_ids"]
        body: dict[str, Any] = {str(i): {"output_url": url(i)} for i in ids if i != 13}
        body.update(extra)
        return json_reply(body)

    return handler


def accounted_once(results: camb.BulkResults) -> list[int]:
    seen = [*results.keys(), *results.unavailable, *results.failed]
    return sorted(seen)


@pytest.mark.parametrize("bad", sorted(BAD_KEYS))
def test_one_bad_key_in_a_bulk_answer_loses_no_other_id(
    make_api: Callable[..., Api], server: HostileServer, bad: str
) -> None:
    server.handler = answer_with({BAD_KEYS[bad]: {"output_url": "https://evil.example/13"}})
    api = make_api(base_url=server.url)

    results = api(lambda c: c.tts.results(ASKED, concurrency=2))

    assert dict(results) == {i: url(i) for i in ASKED if i != 13}
    # 13 was asked for but only answered under a spelling that is not its id.
    assert 13 in results.unavailable or 13 in results.failed
    assert accounted_once(results) == ASKED


def test_every_bad_key_at_once_loses_no_other_id(
    make_api: Callable[..., Api], server: HostileServer
) -> None:
    bad_keys = {key: {"output_url": "https://evil.example/x"} for key in BAD_KEYS.values()}
    server.handler = answer_with(bad_keys)
    api = make_api(base_url=server.url)

    results = api(lambda c: c.tts.results(ASKED))

    assert dict(results) == {i: url(i) for i in ASKED if i != 13}
    assert accounted_once(results) == ASKED


@pytest.mark.parametrize(
    "value",
    [12345, None, "", {"output_url": 5}, {"nothing": "here"}, ["a"], {"output_url": ""}],
    ids=["int", "null", "empty", "url-int", "no-url", "list", "url-empty"],
)
def test_one_bad_value_fails_that_id_only(
    make_api: Callable[..., Api], server: HostileServer, value: object
) -> None:
    def handler(seen: Any) -> Reply:
        ids = json.loads(seen.body)["run_ids"]
        body: dict[str, Any] = {str(i): {"output_url": url(i)} for i in ids}
        if 14 in ids:
            body["14"] = value
        return json_reply(body)

    server.handler = handler
    api = make_api(base_url=server.url)

    with pytest.raises(camb.BulkResultsError) as caught:
        api(lambda c: c.tts.results(ASKED))
    results = caught.value.results
    assert dict(results) == {i: url(i) for i in ASKED if i != 14}
    assert list(results.failed) == [14]
    assert isinstance(results.failed[14], camb.UnexpectedResponseError)

    kept = api(lambda c: c.tts.results(ASKED, raise_on_error=False))
    assert dict(kept) == dict(results)
    assert accounted_once(kept) == ASKED
