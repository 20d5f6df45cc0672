//! The wake-up protocol: LISTEN/NOTIFY channel names, the wake horizon, and the SQL
//! fragments with which store statements notify as part of their own work.
//!
//! Notifications are hints: the delivery loop's safety poll (at most [`WAKE_HORIZON`]
//! apart) catches anything a lost notification would have told it. Every notification is
//! sent by the statement that made it necessary, inside that statement's transaction, so
//! listeners hear of a change only once it is committed, and no caller (handler, batcher,
//! delivery loop) has to remember to send one: nothing outside `store` notifies.
//!
//! The rule for wake-ups lives here once: one `taskshed_wake` per statement (never per
//! row), carrying the earliest affected due time, and only when that time falls inside
//! [`WAKE_HORIZON`] by the database's clock. Tasks due later are found by the safety poll,
//! so inserting tasks due in hours wakes nobody.
//!
//! # Why the notifying CTEs are counted
//! A notification is a `select pg_notify(…)` in a CTE. PostgreSQL always runs CTEs that
//! modify data (`insert`, `update`, `delete`), but evaluates a plain `select` CTE only if
//! something reads it: a `wake` CTE that nobody references is skipped and nothing is sent.
//! So each statement reads its notifying CTEs in its final `select` through
//! [`evaluate`], an expression that is always 0 (`0 * (select count(*) from wake)`), added
//! to a value the caller reads anyway. It forces the evaluation without changing results.

use crate::domain::duration::IsoDuration;

/// "A task became due earlier than you may think"; payload: its due time in Unix µs.
pub const WAKE_CHANNEL: &str = "taskshed_wake";
/// "A claimed task was paused, deleted or changed"; holders re-check unsent claims.
pub const REVALIDATE_CHANNEL: &str = "taskshed_revalidate";
/// "This callback was registered, replaced or deleted"; payload: its name. Delivery
/// loops drop their cached copy, so the next attempt uses the new URL, timeout and secret.
pub const CALLBACK_CHANNEL: &str = "taskshed_callback";

/// Statements send a wake-up only for tasks due within this horizon, so the delivery loop
/// must look at the database at least this often (its longest safety poll) to see the rest.
pub const WAKE_HORIZON: IsoDuration = IsoDuration::from_secs(60);

/// A CTE named `wake` that sends one `taskshed_wake` with the earliest `due_at` among the
/// rows of `source` matching `filter`, if that time falls inside [`WAKE_HORIZON`].
///
/// `source` is a CTE of the same statement that returns a `due_at` column.
pub fn wake_cte(source: &str, filter: &str) -> String {
    format!(
        "wake as ( \
           select pg_notify('{WAKE_CHANNEL}', (extract(epoch from m) * 1000000)::bigint::text) \
           from (select min(due_at) as m from {source} where {filter}) w \
           where m < now() + {horizon_us}::int8 * interval '1 microsecond' \
         )",
        horizon_us = WAKE_HORIZON.as_micros(),
    )
}

/// A CTE named `revalidate` that sends one `taskshed_revalidate` if any row of `source`
/// matches `filter` (a claimed task was changed under its holder).
pub fn revalidate_cte(source: &str, filter: &str) -> String {
    format!(
        "revalidate as ( \
           select pg_notify('{REVALIDATE_CHANNEL}', '') \
           where exists (select 1 from {source} where {filter}) \
         )"
    )
}

/// A CTE named `announce` that sends one `taskshed_callback` with the callback name in
/// `name` (a bind parameter such as `$1`) if `condition` holds.
pub fn callback_cte(name: &str, condition: &str) -> String {
    format!(
        "announce as ( \
           select pg_notify('{CALLBACK_CHANNEL}', {name}::text) where {condition} \
         )"
    )
}

/// An expression that is always 0 and makes PostgreSQL evaluate the named notifying CTEs
/// (see the module documentation for why it is needed). Add it to a value the statement
/// returns anyway, e.g. `select count(*) + {evaluate(&["wake"])} from changed`.
pub fn evaluate(ctes: &[&str]) -> String {
    let counts: Vec<String> = ctes
        .iter()
        .map(|cte| format!("(select count(*) from {cte})"))
        .collect();
    format!("0 * ({})", counts.join(" + "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fragments_name_the_channels_and_horizon() {
        let wake = wake_cte("changed", "not paused");
        assert!(wake.contains("pg_notify('taskshed_wake'"), "{wake}");
        assert!(wake.contains("60000000::int8"), "{wake}");
        assert!(wake.contains("from changed where not paused"), "{wake}");
        assert_eq!(
            evaluate(&["wake", "revalidate"]),
            "0 * ((select count(*) from wake) + (select count(*) from revalidate))"
        );
    }
}
