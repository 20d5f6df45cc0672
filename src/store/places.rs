//! Places in SQL (migration 0013): how `max_concurrency` holds over all instances.
//!
//! # The rule
//!
//! A callback's limit (its effective concurrency, 0 while it is held or disabled) is
//! divided among the instances delivering to it as *places*: an instance may have at most
//! as many requests of the callback open as it holds places, and it holds them under a
//! lease in `callback_places`. The sum of the live leases' places never exceeds the limit,
//! so the receiver never sees more concurrent requests than that, however many instances
//! there are.
//!
//! # Why the sum stays within the limit
//!
//! [`lease`] is one transaction of two statements. The first locks the `callbacks` rows
//! of the callbacks it asks places for (`for no key update`, in name order, so two
//! instances never deadlock; registrations wait a moment, readers never). The second
//! computes each grant from a fresh snapshot — under READ COMMITTED each statement takes
//! a new one — so it sees every grant committed before the lock was granted: it can give
//! at most `limit − places held by the others' live leases`. Instances only ever *grow*
//! their local places after the grant is committed, and *shrink* them locally before
//! they write the smaller number (`delivery::place_book`), so the database's figure is
//! never below what an instance uses.
//!
//! A lease lasts [`PLACE_LEASE`] plus the callback's timeout: an instance that stops
//! renewing (it died, or lost the database) may still have a request open for up to one
//! timeout, and starts none once less than a timeout is left (`delivery::place_book`).
//! After that its places come back to the others without anyone releasing them.
//!
//! A cut (adaptive concurrency) or a lowered `max_concurrency` lowers the limit below
//! what is held: grants then shrink, but a request already open is not interrupted, so
//! the receiver may see the old number until those requests end.
//!
//! # Look-ahead claims
//!
//! A task claimed ahead of its instant holds no place: it takes one when it fires, so
//! the look-ahead never lends places to tasks that are not due. It is not starved either:
//! tasks of a callback wait for its places in the order they fired (a FIFO semaphore),
//! behind at most the callback's other tasks claimed by the instance, which claims bound
//! to two rounds of its places or what it delivered in the last second (about a second's
//! worth of its requests). Firing stays off the database: a place is taken from memory.
//!
//! # Sharing
//!
//! An instance takes every free place it needs. When some other live lease wants more
//! than it holds (`wanted > places`), each instance that wants places is capped at its
//! fair share, `⌈limit / instances wanting⌉`, and gives back what is above it as its
//! requests end; the starved instance takes the freed places at its next renewal. An
//! instance that needs nothing keeps its places for a moment (`keep`, so a steady trickle
//! of tasks never waits for a round trip), but gives them up at once when another
//! instance is waiting for them.

use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;

/// How long a lease outlives its renewal, beyond the callback's timeout.
pub const PLACE_LEASE: Duration = Duration::from_secs(5);

/// What an instance asks for one callback.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRequest {
    pub callback: String,
    /// Places its tasks need now (claimed and not yet finished).
    pub needed: i32,
    /// Places it would keep although it needs none (recently busy).
    pub keep: i32,
    /// Places it holds now; the row never says fewer while they exist.
    pub holding: i32,
    /// Places carrying a request now.
    pub in_use: i32,
    /// The longest attempt (timeout and guard) among its tasks waiting for a place, in
    /// microseconds: the lease must cover one such attempt.
    pub timeout_us: i64,
}

/// The answer for one callback.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct PlaceGrant {
    pub callback: String,
    /// How many places the instance may hold from now on.
    pub places: i32,
    /// The limit they were shared from (0 while held or disabled).
    pub limit: i32,
    /// When the lease ends (database clock).
    pub lease_until: DateTime<Utc>,
    /// The end of a `Retry-After` hold, if one holds now.
    pub held_until: Option<DateTime<Utc>>,
    /// Whether the effective concurrency is below `max_concurrency` (recovering).
    pub reduced: bool,
    /// The database clock as the row was produced.
    pub db_now: DateTime<Utc>,
}

/// A renewal's answer: the grants, and when they arrived (before the commit), which with
/// their `db_now` is one more reading of the database clock for the timers.
pub struct Lease {
    pub grants: Vec<PlaceGrant>,
    pub answered_at: std::time::Instant,
}

