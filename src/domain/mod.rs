//! Pure domain types and rules: identifiers, durations, instants, tasks, callbacks and
//! the recurring schedule. Nothing here does I/O.

pub mod api_key;
pub mod callback;
pub mod duration;
pub mod egress;
pub mod ids;
pub mod kwargs;
pub mod recurrence;
pub mod schedule;
pub mod sealed;
pub mod task;
pub mod time;
