"""A live session's arguments, checked before anything is sent; its URL. No I/O."""

from __future__ import annotations

from typing import Any

import httpx

from .. import _validation as check
from . import _messages as msg


def session_config(
    *,
    voice_id: object,
    language: object,
    format: object,
    word_timestamps: object,
    idle_timeout: object,
    speaking_rate: object,
    sample_rate: object,
    inference_steps: object,
    apply_enhancement: object,
    enhance_named_entities_pronunciation: object,
    enhance_reference_audio_quality: object,
    maintain_source_accent: object,
) -> dict[str, Any]:
    """The fields of session.start (None for what the server's default decides)."""
    return {
        "voice_id": check.positive_int("voice_id", voice_id),
        "language": None if language is None else check.locale("language", language),
        "output_format": check.choice("format", format, msg.OUTPUT_FORMATS),
        "word_timestamps": check.optional_bool("word_timestamps", word_timestamps),
        "idle_timeout": check.number_in_range("idle_timeout", idle_timeout, above=0.0),
        "speaking_rate": check.number_in_range("speaking_rate", speaking_rate, above=0.0),
        "sample_rate": check.optional_int("sample_rate", sample_rate, minimum=1),
        "inference_steps": check.optional_int("inference_steps", inference_steps, minimum=1),
        "apply_enhancement": check.optional_bool("apply_enhancement", apply_enhancement),
        "enhance_named_entities_pronunciation": check.optional_bool(
            "enhance_named_entities_pronunciation", enhance_named_entities_pronunciation
        ),
        "enhance_reference_audio_quality": check.optional_bool(
            "enhance_reference_audio_quality", enhance_reference_audio_quality
        ),
        "maintain_source_accent": check.optional_bool(
            "maintain_source_accent", maintain_source_accent
        ),
    }


def live_url(base_url: str) -> str:
    """The WebSocket URL below the API's base URL: https -> wss, http -> ws. The key is never
    in it (it goes in the x-api-key header)."""
    url = httpx.URL(base_url.rstrip("/") + msg.LIVE_PATH)
    scheme = {"https": "wss", "http": "ws"}.get(url.scheme, url.scheme)
    return str(url.copy_with(scheme=scheme))
