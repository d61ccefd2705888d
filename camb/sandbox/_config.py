"""The sandbox's settings: timing, URL expiry, answer shapes and fault injection."""

from __future__ import annotations

import math
from typing import Any, Literal

import attrs

BulkValueShape = Literal["object", "string", "mixed"]
BULK_VALUE_SHAPES: tuple[BulkValueShape, ...] = ("object", "string", "mixed")


def _finite(value: object) -> float | None:
    """The value as a float if it is a finite int or float (not a bool), else None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    return number if math.isfinite(number) else None


def _non_negative(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    number = _finite(value)
    if number is None or number < 0:
        raise ValueError(f"{attribute.name} must be a finite number >= 0, got {value!r}")


def _positive(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    number = _finite(value)
    if number is None or number <= 0:
        raise ValueError(f"{attribute.name} must be a finite number > 0, got {value!r}")


def _share(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    number = _finite(value)
    if number is None or not 0.0 <= number <= 1.0:
        raise ValueError(f"{attribute.name} must be a share between 0 and 1, got {value!r}")


def _api_key(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{attribute.name} must be a non-empty string, got {value!r}")
    if not all(0x21 <= ord(ch) <= 0x7E for ch in value):
        raise ValueError(f"{attribute.name} must be printable ASCII without spaces, got {value!r}")


def _seed(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise ValueError(f"{attribute.name} must be an integer or None, got {value!r}")


def _bulk_shape(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value not in BULK_VALUE_SHAPES:
        allowed = ", ".join(BULK_VALUE_SHAPES)
        raise ValueError(f"{attribute.name} must be one of {allowed}, got {value!r}")


def _result_bytes(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise ValueError(f"{attribute.name} must be an integer >= 0 or None, got {value!r}")


def _flag(_instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{attribute.name} must be a bool, got {value!r}")


@attrs.frozen(kw_only=True)
class SandboxConfig:
    """How a sandbox behaves. Every field has a default; all values are checked on creation.

    Timing:
        task_duration: seconds a task created by ``POST /tts`` stays PENDING before its outcome.
        url_expiry: seconds a presigned file URL stays valid.
    Faults (each API request draws from one ``random.Random(seed)``):
        latency: seconds added to every API request.
        rate_429: share of API requests answered 429 with a ``Retry-After`` header.
        retry_after: seconds sent in ``Retry-After`` (fractions allowed, e.g. ``0.05``).
        rate_5xx: share of API requests answered 500 or 503.
        html_share: share of those 5xx answers whose body is a proxy's HTML page (else JSON).
        rate_drop: share of API requests whose connection is closed before any response byte.
        rate_truncate: share of binary audio bodies (``/tts-stream``, raw ``/tts-result``,
            file downloads) cut short: a Content-Length is announced, then the connection closes.
        rate_short_audio: share of ``/tts-stream`` WAV answers whose header declares twice the
            data the body carries (the body itself is whole: the header lies, as a server
            that cut its audio short and kept the first header would).
        seed: seed of the fault sequence; None draws a fresh one.
    Answers:
        ignore_sample_rate: ``/tts-stream`` answers at the model's own sample rate whatever
            ``sample_rate`` asks for (a public report says the real server may do so).
        bulk_value_shape: values of the ``POST /tts-results`` answer: ``{"output_url": url}``
            ("object"), a bare URL ("string"), or alternating ("mixed").
        result_bytes: when set, FLAC results (raw ``/tts-result`` bodies and file downloads) are
            padded with FLAC PADDING metadata to at least this many bytes.
        strict_documented: answer only with statuses the official API definition documents.
            The sandbox's own choices (marked ``x-sandbox-choice`` in the spec) are replaced:
            an unknown voice or task is a 422 (not 400 / 404), a bulk request with no available
            run is 200 ``{}`` (not 404), and duplicate run ids are accepted (not a 422).
    Live speech (``/live-tts/ws``):
        live_credits: credits each live session may spend (one per character, charged per
            segment); past them the session ends with close code 4402. None: unlimited.
    Logging:
        access_log: log every request through uvicorn's access logger.
    """

    api_key: str = attrs.field(default="sandbox-key", validator=_api_key)
    task_duration: float = attrs.field(default=0.5, validator=_non_negative)
    url_expiry: float = attrs.field(default=300.0, validator=_positive)
    latency: float = attrs.field(default=0.0, validator=_non_negative)
    rate_429: float = attrs.field(default=0.0, validator=_share)
    retry_after: float = attrs.field(default=0.05, validator=_non_negative)
    rate_5xx: float = attrs.field(default=0.0, validator=_share)
    html_share: float = attrs.field(default=0.5, validator=_share)
    rate_drop: float = attrs.field(default=0.0, validator=_share)
    rate_truncate: float = attrs.field(default=0.0, validator=_share)
    rate_short_audio: float = attrs.field(default=0.0, validator=_share)
    seed: int | None = attrs.field(default=None, validator=_seed)
    bulk_value_shape: BulkValueShape = attrs.field(default="object", validator=_bulk_shape)
    result_bytes: int | None = attrs.field(default=None, validator=_result_bytes)
    strict_documented: bool = attrs.field(default=False, validator=_flag)
    ignore_sample_rate: bool = attrs.field(default=False, validator=_flag)
    access_log: bool = attrs.field(default=False, validator=_flag)
    live_credits: int | None = attrs.field(default=None, validator=_result_bytes)

    def with_overrides(self, **overrides: Any) -> SandboxConfig:
        """A copy with some fields replaced; unknown field names raise TypeError."""
        known = {field.name for field in attrs.fields(SandboxConfig)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise TypeError(
                f"unknown SandboxConfig field(s): {', '.join(unknown)}; "
                f"known fields: {', '.join(sorted(known))}"
            )
        return attrs.evolve(self, **overrides)
