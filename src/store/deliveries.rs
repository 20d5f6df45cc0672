//! The delivery state machine in SQL: claim due tasks, finish attempts, release claims,
//! revalidate unsent claims, rescue expired leases, prune finished tasks.
//!
//! Every statement works on a batch and commits on its own: no transaction is ever held
//! across an HTTP call. Results are applied only while the claim's fencing token still
//! matches, so an instance that lost its claim cannot overwrite newer state. Tokens are
//! drawn at random by `taskshed_new_fence()` (migration 0005), never counted up, so a claim
//! lost in a crash does not hand its number to the next claim.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::sync::LazyLock;

use super::notify;

use super::callbacks::{CallbackRow, PREVIOUS_SECRET_COLUMNS};
use crate::domain::attempt::RecordedOutcome;
use crate::domain::callback::Callback;
use crate::domain::recurrence::occurrence::Misfire;
use crate::domain::recurrence::stored::{task_schedule, CronMemo, StoredSchedule};
use crate::domain::recurrence::task_schedule::TaskSchedule;
use crate::domain::sealed::AtRest;
use crate::domain::task::TaskStatus;

/// A claimed task: everything needed to deliver it.
#[derive(Debug, Clone)]
pub struct ClaimedTask {
    pub task_id: String,
    pub callback: String,
    pub run_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    /// When its attempt may start: `due_at`, or later when the callback's rate limit
    /// gave it a later slot.
    pub fire_at: DateTime<Utc>,
    pub kwargs: String,
    pub group_id: Option<String>,
    pub attempts: i32,
    pub occurrence: uuid::Uuid,
    pub fence: i64,
    /// Finished occurrences before this one (what `max_runs` counts).
    pub runs: i64,
    /// How the task recurs: `None` for a `once` task; `Err` when its stored schedule no
    /// longer parses (the occurrence then ends the task, with the reason as its error).
    pub schedule: Option<Result<TaskSchedule, String>>,
    /// The callback's timeout when the task was claimed (`None`: no such callback). The
    /// lease was computed from it, so the attempt uses it too, even if the callback is
    /// re-registered with another timeout meanwhile (issue 12, problem 3).
    pub timeout_us: Option<i64>,
    /// When the claim's lease ends (database clock), as the claim set it.
    pub lease_until: DateTime<Utc>,
}

/// One claim: the tasks, the database clock when the claim was done, and the earliest due
/// time of tasks left unclaimed beyond the window (for planning the next wake-up).
pub struct Claim {
    pub tasks: Vec<ClaimedTask>,
    pub db_now: DateTime<Utc>,
    /// When the answer carrying `db_now` arrived (before the transaction's commit).
    pub answered_at: std::time::Instant,
    pub next_due: Option<DateTime<Utc>>,
    /// Whether some callback's tasks may be left unclaimed for want of room (its bound
    /// per claim, or its rate limit's slots): a finished attempt should prompt another
    /// claim.
    pub capped: bool,
    /// The earliest end of a `Retry-After` hold now in force on any callback: its tasks
    /// become claimable then.
    pub hold_end: Option<DateTime<Utc>>,
    /// Whether some callback has a `rate_limit`: the next claim must be paced (a plain
    /// claim leaves such callbacks' tasks alone).
    pub rate_limited: bool,
}

/// A claim row: the task's columns are nullable because an outer join always yields one
/// row, carrying the clock and the next due time even when nothing was claimed.
#[derive(sqlx::FromRow)]
struct ClaimRow {
    db_now: DateTime<Utc>,
    next_due: Option<DateTime<Utc>>,
    hold_end: Option<DateTime<Utc>>,
    filled: bool,
    rate_limited: bool,
    task_id: Option<String>,
    callback: Option<String>,
    run_at: Option<DateTime<Utc>>,
    due_at: Option<DateTime<Utc>>,
    fire_at: Option<DateTime<Utc>>,
    interval_us: Option<i64>,
    kwargs: Option<String>,
    group_id: Option<String>,
    coalesce_missed: Option<bool>,
    attempts: Option<i32>,
    occurrence: Option<uuid::Uuid>,
    fence: Option<i64>,
    runs: Option<i64>,
    timezone: Option<String>,
    cron: Option<String>,
    dst_gap: Option<String>,
    dst_overlap: Option<String>,
    end_at: Option<DateTime<Utc>>,
    max_runs: Option<i64>,
    jitter_us: Option<i64>,
    timeout_us: Option<i64>,
    lease_until: Option<DateTime<Utc>>,
}

