from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.create_key_request import CreateKeyRequest
from ...models.created_key import CreatedKey
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: CreateKeyRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/keys",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, client: AuthenticatedClient | Client, response: httpx.Response) -> CreatedKey | Problem | None:
    if response.status_code == 201:
        response_201 = CreatedKey.from_dict(response.json())

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
) -> Response[CreatedKey | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateKeyRequest,
) -> Response[CreatedKey | Problem]:
    """Create an API key.

     The answer is the only time the key's text is shown; only its SHA-256 is stored. The
    first live key turns authentication on for every `/v1` route.

    Needs an API key with the `admin` scope (or one implying it).

    Args:
        body (CreateKeyRequest): A key to create. Example: {'expires_at': datetime.datetime(2027,
            1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'name': 'billing-
            service', 'scopes': ['tasks']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedKey | Problem]
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
    body: CreateKeyRequest,
) -> CreatedKey | Problem | None:
    """Create an API key.

     The answer is the only time the key's text is shown; only its SHA-256 is stored. The
    first live key turns authentication on for every `/v1` route.

    Needs an API key with the `admin` scope (or one implying it).

    Args:
        body (CreateKeyRequest): A key to create. Example: {'expires_at': datetime.datetime(2027,
            1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'name': 'billing-
            service', 'scopes': ['tasks']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedKey | Problem
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: CreateKeyRequest,
) -> Response[CreatedKey | Problem]:
    """Create an API key.

     The answer is the only time the key's text is shown; only its SHA-256 is stored. The
    first live key turns authentication on for every `/v1` route.

    Needs an API key with the `admin` scope (or one implying it).

    Args:
        body (CreateKeyRequest): A key to create. Example: {'expires_at': datetime.datetime(2027,
            1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'name': 'billing-
            service', 'scopes': ['tasks']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[CreatedKey | Problem]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: CreateKeyRequest,
) -> CreatedKey | Problem | None:
    """Create an API key.

     The answer is the only time the key's text is shown; only its SHA-256 is stored. The
    first live key turns authentication on for every `/v1` route.

    Needs an API key with the `admin` scope (or one implying it).

    Args:
        body (CreateKeyRequest): A key to create. Example: {'expires_at': datetime.datetime(2027,
            1, 1, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'name': 'billing-
            service', 'scopes': ['tasks']}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        CreatedKey | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
