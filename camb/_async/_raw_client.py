"""`client.with_raw_response`: every method of every resource, answering a `camb.RawResponse`.

Each route is the resource's own method wrapped once (openai-python's `to_raw_response_wrapper`):
the wrapper keeps the method's signature (a `ParamSpec`), so an editor and mypy see
`with_raw_response.tts.create(text, voice_id, language, ...)` answering `RawResponse[str]`, and
a misspelt route is an error before it runs. The method runs as it always does; the send loop
records each final response in the capture that `_raw.capturing` sets around the call. A test
checks that every public method of every resource has its route here.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from .. import _raw
from .._raw import RawResponse
from ._streaming import AsyncSpeechStream

if TYPE_CHECKING:
    from ._client import AsyncCamb
    from ._languages import AsyncLanguages
    from ._tts import AsyncTTS
from ._voices import AsyncVoices

P = ParamSpec("P")
R = TypeVar("R")


def to_raw_response(
    where: str, method: Callable[P, Awaitable[R]]
) -> Callable[P, Awaitable[RawResponse[R]]]:
    """`method` answering a `RawResponse` of its value, with the same parameters."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[R]:
        with _raw.capturing(where) as capture:
            value = await method(*args, **kwargs)
        return capture.result(value)

    return call


def stream_to_raw_response(
    where: str, method: Callable[P, AsyncSpeechStream]
) -> Callable[P, Awaitable[RawResponse[AsyncSpeechStream]]]:
    """`tts.stream` answering a `RawResponse`: its request goes out when the stream is opened,
    so the raw route opens it (the body is still read as the caller iterates)."""

    @functools.wraps(method)
    async def call(*args: P.args, **kwargs: P.kwargs) -> RawResponse[AsyncSpeechStream]:
        with _raw.capturing(where) as capture:
            value = method(*args, **kwargs)
            await value.open()
        return capture.result(value)

    return call


class AsyncTTSWithRawResponse:
    """`client.with_raw_response.tts`. (`speak_stream` has no route: it answers audio as an
    iterator, one response per segment, so there is no one response to hand back; nor have
    `plan`, which sends nothing, and `live`, a WebSocket session.)"""

    def __init__(self, tts: AsyncTTS) -> None:
        self.stream = stream_to_raw_response("tts.stream", tts.stream)
        self.speak = to_raw_response("tts.speak", tts.speak)
        self.create = to_raw_response("tts.create", tts.create)
        self.status = to_raw_response("tts.status", tts.status)
        self.wait = to_raw_response("tts.wait", tts.wait)
        self.wait_many = to_raw_response("tts.wait_many", tts.wait_many)
        self.create_and_wait = to_raw_response("tts.create_and_wait", tts.create_and_wait)
        self.result = to_raw_response("tts.result", tts.result)
        self.result_url = to_raw_response("tts.result_url", tts.result_url)
        self.download = to_raw_response("tts.download", tts.download)
        self.download_url = to_raw_response("tts.download_url", tts.download_url)
        self.results = to_raw_response("tts.results", tts.results)
        self.download_results = to_raw_response("tts.download_results", tts.download_results)
        self.translate = to_raw_response("tts.translate", tts.translate)
        self.create_translated = to_raw_response("tts.create_translated", tts.create_translated)
        self.translated_status = to_raw_response("tts.translated_status", tts.translated_status)
        self.wait_translated = to_raw_response("tts.wait_translated", tts.wait_translated)

    def __repr__(self) -> str:
        return "<with_raw_response.tts>"


class AsyncVoicesWithRawResponse:
    """`client.with_raw_response.voices`."""

    def __init__(self, voices: AsyncVoices) -> None:
        self.list = to_raw_response("voices.list", voices.list)

    def __repr__(self) -> str:
        return "<with_raw_response.voices>"


class AsyncLanguagesWithRawResponse:
    """`client.with_raw_response.languages`."""

    def __init__(self, languages: AsyncLanguages) -> None:
        self.source = to_raw_response("languages.source", languages.source)
        self.target = to_raw_response("languages.target", languages.target)

    def __repr__(self) -> str:
        return "<with_raw_response.languages>"


class AsyncRawResponseClient:
    """The client's resources whose methods answer a `camb.RawResponse`: the value with the HTTP
    response it came from (`status_code`, `headers`, `http_response`, `elapsed`, `parse()`)."""

    def __init__(self, client: AsyncCamb) -> None:
        self.tts = AsyncTTSWithRawResponse(client.tts)
        self.voices = AsyncVoicesWithRawResponse(client.voices)
        self.languages = AsyncLanguagesWithRawResponse(client.languages)

    def __dir__(self) -> list[str]:
        return ["languages", "tts", "voices"]

    def __repr__(self) -> str:
        return "<with_raw_response>"
