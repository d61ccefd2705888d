from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.speech_model_kind import SpeechModelKind
from ..models.stream_language import StreamLanguage
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.inference_options import InferenceOptions
    from ..models.output_configuration import OutputConfiguration
    from ..models.voice_settings import VoiceSettings


T = TypeVar("T", bound="CreateStreamTTSRequest")


@_attrs_define
class CreateStreamTTSRequest:
    """
    Attributes:
        text (str): The text to speak, 3 to 3000 characters.
        language (str | StreamLanguage): A lower-case locale tag such as en-us, hi-in, pt-br or zh-cn-sichuan: one of
            the 313 Camb's OpenAPI lists (StreamLanguage), or one the API added since (an open set). A locale the chosen
            speech_model does not support is a 422 listing the allowed ones.
        voice_id (int): A voice id from GET /list-voices. A voice that is not this key's is refused (see the 400
            answer).
        speech_model (SpeechModelKind | str | Unset): The model to speak with: one of SpeechModelKind, or a model the
            API added since. Left out, the server picks its default (x-server-default).
        user_instructions (str | Unset): How to say the text (tone, pace, emotion), 3 to 1000 characters, for the mars-
            instruct model only (Camb's n8n node, livekit, pipecat); other models ignore it.
        enhance_named_entities_pronunciation (bool | Unset): Improves the pronunciation of names, brands and other named
            entities.
        output_configuration (OutputConfiguration | Unset):
        voice_settings (VoiceSettings | Unset):
        inference_options (InferenceOptions | Unset):
    """

    text: str
    language: str | StreamLanguage
    voice_id: int
    speech_model: SpeechModelKind | str | Unset = UNSET
    user_instructions: str | Unset = UNSET
    enhance_named_entities_pronunciation: bool | Unset = UNSET
    output_configuration: OutputConfiguration | Unset = UNSET
    voice_settings: VoiceSettings | Unset = UNSET
    inference_options: InferenceOptions | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        language: str
        if isinstance(self.language, StreamLanguage):
            language = self.language.value
        else:
            language = self.language

        voice_id = self.voice_id

        speech_model: str | Unset
        if isinstance(self.speech_model, Unset):
            speech_model = UNSET
        elif isinstance(self.speech_model, SpeechModelKind):
            speech_model = self.speech_model.value
        else:
            speech_model = self.speech_model

        user_instructions = self.user_instructions

        enhance_named_entities_pronunciation = self.enhance_named_entities_pronunciation

        output_configuration: dict[str, Any] | Unset = UNSET
        if not isinstance(self.output_configuration, Unset):
            output_configuration = self.output_configuration.to_dict()

        voice_settings: dict[str, Any] | Unset = UNSET
        if not isinstance(self.voice_settings, Unset):
            voice_settings = self.voice_settings.to_dict()

        inference_options: dict[str, Any] | Unset = UNSET
        if not isinstance(self.inference_options, Unset):
            inference_options = self.inference_options.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "language": language,
                "voice_id": voice_id,
            }
        )
        if speech_model is not UNSET:
            field_dict["speech_model"] = speech_model
        if user_instructions is not UNSET:
            field_dict["user_instructions"] = user_instructions
        if enhance_named_entities_pronunciation is not UNSET:
            field_dict["enhance_named_entities_pronunciation"] = enhance_named_entities_pronunciation
        if output_configuration is not UNSET:
            field_dict["output_configuration"] = output_configuration
        if voice_settings is not UNSET:
            field_dict["voice_settings"] = voice_settings
        if inference_options is not UNSET:
            field_dict["inference_options"] = inference_options

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.inference_options import InferenceOptions
        from ..models.output_configuration import OutputConfiguration
        from ..models.voice_settings import VoiceSettings

        d = dict(src_dict)
        text = d.pop("text")

        def _parse_language(data: object) -> str | StreamLanguage:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                language_type_0 = StreamLanguage(data)

                return language_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | StreamLanguage, data)

        language = _parse_language(d.pop("language"))

        voice_id = d.pop("voice_id")

        def _parse_speech_model(data: object) -> SpeechModelKind | str | Unset:
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                speech_model_type_0 = SpeechModelKind(data)

                return speech_model_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(SpeechModelKind | str | Unset, data)

        speech_model = _parse_speech_model(d.pop("speech_model", UNSET))

        user_instructions = d.pop("user_instructions", UNSET)

        enhance_named_entities_pronunciation = d.pop("enhance_named_entities_pronunciation", UNSET)

        _output_configuration = d.pop("output_configuration", UNSET)
        output_configuration: OutputConfiguration | Unset
        if isinstance(_output_configuration, Unset):
            output_configuration = UNSET
        else:
            output_configuration = OutputConfiguration.from_dict(_output_configuration)

        _voice_settings = d.pop("voice_settings", UNSET)
        voice_settings: VoiceSettings | Unset
        if isinstance(_voice_settings, Unset):
            voice_settings = UNSET
        else:
            voice_settings = VoiceSettings.from_dict(_voice_settings)

        _inference_options = d.pop("inference_options", UNSET)
        inference_options: InferenceOptions | Unset
        if isinstance(_inference_options, Unset):
            inference_options = UNSET
        else:
            inference_options = InferenceOptions.from_dict(_inference_options)

        create_stream_tts_request = cls(
            text=text,
            language=language,
            voice_id=voice_id,
            speech_model=speech_model,
            user_instructions=user_instructions,
            enhance_named_entities_pronunciation=enhance_named_entities_pronunciation,
            output_configuration=output_configuration,
            voice_settings=voice_settings,
            inference_options=inference_options,
        )

        create_stream_tts_request.additional_properties = d
        return create_stream_tts_request

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
