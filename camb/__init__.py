"""A typed, retrying, streaming client for Camb.ai's text-to-speech API.

from camb import Camb

with Camb() as client:                      # key from $CAMB_API_KEY
    client.tts.stream("Hello!", voice_id=147320, language="en-us").save("hello.wav")
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BulkResultsError,
    CambError,
    ClientStateError,
    ConflictError,
    FileWriteError,
    InvalidInputError,
    InvalidInputTypeError,
    NotFoundError,
    PaymentRequiredError,
    PaymentRequiredStatusError,
    RateLimitError,
    ServerError,
    TaskError,
    TaskFailedError,
    TaskPaymentRequiredError,
    TaskTimeoutError,
    UnexpectedResponseError,
    UnexpectedTaskStatusError,
    ValidationError,
    WaitTimeoutError,
)
from ._models import (
    AUDIO_FORMATS,
    AudioFormat,
    BulkResults,
    InferenceOptions,
    TaskStatus,
    Voice,
    VoiceSettings,
    WaitResults,
)
from ._polling import PollSchedule
from ._retry import BackoffPolicy
from ._sync._client import Camb
from ._sync._streaming import SpeechStream
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

if TYPE_CHECKING:
    from ._async._client import AsyncCamb
    from ._async._streaming import AsyncSpeechStream

# The asyncio client is imported on first use: a script using only `Camb` does not pay for
# asyncio at start-up.
_LAZY = {
    "AsyncCamb": "._async._client",
    "AsyncSpeechStream": "._async._streaming",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'camb' has no attribute {name!r}")
    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "AUDIO_FORMATS",
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncCamb",
    "AsyncSpeechStream",
    "AudioFormat",
    "AuthenticationError",
    "BackoffPolicy",
    "BadRequestError",
    "BulkResults",
    "BulkResultsError",
    "Camb",
    "CambError",
    "ClientStateError",
    "ConflictError",
    "FileWriteError",
    "InferenceOptions",
    "InvalidInputError",
    "InvalidInputTypeError",
    "NotFoundError",
    "NotGiven",
    "PaymentRequiredError",
    "PaymentRequiredStatusError",
    "PollSchedule",
    "RateLimitError",
    "ServerError",
    "SpeechStream",
    "TaskError",
    "TaskFailedError",
    "TaskPaymentRequiredError",
    "TaskStatus",
    "TaskTimeoutError",
    "UnexpectedResponseError",
    "UnexpectedTaskStatusError",
    "ValidationError",
    "Voice",
    "VoiceSettings",
    "WaitResults",
    "WaitTimeoutError",
    "__version__",
]
