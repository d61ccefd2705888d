"""`client.voices`: the voices this key can use.

Every parameter and docstring here is shared word for word by the blocking client, which is
generated from this file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._models import Voice
from .._options import (
    BodyOption,
    HeadersOption,
    QueryOption,
    RetriesOption,
    TimeoutOption,
    TotalTimeoutOption,
)
from .._types import NOT_GIVEN
from .._wire import _operations as ops
from .._wire import _responses as parse

if TYPE_CHECKING:
    from ._client import AsyncCamb


class AsyncVoices:
    """Voices: `client.voices`."""

    def __init__(self, client: AsyncCamb) -> None:
        self._client = client

    async def list(
        self,
        *,
        timeout: TimeoutOption = NOT_GIVEN,
        total_timeout: TotalTimeoutOption = NOT_GIVEN,
        max_retries: RetriesOption = NOT_GIVEN,
        extra_headers: HeadersOption = None,
        extra_query: QueryOption = None,
        extra_body: BodyOption = None,
    ) -> list[Voice]:
        """Every voice this key can use (`GET /list-voices`).

        A voice the client cannot read (a field of the wrong type, say) is left out with a
        warning in the `camb` log naming its place in the list; the others are returned.
        Fields the API added since this client was released are kept in each `Voice.extra`.
        """
        options = self._client._options(
            timeout=timeout,
            total_timeout=total_timeout,
            max_retries=max_retries,
            extra_headers=extra_headers,
            extra_query=extra_query,
            extra_body=extra_body,
        )
        response = await self._client._send(ops.voices_request(), options, idempotent=True)
        return parse.parse_voices(response)
