//! A claimed task on its way to delivery: what the claim loop schedules on the timer and
//! the dispatcher receives when it fires. A leaf type, so the claim loop and the
//! dispatcher need not know each other.

use std::sync::Arc;

use crate::store::deliveries::ClaimedTask;

/// A claimed task on its way to delivery.
pub struct Job {
    pub task: Arc<ClaimedTask>,
}
