//! When recurring tasks recur: cron in any IANA time zone with an explicit DST policy, the
//! fixed `interval`, bounds, jitter, catch-up with its misfire ledger, and the preview
//! (issue 15; API.md, "Schedules"). Pure functions of (schedule, previous instant, now):
//! no I/O and no clock, so every rule is tested by table.
//!
//! Dependencies point one way, leaves first:
//! - `occurrence`: the data the rules produce (occurrences, DST flags, skipped local
//!   times, misfires);
//! - `cron`: parsing, and which local date-times an expression matches;
//! - `dst`: the DST policy, and placing a local date-time on the time line under it;
//! - `zoned_cron`: a cron schedule in a zone — the next occurrence after an instant;
//! - `rule`: `Recurrence`, interval or cron behind one interface;
//! - `bounds`, `jitter`, `task_schedule`: a task's `end_at`/`max_runs`, jitter, and all of
//!   its schedule fields together;
//! - `catch_up`: the next step when an occurrence finishes; `preview`: the next N;
//! - `stored`: a task row's schedule columns back into a `TaskSchedule`.
//!
//! The parsed schedule is built once (from the API's DTO or a stored row) and is cheap to
//! evaluate: the delivery engine asks for the next occurrence on every finished delivery.

pub(crate) mod bounds;
pub(crate) mod catch_up;
pub(crate) mod cron;
pub(crate) mod dst;
pub(crate) mod jitter;
pub(crate) mod occurrence;
pub(crate) mod preview;
pub(crate) mod rule;
pub(crate) mod stored;
pub(crate) mod task_schedule;
pub(crate) mod zoned_cron;

#[cfg(test)]
mod dst_tables;
#[cfg(test)]
mod engine_tables;
