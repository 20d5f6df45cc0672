//! Flow control in SQL (API.md "Flow control"): the per-callback bound on attempts in
//! flight over all instances, the adaptive concurrency and the `Retry-After` hold, kept
//! in `callback_flow` (migration 0009).
//!
//! # How `max_concurrency` holds over all instances
//!
//! *In flight* is counted from the tasks table itself: a task of the callback that is
//! `running` under a live lease (`lease_until > now()`). A task is `running` from its
//! claim until its result is recorded, handed back or its lease runs out, which covers
//! every moment its attempt can be open at the receiver (the attempt ends within the
//! callback's timeout, inside the lease). So "running rows ≤ limit" implies "open requests
//! ≤ limit", whatever the number of instances, with no counter that anyone adjusts by hand:
//! finishing, handing back and rescuing a task free its place by changing its status, in
//! statements that exist anyway. A crashed instance's places come back when its leases
//! expire, because only live leases count.
//!
//! Claims keep the bound by taking, per callback, at most `limit − in flight` tasks, where
//! `limit` is the effective concurrency (≤ `max_concurrency`) and 0 while held. Two
//! instances counting at once could each see the same free places, so a claim first locks
//! the `callbacks` rows (`for no key update`: registrations wait a moment, readers never)
//! of the callbacks it is about to take tasks of
//! ([`lock_claimable`], in name order, so two claimers never deadlock), and counts in its
//! next statement: under READ COMMITTED each statement takes a new snapshot, so the count
//! is taken after the lock was granted and sees every claim committed before it. The lock
//! is held only for the claim's own transaction (a few milliseconds); the HTTP calls happen
//! after the commit, as always.
//!
//! # Look-ahead claims
//!
//! A task claimed ahead of its instant takes its place at the claim, not at its instant.
//! That is what makes the bound safe — an instance never has to ask again before it fires
//! a claimed task, so firing stays off the database (S3 lateness) — and it means a claimed
//! task is never starved: once claimed it holds its place until it is recorded. The cost
//! is that a callback at its limit lends up to a look-ahead (200 ms) of places to tasks not
//! yet due; the count never exceeds the limit. Claims take each callback's earliest due
//! tasks first, so overdue tasks are not overtaken by look-ahead ones.
//!
//! # Fairness
//!
//! Each callback's tasks are taken up to its own room, so a slow or held callback with a
//! large backlog never fills a claim batch: a claim skips callbacks without room before it
//! picks tasks, and the others are claimed as if it were not there.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};

/// The callbacks a claim may take tasks of, locked for its transaction, and what it learnt
/// about the others.
pub struct Claimable {
    /// Locked `callbacks` rows, in name order.
    pub names: Vec<String>,
    /// Whether some callback was at its limit, so tasks of it may be due and unclaimed:
    /// finishing an attempt should prompt another claim. (A held callback is not capped:
    /// its hold's end is the time to look again.)
    pub capped: bool,
    /// Callbacks held now, with the end of their hold.
    pub held: Vec<(String, DateTime<Utc>)>,
    /// Callbacks whose effective concurrency is below their maximum (still recovering).
    pub reduced: Vec<String>,
}

/// A callback's in-flight count as the rules define it: its tasks `running` under a live
/// lease. `$c` names the callback column of the outer query.
pub(crate) fn in_flight_sql(callback: &str) -> String {
    format!(
        "(select count(*) from tasks r \
          where r.status = 'running' and r.lease_until > now() and r.callback = {callback})"
    )
}

/// The concurrency a claim may use for a callback, from `callbacks c` and
/// `callback_flow f`: `domain::flow::usable` in SQL.
pub(crate) const LIMIT_SQL: &str = "greatest(1, floor(least(c.max_concurrency::float8, \
     coalesce(f.effective_concurrency, c.max_concurrency))))::int8";

/// Step one of a claim (inside its transaction): finds the callbacks with due tasks and
/// room, among the `limit` earliest due tasks of callbacks that have room, and locks their
/// `callbacks` rows. Room here is from this statement's snapshot and only chooses what to lock;
/// the claim counts again after the lock.
pub async fn lock_claimable(
    tx: &mut PgConnection,
    limit: i64,
    look_ahead_us: i64,
) -> Result<Claimable, sqlx::Error> {
    #[derive(sqlx::FromRow)]
    struct Row {
        name: String,
        wanted: bool,
        at_limit: bool,
        held_until: Option<DateTime<Utc>>,
        reduced: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "with running as ( \
           select callback, count(*) as n from tasks \
           where status = 'running' and lease_until > now() group by callback \
         ), state as ( \
           select c.name, \
             coalesce(r.n, 0) >= {LIMIT_SQL} as at_limit, \
             coalesce(f.held_until > now(), false) as is_held, \
             case when f.held_until > now() then f.held_until end as held_until, \
             coalesce(f.effective_concurrency < c.max_concurrency, false) as reduced \
           from callbacks c left join callback_flow f on f.name = c.name \
           left join running r on r.callback = c.name \
           where r.n is not null or f.held_until > now() \
             or f.effective_concurrency < c.max_concurrency \
         ), wanted as ( \
           select distinct callback as name from ( \
             select callback from tasks \
             where status = 'scheduled' and not paused \
               and due_at <= now() + $2::int8 * interval '1 microsecond' \
               and callback <> all(array(select name from state where at_limit or is_held)) \
               and (callback || '') <> all(array( \
                 select name from callbacks where disabled_at is not null)) \
             order by due_at limit $1 \
           ) d \
         ), locked as ( \
           select name from callbacks \
           where name in (select name from wanted) \
           order by name for no key update \
         ) \
         select name, true as wanted, false as at_limit, null::timestamptz as held_until, \
           false as reduced \
         from locked \
         union all \
         select name, false, at_limit, held_until, reduced from state \
         order by name",
    ))
    .bind(limit)
    .bind(look_ahead_us)
    .fetch_all(&mut *tx)
    .await?;
    let mut claimable = Claimable {
        names: Vec::new(),
        capped: false,
        held: Vec::new(),
        reduced: Vec::new(),
    };
    for row in rows {
        if row.wanted {
            claimable.names.push(row.name);
            continue;
        }
        claimable.capped |= row.at_limit;
        if row.reduced {
            claimable.reduced.push(row.name.clone());
        }
        if let Some(until) = row.held_until {
            claimable.held.push((row.name, until));
        }
    }
    Ok(claimable)
}