impl ClaimRow {
    /// The claimed task, its schedule rebuilt (each cron expression of the claim parsed
    /// once, through `memo`); `None` for the row that only carries the clock.
    fn into_task(self, memo: &mut CronMemo) -> Option<ClaimedTask> {
        let schedule = task_schedule(
            StoredSchedule {
                interval_us: self.interval_us,
                cron: self.cron.as_deref(),
                timezone: self.timezone.as_deref(),
                dst_gap: self.dst_gap.as_deref(),
                dst_overlap: self.dst_overlap.as_deref(),
                end_at: self.end_at,
                max_runs: self.max_runs,
                jitter_us: self.jitter_us,
                coalesce: self.coalesce_missed?,
            },
            memo,
        )
        .transpose();
        Some(ClaimedTask {
            task_id: self.task_id?,
            callback: self.callback?,
            run_at: self.run_at?,
            due_at: self.due_at?,
            fire_at: self.fire_at?,
            kwargs: self.kwargs?,
            group_id: self.group_id,
            attempts: self.attempts?,
            occurrence: self.occurrence?,
            fence: self.fence?,
            runs: self.runs?,
            schedule,
            timeout_us: self.timeout_us,
            lease_until: self.lease_until?,
        })
    }
}

/// What this instance already holds of one callback, for the claim's bound on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallbackUsage {
    pub callback: String,
    /// Its tasks claimed here and not yet finished.
    pub claimed: i64,
    /// Its attempts that ended here in about the last second.
    pub drained: i64,
}

/// Claims up to `limit` unpaused scheduled tasks due within `look_ahead_us`, earliest
/// first (`for update skip locked`, so instances claiming at once take different tasks).
/// Each gets `status = 'running'`, a new fence and a lease of look-ahead + its callback's
/// timeout + `lease_margin_us`; the timeout and the lease come back with each task, so
/// the attempt is bounded by the very timeout its lease was computed from.
///
/// **Per callback**, a claim takes at most `max(2 × limit, drained) − claimed` tasks, from
/// `usage` (what this instance holds; a callback not in it counts as 0 and 0), where
/// `limit` is the callback's effective concurrency. The concurrency bound itself is kept
/// at send time by places (`super::places`); this bound is what keeps a slow or held
/// callback from filling the instance with tasks that wait for places while another
/// callback's tasks wait unclaimed (fairness): two rounds of its places, or what it
/// drained in the last second, whichever is more — a fast receiver is never slowed by
/// it. A callback with no room left, held by a `Retry-After` or disabled by
/// `disable_after` is left out *before* the earliest tasks are picked, so its backlog
/// never takes a claim batch from the others; `capped` then says that a finished attempt
/// should prompt another claim.
///
/// **Two statements.** The plain one, for the common case, leaves every rate-limited
/// callback out like a held one; the paced one also claims them, on the slot schedule
/// below, at a price of two more sorts, a row lock and an update per claim. Both answer
/// whether any callback has a `rate_limit` (`Claim::rate_limited`); the caller claims
/// paced while one does, and right away when a plain claim finds one. A plain claim
/// can therefore never start a rate-limited task, only leave it to the next claim.
/// Measured (BENCHMARKS.md, "Flow control"): with EXPLAIN ANALYZE of 270 due tasks of
/// one callback, the plain statement plans 0.12–0.14 ms and runs 0.36–0.59 ms faster than
/// the paced one; in S3 at 5,000/s it runs as long as the claim before flow control
/// (3.15–3.42 ms against 3.17–3.46 ms per call).
///
/// In the paced statement, a callback with a `rate_limit` gets a slot schedule: its k-th
/// task in due order starts at `max(due, previous start + spacing)`
/// (`domain::flow::RateLimit::spacing_us`), only tasks whose start falls within the
/// look-ahead are claimed, and `callback_flow.next_start` keeps where the schedule goes
/// on. The statement reads `next_start` with `for update`:
/// a claim that waits for another's lock then reads the row as that claim left it
/// (READ COMMITTED re-reads a locked row), so instances share one schedule and no two
/// starts are closer than a spacing. Every callback has its `callback_flow` row (written at
/// registration, migration 0013), so there is always a row to lock. A schedule that was
/// idle starts half a look-ahead ahead: its first start is then fired by the timer at its
/// slot, like every later one, rather than whenever the claim's answer arrives, which
/// could put it closer than a spacing to the next.
///
/// Each task's timeout comes back as its lease minus look-ahead and margin (exact: both
/// are whole microseconds from the same `now()`; 0, no callback, becomes `NULL`) rather
/// than from a second lookup of its callback per row: 500 fewer index probes per claim.
///
/// The update finds the claimed rows by primary key (`= any(array(…))`), not by a join:
/// with `limit $2` unknown, PostgreSQL's generic plan guesses 10% of the table and
/// hash-joins a sequential scan of all tasks — 75 ms per claim at 100,000 rows
/// (measured with taskshed-bench, see BENCHMARKS.md).
///
/// The names left out are read once per claim (`array(…)` is an init plan), not per row.
/// The filter compares `callback || ''`, an expression without statistics, on purpose:
/// against the column itself the planner judges `<>` by the column's few distinct values
/// (one callback: "no row passes"), and claimed by sorting a sequential scan of every due
/// task instead of reading the due index in order — 98 ms instead of 0.5 ms per claim at
/// 100,000 due rows (EXPLAIN ANALYZE; the claim+finish ceiling fell from 14,500 to 11,900
/// rows/s). The expression's default estimate (most rows pass) keeps the index plan.
pub async fn claim_due(
    pool: &PgPool,
    instance: &str,
    limit: i64,
    look_ahead_us: i64,
    lease_margin_us: i64,
    usage: &[CallbackUsage],
    paced: bool,
) -> Result<Claim, sqlx::Error> {
    static PLAIN: LazyLock<String> = LazyLock::new(|| claim_sql(false));
    static PACED: LazyLock<String> = LazyLock::new(|| claim_sql(true));
    let sql = if paced { &PACED } else { &PLAIN };
    let names: Vec<&str> = usage.iter().map(|u| u.callback.as_str()).collect();
    let claimed: Vec<i64> = usage.iter().map(|u| u.claimed).collect();
    let drained: Vec<i64> = usage.iter().map(|u| u.drained).collect();
    let rows: Vec<ClaimRow> = sqlx::query_as(sql.as_str())
        .bind(instance)
        .bind(limit)
        .bind(look_ahead_us)
        .bind(lease_margin_us)
        .bind(names)
        .bind(claimed)
        .bind(drained)
        .fetch_all(pool)
        .await?;
    // The clock reading arrived now, with the statement's (autocommitted) answer.
    let answered_at = std::time::Instant::now();
    // The latest reading: taken as the last claimed row was produced, so timers started
    // when the answer arrives lose only the transfer, not the statement's run time.
    let db_now = rows.iter().map(|r| r.db_now).max().unwrap_or_else(Utc::now);
    let next_due = rows.first().and_then(|r| r.next_due);
    let hold_end = rows.first().and_then(|r| r.hold_end);
    let capped = rows.first().is_some_and(|r| r.filled);
    let rate_limited = rows.first().is_some_and(|r| r.rate_limited);
    let mut memo = CronMemo::default();
    let tasks = rows
        .into_iter()
        .filter_map(|row| row.into_task(&mut memo))
        .collect();
    Ok(Claim {
        tasks,
        db_now,
        answered_at,
        next_due,
        capped,
        hold_end,
        rate_limited,
    })
}

