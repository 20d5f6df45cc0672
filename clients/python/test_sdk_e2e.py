"""End-to-end test of the generated Python SDK against a running TaskShed.

Everything goes through `taskshed_client` (no hand-written HTTP to TaskShed); webhooks
are received by a real HTTP server started here and verified with the official
`standardwebhooks` package, as a user's receiver would.

    TASKSHED_URL=http://127.0.0.1:8080 pytest clients/python/test_sdk_e2e.py

`run_e2e.sh` starts a TaskShed and does this for you. Waits are on conditions with
timeouts; the one deliberate wait is for a paused task's due time to pass, because
"nothing was delivered" can only be observed after the moment it would have been.
"""

from __future__ import annotations

import datetime as dt
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TypeVar

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from taskshed_client import AuthenticatedClient, Client
from taskshed_client.api.callbacks import (
    delete_callback,
    get_callback,
    register_callback,
    rotate_secret,
)
from taskshed_client.api.operations import readyz
from taskshed_client.api.schedules import list_misfires, preview_schedule, task_schedule_preview
from taskshed_client.api.tasks import (
    create_task,
    create_tasks,
    delete_tasks,
    get_task,
    list_attempts,
    list_tasks,
    pause_tasks,
    resume_tasks,
    update_execution_times,
    update_task,
)
from taskshed_client.models import (
    AttemptOutcome,
    BatchCreateRequest,
    BatchOutcome,
    Callback,
    CallbackSpec,
    RegisteredCallback,
    RotatedSecret,
    RotateSecretSpec,
    CreateTaskRequest,
    DstFlag,
    DstPolicy,
    GapPolicy,
    Kwargs,
    ExecutionTimesRequest,
    ExecutionTimeUpdate,
    PatchTaskRequest,
    PreviewRequest,
    Problem,
    RetrySpec,
    RunType,
    Task,
    TaskSelectorRequest,
    TaskSpec,
    TaskStatus,
)

T = TypeVar("T")

# Generous for a loaded CI machine; every wait returns as soon as its condition holds.
TIMEOUT = 30.0


