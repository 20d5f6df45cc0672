from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..models.gap_policy import GapPolicy
from ..models.overlap_policy import OverlapPolicy
from ..types import UNSET, Unset

T = TypeVar("T", bound="DstPolicy")


@_attrs_define
class DstPolicy:
    """What a cron task does with local times that DST changes skip or repeat (default
    `skip` / `once`). Applies to expressions whose hour field names hours; `*` or stepped
    hours keep their rhythm in elapsed time.

        Attributes:
            gap (GapPolicy | Unset): What to do with a local time that a spring-forward skips: `skip` runs nothing that
                day, `shift` runs at the first instant after the gap. Default: GapPolicy.SKIP.
            overlap (OverlapPolicy | Unset): What to do with a local time that a fall-back repeats: `once` runs at the first
                of
                the two instants, `both` at each. Default: OverlapPolicy.ONCE.
    """

    gap: GapPolicy | Unset = GapPolicy.SKIP
    overlap: OverlapPolicy | Unset = OverlapPolicy.ONCE

    def to_dict(self) -> dict[str, Any]:
        gap: str | Unset = UNSET
        if not isinstance(self.gap, Unset):
            gap = self.gap.value

        overlap: str | Unset = UNSET
        if not isinstance(self.overlap, Unset):
            overlap = self.overlap.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if gap is not UNSET:
            field_dict["gap"] = gap
        if overlap is not UNSET:
            field_dict["overlap"] = overlap

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        _gap = d.pop("gap", UNSET)
        gap: GapPolicy | Unset
        if isinstance(_gap, Unset):
            gap = UNSET
        else:
            gap = GapPolicy(_gap)

        _overlap = d.pop("overlap", UNSET)
        overlap: OverlapPolicy | Unset
        if isinstance(_overlap, Unset):
            overlap = UNSET
        else:
            overlap = OverlapPolicy(_overlap)

        dst_policy = cls(
            gap=gap,
            overlap=overlap,
        )

        return dst_policy
