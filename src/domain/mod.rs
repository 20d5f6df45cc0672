//! Pure domain types and rules: identifiers, durations, instants, tasks, callbacks, their
//! retry policy and signing secrets, attempt outcomes and the recurring schedule. Nothing
//! here does I/O.

pub(crate) mod api_key;
pub(crate) mod attempt;
pub(crate) mod attempt_partitions;
pub(crate) mod callback;
pub(crate) mod duration;
pub(crate) mod egress;
pub(crate) mod failure_policy;
pub(crate) mod flow;
pub(crate) mod ids;
pub(crate) mod kwargs;
pub(crate) mod kwargs_schema;
pub(crate) mod limits;
pub(crate) mod recurrence;
pub(crate) mod retry;
pub(crate) mod schedule;
pub(crate) mod sealed;
pub(crate) mod secret;
pub(crate) mod task;
pub(crate) mod time;
