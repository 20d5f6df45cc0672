from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="CallbackDisabledNotice")


@_attrs_define
class CallbackDisabledNotice:
    """What an `on_failure` callback receives when `disable_after` disables the callback
    naming it. Documents the payload only.

        Attributes:
            type_ (str): Always `callback.disabled`. Example: callback.disabled.
            callback (str): The callback that was disabled.
            failing_since (datetime.datetime):
            disabled_at (datetime.datetime):
    """

    type_: str
    callback: str
    failing_since: datetime.datetime
    disabled_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        type_ = self.type_

        callback = self.callback

        failing_since = self.failing_since.isoformat()

        disabled_at = self.disabled_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "type": type_,
                "callback": callback,
                "failing_since": failing_since,
                "disabled_at": disabled_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        type_ = d.pop("type")

        callback = d.pop("callback")

        failing_since = datetime.datetime.fromisoformat(d.pop("failing_since"))

        disabled_at = datetime.datetime.fromisoformat(d.pop("disabled_at"))

        callback_disabled_notice = cls(
            type_=type_,
            callback=callback,
            failing_since=failing_since,
            disabled_at=disabled_at,
        )

        callback_disabled_notice.additional_properties = d
        return callback_disabled_notice

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
