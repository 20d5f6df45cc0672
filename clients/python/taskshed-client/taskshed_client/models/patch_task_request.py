from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dst_policy import DstPolicy
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
        timezone (str | Unset): Time zone for a `run_at` without offset; for cron tasks, the zone the expression is
            read in (given alone, it moves the next occurrence).
        kwargs (Kwargs | Unset): A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
            URL byte for byte as sent (no re-encoding); `\\u0000` is refused. Example: {'template': 'reminder', 'user_id':
            42}.
        interval (str | Unset): Recurring tasks only.
        group_id (None | str | Unset): A group id, or null to remove the task from its group.
        cron (str | Unset): Cron tasks only. Without `run_at`, the next occurrence becomes the first match at
            or after now (or `start_at`, if later) under the new schedule.
        dst_policy (DstPolicy | Unset): What a cron task does with local times that DST changes skip or repeat (default
            `skip` / `once`). Applies to expressions whose hour field names hours; `*` or stepped
            hours keep their rhythm in elapsed time.
        start_at (datetime.datetime | Unset): Cron tasks only; moves the next occurrence like `cron`.
        end_at (datetime.datetime | None | Unset): Recurring and cron tasks; null removes the bound.
        max_runs (int | None | Unset): Recurring and cron tasks; null removes the bound.
        jitter (None | str | Unset): Recurring and cron tasks, from the next occurrence on; null removes it.
    """

    run_at: datetime.datetime | Unset = UNSET
    timezone: str | Unset = UNSET
    kwargs: Kwargs | Unset = UNSET
    interval: str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    cron: str | Unset = UNSET
    dst_policy: DstPolicy | Unset = UNSET
    start_at: datetime.datetime | Unset = UNSET
    end_at: datetime.datetime | None | Unset = UNSET
    max_runs: int | None | Unset = UNSET
    jitter: None | str | Unset = UNSET

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

        cron = self.cron

        dst_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dst_policy, Unset):
            dst_policy = self.dst_policy.to_dict()

        start_at: str | Unset = UNSET
        if not isinstance(self.start_at, Unset):
            start_at = self.start_at.isoformat()

        end_at: None | str | Unset
        if isinstance(self.end_at, Unset):
            end_at = UNSET
        elif isinstance(self.end_at, datetime.datetime):
            end_at = self.end_at.isoformat()
        else:
            end_at = self.end_at

        max_runs: int | None | Unset
        if isinstance(self.max_runs, Unset):
            max_runs = UNSET
        else:
            max_runs = self.max_runs

        jitter: None | str | Unset
        if isinstance(self.jitter, Unset):
            jitter = UNSET
        else:
            jitter = self.jitter

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
        if cron is not UNSET:
            field_dict["cron"] = cron
        if dst_policy is not UNSET:
            field_dict["dst_policy"] = dst_policy
        if start_at is not UNSET:
            field_dict["start_at"] = start_at
        if end_at is not UNSET:
            field_dict["end_at"] = end_at
        if max_runs is not UNSET:
            field_dict["max_runs"] = max_runs
        if jitter is not UNSET:
            field_dict["jitter"] = jitter

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dst_policy import DstPolicy  # noqa: PLC0415
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

        cron = d.pop("cron", UNSET)

        _dst_policy = d.pop("dst_policy", UNSET)
        dst_policy: DstPolicy | Unset
        if isinstance(_dst_policy, Unset):
            dst_policy = UNSET
        else:
            dst_policy = DstPolicy.from_dict(_dst_policy)

        _start_at = d.pop("start_at", UNSET)
        start_at: datetime.datetime | Unset
        if isinstance(_start_at, Unset):
            start_at = UNSET
        else:
            start_at = datetime.datetime.fromisoformat(_start_at)

        def _parse_end_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                end_at_type_0 = datetime.datetime.fromisoformat(data)

                return end_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        end_at = _parse_end_at(d.pop("end_at", UNSET))

        def _parse_max_runs(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_runs = _parse_max_runs(d.pop("max_runs", UNSET))

        def _parse_jitter(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        jitter = _parse_jitter(d.pop("jitter", UNSET))

        patch_task_request = cls(
            run_at=run_at,
            timezone=timezone,
            kwargs=kwargs,
            interval=interval,
            group_id=group_id,
            cron=cron,
            dst_policy=dst_policy,
            start_at=start_at,
            end_at=end_at,
            max_runs=max_runs,
            jitter=jitter,
        )

        return patch_task_request
