"""The OpenAPI spec as JSON Schema validators, for checking the sandbox against it."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SPEC_PATH = Path(__file__).resolve().parents[2] / "openapi" / "camb-tts.yaml"
SPEC_URI = "urn:camb-tts-spec"


@functools.cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC_PATH.read_text())
    return loaded


@functools.cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(spec(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator of ``schema``, whose local ``$ref``s point into the spec."""
    return jsonschema.Draft202012Validator(
        {"$id": SPEC_URI + "/inline", **_rebase(schema)}, registry=_registry()
    )


def _rebase(node: Any) -> Any:
    """Make ``#/...`` references absolute, so they resolve against the spec."""
    if isinstance(node, dict):
        return {
            key: SPEC_URI + value if key == "$ref" and value.startswith("#") else _rebase(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_rebase(item) for item in node]
    return node


def component(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = spec()["components"]["schemas"][name]
    return schema


def schema_validator(name: str) -> jsonschema.Draft202012Validator:
    return validator({"$ref": f"#/components/schemas/{name}"})


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow one local ``$ref`` (``#/components/...``) if ``node`` is one."""
    ref = node.get("$ref")
    if ref is None:
        return node
    target: Any = spec()
    for part in ref.removeprefix("#/").split("/"):
        target = target[part]
    resolved: dict[str, Any] = target
    return resolved


def operation(path: str, method: str) -> dict[str, Any]:
    found: dict[str, Any] = spec()["paths"][path][method.lower()]
    return found


def documented_statuses(path: str, method: str) -> set[int]:
    return {int(status) for status in operation(path, method)["responses"]}


def response_media(path: str, method: str, status: int) -> dict[str, Any]:
    """The documented content (media type -> object) of one response."""
    response = resolve(operation(path, method)["responses"][str(status)])
    content: dict[str, Any] = response.get("content", {})
    return content
