from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RetrySpec")


@_attrs_define
class RetrySpec:
    """How failed deliveries are retried. Every field is optional.

    Attributes:
        max_attempts (int | Unset): Attempts per occurrence, 1–100 (default 8).
        initial_backoff (str | Unset): Wait before the second attempt; doubles each time (default `PT5S`). Example:
            PT5S.
        max_backoff (str | Unset): Longest wait between attempts (default `PT1H`). Example: PT1H.
    """

    max_attempts: int | Unset = UNSET
    initial_backoff: str | Unset = UNSET
    max_backoff: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        max_attempts = self.max_attempts

        initial_backoff = self.initial_backoff

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
        max_attempts = d.pop("max_attempts", UNSET)

        initial_backoff = d.pop("initial_backoff", UNSET)

        max_backoff = d.pop("max_backoff", UNSET)

        retry_spec = cls(
            max_attempts=max_attempts,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )

        return retry_spec
