"""Request validation with FastAPI-shaped errors (``{"loc", "msg", "type", "input"}`` items).

The field rules are built from the client's rule table (``camb._rules``, generated from
``openapi/camb-tts.yaml`` by ``make regen``; a test checks them against the spec), so the
sandbox, the facade and the batch reader never keep a rule apart. The rules beyond the schema
(supported locales and speech models, options a model does not use, sample rates) are kept
apart in ``stream_support_errors``. Nothing here does I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from camb.api_facts import (
    DEFAULT_OUTPUT_TYPE,
    OUTPUT_TYPES,
    RUN_IDS_MAX_ITEMS,
    RUN_IDS_MIN_ITEMS,
    SAMPLE_RATES,
    SERVER_DEFAULT_AUDIO_FORMAT,
    SERVER_DEFAULT_SPEECH_MODEL,
    SPEECH_MODELS,
    STREAM_LOCALES,
    AudioFormat,
    OptionRule,
)
from camb.api_facts import STREAM_OPTION_RULES as STREAM_RULES
from camb.api_facts import TASK_OPTION_RULES as TASK_RULES

from ._audio import sample_rate_problem
from ._languages import LANGUAGE_IDS, LANGUAGES

Loc = tuple[str | int, ...]
ErrorItem = dict[str, Any]
Kind = Literal["string", "integer", "number", "boolean", "object"]

# No source lists the locales of each model (Camb's docs give only counts: 33 for mars-flash and
# mars-pro, 158 for the 8.1 betas, 141 for mars-instruct), so every model takes the 313 of
# Camb's OpenAPI.
SUPPORTED_LOCALES: dict[str, tuple[str, ...]] = {model: STREAM_LOCALES for model in SPEECH_MODELS}


class RequestInvalid(Exception):
    """A request broke the rules; ``errors`` is the ``detail`` list of the 422 answer."""

    def __init__(self, errors: list[ErrorItem]) -> None:
        super().__init__(f"{len(errors)} validation error(s)")
        self.errors = errors


def error(kind: str, loc: Loc, msg: str, value: Any, **ctx: Any) -> ErrorItem:
    item: ErrorItem = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
    if ctx:
        item["ctx"] = ctx
    return item


def _number_text(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _choices_text(choices: Sequence[object]) -> str:
    shown = [repr(choice) if isinstance(choice, str) else str(choice) for choice in choices]
    if len(shown) == 1:
        return shown[0]
    return ", ".join(shown[:-1]) + " or " + shown[-1]


@attrs.frozen
class Prop:
    """One property of a request object, as the spec describes it."""

    name: str
    kind: Kind
    required: bool = False
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: float | None = None
    enum: tuple[Any, ...] | None = None
    title: str = ""  # the model's name, for nested objects
    props: tuple[Prop, ...] = ()
    # Another type the property may have (`anyOf: [a string of a form, an integer]`).
    other: Prop | None = None

    @classmethod
    def of(cls, name: str, rule: OptionRule) -> Prop:
        """The property a rule of the client's table describes, as the schema has it: an open
        list is checked by its form only (support is checked apart)."""
        kind, *others = rule.kinds
        enum = None if rule.open_choices else rule.choices
        found = cls(
            name,
            kind,  # type: ignore[arg-type]
            required=rule.required,
            min_length=rule.min_length if kind == "string" else None,
            max_length=rule.max_length if kind == "string" else None,
            pattern=rule.pattern if kind == "string" else None,
            minimum=rule.minimum if kind != "string" else None,
            maximum=rule.maximum if kind != "string" else None,
            exclusive_minimum=rule.exclusive_minimum if kind != "string" else None,
            enum=enum,
        )
        if others:
            rest = rule._replace(kinds=tuple(others), required=rule.required)
            found = attrs.evolve(found, other=cls.of(name, rest))
        return found


_KIND_OF: dict[type, str] = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _check_scalar(prop: Prop, value: Any, loc: Loc) -> tuple[Any, list[ErrorItem]]:
    """The value converted (e.g. 3.0 -> 3 for integers) and its errors."""
    if prop.other is not None:
        checked, errors = _check_scalar(attrs.evolve(prop, other=None), value, loc)
        if not errors:
            return checked, errors
        other, other_errors = _check_scalar(prop.other, value, loc)
        if not other_errors:
            return other, other_errors
        # The errors of the branch of the value's own type, where there is one.
        if _KIND_OF.get(type(value)) == prop.other.kind or (
            prop.other.kind == "integer" and isinstance(value, float)
        ):
            return value, other_errors
        return value, errors
    if prop.kind == "string":
        if not isinstance(value, str):
            return value, [error("string_type", loc, "Input should be a valid string", value)]
        if prop.min_length is not None and len(value) < prop.min_length:
            unit = "character" if prop.min_length == 1 else "characters"
            msg = f"String should have at least {prop.min_length} {unit}"
            return value, [error("string_too_short", loc, msg, value, min_length=prop.min_length)]
        if prop.max_length is not None and len(value) > prop.max_length:
            msg = f"String should have at most {prop.max_length} characters"
            return value, [error("string_too_long", loc, msg, value, max_length=prop.max_length)]
        if prop.pattern is not None and re.search(prop.pattern, value) is None:
            msg = f"String should match pattern '{prop.pattern}'"
            return value, [error("string_pattern_mismatch", loc, msg, value, pattern=prop.pattern)]
    elif prop.kind == "boolean":
        if not isinstance(value, bool):
            return value, [error("bool_type", loc, "Input should be a valid boolean", value)]
    elif prop.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return value, [error("int_type", loc, "Input should be a valid integer", value)]
        if isinstance(value, float):
            if not value.is_integer():
                msg = "Input should be a valid integer, got a number with a fractional part"
                return value, [error("int_from_float", loc, msg, value)]
            value = int(value)
    elif prop.kind == "number" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return value, [error("float_type", loc, "Input should be a valid number", value)]
    if prop.kind in ("integer", "number"):
        if prop.exclusive_minimum is not None and not value > prop.exclusive_minimum:
            bound = _number_text(prop.exclusive_minimum)
            msg = f"Input should be greater than {bound}"
            return value, [error("greater_than", loc, msg, value, gt=prop.exclusive_minimum)]
        if prop.minimum is not None and value < prop.minimum:
            bound = _number_text(prop.minimum)
            msg = f"Input should be greater than or equal to {bound}"
            return value, [error("greater_than_equal", loc, msg, value, ge=prop.minimum)]
        if prop.maximum is not None and value > prop.maximum:
            bound = _number_text(prop.maximum)
            msg = f"Input should be less than or equal to {bound}"
            return value, [error("less_than_equal", loc, msg, value, le=prop.maximum)]
    if prop.enum is not None and value not in prop.enum:
        expected = _choices_text(prop.enum)
        return value, [error("enum", loc, f"Input should be {expected}", value, expected=expected)]
    return value, []


def check_object(
    value: Any, props: Sequence[Prop], loc: Loc, title: str = ""
) -> tuple[dict[str, Any], list[ErrorItem]]:
    """Validate a JSON object against ``props``; unknown keys are ignored (and dropped)."""
    if not isinstance(value, dict):
        if title:
            msg = f"Input should be a valid dictionary or instance of {title}"
            return {}, [error("model_type", loc, msg, value, class_name=title)]
        msg = "Input should be a valid dictionary or object to extract fields from"
        return {}, [error("model_attributes_type", loc, msg, value)]
    cleaned: dict[str, Any] = {}
    errors: list[ErrorItem] = []
    for prop in props:
        here = (*loc, prop.name)
        if prop.name not in value:
            if prop.required:
                errors.append(error("missing", here, "Field required", value))
            continue
        if prop.kind == "object":
            checked, problems = check_object(value[prop.name], prop.props, here, prop.title)
        else:
            checked, problems = _check_scalar(prop, value[prop.name], here)
        errors.extend(problems)
        cleaned[prop.name] = checked
    return cleaned, errors


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is out of range")
    return value


def parse_json_body(body: bytes) -> Any:
    """The JSON of a request body; FastAPI's errors for an empty or malformed one."""
    if not body.strip():
        raise RequestInvalid([error("missing", ("body",), "Field required", None)])
    try:
        return json.loads(body, parse_constant=_reject_constant, parse_float=_finite_float)
    except json.JSONDecodeError as exc:
        item = error("json_invalid", ("body", exc.pos), "JSON decode error", {}, error=exc.msg)
        raise RequestInvalid([item]) from None
    except (ValueError, UnicodeDecodeError) as exc:
        item = error("json_invalid", ("body", 0), "JSON decode error", {}, error=str(exc))
        raise RequestInvalid([item]) from None