/// The claim statement, plain or paced (see [`claim_due`]). Both share `usage` (each
/// callback's room here), `due` (the earliest claimable tasks), `rooms` (each callback of
/// the batch), the update that claims and the `horizon` row; the paced one adds the rate
/// limits' slot schedule.
///
/// Callbacks are looked up per callback of the batch (a `lateral` join whose `limit 1`
/// keeps PostgreSQL from flattening it into a join with every callback: one index probe
/// each) and the names left out through partial indexes (migration 0014), never by
/// a join with the whole `callbacks` or `callback_flow` table: with one callback per
/// customer those tables hold thousands of rows, and hash-joining them cost a claim more
/// than the claim itself (BENCHMARKS.md, "Flow control").
fn claim_sql(paced: bool) -> String {
    let limit = super::flow::LIMIT_SQL;
    // The plain claim leaves rate-limited callbacks to the paced one.
    let rate_limited_left_out = if paced {
        ""
    } else {
        "union all select name from callbacks where rate_requests is not null"
    };
    let spacing = if paced {
        format!(
            ", ceil(c.rate_per_us * {guard}::numeric / (c.rate_requests * 100))::int8 \
               as spacing_us",
            guard = 100 + crate::domain::flow::RATE_GUARD_PERCENT,
        )
    } else {
        String::new()
    };
    let rooms = format!(
        "rooms as ( \
           select g.callback, coalesce(u.room, x.room, 1) as room {carried} \
           from (select distinct callback from due) g \
           left join usage u on u.name = g.callback \
           left join lateral ( \
             select 2 * {limit} as room {spacing} \
             from callbacks c left join callback_flow f on f.name = c.name \
             where c.name = g.callback limit 1) x on true \
         )",
        carried = if paced { ", x.spacing_us" } else { "" },
    );
    // `fire_at`, the rows it comes from and their order.
    let (chosen, answer, beyond) = if paced {
        (
            "ranked as ( \
               select d.task_id, d.callback, d.due_at, \
                 row_number() over (partition by d.callback order by d.due_at) - 1 as k, \
                 r.room, r.spacing_us \
               from due d join rooms r on r.callback = d.callback \
             ), kept as ( \
               select * from ranked where k < room \
             ), slots as ( \
               select f.name, greatest(f.next_start, \
                 now() + $3::int8 / 2 * interval '1 microsecond') as first_slot \
               from callback_flow f \
               where f.name = any(array( \
                 select callback from kept where spacing_us is not null)) \
               for update \
             ), timed as ( \
               select p.task_id, p.callback, p.spacing_us, case when p.spacing_us is null \
                 then p.due_at else greatest( \
                   s.first_slot + p.k * p.spacing_us * interval '1 microsecond', \
                   max(p.due_at - p.k * p.spacing_us * interval '1 microsecond') \
                     over (partition by p.callback order by p.k) \
                     + p.k * p.spacing_us * interval '1 microsecond') end as fire_at \
               from kept p left join slots s on s.name = p.callback \
             ), chosen as ( \
               select task_id, callback, fire_at, spacing_us from timed \
               where fire_at <= now() + $3::int8 * interval '1 microsecond' \
             ), paced as ( \
               update callback_flow f \
               set next_start = x.last_start + x.spacing_us * interval '1 microsecond' \
               from (select callback, spacing_us, max(fire_at) as last_start from chosen \
                 where spacing_us is not null group by callback, spacing_us) x \
               where f.name = x.callback and f.name = any(array( \
                 select callback from chosen where spacing_us is not null)) \
             )",
            "chosen.fire_at from horizon left join (claimed join chosen using (task_id)) \
               on true order by chosen.fire_at",
            "exists (select 1 from ranked where k >= room) \
               or exists (select 1 from timed \
                 where fire_at > now() + $3::int8 * interval '1 microsecond')",
        )
    } else {
        (
            "ranked as ( \
               select d.task_id, \
                 row_number() over (partition by d.callback order by d.due_at) - 1 as k, \
                 r.room \
               from due d join rooms r on r.callback = d.callback \
             ), chosen as ( \
               select task_id from ranked where k < room \
             )",
            "claimed.due_at as fire_at from horizon left join claimed on true \
               order by claimed.due_at",
            "exists (select 1 from ranked where k >= room)",
        )
    };
    format!(
        "with usage as ( \
           select u.name, greatest(2 * {limit}, u.drained) - u.claimed as room \
           from unnest($5::text[], $6::int8[], $7::int8[]) as u(name, claimed, drained) \
           join callbacks c on c.name = u.name \
           left join callback_flow f on f.name = u.name \
         ), due as ( \
           select t.task_id, t.callback, t.due_at from tasks t \
           where t.status = 'scheduled' and not t.paused \
             and t.due_at <= now() + $3::int8 * interval '1 microsecond' \
             and (t.callback || '') <> all(array( \
               select name from callbacks where disabled_at is not null \
               {rate_limited_left_out} \
               union all select name from callback_flow where held_until > now() \
               union all select name from usage where room <= 0)) \
           order by t.due_at limit $2 \
           for update skip locked \
         ), {rooms}, {chosen}, claimed as ( \
           update tasks t set status = 'running', claimed_by = $1, \
             fence = taskshed_new_fence(), \
             lease_until = now() + ($3 + $4::int8 + coalesce( \
               (select c.timeout_us from callbacks c where c.name = t.callback), 0)) \
               * interval '1 microsecond' \
           where t.task_id = any(array(select task_id from chosen)) \
           returning t.task_id, t.callback, t.run_at, t.due_at, t.interval_us, \
             t.kwargs::text as kwargs, t.group_id, t.coalesce_missed, t.attempts, \
             t.occurrence, t.fence, t.runs, t.timezone, t.cron, t.dst_gap, \
             t.dst_overlap, t.end_at, t.max_runs, t.jitter_us, t.lease_until, \
             nullif((extract(epoch from t.lease_until - now()) * 1000000)::int8 \
               - $3 - $4::int8, 0) as timeout_us \
         ), horizon as ( \
           select (select min(due_at) from tasks \
              where status = 'scheduled' and not paused \
                and due_at > now() + $3::int8 * interval '1 microsecond' \
                and (callback || '') <> all(array( \
                  select name from callbacks where disabled_at is not null))) as next_due, \
             (select min(held_until) from callback_flow where held_until > now()) \
               as hold_end, \
             exists (select 1 from usage where room <= 0) or {beyond} as filled, \
             exists (select 1 from callbacks where rate_requests is not null) \
               as rate_limited \
         ) \
         select claimed.*, clock_timestamp() as db_now, horizon.next_due, \
           horizon.hold_end, horizon.filled, horizon.rate_limited, {answer}"
    )
}

