from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="ExecutionTimeUpdate")


@_attrs_define
class ExecutionTimeUpdate:
    """One new execution time.

    Attributes:
        task_id (str):
        run_at (datetime.datetime):
        timezone (str | Unset): Time zone for a `run_at` without offset.
    """

    task_id: str
    run_at: datetime.datetime
    timezone: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        run_at = self.run_at.isoformat()

        timezone = self.timezone

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "task_id": task_id,
                "run_at": run_at,
            }
        )
        if timezone is not UNSET:
            field_dict["timezone"] = timezone

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_id = d.pop("task_id")

        run_at = datetime.datetime.fromisoformat(d.pop("run_at"))

        timezone = d.pop("timezone", UNSET)

        execution_time_update = cls(
            task_id=task_id,
            run_at=run_at,
            timezone=timezone,
        )

        return execution_time_update
