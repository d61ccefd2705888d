"""A live session's fields have their rules in the one rule table, read from the AsyncAPI
document by `make regen`, and `client.tts.live()` checks them before anything is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import camb
from camb import _rules as rules
from camb._live._config import WIRE_NAMES, session_config
from camb.api_facts import LIVE_SESSION_RULES, STREAM_OPTION_RULES

ASYNCAPI = Path(__file__).resolve().parents[2] / "openapi" / "camb-live-tts.asyncapi.json"
VALID: dict[str, Any] = {
    "voice_id": 1,
    "language": "en-us",
    "format": "mp3",
    "word_timestamps": True,
    "idle_timeout": 1.0,
    "speaking_rate": 1.0,
    "sample_rate": 24000,
    "inference_steps": 20,
    "apply_enhancement": None,
    "enhance_named_entities_pronunciation": None,
    "enhance_reference_audio_quality": None,
    "maintain_source_accent": None,
}


def test_every_session_start_field_of_the_asyncapi_has_its_rule() -> None:
    payload = json.loads(ASYNCAPI.read_text(encoding="utf-8"))["components"]["messages"][
        "SessionStart"
    ]["payload"]
    assert set(LIVE_SESSION_RULES) == set(payload["properties"]) - {"type"}
    for name, prop in payload["properties"].items():
        if name == "type":
            continue
        assert LIVE_SESSION_RULES[name].kinds == (prop["type"],)
        assert LIVE_SESSION_RULES[name].required == (name in payload["required"])
    assert LIVE_SESSION_RULES["output_format"].choices == tuple(
        payload["properties"]["output_format"]["enum"]
    )


def test_fields_that_follow_tts_stream_take_its_bounds() -> None:
    for live_name, stream_name in rules.LIVE_MIRRORS.items():
        live, stream = rules.LIVE_RULES[live_name], STREAM_OPTION_RULES[stream_name]
        assert (live.minimum, live.maximum, live.exclusive_minimum, live.choices) == (
            stream.minimum,
            stream.maximum,
            stream.exclusive_minimum,
            stream.choices,
        )


def _outside(rule: rules.OptionRule) -> list[object]:
    found: list[object] = []
    if rule.minimum is not None:
        found.append(rule.minimum - 1)
    if rule.maximum is not None:
        found.append(rule.maximum + 1)
    if rule.exclusive_minimum is not None:
        found.append(rule.exclusive_minimum)
    if rule.choices is not None and not rule.open_choices:
        found.append("no-such-choice")
    found.append(object())  # never of the rule's type
    return found


@pytest.mark.parametrize("param", sorted(VALID))
def test_the_facade_refuses_what_each_rule_refuses_before_sending(param: str) -> None:
    assert session_config(**VALID)  # the valid session passes
    rule = rules.LIVE_RULES[WIRE_NAMES.get(param, param)]
    for value in _outside(rule):
        with pytest.raises(camb.InvalidInputError) as info:
            session_config(**{**VALID, param: value})
        assert info.value.param == param