/// Resolves callback names at claim time, so a re-registered callback applies at once.
/// Each found name comes with its parsed callback, or why its row does not parse (then
/// its attempts fail as invalid requests instead of being sent).
pub async fn callback_targets(
    pool: &PgPool,
    at_rest: &AtRest,
    names: &[String],
) -> Result<Vec<(String, Result<Callback, String>)>, sqlx::Error> {
    let rows: Vec<CallbackRow> = sqlx::query_as(&format!(
        "select name, url, timeout_us, headers, max_attempts, initial_backoff_us, \
           max_backoff_us, secret, max_concurrency, rate_requests, rate_per_us, \
           {PREVIOUS_SECRET_COLUMNS} \
         from callbacks where name = any($1)",
    ))
    .bind(names)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|row| (row.name.clone(), row.into_callback(at_rest)))
        .collect())
}

/// The state a finished attempt leaves its task in, and the attempt's record.
#[derive(Debug, Clone)]
pub struct FinishedAttempt {
    pub task_id: String,
    pub fence: i64,
    /// `Scheduled` (retry or next recurring slot), `Succeeded` or `Failed`.
    pub status: TaskStatus,
    /// The next occurrence when the occurrence finished and the task recurs.
    pub next_run_at: Option<DateTime<Utc>>,
    pub due_at: DateTime<Utc>,
    pub attempts: i32,
    pub last_error: Option<String>,
    /// True when this attempt ended the occurrence (success or final failure).
    pub occurrence_finished: bool,
    pub webhook_id: String,
    pub attempt: i32,
    pub scheduled_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub duration_us: i64,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    /// `Succeeded`, `Retrying` or `Failed`; recorded as `Superseded` if the claim was lost.
    pub outcome: RecordedOutcome,
    pub response_prefix: Option<String>,
    /// Occurrences that did not run, for the misfire ledger (recorded only when the
    /// result is applied).
    pub misfires: Vec<Misfire>,
}

