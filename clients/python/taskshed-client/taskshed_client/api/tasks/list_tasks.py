from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.task_page import TaskPage
from ...models.task_status import TaskStatus
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    task_id: list[str] | Unset = UNSET,
    group_id: str | Unset = UNSET,
    status: TaskStatus | Unset = UNSET,
    callback: str | Unset = UNSET,
    paused: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    json_task_id: list[str] | Unset = UNSET
    if not isinstance(task_id, Unset):
        json_task_id = task_id

    params["task_id"] = json_task_id

    params["group_id"] = group_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    params["callback"] = callback

    params["paused"] = paused

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tasks",
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | TaskPage | None:
    if response.status_code == 200:
        response_200 = TaskPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | TaskPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    task_id: list[str] | Unset = UNSET,
    group_id: str | Unset = UNSET,
    status: TaskStatus | Unset = UNSET,
    callback: str | Unset = UNSET,
    paused: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[Problem | TaskPage]:
    """List or fetch tasks (TaskShed's `fetch_tasks`).

     With `task_id` (repeatable) returns those tasks, leaving out unknown ids; with
    `group_id` the group's tasks; without either, all tasks. `status`, `callback` and
    `paused` filter further. Ordered by `task_id`, paginated with `limit` and `cursor`.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (list[str] | Unset):
        group_id (str | Unset):
        status (TaskStatus | Unset): Where a task is in its life: waiting, being delivered, or
            finished.
        callback (str | Unset):
        paused (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskPage]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        group_id=group_id,
        status=status,
        callback=callback,
        paused=paused,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    task_id: list[str] | Unset = UNSET,
    group_id: str | Unset = UNSET,
    status: TaskStatus | Unset = UNSET,
    callback: str | Unset = UNSET,
    paused: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Problem | TaskPage | None:
    """List or fetch tasks (TaskShed's `fetch_tasks`).

     With `task_id` (repeatable) returns those tasks, leaving out unknown ids; with
    `group_id` the group's tasks; without either, all tasks. `status`, `callback` and
    `paused` filter further. Ordered by `task_id`, paginated with `limit` and `cursor`.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (list[str] | Unset):
        group_id (str | Unset):
        status (TaskStatus | Unset): Where a task is in its life: waiting, being delivered, or
            finished.
        callback (str | Unset):
        paused (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskPage
    """

    return sync_detailed(
        client=client,
        task_id=task_id,
        group_id=group_id,
        status=status,
        callback=callback,
        paused=paused,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    task_id: list[str] | Unset = UNSET,
    group_id: str | Unset = UNSET,
    status: TaskStatus | Unset = UNSET,
    callback: str | Unset = UNSET,
    paused: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[Problem | TaskPage]:
    """List or fetch tasks (TaskShed's `fetch_tasks`).

     With `task_id` (repeatable) returns those tasks, leaving out unknown ids; with
    `group_id` the group's tasks; without either, all tasks. `status`, `callback` and
    `paused` filter further. Ordered by `task_id`, paginated with `limit` and `cursor`.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (list[str] | Unset):
        group_id (str | Unset):
        status (TaskStatus | Unset): Where a task is in its life: waiting, being delivered, or
            finished.
        callback (str | Unset):
        paused (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | TaskPage]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        group_id=group_id,
        status=status,
        callback=callback,
        paused=paused,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    task_id: list[str] | Unset = UNSET,
    group_id: str | Unset = UNSET,
    status: TaskStatus | Unset = UNSET,
    callback: str | Unset = UNSET,
    paused: bool | Unset = UNSET,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Problem | TaskPage | None:
    """List or fetch tasks (TaskShed's `fetch_tasks`).

     With `task_id` (repeatable) returns those tasks, leaving out unknown ids; with
    `group_id` the group's tasks; without either, all tasks. `status`, `callback` and
    `paused` filter further. Ordered by `task_id`, paginated with `limit` and `cursor`.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (list[str] | Unset):
        group_id (str | Unset):
        status (TaskStatus | Unset): Where a task is in its life: waiting, being delivered, or
            finished.
        callback (str | Unset):
        paused (bool | Unset):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | TaskPage
    """

    return (
        await asyncio_detailed(
            client=client,
            task_id=task_id,
            group_id=group_id,
            status=status,
            callback=callback,
            paused=paused,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
