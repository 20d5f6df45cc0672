from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="TaskFailedNotice")


@_attrs_define
class TaskFailedNotice:
    """What an `on_failure` callback receives when an occurrence of a task of the callback
    naming it ends failed (retries exhausted or a permanent error; recurring tasks too).
    Delivered like any task's `kwargs`: signed with the `on_failure` callback's secret and
    retried with its policy. Documents the payload only.

        Attributes:
            type_ (str): Always `task.failed`. Example: task.failed.
            task_id (str):
            callback (str): The callback the task was delivered to (the one naming `on_failure`).
            group_id (None | str):
            run_type (str): `once`, `recurring` or `cron`.
            scheduled_at (datetime.datetime): The failed occurrence (its `taskshed-scheduled-at`).
            attempts (int): Attempts the occurrence got.
            last_status_code (int | None): The last attempt's HTTP status; `null` after a timeout or connection error.
            last_error (None | str): The task's `last_error`, e.g. `HTTP 400` or `timed out`.
            webhook_id (str): The failed occurrence's `webhook-id`.
            failed_at (datetime.datetime):
    """

    type_: str
    task_id: str
    callback: str
    group_id: None | str
    run_type: str
    scheduled_at: datetime.datetime
    attempts: int
    last_status_code: int | None
    last_error: None | str
    webhook_id: str
    failed_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        task_id = self.task_id

        callback = self.callback

        group_id: None | str
        group_id = self.group_id

        run_type = self.run_type

        scheduled_at = self.scheduled_at.isoformat()

        attempts = self.attempts

        last_status_code: int | None
        last_status_code = self.last_status_code

        last_error: None | str
        last_error = self.last_error

        webhook_id = self.webhook_id

        failed_at = self.failed_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "task_id": task_id,
                "callback": callback,
                "group_id": group_id,
                "run_type": run_type,
                "scheduled_at": scheduled_at,
                "attempts": attempts,
                "last_status_code": last_status_code,
                "last_error": last_error,
                "webhook_id": webhook_id,
                "failed_at": failed_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")

        task_id = d.pop("task_id")

        callback = d.pop("callback")

        def _parse_group_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        group_id = _parse_group_id(d.pop("group_id"))

        run_type = d.pop("run_type")

        scheduled_at = datetime.datetime.fromisoformat(d.pop("scheduled_at"))

        attempts = d.pop("attempts")

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        webhook_id = d.pop("webhook_id")

        failed_at = datetime.datetime.fromisoformat(d.pop("failed_at"))

        task_failed_notice = cls(
            type_=type_,
            task_id=task_id,
            callback=callback,
            group_id=group_id,
            run_type=run_type,
            scheduled_at=scheduled_at,
            attempts=attempts,
            last_status_code=last_status_code,
            last_error=last_error,
            webhook_id=webhook_id,
            failed_at=failed_at,
        )

        task_failed_notice.additional_properties = d
        return task_failed_notice

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
