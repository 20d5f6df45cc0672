-- Attempts partitioned by the time they were recorded (issue 12, problem 7).
--
-- Pruning deleted old attempts row by row, a bounded number per minute: about 167 rows/s
-- per instance, far below the delivery rate, so under steady load the table grew without
-- bound. Now `attempts` is range-partitioned on `recorded_at`, and retention drops whole
-- partitions: one `DROP TABLE` whatever the number of rows, so pruning keeps pace with any
-- delivery rate and leaves no dead tuples behind for vacuum.
--
-- * `recorded_at` is new: the database clock when the attempt was recorded (the default,
--   `now()`, in the finish statement). The database clock decides, as it does for due
--   times, so an instance with a skewed clock cannot file rows into the wrong partition.
-- * The primary key of a partitioned table must contain the partition key, so it becomes
--   (attempt_id, recorded_at). `attempt_id` stays unique anyway: it comes from one
--   sequence (an identity column cannot be carried over to partitions on every PostgreSQL
--   version the service supports, a plain sequence can).
-- * Partitions ahead of time are created, and expired ones dropped, by each instance's
--   housekeeping (src/delivery/housekeeping.rs, SQL in src/store/attempt_partitions.rs),
--   under an advisory lock so instances never race on DDL. Their width follows the
--   configured retention, so partition names and bounds are not fixed here.
-- * A DEFAULT partition catches any row no range covers (housekeeping stalled longer than
--   its margin): recording a result must never fail for lack of a partition. It is
--   normally empty; housekeeping deletes its rows past the retention.
-- * Existing rows are not copied: the old table itself becomes the first partition,
--   `attempts_legacy`, covering everything up to this migration. Its rows get this
--   migration's time as `recorded_at` (a constant default, so no table rewrite), and the
--   partition is dropped one retention period after the migration.

alter table attempts rename to attempts_legacy;
-- The old primary key (attempt_id) cannot serve the new one; the other indexes match the
-- parent's definitions exactly, so ATTACH adopts them instead of building new ones (their
-- names must make way for the parent's).
alter table attempts_legacy drop constraint attempts_pkey;
alter index attempts_task_idx rename to attempts_legacy_task_idx;
alter index attempts_started_idx rename to attempts_legacy_started_idx;
-- Dropping the identity drops its sequence; the new one continues after the highest id, so
-- ids keep increasing (attempt pagination relies on that).
alter table attempts_legacy alter column attempt_id drop identity;
create sequence attempts_attempt_id_seq as bigint;
select setval('attempts_attempt_id_seq',
              coalesce((select max(attempt_id) from attempts_legacy), 0) + 1, false);
alter table attempts_legacy add column recorded_at timestamptz not null default now();
alter table attempts_legacy alter column recorded_at drop default;

create table attempts (
    attempt_id      bigint not null default nextval('attempts_attempt_id_seq'),
    task_id         text not null,
    webhook_id      text not null,
    attempt         integer not null,
    scheduled_at    timestamptz not null,
    started_at      timestamptz not null,
    duration_us     bigint not null,
    status_code     integer,
    error           text,
    -- Named as on the old table: ATTACH matches CHECK constraints by name.
    outcome         text not null constraint attempts_outcome_check
                    check (outcome in ('succeeded', 'retrying', 'failed', 'superseded')),
    response_prefix text,
    instance        text not null,
    recorded_at     timestamptz not null default now(),
    primary key (attempt_id, recorded_at)
) partition by range (recorded_at);
alter sequence attempts_attempt_id_seq owned by attempts.attempt_id;
create index attempts_task_idx on attempts (task_id, attempt_id desc);
-- Migration 0011's index for deliveries per minute, on every partition.
create index attempts_started_idx on attempts (started_at) include (outcome);

-- The bound is evaluated once, now: every legacy row has `recorded_at` = now().
alter table attempts attach partition attempts_legacy
    for values from (minvalue) to (now() + interval '1 microsecond');
create table attempts_default partition of attempts default;
