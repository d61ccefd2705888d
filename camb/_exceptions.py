"""Every error this client raises.

::

    CambError
    ├── InvalidInputError (ValueError)       bad arguments, raised before any network traffic
    │   └── InvalidInputTypeError (TypeError)  ...of the wrong type
    ├── APIError                             something went wrong talking to the API
    │   ├── APIConnectionError               the request or the answer did not get through
    │   │   └── APITimeoutError
    │   ├── UnexpectedResponseError          a 2xx answer that is not what the spec says
    │   └── APIStatusError                   a non-2xx answer (status_code, body, response)
    │       ├── BadRequestError              400
    │       ├── AuthenticationError          401, 403
    │       ├── PaymentRequiredStatusError   402 (also a PaymentRequiredError)
    │       ├── NotFoundError                404
    │       ├── ConflictError                409
    │       ├── ValidationError              422, with the server's `detail` entries
    │       ├── RateLimitError               429
    │       └── ServerError                  5xx
    ├── TaskError                            a task ended without a result (task_id, status)
    │   ├── TaskFailedError                  ERROR, with exception_reason and message
    │   ├── TaskTimeoutError                 TIMEOUT on the server's side
    │   ├── TaskPaymentRequiredError         PAYMENT_REQUIRED (also a PaymentRequiredError)
    │   ├── UnexpectedTaskStatusError        a status this client does not know
    │   └── WaitTimeoutError (TimeoutError)  our own deadline passed while waiting
    ├── ClientStateError (RuntimeError)      a client or stream used in a state that forbids it
    ├── FileWriteError (OSError)             writing a file failed; the destination is as it was
    ├── AudioJoinError                       a segment's audio cannot be joined (segment)
    ├── SpeechSegmentError                   a segment of `speak()` failed; the finished ones are
    │                                        kept for the next call (segment, cache_dir)
    ├── PaymentRequiredError                 the account needs credits (HTTP 402 or task status)
    ├── BulkResultsError                     some chunks of a bulk call failed; `.results` holds
    │                                        everything that succeeded
    ├── TranslationError                     some languages of `tts.translate()` have no speech;
    │                                        `.results` holds the ones that do
    ├── CacheError                           the speech cache folder cannot be used
    │   └── CacheMissError                   replay mode was asked for an unrecorded request
    ├── BudgetExceededError                  a job stopped at its max_credits (spent, done,
    │                                        not_done); what was made is kept
    └── MissingExtraError (ImportError)      a feature needs an optional extra not installed
        └── AudioExtraMissingError           FLAC from `speak()` needs the `audio` extra

No message ever contains the API key. Errors pickle (for multiprocessing and error trackers):
the pickle keeps the message and every plain attribute (`status_code`, `body`, `param`,
`task_id`, ...) but not the `request` and `response`, which come back as None. The
`request` an error holds is a copy with the key replaced by "[redacted]", and its `response`
a copy with no connection (status, headers, the body when it was read) whose `request` is that
same redacted copy, so no attribute reachable from an error shows the key. Only the httpx
exception in `__cause__` of a connection error still holds the request as it was sent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from ._models import BulkResults, TaskStatus
    from ._wire._translation import TranslationResults

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "AudioExtraMissingError",
    "AudioJoinError",
    "AuthenticationError",
    "BadRequestError",
    "BudgetExceededError",
    "BulkResultsError",
    "CacheError",
    "CacheMissError",
    "CambError",
    "ClientStateError",
    "ConflictError",
    "FileWriteError",
    "InvalidInputError",
    "InvalidInputTypeError",
    "MissingExtraError",
    "NotFoundError",
    "PaymentRequiredError",
    "PaymentRequiredStatusError",
    "RateLimitError",
    "ServerError",
    "SpeechSegmentError",
    "TaskError",
    "TaskFailedError",
    "TaskPaymentRequiredError",
    "TaskTimeoutError",
    "TranslationError",
    "UnexpectedResponseError",
    "UnexpectedTaskStatusError",
    "ValidationError",
    "WaitTimeoutError",
]


class CambError(Exception):
    """The root of every error this client raises."""

    def __reduce__(self) -> tuple[Any, ...]:
        state = {
            name: None if name in _LIVE_ATTRIBUTES else value
            for name, value in self.__dict__.items()
        }
        return (_restore, (type(self), self.args, state))


# httpx objects hold sockets, streams and the request as sent: never pickled.
_LIVE_ATTRIBUTES = frozenset({"request", "response"})


def _restore(cls: type[CambError], args: tuple[Any, ...], state: dict[str, Any]) -> CambError:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


def redacted(request: httpx.Request | None) -> httpx.Request | None:
    """A copy of `request` without its body, with the API key and every other header that may
    hold a credential replaced by "[redacted]", and without a `user:pass@` in its URL."""
    if request is None:
        return None
    from ._base_client import redacted_headers, without_userinfo

    headers = redacted_headers(request.headers)
    return httpx.Request(request.method, without_userinfo(request.url), headers=headers)


def detached(response: httpx.Response, request: httpx.Request | None) -> httpx.Response:
    """A copy of `response` holding no connection: its status, its headers, its body when it
    was read, and the redacted `request`. (The live response's stream leads back to the
    request as it was sent, key and all.)"""
    try:
        content = response.content
    except httpx.ResponseNotRead:
        content = b""
    # The body is kept decoded: the headers must not say it is still compressed.
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    extensions = {
        name: value
        for name, value in response.extensions.items()
        if name in ("http_version", "reason_phrase")
    }
    copy = httpx.Response(
        response.status_code, headers=headers, content=content, extensions=extensions
    )
    copy.request = request  # type: ignore[assignment]
    return copy


class InvalidInputError(CambError, ValueError):
    """An argument breaks a rule; nothing was sent. `param` names it, `rule` says the rule."""

    def __init__(self, param: str, rule: str, value: object = None, *, show_value: bool = True):
        self.param = param
        self.rule = rule
        shown = f" (got {_short_repr(value)})" if show_value else ""
        super().__init__(f"{param}: {rule}{shown}")


class InvalidInputTypeError(InvalidInputError, TypeError):
    """An argument has the wrong type; nothing was sent."""


class ClientStateError(CambError, RuntimeError):
    """A client or stream was used in a state that does not allow it (closed, not opened)."""


class FileWriteError(CambError, OSError):
    """Writing a file failed (a full disk, say). The destination is as it was before the call,
    and no temporary file is left; `path` is the destination, `__cause__` the OS's error."""

    def __init__(self, message: str, *, path: str) -> None:
        super().__init__(message)
        self.path = path


