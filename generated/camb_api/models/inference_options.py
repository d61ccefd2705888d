from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="InferenceOptions")


@_attrs_define
class InferenceOptions:
    """
    Attributes:
        stability (float | Unset):
        temperature (float | Unset):
        inference_steps (int | Unset):
        speaker_similarity (float | Unset):
        localize_speaker_weight (float | Unset): Accent boost, toward a native accent of the language.
        acoustic_quality_boost (bool | Unset):
    """

    stability: float | Unset = UNSET
    temperature: float | Unset = UNSET
    inference_steps: int | Unset = UNSET
    speaker_similarity: float | Unset = UNSET
    localize_speaker_weight: float | Unset = UNSET
    acoustic_quality_boost: bool | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        stability = self.stability

        temperature = self.temperature

        inference_steps = self.inference_steps

        speaker_similarity = self.speaker_similarity

        localize_speaker_weight = self.localize_speaker_weight

        acoustic_quality_boost = self.acoustic_quality_boost

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update({})
        if stability is not UNSET:
            field_dict["stability"] = stability
        if temperature is not UNSET:
            field_dict["temperature"] = temperature
        if inference_steps is not UNSET:
            field_dict["inference_steps"] = inference_steps
        if speaker_similarity is not UNSET:
            field_dict["speaker_similarity"] = speaker_similarity
        if localize_speaker_weight is not UNSET:
            field_dict["localize_speaker_weight"] = localize_speaker_weight
        if acoustic_quality_boost is not UNSET:
            field_dict["acoustic_quality_boost"] = acoustic_quality_boost

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        stability = d.pop("stability", UNSET)

        temperature = d.pop("temperature", UNSET)

        inference_steps = d.pop("inference_steps", UNSET)

        speaker_similarity = d.pop("speaker_similarity", UNSET)

        localize_speaker_weight = d.pop("localize_speaker_weight", UNSET)

        acoustic_quality_boost = d.pop("acoustic_quality_boost", UNSET)

        inference_options = cls(
            stability=stability,
            temperature=temperature,
            inference_steps=inference_steps,
            speaker_similarity=speaker_similarity,
            localize_speaker_weight=localize_speaker_weight,
            acoustic_quality_boost=acoustic_quality_boost,
        )

        inference_options.additional_properties = d
        return inference_options

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