/// Renews `instance`'s leases for `requests` and returns what it may hold. Callbacks that
/// no longer exist are left out of the answer (their rows went with them). A request that
/// needs, keeps and holds nothing deletes the instance's row.
pub async fn lease(
    pool: &PgPool,
    instance: &str,
    requests: &[PlaceRequest],
) -> Result<Lease, sqlx::Error> {
    if requests.is_empty() {
        return Ok(Lease {
            grants: Vec::new(),
            answered_at: std::time::Instant::now(),
        });
    }
    let names: Vec<&str> = requests.iter().map(|r| r.callback.as_str()).collect();
    let needed: Vec<i32> = requests.iter().map(|r| r.needed).collect();
    let keep: Vec<i32> = requests.iter().map(|r| r.keep).collect();
    let holding: Vec<i32> = requests.iter().map(|r| r.holding).collect();
    let in_use: Vec<i32> = requests.iter().map(|r| r.in_use).collect();
    let timeouts: Vec<i64> = requests.iter().map(|r| r.timeout_us).collect();
    let mut tx = pool.begin().await?;
    sqlx::query("select name from callbacks where name = any($1) order by name for no key update")
        .bind(&names)
        .execute(&mut *tx)
        .await?;
    let grants: Vec<PlaceGrant> = sqlx::query_as(&format!(
        "with asked as ( \
               select * from unnest($2::text[], $3::int4[], $4::int4[], $5::int4[], \
                 $6::int4[], $7::int8[]) as a(name, needed, keep, holding, in_use, timeout_us) \
             ), others as ( \
               select p.name, sum(p.places)::int4 as places, \
                 count(*) filter (where p.wanted > 0)::int4 as wanting, \
                 bool_or(p.wanted > p.places) as starving \
               from callback_places p \
               where p.name in (select name from asked) and p.instance <> $1 \
                 and p.lease_until > now() \
               group by p.name \
             ), shared as ( \
               select a.*, \
                 case when c.disabled_at is not null or f.held_until > now() then 0 \
                   else {limit} end::int4 as lim, \
                 coalesce(o.places, 0) as taken, coalesce(o.wanting, 0) as wanting, \
                 coalesce(o.starving, false) as starving, \
                 case when f.held_until > now() then f.held_until end as held_until, \
                 coalesce(f.effective_concurrency < c.max_concurrency, false) as reduced, \
                 now() + ({lease_us} + greatest(c.timeout_us, a.timeout_us)) \
                   * interval '1 microsecond' as lease_until \
               from asked a join callbacks c on c.name = a.name \
               left join callback_flow f on f.name = a.name \
               left join others o on o.name = a.name \
             ), granted as ( \
               select s.*, greatest(0, least(s.lim - s.taken, case when s.starving \
                 then least(s.needed, ceil(s.lim::numeric / (s.wanting + 1))::int4) \
                 else greatest(s.needed, s.keep) end)) as places \
               from shared s \
             ), written as ( \
               insert into callback_places as p \
                 (name, instance, places, wanted, in_use, lease_until) \
               select name, $1, greatest(places, holding), needed, in_use, lease_until \
               from granted where greatest(places, holding) > 0 or needed > 0 \
               on conflict (name, instance) do update set places = excluded.places, \
                 wanted = excluded.wanted, in_use = excluded.in_use, \
                 lease_until = excluded.lease_until \
             ), dropped as ( \
               delete from callback_places p using granted g \
               where p.name = g.name and p.instance = $1 \
                 and g.places = 0 and g.holding = 0 and g.needed = 0 \
             ) \
             select name as callback, places, lim as \"limit\", lease_until, held_until, \
               reduced, clock_timestamp() as db_now \
             from granted",
        limit = super::flow::LIMIT_SQL,
        lease_us = PLACE_LEASE.as_micros(),
    ))
    .bind(instance)
    .bind(&names)
    .bind(needed)
    .bind(keep)
    .bind(holding)
    .bind(in_use)
    .bind(timeouts)
    .fetch_all(&mut *tx)
    .await?;
    let answered_at = std::time::Instant::now();
    tx.commit().await?;
    Ok(Lease {
        grants,
        answered_at,
    })
}

/// Gives back every place `instance` holds (at shutdown, once no request is open).
pub async fn release_instance(pool: &PgPool, instance: &str) -> Result<u64, sqlx::Error> {
    sqlx::query("delete from callback_places where instance = $1")
        .bind(instance)
        .execute(pool)
        .await
        .map(|done| done.rows_affected())
}
