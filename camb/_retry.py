"""When to retry a request and how long to wait first. Plain functions; no I/O."""

from __future__ import annotations

import email.utils
import math

import attrs
import httpx

from ._exceptions import InvalidInputError

# 408 Request Timeout, 409 Conflict (lock contention) and 429 Too Many Requests are transient, as
# is every 5xx.
RETRYABLE_STATUSES = frozenset({408, 409, 429})

# These mean the request never left this machine: retrying cannot repeat any work on the server.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# These may have happened after the server received the request.
_MAYBE_SENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


def _seconds(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < 0
    ):
        raise InvalidInputError(
            f"backoff.{attribute.name}", "must be a finite number of seconds >= 0", value
        )


def _share(instance: object, attribute: attrs.Attribute[float], value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidInputError(f"backoff.{attribute.name}", "must be a number from 0 to 1", value)


@attrs.frozen
class BackoffPolicy:
    """Capped exponential backoff with jitter.

    The n-th retry waits `min(max_delay, initial_delay * 2**n)`, less a random share of up to
    `jitter` of it (so that many clients do not retry in step). A `Retry-After` from the server
    wins when it is between 0 and `max_retry_after` seconds.
    """

    initial_delay: float = attrs.field(default=0.5, validator=_seconds)
    max_delay: float = attrs.field(default=8.0, validator=_seconds)
    jitter: float = attrs.field(default=0.25, validator=_share)
    max_retry_after: float = attrs.field(default=60.0, validator=_seconds)


# What a client uses when the caller gives no backoff policy.
DEFAULT_BACKOFF = BackoffPolicy()


def is_retryable_status(status_code: int) -> bool:
    return status_code in RETRYABLE_STATUSES or status_code >= 500


def is_retryable_exception(exc: BaseException, *, idempotent: bool) -> bool:
    """A transport error is retried if nothing reached the server, or if repeating is safe."""
    if isinstance(exc, _NOT_SENT):
        return True
    return idempotent and isinstance(exc, _MAYBE_SENT)


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            return None
        seconds = when.timestamp() - now
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)


def retry_delay(
    retries_done: int,
    *,
    retry_after: float | None,
    policy: BackoffPolicy,
    random_share: float,
) -> float:
    """How long to sleep before retry number `retries_done + 1`. `random_share` is in [0, 1)."""
    if retry_after is not None and retry_after <= policy.max_retry_after:
        return retry_after
    base = min(policy.max_delay, policy.initial_delay * (2.0**retries_done))
    return base * (1.0 - policy.jitter * random_share)
