-- TaskShed schema, version 1.
--
-- Design notes
-- * `tasks` is a state machine enforced by CHECK constraints:
--     scheduled --claim--> running --finish--> scheduled (retry / next recurring slot)
--                                   \-------> succeeded | failed (once tasks)
--   Only the store module writes these transitions, each as one statement.
-- * `run_at` is the occurrence (what the API shows, the recurring grid's anchor);
--   `due_at` is when the next attempt may start: equal to `run_at`, or later while an
--   occurrence waits out a retry backoff. Claiming reads `due_at` through a partial index
--   whose predicate is a literal, so the planner can always use it.
-- * A claim stamps `lease_until`, `claimed_by` and a new `fence` (fencing token). A result
--   is applied only if the fence still matches, so an instance that lost its lease (or
--   whose claim was revoked by a user's change) cannot overwrite newer state.
-- * `kwargs` is `json`, not `jsonb`: `json` keeps the exact bytes the client sent, and
--   delivery must POST exactly those bytes.
-- * `occurrence` is the per-occurrence identity behind the `webhook-id` header: the same on
--   every retry of an occurrence, new for the next one.

create table callbacks (
    name               text primary key,
    url                text not null,
    timeout_us         bigint not null check (timeout_us > 0),
    headers            jsonb not null default '{}'::jsonb,
    max_attempts       integer not null check (max_attempts >= 1),
    initial_backoff_us bigint not null check (initial_backoff_us >= 0),
    max_backoff_us     bigint not null check (max_backoff_us >= initial_backoff_us),
    secret             text not null,
    created_at         timestamptz not null default now(),
    updated_at         timestamptz not null default now()
);

create table tasks (
    task_id         text primary key,
    callback        text not null,
    run_type        text not null check (run_type in ('once', 'recurring')),
    run_at          timestamptz not null,
    due_at          timestamptz not null,
    interval_us     bigint check (interval_us > 0),
    timezone        text,
    kwargs          json not null,
    group_id        text,
    paused          boolean not null default false,
    paused_at       timestamptz,
    coalesce_missed boolean not null default true,
    status          text not null default 'scheduled'
                    check (status in ('scheduled', 'running', 'succeeded', 'failed')),
    attempts        integer not null default 0,
    last_error      text,
    runs            bigint not null default 0,
    occurrence      uuid not null default gen_random_uuid(),
    lease_until     timestamptz,
    claimed_by      text,
    fence           bigint not null default 0,
    created_at      timestamptz not null default now(),
    updated_at      timestamptz not null default now(),
    finished_at     timestamptz,
    check ((run_type = 'recurring') = (interval_us is not null)),
    check ((status = 'running') = (lease_until is not null)),
    check ((status in ('succeeded', 'failed')) = (finished_at is not null))
);

-- The claim path: due, unpaused, scheduled rows in due order.
create index tasks_due_idx on tasks (due_at) where status = 'scheduled' and not paused;
-- The lease rescuer: running rows whose lease ran out.
create index tasks_lease_idx on tasks (lease_until) where status = 'running';
-- Group selectors (fetch / pause / resume / delete by group), paginated by task_id.
create index tasks_group_idx on tasks (group_id, task_id) where group_id is not null;
-- "Is this callback still used by unfinished tasks?" before deleting a callback.
create index tasks_callback_idx on tasks (callback) where status in ('scheduled', 'running');
-- Retention pruning of finished tasks, oldest first.
create index tasks_finished_idx on tasks (finished_at) where finished_at is not null;

-- One row per delivery attempt. No foreign key: attempts are written in batches on the
-- hot path, and the statements that delete tasks delete their attempts with them.
create table attempts (
    attempt_id      bigint generated always as identity primary key,
    task_id         text not null,
    webhook_id      text not null,
    attempt         integer not null,
    scheduled_at    timestamptz not null,
    started_at      timestamptz not null,
    duration_us     bigint not null,
    status_code     integer,
    error           text,
    outcome         text not null check (outcome in ('succeeded', 'retrying', 'failed', 'superseded')),
    response_prefix text,
    instance        text not null
);
create index attempts_task_idx on attempts (task_id, attempt_id desc);
