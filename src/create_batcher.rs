//! Group commit for single-task creates.
//!
//! It lives beside `store`, not in it: it holds no SQL, only a queue, a dispatcher task
//! and the policy of when to write a batch, so it is a small service that `http` calls and
//! that calls `store` (`http → create_batcher → store`). Wake-ups for the tasks it writes
//! are sent by the store statements themselves.
//!
//! Each `POST /v1/tasks` used to be its own statement and its own transaction, so each
//! paid PostgreSQL's parse, bind, executor start-up and commit (a WAL flush) on its own.
//! Under concurrent load most of that is shared here instead: requests queue, one
//! dispatcher takes everything queued and writes it with one `INSERT` (one transaction,
//! one WAL flush), and each request gets its own answer once that commit is durable.
//!
//! Nothing waits on a timer: a request that arrives while the database is idle is written
//! at once, alone. Batches form only while earlier flushes are still running (at most
//! [`MAX_CONCURRENT_FLUSHES`] at a time), so the busier the database, the more each
//! commit carries. A flush is all or nothing: if it fails as a whole (a task id that
//! exists, two requests with the same id, any other database error), each of its requests
//! runs again on its own through [`tasks::insert_task`], which gives each its own outcome
//! (created, replaced, 409, 422), exactly as without batching.
//!
//! Callbacks with a kwargs contract (`kwargs_schema`) cost the creates of other callbacks
//! nothing: a flush first writes, without reading any schema, the creates whose callbacks
//! this instance last saw without one, and the statement itself requires that the callback
//! still has none ([`CallbackCheck::WithoutSchema`]), so a schema added on another
//! instance is never bypassed. What that leaves unwritten (a callback with a schema, or an
//! unknown one), and the creates of callbacks known to have a schema, are checked against
//! the schemas read then (one statement per flush), answered
//! [`CreateOne::InvalidKwargs`] if they break them, and written.

use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, Semaphore};

use crate::domain::kwargs_schema::SchemaCache;
use crate::domain::task::NewTask;
use crate::store::callbacks::callback_schemas;
use crate::store::tasks::{self, CallbackCheck, CreateOne, WriteOutcome};

/// Flushes in progress at once. Measured with `taskshed-bench insert` (32 clients, 2
/// cores): 1 and 2 give the same rate, 4 and 8 less (smaller batches, more statements for
/// the same rows). Two, so one slow flush (a fallback, a lock wait) does not hold up every
/// create behind it.
pub const MAX_CONCURRENT_FLUSHES: usize = 2;

/// Most creates written by one statement.
const MAX_FLUSH_ROWS: usize = 512;

/// One queued create and where its answer goes.
struct Pending {
    task: NewTask,
    replace: bool,
    reply: oneshot::Sender<Result<CreateOne, sqlx::Error>>,
}

/// A handle to the create queue; clones share it. The dispatcher stops when every handle
/// is dropped.
#[derive(Clone)]
pub struct CreateBatcher {
    queue: mpsc::UnboundedSender<Pending>,
}

impl CreateBatcher {
    /// Starts the dispatcher on the current tokio runtime; `schemas` holds the compiled
    /// kwargs contracts (shared with the other task writes).
    pub fn start(pool: PgPool, schemas: Arc<SchemaCache>) -> Self {
        let (queue, pending) = mpsc::unbounded_channel();
        tokio::spawn(dispatch(pool, schemas, pending));
        Self { queue }
    }

    /// Creates (or replaces) one task, as [`tasks::insert_task`] does, sharing the
    /// statement and commit with whatever other creates are queued.
    pub async fn create(&self, task: NewTask, replace: bool) -> Result<CreateOne, sqlx::Error> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Pending {
                task,
                replace,
                reply,
            })
            .map_err(|_| sqlx::Error::PoolClosed)?;
        // A dropped reply means the runtime is shutting down mid-flush.
        answer.await.unwrap_or(Err(sqlx::Error::PoolClosed))
    }
}

/// Takes everything queued (up to [`MAX_FLUSH_ROWS`]) once a flush slot is free, and
/// flushes it on its own task.
async fn dispatch(
    pool: PgPool,
    schemas: Arc<SchemaCache>,
    mut pending: mpsc::UnboundedReceiver<Pending>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONCURRENT_FLUSHES));
    while let Some(first) = pending.recv().await {
        // Waiting for a slot is what lets a batch grow while the database is busy.
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let mut batch = vec![first];
        while batch.len() < MAX_FLUSH_ROWS {
            match pending.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        let (pool, schemas) = (pool.clone(), schemas.clone());
        tokio::spawn(async move {
            flush(&pool, &schemas, batch).await;
            drop(slot);
        });
    }
}

