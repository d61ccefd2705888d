"""The Live TTS AsyncAPI document's message schemas, as JSON Schema validators."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

ROOT = Path(__file__).resolve().parents[2]
ASYNCAPI_PATH = ROOT / "openapi" / "camb-live-tts.asyncapi.json"


@cache
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(ASYNCAPI_PATH.read_text(encoding="utf-8"))
    return loaded


def _nullable(schema: Any) -> Any:
    """OpenAPI's `nullable: true` as JSON Schema (`type: [T, "null"]`), everywhere."""
    if isinstance(schema, dict):
        converted = {key: _nullable(value) for key, value in schema.items()}
        if converted.pop("nullable", False) and isinstance(converted.get("type"), str):
            converted["type"] = [converted["type"], "null"]
        return converted
    if isinstance(schema, list):
        return [_nullable(item) for item in schema]
    return schema


def payload(message: str) -> dict[str, Any]:
    schema: dict[str, Any] = document()["components"]["messages"][message]["payload"]
    return schema


def validator(message: str) -> jsonschema.protocols.Validator:
    schema = _nullable(payload(message))
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    return cls(schema)


def messages_of(operation: str) -> dict[str, str]:
    """`type` constant -> message name, of the document's `clientSend` or `serverSend`."""
    found = {}
    for ref in document()["operations"][operation]["messages"]:
        name = ref["$ref"].rsplit("/", 1)[-1]
        schema = payload(name)
        if schema.get("type") == "object":
            found[schema["properties"]["type"]["const"]] = name
    return found


def validate_frame(operation: str, frame: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `frame` is one of `operation`'s messages."""
    kinds = messages_of(operation)
    assert frame.get("type") in kinds, f"{frame.get('type')!r} is not a message of {operation}"
    validator(kinds[frame["type"]]).validate(frame)
