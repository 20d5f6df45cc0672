from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.run_type import RunType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.task_spec_kwargs_type_0 import TaskSpecKwargsType0


T = TypeVar("T", bound="TaskSpec")


@_attrs_define
class TaskSpec:
    """A task to create: TaskShed's `Task`.

    Example:
        {'callback': 'send-reminder', 'group_id': 'reminders', 'kwargs': {'user_id': 42}, 'run_at':
            datetime.datetime(2025, 3, 14, 10, 0), 'task_id': 'reminder-42', 'timezone': 'America/New_York'}

    Attributes:
        callback (str): Name of a registered callback; resolved to its webhook URL at each attempt.
        run_at (datetime.datetime): When to run: RFC 3339 with an offset, or a local date-time with `timezone`. Example:
            2025-03-14 14:00:00+00:00.
        timezone (None | str | Unset): IANA time zone used to read a `run_at` that has no offset. Example:
            America/New_York.
        kwargs (None | TaskSpecKwargsType0 | Unset): JSON object POSTed, byte for byte, to the callback's URL. Default
            `{}`.
        run_type (None | RunType | Unset):
        interval (None | str | Unset): ISO 8601 duration between occurrences; required (and > 0) for `recurring` tasks.
            Example: PT10S.
        task_id (None | str | Unset): Unique id (1–255 of `A-Z a-z 0-9 . _ ~ : -`); generated (UUID hex) when absent.
        group_id (None | str | Unset): Optional group for bulk fetch, pause, resume and delete.
        paused (bool | None | Unset): Create the task paused. Default false.
        coalesce (bool | None | Unset): A recurring task that fell behind fires once (true, default) or once per missed
            slot.
    """

    callback: str
    run_at: datetime.datetime
    timezone: None | str | Unset = UNSET
    kwargs: None | TaskSpecKwargsType0 | Unset = UNSET
    run_type: None | RunType | Unset = UNSET
    interval: None | str | Unset = UNSET
    task_id: None | str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    paused: bool | None | Unset = UNSET
    coalesce: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.task_spec_kwargs_type_0 import TaskSpecKwargsType0  # noqa: PLC0415

        callback = self.callback

        run_at = self.run_at.isoformat()

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        kwargs: dict[str, Any] | None | Unset
        if isinstance(self.kwargs, Unset):
            kwargs = UNSET
        elif isinstance(self.kwargs, TaskSpecKwargsType0):
            kwargs = self.kwargs.to_dict()
        else:
            kwargs = self.kwargs

        run_type: None | str | Unset
        if isinstance(self.run_type, Unset):
            run_type = UNSET
        elif isinstance(self.run_type, RunType):
            run_type = self.run_type.value
        else:
            run_type = self.run_type

        interval: None | str | Unset
        if isinstance(self.interval, Unset):
            interval = UNSET
        else:
            interval = self.interval

        task_id: None | str | Unset
        if isinstance(self.task_id, Unset):
            task_id = UNSET
        else:
            task_id = self.task_id

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        paused: bool | None | Unset
        if isinstance(self.paused, Unset):
            paused = UNSET
        else:
            paused = self.paused

        coalesce: bool | None | Unset
        if isinstance(self.coalesce, Unset):
            coalesce = UNSET
        else:
            coalesce = self.coalesce

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "callback": callback,
                "run_at": run_at,
            }
        )
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if kwargs is not UNSET:
            field_dict["kwargs"] = kwargs
        if run_type is not UNSET:
            field_dict["run_type"] = run_type
        if interval is not UNSET:
            field_dict["interval"] = interval
        if task_id is not UNSET:
            field_dict["task_id"] = task_id
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if paused is not UNSET:
            field_dict["paused"] = paused
        if coalesce is not UNSET:
            field_dict["coalesce"] = coalesce

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.task_spec_kwargs_type_0 import TaskSpecKwargsType0  # noqa: PLC0415

        d = dict(src_dict)
        callback = d.pop("callback")

        run_at = datetime.datetime.fromisoformat(d.pop("run_at"))

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_kwargs(data: object) -> None | TaskSpecKwargsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_type_0 = TaskSpecKwargsType0.from_dict(data)

                return kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | TaskSpecKwargsType0 | Unset, data)

        kwargs = _parse_kwargs(d.pop("kwargs", UNSET))

        def _parse_run_type(data: object) -> None | RunType | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_type_type_1 = RunType(data)

                return run_type_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RunType | Unset, data)

        run_type = _parse_run_type(d.pop("run_type", UNSET))

        def _parse_interval(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        interval = _parse_interval(d.pop("interval", UNSET))

        def _parse_task_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        task_id = _parse_task_id(d.pop("task_id", UNSET))

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        def _parse_paused(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        paused = _parse_paused(d.pop("paused", UNSET))

        def _parse_coalesce(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        coalesce = _parse_coalesce(d.pop("coalesce", UNSET))

        task_spec = cls(
            callback=callback,
            run_at=run_at,
            timezone=timezone,
            kwargs=kwargs,
            run_type=run_type,
            interval=interval,
            task_id=task_id,
            group_id=group_id,
            paused=paused,
            coalesce=coalesce,
        )

        return task_spec
