from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.run_type import RunType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dst_policy import DstPolicy
    from ..models.kwargs import Kwargs


T = TypeVar("T", bound="TaskSpec")


@_attrs_define
class TaskSpec:
    """A task to create: TaskShed's `Task`.

    Example:
        {'callback': 'send-reminder', 'group_id': 'reminders', 'kwargs': {'user_id': 42}, 'run_at':
            datetime.datetime(2025, 3, 14, 10, 0), 'task_id': 'reminder-42', 'timezone': 'America/New_York'}

    Attributes:
        callback (str): Name of a registered callback; resolved to its webhook URL at each attempt.
        run_at (datetime.datetime | Unset): When to run (the first occurrence): RFC 3339 with an offset, or a local
            date-time
            with `timezone`. Required, except for cron tasks. Example: 2025-03-14 14:00:00+00:00.
        timezone (str | Unset): IANA time zone used to read a `run_at` that has no offset, and a cron expression.
            Example: America/New_York.
        kwargs (Kwargs | Unset): A task's keyword arguments: any JSON object. It is stored and POSTed to the callback's
            URL byte for byte as sent (no re-encoding); `\\u0000` is refused. Example: {'template': 'reminder', 'user_id':
            42}.
        run_type (RunType | Unset): Whether a task runs once, repeats on a fixed `interval`, or on a `cron` expression.
        interval (str | Unset): ISO 8601 duration between occurrences; required (and > 0) for `recurring` tasks.
            Example: PT10S.
        task_id (str | Unset): Unique id (1–255 of `A-Z a-z 0-9 . _ ~ : -`); generated (UUID hex) when absent.
        group_id (str | Unset): Optional group for bulk fetch, pause, resume and delete.
        paused (bool | Unset): Create the task paused. Default false.
        coalesce (bool | Unset): A recurring task that fell behind fires once (true, default) or once per missed
            slot (at most 100; older ones go to the misfire ledger).
        cron (str | Unset): Cron expression (`run_type: "cron"`): 5 fields (minute hour day-of-month month
            day-of-week), or 6 with seconds first; `@yearly @annually @monthly @weekly @daily
            @midnight @hourly`; `L`, `W`, `#`. Read in `timezone` (default `UTC`). Example: 0 9 * * 1-5.
        dst_policy (DstPolicy | Unset): What a cron task does with local times that DST changes skip or repeat (default
            `skip` / `once`). Applies to expressions whose hour field names hours; `*` or stepped
            hours keep their rhythm in elapsed time.
        start_at (datetime.datetime | Unset): Cron only: the first occurrence is the first match at or after this
            instant
            (default: now), when `run_at` is not given.
        end_at (datetime.datetime | Unset): Recurring and cron: no occurrence after this instant; then the task ends
            `succeeded`.
        max_runs (int | Unset): Recurring and cron: the task ends `succeeded` after this many finished occurrences.
        jitter (str | Unset): Recurring and cron: each occurrence runs at a uniformly random moment within
            `[instant, instant + jitter]`, never early (at most `P7D`). Example: PT30S.
    """

    callback: str
    run_at: datetime.datetime | Unset = UNSET
    timezone: str | Unset = UNSET
    kwargs: Kwargs | Unset = UNSET
    run_type: RunType | Unset = UNSET
    interval: str | Unset = UNSET
    task_id: str | Unset = UNSET
    group_id: str | Unset = UNSET
    paused: bool | Unset = UNSET
    coalesce: bool | Unset = UNSET
    cron: str | Unset = UNSET
    dst_policy: DstPolicy | Unset = UNSET
    start_at: datetime.datetime | Unset = UNSET
    end_at: datetime.datetime | Unset = UNSET
    max_runs: int | Unset = UNSET
    jitter: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        callback = self.callback

        run_at: str | Unset = UNSET
        if not isinstance(self.run_at, Unset):
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

        cron = self.cron

        dst_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dst_policy, Unset):
            dst_policy = self.dst_policy.to_dict()

        start_at: str | Unset = UNSET
        if not isinstance(self.start_at, Unset):
            start_at = self.start_at.isoformat()

        end_at: str | Unset = UNSET
        if not isinstance(self.end_at, Unset):
            end_at = self.end_at.isoformat()

        max_runs = self.max_runs

        jitter = self.jitter

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "callback": callback,
            }
        )
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
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
        callback = d.pop("callback")

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

        _end_at = d.pop("end_at", UNSET)
        end_at: datetime.datetime | Unset
        if isinstance(_end_at, Unset):
            end_at = UNSET
        else:
            end_at = datetime.datetime.fromisoformat(_end_at)

        max_runs = d.pop("max_runs", UNSET)

        jitter = d.pop("jitter", UNSET)

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
            cron=cron,
            dst_policy=dst_policy,
            start_at=start_at,
            end_at=end_at,
            max_runs=max_runs,
            jitter=jitter,
        )

        return task_spec
