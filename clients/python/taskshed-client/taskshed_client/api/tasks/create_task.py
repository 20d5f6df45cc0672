from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_task_request import CreateTaskRequest
from ...models.problem import Problem
from ...models.task import Task
from ...types import Response


def _get_kwargs(
    *,
    body: CreateTaskRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tasks",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Task | None:
    if response.status_code == 200:
        response_200 = Task.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = Task.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

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


def _build_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Response[Problem | Task]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateTaskRequest,
) -> Response[Problem | Task]:
    """Create one task (TaskShed's `add_task`).

     The callback must be registered. If `task_id` exists, the task is replaced (200) when
    `replace_existing` is true (the default) or the request fails with 409 `task_exists`.
    If the callback has a `kwargs_schema`, `kwargs` must satisfy it (422 naming the path,
    e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (CreateTaskRequest): Body of `POST /v1/tasks`: a task plus what to do if its id
            exists. Example: {'callback': 'send-reminder', 'kwargs': {'user_id': 42},
            'replace_existing': False, 'run_at': datetime.datetime(2025, 3, 14, 14, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Task]
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
    body: CreateTaskRequest,
) -> Problem | Task | None:
    """Create one task (TaskShed's `add_task`).

     The callback must be registered. If `task_id` exists, the task is replaced (200) when
    `replace_existing` is true (the default) or the request fails with 409 `task_exists`.
    If the callback has a `kwargs_schema`, `kwargs` must satisfy it (422 naming the path,
    e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (CreateTaskRequest): Body of `POST /v1/tasks`: a task plus what to do if its id
            exists. Example: {'callback': 'send-reminder', 'kwargs': {'user_id': 42},
            'replace_existing': False, 'run_at': datetime.datetime(2025, 3, 14, 14, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Task
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateTaskRequest,
) -> Response[Problem | Task]:
    """Create one task (TaskShed's `add_task`).

     The callback must be registered. If `task_id` exists, the task is replaced (200) when
    `replace_existing` is true (the default) or the request fails with 409 `task_exists`.
    If the callback has a `kwargs_schema`, `kwargs` must satisfy it (422 naming the path,
    e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (CreateTaskRequest): Body of `POST /v1/tasks`: a task plus what to do if its id
            exists. Example: {'callback': 'send-reminder', 'kwargs': {'user_id': 42},
            'replace_existing': False, 'run_at': datetime.datetime(2025, 3, 14, 14, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Task]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateTaskRequest,
) -> Problem | Task | None:
    """Create one task (TaskShed's `add_task`).

     The callback must be registered. If `task_id` exists, the task is replaced (200) when
    `replace_existing` is true (the default) or the request fails with 409 `task_exists`.
    If the callback has a `kwargs_schema`, `kwargs` must satisfy it (422 naming the path,
    e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (CreateTaskRequest): Body of `POST /v1/tasks`: a task plus what to do if its id
            exists. Example: {'callback': 'send-reminder', 'kwargs': {'user_id': 42},
            'replace_existing': False, 'run_at': datetime.datetime(2025, 3, 14, 14, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Task
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
