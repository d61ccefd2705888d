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

from .. import _rules as rules
from .. import _validation as check
from .._exceptions import InvalidInputError, InvalidInputTypeError
from .._models import InferenceOptions, VoiceSettings
from ..api_facts import OUTPUT_TYPES

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


def _option(param: str, value: object) -> Any:
    """A `/tts-stream` option checked by its rule (camb/_rules.py), by the facade's name."""
    return rules.apply(rules.rule_of(param), param, value)


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

    body = CreateStreamTTSRequest(
        text=_option("text", text),
        language=_option("language", language),
        voice_id=_option("voice_id", voice_id),
        speech_model=_unset(_option("speech_model", speech_model)),
        user_instructions=_unset(_option("user_instructions", user_instructions)),
        enhance_named_entities_pronunciation=_unset(
            _option("enhance_named_entities_pronunciation", enhance_named_entities_pronunciation)
        ),
    )
    rules.check_models({"user_instructions": user_instructions}, speech_model)
    output = {
        "format": format,
        "sample_rate": sample_rate,
        "duration": duration,
        "apply_enhancement": apply_enhancement,
    }
    if any(v is not None for v in output.values()):
        checked = {name: _unset(_option(name, value)) for name, value in output.items()}
        if format is not None:
            checked["format_"] = GeneratedAudioFormat(checked.pop("format"))
        else:
            checked["format_"] = checked.pop("format")
        body.output_configuration = OutputConfiguration(**checked)
    settings = _options("voice_settings", voice_settings, VoiceSettings)
    if settings is not None:
        body.voice_settings = GeneratedVoiceSettings(**_nested("voice_settings", settings))
    inference = _options("inference_options", inference_options, InferenceOptions)
    if inference is not None:
        body.inference_options = GeneratedInferenceOptions(
            **_nested("inference_options", inference)
        )
    return build_create_tts_stream_request(body=body)


def _nested(outer: str, options: VoiceSettings | InferenceOptions) -> dict[str, Any]:
    """Each field of a nested option object, checked by its rule (`outer.field`)."""
    return {
        field.name: _unset(_option(f"{outer}.{field.name}", getattr(options, field.name)))
        for field in attrs.fields(type(options))
    }


def model_sample_rate(speech_model: object) -> int | None:
    """The documented sample rate of `speech_model` (or of the server's default model)."""
    from ..api_facts import SAMPLE_RATES, SERVER_DEFAULT_SPEECH_MODEL

    model = speech_model if isinstance(speech_model, str) else SERVER_DEFAULT_SPEECH_MODEL
    return SAMPLE_RATES.get(model)


def create_request(
    text: object,
    voice_id: object,
    language: object,
    *,
    project_name: object = None,
    project_description: object = None,
    gender: object = None,
    age: object = None,
) -> RequestArgs:
    """A checked `POST /tts`. `language` is a locale tag, sent as it is (Camb's preferred
    form); a numeric language id is still taken (deprecated upstream) and sent as an int."""
    from camb_api.api.tts import build_create_tts_request
    from camb_api.models import CreateTTSRequest, Gender
    from camb_api.types import UNSET

    def option(param: str, value: object) -> Any:
        return rules.apply(rules.TASK_RULES[param], param, value)

    checked_gender = option("gender", gender)
    body = CreateTTSRequest(
        text=option("text", text),
        voice_id=option("voice_id", voice_id),
        language=option("language", language),
        project_name=_unset(option("project_name", project_name)),
        project_description=_unset(option("project_description", project_description)),
        gender=UNSET if checked_gender is None else Gender(checked_gender),
        age=_unset(option("age", age)),
    )
    return build_create_tts_request(body=body)


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
