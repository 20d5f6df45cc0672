from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.callback_spec_headers_type_0 import CallbackSpecHeadersType0
    from ..models.retry_spec import RetrySpec


T = TypeVar("T", bound="CallbackSpec")


@_attrs_define
class CallbackSpec:
    """Body of `PUT /v1/callbacks/{name}`.

    Example:
        {'headers': {'authorization': 'Bearer s3cr3t'}, 'retry': {'initial_backoff': 'PT1S', 'max_attempts': 5,
            'max_backoff': 'PT5M'}, 'timeout': 'PT10S', 'url': 'https://example.com/hooks/reminders'}

    Attributes:
        url (str): Absolute `http`/`https` URL, without user-info. Example: https://example.com/hooks/reminders.
        timeout (None | str | Unset): Per-attempt timeout, at most `PT5M` (default `PT10S`). Example: PT10S.
        headers (CallbackSpecHeadersType0 | None | Unset): Extra static request headers. TaskShed's own headers cannot
            be overridden.
        retry (None | RetrySpec | Unset):
        secret (None | str | Unset): Standard Webhooks signing secret `whsec_<base64>`. Generated for a new callback
            when
            absent; an existing callback re-registered without one keeps its secret.
    """

    url: str
    timeout: None | str | Unset = UNSET
    headers: CallbackSpecHeadersType0 | None | Unset = UNSET
    retry: None | RetrySpec | Unset = UNSET
    secret: None | str | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.callback_spec_headers_type_0 import CallbackSpecHeadersType0  # noqa: PLC0415
        from ..models.retry_spec import RetrySpec  # noqa: PLC0415

        url = self.url

        timeout: None | str | Unset
        if isinstance(self.timeout, Unset):
            timeout = UNSET
        else:
            timeout = self.timeout

        headers: dict[str, Any] | None | Unset
        if isinstance(self.headers, Unset):
            headers = UNSET
        elif isinstance(self.headers, CallbackSpecHeadersType0):
            headers = self.headers.to_dict()
        else:
            headers = self.headers

        retry: dict[str, Any] | None | Unset
        if isinstance(self.retry, Unset):
            retry = UNSET
        elif isinstance(self.retry, RetrySpec):
            retry = self.retry.to_dict()
        else:
            retry = self.retry

        secret: None | str | Unset
        if isinstance(self.secret, Unset):
            secret = UNSET
        else:
            secret = self.secret

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "url": url,
            }
        )
        if timeout is not UNSET:
            field_dict["timeout"] = timeout
        if headers is not UNSET:
            field_dict["headers"] = headers
        if retry is not UNSET:
            field_dict["retry"] = retry
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.callback_spec_headers_type_0 import CallbackSpecHeadersType0  # noqa: PLC0415
        from ..models.retry_spec import RetrySpec  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        def _parse_timeout(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        timeout = _parse_timeout(d.pop("timeout", UNSET))

        def _parse_headers(data: object) -> CallbackSpecHeadersType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                headers_type_0 = CallbackSpecHeadersType0.from_dict(data)

                return headers_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallbackSpecHeadersType0 | None | Unset, data)

        headers = _parse_headers(d.pop("headers", UNSET))

        def _parse_retry(data: object) -> None | RetrySpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                retry_type_1 = RetrySpec.from_dict(data)

                return retry_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RetrySpec | Unset, data)

        retry = _parse_retry(d.pop("retry", UNSET))

        def _parse_secret(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        secret = _parse_secret(d.pop("secret", UNSET))

        callback_spec = cls(
            url=url,
            timeout=timeout,
            headers=headers,
            retry=retry,
            secret=secret,
        )

        return callback_spec
