from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.affected_response import AffectedResponse
from ...models.execution_times_request import ExecutionTimesRequest
from ...models.execution_times_response import ExecutionTimesResponse
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: ExecutionTimesRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/tasks/execution-times",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> AffectedResponse | ExecutionTimesResponse | Problem | None:
    if response.status_code == 200:

        def _parse_response_200(data: object) -> AffectedResponse | ExecutionTimesResponse:
            try:
                if not isinstance(data, dict):
                    raise TypeError()
                componentsschemas_execution_times_answer_type_0 = ExecutionTimesResponse.from_dict(data)

                return componentsschemas_execution_times_answer_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            if not isinstance(data, dict):
                raise TypeError()
            componentsschemas_execution_times_answer_type_1 = AffectedResponse.from_dict(data)

            return componentsschemas_execution_times_answer_type_1

        response_200 = _parse_response_200(response.json())

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
) -> Response[AffectedResponse | ExecutionTimesResponse | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: ExecutionTimesRequest,
) -> Response[AffectedResponse | ExecutionTimesResponse | Problem]:
    """Move tasks to new execution times (TaskShed's `update_execution_times`).

     Each listed unfinished task gets its new `run_at` (a new occurrence; for a task whose
    attempt is in flight, once that attempt has ended). Unknown ids are
    reported in `not_found`, finished tasks in `finished`; neither is changed or created.
    With `"dry_run": true` nothing changes and the answer is `{"affected", "task_ids"}`:
    the tasks that would be moved (ids: the first 100, in id order).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (ExecutionTimesRequest): Body of `POST /v1/tasks/execution-times`. Example: {'tasks':
            [{'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AffectedResponse | ExecutionTimesResponse | Problem]
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
    body: ExecutionTimesRequest,
) -> AffectedResponse | ExecutionTimesResponse | Problem | None:
    """Move tasks to new execution times (TaskShed's `update_execution_times`).

     Each listed unfinished task gets its new `run_at` (a new occurrence; for a task whose
    attempt is in flight, once that attempt has ended). Unknown ids are
    reported in `not_found`, finished tasks in `finished`; neither is changed or created.
    With `"dry_run": true` nothing changes and the answer is `{"affected", "task_ids"}`:
    the tasks that would be moved (ids: the first 100, in id order).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (ExecutionTimesRequest): Body of `POST /v1/tasks/execution-times`. Example: {'tasks':
            [{'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AffectedResponse | ExecutionTimesResponse | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: ExecutionTimesRequest,
) -> Response[AffectedResponse | ExecutionTimesResponse | Problem]:
    """Move tasks to new execution times (TaskShed's `update_execution_times`).

     Each listed unfinished task gets its new `run_at` (a new occurrence; for a task whose
    attempt is in flight, once that attempt has ended). Unknown ids are
    reported in `not_found`, finished tasks in `finished`; neither is changed or created.
    With `"dry_run": true` nothing changes and the answer is `{"affected", "task_ids"}`:
    the tasks that would be moved (ids: the first 100, in id order).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (ExecutionTimesRequest): Body of `POST /v1/tasks/execution-times`. Example: {'tasks':
            [{'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[AffectedResponse | ExecutionTimesResponse | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: ExecutionTimesRequest,
) -> AffectedResponse | ExecutionTimesResponse | Problem | None:
    """Move tasks to new execution times (TaskShed's `update_execution_times`).

     Each listed unfinished task gets its new `run_at` (a new occurrence; for a task whose
    attempt is in flight, once that attempt has ended). Unknown ids are
    reported in `not_found`, finished tasks in `finished`; neither is changed or created.
    With `"dry_run": true` nothing changes and the answer is `{"affected", "task_ids"}`:
    the tasks that would be moved (ids: the first 100, in id order).

    Needs an API key with the `tasks` scope (or one implying it).

    Args:
        body (ExecutionTimesRequest): Body of `POST /v1/tasks/execution-times`. Example: {'tasks':
            [{'run_at': datetime.datetime(2025, 3, 15, 9, 0,
            tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'task_id': 'reminder-42'}]}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        AffectedResponse | ExecutionTimesResponse | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