/// The failure-handling steps of [`finish_attempts`] (API.md "Failure handling", migration
/// 0008), CTEs reading the `applied` rows; in the statement that records the results, so a
/// notification cannot be lost between two statements, and costing the success path no
/// round trip and no write.
///
/// * `task_failed`: every applied result that ended its occurrence failed (outcome
///   `failed`: retries exhausted or a permanent error, recurring tasks included) of a
///   callback with `on_failure` becomes a `once` task of that callback, due now, with the
///   `task.failed` kwargs (`row_to_json` of a row whose columns are the fields, in the
///   API's order, written compactly). It is delivered, signed and retried by the same
///   engine. Notification tasks are marked (`is_notification`) and never notify in turn.
///   A result for a task replaced while it ran (`changed`, re-armed as replaced) notifies
///   nobody: that occurrence no longer exists, as for the misfire ledger.
/// * `health` → `changing` → `tracked`: per callback of the batch, a success clears
///   `failing_since`; a batch of only failures starts it (at its earliest failed attempt)
///   if unset, or, once it is older than `disable_after`, disables the callback. Only
///   rows with such a transition are locked (in name order, so two finishers cannot
///   deadlock on them) and written: a callback row is not written per attempt. A disabled
///   callback's tracking is frozen until it is enabled (results of attempts already in
///   flight change nothing).
/// * `callback_disabled`: a callback disabled by this statement tells its `on_failure`.
const FAILURE_HANDLING: &str = "\
    task_failed as ( \
      insert into tasks (task_id, callback, run_type, run_at, due_at, kwargs, is_notification) \
      select replace(gen_random_uuid()::text, '-', ''), c.on_failure, 'once', now(), now(), \
        row_to_json(n), true \
      from applied a join callbacks c on c.name = a.callback \
      cross join lateral (select 'task.failed' as type, a.task_id, a.callback, a.group_id, \
        a.run_type, taskshed_rfc3339(a.scheduled_at) as scheduled_at, a.attempt as attempts, \
        a.status_code as last_status_code, a.last_error, a.webhook_id, \
        taskshed_rfc3339(now()) as failed_at) n \
      where a.outcome = 'failed' and not a.is_notification and c.on_failure is not null \
        and a.task_id not in (select task_id from changed) \
    ), health as ( \
      select a.callback, bool_or(a.outcome = 'succeeded') as recovered, \
        min(a.started_at) filter (where a.outcome <> 'succeeded') as first_failure \
      from applied a group by a.callback \
    ), changing as ( \
      select c.name, h.recovered, h.first_failure, \
        (not h.recovered and c.disable_after_us is not null \
          and c.failing_since <= now() - c.disable_after_us * interval '1 microsecond') \
          as disabling \
      from callbacks c join health h on h.callback = c.name \
      where c.disabled_at is null and case when h.recovered then c.failing_since is not null \
        else c.failing_since is null or (c.disable_after_us is not null \
          and c.failing_since <= now() - c.disable_after_us * interval '1 microsecond') end \
      order by c.name for update of c \
    ), tracked as ( \
      update callbacks c set \
        failing_since = case when x.recovered then null \
          else coalesce(c.failing_since, x.first_failure) end, \
        disabled_at = case when x.disabling then now() end, \
        disabled_reason = case when x.disabling then 'every attempt failed since ' \
          || taskshed_rfc3339(c.failing_since) || ', longer than disable_after' end \
      from changing x where c.name = x.name \
      returning c.name, c.on_failure, c.failing_since, c.disabled_at, x.disabling \
    ), callback_disabled as ( \
      insert into tasks (task_id, callback, run_type, run_at, due_at, kwargs, is_notification) \
      select replace(gen_random_uuid()::text, '-', ''), t.on_failure, 'once', now(), now(), \
        row_to_json(n), true \
      from tracked t \
      cross join lateral (select 'callback.disabled' as type, t.name as callback, \
        taskshed_rfc3339(t.failing_since) as failing_since, \
        taskshed_rfc3339(t.disabled_at) as disabled_at) n \
      where t.disabling and t.on_failure is not null \
    )";

