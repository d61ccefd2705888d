"""Class 2: a 2xx answer that is not audio is not saved (or returned) as audio.

HTML, JSON and empty bodies, with their Content-Type and without one, from every call that
returns or writes audio: a typed `UnexpectedResponseError`, and the destination untouched.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import camb

from .conftest import Api
from .hostile_server import HostileServer, Reply

OLD = b"the caller's good file"
HTML = b"<!DOCTYPE html><html><body><h1>Welcome to nginx!</h1></body></html>"
JSON = json.dumps({"detail": "quota exceeded", "status": "error"}).encode()

BODIES: dict[str, tuple[list[tuple[str, str]], bytes]] = {
    "html": ([("Content-Type", "text/html; charset=utf-8")], HTML),
    "html-untyped": ([], HTML),
    "html-with-spaces-untyped": ([], b"\r\n  \n" + HTML),
    "xml-untyped": ([], b'<?xml version="1.0"?><Error><Code>AccessDenied</Code></Error>'),
    "json": ([("Content-Type", "application/json")], JSON),
    "json-untyped": ([], JSON),
    "json-list-untyped": ([], b'[{"loc": ["body"], "msg": "nope"}]'),
    "problem-json": ([("Content-Type", "application/problem+json")], JSON),
    "empty-untyped": ([], b""),
    "empty-typed-as-audio": ([("Content-Type", "audio/flac")], b""),
    "empty-text": ([("Content-Type", "text/plain")], b""),
}


def saving(server: HostileServer) -> dict[str, Callable[[Api, Path], Any]]:
    return {
        "download": lambda api, p: api(lambda c: c.tts.download(7, p)),
        "download_url": lambda api, p: api(
            lambda c: c.tts.download_url(f"{server.url}/files/7.flac?sig=x", p)
        ),
        "stream.save": lambda api, p: api(
            lambda c: c.tts.stream("Hello there", 1, "en-us").save(p)
        ),
    }


RETURNING: dict[str, Callable[[Api], Any]] = {
    "result": lambda api: api(lambda c: c.tts.result(7)),
    "stream.read": lambda api: api(lambda c: c.tts.stream("Hello there", 1, "en-us").read()),
    "stream.iterate": lambda api: api.iterate(lambda c: c.tts.stream("Hello there", 1, "en-us")),
}


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("method", ["download", "download_url", "stream.save"])
def test_a_2xx_answer_that_is_not_audio_is_never_saved(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, method: str, body: str
) -> None:
    headers, content = BODIES[body]
    server.handler = lambda seen: Reply(200, headers, content)
    path = tmp_path / "speech.flac"
    path.write_bytes(OLD)
    fresh = tmp_path / "new folder" / "speech.flac"
    api = make_api(base_url=server.url)

    for destination in (path, fresh):
        with pytest.raises(camb.UnexpectedResponseError) as caught:
            saving(server)[method](api, destination)
        assert caught.value.status_code == 200

    assert path.read_bytes() == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["speech.flac"]


@pytest.mark.parametrize("body", sorted(BODIES))
@pytest.mark.parametrize("method", sorted(RETURNING))
def test_a_2xx_answer_that_is_not_audio_is_never_returned_as_audio(
    make_api: Callable[..., Api], server: HostileServer, method: str, body: str
) -> None:
    headers, content = BODIES[body]
    server.handler = lambda seen: Reply(200, headers, content)
    api = make_api(base_url=server.url)

    with pytest.raises(camb.UnexpectedResponseError) as caught:
        RETURNING[method](api)

    error = caught.value
    assert error.status_code == 200
    assert "expected audio" in str(error)
    # Not the server's words passed off as ours, nor a 1 MB message.
    assert len(str(error)) < 2000


@pytest.mark.parametrize(
    "content_type", ["audio/flac", "audio/wav", "application/octet-stream", ""]
)
def test_audio_with_or_without_a_content_type_is_still_audio(
    make_api: Callable[..., Api], server: HostileServer, tmp_path: Path, content_type: str
) -> None:
    # The check must not refuse real audio, including raw PCM that has no signature.
    pcm = bytes([0x7B, 0x00, 0x22, 0x01]) * 500  # starts with "{", but is not text
    headers = [("Content-Type", content_type)] if content_type else []
    server.handler = lambda seen: Reply(200, headers, pcm)
    api = make_api(base_url=server.url)

    assert api(lambda c: c.tts.result(7)) == pcm
    assert api(lambda c: c.tts.stream("Hello there", 1, "en-us").read()) == pcm
    saved = api(lambda c: c.tts.download(7, tmp_path / "a.pcm"))
    assert Path(saved).read_bytes() == pcm
