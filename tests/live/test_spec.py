"""The message tables of camb.live_protocol are the AsyncAPI document's, field for field."""

from __future__ import annotations

import jsonschema
import pytest

from camb import live_protocol as msg

from ._schemas import document, messages_of, payload, validator


def test_the_document_is_an_asyncapi_3_document_of_the_live_endpoint() -> None:
    spec = document()
    assert spec["asyncapi"].startswith("3.")
    assert spec["channels"]["liveTts"]["address"] == "/apis/live-tts/ws"
    # The client's path below the base URL (https://client.camb.ai/apis) is the same address.
    assert spec["channels"]["liveTts"]["address"] == "/apis" + msg.LIVE_PATH


def test_message_names_by_type_are_the_documents() -> None:
    assert messages_of("clientSend") == msg.CLIENT_MESSAGES
    assert messages_of("serverSend") == msg.SERVER_MESSAGES


@pytest.mark.parametrize("message", sorted(msg.MESSAGE_FIELDS))
def test_fields_types_and_required_match_the_document(message: str) -> None:
    schema = payload(message)
    properties = schema["properties"]
    required = set(schema.get("required", ()))
    expected = {
        name: (prop["type"], name in required, bool(prop.get("nullable", False)))
        for name, prop in properties.items()
    }
    assert msg.MESSAGE_FIELDS[message] == expected
    assert properties["type"]["const"] in {**msg.CLIENT_MESSAGES, **msg.SERVER_MESSAGES}


def test_word_timestamp_fields_output_formats_and_defaults_match_the_document() -> None:
    words = payload("SegmentStart")["properties"]["word_timestamps"]["items"]
    assert {
        name: (prop["type"], name in words["required"], False)
        for name, prop in words["properties"].items()
    } == msg.WORD_FIELDS
    start = payload("SessionStart")["properties"]
    assert tuple(start["output_format"]["enum"]) == msg.OUTPUT_FORMATS
    assert {
        name: prop["default"] for name, prop in start.items() if "default" in prop
    } == msg.SESSION_DEFAULTS
    audio = document()["components"]["messages"]["AudioChunk"]
    assert str(msg.AUDIO_FRAME_MAX_BYTES) in audio["summary"]


def test_problems_agree_with_the_schema_on_examples() -> None:
    good = {"type": "session.start", "voice_id": 1, "speaking_rate": None, "output_format": "wav"}
    bad = [
        {"type": "session.start"},
        {"type": "session.start", "voice_id": "1"},
        {"type": "session.start", "voice_id": True},
        {"type": "session.start", "voice_id": 1, "output_format": "ogg"},
        {"type": "session.start", "voice_id": 1, "word_timestamps": "yes"},
    ]
    validator("SessionStart").validate(good)
    assert msg.problems("SessionStart", good) == []
    for frame in bad:
        assert msg.problems("SessionStart", frame), frame
        with pytest.raises(jsonschema.ValidationError):
            validator("SessionStart").validate(frame)
