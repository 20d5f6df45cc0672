from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="DeliveryMinute")


@_attrs_define
class DeliveryMinute:
    """One minute of delivery attempts, by how they ended.

    Attributes:
        minute (datetime.datetime): The minute's start, UTC. Example: 2026-11-30 06:41:00+00:00.
        succeeded (int): Attempts that got a 2xx.
        failed (int): Attempts that failed for good (not retried: attempts exhausted, or an error that
            retrying cannot fix).
        retrying (int): Attempts that failed and will be retried.
    """

    minute: datetime.datetime
    succeeded: int
    failed: int
    retrying: int
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        minute = self.minute.isoformat()

        succeeded = self.succeeded

        failed = self.failed

        retrying = self.retrying

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "minute": minute,
                "succeeded": succeeded,
                "failed": failed,
                "retrying": retrying,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        minute = datetime.datetime.fromisoformat(d.pop("minute"))

        succeeded = d.pop("succeeded")

        failed = d.pop("failed")

        retrying = d.pop("retrying")

        delivery_minute = cls(
            minute=minute,
            succeeded=succeeded,
            failed=failed,
            retrying=retrying,
        )

        delivery_minute.additional_properties = d
        return delivery_minute

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
