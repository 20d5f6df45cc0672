from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateSecretSpec")


@_attrs_define
class RotateSecretSpec:
    """Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields are optional; send `{}`
    to rotate to a generated secret with the default grace period.

        Example:
            {'grace': 'PT24H'}

        Attributes:
            secret (str | Unset): The new `whsec_<base64>` secret; generated when absent.
            grace (str | Unset): How long deliveries keep a signature made with the old secret as well: more than
                zero, at most `P30D` (default `PT24H`). Example: PT24H.
    """

    secret: str | Unset = UNSET
    grace: str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        secret = self.secret

        grace = self.grace

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if secret is not UNSET:
            field_dict["secret"] = secret
        if grace is not UNSET:
            field_dict["grace"] = grace

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        secret = d.pop("secret", UNSET)

        grace = d.pop("grace", UNSET)

        rotate_secret_spec = cls(
            secret=secret,
            grace=grace,
        )

        return rotate_secret_spec
