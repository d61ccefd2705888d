from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RunIDsRequestPayload")


@_attrs_define
class RunIDsRequestPayload:
    """
    Attributes:
        run_ids (list[int]): An array of unique positive integers, each representing the ID of a specific run. You must
            provide between 2 and 5 IDs, and all IDs must correspond to the same run type (e.g., all text-to-speech or all
            dubbing runs).
    """

    run_ids: list[int]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        run_ids = self.run_ids

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "run_ids": run_ids,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        run_ids = cast(list[int], d.pop("run_ids"))

        run_i_ds_request_payload = cls(
            run_ids=run_ids,
        )

        run_i_ds_request_payload.additional_properties = d
        return run_i_ds_request_payload

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
