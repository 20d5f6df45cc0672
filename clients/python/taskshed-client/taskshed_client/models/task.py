from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.run_type import RunType
from ..models.task_status import TaskStatus
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dst_policy import DstPolicy
    from ..models.kwargs import Kwargs


T = TypeVar("T", bound="Task")


@_attrs_define
class Task:
    """A task as stored.

    Attributes:
        task_id (str):
        callback (str):
        run_at (datetime.datetime): The next occurrence (or the last one, once finished). UTC.
        kwargs (Kwargs): A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
            URL byte for byte as sent (no re-encoding); `\\u0000` is refused. Example: {'template': 'reminder', 'user_id':
            42}.
        run_type (RunType): Whether a task runs once, repeats on a fixed `interval`, or on a `cron` expression.
        paused (bool):
        coalesce (bool):
        status (TaskStatus): Where a task is in its life: waiting, being delivered, or finished.
        attempts (int): Attempts made at the current occurrence.
        runs (int): Finished occurrences.
        created_at (datetime.datetime):
        updated_at (datetime.datetime):
        timezone (None | str | Unset): The time zone `run_at` was given in, if any (informational).
        interval (None | str | Unset): Normalised ISO 8601 duration (recurring tasks only).
        group_id (None | str | Unset):
        paused_at (datetime.datetime | None | Unset): When the task was first paused; null while not paused.
        last_error (None | str | Unset): Error of the latest failed attempt.
        next_attempt_at (datetime.datetime | None | Unset): When the next attempt may start: `run_at`, or later while
            waiting out a retry backoff.
        finished_at (datetime.datetime | None | Unset):
        cron (None | str | Unset): Cron tasks: the expression.
        dst_policy (DstPolicy | None | Unset):
        start_at (datetime.datetime | None | Unset): Cron tasks: the first occurrence was the first match at or after
            this instant.
        end_at (datetime.datetime | None | Unset): No occurrence after this instant.
        max_runs (int | None | Unset): The task ends `succeeded` after this many finished occurrences (`runs`).
        jitter (None | str | Unset): Each occurrence runs within this long after its instant.
    """

    task_id: str
    callback: str
    run_at: datetime.datetime
    kwargs: Kwargs
    run_type: RunType
    paused: bool
    coalesce: bool
    status: TaskStatus
    attempts: int
    runs: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    timezone: None | str | Unset = UNSET
    interval: None | str | Unset = UNSET
    group_id: None | str | Unset = UNSET
    paused_at: datetime.datetime | None | Unset = UNSET
    last_error: None | str | Unset = UNSET
    next_attempt_at: datetime.datetime | None | Unset = UNSET
    finished_at: datetime.datetime | None | Unset = UNSET
    cron: None | str | Unset = UNSET
    dst_policy: DstPolicy | None | Unset = UNSET
    start_at: datetime.datetime | None | Unset = UNSET
    end_at: datetime.datetime | None | Unset = UNSET
    max_runs: int | None | Unset = UNSET
    jitter: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.dst_policy import DstPolicy  # noqa: PLC0415

        task_id = self.task_id

        callback = self.callback

        run_at = self.run_at.isoformat()

        kwargs = self.kwargs.to_dict()

        run_type = self.run_type.value

        paused = self.paused

        coalesce = self.coalesce

        status = self.status.value

        attempts = self.attempts

        runs = self.runs

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        timezone: None | str | Unset
        if isinstance(self.timezone, Unset):
            timezone = UNSET
        else:
            timezone = self.timezone

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

        paused_at: None | str | Unset
        if isinstance(self.paused_at, Unset):
            paused_at = UNSET
        elif isinstance(self.paused_at, datetime.datetime):
            paused_at = self.paused_at.isoformat()
        else:
            paused_at = self.paused_at

        last_error: None | str | Unset
        if isinstance(self.last_error, Unset):
            last_error = UNSET
        else:
            last_error = self.last_error

        next_attempt_at: None | str | Unset
        if isinstance(self.next_attempt_at, Unset):
            next_attempt_at = UNSET
        elif isinstance(self.next_attempt_at, datetime.datetime):
            next_attempt_at = self.next_attempt_at.isoformat()
        else:
            next_attempt_at = self.next_attempt_at

        finished_at: None | str | Unset
        if isinstance(self.finished_at, Unset):
            finished_at = UNSET
        elif isinstance(self.finished_at, datetime.datetime):
            finished_at = self.finished_at.isoformat()
        else:
            finished_at = self.finished_at

        cron: None | str | Unset
        if isinstance(self.cron, Unset):
            cron = UNSET
        else:
            cron = self.cron

        dst_policy: dict[str, Any] | None | Unset
        if isinstance(self.dst_policy, Unset):
            dst_policy = UNSET
        elif isinstance(self.dst_policy, DstPolicy):
            dst_policy = self.dst_policy.to_dict()
        else:
            dst_policy = self.dst_policy

        start_at: None | str | Unset
        if isinstance(self.start_at, Unset):
            start_at = UNSET
        elif isinstance(self.start_at, datetime.datetime):
            start_at = self.start_at.isoformat()
        else:
            start_at = self.start_at

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
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task_id": task_id,
                "callback": callback,
                "run_at": run_at,
                "kwargs": kwargs,
                "run_type": run_type,
                "paused": paused,
                "coalesce": coalesce,
                "status": status,
                "attempts": attempts,
                "runs": runs,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if interval is not UNSET:
            field_dict["interval"] = interval
        if group_id is not UNSET:
            field_dict["group_id"] = group_id
        if paused_at is not UNSET:
            field_dict["paused_at"] = paused_at
        if last_error is not UNSET:
            field_dict["last_error"] = last_error
        if next_attempt_at is not UNSET:
            field_dict["next_attempt_at"] = next_attempt_at
        if finished_at is not UNSET:
            field_dict["finished_at"] = finished_at
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
        task_id = d.pop("task_id")

        callback = d.pop("callback")

        run_at = datetime.datetime.fromisoformat(d.pop("run_at"))

        kwargs = Kwargs.from_dict(d.pop("kwargs"))

        run_type = RunType(d.pop("run_type"))

        paused = d.pop("paused")

        coalesce = d.pop("coalesce")

        status = TaskStatus(d.pop("status"))

        attempts = d.pop("attempts")

        runs = d.pop("runs")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_timezone(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timezone = _parse_timezone(d.pop("timezone", UNSET))

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

        def _parse_paused_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                paused_at_type_0 = datetime.datetime.fromisoformat(data)

                return paused_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        paused_at = _parse_paused_at(d.pop("paused_at", UNSET))

        def _parse_last_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        last_error = _parse_last_error(d.pop("last_error", UNSET))

        def _parse_next_attempt_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                next_attempt_at_type_0 = datetime.datetime.fromisoformat(data)

                return next_attempt_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at", UNSET))

        def _parse_finished_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                finished_at_type_0 = datetime.datetime.fromisoformat(data)

                return finished_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        finished_at = _parse_finished_at(d.pop("finished_at", UNSET))

        def _parse_cron(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        cron = _parse_cron(d.pop("cron", UNSET))

        def _parse_dst_policy(data: object) -> DstPolicy | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                dst_policy_type_1 = DstPolicy.from_dict(data)

                return dst_policy_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DstPolicy | None | Unset, data)

        dst_policy = _parse_dst_policy(d.pop("dst_policy", UNSET))

        def _parse_start_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                start_at_type_0 = datetime.datetime.fromisoformat(data)

                return start_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        start_at = _parse_start_at(d.pop("start_at", UNSET))

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

        task = cls(
            task_id=task_id,
            callback=callback,
            run_at=run_at,
            kwargs=kwargs,
            run_type=run_type,
            paused=paused,
            coalesce=coalesce,
            status=status,
            attempts=attempts,
            runs=runs,
            created_at=created_at,
            updated_at=updated_at,
            timezone=timezone,
            interval=interval,
            group_id=group_id,
            paused_at=paused_at,
            last_error=last_error,
            next_attempt_at=next_attempt_at,
            finished_at=finished_at,
            cron=cron,
            dst_policy=dst_policy,
            start_at=start_at,
            end_at=end_at,
            max_runs=max_runs,
            jitter=jitter,
        )

        task.additional_properties = d
        return task

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
