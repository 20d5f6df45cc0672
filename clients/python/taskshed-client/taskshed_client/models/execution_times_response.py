from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ExecutionTimesResponse")


@_attrs_define
class ExecutionTimesResponse:
    """Answer of `POST /v1/tasks/execution-times`.

    Attributes:
        updated (int): Tasks moved to their new time.
        not_found (list[str]): Ids that match no task.
        finished (list[str]): Ids of finished tasks, left unchanged (use `POST /v1/tasks/{task_id}/retry` or
            create them again).
    """

    updated: int
    not_found: list[str]
    finished: list[str]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        updated = self.updated

        not_found = self.not_found

        finished = self.finished

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "updated": updated,
                "not_found": not_found,
                "finished": finished,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        updated = d.pop("updated")

        not_found = cast(list[str], d.pop("not_found"))

        finished = cast(list[str], d.pop("finished"))

        execution_times_response = cls(
            updated=updated,
            not_found=not_found,
            finished=finished,
        )

        execution_times_response.additional_properties = d
        return execution_times_response

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
