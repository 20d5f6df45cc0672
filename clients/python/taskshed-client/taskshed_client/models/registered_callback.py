from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.callback_kwargs_schema_type_0 import CallbackKwargsSchemaType0
    from ..models.flow_state import FlowState
    from ..models.headers import Headers
    from ..models.rate_limit_spec import RateLimitSpec
    from ..models.retry_policy import RetryPolicy


T = TypeVar("T", bound="RegisteredCallback")


@_attrs_define
class RegisteredCallback:
    """The answer to `PUT /v1/callbacks/{name}`: the callback, plus its signing secret when
    this `PUT` set it (given, or generated for a new callback). It is the only answer that
    ever carries the secret; a re-registration that keeps the old secret leaves it out.

        Attributes:
            name (str):
            url (str):  Example: https://example.com/hooks/reminders.
            timeout (str):
            headers (Headers): Extra static request headers sent with every delivery, name → value: at most 32, each
                value at most 4 KiB. TaskShed's own headers (`content-type`, `user-agent`, `webhook-*`,
                `taskshed-*`, hop-by-hop) cannot be overridden. Values are write-only: answers show
                `"[redacted]"`. Example: {'authorization': 'Bearer s3cr3t'}.
            retry (RetryPolicy): The retry policy as stored.
            max_concurrency (int): Most attempts in flight to this callback at once, over all instances. Example: 100.
            created_at (datetime.datetime):
            updated_at (datetime.datetime):
            rate_limit (None | RateLimitSpec | Unset):
            flow (FlowState | Unset): A callback's flow state, shared by all instances.
            kwargs_schema (CallbackKwargsSchemaType0 | None | Unset): The kwargs contract as registered, or null.
            on_failure (None | str | Unset): The callback told about failures (see the request field); `null` when none.
            disable_after (None | str | Unset): How long every attempt must fail before the callback is disabled; `null`:
                never.
            failing_since (datetime.datetime | None | Unset): Start of the current run of failed attempts (the first failure
                after a success);
                `null` while the last attempt succeeded.
            disabled_at (datetime.datetime | None | Unset): When `disable_after` disabled this callback; `null` while it is
                enabled. No new
                attempt starts while it is set; `POST /v1/callbacks/{name}/enable` clears it.
            disabled_reason (None | str | Unset): Why it was disabled; `null` while it is enabled.
            secret (str | Unset): The Standard Webhooks signing secret receivers verify with; present only when this
                request set it. Example: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw.
    """

    name: str
    url: str
    timeout: str
    headers: Headers
    retry: RetryPolicy
    max_concurrency: int
    created_at: datetime.datetime
    updated_at: datetime.datetime
    rate_limit: None | RateLimitSpec | Unset = UNSET
    flow: FlowState | Unset = UNSET
    kwargs_schema: CallbackKwargsSchemaType0 | None | Unset = UNSET
    on_failure: None | str | Unset = UNSET
    disable_after: None | str | Unset = UNSET
    failing_since: datetime.datetime | None | Unset = UNSET
    disabled_at: datetime.datetime | None | Unset = UNSET
    disabled_reason: None | str | Unset = UNSET
    secret: str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        from ..models.callback_kwargs_schema_type_0 import CallbackKwargsSchemaType0  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        name = self.name

        url = self.url

        timeout = self.timeout

        headers = self.headers.to_dict()

        retry = self.retry.to_dict()

        max_concurrency = self.max_concurrency

        created_at = self.created_at.isoformat()

        updated_at = self.updated_at.isoformat()

        rate_limit: dict[str, Any] | None | Unset
        if isinstance(self.rate_limit, Unset):
            rate_limit = UNSET
        elif isinstance(self.rate_limit, RateLimitSpec):
            rate_limit = self.rate_limit.to_dict()
        else:
            rate_limit = self.rate_limit

        flow: dict[str, Any] | Unset = UNSET
        if not isinstance(self.flow, Unset):
            flow = self.flow.to_dict()

        kwargs_schema: dict[str, Any] | None | Unset
        if isinstance(self.kwargs_schema, Unset):
            kwargs_schema = UNSET
        elif isinstance(self.kwargs_schema, CallbackKwargsSchemaType0):
            kwargs_schema = self.kwargs_schema.to_dict()
        else:
            kwargs_schema = self.kwargs_schema

        on_failure: None | str | Unset
        if isinstance(self.on_failure, Unset):
            on_failure = UNSET
        else:
            on_failure = self.on_failure

        disable_after: None | str | Unset
        if isinstance(self.disable_after, Unset):
            disable_after = UNSET
        else:
            disable_after = self.disable_after

        failing_since: None | str | Unset
        if isinstance(self.failing_since, Unset):
            failing_since = UNSET
        elif isinstance(self.failing_since, datetime.datetime):
            failing_since = self.failing_since.isoformat()
        else:
            failing_since = self.failing_since

        disabled_at: None | str | Unset
        if isinstance(self.disabled_at, Unset):
            disabled_at = UNSET
        elif isinstance(self.disabled_at, datetime.datetime):
            disabled_at = self.disabled_at.isoformat()
        else:
            disabled_at = self.disabled_at

        disabled_reason: None | str | Unset
        if isinstance(self.disabled_reason, Unset):
            disabled_reason = UNSET
        else:
            disabled_reason = self.disabled_reason

        secret = self.secret

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "name": name,
                "url": url,
                "timeout": timeout,
                "headers": headers,
                "retry": retry,
                "max_concurrency": max_concurrency,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )
        if rate_limit is not UNSET:
            field_dict["rate_limit"] = rate_limit
        if flow is not UNSET:
            field_dict["flow"] = flow
        if kwargs_schema is not UNSET:
            field_dict["kwargs_schema"] = kwargs_schema
        if on_failure is not UNSET:
            field_dict["on_failure"] = on_failure
        if disable_after is not UNSET:
            field_dict["disable_after"] = disable_after
        if failing_since is not UNSET:
            field_dict["failing_since"] = failing_since
        if disabled_at is not UNSET:
            field_dict["disabled_at"] = disabled_at
        if disabled_reason is not UNSET:
            field_dict["disabled_reason"] = disabled_reason
        if secret is not UNSET:
            field_dict["secret"] = secret

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.callback_kwargs_schema_type_0 import CallbackKwargsSchemaType0  # noqa: PLC0415
        from ..models.flow_state import FlowState  # noqa: PLC0415
        from ..models.headers import Headers  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415
        from ..models.retry_policy import RetryPolicy  # noqa: PLC0415

        d = dict(src_dict)
        name = d.pop("name")

        url = d.pop("url")

        timeout = d.pop("timeout")

        headers = Headers.from_dict(d.pop("headers"))

        retry = RetryPolicy.from_dict(d.pop("retry"))

        max_concurrency = d.pop("max_concurrency")

        created_at = datetime.datetime.fromisoformat(d.pop("created_at"))

        updated_at = datetime.datetime.fromisoformat(d.pop("updated_at"))

        def _parse_rate_limit(data: object) -> None | RateLimitSpec | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                rate_limit_type_1 = RateLimitSpec.from_dict(data)

                return rate_limit_type_1
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | RateLimitSpec | Unset, data)

        rate_limit = _parse_rate_limit(d.pop("rate_limit", UNSET))

        _flow = d.pop("flow", UNSET)
        flow: FlowState | Unset
        if isinstance(_flow, Unset):
            flow = UNSET
        else:
            flow = FlowState.from_dict(_flow)

        def _parse_kwargs_schema(data: object) -> CallbackKwargsSchemaType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_schema_type_0 = CallbackKwargsSchemaType0.from_dict(data)

                return kwargs_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallbackKwargsSchemaType0 | None | Unset, data)

        kwargs_schema = _parse_kwargs_schema(d.pop("kwargs_schema", UNSET))

        def _parse_on_failure(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        on_failure = _parse_on_failure(d.pop("on_failure", UNSET))

        def _parse_disable_after(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disable_after = _parse_disable_after(d.pop("disable_after", UNSET))

        def _parse_failing_since(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                failing_since_type_0 = datetime.datetime.fromisoformat(data)

                return failing_since_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        failing_since = _parse_failing_since(d.pop("failing_since", UNSET))

        def _parse_disabled_at(data: object) -> datetime.datetime | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                disabled_at_type_0 = datetime.datetime.fromisoformat(data)

                return disabled_at_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(datetime.datetime | None | Unset, data)

        disabled_at = _parse_disabled_at(d.pop("disabled_at", UNSET))

        def _parse_disabled_reason(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        disabled_reason = _parse_disabled_reason(d.pop("disabled_reason", UNSET))

        secret = d.pop("secret", UNSET)

        registered_callback = cls(
            name=name,
            url=url,
            timeout=timeout,
            headers=headers,
            retry=retry,
            max_concurrency=max_concurrency,
            created_at=created_at,
            updated_at=updated_at,
            rate_limit=rate_limit,
            flow=flow,
            kwargs_schema=kwargs_schema,
            on_failure=on_failure,
            disable_after=disable_after,
            failing_since=failing_since,
            disabled_at=disabled_at,
            disabled_reason=disabled_reason,
            secret=secret,
        )

        registered_callback.additional_properties = d
        return registered_callback

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
