"""Request validation with FastAPI-shaped errors (``{"loc", "msg", "type", "input"}`` items).

The field rules mirror the request schemas of ``openapi/camb-tts.yaml`` (a test checks them
against the spec), with every limit taken from ``camb.api_facts`` (generated from the spec);
the rules beyond the schema (supported locales and speech models, sample rates) are kept apart
in ``stream_support_errors``. Nothing here does I/O.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

import attrs

from camb.api_facts import (
    AUDIO_FORMATS,
    DEFAULT_OUTPUT_TYPE,
    GENDER_CODES,
    INFERENCE_OPTION_RANGES,
    OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS,
    OUTPUT_TYPES,
    RUN_IDS_MAX_ITEMS,
    RUN_IDS_MIN_ITEMS,
    SAMPLE_RATES,
    SERVER_DEFAULT_AUDIO_FORMAT,
    SERVER_DEFAULT_SPEECH_MODEL,
    SPEECH_MODELS,
    STREAM_LOCALE_PATTERN,
    STREAM_LOCALES,
    STREAM_TEXT_MAX_LENGTH,
    STREAM_TEXT_MIN_LENGTH,
    TASK_AGE_MINIMUM,
    TASK_TEXT_MIN_LENGTH,
    VOICE_SETTING_EXCLUSIVE_MINIMUMS,
    AudioFormat,
)

from ._audio import sample_rate_problem
from ._languages import LANGUAGE_IDS

Loc = tuple[str | int, ...]
ErrorItem = dict[str, Any]
Kind = Literal["string", "integer", "number", "boolean", "object"]

# No source lists the locales of each model (Camb's docs give only counts: 33 for mars-flash and
# mars-pro, 158 for the 8.1 betas, 141 for mars-instruct), so every model takes the 62 the
# official package knows.
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


def _check_scalar(prop: Prop, value: Any, loc: Loc) -> tuple[Any, list[ErrorItem]]:
    """The value converted (e.g. 3.0 -> 3 for integers) and its errors."""
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


def _range(name: str, kind: Kind) -> Prop:
    low, high = INFERENCE_OPTION_RANGES[name]
    return Prop(name, kind, minimum=low, maximum=high)


OUTPUT_CONFIGURATION = (
    Prop("format", "string", enum=AUDIO_FORMATS),
    Prop(
        "duration", "number", exclusive_minimum=OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS["duration"]
    ),
    Prop("apply_enhancement", "boolean"),
    Prop(
        "sample_rate",
        "integer",
        exclusive_minimum=OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS["sample_rate"],
    ),
)
VOICE_SETTINGS = (
    Prop("enhance_reference_audio_quality", "boolean"),
    Prop("maintain_source_accent", "boolean"),
    Prop("apply_ref_loudness_norm", "boolean"),
    Prop(
        "speaking_rate",
        "number",
        exclusive_minimum=VOICE_SETTING_EXCLUSIVE_MINIMUMS["speaking_rate"],
    ),
)
INFERENCE_OPTIONS = (
    _range("stability", "number"),
    _range("temperature", "number"),
    _range("inference_steps", "integer"),
    _range("speaker_similarity", "number"),
    Prop("localize_speaker_weight", "number"),
    Prop("acoustic_quality_boost", "boolean"),
)
CREATE_STREAM_TTS = (
    Prop(
        "text",
        "string",
        required=True,
        min_length=STREAM_TEXT_MIN_LENGTH,
        max_length=STREAM_TEXT_MAX_LENGTH,
    ),
    # Known locales or any string of this shape (the spec's anyOf); support is checked apart.
    Prop("language", "string", required=True, pattern=STREAM_LOCALE_PATTERN),
    Prop("voice_id", "integer", required=True),
    Prop("speech_model", "string"),
    Prop("user_instructions", "string"),
    Prop("enhance_named_entities_pronunciation", "boolean"),
    Prop("output_configuration", "object", title="OutputConfiguration", props=OUTPUT_CONFIGURATION),
    Prop("voice_settings", "object", title="VoiceSettings", props=VOICE_SETTINGS),
    Prop("inference_options", "object", title="InferenceOptions", props=INFERENCE_OPTIONS),
)


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


# "auto" is in the official README's list of speech models (not in its type); the sandbox takes
# it as the server's default model.
AUTO_SPEECH_MODEL = "auto"


def speech_model_of(body: dict[str, Any]) -> str:
    model: str = body.get("speech_model", SERVER_DEFAULT_SPEECH_MODEL)
    return SERVER_DEFAULT_SPEECH_MODEL if model == AUTO_SPEECH_MODEL else model


def stream_support_errors(body: dict[str, Any]) -> list[ErrorItem]:
    """The rules beyond the schema, for a schema-valid ``POST /tts-stream`` body.

    An unsupported locale is the 422 Camb's docs describe: ``loc`` ``["body"]`` and a message
    listing the locales the model allows.
    """
    errors: list[ErrorItem] = []
    model = speech_model_of(body)
    if model not in SUPPORTED_LOCALES:
        known = ", ".join((*SPEECH_MODELS, AUTO_SPEECH_MODEL))
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

CREATE_TTS = (
    Prop("text", "string", required=True, min_length=TASK_TEXT_MIN_LENGTH),
    Prop("voice_id", "integer", required=True),
    Prop("language", "integer", required=True),
    Prop("project_name", "string"),
    Prop("project_description", "string"),
    Prop("folder_id", "integer"),
    Prop("gender", "integer", enum=GENDER_CODES),
    Prop("age", "integer", minimum=TASK_AGE_MINIMUM),
)


@attrs.frozen
class TaskRequest:
    """What the sandbox uses of a valid ``POST /tts`` body."""

    text: str
    voice_id: int
    language: int


def parse_task_request(raw: bytes) -> TaskRequest:
    body, errors = check_object(parse_json_body(raw), CREATE_TTS, ("body",))
    if errors:
        raise RequestInvalid(errors)
    if body["language"] not in LANGUAGE_IDS:
        msg = (
            f"Value error, {body['language']} is not a language id; "
            "see GET /source-languages and GET /target-languages"
        )
        raise RequestInvalid([error("value_error", ("body", "language"), msg, body["language"])])
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
