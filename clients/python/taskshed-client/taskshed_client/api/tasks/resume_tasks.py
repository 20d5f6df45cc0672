from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.affected_response import AffectedResponse
from ...models.problem import Problem
from ...models.task_selector_request import TaskSelectorRequest
from ...types import Response


def _get_kwargs(
    *,
    body: TaskSelectorRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tasks/resume",
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
    body: TaskSelectorRequest,
) -> Response[AffectedResponse | Problem]:
    """Resume paused tasks (TaskShed's `resume_tasks`).

     Clears `paused` and `paused_at` without rescheduling: an overdue task fires at once.
    `affected` counts tasks that were paused. With `"dry_run": true` nothing changes: the
    answer counts the tasks that would be resumed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (TaskSelectorRequest): Exactly one of `task_ids` or `group_id`, and optionally
            `dry_run`. Example: {'group_id': 'reminders'}.

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
    body: TaskSelectorRequest,
) -> AffectedResponse | Problem | None:
    """Resume paused tasks (TaskShed's `resume_tasks`).

     Clears `paused` and `paused_at` without rescheduling: an overdue task fires at once.
    `affected` counts tasks that were paused. With `"dry_run": true` nothing changes: the
    answer counts the tasks that would be resumed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (TaskSelectorRequest): Exactly one of `task_ids` or `group_id`, and optionally
            `dry_run`. Example: {'group_id': 'reminders'}.

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
    body: TaskSelectorRequest,
) -> Response[AffectedResponse | Problem]:
    """Resume paused tasks (TaskShed's `resume_tasks`).

     Clears `paused` and `paused_at` without rescheduling: an overdue task fires at once.
    `affected` counts tasks that were paused. With `"dry_run": true` nothing changes: the
    answer counts the tasks that would be resumed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (TaskSelectorRequest): Exactly one of `task_ids` or `group_id`, and optionally
            `dry_run`. Example: {'group_id': 'reminders'}.

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
    body: TaskSelectorRequest,
) -> AffectedResponse | Problem | None:
    """Resume paused tasks (TaskShed's `resume_tasks`).

     Clears `paused` and `paused_at` without rescheduling: an overdue task fires at once.
    `affected` counts tasks that were paused. With `"dry_run": true` nothing changes: the
    answer counts the tasks that would be resumed and lists the first 100 ids.

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (TaskSelectorRequest): Exactly one of `task_ids` or `group_id`, and optionally
            `dry_run`. Example: {'group_id': 'reminders'}.

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
