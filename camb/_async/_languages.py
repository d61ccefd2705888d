"""`client.languages`: the languages the task flow (`tts.create()`) takes, by locale.

Every parameter and docstring here is shared word for word by the blocking client, which is
generated from this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

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
        its locale (`short_name`, what `tts.create()` takes), its name and its numeric `id`
        (deprecated upstream as a `language` of `tts.create()`).

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
