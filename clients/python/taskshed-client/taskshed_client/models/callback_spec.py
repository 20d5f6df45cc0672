from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.callback_spec_kwargs_schema_type_0 import CallbackSpecKwargsSchemaType0
    from ..models.headers import Headers
    from ..models.rate_limit_spec import RateLimitSpec
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
        timeout (str | Unset): Per-attempt timeout, at most `PT5M` (default `PT10S`). Example: PT10S.
        headers (Headers | Unset): Extra static request headers sent with every delivery, name → value: at most 32, each
            value at most 4 KiB. TaskShed's own headers (`content-type`, `user-agent`, `webhook-*`,
            `taskshed-*`, hop-by-hop) cannot be overridden. Values are write-only: answers show
            `"[redacted]"`. Example: {'authorization': 'Bearer s3cr3t'}.
        retry (RetrySpec | Unset): How failed deliveries are retried. Every field is optional.
        secret (str | Unset): Standard Webhooks signing secret `whsec_<base64>`. Generated for a new callback when
            absent; an existing callback re-registered without one keeps its secret.
        kwargs_schema (CallbackSpecKwargsSchemaType0 | None | Unset): The kwargs contract: a JSON Schema (draft 2020-12)
            every task's `kwargs` must
            satisfy when the task is created or its `kwargs` changed (422 naming the path, e.g.
            `tasks[3].kwargs.user_id`). No `$ref` to other documents. Absent or null: none.
            Changing it leaves existing tasks as they are.
        on_failure (str | Unset): Another registered callback, told with a signed delivery of its own (with its own
            retries) when an occurrence of this callback's tasks ends failed (`task.failed`) or
            when this callback is disabled (`callback.disabled`). It must exist and must not be
            this callback (422); while named here it cannot be deleted (409). Notifications
            never notify in turn. Payloads: `TaskFailedNotice`, `CallbackDisabledNotice`. Example: ops-alerts.
        disable_after (str | Unset): Disable this callback once every attempt to it has failed for this long: no new
            attempt starts, its tasks wait (nothing is lost), and `on_failure` is told.
            `POST /v1/callbacks/{name}/enable` resumes it. More than zero, at most `P365D`;
            absent: never disabled. Example: PT1H.
        max_concurrency (int | Unset): Most attempts in flight to this callback at once, counted over all instances
            together: 1–10,000 (default 100). See "Flow control" in the README. Example: 100.
        rate_limit (None | RateLimitSpec | Unset):
    """

    url: str
    timeout: str | Unset = UNSET
    headers: Headers | Unset = UNSET
    retry: RetrySpec | Unset = UNSET
    secret: str | Unset = UNSET
    kwargs_schema: CallbackSpecKwargsSchemaType0 | None | Unset = UNSET
    on_failure: str | Unset = UNSET
    disable_after: str | Unset = UNSET
    max_concurrency: int | Unset = UNSET
    rate_limit: None | RateLimitSpec | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        from ..models.callback_spec_kwargs_schema_type_0 import CallbackSpecKwargsSchemaType0  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415

        url = self.url

        timeout = self.timeout

        headers: dict[str, Any] | Unset = UNSET
        if not isinstance(self.headers, Unset):
            headers = self.headers.to_dict()

        retry: dict[str, Any] | Unset = UNSET
        if not isinstance(self.retry, Unset):
            retry = self.retry.to_dict()

        secret = self.secret

        kwargs_schema: dict[str, Any] | None | Unset
        if isinstance(self.kwargs_schema, Unset):
            kwargs_schema = UNSET
        elif isinstance(self.kwargs_schema, CallbackSpecKwargsSchemaType0):
            kwargs_schema = self.kwargs_schema.to_dict()
        else:
            kwargs_schema = self.kwargs_schema

        on_failure = self.on_failure

        disable_after = self.disable_after

        max_concurrency = self.max_concurrency

        rate_limit: dict[str, Any] | None | Unset
        if isinstance(self.rate_limit, Unset):
            rate_limit = UNSET
        elif isinstance(self.rate_limit, RateLimitSpec):
            rate_limit = self.rate_limit.to_dict()
        else:
            rate_limit = self.rate_limit

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
        if kwargs_schema is not UNSET:
            field_dict["kwargs_schema"] = kwargs_schema
        if on_failure is not UNSET:
            field_dict["on_failure"] = on_failure
        if disable_after is not UNSET:
            field_dict["disable_after"] = disable_after
        if max_concurrency is not UNSET:
            field_dict["max_concurrency"] = max_concurrency
        if rate_limit is not UNSET:
            field_dict["rate_limit"] = rate_limit

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.callback_spec_kwargs_schema_type_0 import CallbackSpecKwargsSchemaType0  # noqa: PLC0415
        from ..models.headers import Headers  # noqa: PLC0415
        from ..models.rate_limit_spec import RateLimitSpec  # noqa: PLC0415
        from ..models.retry_spec import RetrySpec  # noqa: PLC0415

        d = dict(src_dict)
        url = d.pop("url")

        timeout = d.pop("timeout", UNSET)

        _headers = d.pop("headers", UNSET)
        headers: Headers | Unset
        if isinstance(_headers, Unset):
            headers = UNSET
        else:
            headers = Headers.from_dict(_headers)

        _retry = d.pop("retry", UNSET)
        retry: RetrySpec | Unset
        if isinstance(_retry, Unset):
            retry = UNSET
        else:
            retry = RetrySpec.from_dict(_retry)

        secret = d.pop("secret", UNSET)

        def _parse_kwargs_schema(data: object) -> CallbackSpecKwargsSchemaType0 | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                kwargs_schema_type_0 = CallbackSpecKwargsSchemaType0.from_dict(data)

                return kwargs_schema_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(CallbackSpecKwargsSchemaType0 | None | Unset, data)

        kwargs_schema = _parse_kwargs_schema(d.pop("kwargs_schema", UNSET))

        on_failure = d.pop("on_failure", UNSET)

        disable_after = d.pop("disable_after", UNSET)

        max_concurrency = d.pop("max_concurrency", UNSET)

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

        callback_spec = cls(
            url=url,
            timeout=timeout,
            headers=headers,
            retry=retry,
            secret=secret,
            kwargs_schema=kwargs_schema,
            on_failure=on_failure,
            disable_after=disable_after,
            max_concurrency=max_concurrency,
            rate_limit=rate_limit,
        )

        return callback_spec
