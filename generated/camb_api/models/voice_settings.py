from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="VoiceSettings")


@_attrs_define
class VoiceSettings:
    """
    Attributes:
        enhance_reference_audio_quality (bool | Unset):
        maintain_source_accent (bool | Unset):
        apply_ref_loudness_norm (bool | Unset):
        speaking_rate (float | Unset):
    """

    enhance_reference_audio_quality: bool | Unset = UNSET
    maintain_source_accent: bool | Unset = UNSET
    apply_ref_loudness_norm: bool | Unset = UNSET
    speaking_rate: float | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        enhance_reference_audio_quality = self.enhance_reference_audio_quality

        maintain_source_accent = self.maintain_source_accent

        apply_ref_loudness_norm = self.apply_ref_loudness_norm

        speaking_rate = self.speaking_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if enhance_reference_audio_quality is not UNSET:
            field_dict["enhance_reference_audio_quality"] = enhance_reference_audio_quality
        if maintain_source_accent is not UNSET:
            field_dict["maintain_source_accent"] = maintain_source_accent
        if apply_ref_loudness_norm is not UNSET:
            field_dict["apply_ref_loudness_norm"] = apply_ref_loudness_norm
        if speaking_rate is not UNSET:
            field_dict["speaking_rate"] = speaking_rate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        enhance_reference_audio_quality = d.pop("enhance_reference_audio_quality", UNSET)

        maintain_source_accent = d.pop("maintain_source_accent", UNSET)

        apply_ref_loudness_norm = d.pop("apply_ref_loudness_norm", UNSET)

        speaking_rate = d.pop("speaking_rate", UNSET)

        voice_settings = cls(
            enhance_reference_audio_quality=enhance_reference_audio_quality,
            maintain_source_accent=maintain_source_accent,
            apply_ref_loudness_norm=apply_ref_loudness_norm,
            speaking_rate=speaking_rate,
        )

        voice_settings.additional_properties = d
        return voice_settings

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
