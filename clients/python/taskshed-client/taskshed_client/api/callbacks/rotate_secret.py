from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.rotate_secret_spec import RotateSecretSpec
from ...models.rotated_secret import RotatedSecret
from ...types import Response


def _get_kwargs(
    name: str,
    *,
    body: RotateSecretSpec,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/callbacks/{name}/rotate-secret".format(
            name=quote(str(name), safe=""),
        ),
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | RotatedSecret | None:
    if response.status_code == 200:
        response_200 = RotatedSecret.from_dict(response.json())

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
) -> Response[Problem | RotatedSecret]:
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
    body: RotateSecretSpec,
) -> Response[Problem | RotatedSecret]:
    """Rotate the signing secret, keeping the old one for a grace period.

     The new secret (given, or generated) signs at once; until `previous_expires_at` every
    delivery carries two signatures, new first: `webhook-signature: v1,<new> v1,<old>`, so
    receivers can switch secrets without rejecting a delivery. A secret still in grace from
    an earlier rotation stops signing. This answer is the only one that shows the new secret.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (RotateSecretSpec): Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields
            are optional; send `{}`
            to rotate to a generated secret with the default grace period. Example: {'grace':
            'PT24H'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RotatedSecret]
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
    body: RotateSecretSpec,
) -> Problem | RotatedSecret | None:
    """Rotate the signing secret, keeping the old one for a grace period.

     The new secret (given, or generated) signs at once; until `previous_expires_at` every
    delivery carries two signatures, new first: `webhook-signature: v1,<new> v1,<old>`, so
    receivers can switch secrets without rejecting a delivery. A secret still in grace from
    an earlier rotation stops signing. This answer is the only one that shows the new secret.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (RotateSecretSpec): Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields
            are optional; send `{}`
            to rotate to a generated secret with the default grace period. Example: {'grace':
            'PT24H'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RotatedSecret
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
    body: RotateSecretSpec,
) -> Response[Problem | RotatedSecret]:
    """Rotate the signing secret, keeping the old one for a grace period.

     The new secret (given, or generated) signs at once; until `previous_expires_at` every
    delivery carries two signatures, new first: `webhook-signature: v1,<new> v1,<old>`, so
    receivers can switch secrets without rejecting a delivery. A secret still in grace from
    an earlier rotation stops signing. This answer is the only one that shows the new secret.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (RotateSecretSpec): Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields
            are optional; send `{}`
            to rotate to a generated secret with the default grace period. Example: {'grace':
            'PT24H'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | RotatedSecret]
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
    body: RotateSecretSpec,
) -> Problem | RotatedSecret | None:
    """Rotate the signing secret, keeping the old one for a grace period.

     The new secret (given, or generated) signs at once; until `previous_expires_at` every
    delivery carries two signatures, new first: `webhook-signature: v1,<new> v1,<old>`, so
    receivers can switch secrets without rejecting a delivery. A secret still in grace from
    an earlier rotation stops signing. This answer is the only one that shows the new secret.

    Needs an API key with the `callbacks` scope (or one implying it).

    Args:
        name (str):
        body (RotateSecretSpec): Body of `POST /v1/callbacks/{name}/rotate-secret`. Both fields
            are optional; send `{}`
            to rotate to a generated secret with the default grace period. Example: {'grace':
            'PT24H'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | RotatedSecret
    """

    return (
        await asyncio_detailed(
            name=name,
            client=client,
            body=body,
        )
    ).parsed
