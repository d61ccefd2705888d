"""The client: configuration, the connection pool, and the resources `tts`, `voices` and
`languages`."""

from __future__ import annotations

from collections.abc import Mapping
from types import TracebackType
from typing import TYPE_CHECKING

import httpx

from .._constants import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT
from .._retry import BackoffPolicy
from .._types import NOT_GIVEN, NotGiven, TimeoutTypes
from ._api_client import AsyncAPIClient
from ._languages import AsyncLanguages
from ._tts import AsyncTTS
from ._voices import AsyncVoices

if TYPE_CHECKING:
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
    ) -> None:
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
        self._adopt_http(http_client)
        self.tts = AsyncTTS(self)
        self.voices = AsyncVoices(self)
        self.languages = AsyncLanguages(self)

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
        return AsyncCamb(**self._copy_args(timeout, max_retries), http_client=self._http)

    async def close(self) -> None:
        """Close the connections, unless the httpx client was brought by the caller. A closed
        client raises ClientStateError when used again."""
        self._closed = True
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