class APIError(CambError):
    """Talking to the API failed. `request` is the request that failed, where there was one."""

    def __init__(self, message: str, *, request: httpx.Request | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.request = redacted(request)


class APIConnectionError(APIError):
    """The request could not be sent, or the answer did not arrive whole."""


class APITimeoutError(APIConnectionError):
    """The request timed out."""


class UnexpectedResponseError(APIError):
    """The server answered 2xx, but not with what the spec describes."""

    def __init__(self, message: str, *, response: httpx.Response, body: object = None) -> None:
        super().__init__(message, request=response.request)
        self.response = detached(response, self.request)
        self.status_code = response.status_code
        self.body = body


class TruncatedAudioError(UnexpectedResponseError):
    """A 2xx audio answer is shorter than its own header says (a WAV whose data chunk declares
    more bytes than arrived): cut short, like a body that ends before its Content-Length.
    Long-form speech and batch jobs try it again; `save()` leaves the destination as it was.

    `declared` and `received` are the audio data bytes the header announced and that came.
    """

    def __init__(
        self, message: str, *, response: httpx.Response, declared: int, received: int
    ) -> None:
        super().__init__(message, response=response)
        self.declared = declared
        self.received = received


class APIStatusError(APIError):
    """The server answered with a non-2xx status.

    `status_code` and `response` are the answer; `body` is its parsed JSON, or a short text
    excerpt when it was not JSON (an HTML page from a proxy, say).
    """

    def __init__(self, message: str, *, response: httpx.Response, body: object) -> None:
        super().__init__(message, request=response.request)
        self.response = detached(response, self.request)
        self.status_code = response.status_code
        self.body = body


class BadRequestError(APIStatusError):
    """400: the API refused the request, e.g. a run id that is not a text-to-speech run."""


class AuthenticationError(APIStatusError):
    """401 or 403: the key is missing, wrong, or not allowed to do this."""


class PaymentRequiredError(CambError):
    """The account needs more credits (an HTTP 402, or a task that ended PAYMENT_REQUIRED)."""


class PaymentRequiredStatusError(APIStatusError, PaymentRequiredError):
    """402 Payment Required."""


class NotFoundError(APIStatusError):
    """404: no such task, run or resource."""


class ConflictError(APIStatusError):
    """409."""


class ValidationError(APIStatusError):
    """422: the API rejected the request's content. `errors` are its `detail` entries."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: object,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message, response=response, body=body)
        self.errors = list(errors)


class RateLimitError(APIStatusError):
    """429: too many requests."""


class ServerError(APIStatusError):
    """5xx: the API (or a proxy in front of it) failed."""


class TaskError(CambError):
    """A text-to-speech task ended without a result."""

    def __init__(self, message: str, *, task_id: str, status: TaskStatus | None) -> None:
        # The message quotes the server (a reason, a message, a status): 20 MB of it must not
        # become a 20 MB error. `status` keeps it whole.
        super().__init__(_shorten(message, 1000))
        self.task_id = task_id
        self.status = status


class TaskFailedError(TaskError):
    """The task ended with status ERROR; `exception_reason` and `message` say why."""

    @property
    def exception_reason(self) -> str | None:
        return self.status.exception_reason if self.status else None

    @property
    def reason_message(self) -> str | Mapping[str, Any] | None:
        return self.status.message if self.status else None


class TaskTimeoutError(TaskError):
    """The server gave up on the task (status TIMEOUT); shorter text may help."""


class TaskPaymentRequiredError(TaskError, PaymentRequiredError):
    """The task ended with status PAYMENT_REQUIRED."""


class UnexpectedTaskStatusError(TaskError):
    """The task reported a status this client does not know, so waiting cannot go on safely."""


class WaitTimeoutError(TaskError, TimeoutError):
    """Our own deadline passed while the task was still running; `status` is the last one seen."""


class SpeechSegmentError(CambError):
    """A segment of `tts.speak()` failed for good (its cause is `__cause__`).

    `segment` is its index (0-based) of `segments`; `attempts` how often it was tried. Every
    segment that finished is kept in `cache_dir`, so calling `speak()` again with the same
    arguments synthesises only what is missing.
    """

    def __init__(
        self, message: str, *, segment: int, segments: int, attempts: int, cache_dir: object
    ) -> None:
        super().__init__(message)
        self.segment = segment
        self.segments = segments
        self.attempts = attempts
        self.cache_dir = cache_dir


class BulkResultsError(CambError):
    """Some chunks of a bulk call failed after retries.

    `results` holds every id that succeeded, and says for every other id why it is missing.
    """

    def __init__(self, message: str, *, results: BulkResults) -> None:
        super().__init__(message)
        self.results = results


class TranslationError(CambError):
    """Some target languages of `tts.translate()` have no speech (a task or a request failed).

    `results` holds every language that has its speech, and says for every other why not.
    """

    def __init__(self, message: str, *, results: TranslationResults) -> None:
        super().__init__(message)
        self.results = results


class MissingExtraError(CambError, ImportError):
    """A feature needs one of this package's optional extras, which is not installed.

    `extra` names the extra, `name` (as on every ImportError) the module that was missing; the
    message says the pip command that installs it.
    """

    def __init__(self, feature: str, extra: str, module: str) -> None:
        from ._distribution import install_hint

        self.feature = feature
        self.extra = extra
        super().__init__(
            f"{feature} needs the '{extra}' extra (no module named {module!r}): "
            f"{install_hint(extra)}",
            name=module,
        )


class AudioExtraMissingError(MissingExtraError):
    """Writing this format (FLAC from `speak()`) needs the `audio` extra: soundfile, numpy."""


class AudioJoinError(CambError):
    """A segment's audio cannot be joined: not the expected format, truncated, or unlike the
    segments before it (another sample rate, channel count or encoding).

    `segment` is the 0-based number of the segment in the join, where known.
    """

    def __init__(self, message: str, *, segment: int | None = None) -> None:
        where = f"segment {segment}: " if segment is not None else ""
        super().__init__(where + message)
        self.segment = segment


class CacheError(CambError):
    """The cache folder cannot be used (its index is unreadable, or not a cache's)."""


class CacheMissError(CacheError):
    """Replay mode (`mode="replay"`) was asked for something the cache does not hold.

    `summary` describes the request (model, locale, voice, the start of the text) and `key`
    is its cache key; nothing was sent.
    """

    def __init__(self, message: str, *, key: str, summary: str) -> None:
        super().__init__(message)
        self.key = key
        self.summary = summary


class BudgetExceededError(CambError):
    """A job stopped at its `max_credits`: nothing more was sent.

    `spent` is what the job's finished requests reported (with what a resumed job spent
    before), `max_credits` the budget; `done` and `not_done` count the job's units (segments
    of `speak()`, items of a batch) that were and were not made. What was made is kept (the
    segment cache, the batch's folder, the speech cache): raising the budget and calling
    again pays only for the rest. A batch's `result` is its BatchResult.
    """

    def __init__(
        self,
        message: str,
        *,
        spent: float,
        max_credits: float,
        done: int = 0,
        not_done: int = 0,
        result: Any = None,
    ) -> None:
        super().__init__(message)
        self.spent = spent
        self.max_credits = max_credits
        self.done = done
        self.not_done = not_done
        self.result = result


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _short_repr(value: object, limit: int = 60) -> str:
    from ._echo import echo

    return echo(value, limit)
