"""The spec agrees with Camb's own OpenAPI document on every path the two share.

Camb's document (docs.camb.ai's, copied with its provenance into ../shared/reference/camb/) is
the source the spec follows (issue 18). For each shared operation this compares parameters,
required fields, types, bounds, enums, response content types and headers, and every place
where they differ must be one of DIFFERENCES, named and explained: a difference that appears
or disappears fails the test.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ._spec import ROOT, load_spec

CAMB_OPENAPI = ROOT.parent / "shared" / "reference" / "camb" / "00-openapi.json"
# (method, path) -> the path in Camb's document (the same for all of them).
SHARED = [
    ("post", "/tts-stream"),
    ("post", "/tts"),
    ("get", "/tts/{task_id}"),
    ("get", "/tts-result/{run_id}"),
    ("post", "/tts-results"),
    ("get", "/list-voices"),
    ("get", "/source-languages"),
    ("get", "/target-languages"),
]
CONSTRAINTS = ("minimum", "maximum", "exclusiveMinimum", "minLength", "maxLength")

# Every deliberate difference, by name, and why.
DIFFERENCES = {
    # POST /tts-stream
    "POST /tts-stream request.language: open enum": (
        "locales are an open set: the wire takes any well-formed tag (the client refuses an "
        "unknown one before sending, the server answers a 422)"
    ),
    "POST /tts-stream request.speech_model: open enum": "a model the API adds is still sent",
    "POST /tts-stream request.language: pattern only here": (
        "the form of the open set's other values: a lower-case tag"
    ),
    "POST /tts-stream request.language: default only in Camb's": (
        "required in both; a default (en-us) would make the generated client send it"
    ),
    "POST /tts-stream request.voice_id: default only in Camb's": (
        "the spec keeps voice_id required with no default value; Camb's also requires it"
    ),
    "POST /tts-stream request.inference_options: only here": (
        "camb-sdk, the API notes and the integrations send it; Camb's StreamTTSInferenceOptions "
        "defines it (with the same bounds) without referencing it"
    ),
    "POST /tts-stream request.user_instructions: only here": (
        "mars-instruct's instructions (Camb's n8n node, livekit, pipecat), 3 to 1000 characters"
    ),
    "POST /tts-stream request.output_configuration.duration: only here": "camb-sdk has it",
    "POST /tts-stream request.output_configuration.sample_rate: exclusiveMinimum only here": (
        "a sample rate is a positive number of Hz"
    ),
    "POST /tts-stream request.voice_settings.apply_ref_loudness_norm: only here": (
        "camb-sdk and the API notes have it"
    ),
    "POST /tts-stream request.voice_settings.speaking_rate: exclusiveMinimum only here": (
        "a rate of 0 or less means nothing"
    ),
    "POST /tts-stream response 400: only here": "the sandbox's answer for another key's voice",
    "POST /tts-stream response 401: only here": "a missing or bad key (every operation)",
    # POST /tts
    "POST /tts request.language: pattern only here": (
        "LanguageInput is a plain string in Camb's; here it is a locale tag of the stream "
        "locales' form, or a (deprecated) positive integer id"
    ),
    "POST /tts request.language: types differ": (
        "Camb's says numeric ids still work (1 or '1'): the spec takes a locale or an integer"
    ),
    "POST /tts request.language: exclusiveMinimum only here": "numeric ids are positive",
    "POST /tts request.voice_id: minimum only here": (
        "voice ids are positive (Camb's /tts-stream says minimum 1)"
    ),
    "POST /tts request.voice_id: default only in Camb's": "required, as in Camb's",
    "POST /tts request.gender: default only in Camb's": (
        "a default would make the generated client send it"
    ),
    "POST /tts request.text: minLength only here": "an empty text is refused before sending",
    "POST /tts request.age: minimum only here": "an age is never negative",
    "POST /tts request.age: types differ": "Camb's gives age no type; it is an integer",
    "POST /tts response 400: only here": "the sandbox's answer for another key's voice",
    "POST /tts response 401: only here": "a missing or bad key (every operation)",
    # the task status and results
    "GET /tts/{task_id} path.task_id: minLength only here": "an empty id addresses no task",
    "GET /tts/{task_id} response.status: open enum": (
        "camb-sdk keeps the status open: a new one must not crash a caller"
    ),
    "GET /tts/{task_id} response.exception_reason: only here": "camb-sdk and the seeds' notes",
    "GET /tts/{task_id} response.run_id: exclusiveMinimum only here": "run ids are positive",
    "GET /tts/{task_id} response.message: only here": "camb-sdk and the seeds' notes",
    "GET /tts/{task_id} response 404: only here": "the sandbox's answer for an unknown task",
    "GET /tts/{task_id} response 401: only here": "a missing or bad key (every operation)",
    "GET /tts-result/{run_id} path.run_id: exclusiveMinimum only here": "run ids are positive",
    "GET /tts-result/{run_id} response 400: only here": "the server's own docstring",
    "GET /tts-result/{run_id} response 500: only here": "the server's own docstring",
    "GET /tts-result/{run_id} response 401: only here": "a missing or bad key (every operation)",
    "POST /tts-results response 404: only here": "the sandbox's answer when no run is ready",
    "POST /tts-results response 401: only here": "a missing or bad key (every operation)",
    # voices and languages
    "GET /list-voices response.language: types differ": (
        "a locale tag in Camb's, an int in camb-sdk: both are read"
    ),
    "GET /list-voices response.signed_url: only here": "camb-sdk's Voice has it",
    "GET /list-voices response 401: only here": "a missing or bad key (every operation)",
    "GET /source-languages response 401: only here": "a missing or bad key (every operation)",
    "GET /target-languages response 401: only here": "a missing or bad key (every operation)",
}


def _load_camb() -> dict[str, Any]:
    with CAMB_OPENAPI.open(encoding="utf-8") as fh:
        loaded: dict[str, Any] = json.load(fh)
    return loaded


def _resolve(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _norm(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A schema reduced to what is compared: types, enum (and whether it is open), the numeric
    and length constraints, pattern, default, and properties (objects, allOf merged)."""
    node = _resolve(doc, node)
    found: dict[str, Any] = {"types": set(), "properties": {}, "required": set()}
    for part in node.get("allOf", []):
        sub = _norm(doc, part)
        found["properties"].update(sub["properties"])
        found["required"] |= sub["required"]
        found["types"] |= sub["types"]
    branches = [_resolve(doc, b) for b in node.get("anyOf", [])] or [node]
    for branch in branches:
        kinds = branch.get("type")
        kinds = kinds if isinstance(kinds, list) else [kinds] if kinds else []
        found["types"] |= {k for k in kinds if k != "null"}
        if "enum" in branch:
            found["enum"] = set(branch["enum"])
        elif len(branches) > 1 and kinds and "null" not in kinds:
            found["open"] = True
        for key in (*CONSTRAINTS, "pattern"):
            if key in branch:
                found[key] = branch[key]
        if "properties" in branch:
            for name, prop in branch["properties"].items():
                found["properties"][name] = _norm(doc, prop)
            found["required"] |= set(branch.get("required", []))
    if "default" in node:
        found["default"] = node["default"]
    if found.get("enum") is None:
        found.pop("open", None)
    return found


