from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.gender import Gender
from ..types import UNSET, Unset

T = TypeVar("T", bound="CreateTTSRequest")


@_attrs_define
class CreateTTSRequest:
    """
    Attributes:
        text (str):
        voice_id (int):
        language (int | str): The language of the text: a locale tag such as en-us, fr-fr or es-es (see GET /source-
            languages). Numeric language ids still work but are deprecated (Camb's OpenAPI).
        project_name (str | Unset): A name for the project in the Camb.AI workspace, 3 to 255 characters.
        project_description (str | Unset): What the project is for, 3 to 5000 characters.
        gender (Gender | Unset): 0 not known, 1 male, 2 female, 9 not applicable.
        age (int | Unset):
    """

    text: str
    voice_id: int
    language: int | str
    project_name: str | Unset = UNSET
    project_description: str | Unset = UNSET
    gender: Gender | Unset = UNSET
    age: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        voice_id = self.voice_id

        language: int | str
        language = self.language

        project_name = self.project_name

        project_description = self.project_description

        gender: int | Unset = UNSET
        if not isinstance(self.gender, Unset):
            gender = self.gender.value

        age = self.age

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "text": text,
                "voice_id": voice_id,
                "language": language,
            }
        )
        if project_name is not UNSET:
            field_dict["project_name"] = project_name
        if project_description is not UNSET:
            field_dict["project_description"] = project_description
        if gender is not UNSET:
            field_dict["gender"] = gender
        if age is not UNSET:
            field_dict["age"] = age

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        text = d.pop("text")

        voice_id = d.pop("voice_id")

        def _parse_language(data: object) -> int | str:
            return cast(int | str, data)

        language = _parse_language(d.pop("language"))

        project_name = d.pop("project_name", UNSET)

        project_description = d.pop("project_description", UNSET)

        _gender = d.pop("gender", UNSET)
        gender: Gender | Unset
        if isinstance(_gender, Unset):
            gender = UNSET
        else:
            gender = Gender(_gender)

        age = d.pop("age", UNSET)

        create_tts_request = cls(
            text=text,
            voice_id=voice_id,
            language=language,
            project_name=project_name,
            project_description=project_description,
            gender=gender,
            age=age,
        )

        create_tts_request.additional_properties = d
        return create_tts_request

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
