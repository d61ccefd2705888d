from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="Voice")


@_attrs_define
class Voice:
    """
    Attributes:
        id (int):
        voice_name (str):
        gender (int | Unset): Gender code; 0 not known, 1 male, 2 female, 9 not applicable.
        age (int | Unset):
        language (int | Unset):
        transcript (str | Unset):
        description (str | Unset):
        is_published (bool | Unset):
    """

    id: int
    voice_name: str
    gender: int | Unset = UNSET
    age: int | Unset = UNSET
    language: int | Unset = UNSET
    transcript: str | Unset = UNSET
    description: str | Unset = UNSET
    is_published: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        voice_name = self.voice_name

        gender = self.gender

        age = self.age

        language = self.language

        transcript = self.transcript

        description = self.description

        is_published = self.is_published

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "voice_name": voice_name,
            }
        )
        if gender is not UNSET:
            field_dict["gender"] = gender
        if age is not UNSET:
            field_dict["age"] = age
        if language is not UNSET:
            field_dict["language"] = language
        if transcript is not UNSET:
            field_dict["transcript"] = transcript
        if description is not UNSET:
            field_dict["description"] = description
        if is_published is not UNSET:
            field_dict["is_published"] = is_published

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        voice_name = d.pop("voice_name")

        gender = d.pop("gender", UNSET)

        age = d.pop("age", UNSET)

        language = d.pop("language", UNSET)

        transcript = d.pop("transcript", UNSET)

        description = d.pop("description", UNSET)

        is_published = d.pop("is_published", UNSET)

        voice = cls(
            id=id,
            voice_name=voice_name,
            gender=gender,
            age=age,
            language=language,
            transcript=transcript,
            description=description,
            is_published=is_published,
        )

        voice.additional_properties = d
        return voice

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
