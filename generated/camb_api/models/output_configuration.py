from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.audio_format import AudioFormat
from ..types import UNSET, Unset

T = TypeVar("T", bound="OutputConfiguration")


@_attrs_define
class OutputConfiguration:
    """
    Attributes:
        format_ (AudioFormat | Unset):
        duration (float | Unset): Target duration in seconds.
        apply_enhancement (bool | Unset): Output enhancement (loudness, denoising, polish). Left out, it is on, except
            for the speed-oriented mars-flash and mars-8.1-flash-beta (Camb's OpenAPI).
        sample_rate (int | Unset):
    """

    format_: AudioFormat | Unset = UNSET
    duration: float | Unset = UNSET
    apply_enhancement: bool | Unset = UNSET
    sample_rate: int | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        format_: str | Unset = UNSET
        if not isinstance(self.format_, Unset):
            format_ = self.format_.value

        duration = self.duration

        apply_enhancement = self.apply_enhancement

        sample_rate = self.sample_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if format_ is not UNSET:
            field_dict["format"] = format_
        if duration is not UNSET:
            field_dict["duration"] = duration
        if apply_enhancement is not UNSET:
            field_dict["apply_enhancement"] = apply_enhancement
        if sample_rate is not UNSET:
            field_dict["sample_rate"] = sample_rate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _format_ = d.pop("format", UNSET)
        format_: AudioFormat | Unset
        if isinstance(_format_, Unset):
            format_ = UNSET
        else:
            format_ = AudioFormat(_format_)

        duration = d.pop("duration", UNSET)

        apply_enhancement = d.pop("apply_enhancement", UNSET)

        sample_rate = d.pop("sample_rate", UNSET)

        output_configuration = cls(
            format_=format_,
            duration=duration,
            apply_enhancement=apply_enhancement,
            sample_rate=sample_rate,
        )

        output_configuration.additional_properties = d
        return output_configuration

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
