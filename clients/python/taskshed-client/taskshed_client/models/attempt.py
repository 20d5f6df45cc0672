from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.attempt_outcome import AttemptOutcome
from ..types import UNSET, Unset

T = TypeVar("T", bound="Attempt")


@_attrs_define
class Attempt:
    """One delivery attempt.

    Attributes:
        task_id (str):
        webhook_id (str): The `webhook-id` sent; the same on every retry of an occurrence.
        attempt (int): 1-based attempt number within the occurrence.
        scheduled_at (datetime.datetime): The occurrence's `run_at`.
        started_at (datetime.datetime):
        duration_ms (float): Wall time of the HTTP exchange, in milliseconds.
        outcome (AttemptOutcome): How an attempt ended.
        instance (str): The TaskShed instance that made the attempt.
        status_code (int | None | Unset): HTTP status, when a response arrived.
        error (None | str | Unset): Error class when no usable response arrived (`timeout`, `connect`, `request`,
            `invalid_request`, `egress_denied`).
        response (None | str | Unset): The first bytes of the response body.
    """

    task_id: str
    webhook_id: str
    attempt: int
    scheduled_at: datetime.datetime
    started_at: datetime.datetime
    duration_ms: float
    outcome: AttemptOutcome
    instance: str
    status_code: int | None | Unset = UNSET
    error: None | str | Unset = UNSET
    response: None | str | Unset = UNSET
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        task_id = self.task_id

        webhook_id = self.webhook_id

        attempt = self.attempt

        scheduled_at = self.scheduled_at.isoformat()

        started_at = self.started_at.isoformat()

        duration_ms = self.duration_ms

        outcome = self.outcome.value

        instance = self.instance

        status_code: int | None | Unset
        if isinstance(self.status_code, Unset):
            status_code = UNSET
        else:
            status_code = self.status_code

        error: None | str | Unset
        if isinstance(self.error, Unset):
            error = UNSET
        else:
            error = self.error

        response: None | str | Unset
        if isinstance(self.response, Unset):
            response = UNSET
        else:
            response = self.response

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "task_id": task_id,
                "webhook_id": webhook_id,
                "attempt": attempt,
                "scheduled_at": scheduled_at,
                "started_at": started_at,
                "duration_ms": duration_ms,
                "outcome": outcome,
                "instance": instance,
            }
        )
        if status_code is not UNSET:
            field_dict["status_code"] = status_code
        if error is not UNSET:
            field_dict["error"] = error
        if response is not UNSET:
            field_dict["response"] = response

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        task_id = d.pop("task_id")

        webhook_id = d.pop("webhook_id")

        attempt = d.pop("attempt")

        scheduled_at = datetime.datetime.fromisoformat(d.pop("scheduled_at"))

        started_at = datetime.datetime.fromisoformat(d.pop("started_at"))

        duration_ms = d.pop("duration_ms")

        outcome = AttemptOutcome(d.pop("outcome"))

        instance = d.pop("instance")

        def _parse_status_code(data: object) -> int | None | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(int | None | Unset, data)

        status_code = _parse_status_code(d.pop("status_code", UNSET))

        def _parse_error(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        error = _parse_error(d.pop("error", UNSET))

        def _parse_response(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        response = _parse_response(d.pop("response", UNSET))

        attempt = cls(
            task_id=task_id,
            webhook_id=webhook_id,
            attempt=attempt,
            scheduled_at=scheduled_at,
            started_at=started_at,
            duration_ms=duration_ms,
            outcome=outcome,
            instance=instance,
            status_code=status_code,
            error=error,
            response=response,
        )

        attempt.additional_properties = d
        return attempt

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
