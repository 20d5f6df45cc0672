from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

T = TypeVar("T", bound="FlowState")


@_attrs_define
class FlowState:
    """A callback's flow state, shared by all instances.

    Attributes:
        in_flight (int): Requests open to this callback's receiver over all instances, as each instance
            last reported them (it reports every 100 ms while it delivers).
        effective_concurrency (int): The concurrency shared among instances now: `max_concurrency`, or less after the
            receiver showed overload (timeouts, refused connections, 429, 503); it recovers
            step by step.
        held_until (datetime.datetime | None | Unset): While set and in the future, no attempt starts for this callback
            (a 429 or 503
            with `Retry-After`, at most 1 hour).
    """

    in_flight: int
    effective_concurrency: int
    held_until: datetime.datetime | None | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        in_flight = self.in_flight

        effective_concurrency = self.effective_concurrency

        held_until: None | str | Unset
        if isinstance(self.held_until, Unset):
            held_until = UNSET
        elif isinstance(self.held_until, datetime.datetime):
            held_until = self.held_until.isoformat()
        else:
            held_until = self.held_until

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "in_flight": in_flight,
                "effective_concurrency": effective_concurrency,
            }
        )
        if held_until is not UNSET:
            field_dict["held_until"] = held_until

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        in_flight = d.pop("in_flight")

        effective_concurrency = d.pop("effective_concurrency")

        def _parse_held_until(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                held_until_type_0 = datetime.datetime.fromisoformat(data)

                return held_until_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        held_until = _parse_held_until(d.pop("held_until", UNSET))

        flow_state = cls(
            in_flight=in_flight,
            effective_concurrency=effective_concurrency,
            held_until=held_until,
        )

        flow_state.additional_properties = d
        return flow_state

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
