from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="RotatedSecret")


@_attrs_define
class RotatedSecret:
    """The answer to a rotation: the new secret (the only time it is shown) and when the
    previous one stops signing.

        Attributes:
            secret (str): The new Standard Webhooks signing secret. Example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
            previous_expires_at (datetime.datetime): Until this instant every delivery carries two signatures, new first.
    """

    secret: str
    previous_expires_at: datetime.datetime
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        previous_expires_at = self.previous_expires_at.isoformat()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "secret": secret,
                "previous_expires_at": previous_expires_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secret = d.pop("secret")

        previous_expires_at = datetime.datetime.fromisoformat(d.pop("previous_expires_at"))

        rotated_secret = cls(
            secret=secret,
            previous_expires_at=previous_expires_at,
        )

        rotated_secret.additional_properties = d
        return rotated_secret

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
