//! Pure domain types and rules: identifiers, durations, instants, tasks, callbacks, their
//! retry policy and signing secrets, attempt outcomes and the recurring schedule. Nothing
//! here does I/O.

pub mod api_key;
pub mod attempt;
pub mod callback;
pub mod duration;
pub mod egress;
pub mod ids;
pub mod kwargs;
pub mod limits;
pub mod recurrence;
pub mod retry;
pub mod schedule;
pub mod sealed;
pub mod secret;
pub mod task;
pub mod time;
