-- Schedules (issue 15): cron tasks in an IANA zone under a DST policy, bounds and jitter
-- for every recurring task, and the misfire ledger.
--
-- Design notes
-- * `run_type = 'cron'` carries its expression in `cron`; the zone it is read in is the
--   existing `timezone` column (for cron it is always set, `UTC` by default), and the DST
--   policy is two short text columns rather than JSON so that a CHECK names each value.
-- * The next occurrence is computed in Rust (src/domain/recurrence) when an occurrence
--   finishes, for the whole finished batch, and written by the same batched statement
--   that records the attempts; nothing here is evaluated per row in SQL.
-- * `runs` (finished occurrences, version 1) is the counter `max_runs` compares with; no
--   second counter.
-- * `jitter_us`: each occurrence's `due_at` lies in `[run_at, run_at + jitter]`; `run_at`
--   stays the occurrence's instant (what `taskshed-scheduled-at` carries).
-- * `misfires` is a ledger like `attempts`: no foreign key (written in batches on the hot
--   path; the statements that delete tasks delete their misfires too), pruned after the
--   same retention.

alter table tasks drop constraint tasks_run_type_check;
alter table tasks add constraint tasks_run_type_check
    check (run_type in ('once', 'recurring', 'cron'));

alter table tasks
    add column cron        text,
    add column dst_gap     text check (dst_gap in ('skip', 'shift')),
    add column dst_overlap text check (dst_overlap in ('once', 'both')),
    add column start_at    timestamptz,
    add column end_at      timestamptz,
    add column max_runs    bigint check (max_runs >= 1),
    add column jitter_us   bigint check (jitter_us >= 0),
    add constraint tasks_cron_check check (
        (run_type = 'cron') = (cron is not null)
        and (run_type = 'cron') = (dst_gap is not null and dst_overlap is not null)
    ),
    add constraint tasks_bounds_check check (
        run_type <> 'once' or (end_at is null and max_runs is null and jitter_us is null)
    );

create table misfires (
    misfire_id   bigint generated always as identity primary key,
    task_id      text not null,
    -- The occurrence's instant; for `dst_gap`, the instant the clocks jumped over `local`.
    scheduled_at timestamptz not null,
    -- For `dst_gap` only: the local date-time that did not exist.
    local        timestamp,
    reason       text not null check (reason in ('coalesced', 'catchup_limit', 'dst_gap')),
    recorded_at  timestamptz not null default now()
);
create index misfires_task_idx on misfires (task_id, misfire_id desc);
