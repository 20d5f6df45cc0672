from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.patch_task_request_kwargs_type_0 import PatchTaskRequestKwargsType0


T = TypeVar("T", bound="PatchTaskRequest")


@_attrs_define
class PatchTaskRequest:
    """Body of `PATCH /v1/tasks/{task_id}`: only the fields present change.

    Example:
        {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}

    Attributes:
        run_at (datetime.datetime | None | Unset):
        timezone (None | str | Unset): Time zone for a `run_at` without offset.
        kwargs (None | PatchTaskRequestKwargsType0 | Unset):
        interval (None | str | Unset): Recurring tasks only.
        group_id (None | str | Unset): A group id, or null to remove the task from its group.
    """

    run_at: datetime.datetime | None | Unset = UNSET
    timezone: None | str | Unset = UNSET
    kwargs: None | PatchTaskRequestKwargsType0 | Unset = UNSET
    interval: None | str | Unset = UNSET
    group_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.patch_task_request_kwargs_type_0 import PatchTaskRequestKwargsType0  # noqa: PLC0415

        run_at: None | str | Unset
        if isinstance(self.run_at, Unset):
            run_at = UNSET
        elif isinstance(self.run_at, datetime.datetime):
            run_at = self.run_at.isoformat()
        else:
            run_at = self.run_at

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

        kwargs: dict[str, Any] | None | Unset
        if isinstance(self.kwargs, Unset):
            kwargs = UNSET
        elif isinstance(self.kwargs, PatchTaskRequestKwargsType0):
            kwargs = self.kwargs.to_dict()
        else:
            kwargs = self.kwargs

        interval: None | str | Unset
        if isinstance(self.interval, Unset):
            interval = UNSET
        else:
            interval = self.interval

        group_id: None | str | Unset
        if isinstance(self.group_id, Unset):
            group_id = UNSET
        else:
            group_id = self.group_id

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if kwargs is not UNSET:
            field_dict["kwargs"] = kwargs
        if interval is not UNSET:
            field_dict["interval"] = interval
        if group_id is not UNSET:
            field_dict["group_id"] = group_id

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.patch_task_request_kwargs_type_0 import PatchTaskRequestKwargsType0  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_run_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                run_at_type_0 = datetime.datetime.fromisoformat(data)

                return run_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        run_at = _parse_run_at(d.pop("run_at", UNSET))

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

        def _parse_kwargs(data: object) -> None | PatchTaskRequestKwargsType0 | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_type_0 = PatchTaskRequestKwargsType0.from_dict(data)

                return kwargs_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | PatchTaskRequestKwargsType0 | Unset, data)

        kwargs = _parse_kwargs(d.pop("kwargs", UNSET))

        def _parse_interval(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        interval = _parse_interval(d.pop("interval", UNSET))

        def _parse_group_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        group_id = _parse_group_id(d.pop("group_id", UNSET))

        patch_task_request = cls(
            run_at=run_at,
            timezone=timezone,
            kwargs=kwargs,
            interval=interval,
            group_id=group_id,
        )

        return patch_task_request