/// Applies a batch of results (where the fence still matches and the task is still
/// claimed by `instance`) and records every attempt of a task that still exists. Returns
/// the ids whose result was applied. Fences are random (`taskshed_new_fence()`, migration
/// 0005), so a claim lost in a database crash cannot be matched by the next claim's fence;
/// the instance check is a second, independent guard.
///
/// Planner-proofing, measured with taskshed-bench: the input is a CTE the planner
/// cannot see into, and statistics usually say almost no task is `running`. With
/// `t.status = 'running'` as a filter on `tasks` alone, PostgreSQL drove the update from
/// the running rows (a partial-index or sequential scan) and rescanned the whole input
/// for each: O(batch × running), 0.3–2 s per batch of 1,000. Comparing the status with
/// the input's `held` column makes it a join condition, so the plan is always one
/// primary-key lookup per result. The claiming instance is compared the same way
/// (`t.claimed_by = i.holder`): as a filter `t.claimed_by = $18` it sent the ceiling's
/// finishes from 20–30 ms to 100 ms per batch of 1,000, statistics saying almost no row
/// has that `claimed_by`. Likewise applied rows are found with `in (select …)`, a hashed
/// subplan, not a nested-loop join against the `applied` CTE.
///
/// A task changed while its attempt was in flight (`changed_while_running`, migration
/// 0010) is not moved by the attempt's outcome: it is re-armed as the change left it
/// (`scheduled`, with the row's `run_at`, `due_at`, `occurrence` and `attempts`), and the
/// attempt is only recorded. Such rows are found through a partial index that is empty
/// almost always, and wake every instance if they are due soon.
pub async fn finish_attempts(
    pool: &PgPool,
    instance: &str,
    batch: &[FinishedAttempt],
) -> Result<Vec<String>, sqlx::Error> {
    macro_rules! column {
        ($field:ident) => {
            batch.iter().map(|f| f.$field.clone()).collect::<Vec<_>>()
        };
    }
    let misfires = MisfireColumns::of(batch);
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "with input as ( \
           select *, 'running'::text as held, $18::text as holder \
           from unnest($1::text[], $2::int8[], $3::text[], $4::timestamptz[], \
             $5::timestamptz[], $6::int4[], $7::text[], $8::bool[], $9::text[], $10::int4[], \
             $11::timestamptz[], $12::timestamptz[], $13::int8[], $14::int4[], $15::text[], \
             $16::text[], $17::text[]) \
           as i(task_id, fence, status, next_run_at, due_at, attempts, last_error, \
             occurrence_finished, webhook_id, attempt, scheduled_at, started_at, duration_us, \
             status_code, error, outcome, response_prefix) \
         ), changed as ( \
           select t.task_id from tasks t \
           where t.changed_while_running and t.task_id = any(array(select task_id from input)) \
         ), applied as ( \
           update tasks t set \
             status = case when t.changed_while_running then 'scheduled' else i.status end, \
             run_at = case when t.changed_while_running then t.run_at \
                      else coalesce(i.next_run_at, t.run_at) end, \
             due_at = case when t.changed_while_running then t.due_at else i.due_at end, \
             attempts = case when t.changed_while_running then t.attempts else i.attempts end, \
             last_error = case when t.changed_while_running then t.last_error \
                          else i.last_error end, \
             runs = t.runs + (i.occurrence_finished and not t.changed_while_running)::int, \
             occurrence = case when t.changed_while_running or i.next_run_at is null \
                          then t.occurrence else gen_random_uuid() end, \
             lease_until = null, claimed_by = null, changed_while_running = false, \
             updated_at = now(), \
             finished_at = case when i.status in ('succeeded', 'failed') \
                             and not t.changed_while_running then now() end \
           from input i \
           where t.task_id = i.task_id and t.fence = i.fence and t.status = i.held \
             and t.claimed_by = i.holder \
           returning t.task_id, t.due_at, t.paused, t.callback, t.group_id, t.run_type, \
             t.is_notification, i.outcome, i.attempt, i.status_code, i.last_error, \
             i.webhook_id, i.scheduled_at, i.started_at \
         ), {FAILURE_HANDLING} \
         , rearmed as ( \
           select due_at, paused from applied \
           where task_id in (select task_id from changed) \
         ), recorded as ( \
           insert into attempts (task_id, webhook_id, attempt, scheduled_at, started_at, \
             duration_us, status_code, error, outcome, response_prefix, instance) \
           select i.task_id, i.webhook_id, i.attempt, i.scheduled_at, i.started_at, \
             i.duration_us, i.status_code, i.error, \
             case when i.task_id in (select task_id from applied) then i.outcome \
               else 'superseded' end, \
             i.response_prefix, $18 \
           from input i \
           where exists (select 1 from tasks t where t.task_id = i.task_id) \
         ), ledger as ( \
           insert into misfires (task_id, scheduled_at, local, reason) \
           select m.task_id, m.scheduled_at, m.local, m.reason \
           from unnest($19::text[], $20::timestamptz[], $21::timestamp[], $22::text[]) \
             as m(task_id, scheduled_at, local, reason) \
           where m.task_id in (select task_id from applied) \
             and m.task_id not in (select task_id from changed) \
         ), {} \
         select task_id from applied where {} = 0",
            notify::wake_cte("rearmed", "not paused"),
            notify::evaluate(&["wake"]),
        )
    });
    sqlx::query_scalar(SQL.as_str())
        .bind(column!(task_id))
        .bind(column!(fence))
        .bind(batch.iter().map(|f| f.status).collect::<Vec<_>>())
        .bind(column!(next_run_at))
        .bind(column!(due_at))
        .bind(column!(attempts))
        .bind(column!(last_error))
        .bind(column!(occurrence_finished))
        .bind(column!(webhook_id))
        .bind(column!(attempt))
        .bind(column!(scheduled_at))
        .bind(column!(started_at))
        .bind(column!(duration_us))
        .bind(column!(status_code))
        .bind(column!(error))
        .bind(batch.iter().map(|f| f.outcome).collect::<Vec<_>>())
        .bind(column!(response_prefix))
        .bind(instance)
        .bind(misfires.task_id)
        .bind(misfires.scheduled_at)
        .bind(misfires.local)
        .bind(misfires.reason)
        .fetch_all(pool)
        .await
}

