from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

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
        language (int): A numeric language id (POST /tts-stream takes locale codes instead).
        project_name (str | Unset):
        project_description (str | Unset):
        folder_id (int | Unset):
        gender (Gender | Unset): 0 not known, 1 male, 2 female, 9 not applicable.
        age (int | Unset):
    """

    text: str
    voice_id: int
    language: int
    project_name: str | Unset = UNSET
    project_description: str | Unset = UNSET
    folder_id: int | Unset = UNSET
    gender: Gender | Unset = UNSET
    age: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        text = self.text

        voice_id = self.voice_id

        language = self.language

        project_name = self.project_name

        project_description = self.project_description

        folder_id = self.folder_id

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
        if folder_id is not UNSET:
            field_dict["folder_id"] = folder_id
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

        language = d.pop("language")

        project_name = d.pop("project_name", UNSET)

        project_description = d.pop("project_description", UNSET)

        folder_id = d.pop("folder_id", UNSET)

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
            folder_id=folder_id,
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
