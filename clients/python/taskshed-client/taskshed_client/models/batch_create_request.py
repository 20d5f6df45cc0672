from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_spec import TaskSpec


T = TypeVar("T", bound="BatchCreateRequest")


@_attrs_define
class BatchCreateRequest:
    """Body of `POST /v1/tasks/batch`.

    Attributes:
        tasks (list[TaskSpec]): The tasks, written in one transaction: all or none.
        replace_existing (bool | Unset): Replace tasks whose id exists (true, default) or keep the stored ones.
    """

    tasks: list[TaskSpec]
    replace_existing: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        tasks = []
        for tasks_item_data in self.tasks:
            tasks_item = tasks_item_data.to_dict()
            tasks.append(tasks_item)

        replace_existing = self.replace_existing

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "tasks": tasks,
            }
        )
        if replace_existing is not UNSET:
            field_dict["replace_existing"] = replace_existing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_spec import TaskSpec  # noqa: PLC0415

        d = dict(src_dict)
        tasks = []
        _tasks = d.pop("tasks")
        for tasks_item_data in _tasks:
            tasks_item = TaskSpec.from_dict(tasks_item_data)

            tasks.append(tasks_item)

        replace_existing = d.pop("replace_existing", UNSET)

        batch_create_request = cls(
            tasks=tasks,
            replace_existing=replace_existing,
        )

        return batch_create_request