/// The misfires of a finished batch as the finish statement's arrays (usually empty: a
/// task only misfires when it fell behind or met a DST gap).
#[derive(Default)]
struct MisfireColumns {
    task_id: Vec<String>,
    scheduled_at: Vec<DateTime<Utc>>,
    local: Vec<Option<chrono::NaiveDateTime>>,
    reason: Vec<&'static str>,
}

impl MisfireColumns {
    fn of(batch: &[FinishedAttempt]) -> Self {
        let mut columns = MisfireColumns::default();
        for finished in batch {
            for misfire in &finished.misfires {
                columns.task_id.push(finished.task_id.clone());
                columns.scheduled_at.push(misfire.scheduled_at);
                columns.local.push(misfire.local);
                columns.reason.push(misfire.reason.as_str());
            }
        }
        columns
    }
}

/// Hands claims back (unsent, or abandoned at shutdown) so any instance can take them at
/// once; wakes the others if any came back due soon.
pub async fn release_claims(pool: &PgPool, claims: &[(String, i64)]) -> Result<u64, sqlx::Error> {
    let ids: Vec<&str> = claims.iter().map(|(id, _)| id.as_str()).collect();
    let fences: Vec<i64> = claims.iter().map(|(_, f)| *f).collect();
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "with released as ( \
               update tasks t set status = 'scheduled', lease_until = null, claimed_by = null, \
                 changed_while_running = false \
               from unnest($1::text[], $2::int8[]) as i(task_id, fence) \
               where t.task_id = i.task_id and t.fence = i.fence and t.status = 'running' \
               returning t.due_at, t.paused \
             ), {} \
             select count(*) + {} from released",
            notify::wake_cte("released", "not paused"),
            notify::evaluate(&["wake"]),
        )
    });
    let released: i64 = sqlx::query_scalar(SQL.as_str())
        .bind(ids)
        .bind(fences)
        .fetch_one(pool)
        .await?;
    Ok(released as u64)
}

/// Of our unsent claims, those still valid: ours (fence), running, not paused, not changed
/// meanwhile (`changed_while_running`). The rest were paused, changed, re-claimed or
/// deleted since we claimed them.
pub async fn still_valid_claims(
    pool: &PgPool,
    claims: &[(String, i64)],
) -> Result<Vec<String>, sqlx::Error> {
    let ids: Vec<&str> = claims.iter().map(|(id, _)| id.as_str()).collect();
    let fences: Vec<i64> = claims.iter().map(|(_, f)| *f).collect();
    sqlx::query_scalar(
        "select t.task_id from tasks t \
         join unnest($1::text[], $2::int8[]) as i(task_id, fence) \
           on t.task_id = i.task_id and t.fence = i.fence \
         where t.status = 'running' and not t.paused and not t.changed_while_running",
    )
    .bind(ids)
    .bind(fences)
    .fetch_all(pool)
    .await
}

/// A claim whose lease is to be extended: task id, fence, and the lease's length (µs).
pub type LeaseRenewal = (String, i64, i64);

