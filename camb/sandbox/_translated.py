"""Translated speech: ``POST /translated-tts`` and ``GET /translated-tts/{task_id}``.

The sandbox does not translate. Its stand-in translation is the text tagged with the target
locale (``"[fr-fr] Hello."``), spoken like any task's text (so each language's audio has its
own pitch), and the run's FLAC carries the target language as a ``LANGUAGE`` Vorbis comment
(``_language_marker``). The task's outcome follows the triggers of the text, as for POST /tts
(``[error]``, ``[duration=2.5]``, ...). Its run is an ordinary speech run: GET /tts-result and
POST /tts-results serve it.
"""

from __future__ import annotations

from typing import Any

import attrs
from starlette.requests import Request
from starlette.responses import Response

from camb.api_facts import (
    GENDER_CODES,
    TRANSLATED_TTS_FORMALITIES,
    TRANSLATED_TTS_PROJECT_DESCRIPTION_LENGTH,
    TRANSLATED_TTS_PROJECT_NAME_LENGTH,
)

from ._faults import FaultDecision
from ._languages import LANGUAGES
from ._responses import detail_response, json_response
from ._state import SandboxState
from ._tasks import task_status
from ._validation import (
    ErrorItem,
    Prop,
    RequestInvalid,
    check_object,
    error,
    parse_json_body,
)

KIND = "translated_tts"
LOCALE_OF_ID: dict[int, str] = {language_id: short for language_id, short, _ in LANGUAGES}
KNOWN_LOCALES: frozenset[str] = frozenset(LOCALE_OF_ID.values())
# Fields that may be null (the server then uses its default).
NULLABLE = ("age", "formality", "gender", "chosen_dictionaries")

CREATE_TRANSLATED_TTS = (
    Prop(
        "project_name",
        "string",
        min_length=TRANSLATED_TTS_PROJECT_NAME_LENGTH[0],
        max_length=TRANSLATED_TTS_PROJECT_NAME_LENGTH[1],
    ),
    Prop(
        "project_description",
        "string",
        min_length=TRANSLATED_TTS_PROJECT_DESCRIPTION_LENGTH[0],
        max_length=TRANSLATED_TTS_PROJECT_DESCRIPTION_LENGTH[1],
    ),
    Prop("text", "string", required=True),
    Prop("voice_id", "integer", required=True),
    Prop("age", "integer"),
    Prop("formality", "integer", enum=TRANSLATED_TTS_FORMALITIES),
    Prop("gender", "integer", enum=GENDER_CODES),
)


def stand_in_translation(text: str, target_language: str) -> str:
    """What the sandbox "translates" ``text`` into: the text tagged with the target locale."""
    return f"[{target_language}] {text}"


def language_of(value: Any, loc: tuple[str, ...]) -> tuple[str | None, list[ErrorItem]]:
    """The locale a ``TranslationLanguage`` names: a locale tag of GET /target-languages, or one
    of its numeric ids (deprecated; an int or a string of digits)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON 3.0 is the integer 3
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None, [error("string_type", loc, "Input should be a valid string", value)]
    if isinstance(value, int) and value <= 0:
        msg = "Input should be greater than 0"
        return None, [error("greater_than", loc, msg, value, gt=0)]
    if isinstance(value, int) or value.isdigit():
        locale = LOCALE_OF_ID.get(int(value))
    else:
        locale = value if value in KNOWN_LOCALES else None
    if locale is None:
        msg = f"Value error, {value!r} is not a language; see GET /target-languages"
        return None, [error("value_error", loc, msg, value)]
    return locale, []


def _dictionaries_errors(value: Any) -> list[ErrorItem]:
    loc = ("body", "chosen_dictionaries")
    if not isinstance(value, list):
        return [error("list_type", loc, "Input should be a valid list", value)]
    errors = [
        error("int_type", (*loc, index), "Input should be a valid integer", item)
        for index, item in enumerate(value)
        if isinstance(item, bool) or not isinstance(item, int)
    ]
    if not value:
        msg = "List should have at least 1 item after validation, not 0"
        errors.append(error("too_short", loc, msg, value, min_length=1))
    elif not errors and len(set(value)) != len(value):
        errors.append(error("value_error", loc, "Value error, items must be unique", value))
    return errors


@attrs.frozen
class TranslatedRequest:
    """What the sandbox uses of a valid ``POST /translated-tts`` body."""

    text: str
    voice_id: int
    source_language: str
    target_language: str


def parse_translated_request(raw: bytes) -> TranslatedRequest:
    body = parse_json_body(raw)
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if not (k in NULLABLE and v is None)}
    checked, errors = check_object(body, CREATE_TRANSLATED_TTS, ("body",))
    languages: dict[str, str | None] = {}
    if isinstance(body, dict):
        for name in ("source_language", "target_language"):
            if name not in body:
                errors.append(error("missing", ("body", name), "Field required", body))
                continue
            languages[name], problems = language_of(body[name], ("body", name))
            errors.extend(problems)
        if "chosen_dictionaries" in body:
            errors.extend(_dictionaries_errors(body["chosen_dictionaries"]))
    if errors:
        raise RequestInvalid(errors)
    source, target = languages["source_language"], languages["target_language"]
    assert source is not None
    assert target is not None
    return TranslatedRequest(
        text=checked["text"],
        voice_id=checked["voice_id"],
        source_language=source,
        target_language=target,
    )


async def create_translated_tts(
    state: SandboxState, request: Request, fault: FaultDecision
) -> Response:
    from ._api import unknown_voice

    req = parse_translated_request(await request.body())
    refused = unknown_voice(state, req.voice_id)
    if refused is not None:
        return refused
    spoken = stand_in_translation(req.text, req.target_language)
    task = state.tasks.create(spoken, kind=KIND, language=req.target_language)
    return json_response(200, {"task_id": task.task_id})


async def get_translated_tts_status(
    state: SandboxState, request: Request, fault: FaultDecision
) -> Response:
    task_id = request.path_params["task_id"]
    task = state.tasks.get(task_id, KIND)
    if task is None:
        if state.config.strict_documented:
            msg = "Value error, no translated task has this id"
            raise RequestInvalid([error("value_error", ("path", "task_id"), msg, task_id)])
        return detail_response(404, "Task not found.")
    return json_response(200, task_status(task, state.tasks.now()))