# --- POST /tts-stream -----------------------------------------------------------------------


# The schema names of the nested objects, for FastAPI's "instance of <title>" messages.
TITLES = {
    "output_configuration": "OutputConfiguration",
    "voice_settings": "VoiceSettings",
    "inference_options": "InferenceOptions",
}


def props_of(rules: dict[str, OptionRule] | Any) -> tuple[Prop, ...]:
    """The properties of a request object, from the client's rule table (dotted names are the
    fields of nested objects, which keep the place of their first field)."""
    top: dict[str, Prop | list[Prop]] = {}
    for name, rule in rules.items():
        outer, dot, inner = name.partition(".")
        if dot:
            nested = top.setdefault(outer, [])
            assert isinstance(nested, list)
            nested.append(Prop.of(inner, rule))
        else:
            top[name] = Prop.of(name, rule)
    return tuple(
        Prop(name, "object", title=TITLES[name], props=tuple(value))
        if isinstance(value, list)
        else value
        for name, value in top.items()
    )


CREATE_STREAM_TTS = props_of(STREAM_RULES)
OUTPUT_CONFIGURATION = next(p.props for p in CREATE_STREAM_TTS if p.name == "output_configuration")
VOICE_SETTINGS = next(p.props for p in CREATE_STREAM_TTS if p.name == "voice_settings")
INFERENCE_OPTIONS = next(p.props for p in CREATE_STREAM_TTS if p.name == "inference_options")


