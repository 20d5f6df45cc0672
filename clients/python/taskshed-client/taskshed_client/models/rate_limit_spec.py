from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="RateLimitSpec")


@_attrs_define
class RateLimitSpec:
    """A rate limit: at most `requests` attempt starts per `per`, over all instances. Starts
    are spaced evenly, at least `per / requests` apart.

        Example:
            {'per': 'PT1S', 'requests': 50}

        Attributes:
            requests (int): 1–100,000.
            per (str): The period, more than zero and at most `P1D`. Example: PT1S.
    """

    requests: int
    per: str

    def to_dict(self) -> dict[str, Any]:
        requests = self.requests

        per = self.per

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "requests": requests,
                "per": per,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        requests = d.pop("requests")

        per = d.pop("per")

        rate_limit_spec = cls(
            requests=requests,
            per=per,
        )

        return rate_limit_spec
