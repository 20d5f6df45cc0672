from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.misfire_page import MisfirePage
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    task_id: str,
    *,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/tasks/{task_id}/misfires".format(
            task_id=quote(str(task_id), safe=""),
        ),
        "params": params,
    }

    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> MisfirePage | Problem | None:
    if response.status_code == 200:
        response_200 = MisfirePage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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
) -> Response[MisfirePage | Problem]:
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
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[MisfirePage | Problem]:
    """A task's misfire ledger: occurrences that did not run, newest first.

     `reason` is `coalesced` (a late run stood for it), `catchup_limit` (more than 100 were
    missed with `coalesce: false`; the older ones are not delivered) or `dst_gap` (its local
    time did not exist, `skip` policy). Kept for the retention period, like attempts.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (str):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MisfirePage | Problem]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        limit=limit,
        cursor=cursor,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    task_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> MisfirePage | Problem | None:
    """A task's misfire ledger: occurrences that did not run, newest first.

     `reason` is `coalesced` (a late run stood for it), `catchup_limit` (more than 100 were
    missed with `coalesce: false`; the older ones are not delivered) or `dst_gap` (its local
    time did not exist, `skip` policy). Kept for the retention period, like attempts.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (str):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MisfirePage | Problem
    """

    return sync_detailed(
        task_id=task_id,
        client=client,
        limit=limit,
        cursor=cursor,
    ).parsed


async def asyncio_detailed(
    task_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> Response[MisfirePage | Problem]:
    """A task's misfire ledger: occurrences that did not run, newest first.

     `reason` is `coalesced` (a late run stood for it), `catchup_limit` (more than 100 were
    missed with `coalesce: false`; the older ones are not delivered) or `dst_gap` (its local
    time did not exist, `skip` policy). Kept for the retention period, like attempts.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (str):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[MisfirePage | Problem]
    """

    kwargs = _get_kwargs(
        task_id=task_id,
        limit=limit,
        cursor=cursor,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    task_id: str,
    *,
    client: AuthenticatedClient,
    limit: int | Unset = UNSET,
    cursor: str | Unset = UNSET,
) -> MisfirePage | Problem | None:
    """A task's misfire ledger: occurrences that did not run, newest first.

     `reason` is `coalesced` (a late run stood for it), `catchup_limit` (more than 100 were
    missed with `coalesce: false`; the older ones are not delivered) or `dst_gap` (its local
    time did not exist, `skip` policy). Kept for the retention period, like attempts.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        task_id (str):
        limit (int | Unset):
        cursor (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        MisfirePage | Problem
    """

    return (
        await asyncio_detailed(
            task_id=task_id,
            client=client,
            limit=limit,
            cursor=cursor,
        )
    ).parsed