@attrs.frozen
class StreamRequest:
    """What the sandbox uses of a valid ``POST /tts-stream`` body, defaults filled in."""

    text: str
    language: str
    voice_id: int
    speech_model: str
    format: AudioFormat
    sample_rate: int  # asked for, else the model's
    duration: float | None
    speaking_rate: float | None


def speech_model_of(body: dict[str, Any]) -> str:
    """The model a body asks for, or the server's default. Camb's OpenAPI has five models and
    no "auto" (which camb-sdk's README once listed): "auto" is an unknown model here."""
    model: str = body.get("speech_model", SERVER_DEFAULT_SPEECH_MODEL)
    return model


def stream_support_errors(body: dict[str, Any]) -> list[ErrorItem]:
    """The rules beyond the schema, for a schema-valid ``POST /tts-stream`` body.

    An unsupported locale is the 422 Camb's docs describe: ``loc`` ``["body"]`` and a message
    listing the locales the model allows.
    """
    errors: list[ErrorItem] = []
    model = speech_model_of(body)
    if model not in SUPPORTED_LOCALES:
        known = ", ".join(SPEECH_MODELS)
        msg = f"Value error, Unknown speech_model '{model}'. Known models: {known}"
        errors.append(error("value_error", ("body", "speech_model"), msg, body["speech_model"]))
        return errors
    language = body["language"]
    allowed = SUPPORTED_LOCALES[model]
    if language not in allowed:
        msg = (
            f"Value error, Language '{language}' is not supported by {model}. "
            f"Allowed locales: {', '.join(allowed)}"
        )
        errors.append(error("value_error", ("body",), msg, body))
    for name, rule in STREAM_RULES.items():
        if rule.models is not None and name in body and model not in rule.models:
            # The spec's x-speech-models: the server would ignore the option (and bill the
            # request); the sandbox refuses it, as the client does before sending.
            users = " or ".join(rule.models)
            msg = f"Value error, {name} is used only by {users}, not by {model}"
            errors.append(error("value_error", ("body", name), msg, body[name]))
    config = body.get("output_configuration", {})
    if "sample_rate" in config:
        fmt = config.get("format", SERVER_DEFAULT_AUDIO_FORMAT)
        problem = sample_rate_problem(fmt, config["sample_rate"])
        if problem is not None:
            loc = ("body", "output_configuration", "sample_rate")
            errors.append(
                error("value_error", loc, f"Value error, {problem}", config["sample_rate"])
            )
    return errors


def parse_stream_request(raw: bytes) -> StreamRequest:
    body, errors = check_object(parse_json_body(raw), CREATE_STREAM_TTS, ("body",))
    if errors:
        raise RequestInvalid(errors)
    errors = stream_support_errors(body)
    if errors:
        raise RequestInvalid(errors)
    config = body.get("output_configuration", {})
    settings = body.get("voice_settings", {})
    model = speech_model_of(body)
    return StreamRequest(
        text=body["text"],
        language=body["language"],
        voice_id=body["voice_id"],
        speech_model=model,
        format=config.get("format", SERVER_DEFAULT_AUDIO_FORMAT),
        sample_rate=config.get("sample_rate", SAMPLE_RATES[model]),
        duration=config.get("duration"),
        speaking_rate=settings.get("speaking_rate"),
    )


# --- POST /tts ------------------------------------------------------------------------------

CREATE_TTS = props_of(TASK_RULES)
# The locales POST /tts takes: those of the spec and those of the sandbox's language list.
TASK_LOCALES = frozenset(STREAM_LOCALES) | {short_name for _, short_name, _ in LANGUAGES}


