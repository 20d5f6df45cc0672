//! Which tasks a bulk operation (pause, resume, delete, retry, execution-times) applies
//! to, written once, and the dry run that reports it.
//!
//! Each operation's target rows are one SQL predicate on `tasks t`: the caller's selector
//! (ids, group or callback, plus a failure window for retry) and the operation's own
//! condition (pause takes unpaused unfinished tasks, retry failed ones…). The write
//! statements in [`super::tasks`] put [`push_target`] in their `where`, and [`preview`]
//! puts the very same predicate in a `select`, with the write left out. So a dry run cannot
//! disagree with the operation about which rows it would touch (only with what changes
//! between the two calls), and the count a dry run answers is the `affected` the write
//! would answer.

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Postgres, QueryBuilder};

use crate::domain::task::TaskSelector;

/// Most task ids a dry run lists (it counts them all).
pub const PREVIEW_IDS: i64 = 100;

/// A bulk operation, for what its own condition on a task is.
#[derive(Debug, Clone, Copy)]
pub enum BulkOp {
    /// Unpaused, unfinished tasks become paused.
    Pause,
    /// Paused tasks are resumed.
    Resume,
    /// Tasks in any state are deleted.
    Delete,
    /// `failed` tasks are re-armed, optionally only those that failed within a window.
    Retry(FailedWindow),
    /// Unfinished tasks get a new `run_at` (`execution-times`).
    MoveTime,
}

/// `[failed_after, failed_before)` on the time a task ended `failed` (`finished_at`):
/// half-open, so adjacent windows neither overlap nor leave a gap.
#[derive(Debug, Clone, Copy, Default)]
pub struct FailedWindow {
    pub failed_after: Option<DateTime<Utc>>,
    pub failed_before: Option<DateTime<Utc>>,
}

impl BulkOp {
    /// The operation's own condition on `t`, with status and paused as literals, so the
    /// planner can match the partial indexes (STYLE: literal predicates).
    pub fn condition(self) -> &'static str {
        match self {
            BulkOp::Pause => "not t.paused and t.status in ('scheduled', 'running')",
            BulkOp::Resume => "t.paused",
            BulkOp::Delete => "true",
            BulkOp::Retry(_) => "t.status = 'failed'",
            BulkOp::MoveTime => "t.status in ('scheduled', 'running')",
        }
    }
}

/// Pushes the predicate selecting `op`'s target rows of `tasks t`, with its binds.
pub fn push_target(query: &mut QueryBuilder<'_, Postgres>, op: BulkOp, selector: &TaskSelector) {
    query.push("(");
    match selector {
        TaskSelector::Ids(ids) => {
            let ids: Vec<String> = ids.iter().map(|id| id.as_str().to_owned()).collect();
            query
                .push("t.task_id = any(")
                .push_bind(ids)
                .push("::text[])");
        }
        TaskSelector::Group(group) => {
            query
                .push("t.group_id = ")
                .push_bind(group.as_str().to_owned())
                .push("::text");
        }
        TaskSelector::Callback(callback) => {
            query
                .push("t.callback = ")
                .push_bind(callback.as_str().to_owned())
                .push("::text");
        }
    }
    query.push(") and (").push(op.condition()).push(")");
    if let BulkOp::Retry(window) = op {
        if let Some(after) = window.failed_after {
            query
                .push(" and t.finished_at >= ")
                .push_bind(after)
                .push("::timestamptz");
        }
        if let Some(before) = window.failed_before {
            query
                .push(" and t.finished_at < ")
                .push_bind(before)
                .push("::timestamptz");
        }
    }
}

/// What a dry run found: how many rows the operation would change, and the first
/// [`PREVIEW_IDS`] of their ids in id order.
#[derive(Debug, Clone, Default)]
pub struct Preview {
    pub affected: i64,
    pub task_ids: Vec<String>,
}

/// Runs `op`'s selection without its write: nothing changes, no row is locked.
pub async fn preview(
    pool: &PgPool,
    op: BulkOp,
    selector: &TaskSelector,
) -> Result<Preview, sqlx::Error> {
    // The window count is taken before `limit`, so it counts every target row.
    let mut query = QueryBuilder::new("select t.task_id, count(*) over () from tasks t where ");
    push_target(&mut query, op, selector);
    query.push(" order by t.task_id limit ").push(PREVIEW_IDS);
    let rows: Vec<(String, i64)> = query.build_query_as().fetch_all(pool).await?;
    Ok(Preview {
        affected: rows.first().map_or(0, |(_, n)| *n),
        task_ids: rows.into_iter().map(|(id, _)| id).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ids::Id;

    #[test]
    fn the_predicate_combines_selector_condition_and_window() {
        let mut query = QueryBuilder::<Postgres>::new("");
        let window = FailedWindow {
            failed_after: Some(Utc::now()),
            failed_before: None,
        };
        push_target(
            &mut query,
            BulkOp::Retry(window),
            &TaskSelector::Callback(Id::parse("cb").unwrap()),
        );
        assert_eq!(
            query.sql(),
            "(t.callback = $1::text) and (t.status = 'failed') and t.finished_at >= $2::timestamptz"
        );
    }
}
