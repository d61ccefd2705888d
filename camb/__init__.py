"""A typed, retrying, streaming client for Camb.ai's text-to-speech API.

from camb import Camb

with Camb() as client:                      # key from $CAMB_API_KEY
    client.tts.stream("Hello!", voice_id=147320, language="en-us").save("hello.wav")

Installed as the distribution `camb-tts` (`pip install camb-tts`); imported as `camb`.
`CAMB_LOG=debug` in the environment logs every request to stderr.
"""

import importlib
from typing import TYPE_CHECKING, Any

from . import _distribution, _logs
from ._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AudioExtraMissingError,
    AudioJoinError,
    AuthenticationError,
    BadRequestError,
    BudgetExceededError,
    BulkResultsError,
    CacheError,
    CacheMissError,
    CambError,
    ClientStateError,
    ConflictError,
    FileWriteError,
    InvalidInputError,
    InvalidInputTypeError,
    MissingExtraError,
    NotFoundError,
    PaymentRequiredError,
    PaymentRequiredStatusError,
    RateLimitError,
    ServerError,
    SpeechSegmentError,
    TaskError,
    TaskFailedError,
    TaskPaymentRequiredError,
    TaskTimeoutError,
    TranslationError,
    TruncatedAudioError,
    UnexpectedResponseError,
    UnexpectedTaskStatusError,
    ValidationError,
    WaitTimeoutError,
)
from ._models import (
    AUDIO_FORMATS,
    AudioFormat,
    BulkResults,
    DownloadResults,
    InferenceOptions,
    Language,
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
from ._wire._translation import TranslatedSpeech, TranslationResults

if TYPE_CHECKING:
    from ._async._client import AsyncCamb
    from ._async._live import AsyncLiveSession
    from ._async._streaming import AsyncSpeechStream
    from ._cache._cost import CostPlan, CreditBudget
    from ._cache._store import SpeechCache
    from ._live import (
        LiveAudio,
        LiveAuthenticationError,
        LiveBadRequestError,
        LiveConnectionError,
        LiveError,
        LiveEvent,
        LivePaymentRequiredError,
        LiveProtocolError,
        LiveSegment,
        LiveSegmentDone,
        LiveSkipped,
        LiveSummary,
        LiveTimeoutError,
        LiveWord,
    )
    from ._longform._plan import SpeechProgress, SpeechResult
    from ._raw import RawResponse
    from ._sync._live import LiveSession

# The asyncio client, long-form speech, live speech, the cache and the raw-answer type are
# imported on first use: a script using only `Camb` does not pay for asyncio, text
# segmentation, audio joining or the live protocol's classes.
_LAZY = {
    "AsyncCamb": "._async._client",
    "AsyncLiveSession": "._async._live",
    "LiveAudio": "._live",
    "LiveAuthenticationError": "._live",
    "LiveBadRequestError": "._live",
    "LiveConnectionError": "._live",
    "LiveError": "._live",
    "LiveEvent": "._live",
    "LivePaymentRequiredError": "._live",
    "LiveProtocolError": "._live",
    "LiveSegment": "._live",
    "LiveSegmentDone": "._live",
    "LiveSkipped": "._live",
    "LiveSummary": "._live",
    "LiveTimeoutError": "._live",
    "LiveWord": "._live",
    "LiveSession": "._sync._live",
    "AsyncSpeechStream": "._async._streaming",
    "RawResponse": "._raw",
    "SpeechProgress": "._longform._plan",
    "SpeechCache": "._cache._store",
    "CreditBudget": "._cache._cost",
    "CostPlan": "._cache._cost",
    "SpeechResult": "._longform._plan",
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
    "AsyncLiveSession",
    "AsyncSpeechStream",
    "AudioExtraMissingError",
    "AudioFormat",
    "AudioJoinError",
    "AuthenticationError",
    "BackoffPolicy",
    "BadRequestError",
    "BudgetExceededError",
    "BulkResults",
    "BulkResultsError",
    "CacheError",
    "CacheMissError",
    "Camb",
    "CambError",
    "ClientStateError",
    "ConflictError",
    "CostPlan",
    "CreditBudget",
    "DownloadResults",
    "FileWriteError",
    "InferenceOptions",
    "InvalidInputError",
    "InvalidInputTypeError",
    "Language",
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
    "LiveSession",
    "LiveSkipped",
    "LiveSummary",
    "LiveTimeoutError",
    "LiveWord",
    "MissingExtraError",
    "NotFoundError",
    "NotGiven",
    "PaymentRequiredError",
    "PaymentRequiredStatusError",
    "PollSchedule",
    "RateLimitError",
    "RawResponse",
    "ServerError",
    "SpeechCache",
    "SpeechProgress",
    "SpeechResult",
    "SpeechSegmentError",
    "SpeechStream",
    "TaskError",
    "TaskFailedError",
    "TaskPaymentRequiredError",
    "TaskStatus",
    "TaskTimeoutError",
    "TranslatedSpeech",
    "TranslationError",
    "TranslationResults",
    "TruncatedAudioError",
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
