from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.audio_output_file_url_response import AudioOutputFileURLResponse


T = TypeVar("T", bound="BulkTTSRunsResults")


@_attrs_define
class BulkTTSRunsResults:
    """An object containing the results of one to five text-to-speech (TTS) runs. Each key in the object is a unique
    identifier for a run, and the corresponding value is the Text-to-Speech run details.

    """

    additional_properties: dict[str, AudioOutputFileURLResponse | str] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.audio_output_file_url_response import AudioOutputFileURLResponse

        field_dict: dict[str, Any] = {}
        for prop_name, prop in self.additional_properties.items():
            if isinstance(prop, AudioOutputFileURLResponse):
                field_dict[prop_name] = prop.to_dict()
            else:
                field_dict[prop_name] = prop

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.audio_output_file_url_response import AudioOutputFileURLResponse

        d = dict(src_dict)
        bulk_tts_runs_results = cls()

        additional_properties = {}
        for prop_name, prop_dict in d.items():

            def _parse_additional_property(data: object) -> AudioOutputFileURLResponse | str:
                try:
                    if not isinstance(data, dict):
                        raise TypeError()
                    additional_property_type_0 = AudioOutputFileURLResponse.from_dict(data)

                    return additional_property_type_0
                except (TypeError, ValueError, AttributeError, KeyError):
                    pass
                return cast(AudioOutputFileURLResponse | str, data)

            additional_property = _parse_additional_property(prop_dict)

            additional_properties[prop_name] = additional_property

        bulk_tts_runs_results.additional_properties = additional_properties
        return bulk_tts_runs_results

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> AudioOutputFileURLResponse | str:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: AudioOutputFileURLResponse | str) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
