from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetryTasksRequest")


@_attrs_define
class RetryTasksRequest:
    """Body of `POST /v1/tasks/retry`: exactly one of `task_ids`, `group_id`, `callback`, and
    optionally a window of failure times.

        Example:
            {'callback': 'send-reminder', 'dry_run': True, 'failed_after': datetime.datetime(2025, 3, 14, 0, 0,
                tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}

        Attributes:
            task_ids (list[str] | Unset):
            group_id (str | Unset):
            callback (str | Unset): Every failed task of this callback.
            failed_after (datetime.datetime | Unset): Only tasks that failed at or after this instant (RFC 3339 with an
                offset).
            failed_before (datetime.datetime | Unset): Only tasks that failed before this instant (RFC 3339 with an offset).
            dry_run (bool | Unset): Change nothing; answer how many tasks (and which, up to 100) would be re-armed.
    """

    task_ids: list[str] | Unset = UNSET
    group_id: str | Unset = UNSET
    callback: str | Unset = UNSET
    failed_after: datetime.datetime | Unset = UNSET
    failed_before: datetime.datetime | Unset = UNSET
    dry_run: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        task_ids: list[str] | Unset = UNSET
        if not isinstance(self.task_ids, Unset):
            task_ids = self.task_ids

        group_id = self.group_id

        callback = self.callback

        failed_after: str | Unset = UNSET
        if not isinstance(self.failed_after, Unset):
            failed_after = self.failed_after.isoformat()

        failed_before: str | Unset = UNSET
        if not isinstance(self.failed_before, Unset):
            failed_before = self.failed_before.isoformat()

        dry_run = self.dry_run

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if task_ids is not UNSET:
            field_dict["task_ids"] = task_ids
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if callback is not UNSET:
            field_dict["callback"] = callback
        if failed_after is not UNSET:
            field_dict["failed_after"] = failed_after
        if failed_before is not UNSET:
            field_dict["failed_before"] = failed_before
        if dry_run is not UNSET:
            field_dict["dry_run"] = dry_run

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_ids = cast(list[str], d.pop("task_ids", UNSET))

        group_id = d.pop("group_id", UNSET)

        callback = d.pop("callback", UNSET)

        _failed_after = d.pop("failed_after", UNSET)
        failed_after: datetime.datetime | Unset
        if isinstance(_failed_after, Unset):
            failed_after = UNSET
        else:
            failed_after = datetime.datetime.fromisoformat(_failed_after)

        _failed_before = d.pop("failed_before", UNSET)
        failed_before: datetime.datetime | Unset
        if isinstance(_failed_before, Unset):
            failed_before = UNSET
        else:
            failed_before = datetime.datetime.fromisoformat(_failed_before)

        dry_run = d.pop("dry_run", UNSET)

        retry_tasks_request = cls(
            task_ids=task_ids,
            group_id=group_id,
            callback=callback,
            failed_after=failed_after,
            failed_before=failed_before,
            dry_run=dry_run,
        )

        return retry_tasks_request
