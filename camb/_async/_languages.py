"""`client.languages`: the numeric language ids the task flow (`tts.create()`) takes.

Every parameter and docstring here is shared word for word by the blocking client, which is
generated from this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import attrs

from .._base_client import RequestArgs
from .._models import Language
from .._options import (
    BodyOption,
    HeadersOption,
    QueryOption,
    RequestOptions,
    RetriesOption,
    TimeoutOption,
)
from .._types import NOT_GIVEN
from .._wire import _operations as ops
from .._wire import _responses as parse

if TYPE_CHECKING:
    from ._client import AsyncCamb


class AsyncLanguages:
    """Languages: `client.languages`."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    async def source(
        self,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> list[Language]:
        """The languages text can be written in (`GET /source-languages`): each `Language` has
        the numeric `id` that `tts.create()` takes, its name and its locale (`short_name`).

        A language the client cannot read is left out with a warning in the `camb` log.
        """
        options = self._client._options(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._list(ops.source_languages_request(), options)

    async def target(
        self,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> list[Language]:
        """The languages speech can be made in (`GET /target-languages`), each with its numeric
        `id`, its name and its locale (`short_name`).

        A language the client cannot read is left out with a warning in the `camb` log.
        """
        options = self._client._options(
            timeout=timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        return await self._list(ops.target_languages_request(), options)

    async def _list(self, request_args: RequestArgs, options: RequestOptions) -> list[Language]:
        response = await self._client._send(request_args, options, idempotent=True)
        return parse.parse_languages(response)

    async def _id_of(self, locale: str, options: RequestOptions) -> int:
        """The language id of `locale` in the source languages, fetched once per client.

        The lookup goes with the calling method's timeout, retries, deadline and extra headers;
        its extra query and body were meant for that method's own request, not this one.
        """
        from .._wire._locales import LocaleIndex  # on first use: start-up stays lean

        cache = self._client._locale_cache
        if "source" not in cache:
            lookup = attrs.evolve(options, extra_query={}, extra_body={})
            languages = await self._list(ops.source_languages_request(), lookup)
            cache["source"] = LocaleIndex.of(languages)
        return cache["source"].id_of("language", locale)
