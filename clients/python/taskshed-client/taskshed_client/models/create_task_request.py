from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.run_type import RunType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.create_task_request_kwargs_type_0 import CreateTaskRequestKwargsType0


T = TypeVar("T", bound="CreateTaskRequest")


@_attrs_define
class CreateTaskRequest:
    """Body of `POST /v1/tasks`: a task plus what to do if its id exists.

    Example:
        {'callback': 'send-reminder', 'kwargs': {'user_id': 42}, 'replace_existing': False, 'run_at':
            datetime.datetime(2025, 3, 14, 14, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id':
            'reminder-42'}

    Attributes:
        callback (str): See `TaskSpec.callback`.
        run_at (datetime.datetime): See `TaskSpec.run_at`.
        timezone (None | str | Unset):
        kwargs (CreateTaskRequestKwargsType0 | None | Unset):
        run_type (None | RunType | Unset):
        interval (None | str | Unset):
        task_id (None | str | Unset):
        group_id (None | str | Unset):
        paused (bool | None | Unset):
        coalesce (bool | None | Unset):
        replace_existing (bool | None | Unset): Replace a task with the same id (true, default) or answer 409
            `task_exists`.
    """

    callback: str
    run_at: datetime.datetime
    timezone: None | str | Unset = UNSET
    kwargs: CreateTaskRequestKwargsType0 | None | Unset = UNSET
    run_type: None | RunType | Unset = UNSET
    interval: None | str | Unset = UNSET
    task_id: None | str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    paused: bool | None | Unset = UNSET
    coalesce: bool | None | Unset = UNSET
    replace_existing: bool | None | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.create_task_request_kwargs_type_0 import CreateTaskRequestKwargsType0  # noqa: PLC0415

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
        elif isinstance(self.kwargs, CreateTaskRequestKwargsType0):
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

        replace_existing: bool | None | Unset
        if isinstance(self.replace_existing, Unset):
            replace_existing = UNSET
        else:
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
        from ..models.create_task_request_kwargs_type_0 import CreateTaskRequestKwargsType0  # noqa: PLC0415

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

        def _parse_kwargs(data: object) -> CreateTaskRequestKwargsType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_type_0 = CreateTaskRequestKwargsType0.from_dict(data)

                return kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CreateTaskRequestKwargsType0 | None | Unset, data)

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

        def _parse_replace_existing(data: object) -> bool | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(bool | None | Unset, data)

        replace_existing = _parse_replace_existing(d.pop("replace_existing", UNSET))

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
