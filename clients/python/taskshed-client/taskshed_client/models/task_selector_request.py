from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TaskSelectorRequest")


@_attrs_define
class TaskSelectorRequest:
    """Exactly one of `task_ids` or `group_id`, and optionally `dry_run`.

    Example:
        {'group_id': 'reminders'}

    Attributes:
        task_ids (list[str] | Unset):
        group_id (str | Unset):
        dry_run (bool | Unset): Change nothing; answer how many tasks (and which, up to 100) the operation would
            change. Default false.
    """

    task_ids: list[str] | Unset = UNSET
    group_id: str | Unset = UNSET
    dry_run: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        task_ids: list[str] | Unset = UNSET
        if not isinstance(self.task_ids, Unset):
            task_ids = self.task_ids

        group_id = self.group_id

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if task_ids is not UNSET:
            field_dict["task_ids"] = task_ids
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_ids = cast(list[str], d.pop("task_ids", UNSET))

        group_id = d.pop("group_id", UNSET)

        dry_run = d.pop("dry_run", UNSET)

        task_selector_request = cls(
            task_ids=task_ids,
            group_id=group_id,
            dry_run=dry_run,
        )

        return task_selector_request
