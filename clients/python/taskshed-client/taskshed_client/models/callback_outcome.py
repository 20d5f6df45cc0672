from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="CallbackOutcome")


@_attrs_define
class CallbackOutcome:
    """One callback's delivery attempts over the window, by how they ended.

    Example:
        {'callback': 'billing', 'failed': 1, 'retrying': 2, 'succeeded': 57, 'success_rate': 0.95}

    Attributes:
        callback (str):
        succeeded (int): Attempts that got a 2xx.
        failed (int): Attempts that failed for good (not retried).
        retrying (int): Attempts that failed and will be retried.
        success_rate (float | None | Unset): `succeeded / (succeeded + failed + retrying)`, from 0 to 1; null when the
            callback
            had no attempt in the window (nothing to rate).
    """

    callback: str
    succeeded: int
    failed: int
    retrying: int
    success_rate: float | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        callback = self.callback

        succeeded = self.succeeded

        failed = self.failed

        retrying = self.retrying

        success_rate: float | None | Unset
        if isinstance(self.success_rate, Unset):
            success_rate = UNSET
        else:
            success_rate = self.success_rate

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "callback": callback,
                "succeeded": succeeded,
                "failed": failed,
                "retrying": retrying,
            }
        )
        if success_rate is not UNSET:
            field_dict["success_rate"] = success_rate

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        callback = d.pop("callback")

        succeeded = d.pop("succeeded")

        failed = d.pop("failed")

        retrying = d.pop("retrying")

        def _parse_success_rate(data: object) -> float | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(float | None | Unset, data)

        success_rate = _parse_success_rate(d.pop("success_rate", UNSET))

        callback_outcome = cls(
            callback=callback,
            succeeded=succeeded,
            failed=failed,
            retrying=retrying,
            success_rate=success_rate,
        )

        callback_outcome.additional_properties = d
        return callback_outcome

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