def _compare(
    where: str,
    ours: dict[str, Any],
    theirs: dict[str, Any],
    out: list[str],
    *,
    defaults: bool = True,
) -> None:
    """Append to `out` a name for each way `ours` differs from `theirs` (`defaults`: compare
    `default:` too; meaningless in an answer)."""
    # An object schema may leave out `type: object`: types are compared when both give them.
    typed = bool(ours["types"] and theirs["types"]) or not ours["properties"]
    if typed and ours["types"] != theirs["types"]:
        out.append(f"{where}: types differ")
    if ours.get("enum") != theirs.get("enum"):
        out.append(f"{where}: enums differ")
    if ours.get("open") and not theirs.get("open"):
        out.append(f"{where}: open enum")
    for key in (*CONSTRAINTS, "pattern"):
        if key in ours and key not in theirs:
            out.append(f"{where}: {key} only here")
        elif key in theirs and key not in ours:
            out.append(f"{where}: {key} only in Camb's")
        elif key in ours and ours[key] != theirs[key]:
            out.append(f"{where}: {key} differs")
    if defaults and "default" in theirs and "default" not in ours and not _documented(ours):
        out.append(f"{where}: default only in Camb's")
    for name in sorted(set(ours["properties"]) | set(theirs["properties"])):
        here = f"{where}.{name}"
        if name not in theirs["properties"]:
            out.append(f"{here}: only here")
        elif name not in ours["properties"]:
            out.append(f"{here}: only in Camb's")
        else:
            _compare(
                here, ours["properties"][name], theirs["properties"][name], out, defaults=defaults
            )
    if ours["required"] != theirs["required"] and (ours["properties"] or theirs["properties"]):
        for name in sorted(ours["required"] - theirs["required"]):
            out.append(f"{where}.{name}: required only here")
        for name in sorted(theirs["required"] - ours["required"]):
            out.append(f"{where}.{name}: required only in Camb's")


