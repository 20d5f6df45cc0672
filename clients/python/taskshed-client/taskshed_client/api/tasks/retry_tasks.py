from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.affected_response import AffectedResponse
from ...models.problem import Problem
from ...models.retry_tasks_request import RetryTasksRequest
from ...types import Response


def _get_kwargs(
    *,
    body: RetryTasksRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tasks/retry",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AffectedResponse | Problem | None:
    if response.status_code == 200:
        response_200 = AffectedResponse.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    if client.raise_on_unexpected_status:
        raise errors.UnexpectedStatus(response.status_code, response.content)
    else:
        return None


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[AffectedResponse | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: RetryTasksRequest,
) -> Response[AffectedResponse | Problem]:
    """Re-arm many failed tasks at once, in one statement.

     Exactly one of `task_ids`, `group_id` or `callback` picks the tasks; only `failed` ones
    are re-armed, as `POST /v1/tasks/{task_id}/retry` does each (due now, attempts reset,
    same occurrence and `webhook-id`). `failed_after` / `failed_before` (RFC 3339, any
    offset) keep those whose failure time (`finished_at`) is in `[failed_after,
    failed_before)`. `affected` counts re-armed tasks. With `"dry_run": true` nothing
    changes: the answer counts the tasks that would be re-armed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (RetryTasksRequest): Body of `POST /v1/tasks/retry`: exactly one of `task_ids`,
            `group_id`, `callback`, and
            optionally a window of failure times. Example: {'callback': 'send-reminder', 'dry_run':
            True, 'failed_after': datetime.datetime(2025, 3, 14, 0, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AffectedResponse | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: RetryTasksRequest,
) -> AffectedResponse | Problem | None:
    """Re-arm many failed tasks at once, in one statement.

     Exactly one of `task_ids`, `group_id` or `callback` picks the tasks; only `failed` ones
    are re-armed, as `POST /v1/tasks/{task_id}/retry` does each (due now, attempts reset,
    same occurrence and `webhook-id`). `failed_after` / `failed_before` (RFC 3339, any
    offset) keep those whose failure time (`finished_at`) is in `[failed_after,
    failed_before)`. `affected` counts re-armed tasks. With `"dry_run": true` nothing
    changes: the answer counts the tasks that would be re-armed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (RetryTasksRequest): Body of `POST /v1/tasks/retry`: exactly one of `task_ids`,
            `group_id`, `callback`, and
            optionally a window of failure times. Example: {'callback': 'send-reminder', 'dry_run':
            True, 'failed_after': datetime.datetime(2025, 3, 14, 0, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AffectedResponse | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: RetryTasksRequest,
) -> Response[AffectedResponse | Problem]:
    """Re-arm many failed tasks at once, in one statement.

     Exactly one of `task_ids`, `group_id` or `callback` picks the tasks; only `failed` ones
    are re-armed, as `POST /v1/tasks/{task_id}/retry` does each (due now, attempts reset,
    same occurrence and `webhook-id`). `failed_after` / `failed_before` (RFC 3339, any
    offset) keep those whose failure time (`finished_at`) is in `[failed_after,
    failed_before)`. `affected` counts re-armed tasks. With `"dry_run": true` nothing
    changes: the answer counts the tasks that would be re-armed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (RetryTasksRequest): Body of `POST /v1/tasks/retry`: exactly one of `task_ids`,
            `group_id`, `callback`, and
            optionally a window of failure times. Example: {'callback': 'send-reminder', 'dry_run':
            True, 'failed_after': datetime.datetime(2025, 3, 14, 0, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AffectedResponse | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: RetryTasksRequest,
) -> AffectedResponse | Problem | None:
    """Re-arm many failed tasks at once, in one statement.

     Exactly one of `task_ids`, `group_id` or `callback` picks the tasks; only `failed` ones
    are re-armed, as `POST /v1/tasks/{task_id}/retry` does each (due now, attempts reset,
    same occurrence and `webhook-id`). `failed_after` / `failed_before` (RFC 3339, any
    offset) keep those whose failure time (`finished_at`) is in `[failed_after,
    failed_before)`. `affected` counts re-armed tasks. With `"dry_run": true` nothing
    changes: the answer counts the tasks that would be re-armed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (RetryTasksRequest): Body of `POST /v1/tasks/retry`: exactly one of `task_ids`,
            `group_id`, `callback`, and
            optionally a window of failure times. Example: {'callback': 'send-reminder', 'dry_run':
            True, 'failed_after': datetime.datetime(2025, 3, 14, 0, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AffectedResponse | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
