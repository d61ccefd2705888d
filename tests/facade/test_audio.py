"""Audio: stream(), result(), download() and download_url()."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import camb

from .conftest import KEY, Api, json_response

AUDIO = [b"RIFF" + bytes(range(60)), b"x" * 70, b"y" * 50]


class Chunks(httpx.SyncByteStream, httpx.AsyncByteStream):
    """A body that arrives in pieces and may break off part-way."""

    def __init__(self, chunks: list[bytes], *, break_after: int | None = None) -> None:
        self.chunks = chunks
        self.break_after = break_after

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if index == self.break_after:
                raise httpx.RemoteProtocolError(
                    "peer closed connection without sending complete message body"
                )
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def audio_handler(break_after: int | None = None) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": "audio/wav", "x-credits-required": "12.5"}
        return httpx.Response(200, stream=Chunks(AUDIO, break_after=break_after), headers=headers)

    return handler


def sync_api(handler: Callable[[httpx.Request], httpx.Response], **kw: Any) -> Api:
    return Api("sync", handler, **kw)


def test_stream_sends_the_documented_body() -> None:
    api = sync_api(audio_handler())
    with api.client.tts.stream(
        "Hello world",
        7,
        "en-us",
        speech_model="mars-flash",
        format="wav",
        sample_rate=24000,
        voice_settings={"speaking_rate": 1.2},
        inference_options=camb.InferenceOptions(temperature=0.5, inference_steps=20),
    ) as speech:
        speech.read()
    (request,) = api.requests
    assert (request.method, request.url.path) == ("POST", "/apis/tts-stream")
    assert json.loads(request.content) == {
        "text": "Hello world",
        "language": "en-us",
        "voice_id": 7,
        "speech_model": "mars-flash",
        "output_configuration": {"format": "wav", "sample_rate": 24000},
        "voice_settings": {"speaking_rate": 1.2},
        "inference_options": {"temperature": 0.5, "inference_steps": 20},
    }
    api.close()


def test_stream_yields_bytes_as_they_arrive_with_its_headers() -> None:
    api = sync_api(audio_handler())
    with api.client.tts.stream("Hello world", 7, "en-us") as speech:
        assert speech.content_type == "audio/wav"
        assert speech.credits_required == 12.5
        assert list(speech.iter_bytes(chunk_size=None)) == AUDIO  # type: ignore[arg-type]
    api.close()


def test_stream_save_and_read(tmp_path: Path) -> None:
    api = sync_api(audio_handler())
    path = api.client.tts.stream("Hello world", 7, "en-us").save(tmp_path / "sub" / "a.wav")
    assert path.read_bytes() == b"".join(AUDIO)
    assert api.client.tts.stream("Hello world", 7, "en-us").read() == b"".join(AUDIO)
    assert list(tmp_path.joinpath("sub").iterdir()) == [path]
    api.close()


def test_stream_checks_the_status_before_treating_bytes_as_audio(tmp_path: Path) -> None:
    detail = [
        {
            "loc": ["body", "language"],
            "msg": "Unsupported locale; allowed: en-us, hi-in",
            "type": "value_error",
        }
    ]
    api = sync_api(lambda r: json_response(422, {"detail": detail}))
    with pytest.raises(camb.ValidationError, match="allowed: en-us") as info:
        api.client.tts.stream("Hello world", 7, "en-us").save(tmp_path / "a.wav")
    assert info.value.errors == detail
    assert list(tmp_path.iterdir()) == []
    api.close()


def test_stream_is_not_resent_after_it_reached_the_server() -> None:
    api = sync_api(lambda r: httpx.Response(503, text="busy"), max_retries=3)
    with pytest.raises(camb.ServerError):
        api.client.tts.stream("Hello world", 7, "en-us").read()
    assert len(api.requests) == 1
    api.close()


def test_a_stream_cut_short_raises_and_leaves_no_file(tmp_path: Path) -> None:
    api = sync_api(audio_handler(break_after=2))
    target = tmp_path / "out.wav"
    target.write_bytes(b"previous")
    with pytest.raises(camb.APIConnectionError, match="RemoteProtocolError"):
        api.client.tts.stream("Hello world", 7, "en-us").save(target)
    assert target.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.wav"]
    api.close()


@pytest.mark.parametrize(
    ("args", "kwargs", "param"),
    [
        (("ab", 1, "en-us"), {}, "text"),
        (("a" * 3001, 1, "en-us"), {}, "text"),
        (("abc", 0, "en-us"), {}, "voice_id"),
        (("abc", True, "en-us"), {}, "voice_id"),
        (("abc", 1, "EN-US"), {}, "language"),
        (("abc", 1, 1), {}, "language"),
        (("abc", 1, "en-us"), {"format": "ogg"}, "format"),
        (("abc", 1, "en-us"), {"sample_rate": 0}, "sample_rate"),
        (
            ("abc", 1, "en-us"),
            {"inference_options": {"temperature": 9}},
            "inference_options.temperature",
        ),
        (
            ("abc", 1, "en-us"),
            {"inference_options": {"inference_steps": 1001}},
            "inference_options.inference_steps",
        ),
        (("abc", 1, "en-us"), {"inference_options": {"colour": 1}}, "inference_options"),
        (("abc", 1, "en-us"), {"voice_settings": "fast"}, "voice_settings"),
        (("abc", 1, "en-us"), {"timeout": 0}, "timeout"),
    ],
)
def test_bad_stream_input_raises_before_any_request(
    args: tuple[Any, ...], kwargs: dict[str, Any], param: str
) -> None:
    api = sync_api(audio_handler())
    with pytest.raises(camb.InvalidInputError, match=param.replace(".", r"\.")):
        api.client.tts.stream(*args, **kwargs)
    assert api.requests == []
    api.close()


def test_async_stream() -> None:
    api = Api("async", audio_handler())

    async def run() -> list[bytes]:
        async with api.client.tts.stream("Hello world", 7, "en-us", format="wav") as speech:
            assert speech.content_type == "audio/wav"
            assert speech.credits_required == 12.5
            return [chunk async for chunk in speech]

    assert b"".join(api(lambda c: run())) == b"".join(AUDIO)
    assert api(lambda c: c.tts.stream("Hello world", 7, "en-us").read()) == b"".join(AUDIO)
    api.close()


def test_async_stream_cut_short(tmp_path: Path) -> None:
    api = Api("async", audio_handler(break_after=1))
    with pytest.raises(camb.APIConnectionError):
        api(lambda c: c.tts.stream("Hello world", 7, "en-us").save(tmp_path / "a.wav"))
    assert list(tmp_path.iterdir()) == []
    api.close()


def test_result_returns_the_flac_bytes(make_api: Callable[..., Api]) -> None:
    api = make_api(
        lambda r: httpx.Response(
            200, content=b"fLaC\x00\x00", headers={"content-type": "audio/flac"}
        )
    )
    assert api(lambda c: c.tts.result(12)) == b"fLaC\x00\x00"
    (request,) = api.requests
    assert (request.url.path, request.url.params["output_type"]) == (
        "/apis/tts-result/12",
        "raw_bytes",
    )


def test_result_url(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(200, {"output_url": "https://s.example/1.flac"}))
    assert api(lambda c: c.tts.result_url(1)) == "https://s.example/1.flac"
    assert api(lambda c: c.tts.result(1, output_type="file_url")) == "https://s.example/1.flac"
    with pytest.raises(camb.InvalidInputError, match="output_type"):
        api(lambda c: c.tts.result(1, output_type="mp3"))
    assert len(api.requests) == 2


def test_result_url_malformed(make_api: Callable[..., Api]) -> None:
    api = make_api(lambda r: json_response(200, {"url": "x"}))
    with pytest.raises(camb.UnexpectedResponseError, match="output_url"):
        api(lambda c: c.tts.result_url(1))


def test_download_streams_to_disk(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api(audio_handler())
    path = api(lambda c: c.tts.download(5, tmp_path / "5.flac"))
    assert path == tmp_path / "5.flac"
    assert path.read_bytes() == b"".join(AUDIO)
    assert api.requests[0].url.params["output_type"] == "raw_bytes"


def test_download_cut_short_leaves_nothing(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api(audio_handler(break_after=1), max_retries=0)
    with pytest.raises(camb.APIConnectionError):
        api(lambda c: c.tts.download(5, tmp_path / "5.flac"))
    assert list(tmp_path.iterdir()) == []


def test_download_url_never_sends_the_key(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api(audio_handler())
    api(
        lambda c: c.tts.download_url(
            "https://storage.example/a.flac?X-Sig=abc", tmp_path / "a.flac"
        )
    )
    (request,) = api.requests
    assert request.url.host == "storage.example"
    assert "x-api-key" not in request.headers
    assert KEY not in str(request.headers)
    assert (tmp_path / "a.flac").read_bytes() == b"".join(AUDIO)


def test_an_expired_url_says_so(make_api: Callable[..., Api], tmp_path: Path) -> None:
    api = make_api(
        lambda r: httpx.Response(
            403,
            text="<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>",
        )
    )
    with pytest.raises(camb.AuthenticationError, match="expire") as info:
        api(
            lambda c: c.tts.download_url(
                "https://storage.example/a.flac?sig=1", tmp_path / "a.flac"
            )
        )
    assert "sig=1" not in str(info.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["/relative.flac", "ftp://x/a.flac", 5])
def test_download_url_needs_an_absolute_http_url(
    make_api: Callable[..., Api], tmp_path: Path, url: Any
) -> None:
    api = make_api(audio_handler())
    with pytest.raises(camb.InvalidInputError, match="url"):
        api(lambda c: c.tts.download_url(url, tmp_path / "a.flac"))
    assert api.requests == []


def test_asyncio_is_not_blocked_while_waiting(tmp_path: Path) -> None:
    api = Api("async", audio_handler())

    async def run() -> None:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0)

        task = asyncio.ensure_future(ticker())
        await api.client.tts.download(1, tmp_path / "1.flac")
        task.cancel()
        assert ticks > 0

    api(lambda c: run())
    api.close()


def test_saved_files_get_the_usual_mode(tmp_path: Path) -> None:
    import os

    api = sync_api(audio_handler())
    path = api.client.tts.stream("Hello world", 7, "en-us").save(tmp_path / "a.wav")
    api.close()
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
