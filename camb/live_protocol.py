"""The Live TTS WebSocket's messages, as `openapi/camb-live-tts.asyncapi.json` defines them.

Public, like `api_facts`: facts of the API that the client and the offline sandbox (which
imports no private module of the client) both speak by.

The AsyncAPI document is the single source of the message shapes. These tables are written by
hand and checked against it by `tests/live/test_spec.py` (every message, every field, its
type, whether it is required, the enums and the defaults): ten small flat messages do not
justify a code generator and its toolchain, and a test that fails on any drift keeps them
honest. The contract tests validate every frame the client and the sandbox send against the
document's schemas. No I/O here.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any, Final, Literal

# The message names of the document, by their `type` value.
CLIENT_MESSAGES: Final[dict[str, str]] = {
    "session.start": "SessionStart",
    "text.chunk": "TextChunk",
    "text.done": "TextDone",
}
SERVER_MESSAGES: Final[dict[str, str]] = {
    "session.ready": "SessionReady",
    "segment.start": "SegmentStart",
    "segment.done": "SegmentDone",
    "segment.skipped": "SegmentSkipped",
    "session.done": "SessionDone",
    "session.error": "SessionError",
}

# Each JSON message's fields: name -> (JSON type, required, nullable). The `type` field is
# each message's constant discriminator.
FieldSpec = tuple[str, bool, bool]
MESSAGE_FIELDS: Final[dict[str, dict[str, FieldSpec]]] = {
    "SessionStart": {
        "type": ("string", True, False),
        "voice_id": ("integer", True, False),
        "language": ("string", False, False),
        "output_format": ("string", False, False),
        "word_timestamps": ("boolean", False, False),
        "idle_timeout": ("number", False, False),
        "enhance_named_entities_pronunciation": ("boolean", False, False),
        "apply_enhancement": ("boolean", False, True),
        "enhance_reference_audio_quality": ("boolean", False, False),
        "maintain_source_accent": ("boolean", False, False),
        "speaking_rate": ("number", False, True),
        "sample_rate": ("integer", False, True),
        "inference_steps": ("integer", False, True),
    },
    "TextChunk": {
        "type": ("string", True, False),
        "text": ("string", True, False),
        "index": ("integer", False, True),
    },
    "TextDone": {"type": ("string", True, False)},
    "SessionReady": {
        "type": ("string", True, False),
        "session_id": ("string", True, False),
        "run_id": ("integer", True, False),
        "config": ("object", True, False),
    },
    "SegmentStart": {
        "type": ("string", True, False),
        "segment_id": ("integer", True, False),
        "text": ("string", True, False),
        "word_timestamps": ("array", False, True),
    },
    "SegmentDone": {
        "type": ("string", True, False),
        "segment_id": ("integer", True, False),
    },
    "SegmentSkipped": {
        "type": ("string", True, False),
        "segment_id": ("integer", True, False),
        "text": ("string", True, False),
    },
    "SessionDone": {"type": ("string", True, False)},
    "SessionError": {
        "type": ("string", True, False),
        "error": ("string", True, False),
    },
}
# The fields of one entry of `word_timestamps`.
WORD_FIELDS: Final[dict[str, FieldSpec]] = {
    "word": ("string", True, False),
    "start": ("number", True, False),
    "end": ("number", True, False),
}

LiveFormat = Literal["mp3", "wav", "flac", "aac"]
OUTPUT_FORMATS: Final[tuple[LiveFormat, ...]] = ("mp3", "wav", "flac", "aac")
# The documented defaults of session.start's optional fields.
SESSION_DEFAULTS: Final[dict[str, object]] = {
    "language": "en-us",
    "output_format": "mp3",
    "word_timestamps": False,
    "idle_timeout": 1.0,
    "enhance_named_entities_pronunciation": False,
    "enhance_reference_audio_quality": False,
    "maintain_source_accent": False,
}
# The most bytes one binary audio frame carries (LIVE_TTS_AUDIO_FRAME_MAX_BYTES).
AUDIO_FRAME_MAX_BYTES: Final = 65536
# The session's speech model: the protocol pins it.
SPEECH_MODEL: Final = "mars-8.1-flash-beta"
# Close codes and what they mean.
CLOSE_BAD_REQUEST: Final = 4400
CLOSE_BAD_KEY: Final = 4401
CLOSE_NO_CREDITS: Final = 4402
CLOSE_CODES: Final[dict[int, str]] = {
    CLOSE_BAD_REQUEST: "bad first frame, forbidden voice, or unsupported language",
    CLOSE_BAD_KEY: "missing or invalid API key",
    CLOSE_NO_CREDITS: "insufficient credits",
}
# Where the endpoint is, below the API's base URL.
LIVE_PATH: Final = "/live-tts/ws"


def _json_type_ok(kind: str, value: object) -> bool:
    if kind == "string":
        return isinstance(value, str)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return (
            isinstance(value, (int, float))
            and not isinstance(value, bool)
            and math.isfinite(float(value))
        )
    if kind == "object":
        return isinstance(value, Mapping)
    if kind == "array":
        return isinstance(value, list)
    return False


def problems(message: str, frame: Mapping[str, Any]) -> list[str]:
    """What is wrong with `frame` as a `message` (its required fields, their types); [] if
    nothing. Fields the document does not name are allowed (the server may add some)."""
    found: list[str] = []
    for name, (kind, required, nullable) in MESSAGE_FIELDS[message].items():
        if name not in frame:
            if required:
                found.append(f"{name} is required")
            continue
        value = frame[name]
        if value is None and nullable:
            continue
        if not _json_type_ok(kind, value):
            found.append(f"{name} must be a JSON {kind}")
    if message == "SessionStart" and frame.get("output_format", "mp3") not in OUTPUT_FORMATS:
        found.append(f"output_format must be one of {', '.join(OUTPUT_FORMATS)}")
    if message == "SegmentStart" and isinstance(frame.get("word_timestamps"), list):
        for index, word in enumerate(frame["word_timestamps"]):
            if not isinstance(word, Mapping):
                found.append(f"word_timestamps[{index}] must be an object")
                continue
            for name, (kind, _required, _nullable) in WORD_FIELDS.items():
                if not _json_type_ok(kind, word.get(name)):
                    found.append(f"word_timestamps[{index}].{name} must be a JSON {kind}")
    return found


def encode(frame: Mapping[str, Any]) -> str:
    """A JSON text frame, compact (no spaces), non-ASCII characters as they are."""
    return json.dumps(frame, ensure_ascii=False, separators=(",", ":"), allow_nan=False)


def session_start(config: Mapping[str, Any]) -> dict[str, Any]:
    """The session.start frame of `config` (fields left out when None)."""
    frame: dict[str, Any] = {"type": "session.start"}
    frame.update({name: value for name, value in config.items() if value is not None})
    return frame


def text_chunk(text: str) -> dict[str, Any]:
    return {"type": "text.chunk", "text": text}


def text_done() -> dict[str, Any]:
    return {"type": "text.done"}


# Where the server cuts segments, as Camb's Live TTS page describes it: a complete sentence
# (terminal punctuation, with closing quotes or brackets, before a space or the end of what
# has arrived) or a paragraph break is spoken at once; a fragment waits for `idle_timeout`
# seconds without text, or for text.done. The sandbox cuts by it; with a speech cache the
# client cuts by it too, so that a sentence it has bought before is not sent again.
SENTENCE_END = re.compile(r"[.!?\u2026]+[\"'\u201d\u2019)\]]*(?=\s|$)|\n\s*\n")


def split_ready(buffer: str) -> tuple[list[str], str]:
    """The complete sentences at the start of `buffer` (whitespace-only pieces dropped), and
    the fragment left after them."""
    ready: list[str] = []
    start = 0
    for match in SENTENCE_END.finditer(buffer):
        ready.append(buffer[start : match.end()])
        start = match.end()
    return [piece for piece in ready if piece.strip()], buffer[start:]
