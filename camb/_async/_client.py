"""The client: configuration, the connection pool, and the resources `tts`, `voices` and
`languages`."""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from .._constants import (
    API_KEY_ENV,
    CACHE_ENV,
    DEFAULT_MAX_RETRIES,
    DEFAULT_TIMEOUT,
    REPLAY_PLACEHOLDER_KEY,
)
from .._retry import BackoffPolicy
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ._api_client import AsyncAPIClient
from ._languages import AsyncLanguages
from ._tts import AsyncTTS
from ._voices import AsyncVoices

if TYPE_CHECKING:
    from .._cache._store import SpeechCache
    from ._raw_client import AsyncRawResponseClient


class AsyncCamb(AsyncAPIClient):
    """The client for Camb.ai's text-to-speech API.

    `api_key` defaults to $CAMB_API_KEY and `base_url` to $CAMB_BASE_URL, else the real API.
    `timeout` (seconds or an `httpx.Timeout`, for each HTTP request), `total_timeout` (seconds
    for a whole call, retries and slow bodies included; None, the default, for no limit
    beyond `timeout`) and `max_retries` apply to every call unless a call says otherwise;
    `default_headers` go with every request.
    Bring your own httpx client with `http_client` (it is then yours to close). Plain
    `http://` is accepted only for loopback hosts unless `allow_insecure_http=True`.

    `cache` (a folder, or a `camb.SpeechCache`; default $CAMB_CACHE, `False` for none) keeps
    the audio of every `/tts-stream` answer, so that `stream()`, `speak()` and batches never
    pay twice for the same request. A `SpeechCache(..., mode="replay")` serves only from the
    cache, sends nothing at all, and needs no key.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: TimeoutTypes = DEFAULT_TIMEOUT,
        total_timeout: float | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        http_client: httpx.AsyncClient | None = None,
        allow_insecure_http: bool = False,
        backoff: BackoffPolicy | None = None,
        default_headers: Mapping[str, str] | None = None,
        cache: str | os.PathLike[str] | SpeechCache | bool | None = None,
    ) -> None:
        speech_cache = None
        if (cache is not None and cache is not False) or os.environ.get(CACHE_ENV):
            from .._cache._store import cache_from  # only with a cache: it loads sqlite3

            speech_cache = cache_from(cache)
        if speech_cache is not None and speech_cache.replay and not api_key:
            api_key = os.environ.get(API_KEY_ENV) or REPLAY_PLACEHOLDER_KEY
        super().__init__(
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            allow_insecure_http=allow_insecure_http,
            backoff=backoff,
            default_headers=default_headers,
        )
        self._speech_cache = speech_cache
        self._adopt_http(http_client)
        self._tts = AsyncTTS(self)
        self._voices = AsyncVoices(self)
        self._languages = AsyncLanguages(self)

    # Properties rather than attributes set in __init__, so that help(Camb) and the IDE show
    # them with what they hold.
    @property
    def tts(self) -> AsyncTTS:
        """Text to speech: `stream()` (the recommended way, 3 to 3000 characters), `speak()`
        (any length, into one file), `speak_stream()`; the task flow `create()`, `status()`,
        `wait()`, `wait_many()`, `create_and_wait()`; its results `result()`, `result_url()`,
        `download()`, `results()`, `download_results()`."""
        return self._tts

    @property
    def voices(self) -> AsyncVoices:
        """The voices this key can use: `list()`."""
        return self._voices

    @property
    def languages(self) -> AsyncLanguages:
        """The languages the API lists: `source()` and `target()`, each with its numeric id and
        locale."""
        return self._languages

    @property
    def with_raw_response(self) -> AsyncRawResponseClient:
        """Every method of every resource, answering a `camb.RawResponse` instead of the value:
        `client.with_raw_response.tts.create(...)` has `status_code`, `headers` (e.g.
        `X-Credits-Required`), `http_response`, `elapsed`, and `parse()` for the value."""
        from ._raw_client import AsyncRawResponseClient  # on first use: start-up stays lean

        return AsyncRawResponseClient(self)

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | NotGiven = NOT_GIVEN,
        max_retries: int | NotGiven = NOT_GIVEN,
    ) -> AsyncCamb:
        """A client with other defaults that shares this one's connections (and its lifetime)."""
        copy = AsyncCamb(
            **self._copy_args(timeout, max_retries), http_client=self._http, cache=False
        )
        copy._speech_cache = self._speech_cache
        return copy

    async def close(self) -> None:
        """Close the connections, unless the httpx client was brought by the caller. A closed
        client raises ClientStateError when used again."""
        self._closed = True
        if self._speech_cache is not None:
            self._speech_cache.close()
        self._forget_unclosable_pool()  # a finished loop's pool, or a parent process's
        if self._owns_http and self._http_client is not None:
            await self._http_client.aclose()

    async def __aenter__(self) -> AsyncCamb:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
