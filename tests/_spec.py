"""Helpers for tests that hold things against the OpenAPI spec."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SPEC_PATH = ROOT / "openapi" / "camb-tts.yaml"
SPEC_URI = "urn:camb-tts-spec"
HTTP_METHODS = ("get", "post", "put", "patch", "delete")


@cache
def load_spec() -> dict[str, Any]:
    with SPEC_PATH.open() as fh:
        spec: dict[str, Any] = yaml.safe_load(fh)
    return spec


@cache
def _registry() -> Registry[Any]:
    resource = Resource.from_contents(load_spec(), default_specification=DRAFT202012)
    return Registry().with_resource(SPEC_URI, resource)


def operations() -> list[tuple[str, str, dict[str, Any]]]:
    """Every (method, path, operation) in the spec."""
    return [
        (method, path, op)
        for path, item in load_spec()["paths"].items()
        for method, op in item.items()
        if method in HTTP_METHODS
    ]


def operation(operation_id: str) -> tuple[str, str, dict[str, Any]]:
    for method, path, op in operations():
        if op["operationId"] == operation_id:
            return method, path, op
    raise KeyError(operation_id)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    """Follow a local `$ref` (components/...) once."""
    while "$ref" in node:
        target: Any = load_spec()
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def validator_for(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A JSON Schema validator for a schema taken from the spec, its `$ref`s resolvable."""
    rooted = _rebase_refs(schema)
    return jsonschema.Draft202012Validator(rooted, registry=_registry())


def _rebase_refs(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            k: (SPEC_URI + v if k == "$ref" and v.startswith("#") else _rebase_refs(v))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_rebase_refs(v) for v in node]
    return node
