from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.preview_request import PreviewRequest
from ...models.problem import Problem
from ...models.schedule_preview import SchedulePreview
from ...types import Response


def _get_kwargs(
    *,
    body: PreviewRequest,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/schedules/preview",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | SchedulePreview | None:
    if response.status_code == 200:
        response_200 = SchedulePreview.from_dict(response.json())

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
) -> Response[Problem | SchedulePreview]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,
) -> Response[Problem | SchedulePreview]:
    """Preview a schedule: its next occurrences with their DST flags, and the local times a
    DST gap skips.

     Takes a task's schedule fields (`run_type` `cron` or `recurring`, `cron` or `interval`,
    `timezone`, `dst_policy`, `run_at`, `start_at`, `end_at`, `max_runs`) and `count`
    (1–1000, default 10). Occurrences start at `run_at`, else at the first match at or
    after `start_at` (default: now). Nothing is stored.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        body (PreviewRequest): Body of `POST /v1/schedules/preview`: a task's schedule fields, and
            how many
            occurrences to list. Example: {'count': 3, 'cron': '30 2 * * *', 'dst_policy': {'gap':
            'shift', 'overlap': 'once'}, 'run_type': 'cron', 'start_at': datetime.datetime(2027, 3,
            13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'timezone':
            'America/New_York'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SchedulePreview]
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
    body: PreviewRequest,
) -> Problem | SchedulePreview | None:
    """Preview a schedule: its next occurrences with their DST flags, and the local times a
    DST gap skips.

     Takes a task's schedule fields (`run_type` `cron` or `recurring`, `cron` or `interval`,
    `timezone`, `dst_policy`, `run_at`, `start_at`, `end_at`, `max_runs`) and `count`
    (1–1000, default 10). Occurrences start at `run_at`, else at the first match at or
    after `start_at` (default: now). Nothing is stored.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        body (PreviewRequest): Body of `POST /v1/schedules/preview`: a task's schedule fields, and
            how many
            occurrences to list. Example: {'count': 3, 'cron': '30 2 * * *', 'dst_policy': {'gap':
            'shift', 'overlap': 'once'}, 'run_type': 'cron', 'start_at': datetime.datetime(2027, 3,
            13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'timezone':
            'America/New_York'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SchedulePreview
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,
) -> Response[Problem | SchedulePreview]:
    """Preview a schedule: its next occurrences with their DST flags, and the local times a
    DST gap skips.

     Takes a task's schedule fields (`run_type` `cron` or `recurring`, `cron` or `interval`,
    `timezone`, `dst_policy`, `run_at`, `start_at`, `end_at`, `max_runs`) and `count`
    (1–1000, default 10). Occurrences start at `run_at`, else at the first match at or
    after `start_at` (default: now). Nothing is stored.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        body (PreviewRequest): Body of `POST /v1/schedules/preview`: a task's schedule fields, and
            how many
            occurrences to list. Example: {'count': 3, 'cron': '30 2 * * *', 'dst_policy': {'gap':
            'shift', 'overlap': 'once'}, 'run_type': 'cron', 'start_at': datetime.datetime(2027, 3,
            13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'timezone':
            'America/New_York'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | SchedulePreview]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: PreviewRequest,
) -> Problem | SchedulePreview | None:
    """Preview a schedule: its next occurrences with their DST flags, and the local times a
    DST gap skips.

     Takes a task's schedule fields (`run_type` `cron` or `recurring`, `cron` or `interval`,
    `timezone`, `dst_policy`, `run_at`, `start_at`, `end_at`, `max_runs`) and `count`
    (1–1000, default 10). Occurrences start at `run_at`, else at the first match at or
    after `start_at` (default: now). Nothing is stored.

    Needs an API key with the `read` scope (or one implying it).

    Args:
        body (PreviewRequest): Body of `POST /v1/schedules/preview`: a task's schedule fields, and
            how many
            occurrences to list. Example: {'count': 3, 'cron': '30 2 * * *', 'dst_policy': {'gap':
            'shift', 'overlap': 'once'}, 'run_type': 'cron', 'start_at': datetime.datetime(2027, 3,
            13, 0, 0, tzinfo=datetime.timezone(datetime.timedelta(0), 'Z')), 'timezone':
            'America/New_York'}.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | SchedulePreview
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