def _documented(ours: dict[str, Any]) -> bool:
    """Camb's `default:` that the spec keeps as `x-server-default` (checked apart)."""
    return "x-server-default" in ours


def _norm_with_extensions(doc: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    found = _norm(doc, node)
    resolved = _resolve(doc, node)
    if "x-server-default" in resolved or "x-server-default" in node:
        found["x-server-default"] = resolved.get("x-server-default", node.get("x-server-default"))
    for name, prop in resolved.get("properties", {}).items():
        if name in found["properties"]:
            found["properties"][name] = _norm_with_extensions(doc, prop)
    return found


def _differences() -> list[str]:
    ours_doc, theirs_doc = load_spec(), _load_camb()
    found: list[str] = []
    for method, path in SHARED:
        op = f"{method.upper()} {path}"
        ours, theirs = ours_doc["paths"][path][method], theirs_doc["paths"][path][method]
        # parameters
        our_params = {(p["in"], p["name"]): p for p in ours.get("parameters", [])}
        their_params = {(p["in"], p["name"]): p for p in theirs.get("parameters", [])}
        for key in sorted(set(our_params) | set(their_params)):
            where = f"{op} {key[0]}.{key[1]}"
            if key not in their_params:
                found.append(f"{where}: only here")
            elif key not in our_params:
                found.append(f"{where}: only in Camb's")
            else:
                mine, camb = our_params[key], their_params[key]
                if bool(mine.get("required")) != bool(camb.get("required")):
                    found.append(f"{where}: required differs")
                _compare(
                    where,
                    _norm(ours_doc, mine["schema"]),
                    _norm(theirs_doc, camb["schema"]),
                    found,
                )
        # request body
        if "requestBody" in ours or "requestBody" in theirs:
            mine_body = ours["requestBody"]["content"]["application/json"]["schema"]
            camb_body = theirs["requestBody"]["content"]["application/json"]["schema"]
            _compare(
                f"{op} request",
                _norm_with_extensions(ours_doc, mine_body),
                _norm(theirs_doc, camb_body),
                found,
            )
        # responses: statuses, 200's content types, headers and JSON body
        for status in sorted(set(ours["responses"]) | set(theirs["responses"])):
            if status not in theirs["responses"]:
                found.append(f"{op} response {status}: only here")
            elif status not in ours["responses"]:
                found.append(f"{op} response {status}: only in Camb's")
        mine_ok = _resolve(ours_doc, ours["responses"]["200"])
        camb_ok = _resolve(theirs_doc, theirs["responses"]["200"])
        if set(mine_ok.get("content", {})) != set(camb_ok.get("content", {})):
            found.append(f"{op} response 200: content types differ")
        for name in sorted(set(mine_ok.get("headers", {})) | set(camb_ok.get("headers", {}))):
            mine_h, camb_h = mine_ok.get("headers", {}), camb_ok.get("headers", {})
            if name not in camb_h or name not in mine_h:
                found.append(f"{op} header {name}: only on one side")
            elif mine_h[name]["schema"].get("type") != camb_h[name]["schema"].get("type"):
                found.append(f"{op} header {name}: types differ")
        if "application/json" in mine_ok.get("content", {}):
            mine_json = _norm(ours_doc, mine_ok["content"]["application/json"]["schema"])
            camb_json = _norm(theirs_doc, camb_ok["content"]["application/json"]["schema"])
            items_mine = _items(ours_doc, mine_ok["content"]["application/json"]["schema"])
            items_camb = _items(theirs_doc, camb_ok["content"]["application/json"]["schema"])
            if items_mine is not None and items_camb is not None:
                mine_json, camb_json = items_mine, items_camb
            # The response objects' required fields are the spec's reading guarantees.
            mine_json["required"] = camb_json["required"] = set()
            _compare(f"{op} response", mine_json, camb_json, found, defaults=False)
    return found


def _items(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any] | None:
    resolved = _resolve(doc, schema)
    if resolved.get("type") == "array":
        return _norm(doc, resolved["items"])
    return None


@pytest.fixture(scope="module")
def differences() -> list[str]:
    if not CAMB_OPENAPI.is_file():
        raise AssertionError(f"Camb's OpenAPI is missing: expected {CAMB_OPENAPI}")
    return _differences()


def test_the_spec_names_its_source() -> None:
    header = (ROOT / "openapi" / "camb-tts.yaml").read_text(encoding="utf-8").split("openapi:")[0]
    assert "00-openapi.json" in header
    assert "Where Camb's sources disagree" in header


def test_every_difference_from_camb_openapi_is_deliberate(differences: list[str]) -> None:
    unexplained = sorted(set(differences) - set(DIFFERENCES))
    assert unexplained == [], "differences from Camb's OpenAPI no one explained"


def test_every_listed_difference_still_exists(differences: list[str]) -> None:
    gone = sorted(set(DIFFERENCES) - set(differences))
    assert gone == [], "listed differences that are gone: drop them from DIFFERENCES"


def test_the_facts_issue_18_names_agree_with_camb() -> None:
    """The rows of issue 18's table, read from Camb's document and from the spec."""
    camb = _load_camb()["components"]["schemas"]
    spec = load_spec()["components"]["schemas"]
    locales = camb["CreateStreamTTSRequestPayload"]["properties"]["language"]["enum"]
    assert spec["StreamLanguage"]["enum"] == locales
    assert len(locales) == 313
    inference = camb["StreamTTSInferenceOptions"]["properties"]
    assert inference["inference_steps"]["anyOf"][0]["minimum"] == 5
    assert spec["InferenceOptions"]["properties"]["inference_steps"]["minimum"] == 5
    assert spec["InferenceOptions"]["properties"]["inference_steps"]["maximum"] == 200
    weight = spec["InferenceOptions"]["properties"]["localize_speaker_weight"]
    assert (weight["minimum"], weight["maximum"]) == (0, 1)
    assert spec["InferenceOptions"]["properties"]["speaker_similarity"]["x-server-default"] == 0.7
    assert set(spec["SpeechModelKind"]["enum"]) == set(camb["SpeechModels"]["enum"])
    assert "auto" not in spec["SpeechModelKind"]["enum"]
    pcm = load_spec()["paths"]["/tts-stream"]["post"]["responses"]["200"]
    assert "audio/x-pcm" in pcm["content"]
    assert pcm["headers"]["X-Credits-Required"]["schema"]["type"] == "string"
    assert "folder_id" not in spec["CreateTTSRequest"]["properties"]


@pytest.mark.parametrize("name", sorted(DIFFERENCES))
def test_each_difference_is_explained(name: str) -> None:
    assert len(DIFFERENCES[name]) > 10


def test_the_comparison_is_not_blind() -> None:
    """A changed bound is found: the inference options are held against Camb's
    StreamTTSInferenceOptions (the spec references them; Camb's payload does not)."""
    camb = _norm(_load_camb(), {"$ref": "#/components/schemas/StreamTTSInferenceOptions"})
    ours = _norm(load_spec(), {"$ref": "#/components/schemas/InferenceOptions"})
    out: list[str] = []
    _compare("inference", ours, camb, out, defaults=False)
    assert out == []
    ours["properties"]["inference_steps"]["maximum"] = 1000
    del ours["properties"]["stability"]
    _compare("inference", ours, camb, out, defaults=False)
    assert out == [
        "inference.inference_steps: maximum differs",
        "inference.stability: only in Camb's",
    ]
