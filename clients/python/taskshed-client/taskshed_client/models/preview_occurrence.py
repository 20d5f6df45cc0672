from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.dst_flag import DstFlag
from ..types import UNSET, Unset

T = TypeVar("T", bound="PreviewOccurrence")


@_attrs_define
class PreviewOccurrence:
    """One occurrence of a schedule.

    Attributes:
        at (datetime.datetime): The instant, UTC. Example: 2027-03-14 07:00:00+00:00.
        local (str): The same instant on the schedule zone's clock, with its offset. Example: 2027-03-14 03:00:00-04:00.
        dst (DstFlag | None | Unset):
    """

    at: datetime.datetime
    local: str
    dst: DstFlag | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        at = self.at.isoformat()

        local = self.local

        dst: None | str | Unset
        if isinstance(self.dst, Unset):
            dst = UNSET
        elif isinstance(self.dst, DstFlag):
            dst = self.dst.value
        else:
            dst = self.dst

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "at": at,
                "local": local,
            }
        )
        if dst is not UNSET:
            field_dict["dst"] = dst

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        at = datetime.datetime.fromisoformat(d.pop("at"))

        local = d.pop("local")

        def _parse_dst(data: object) -> DstFlag | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                dst_type_1 = DstFlag(data)

                return dst_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DstFlag | None | Unset, data)

        dst = _parse_dst(d.pop("dst", UNSET))

        preview_occurrence = cls(
            at=at,
            local=local,
            dst=dst,
        )

        preview_occurrence.additional_properties = d
        return preview_occurrence

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