@attrs.frozen
class TaskRequest:
    """What the sandbox uses of a valid ``POST /tts`` body."""

    text: str
    voice_id: int
    language: int | str  # a locale tag, or a (deprecated) numeric language id


def parse_task_request(raw: bytes) -> TaskRequest:
    body, errors = check_object(parse_json_body(raw), CREATE_TTS, ("body",))
    if errors:
        raise RequestInvalid(errors)
    language = body["language"]
    if isinstance(language, str) and language not in TASK_LOCALES:
        msg = f"Value error, '{language}' is not a source language; see GET /source-languages"
        raise RequestInvalid([error("value_error", ("body", "language"), msg, language)])
    if isinstance(language, int) and language not in LANGUAGE_IDS:
        msg = (
            f"Value error, {language} is not a language id; "
            "see GET /source-languages and GET /target-languages"
        )
        raise RequestInvalid([error("value_error", ("body", "language"), msg, language)])
    return TaskRequest(text=body["text"], voice_id=body["voice_id"], language=body["language"])


# --- POST /tts-results ----------------------------------------------------------------------

RUN_IDS_MIN = RUN_IDS_MIN_ITEMS
RUN_IDS_MAX = RUN_IDS_MAX_ITEMS


def run_ids_errors(
    value: Any, *, refuse_duplicates: bool = True
) -> tuple[list[int], list[ErrorItem]]:
    """Validate a ``RunIDsRequestPayload``: 2 to 5 integers > 0, unique unless
    ``refuse_duplicates`` is false (then duplicates are dropped, order kept)."""
    if not isinstance(value, dict):
        msg = "Input should be a valid dictionary or object to extract fields from"
        return [], [error("model_attributes_type", ("body",), msg, value)]
    loc: Loc = ("body", "run_ids")
    if "run_ids" not in value:
        return [], [error("missing", loc, "Field required", value)]
    items = value["run_ids"]
    if not isinstance(items, list):
        return [], [error("list_type", loc, "Input should be a valid list", items)]
    item_prop = Prop("run_ids", "integer", exclusive_minimum=0)
    run_ids: list[int] = []
    errors: list[ErrorItem] = []
    for index, item in enumerate(items):
        checked, problems = _check_scalar(item_prop, item, (*loc, index))
        errors.extend(problems)
        run_ids.append(checked)
    if errors:
        return [], errors
    if len(run_ids) < RUN_IDS_MIN:
        msg = f"List should have at least {RUN_IDS_MIN} items after validation, not {len(run_ids)}"
        item = error("too_short", loc, msg, items, field_type="List", min_length=RUN_IDS_MIN)
        return [], [item]
    if len(run_ids) > RUN_IDS_MAX:
        msg = f"List should have at most {RUN_IDS_MAX} items after validation, not {len(run_ids)}"
        item = error("too_long", loc, msg, items, field_type="List", max_length=RUN_IDS_MAX)
        return [], [item]
    if len(set(run_ids)) != len(run_ids):
        if not refuse_duplicates:
            return list(dict.fromkeys(run_ids)), []
        return [], [error("value_error", loc, "Value error, run_ids must be unique", items)]
    return run_ids, []


def parse_run_ids(raw: bytes, *, refuse_duplicates: bool = True) -> list[int]:
    run_ids, errors = run_ids_errors(parse_json_body(raw), refuse_duplicates=refuse_duplicates)
    if errors:
        raise RequestInvalid(errors)
    return run_ids


# --- path and query parameters --------------------------------------------------------------

_INTEGER_TEXT = re.compile(r"[+-]?[0-9]+")


def parse_run_id(text: str) -> int:
    """The ``run_id`` path parameter: an integer > 0."""
    loc: Loc = ("path", "run_id")
    if _INTEGER_TEXT.fullmatch(text.strip()) is None:
        msg = "Input should be a valid integer, unable to parse string as an integer"
        raise RequestInvalid([error("int_parsing", loc, msg, text)])
    value = int(text)
    if value <= 0:
        raise RequestInvalid(
            [error("greater_than", loc, "Input should be greater than 0", text, gt=0)]
        )
    return value


def parse_output_type(text: str | None) -> str:
    """The ``output_type`` query parameter (default ``raw_bytes``)."""
    if text is None:
        return DEFAULT_OUTPUT_TYPE
    if text not in OUTPUT_TYPES:
        expected = _choices_text(OUTPUT_TYPES)
        loc: Loc = ("query", "output_type")
        item = error("enum", loc, f"Input should be {expected}", text, expected=expected)
        raise RequestInvalid([item])
    return text
