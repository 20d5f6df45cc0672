from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.kwargs import Kwargs


T = TypeVar("T", bound="PatchTaskRequest")


@_attrs_define
class PatchTaskRequest:
    """Body of `PATCH /v1/tasks/{task_id}`: only the fields present change.

    Example:
        {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}

    Attributes:
        run_at (datetime.datetime | Unset):
        timezone (str | Unset): Time zone for a `run_at` without offset.
        kwargs (Kwargs | Unset): A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
            URL byte for byte as sent (no re-encoding); `\\u0000` is refused. Example: {'template': 'reminder', 'user_id':
            42}.
        interval (str | Unset): Recurring tasks only.
        group_id (None | str | Unset): A group id, or null to remove the task from its group.
    """

    run_at: datetime.datetime | Unset = UNSET
    timezone: str | Unset = UNSET
    kwargs: Kwargs | Unset = UNSET
    interval: str | Unset = UNSET
    group_id: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        run_at: str | Unset = UNSET
        if not isinstance(self.run_at, Unset):
            run_at = self.run_at.isoformat()

        timezone = self.timezone

        kwargs: dict[str, Any] | Unset = UNSET
        if not isinstance(self.kwargs, Unset):
            kwargs = self.kwargs.to_dict()

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
        from ..models.kwargs import Kwargs  # noqa: PLC0415

        d = dict(src_dict)
        _run_at = d.pop("run_at", UNSET)
        run_at: datetime.datetime | Unset
        if isinstance(_run_at, Unset):
            run_at = UNSET
        else:
            run_at = datetime.datetime.fromisoformat(_run_at)

        timezone = d.pop("timezone", UNSET)

        _kwargs = d.pop("kwargs", UNSET)
        kwargs: Kwargs | Unset
        if isinstance(_kwargs, Unset):
            kwargs = UNSET
        else:
            kwargs = Kwargs.from_dict(_kwargs)

        interval = d.pop("interval", UNSET)

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
