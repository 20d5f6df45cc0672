from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.patch_task_request import PatchTaskRequest
from ...models.problem import Problem
from ...models.task import Task
from ...types import Response


def _get_kwargs(
    task_id: str,
    *,
    body: PatchTaskRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "patch",
        "url": "/v1/tasks/{task_id}".format(
            task_id=quote(str(task_id), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> Problem | Task | None:
    if response.status_code == 200:
        response_200 = Task.from_dict(response.json())

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

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
    task_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchTaskRequest,
) -> Response[Problem | Task]:
    """Change an unfinished task.

     Only the fields present change: `run_at` (with `timezone`), `kwargs`, `interval`
    (recurring tasks), `group_id` (null removes it from its group), `cron`, `timezone`,
    `dst_policy`, `start_at` (cron tasks: without `run_at`, the next occurrence becomes the
    first match from now under the new schedule), `end_at`, `max_runs`, `jitter` (null
    removes them). Changing `run_at` starts a new occurrence (attempts reset); changing
    `run_at` or `kwargs` gives the next delivery a new `webhook-id`. A task claimed but not
    yet sent is sent as changed; if its attempt is already in flight (`running`), the change
    takes effect when that attempt ends, so two attempts of one task never overlap. New
    `kwargs` must satisfy the callback's `kwargs_schema` (422 naming e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        task_id (str):
        body (PatchTaskRequest): Body of `PATCH /v1/tasks/{task_id}`: only the fields present
            change. Example: {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9,
            0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Task]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchTaskRequest,
) -> Problem | Task | None:
    """Change an unfinished task.

     Only the fields present change: `run_at` (with `timezone`), `kwargs`, `interval`
    (recurring tasks), `group_id` (null removes it from its group), `cron`, `timezone`,
    `dst_policy`, `start_at` (cron tasks: without `run_at`, the next occurrence becomes the
    first match from now under the new schedule), `end_at`, `max_runs`, `jitter` (null
    removes them). Changing `run_at` starts a new occurrence (attempts reset); changing
    `run_at` or `kwargs` gives the next delivery a new `webhook-id`. A task claimed but not
    yet sent is sent as changed; if its attempt is already in flight (`running`), the change
    takes effect when that attempt ends, so two attempts of one task never overlap. New
    `kwargs` must satisfy the callback's `kwargs_schema` (422 naming e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        task_id (str):
        body (PatchTaskRequest): Body of `PATCH /v1/tasks/{task_id}`: only the fields present
            change. Example: {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9,
            0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Task
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchTaskRequest,
) -> Response[Problem | Task]:
    """Change an unfinished task.

     Only the fields present change: `run_at` (with `timezone`), `kwargs`, `interval`
    (recurring tasks), `group_id` (null removes it from its group), `cron`, `timezone`,
    `dst_policy`, `start_at` (cron tasks: without `run_at`, the next occurrence becomes the
    first match from now under the new schedule), `end_at`, `max_runs`, `jitter` (null
    removes them). Changing `run_at` starts a new occurrence (attempts reset); changing
    `run_at` or `kwargs` gives the next delivery a new `webhook-id`. A task claimed but not
    yet sent is sent as changed; if its attempt is already in flight (`running`), the change
    takes effect when that attempt ends, so two attempts of one task never overlap. New
    `kwargs` must satisfy the callback's `kwargs_schema` (422 naming e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        task_id (str):
        body (PatchTaskRequest): Body of `PATCH /v1/tasks/{task_id}`: only the fields present
            change. Example: {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9,
            0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Task]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: str,
    *,
    client: AuthenticatedClient,
    body: PatchTaskRequest,
) -> Problem | Task | None:
    """Change an unfinished task.

     Only the fields present change: `run_at` (with `timezone`), `kwargs`, `interval`
    (recurring tasks), `group_id` (null removes it from its group), `cron`, `timezone`,
    `dst_policy`, `start_at` (cron tasks: without `run_at`, the next occurrence becomes the
    first match from now under the new schedule), `end_at`, `max_runs`, `jitter` (null
    removes them). Changing `run_at` starts a new occurrence (attempts reset); changing
    `run_at` or `kwargs` gives the next delivery a new `webhook-id`. A task claimed but not
    yet sent is sent as changed; if its attempt is already in flight (`running`), the change
    takes effect when that attempt ends, so two attempts of one task never overlap. New
    `kwargs` must satisfy the callback's `kwargs_schema` (422 naming e.g. `kwargs.user_id`).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        task_id (str):
        body (PatchTaskRequest): Body of `PATCH /v1/tasks/{task_id}`: only the fields present
            change. Example: {'kwargs': {'user_id': 43}, 'run_at': datetime.datetime(2025, 3, 15, 9,
            0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z'))}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Task
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
            body=body,
        )
    ).parsed