def wait_for(what: str, probe: Callable[[], T | None], timeout: float = TIMEOUT) -> T:
    """Polls `probe` until it returns something truthy; fails naming `what` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes


class Receiver:
    """A webhook endpoint on 127.0.0.1:<free port> that records every request and answers 204."""

    def __init__(self) -> None:
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                with receiver._lock:
                    receiver.deliveries.append(Delivery(headers, body))
                self.send_response(HTTPStatus.NO_CONTENT)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass  # keep pytest output readable

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/hook"

    def for_group(self, group_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.headers.get("taskshed-group-id") == group_id]

    def for_task(self, task_id: str) -> list[Delivery]:
        with self._lock:
            return [d for d in self.deliveries if d.headers.get("taskshed-task-id") == task_id]

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def client() -> Iterator[Client]:
    url = os.environ.get("TASKSHED_URL")
    if not url:
        pytest.skip("set TASKSHED_URL to a running TaskShed (or use run_e2e.sh)")
    # run_e2e.sh starts TaskShed with an admin key, so auth is enforced as in production.
    key = os.environ.get("TASKSHED_API_KEY")
    if key:
        with AuthenticatedClient(
            base_url=url, token=key, raise_on_unexpected_status=True, timeout=10.0
        ) as client:
            wait_for("/readyz", lambda: readyz.sync_detailed(client=client).status_code == 200)
            yield client
        return
    with Client(base_url=url, raise_on_unexpected_status=True, timeout=10.0) as client:
        wait_for("/readyz", lambda: readyz.sync_detailed(client=client).status_code == 200)
        yield client


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with Receiver() as receiver:
        yield receiver


@pytest.fixture()
def callback(client: Client, receiver: Receiver) -> Iterator[RegisteredCallback]:
    """A freshly registered callback pointing at the receiver, with quick retries."""
    name = f"sdk-e2e-{uuid.uuid4().hex[:12]}"
    response = register_callback.sync_detailed(
        name,
        client=client,
        body=CallbackSpec(
            url=receiver.url,
            timeout="PT5S",
            retry=RetrySpec(max_attempts=3, initial_backoff="PT0.2S", max_backoff="PT1S"),
        ),
    )
    assert response.status_code == HTTPStatus.CREATED, response.content
    # The answer to the PUT that set the secret is the only one that carries it.
    registered = response.parsed
    assert isinstance(registered, RegisteredCallback)
    assert registered.name == name
    assert isinstance(registered.secret, str) and registered.secret.startswith("whsec_")
    fetched = get_callback.sync(name, client=client)
    assert isinstance(fetched, Callback)
    assert "secret" not in fetched.to_dict()
    yield registered
    # Best effort: the tests delete their tasks, so the callback is free to go.
    delete_callback.sync_detailed(name, client=client)


def test_group_lifecycle_pause_resume_deliver_verify_delete(
    client: Client, receiver: Receiver, callback: RegisteredCallback
) -> None:
    group = f"sdk-e2e-{uuid.uuid4().hex[:12]}"
    # Due shortly: long enough to pause the group before any is claimed, short enough that
    # the test then observes the due time passing without a delivery.
    due = utc_now() + dt.timedelta(seconds=2)
    specs = [
        TaskSpec(
            callback=callback.name,
            run_at=due,
            task_id=f"{group}-{i}",
            group_id=group,
            kwargs=Kwargs.from_dict({"n": i, "note": "héllo", "nested": {"ok": True}}),
        )
        for i in range(3)
    ]
    task_ids = [s.task_id for s in specs]

    # Batch create: one result per task, in input order.
    batch = create_tasks.sync_detailed(client=client, body=BatchCreateRequest(tasks=specs))
    assert batch.status_code == HTTPStatus.OK, batch.content
    assert [(r.task_id, r.outcome) for r in batch.parsed.results] == [
        (task_id, BatchOutcome.CREATED) for task_id in task_ids
    ]

    # Pause the whole group before it is due.
    paused = pause_tasks.sync(client=client, body=TaskSelectorRequest(group_id=group))
    assert paused.affected == 3

    page = list_tasks.sync(client=client, group_id=group)
    assert sorted(t.task_id for t in page.tasks) == task_ids
    assert all(t.paused and t.paused_at is not None for t in page.tasks)
    assert all(t.status == TaskStatus.SCHEDULED for t in page.tasks)

    # Let the due time pass (plus the service's claim look-ahead and some slack): a
    # paused group must not be delivered.
    wait_for("the tasks' due time to pass", lambda: utc_now() > due + dt.timedelta(seconds=1.5))
    assert receiver.for_group(group) == []

    # Resume: the overdue tasks fire at once.
    resumed = resume_tasks.sync(client=client, body=TaskSelectorRequest(group_id=group))
    assert resumed.affected == 3
    deliveries = wait_for(
        "three deliveries",
        lambda: (got := receiver.for_group(group)) and len(got) >= 3 and got,
    )
    assert sorted(d.headers["taskshed-task-id"] for d in deliveries) == task_ids

    # Each request is signed with the callback's secret (Standard Webhooks) and carries
    # the task's kwargs byte for byte.
    webhook = Webhook(callback.secret)
    for delivery in deliveries:
        payload = webhook.verify(delivery.body, delivery.headers)
        n = int(delivery.headers["taskshed-task-id"].rsplit("-", 1)[1])
        assert payload == {"n": n, "note": "héllo", "nested": {"ok": True}}
        assert delivery.headers["content-type"].startswith("application/json")
        assert delivery.headers["user-agent"].startswith("taskshed/")
        assert delivery.headers["taskshed-attempt"] == "1"
        assert "." not in delivery.headers["webhook-id"]
        # A tampered body must not verify: the check above is meaningful.
        with pytest.raises(WebhookVerificationError):
            webhook.verify(delivery.body.replace(b'"n"', b'"m"'), delivery.headers)
    assert len({d.headers["webhook-id"] for d in deliveries}) == 3

    # Attempts of one task: recorded once the outcome is committed.
    first = task_ids[0]
    attempts = wait_for(
        "the attempt record",
        lambda: list_attempts.sync(first, client=client).attempts,
    )
    assert len(attempts) == 1
    (attempt,) = attempts
    assert attempt.outcome == AttemptOutcome.SUCCEEDED
    assert attempt.status_code == 204
    assert attempt.attempt == 1
    assert attempt.webhook_id == receiver.for_task(first)[0].headers["webhook-id"]
    done = wait_for(
        "the task to succeed",
        lambda: (t := get_task.sync(first, client=client)).status == TaskStatus.SUCCEEDED and t,
    )
    assert done.runs == 1

    # Delete the group: its tasks are gone.
    deleted = delete_tasks.sync(client=client, body=TaskSelectorRequest(group_id=group))
    assert deleted.affected == 3
    assert list_tasks.sync(client=client, group_id=group).tasks == []
    missing = get_task.sync_detailed(first, client=client)
    assert missing.status_code == HTTPStatus.NOT_FOUND
    assert isinstance(missing.parsed, Problem)
    assert missing.parsed.code == "task_not_found"


def test_rotation_signs_with_both_secrets_during_grace(
    client: Client, receiver: Receiver, callback: RegisteredCallback
) -> None:
    old = callback.secret
    assert isinstance(old, str)
    rotated = rotate_secret.sync(callback.name, client=client, body=RotateSecretSpec(grace="PT1H"))
    assert isinstance(rotated, RotatedSecret)
    assert rotated.secret.startswith("whsec_") and rotated.secret != old
    assert rotated.previous_expires_at > utc_now() + dt.timedelta(minutes=59)

    task_id = f"sdk-e2e-{uuid.uuid4().hex[:12]}"
    created = create_task.sync_detailed(
        client=client,
        body=CreateTaskRequest(callback=callback.name, task_id=task_id, run_at=utc_now()),
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    (delivery,) = wait_for("the delivery", lambda: receiver.for_task(task_id))
    # Two signatures, new first; a receiver holding either secret verifies the request.
    assert len(delivery.headers["webhook-signature"].split(" ")) == 2
    for secret in (rotated.secret, old):
        Webhook(secret).verify(delivery.body, delivery.headers)
    new_only = {**delivery.headers, "webhook-signature": delivery.headers["webhook-signature"].split(" ")[0]}
    Webhook(rotated.secret).verify(delivery.body, new_only)
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(delivery.body, new_only)
    delete_tasks.sync(client=client, body=TaskSelectorRequest(task_ids=[task_id]))


def test_create_with_timezone_patch_and_reschedule(client: Client, callback: RegisteredCallback) -> None:
    task_id = f"sdk-e2e-{uuid.uuid4().hex[:12]}"
    # A local wall-clock time, read in the given zone; far in the future so it never fires.
    local = dt.datetime(2099, 3, 14, 10, 0, 0)
    created = create_task.sync_detailed(
        client=client,
        body=CreateTaskRequest(
            callback=callback.name,
            run_at=local,
            timezone="America/New_York",
            task_id=task_id,
            kwargs=Kwargs.from_dict({"user_id": 42}),
        ),
    )
    assert created.status_code == HTTPStatus.CREATED, created.content
    task = created.parsed
    assert isinstance(task, Task)
    # 10:00 EDT (UTC-4 in March 2099, after the second Sunday) is 14:00 UTC.
    assert task.run_at == dt.datetime(2099, 3, 14, 14, 0, tzinfo=dt.UTC)
    assert task.kwargs.to_dict() == {"user_id": 42}

    # The same id again, without replacing: a 409 problem the SDK parses.
    conflict = create_task.sync_detailed(
        client=client,
        body=CreateTaskRequest(
            callback=callback.name,
            run_at=utc_now(),
            task_id=task_id,
            replace_existing=False,
        ),
    )
    assert conflict.status_code == HTTPStatus.CONFLICT
    assert isinstance(conflict.parsed, Problem) and conflict.parsed.code == "task_exists"

    patched = update_task.sync(
        task_id,
        client=client,
        body=PatchTaskRequest(
            kwargs=Kwargs.from_dict({"user_id": 43}),
            group_id="sdk-e2e-patched",
        ),
    )
    assert isinstance(patched, Task)
    assert patched.kwargs.to_dict() == {"user_id": 43}
    assert patched.group_id == "sdk-e2e-patched"

    new_time = dt.datetime(2099, 6, 1, 9, 30, tzinfo=dt.UTC)
    moved = update_execution_times.sync(
        client=client,
        body=ExecutionTimesRequest(
            tasks=[
                ExecutionTimeUpdate(task_id=task_id, run_at=new_time),
                ExecutionTimeUpdate(task_id=f"{task_id}-unknown", run_at=new_time),
            ]
        ),
    )
    assert moved.updated == 1
    assert moved.not_found == [f"{task_id}-unknown"]
    assert get_task.sync(task_id, client=client).run_at == new_time

    deleted = delete_tasks.sync(client=client, body=TaskSelectorRequest(task_ids=[task_id]))
    assert deleted.affected == 1


def test_invalid_input_is_a_problem_naming_the_field(client: Client, callback: RegisteredCallback) -> None:
    response = create_tasks.sync_detailed(
        client=client,
        body=BatchCreateRequest(
            tasks=[
                TaskSpec(callback=callback.name, run_at=utc_now()),
                TaskSpec(callback=callback.name, run_at=utc_now(), interval="PT0S", run_type=RunType.RECURRING),
            ]
        ),
    )
    assert response.status_code == HTTPStatus.UNPROCESSABLE_ENTITY
    problem = response.parsed
    assert isinstance(problem, Problem)
    assert problem.code == "validation_failed"
    assert any(e.field.startswith("tasks[1]") for e in problem.errors)
    # All or nothing: the valid first task was not written either.
    assert list_tasks.sync(client=client, callback=callback.name).tasks == []


def test_cron_schedule_preview_and_a_bounded_cron_task(
    client: Client, receiver: Receiver, callback: RegisteredCallback
) -> None:
    # The example: New York's 2027 spring-forward skips 02:30; `shift` runs at 03:00.
    preview = preview_schedule.sync(
        client=client,
        body=PreviewRequest(
            cron="30 2 * * *",
            timezone="America/New_York",
            dst_policy=DstPolicy(gap=GapPolicy.SHIFT),
            start_at=dt.datetime(2027, 3, 13, tzinfo=dt.UTC),
            count=3,
        ),
    )
    assert [o.at for o in preview.occurrences][1] == dt.datetime(2027, 3, 14, 7, tzinfo=dt.UTC)
    assert preview.occurrences[1].dst == DstFlag.GAP_SHIFTED
    # An every-second cron task with max_runs 2: exactly two deliveries, then succeeded.
    task_id = f"sdk-cron-{uuid.uuid4().hex[:8]}"
    created = create_task.sync(
        client=client,
        body=CreateTaskRequest(
            callback=callback.name, task_id=task_id, run_type=RunType.CRON, cron="* * * * * *", max_runs=2
        ),
    )
    assert isinstance(created, Task) and created.cron == "* * * * * *" and created.timezone == "UTC"
    upcoming = task_schedule_preview.sync(task_id, client=client, count=5)
    assert len(upcoming.occurrences) == 2
    wait_for(
        "the cron task to finish",
        lambda: get_task.sync(task_id, client=client).status == TaskStatus.SUCCEEDED,
    )
    assert len(receiver.for_task(task_id)) == 2
    assert list_misfires.sync(task_id, client=client).misfires == []
    delete_tasks.sync(client=client, body=TaskSelectorRequest(task_ids=[task_id]))
