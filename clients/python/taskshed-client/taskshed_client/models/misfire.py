from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.misfire_reason import MisfireReason
from ..types import UNSET, Unset

T = TypeVar("T", bound="Misfire")


@_attrs_define
class Misfire:
    """One entry of the misfire ledger: an occurrence that did not run.

    Attributes:
        scheduled_at (datetime.datetime): The occurrence's instant; for `dst_gap`, the instant clocks jumped over
            `local`.
        reason (MisfireReason): Why an occurrence did not run: `coalesced` (a late run stood for it), `catchup_limit`
            (older than the newest 100 missed with `coalesce: false`), `dst_gap` (a spring-forward
            skipped its local time under the `skip` policy).
        recorded_at (datetime.datetime):
        local (None | str | Unset): For `dst_gap`: the local date-time that did not exist; otherwise null.
    """

    scheduled_at: datetime.datetime
    reason: MisfireReason
    recorded_at: datetime.datetime
    local: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        scheduled_at = self.scheduled_at.isoformat()

        reason = self.reason.value

        recorded_at = self.recorded_at.isoformat()

        local: None | str | Unset
        if isinstance(self.local, Unset):
            local = UNSET
        else:
            local = self.local

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "scheduled_at": scheduled_at,
                "reason": reason,
                "recorded_at": recorded_at,
            }
        )
        if local is not UNSET:
            field_dict["local"] = local

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        scheduled_at = datetime.datetime.fromisoformat(d.pop("scheduled_at"))

        reason = MisfireReason(d.pop("reason"))

        recorded_at = datetime.datetime.fromisoformat(d.pop("recorded_at"))

        def _parse_local(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        local = _parse_local(d.pop("local", UNSET))

        misfire = cls(
            scheduled_at=scheduled_at,
            reason=reason,
            recorded_at=recorded_at,
            local=local,
        )

        misfire.additional_properties = d
        return misfire

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
