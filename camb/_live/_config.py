"""A live session's arguments, checked before anything is sent; its URL. No I/O."""

from __future__ import annotations

from typing import Any

import httpx

from .. import _rules as rules
from .. import live_protocol as msg

# The one speech model live sessions use (for rates learned by the speech cache).
SPEECH_MODEL = msg.SPEECH_MODEL

# The facade's names of session.start fields that the wire calls otherwise.
WIRE_NAMES = {"format": "output_format"}


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
    """The fields of session.start (None for what the server's default decides), each checked
    by its rule in the rule table (the AsyncAPI document's, with /tts-stream's bounds where the
    protocol says a field follows them)."""
    given = {
        "voice_id": voice_id,
        "language": language,
        "format": format,
        "word_timestamps": word_timestamps,
        "idle_timeout": idle_timeout,
        "speaking_rate": speaking_rate,
        "sample_rate": sample_rate,
        "inference_steps": inference_steps,
        "apply_enhancement": apply_enhancement,
        "enhance_named_entities_pronunciation": enhance_named_entities_pronunciation,
        "enhance_reference_audio_quality": enhance_reference_audio_quality,
        "maintain_source_accent": maintain_source_accent,
    }
    fields: dict[str, Any] = {}
    for param, value in given.items():
        wire = WIRE_NAMES.get(param, param)
        fields[wire] = rules.apply(rules.LIVE_RULES[wire], param, value, name=wire)
    return fields


def live_url(base_url: str) -> str:
    """The WebSocket URL below the API's base URL: https -> wss, http -> ws. The key is never
    in it (it goes in the x-api-key header)."""
    url = httpx.URL(base_url.rstrip("/") + msg.LIVE_PATH)
    scheme = {"https": "wss", "http": "ws"}.get(url.scheme, url.scheme)
    return str(url.copy_with(scheme=scheme))
