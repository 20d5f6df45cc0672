from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.run_type import RunType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.kwargs import Kwargs


T = TypeVar("T", bound="CreateTaskRequest")


@_attrs_define
class CreateTaskRequest:
    """Body of `POST /v1/tasks`: a task plus what to do if its id exists.

    Example:
        {'callback': 'send-reminder', 'kwargs': {'user_id': 42}, 'replace_existing': False, 'run_at':
            datetime.datetime(2025, 3, 14, 14, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id':
            'reminder-42'}

    Attributes:
        callback (str): Name of a registered callback; resolved to its webhook URL at each attempt.
        run_at (datetime.datetime): When to run: RFC 3339 with an offset, or a local date-time with `timezone`.
        timezone (str | Unset): IANA time zone used to read a `run_at` that has no offset.
        kwargs (Kwargs | Unset): A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
            URL byte for byte as sent (no re-encoding); `\\u0000` is refused. Example: {'template': 'reminder', 'user_id':
            42}.
        run_type (RunType | Unset): Whether a task runs once or repeats on a fixed interval.
        interval (str | Unset): ISO 8601 duration between occurrences; required (and > 0) for `recurring` tasks.
        task_id (str | Unset): Unique id (1–255 of `A-Z a-z 0-9 . _ ~ : -`); generated (UUID hex) when absent.
        group_id (str | Unset): Optional group for bulk fetch, pause, resume and delete.
        paused (bool | Unset): Create the task paused. Default false.
        coalesce (bool | Unset): A recurring task that fell behind fires once (true, default) or once per missed slot.
        replace_existing (bool | Unset): Replace a task with the same id (true, default) or answer 409 `task_exists`.
    """

    callback: str
    run_at: datetime.datetime
    timezone: str | Unset = UNSET
    kwargs: Kwargs | Unset = UNSET
    run_type: RunType | Unset = UNSET
    interval: str | Unset = UNSET
    task_id: str | Unset = UNSET
    group_id: str | Unset = UNSET
    paused: bool | Unset = UNSET
    coalesce: bool | Unset = UNSET
    replace_existing: bool | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        callback = self.callback

        run_at = self.run_at.isoformat()

        timezone = self.timezone

        kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kwargs, Unset):
            kwargs = self.kwargs.to_dict()

        run_type: str | Unset = UNSET
        if not isinstance(self.run_type, Unset):
            run_type = self.run_type.value

        interval = self.interval

        task_id = self.task_id

        group_id = self.group_id

        paused = self.paused

        coalesce = self.coalesce

        replace_existing = self.replace_existing

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
        if replace_existing is not UNSET:
            field_dict["replace_existing"] = replace_existing

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.kwargs import Kwargs  # noqa: PLC0415

        d = dict(src_dict)
        callback = d.pop("callback")

        run_at = datetime.datetime.fromisoformat(d.pop("run_at"))

        timezone = d.pop("timezone", UNSET)

        _kwargs = d.pop("kwargs", UNSET)
        kwargs: Kwargs | Unset
        if isinstance(_kwargs, Unset):
            kwargs = UNSET
        else:
            kwargs = Kwargs.from_dict(_kwargs)

        _run_type = d.pop("run_type", UNSET)
        run_type: RunType | Unset
        if isinstance(_run_type, Unset):
            run_type = UNSET
        else:
            run_type = RunType(_run_type)

        interval = d.pop("interval", UNSET)

        task_id = d.pop("task_id", UNSET)

        group_id = d.pop("group_id", UNSET)

        paused = d.pop("paused", UNSET)

        coalesce = d.pop("coalesce", UNSET)

        replace_existing = d.pop("replace_existing", UNSET)

        create_task_request = cls(
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
            replace_existing=replace_existing,
        )

        return create_task_request
