from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.task_status_kind import TaskStatusKind
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_status_message_type_1 import TaskStatusMessageType1


T = TypeVar("T", bound="TaskStatus")


@_attrs_define
class TaskStatus:
    """
    Attributes:
        status (str | TaskStatusKind): One of the documented values in TaskStatusKind, or a value the API added since.
        run_id (int | None | Unset): Present once the status is SUCCESS.
        exception_reason (None | str | Unset): Why a task failed, e.g. HARMFUL_CONTENT_DETECTED or PROCESSING_ERROR.
        message (None | str | TaskStatusMessageType1 | Unset): A human-readable message or a structured one.
    """

    status: str | TaskStatusKind
    run_id: int | None | Unset = UNSET
    exception_reason: None | str | Unset = UNSET
    message: None | str | TaskStatusMessageType1 | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.task_status_message_type_1 import TaskStatusMessageType1

        status: str
        if isinstance(self.status, TaskStatusKind):
            status = self.status.value
        else:
            status = self.status

        run_id: int | None | Unset
        if isinstance(self.run_id, Unset):
            run_id = UNSET
        else:
            run_id = self.run_id

        exception_reason: None | str | Unset
        if isinstance(self.exception_reason, Unset):
            exception_reason = UNSET
        else:
            exception_reason = self.exception_reason

        message: dict[str, Any] | None | str | Unset
        if isinstance(self.message, Unset):
            message = UNSET
        elif isinstance(self.message, TaskStatusMessageType1):
            message = self.message.to_dict()
        else:
            message = self.message

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "status": status,
            }
        )
        if run_id is not UNSET:
            field_dict["run_id"] = run_id
        if exception_reason is not UNSET:
            field_dict["exception_reason"] = exception_reason
        if message is not UNSET:
            field_dict["message"] = message

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_status_message_type_1 import TaskStatusMessageType1

        d = dict(src_dict)

        def _parse_status(data: object) -> str | TaskStatusKind:
            try:
                if not isinstance(data, str):
                    raise TypeError()
                status_type_0 = TaskStatusKind(data)

                return status_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(str | TaskStatusKind, data)

        status = _parse_status(d.pop("status"))

        def _parse_run_id(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        run_id = _parse_run_id(d.pop("run_id", UNSET))

        def _parse_exception_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        exception_reason = _parse_exception_reason(d.pop("exception_reason", UNSET))

        def _parse_message(data: object) -> None | str | TaskStatusMessageType1 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                message_type_1 = TaskStatusMessageType1.from_dict(data)

                return message_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | str | TaskStatusMessageType1 | Unset, data)

        message = _parse_message(d.pop("message", UNSET))

        task_status = cls(
            status=status,
            run_id=run_id,
            exception_reason=exception_reason,
            message=message,
        )

        task_status.additional_properties = d
        return task_status

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
