from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.execution_time_update import ExecutionTimeUpdate


T = TypeVar("T", bound="ExecutionTimesRequest")


@_attrs_define
class ExecutionTimesRequest:
    """Body of `POST /v1/tasks/execution-times`.

    Example:
        {'tasks': [{'run_at': datetime.datetime(2025, 3, 15, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(0),
            'Z')), 'task_id': 'reminder-42'}]}

    Attributes:
        tasks (list[ExecutionTimeUpdate]):
        dry_run (bool | Unset): Change nothing; answer `{"affected", "task_ids"}`: how many tasks (and which, up to
            100) would be moved. Default false.
    """

    tasks: list[ExecutionTimeUpdate]
    dry_run: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        tasks = []
        for tasks_item_data in self.tasks:
            tasks_item = tasks_item_data.to_dict()
            tasks.append(tasks_item)

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tasks": tasks,
            }
        )
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.execution_time_update import ExecutionTimeUpdate  # noqa: PLC0415

        d = dict(src_dict)
        tasks = []
        _tasks = d.pop("tasks")
        for tasks_item_data in _tasks:
            tasks_item = ExecutionTimeUpdate.from_dict(tasks_item_data)

            tasks.append(tasks_item)

        dry_run = d.pop("dry_run", UNSET)

        execution_times_request = cls(
            tasks=tasks,
            dry_run=dry_run,
        )

        return execution_times_request
