from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TaskCounts")


@_attrs_define
class TaskCounts:
    """How many tasks are in each status (exact, at the time of the request).

    Example:
        {'failed': 2, 'paused': 7, 'running': 3, 'scheduled': 120, 'succeeded': 5400}

    Attributes:
        scheduled (int):
        running (int):
        succeeded (int):
        failed (int):
        paused (int): Paused tasks, whatever their status (they are also counted under it).
    """

    scheduled: int
    running: int
    succeeded: int
    failed: int
    paused: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        scheduled = self.scheduled

        running = self.running

        succeeded = self.succeeded

        failed = self.failed

        paused = self.paused

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "scheduled": scheduled,
                "running": running,
                "succeeded": succeeded,
                "failed": failed,
                "paused": paused,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        scheduled = d.pop("scheduled")

        running = d.pop("running")

        succeeded = d.pop("succeeded")

        failed = d.pop("failed")

        paused = d.pop("paused")

        task_counts = cls(
            scheduled=scheduled,
            running=running,
            succeeded=succeeded,
            failed=failed,
            paused=paused,
        )

        task_counts.additional_properties = d
        return task_counts

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
