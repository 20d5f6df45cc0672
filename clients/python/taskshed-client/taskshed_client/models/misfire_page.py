from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.misfire import Misfire


T = TypeVar("T", bound="MisfirePage")


@_attrs_define
class MisfirePage:
    """A page of misfires, newest first.

    Attributes:
        misfires (list[Misfire]):
        next_cursor (None | str | Unset):
    """

    misfires: list[Misfire]
    next_cursor: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        misfires = []
        for misfires_item_data in self.misfires:
            misfires_item = misfires_item_data.to_dict()
            misfires.append(misfires_item)

        next_cursor: None | str | Unset
        if isinstance(self.next_cursor, Unset):
            next_cursor = UNSET
        else:
            next_cursor = self.next_cursor

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "misfires": misfires,
            }
        )
        if next_cursor is not UNSET:
            field_dict["next_cursor"] = next_cursor

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.misfire import Misfire  # noqa: PLC0415

        d = dict(src_dict)
        misfires = []
        _misfires = d.pop("misfires")
        for misfires_item_data in _misfires:
            misfires_item = Misfire.from_dict(misfires_item_data)

            misfires.append(misfires_item)

        def _parse_next_cursor(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        next_cursor = _parse_next_cursor(d.pop("next_cursor", UNSET))

        misfire_page = cls(
            misfires=misfires,
            next_cursor=next_cursor,
        )

        misfire_page.additional_properties = d
        return misfire_page

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
