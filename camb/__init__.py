"""A typed, retrying, streaming client for Camb.ai's text-to-speech API.

from camb import Camb

with Camb() as client:                      # key from $CAMB_API_KEY
    client.tts.stream("Hello!", voice_id=147320, language="en-us").save("hello.wav")

Installed as the distribution `camb-tts` (`pip install camb-tts`); imported as `camb`.
`CAMB_LOG=debug` in the environment logs every request to stderr.
"""

from . import _distribution, _logs
from ._client import AsyncCamb, Camb
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BulkResultsError,
    CambError,
    ConflictError,
    InvalidInputError,
    InvalidInputTypeError,
    MissingExtraError,
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
from ._streaming import AsyncSpeechStream, SpeechStream
from ._types import NOT_GIVEN, NotGiven
from ._version import __version__

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
    "ConflictError",
    "InferenceOptions",
    "InvalidInputError",
    "InvalidInputTypeError",
    "MissingExtraError",
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

# Cheap (a few file-existence tests): say so when another `camb` distribution shares our folder.
_distribution.warn_if_shared()
_logs.configure_from_environment()
