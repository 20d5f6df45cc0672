//! Flow control in SQL (API.md "Flow control"): the per-callback bound on attempts in
//! flight over all instances, the adaptive concurrency and the `Retry-After` hold, kept
//! in `callback_flow` (migration 0009).
//!
//! How `max_concurrency` holds over all instances is `super::places`: each instance
//! holds places under a lease, and a request holds one of them while it is open. Claims
//! ([`super::deliveries::claim_due`]) are bounded per callback by what this instance can
//! send soon, not by the places, so a large claim never waits on a round trip per place.
//!
//! This module keeps what the instances learn together: the effective concurrency that
//! timeouts and overloads cut and successes raise, and the `Retry-After` hold.

use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The concurrency a claim may use for a callback, from `callbacks c` and
/// `callback_flow f`: `domain::flow::usable` in SQL.
pub(crate) const LIMIT_SQL: &str = "greatest(1, floor(least(c.max_concurrency::float8, \
     coalesce(f.effective_concurrency, c.max_concurrency))))::int8";

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

/// A callback's requests in flight over all instances, as they last reported them: the
/// `in_use` of the live leases (`super::places`). `callback` names the callback column of
/// the outer query.
fn in_flight_sql(callback: &str) -> String {
    format!(
        "(select coalesce(sum(least(p.in_use, p.places)), 0)::int8 from callback_places p \
          where p.name = {callback} and p.lease_until > now())"
    )
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
        "select c.name, {}, {LIMIT_SQL}, \
           case when f.held_until > now() then f.held_until end \
         from callbacks c left join callback_flow f on f.name = c.name \
         order by c.name limit $1",
        in_flight_sql("c.name"),
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
