from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.run_type import RunType
from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.dst_policy import DstPolicy


T = TypeVar("T", bound="PreviewRequest")


@_attrs_define
class PreviewRequest:
    """Body of `POST /v1/schedules/preview`: a task's schedule fields, and how many
    occurrences to list.

        Example:
            {'count': 3, 'cron': '30 2 * * *', 'dst_policy': {'gap': 'shift', 'overlap': 'once'}, 'run_type': 'cron',
                'start_at': datetime.datetime(2027, 3, 13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')),
                'timezone': 'America/New_York'}

        Attributes:
            run_type (RunType | Unset): Whether a task runs once, repeats on a fixed `interval`, or on a `cron` expression.
            cron (str | Unset): Cron expression (5 or 6 fields, or a nickname such as `@daily`). Example: 0 9 * * 1-5.
            interval (str | Unset): ISO 8601 duration (recurring).
            timezone (str | Unset): IANA zone the expression (and local times) are read in. Default `UTC`.
            dst_policy (DstPolicy | Unset): What a cron task does with local times that DST changes skip or repeat (default
                `skip` / `once`). Applies to expressions whose hour field names hours; `*` or stepped
                hours keep their rhythm in elapsed time.
            run_at (datetime.datetime | Unset): First occurrence (required for `recurring`: the grid's anchor).
            start_at (datetime.datetime | Unset): List occurrences at or after this instant. Default: now.
            end_at (datetime.datetime | Unset): Nothing after this instant.
            max_runs (int | Unset): At most this many occurrences.
            jitter (str | Unset): Accepted for symmetry with tasks; the preview lists instants, not jittered times.
            coalesce (bool | Unset): Accepted for symmetry with tasks; it does not change the occurrences.
            count (int | Unset): How many occurrences to list, 1–1000. Default 10.
    """

    run_type: RunType | Unset = UNSET
    cron: str | Unset = UNSET
    interval: str | Unset = UNSET
    timezone: str | Unset = UNSET
    dst_policy: DstPolicy | Unset = UNSET
    run_at: datetime.datetime | Unset = UNSET
    start_at: datetime.datetime | Unset = UNSET
    end_at: datetime.datetime | Unset = UNSET
    max_runs: int | Unset = UNSET
    jitter: str | Unset = UNSET
    coalesce: bool | Unset = UNSET
    count: int | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        run_type: str | Unset = UNSET
        if not isinstance(self.run_type, Unset):
            run_type = self.run_type.value

        cron = self.cron

        interval = self.interval

        timezone = self.timezone

        dst_policy: dict[str, Any] | Unset = UNSET
        if not isinstance(self.dst_policy, Unset):
            dst_policy = self.dst_policy.to_dict()

        run_at: str | Unset = UNSET
        if not isinstance(self.run_at, Unset):
            run_at = self.run_at.isoformat()

        start_at: str | Unset = UNSET
        if not isinstance(self.start_at, Unset):
            start_at = self.start_at.isoformat()

        end_at: str | Unset = UNSET
        if not isinstance(self.end_at, Unset):
            end_at = self.end_at.isoformat()

        max_runs = self.max_runs

        jitter = self.jitter

        coalesce = self.coalesce

        count = self.count

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if run_type is not UNSET:
            field_dict["run_type"] = run_type
        if cron is not UNSET:
            field_dict["cron"] = cron
        if interval is not UNSET:
            field_dict["interval"] = interval
        if timezone is not UNSET:
            field_dict["timezone"] = timezone
        if dst_policy is not UNSET:
            field_dict["dst_policy"] = dst_policy
        if run_at is not UNSET:
            field_dict["run_at"] = run_at
        if start_at is not UNSET:
            field_dict["start_at"] = start_at
        if end_at is not UNSET:
            field_dict["end_at"] = end_at
        if max_runs is not UNSET:
            field_dict["max_runs"] = max_runs
        if jitter is not UNSET:
            field_dict["jitter"] = jitter
        if coalesce is not UNSET:
            field_dict["coalesce"] = coalesce
        if count is not UNSET:
            field_dict["count"] = count

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.dst_policy import DstPolicy  # noqa: PLC0415

        d = dict(src_dict)
        _run_type = d.pop("run_type", UNSET)
        run_type: RunType | Unset
        if isinstance(_run_type, Unset):
            run_type = UNSET
        else:
            run_type = RunType(_run_type)

        cron = d.pop("cron", UNSET)

        interval = d.pop("interval", UNSET)

        timezone = d.pop("timezone", UNSET)

        _dst_policy = d.pop("dst_policy", UNSET)
        dst_policy: DstPolicy | Unset
        if isinstance(_dst_policy, Unset):
            dst_policy = UNSET
        else:
            dst_policy = DstPolicy.from_dict(_dst_policy)

        _run_at = d.pop("run_at", UNSET)
        run_at: datetime.datetime | Unset
        if isinstance(_run_at, Unset):
            run_at = UNSET
        else:
            run_at = datetime.datetime.fromisoformat(_run_at)

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

        coalesce = d.pop("coalesce", UNSET)

        count = d.pop("count", UNSET)

        preview_request = cls(
            run_type=run_type,
            cron=cron,
            interval=interval,
            timezone=timezone,
            dst_policy=dst_policy,
            run_at=run_at,
            start_at=start_at,
            end_at=end_at,
            max_runs=max_runs,
            jitter=jitter,
            coalesce=coalesce,
            count=count,
        )

        return preview_request
