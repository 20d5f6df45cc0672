from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetrySpec")


@_attrs_define
class RetrySpec:
    """How failed deliveries are retried. Every field is optional.

    Attributes:
        max_attempts (int | None | Unset): Attempts per occurrence, 1–100 (default 8).
        initial_backoff (None | str | Unset): Wait before the second attempt; doubles each time (default `PT5S`).
            Example: PT5S.
        max_backoff (None | str | Unset): Longest wait between attempts (default `PT1H`). Example: PT1H.
    """

    max_attempts: int | None | Unset = UNSET
    initial_backoff: None | str | Unset = UNSET
    max_backoff: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        max_attempts: int | None | Unset
        if isinstance(self.max_attempts, Unset):
            max_attempts = UNSET
        else:
            max_attempts = self.max_attempts

        initial_backoff: None | str | Unset
        if isinstance(self.initial_backoff, Unset):
            initial_backoff = UNSET
        else:
            initial_backoff = self.initial_backoff

        max_backoff: None | str | Unset
        if isinstance(self.max_backoff, Unset):
            max_backoff = UNSET
        else:
            max_backoff = self.max_backoff

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if max_attempts is not UNSET:
            field_dict["max_attempts"] = max_attempts
        if initial_backoff is not UNSET:
            field_dict["initial_backoff"] = initial_backoff
        if max_backoff is not UNSET:
            field_dict["max_backoff"] = max_backoff

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)

        def _parse_max_attempts(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        max_attempts = _parse_max_attempts(d.pop("max_attempts", UNSET))

        def _parse_initial_backoff(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        initial_backoff = _parse_initial_backoff(d.pop("initial_backoff", UNSET))

        def _parse_max_backoff(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        max_backoff = _parse_max_backoff(d.pop("max_backoff", UNSET))

        retry_spec = cls(
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )

        return retry_spec
