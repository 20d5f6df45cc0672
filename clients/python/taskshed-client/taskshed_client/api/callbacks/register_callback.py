from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.callback_spec import CallbackSpec
from ...models.problem import Problem
from ...models.registered_callback import RegisteredCallback
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: CallbackSpec,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "put",
        "url": "/v1/callbacks/{name}".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RegisteredCallback | None:
    if response.status_code == 200:
        response_200 = RegisteredCallback.from_dict(response.json())

        return response_200

    if response.status_code == 201:
        response_201 = RegisteredCallback.from_dict(response.json())

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
) -> Response[Problem | RegisteredCallback]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: CallbackSpec,
) -> Response[Problem | RegisteredCallback]:
    """Register or replace a callback.

     Pending tasks resolve the callback at each attempt, so a new URL, timeout or secret
    applies to them at once. The answer carries the signing secret only when this request
    set it (given, or generated for a new callback); no other answer ever contains it, and
    static header values always come back as `"[redacted]"`.

    A `url` whose host is a literal IP address the egress policy refuses (`--egress`:
    link-local and metadata addresses always, loopback and private networks under
    `public`) is answered 422 `egress_denied`, naming the range and why. Host names are
    checked at every delivery, on each address they resolve to.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (CallbackSpec): Body of `PUT /v1/callbacks/{name}`. Example: {'headers':
            {'authorization': 'Bearer s3cr3t'}, 'retry': {'initial_backoff': 'PT1S', 'max_attempts':
            5, 'max_backoff': 'PT5M'}, 'timeout': 'PT10S', 'url':
            'https://example.com/hooks/reminders'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RegisteredCallback]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    name: str,
    *,
    client: AuthenticatedClient,
    body: CallbackSpec,
) -> Problem | RegisteredCallback | None:
    """Register or replace a callback.

     Pending tasks resolve the callback at each attempt, so a new URL, timeout or secret
    applies to them at once. The answer carries the signing secret only when this request
    set it (given, or generated for a new callback); no other answer ever contains it, and
    static header values always come back as `"[redacted]"`.

    A `url` whose host is a literal IP address the egress policy refuses (`--egress`:
    link-local and metadata addresses always, loopback and private networks under
    `public`) is answered 422 `egress_denied`, naming the range and why. Host names are
    checked at every delivery, on each address they resolve to.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (CallbackSpec): Body of `PUT /v1/callbacks/{name}`. Example: {'headers':
            {'authorization': 'Bearer s3cr3t'}, 'retry': {'initial_backoff': 'PT1S', 'max_attempts':
            5, 'max_backoff': 'PT5M'}, 'timeout': 'PT10S', 'url':
            'https://example.com/hooks/reminders'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RegisteredCallback
    """

    return sync_detailed(
        name=name,
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    name: str,
    *,
    client: AuthenticatedClient,
    body: CallbackSpec,
) -> Response[Problem | RegisteredCallback]:
    """Register or replace a callback.

     Pending tasks resolve the callback at each attempt, so a new URL, timeout or secret
    applies to them at once. The answer carries the signing secret only when this request
    set it (given, or generated for a new callback); no other answer ever contains it, and
    static header values always come back as `"[redacted]"`.

    A `url` whose host is a literal IP address the egress policy refuses (`--egress`:
    link-local and metadata addresses always, loopback and private networks under
    `public`) is answered 422 `egress_denied`, naming the range and why. Host names are
    checked at every delivery, on each address they resolve to.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (CallbackSpec): Body of `PUT /v1/callbacks/{name}`. Example: {'headers':
            {'authorization': 'Bearer s3cr3t'}, 'retry': {'initial_backoff': 'PT1S', 'max_attempts':
            5, 'max_backoff': 'PT5M'}, 'timeout': 'PT10S', 'url':
            'https://example.com/hooks/reminders'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RegisteredCallback]
    """

    kwargs = _get_kwargs(
        name=name,
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    name: str,
    *,
    client: AuthenticatedClient,
    body: CallbackSpec,
) -> Problem | RegisteredCallback | None:
    """Register or replace a callback.

     Pending tasks resolve the callback at each attempt, so a new URL, timeout or secret
    applies to them at once. The answer carries the signing secret only when this request
    set it (given, or generated for a new callback); no other answer ever contains it, and
    static header values always come back as `"[redacted]"`.

    A `url` whose host is a literal IP address the egress policy refuses (`--egress`:
    link-local and metadata addresses always, loopback and private networks under
    `public`) is answered 422 `egress_denied`, naming the range and why. Host names are
    checked at every delivery, on each address they resolve to.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (CallbackSpec): Body of `PUT /v1/callbacks/{name}`. Example: {'headers':
            {'authorization': 'Bearer s3cr3t'}, 'retry': {'initial_backoff': 'PT1S', 'max_attempts':
            5, 'max_backoff': 'PT5M'}, 'timeout': 'PT10S', 'url':
            'https://example.com/hooks/reminders'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RegisteredCallback
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
