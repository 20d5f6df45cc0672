-- Failure handling, part B (API.md "Failure handling"): `on_failure` notifications and
-- `disable_after` auto-disable.
--
-- * `on_failure` names the callback that is told when an occurrence of this callback's
--   tasks ends failed (`task.failed`) or when this callback is disabled
--   (`callback.disabled`). The foreign key makes "it names a registered callback" hold
--   under concurrency: registration checks it as well (a 422 on field `on_failure`), and
--   deleting a callback that another one names is refused (409) rather than leaving
--   notifications with nowhere to go. It may not name its own row: a callback that
--   notifies itself about its own failures tells nobody.
-- * A notification is an ordinary `once` task of the `on_failure` callback, inserted by
--   the statement that records the failure (store/deliveries.rs), so it is signed, retried
--   and recorded by the one delivery engine, and cannot be lost between two statements.
--   `is_notification` marks those tasks: their own failure never notifies anyone, so two
--   callbacks naming each other cannot ping-pong.
-- * `failing_since` is when the current run of failed attempts began (the first failed
--   attempt after a success); a success clears it. It is written only on those
--   transitions, once per finished batch, never per attempt. When a failed attempt finds
--   it older than `disable_after_us`, the same statement stamps `disabled_at` and
--   `disabled_reason`; the claim then skips the callback's tasks (they stay `scheduled`,
--   nothing is counted against them) until `POST /v1/callbacks/{name}/enable` clears all
--   three columns.
--
-- Version 8: versions 6 and 7 are reserved for migrations being written alongside this one.
alter table callbacks
    add column on_failure       text references callbacks (name),
    add column disable_after_us bigint check (disable_after_us > 0),
    add column failing_since    timestamptz,
    add column disabled_at      timestamptz,
    add column disabled_reason  text,
    add constraint callbacks_on_failure_not_self check (on_failure <> name),
    add constraint callbacks_disabled_pair
        check ((disabled_at is null) = (disabled_reason is null));

-- Deleting a callback checks whether another one names it.
create index callbacks_on_failure_idx on callbacks (on_failure) where on_failure is not null;

alter table tasks add column is_notification boolean not null default false;

-- The API's one output form for instants (src/domain/time.rs `format_instant`, chrono's
-- `AutoSi`): UTC, `Z`, no fraction on a whole second, else 3 digits when whole
-- milliseconds, else 6. Notifications are built in SQL (in the statement that records the
-- failure), so their times are written here.
create function taskshed_rfc3339(at timestamptz) returns text
    language sql immutable strict parallel safe
    as $$
      select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
        || case when us = '000000' then ''
                when right(us, 3) = '000' then '.' || left(us, 3)
                else '.' || us end
        || 'Z'
      from (select to_char(at at time zone 'UTC', 'US') as us) f
    $$;