/// Writes a batch: first the creates whose callbacks have no schema as far as this
/// instance knows, on the condition that they still have none; then everything else, after
/// checking it against the schemas as stored now.
async fn flush(pool: &PgPool, schemas: &SchemaCache, batch: Vec<Pending>) {
    let (mut rest, optimistic): (Vec<Pending>, Vec<Pending>) = batch
        .into_iter()
        .partition(|p| schemas.has_schema(p.task.callback.as_str()));
    rest.extend(write(pool, optimistic, CallbackCheck::WithoutSchema).await);
    if rest.is_empty() {
        return;
    }
    let rest = refuse_invalid_kwargs(pool, schemas, rest).await;
    // Still unwritten: the callback was deleted since it was read.
    for p in write(pool, rest, CallbackCheck::Registered).await {
        let _ = p.reply.send(Ok(CreateOne::UnknownCallback));
    }
}

/// Answers every create whose callback is unknown or whose kwargs break its callback's
/// contract (and, if the schemas cannot be read, every create, with that error); returns
/// the creates left to write. Remembers which callbacks have a schema.
async fn refuse_invalid_kwargs(
    pool: &PgPool,
    schemas: &SchemaCache,
    batch: Vec<Pending>,
) -> Vec<Pending> {
    let mut names: Vec<String> = batch
        .iter()
        .map(|p| p.task.callback.as_str().to_owned())
        .collect();
    names.sort_unstable();
    names.dedup();
    let stored = match callback_schemas(pool, &names).await {
        Ok(stored) => stored,
        Err(error) => {
            for p in batch {
                let _ = p.reply.send(Err(replicate(&error)));
            }
            return Vec::new();
        }
    };
    let known: HashMap<&str, Option<&str>> = stored
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_deref()))
        .collect();
    for (name, text) in &known {
        if text.is_none() {
            schemas.forget(name);
        }
    }
    let mut valid = Vec::with_capacity(batch.len());
    for p in batch {
        let verdict = match known.get(p.task.callback.as_str()) {
            None => {
                let _ = p.reply.send(Ok(CreateOne::UnknownCallback));
                continue;
            }
            Some(None) => Ok(()),
            Some(Some(text)) => match schemas.get(p.task.callback.as_str(), text) {
                Ok(schema) => schema.check(&p.task.kwargs),
                Err(why) => {
                    let _ = p.reply.send(Err(sqlx::Error::Decode(why.into())));
                    continue;
                }
            },
        };
        match verdict {
            Ok(()) => valid.push(p),
            Err(violations) => {
                let _ = p.reply.send(Ok(CreateOne::InvalidKwargs(violations)));
            }
        }
    }
    valid
}

/// Writes a batch with one statement, or each create on its own if that statement fails,
/// and answers each create written (or failed). Returns the creates left unwritten because
/// `check` did not accept their callback.
async fn write(pool: &PgPool, batch: Vec<Pending>, check: CallbackCheck) -> Vec<Pending> {
    if batch.is_empty() {
        return batch;
    }
    let batch = if batch.len() > 1 {
        let tasks: Vec<&NewTask> = batch.iter().map(|p| &p.task).collect();
        match tasks::insert_coalesced(pool, &tasks, check).await {
            Ok(rows) => return answer_written(batch, rows),
            // The database refused the statement (a unique violation, most likely):
            // nothing was written, and each create gets its own verdict below.
            Err(sqlx::Error::Database(_)) => batch,
            Err(error) => {
                for p in batch {
                    let _ = p.reply.send(Err(replicate(&error)));
                }
                return Vec::new();
            }
        }
    } else {
        batch
    };
    let mut singles = tokio::task::JoinSet::new();
    for p in batch {
        let pool = pool.clone();
        singles.spawn(async move {
            match tasks::insert_task(&pool, &p.task, p.replace, check).await {
                Ok(CreateOne::UnknownCallback) => Some(p),
                result => {
                    let _ = p.reply.send(result);
                    None
                }
            }
        });
    }
    singles.join_all().await.into_iter().flatten().collect()
}

/// Answers each request of a batch that was written in one statement with its row;
/// returns those the statement left out (their callback was not accepted).
fn answer_written(batch: Vec<Pending>, rows: Vec<tasks::TaskRow>) -> Vec<Pending> {
    let mut by_id: HashMap<String, tasks::TaskRow> = rows
        .into_iter()
        .map(|row| (row.task_id.clone(), row))
        .collect();
    let mut left = Vec::new();
    for p in batch {
        match by_id.remove(p.task.task_id.as_str()) {
            Some(row) => {
                let outcome = CreateOne::Written(Box::new(row), WriteOutcome::Created);
                let _ = p.reply.send(Ok(outcome));
            }
            None => left.push(p),
        }
    }
    left
}

/// A copy of a connection-level error for each request that shared it (`sqlx::Error` is
/// not `Clone`), keeping the kind the API maps to 503 or 500.
fn replicate(error: &sqlx::Error) -> sqlx::Error {
    match error {
        sqlx::Error::PoolTimedOut => sqlx::Error::PoolTimedOut,
        sqlx::Error::PoolClosed => sqlx::Error::PoolClosed,
        sqlx::Error::Io(e) => sqlx::Error::Io(std::io::Error::new(e.kind(), e.to_string())),
        other => sqlx::Error::Protocol(other.to_string()),
    }
}
