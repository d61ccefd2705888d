"""Speech in other languages (`POST /translated-tts`): checked arguments, requests, results.

No I/O. The asyncio and blocking clients (`_async/_translate.py` and its generated twin) send
what is built here: one translated task per target language, waited on like any task, and
their runs fetched like any speech runs (`GET /tts-result/{run_id}`, `POST /tts-results` in
chunks of 2 to 5).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import attrs

from .. import _validation as check
from .._exceptions import CambError, InvalidInputError, InvalidInputTypeError
from ..api_facts import (
    GENDER_CODES,
    TRANSLATED_TTS_FORMALITIES,
    TRANSLATED_TTS_PROJECT_DESCRIPTION_LENGTH,
    TRANSLATED_TTS_PROJECT_NAME_LENGTH,
)
from ._operations import RequestArgs, _unset

__all__ = ["TranslatedSpeech", "TranslationResults"]

# Tasks created, or files downloaded, at once by `tts.translate()`.
DEFAULT_TRANSLATE_CONCURRENCY = 4
# The extension of a translated run's audio (GET /tts-result answers FLAC).
AUDIO_SUFFIX = ".flac"


def language(param: str, value: object) -> str | int:
    """A locale tag (`fr-fr`, what Camb prefers) or a positive numeric language id (deprecated)."""
    if isinstance(value, str):
        return check.locale(param, value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(
            param, "must be a locale tag such as 'fr-fr' (or a positive int language id)", value
        )
    return check.positive_int(param, value)


def target_languages(param: str, values: object) -> list[str | int]:
    """One or more target languages, duplicates dropped, in the order given."""
    if isinstance(values, str):
        raise InvalidInputTypeError(
            param,
            f"must be a list of locale tags such as ['fr-fr', 'de-de'], not one str "
            f"(for one language write [{values!r}])",
            values,
        )
    checked = check._unique_items(param, values, language, "locale tags")
    if not checked:
        raise InvalidInputError(param, "must name at least one target language", [])
    return checked


def language_key(value: str | int) -> str:
    """How a target language names its result and its file: the locale tag (or the id)."""
    return str(value)


def _length(param: str, value: object, bounds: tuple[int, int]) -> str | None:
    if value is None:
        return None
    return check.text(param, value, min_len=bounds[0], max_len=bounds[1])


def _dictionaries(param: str, values: object) -> list[int] | None:
    if values is None:
        return None
    ids = check.run_ids(param, values)
    if not ids:
        raise InvalidInputError(param, "must hold at least one dictionary id (or be None)", [])
    return ids


@attrs.frozen
class TranslatedRequests:
    """The checked `POST /translated-tts` of every target language, built before any traffic."""

    source_language: str | int
    # language key (the locale tag, or the id as a str) -> its request
    requests: Mapping[str, RequestArgs]


def translated_requests(
    text: object,
    voice_id: object,
    source_language: object,
    targets: object,
    *,
    project_name: object = None,
    project_description: object = None,
    formality: object = None,
    gender: object = None,
    age: object = None,
    chosen_dictionaries: object = None,
) -> TranslatedRequests:
    """One checked request per target language; every argument is checked first."""
    from camb_api.api.translated_tts import build_create_translated_tts_request
    from camb_api.models import CreateTranslatedTTSRequest, Formality, Gender

    fields: dict[str, Any] = {
        "text": check.text("text", text),
        "voice_id": check.positive_int("voice_id", voice_id),
        "project_name": _unset(
            _length("project_name", project_name, TRANSLATED_TTS_PROJECT_NAME_LENGTH)
        ),
        "project_description": _unset(
            _length(
                "project_description",
                project_description,
                TRANSLATED_TTS_PROJECT_DESCRIPTION_LENGTH,
            )
        ),
        "formality": _unset(
            None
            if formality is None
            else Formality(check.choice("formality", formality, TRANSLATED_TTS_FORMALITIES))
        ),
        "gender": _unset(
            None if gender is None else Gender(check.choice("gender", gender, GENDER_CODES))
        ),
        "age": _unset(check.optional_int("age", age, minimum=0)),
        "chosen_dictionaries": _unset(_dictionaries("chosen_dictionaries", chosen_dictionaries)),
    }
    source = language("source_language", source_language)
    requests = {
        language_key(target): build_create_translated_tts_request(
            body=CreateTranslatedTTSRequest(
                source_language=source, target_language=target, **fields
            )
        )
        for target in target_languages("target_languages", targets)
    }
    return TranslatedRequests(source_language=source, requests=requests)


def translated_status_request(task_id: object) -> RequestArgs:
    from camb_api.api.translated_tts import build_get_translated_tts_status_request

    return build_get_translated_tts_status_request(check.task_id("task_id", task_id))


def audio_path(folder: Path, key: str) -> Path:
    """Where a language's audio goes in `folder`: `<folder>/<locale>.flac`."""
    return folder / f"{key}{AUDIO_SUFFIX}"


@attrs.frozen
class TranslatedSpeech:
    """One target language's speech, from `tts.translate()`.

    `language` is the target language as asked for (a locale tag, or a numeric id as a str);
    `task_id` the translated task; `run_id` its run (fetch it again with `tts.result()` or
    `tts.download()`); `url` the presigned URL the audio came from (it expires); `path` the
    FLAC file in the folder given to `translate()` (None when no folder was given).
    """

    language: str
    task_id: str
    run_id: int
    url: str
    path: Path | None = None


@attrs.frozen
class TranslationResults(Mapping[str, TranslatedSpeech]):
    """The answer of `tts.translate()`: a mapping target language -> TranslatedSpeech.

    Every target language asked for is accounted for exactly once: a key here (its speech is
    done, and downloaded when a folder was given), or in `unavailable` (its run finished but the
    API gave no URL for it), or in `failed` (its task failed, or a request for it failed after
    retries; the value is the error). Keys are in the order the languages were given.
    """

    speech: Mapping[str, TranslatedSpeech]
    unavailable: Mapping[str, str] = attrs.field(factory=dict)
    failed: Mapping[str, CambError] = attrs.field(factory=dict)

    def __getitem__(self, language: str) -> TranslatedSpeech:
        return self.speech[language]

    def __iter__(self) -> Iterator[str]:
        return iter(self.speech)

    def __len__(self) -> int:
        return len(self.speech)

    @property
    def ok(self) -> bool:
        """True when every target language has its speech."""
        return not self.unavailable and not self.failed

    def missing(self) -> dict[str, str]:
        """Every target language without speech, with the reason."""
        reasons = dict(self.unavailable)
        reasons.update({key: str(error) for key, error in self.failed.items()})
        return reasons


def summary(results: TranslationResults, total: int) -> str:
    """One line: how many languages are missing and the first reason."""
    first = next(iter(results.missing().items()), None)
    why = f"; first: {first[0]}: {first[1]}" if first is not None else ""
    return (
        f"{total - len(results)} of {total} target languages have no speech "
        f"({len(results.unavailable)} unavailable, {len(results.failed)} failed){why}"
    )
