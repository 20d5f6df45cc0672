from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.misfire_reason import MisfireReason

T = TypeVar("T", bound="SkippedOccurrence")


@_attrs_define
class SkippedOccurrence:
    """A local time the expression names that a spring-forward skipped (`skip` policy).

    Attributes:
        local (str): The local date-time that did not exist (no offset: it had none). Example: 2027-03-14 02:30:00.
        reason (MisfireReason): Why an occurrence did not run: `coalesced` (a late run stood for it), `catchup_limit`
            (older than the newest 100 missed with `coalesce: false`), `dst_gap` (a spring-forward
            skipped its local time under the `skip` policy).
    """

    local: str
    reason: MisfireReason
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        local = self.local

        reason = self.reason.value

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "local": local,
                "reason": reason,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        local = d.pop("local")

        reason = MisfireReason(d.pop("reason"))

        skipped_occurrence = cls(
            local=local,
            reason=reason,
        )

        skipped_occurrence.additional_properties = d
        return skipped_occurrence

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