/// Extends the leases of claims this instance still holds (attempts in flight, results
/// waiting to be recorded) to `now() + length`, in one statement, fenced like a finish:
/// only where the fence matches, the task is `running` and `instance` holds it. Returns
/// the extended claims with their new lease end; a claim missing from the answer is no
/// longer ours (its result will be recorded as `superseded`).
///
/// Status and holder are compared with input columns, as in [`finish_attempts`], so the
/// plan is one primary-key lookup per claim whatever the statistics say.
pub async fn extend_leases(
    pool: &PgPool,
    instance: &str,
    claims: &[LeaseRenewal],
) -> Result<Vec<(String, DateTime<Utc>)>, sqlx::Error> {
    let ids: Vec<&str> = claims.iter().map(|(id, _, _)| id.as_str()).collect();
    let fences: Vec<i64> = claims.iter().map(|(_, f, _)| *f).collect();
    let lengths: Vec<i64> = claims.iter().map(|(_, _, l)| *l).collect();
    sqlx::query_as(
        "update tasks t set lease_until = now() + i.length_us * interval '1 microsecond' \
         from (select *, 'running'::text as held, $4::text as holder \
               from unnest($1::text[], $2::int8[], $3::int8[]) as u(task_id, fence, length_us)) i \
         where t.task_id = i.task_id and t.fence = i.fence and t.status = i.held \
           and t.claimed_by = i.holder \
         returning t.task_id, t.lease_until",
    )
    .bind(ids)
    .bind(fences)
    .bind(lengths)
    .bind(instance)
    .fetch_all(pool)
    .await
}

/// Returns tasks whose lease ran out (their instance died) to `scheduled`, in batches.
pub async fn rescue_expired_leases(pool: &PgPool, limit: i64) -> Result<u64, sqlx::Error> {
    let rescued: i64 = sqlx::query_scalar(
        "with expired as ( \
           select task_id from tasks \
           where status = 'running' and lease_until < now() \
           limit $1 for update skip locked \
         ), rescued as ( \
           update tasks t set status = 'scheduled', lease_until = null, claimed_by = null, \
             changed_while_running = false \
           from expired where t.task_id = expired.task_id \
           returning t.due_at \
         ) \
         select count(*) from rescued",
    )
    .bind(limit)
    .fetch_one(pool)
    .await?;
    Ok(rescued as u64)
}

/// Deletes up to `limit` finished tasks older than the retention period, oldest first,
/// with their misfires. Returns how many tasks went.
///
/// Their attempts are not deleted here: a finished task's attempts were recorded before it
/// finished, so they lie in partitions of `attempts` that housekeeping drops whole within
/// a partition's width of the task (migration 0012). Deleting them row by row is what made
/// pruning fall behind the delivery rate.
pub async fn prune_finished_tasks(
    pool: &PgPool,
    retention_us: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let removed: i64 = sqlx::query_scalar(
        "with doomed as ( \
           select task_id from tasks \
           where finished_at < now() - $1::int8 * interval '1 microsecond' \
           order by finished_at limit $2 for update skip locked \
         ), gone as ( \
           delete from tasks t using doomed where t.task_id = doomed.task_id \
           returning t.task_id \
         ), gone_ledger as ( \
           delete from misfires m using gone where m.task_id = gone.task_id returning 1 \
         ) \
         select count(*) from gone",
    )
    .bind(retention_us)
    .bind(limit)
    .fetch_one(pool)
    .await?;
    Ok(removed as u64)
}

/// Deletes up to `limit` misfires (of any task) recorded before the retention period,
/// oldest first. Misfires are rare beside attempts (one per skipped occurrence), so
/// batches until none is left keep pace with them.
pub async fn prune_old_misfires(
    pool: &PgPool,
    retention_us: i64,
    limit: i64,
) -> Result<u64, sqlx::Error> {
    let removed = sqlx::query(
        "delete from misfires where misfire_id in ( \
           select misfire_id from misfires \
           where recorded_at < now() - $1::int8 * interval '1 microsecond' \
           order by misfire_id limit $2)",
    )
    .bind(retention_us)
    .bind(limit)
    .execute(pool)
    .await?;
    Ok(removed.rows_affected())
}

/// Hands back everything an instance still holds (at the end of its shutdown).
pub async fn release_instance(pool: &PgPool, instance: &str) -> Result<u64, sqlx::Error> {
    static SQL: LazyLock<String> = LazyLock::new(|| {
        format!(
            "with released as ( \
               update tasks set status = 'scheduled', lease_until = null, claimed_by = null, \
                 changed_while_running = false \
               where claimed_by = $1 and status = 'running' \
               returning due_at \
             ), {} \
             select count(*) + {} from released",
            notify::wake_cte("released", "true"),
            notify::evaluate(&["wake"]),
        )
    });
    let released: i64 = sqlx::query_scalar(SQL.as_str())
        .bind(instance)
        .fetch_one(pool)
        .await?;
    Ok(released as u64)
}
