"""Checked arguments -> request arguments, through the generated request builders. No I/O.

The generated `build_<operation>_request` functions (rendered by the custom template
openapi/templates/endpoint_init.py.jinja) turn arguments into method, path (percent-encoded),
query and JSON body exactly as the spec says; the facade sends them itself (see the send loop
in `_async/_api_client.py`), because the generated `sync_detailed` can take neither per-call
timeouts nor retries, and reads every body into memory.

The generated package is imported on first use, not at `import camb`: its models cost start-up
time that a script that only constructs a client should not pay.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import attrs

from .. import _validation as check
from .._exceptions import InvalidInputError, InvalidInputTypeError
from .._models import InferenceOptions, VoiceSettings
from ..api_facts import (
    AUDIO_FORMATS,
    INFERENCE_OPTION_RANGES,
    OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS,
    OUTPUT_TYPES,
    TASK_AGE_MINIMUM,
    TASK_TEXT_MIN_LENGTH,
    VOICE_SETTING_EXCLUSIVE_MINIMUMS,
)

RequestArgs = dict[str, Any]
OptionsT = TypeVar("OptionsT", VoiceSettings, InferenceOptions)


def _unset(value: object) -> Any:
    from camb_api.types import UNSET

    return UNSET if value is None else value


def _options(
    param: str, value: OptionsT | Mapping[str, Any] | None, cls: type[OptionsT]
) -> OptionsT | None:
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        try:
            return cls(**value)
        except TypeError:
            fields = ", ".join(f.name for f in attrs.fields(cls))
            raise InvalidInputTypeError(
                param, f"accepts only the keys {fields}", dict(value)
            ) from None
    raise InvalidInputTypeError(param, f"must be a {cls.__name__} or a mapping", value)


def stream_request(
    text: object,
    voice_id: object,
    language: object,
    *,
    speech_model: object = None,
    format: object = None,
    sample_rate: object = None,
    duration: object = None,
    apply_enhancement: object = None,
    user_instructions: object = None,
    enhance_named_entities_pronunciation: object = None,
    voice_settings: VoiceSettings | Mapping[str, Any] | None = None,
    inference_options: InferenceOptions | Mapping[str, Any] | None = None,
) -> RequestArgs:
    from camb_api.api.tts import build_create_tts_stream_request
    from camb_api.models import AudioFormat as GeneratedAudioFormat
    from camb_api.models import CreateStreamTTSRequest, OutputConfiguration
    from camb_api.models import InferenceOptions as GeneratedInferenceOptions
    from camb_api.models import VoiceSettings as GeneratedVoiceSettings
    from camb_api.types import UNSET

    body = CreateStreamTTSRequest(
        text=check.text("text", text, min_len=check.STREAM_TEXT_MIN, max_len=check.STREAM_TEXT_MAX),
        language=check.locale("language", language),
        voice_id=check.positive_int("voice_id", voice_id),
        speech_model=_unset(check.optional_text("speech_model", speech_model)),
        user_instructions=_unset(check.optional_text("user_instructions", user_instructions)),
        enhance_named_entities_pronunciation=_unset(
            check.optional_bool(
                "enhance_named_entities_pronunciation", enhance_named_entities_pronunciation
            )
        ),
    )
    if any(v is not None for v in (format, sample_rate, duration, apply_enhancement)):
        body.output_configuration = OutputConfiguration(
            format_=UNSET
            if format is None
            else GeneratedAudioFormat(check.choice("format", format, AUDIO_FORMATS)),
            sample_rate=_unset(_int_above("sample_rate", sample_rate)),
            duration=_unset(
                check.number_in_range(
                    "duration", duration, above=OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS["duration"]
                )
            ),
            apply_enhancement=_unset(check.optional_bool("apply_enhancement", apply_enhancement)),
        )
    settings = _options("voice_settings", voice_settings, VoiceSettings)
    if settings is not None:
        body.voice_settings = GeneratedVoiceSettings(
            enhance_reference_audio_quality=_unset(
                check.optional_bool(
                    "voice_settings.enhance_reference_audio_quality",
                    settings.enhance_reference_audio_quality,
                )
            ),
            maintain_source_accent=_unset(
                check.optional_bool(
                    "voice_settings.maintain_source_accent", settings.maintain_source_accent
                )
            ),
            apply_ref_loudness_norm=_unset(
                check.optional_bool(
                    "voice_settings.apply_ref_loudness_norm", settings.apply_ref_loudness_norm
                )
            ),
            speaking_rate=_unset(
                check.number_in_range(
                    "voice_settings.speaking_rate",
                    settings.speaking_rate,
                    above=VOICE_SETTING_EXCLUSIVE_MINIMUMS["speaking_rate"],
                )
            ),
        )
    inference = _options("inference_options", inference_options, InferenceOptions)
    if inference is not None:
        body.inference_options = GeneratedInferenceOptions(
            stability=_unset(_bounded("stability", inference.stability)),
            temperature=_unset(_bounded("temperature", inference.temperature)),
            inference_steps=_unset(_bounded_int("inference_steps", inference.inference_steps)),
            speaker_similarity=_unset(_bounded("speaker_similarity", inference.speaker_similarity)),
            localize_speaker_weight=_unset(
                check.number_in_range(
                    "inference_options.localize_speaker_weight", inference.localize_speaker_weight
                )
            ),
            acoustic_quality_boost=_unset(
                check.optional_bool(
                    "inference_options.acoustic_quality_boost", inference.acoustic_quality_boost
                )
            ),
        )
    return build_create_tts_stream_request(body=body)


def model_sample_rate(speech_model: object) -> int | None:
    """The documented sample rate of `speech_model` (or of the server's default model)."""
    from ..api_facts import SAMPLE_RATES, SERVER_DEFAULT_SPEECH_MODEL

    model = speech_model if isinstance(speech_model, str) else SERVER_DEFAULT_SPEECH_MODEL
    return SAMPLE_RATES.get(model)


def _bounded(name: str, value: object) -> float | None:
    """An inference option within the spec's inclusive range for it."""
    low, high = INFERENCE_OPTION_RANGES[name]
    return check.number_in_range(f"inference_options.{name}", value, between=(low, high))


def _bounded_int(name: str, value: object) -> int | None:
    """An int inference option within the spec's inclusive range for it."""
    param = f"inference_options.{name}"
    low, high = INFERENCE_OPTION_RANGES[name]
    checked = check.optional_int(param, value)
    if checked is not None:
        check.number_in_range(param, checked, between=(low, high))
    return checked


def _int_above(name: str, value: object) -> int | None:
    """An int output setting greater than the spec's exclusive minimum for it."""
    checked = check.optional_int(name, value)
    if checked is not None:
        check.number_in_range(name, checked, above=OUTPUT_CONFIGURATION_EXCLUSIVE_MINIMUMS[name])
    return checked


def language_id_or_locale(param: str, value: object) -> int | str:
    """A numeric language id, or a well-formed locale to look up in `GET /source-languages`."""
    if isinstance(value, str):
        return check.locale(param, value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputTypeError(
            param, "must be a positive int language id or a locale such as 'en-us'", value
        )
    return check.positive_int(param, value)


@attrs.frozen
class CreateRequest:
    """A checked `POST /tts`. `language` is a language id, or a locale that the caller looks up
    in the source languages (a request of its own) before `build()`."""

    language: int | str
    # The request body's other fields, checked, as the generated CreateTTSRequest takes them.
    fields: Mapping[str, Any]

    def build(self, language_id: int) -> RequestArgs:
        from camb_api.api.tts import build_create_tts_request
        from camb_api.models import CreateTTSRequest

        body = CreateTTSRequest(language=language_id, **self.fields)
        return build_create_tts_request(body=body)


def create_request(
    text: object,
    voice_id: object,
    language: object,
    *,
    project_name: object = None,
    project_description: object = None,
    folder_id: object = None,
    gender: object = None,
    age: object = None,
) -> CreateRequest:
    from camb_api.models import Gender
    from camb_api.types import UNSET

    checked_text = check.text("text", text, min_len=TASK_TEXT_MIN_LENGTH)
    checked_voice_id = check.positive_int("voice_id", voice_id)
    checked_language = language_id_or_locale("language", language)
    fields = {
        "text": checked_text,
        "voice_id": checked_voice_id,
        "project_name": _unset(check.optional_text("project_name", project_name)),
        "project_description": _unset(
            check.optional_text("project_description", project_description)
        ),
        "folder_id": _unset(
            None if folder_id is None else check.positive_int("folder_id", folder_id)
        ),
        "gender": UNSET
        if gender is None
        else Gender(check.choice("gender", gender, check.GENDERS)),
        "age": _unset(check.optional_int("age", age, minimum=TASK_AGE_MINIMUM)),
    }
    return CreateRequest(checked_language, fields)


def status_request(task_id: object) -> RequestArgs:
    from camb_api.api.tts import build_get_tts_status_request

    return build_get_tts_status_request(check.task_id("task_id", task_id))


def result_request(run_id: object, output_type: object) -> RequestArgs:
    from camb_api.api.tts import build_get_tts_result_request
    from camb_api.models import OutputType

    checked = check.choice("output_type", output_type, OUTPUT_TYPES)
    return build_get_tts_result_request(
        check.positive_int("run_id", run_id), output_type=OutputType(checked)
    )


def bulk_request(chunk: Sequence[int]) -> RequestArgs:
    from camb_api.api.tts import build_get_tts_results_request
    from camb_api.models import RunIDsRequestPayload

    return build_get_tts_results_request(body=RunIDsRequestPayload(run_ids=list(chunk)))


def source_languages_request() -> RequestArgs:
    from camb_api.api.languages import build_list_source_languages_request

    return build_list_source_languages_request()


def target_languages_request() -> RequestArgs:
    from camb_api.api.languages import build_list_target_languages_request

    return build_list_target_languages_request()


def voices_request() -> RequestArgs:
    from camb_api.api.voices import build_list_voices_request

    return build_list_voices_request()


def download_request(url: object) -> RequestArgs:
    if not isinstance(url, str):
        raise InvalidInputTypeError("url", "must be a str URL", url)
    if not url.startswith(("https://", "http://")):
        raise InvalidInputError("url", "must be an absolute http(s) URL", url)
    return {"method": "get", "url": url}
