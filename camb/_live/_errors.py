"""The errors of live speech (`client.tts.live`).

::

    APIError
    └── LiveError                        a live session ended without session.done
        ├── LiveBadRequestError          close 4400: bad first frame, forbidden voice, language
        ├── LiveAuthenticationError      close 4401: missing or invalid API key
        ├── LivePaymentRequiredError     close 4402: no credits left (also PaymentRequiredError)
        ├── LiveProtocolError            the server broke the protocol (a frame out of order,
        │                                an unknown close code)
        └── LiveConnectionError          the connection dropped or could not be opened
            └── LiveTimeoutError         connect, idle or total deadline passed (also
                                         APITimeoutError)

Each carries what the session got before it ended: `close_code` (None when the connection
dropped without a close frame), `server_error` (the text of session.error, if any),
`segments` (ids of the segments whose audio arrived complete), `spoken_text` and
`unspoken_text` (the text sent whose audio arrived, and the rest), and `run_id`.
"""

from __future__ import annotations

from collections.abc import Sequence

from .._exceptions import APIConnectionError, APIError, APITimeoutError, PaymentRequiredError


class LiveError(APIError):
    """A live speech session ended before `session.done`."""

    def __init__(
        self,
        message: str,
        *,
        close_code: int | None = None,
        server_error: str | None = None,
        segments: Sequence[int] = (),
        spoken_text: str = "",
        unspoken_text: str = "",
        run_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.close_code = close_code
        self.server_error = server_error
        self.segments = list(segments)
        self.spoken_text = spoken_text
        self.unspoken_text = unspoken_text
        self.run_id = run_id


class LiveBadRequestError(LiveError):
    """Close code 4400: the session's configuration was refused (the first frame, the voice,
    or the language)."""


class LiveAuthenticationError(LiveError):
    """Close code 4401: the API key is missing or invalid."""


class LivePaymentRequiredError(LiveError, PaymentRequiredError):
    """Close code 4402: the account ran out of credits (segments are billed one by one)."""


class LiveProtocolError(LiveError):
    """The server sent something the protocol does not allow here."""


class LiveConnectionError(LiveError, APIConnectionError):
    """The connection could not be opened, or dropped before the session ended."""


class LiveTimeoutError(LiveConnectionError, APITimeoutError):
    """A deadline passed: opening the connection, waiting for the next frame, or the whole
    session (`total_timeout`)."""


def error_for_close(code: int | None) -> type[LiveError]:
    """The error class of a close code."""
    if code == 4400:
        return LiveBadRequestError
    if code == 4401:
        return LiveAuthenticationError
    if code == 4402:
        return LivePaymentRequiredError
    if code is None or code == 1006:
        return LiveConnectionError
    return LiveProtocolError
