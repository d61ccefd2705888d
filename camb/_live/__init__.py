"""Live speech over Camb's WebSocket: the protocol without I/O, its events and its errors.

The session with its I/O is `camb._async._live` (and its generated blocking twin).
"""

from ._errors import (
    LiveAuthenticationError,
    LiveBadRequestError,
    LiveConnectionError,
    LiveError,
    LivePaymentRequiredError,
    LiveProtocolError,
    LiveTimeoutError,
)
from ._events import (
    LiveAudio,
    LiveEvent,
    LiveSegment,
    LiveSegmentDone,
    LiveSkipped,
    LiveSummary,
    LiveWord,
)

__all__ = [
    "LiveAudio",
    "LiveAuthenticationError",
    "LiveBadRequestError",
    "LiveConnectionError",
    "LiveError",
    "LiveEvent",
    "LivePaymentRequiredError",
    "LiveProtocolError",
    "LiveSegment",
    "LiveSegmentDone",
    "LiveSkipped",
    "LiveSummary",
    "LiveTimeoutError",
    "LiveWord",
]
