from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.delivery_counts import DeliveryCounts
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    minutes: int | Unset = UNSET,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["minutes"] = minutes

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/stats/deliveries",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> DeliveryCounts | Problem | None:
    if response.status_code == 200:
        response_200 = DeliveryCounts.from_dict(response.json())

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


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[DeliveryCounts | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    minutes: int | Unset = UNSET,
) -> Response[DeliveryCounts | Problem]:
    """Count delivery attempts per minute over the last `minutes` minutes.

     Each attempt counts in the minute (UTC, by the database clock) it started, under how it
    ended: `succeeded`, `failed` (for good) or `retrying`. Exact at the time of the
    request; results recorded by an instance that had lost its claim (`superseded`) are
    not counted.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        minutes (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryCounts | Problem]
    """

    kwargs = _get_kwargs(
        minutes=minutes,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    minutes: int | Unset = UNSET,
) -> DeliveryCounts | Problem | None:
    """Count delivery attempts per minute over the last `minutes` minutes.

     Each attempt counts in the minute (UTC, by the database clock) it started, under how it
    ended: `succeeded`, `failed` (for good) or `retrying`. Exact at the time of the
    request; results recorded by an instance that had lost its claim (`superseded`) are
    not counted.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        minutes (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryCounts | Problem
    """

    return sync_detailed(
        client=client,
        minutes=minutes,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    minutes: int | Unset = UNSET,
) -> Response[DeliveryCounts | Problem]:
    """Count delivery attempts per minute over the last `minutes` minutes.

     Each attempt counts in the minute (UTC, by the database clock) it started, under how it
    ended: `succeeded`, `failed` (for good) or `retrying`. Exact at the time of the
    request; results recorded by an instance that had lost its claim (`superseded`) are
    not counted.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        minutes (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[DeliveryCounts | Problem]
    """

    kwargs = _get_kwargs(
        minutes=minutes,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    minutes: int | Unset = UNSET,
) -> DeliveryCounts | Problem | None:
    """Count delivery attempts per minute over the last `minutes` minutes.

     Each attempt counts in the minute (UTC, by the database clock) it started, under how it
    ended: `succeeded`, `failed` (for good) or `retrying`. Exact at the time of the
    request; results recorded by an instance that had lost its claim (`superseded`) are
    not counted.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        minutes (int | Unset):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        DeliveryCounts | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            minutes=minutes,
        )
    ).parsed