/// What a finished batch of attempts said about one callback's receiver.
#[derive(Debug, Clone, Default)]
pub struct FlowReport {
    pub callback: String,
    /// Attempts that showed overload (`domain::flow::Load::Overloaded`).
    pub overloaded: i32,
    /// Attempts answered 2xx.
    pub served: i32,
    /// The longest `Retry-After` hold asked for, in microseconds (0: none).
    pub hold_us: i64,
}

/// Applies one finished batch's reports: the adaptive rule (`domain::flow::adapt`, in
/// SQL so that concurrent instances compose) and holds (a hold only ever extends).
/// Rows already at their maximum with nothing to cut or hold are not written. Returns
/// the reported callbacks still below their maximum afterwards.
pub async fn record(pool: &PgPool, reports: &[FlowReport]) -> Result<Vec<String>, sqlx::Error> {
    if reports.is_empty() {
        return Ok(Vec::new());
    }
    let names: Vec<&str> = reports.iter().map(|r| r.callback.as_str()).collect();
    let overloaded: Vec<i32> = reports.iter().map(|r| r.overloaded).collect();
    let served: Vec<i32> = reports.iter().map(|r| r.served).collect();
    let hold_us: Vec<i64> = reports.iter().map(|r| r.hold_us).collect();
    // A callback's row is created by the first result that changes something; the update
    // below is then one atomic read-modify-write per row, however many instances race.
    sqlx::query(
        "insert into callback_flow (name) \
         select c.name from callbacks c where c.name = any($1) \
         on conflict (name) do nothing",
    )
    .bind(&names)
    .execute(pool)
    .await?;
    sqlx::query_scalar(
        "update callback_flow f set \
           effective_concurrency = case when i.overloaded > 0 \
             then greatest(1, greatest(1, least(c.max_concurrency, f.effective_concurrency)) * 0.5) \
             else least(c.max_concurrency, greatest(1, least(c.max_concurrency, f.effective_concurrency)) \
               + i.served / greatest(1, least(c.max_concurrency, f.effective_concurrency))) end, \
           held_until = case when i.hold_us > 0 \
             then greatest(f.held_until, now() + i.hold_us * interval '1 microsecond') \
             else f.held_until end, \
           updated_at = now() \
         from unnest($1::text[], $2::int4[], $3::int4[], $4::int8[]) \
           as i(name, overloaded, served, hold_us), callbacks c \
         where f.name = i.name and c.name = i.name \
           and (i.overloaded > 0 or i.hold_us > 0 or f.effective_concurrency < c.max_concurrency) \
         returning case when f.effective_concurrency < c.max_concurrency then f.name end",
    )
    .bind(names)
    .bind(overloaded)
    .bind(served)
    .bind(hold_us)
    .fetch_all(pool)
    .await
    .map(|names: Vec<Option<String>>| names.into_iter().flatten().collect())
}

/// A callback's flow state, as `GET /v1/callbacks/{name}` shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FlowRow {
    pub in_flight: i64,
    pub effective_concurrency: u32,
    pub held_until: Option<DateTime<Utc>>,
}

/// The flow state of the callback `name`; `None` if it has no flow row (not registered).
pub async fn flow_state(pool: &PgPool, name: &str) -> Result<Option<FlowRow>, sqlx::Error> {
    let row: Option<(i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "select {}, {LIMIT_SQL}, case when f.held_until > now() then f.held_until end \
         from callbacks c left join callback_flow f on f.name = c.name where c.name = $1",
        in_flight_sql("c.name"),
    ))
    .bind(name)
    .fetch_optional(pool)
    .await?;
    Ok(row.map(|(in_flight, effective, held_until)| FlowRow {
        in_flight,
        effective_concurrency: u32::try_from(effective).unwrap_or(u32::MAX),
        held_until,
    }))
}

/// The flow state of the first `limit` callbacks in name order, for the metrics.
pub async fn flow_states(pool: &PgPool, limit: i64) -> Result<Vec<(String, FlowRow)>, sqlx::Error> {
    let rows: Vec<(String, i64, i64, Option<DateTime<Utc>>)> = sqlx::query_as(&format!(
        "with running as ( \
           select callback, count(*) as n from tasks \
           where status = 'running' and lease_until > now() group by callback \
         ) \
         select c.name, coalesce(r.n, 0), {LIMIT_SQL}, \
           case when f.held_until > now() then f.held_until end \
         from callbacks c left join callback_flow f on f.name = c.name \
         left join running r on r.callback = c.name \
         order by c.name limit $1",
    ))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(name, in_flight, effective, held_until)| {
            (
                name,
                FlowRow {
                    in_flight,
                    effective_concurrency: u32::try_from(effective).unwrap_or(u32::MAX),
                    held_until,
                },
            )
        })
        .collect())
}
