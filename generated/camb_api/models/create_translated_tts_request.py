from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.formality import Formality
from ..models.gender import Gender
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTranslatedTTSRequest")


@_attrs_define
class CreateTranslatedTTSRequest:
    """Camb's CreateTranslatedTTSRequestPayload: the text, its language, the language to speak it in, and the voice.
    project_name and project_description come from Camb's CreateTaskWithNameAndDescription.

        Attributes:
            text (str): The text to translate and speak.
            voice_id (int): The voice that speaks the translation (GET /list-voices).
            source_language (int | str): A locale tag such as en-us or fr-fr (GET /source-languages and /target-languages
                list them as short_name). Camb's LanguageInput is a string; its descriptions say numeric language ids (1 or "1")
                still work but are deprecated, so an integer is accepted too.
            target_language (int | str): A locale tag such as en-us or fr-fr (GET /source-languages and /target-languages
                list them as short_name). Camb's LanguageInput is a string; its descriptions say numeric language ids (1 or "1")
                still work but are deprecated, so an integer is accepted too.
            project_name (str | Unset):
            project_description (str | Unset):
            age (int | None | Unset):
            formality (Formality | None | Unset):
            gender (Gender | None | Unset):
            chosen_dictionaries (list[int] | None | Unset): Ids of the caller's dictionaries to apply.
    """

    text: str
    voice_id: int
    source_language: int | str
    target_language: int | str
    project_name: str | Unset = UNSET
    project_description: str | Unset = UNSET
    age: int | None | Unset = UNSET
    formality: Formality | None | Unset = UNSET
    gender: Gender | None | Unset = UNSET
    chosen_dictionaries: list[int] | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        voice_id = self.voice_id

        source_language: int | str
        source_language = self.source_language

        target_language: int | str
        target_language = self.target_language

        project_name = self.project_name

        project_description = self.project_description

        age: int | None | Unset
        if isinstance(self.age, Unset):
            age = UNSET
        else:
            age = self.age

        formality: int | None | Unset
        if isinstance(self.formality, Unset):
            formality = UNSET
        elif isinstance(self.formality, Formality):
            formality = self.formality.value
        else:
            formality = self.formality

        gender: int | None | Unset
        if isinstance(self.gender, Unset):
            gender = UNSET
        elif isinstance(self.gender, Gender):
            gender = self.gender.value
        else:
            gender = self.gender

        chosen_dictionaries: list[int] | None | Unset
        if isinstance(self.chosen_dictionaries, Unset):
            chosen_dictionaries = UNSET
        elif isinstance(self.chosen_dictionaries, list):
            chosen_dictionaries = self.chosen_dictionaries

        else:
            chosen_dictionaries = self.chosen_dictionaries

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "voice_id": voice_id,
                "source_language": source_language,
                "target_language": target_language,
            }
        )
        if project_name is not UNSET:
            field_dict["project_name"] = project_name
        if project_description is not UNSET:
            field_dict["project_description"] = project_description
        if age is not UNSET:
            field_dict["age"] = age
        if formality is not UNSET:
            field_dict["formality"] = formality
        if gender is not UNSET:
            field_dict["gender"] = gender
        if chosen_dictionaries is not UNSET:
            field_dict["chosen_dictionaries"] = chosen_dictionaries

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        voice_id = d.pop("voice_id")

        def _parse_source_language(data: object) -> int | str:
            return cast(int | str, data)

        source_language = _parse_source_language(d.pop("source_language"))

        def _parse_target_language(data: object) -> int | str:
            return cast(int | str, data)

        target_language = _parse_target_language(d.pop("target_language"))

        project_name = d.pop("project_name", UNSET)

        project_description = d.pop("project_description", UNSET)

        def _parse_age(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        age = _parse_age(d.pop("age", UNSET))

        def _parse_formality(data: object) -> Formality | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, int):
                    raise TypeError()
                formality_type_0 = Formality(data)

                return formality_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Formality | None | Unset, data)

        formality = _parse_formality(d.pop("formality", UNSET))

        def _parse_gender(data: object) -> Gender | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, int):
                    raise TypeError()
                gender_type_0 = Gender(data)

                return gender_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(Gender | None | Unset, data)

        gender = _parse_gender(d.pop("gender", UNSET))

        def _parse_chosen_dictionaries(data: object) -> list[int] | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, list):
                    raise TypeError()
                chosen_dictionaries_type_0 = cast(list[int], data)

                return chosen_dictionaries_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(list[int] | None | Unset, data)

        chosen_dictionaries = _parse_chosen_dictionaries(d.pop("chosen_dictionaries", UNSET))

        create_translated_tts_request = cls(
            text=text,
            voice_id=voice_id,
            source_language=source_language,
            target_language=target_language,
            project_name=project_name,
            project_description=project_description,
            age=age,
            formality=formality,
            gender=gender,
            chosen_dictionaries=chosen_dictionaries,
        )

        create_translated_tts_request.additional_properties = d
        return create_translated_tts_request

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
