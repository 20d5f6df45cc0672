//! What code outside this crate may use: the end-to-end tests in `tests/`, the
//! benchmark in `bench/` (the `taskshed-bench` crate) and the examples in `examples/`.
//! Nothing else is a library API (the binary's few entry points are re-exported at the
//! crate root, see `lib.rs`).
//!
//! Both drive TaskShed from outside, mostly through its HTTP API and its binary; they reach
//! inside only for what a black box cannot give them, listed here with the reason each
//! item is exposed. Going through this module instead of the module paths is what lets the
//! service's modules be `pub(crate)` (so rustc reports dead code), and lets an item move
//! between modules by changing one line here, not the tests and the bench.
//!
//! Types that only appear in these items' signatures (`ClaimedTask`, `FinishedAttempt`,
//! `TaskRow`, …) are reached through them and need not be named here; they must stay
//! `pub` in their own (crate-private) modules.

/// A private PostgreSQL server, started the way the binary starts one when no
/// `DATABASE_URL` is given: the tests run one throwaway server for the whole suite, the
/// bench a durable one per run.
pub use crate::embedded_pg::{EmbeddedOptions, EmbeddedPostgres};

/// A pool on a database, and the schema migrations: both the tests and the bench create and
/// migrate databases of their own, and query them directly to check or set up state.
pub use crate::store::{connect, migrate};

/// The in-process service the API tests talk to: the configuration the binary would parse
/// with no flags (`Cli`, then fields changed by the test), the application state built from
/// it and a pool, and the router served on a socket of the test's own. `Metrics` is the
/// state's registry (tests pass `Arc::default()`).
pub use crate::app::state;
pub use crate::config::{Cli, Config};
pub use crate::http::router;
pub use crate::metrics::Metrics;

/// The OpenAPI description generated from the routes: a test checks that the committed
/// `openapi.yaml` matches it.
pub use crate::http::openapi;

/// The create batcher and the inputs it takes, driven directly by a test that checks how
/// concurrent creations of the same task id are coalesced (not observable through HTTP
/// with a deterministic interleaving).
pub use crate::create_batcher::CreateBatcher;
pub use crate::domain::ids::Id;
pub use crate::domain::task::{NewTask, RunType, ScheduleBounds};
pub use crate::store::tasks::{CreateOne, WriteOutcome};

/// The delivery path without HTTP, in the order the engine runs it: claim due tasks,
/// settle each with an attempt's outcome and a retry decision, finish them in batches.
/// The bench's "claim+finish SQL alone" ceiling runs exactly this, to say how much of the
/// end-to-end delivery rate the SQL leaves for everything else.
pub use crate::delivery::dispatch::webhook_id;
/// How the finisher records a batch PostgreSQL refuses as a whole: every known cause (a NUL
/// in a receiver's answer) is sanitized before it gets there, so a test feeds it a poisoned
/// batch directly.
pub use crate::delivery::finisher::record_in_parts;
pub use crate::delivery::settle::{settle, AttemptRecord};
pub use crate::domain::attempt::AttemptOutcome;
pub use crate::domain::retry::Decision;
pub use crate::store::deliveries::{claim_due, finish_attempts, ClaimedTask};

/// The row-by-row retention statements, as housekeeping runs them each round (attempts go
/// by partition instead): a test ages rows by hand and checks what they remove (the
/// misfire ledger's retention), rather than wait out the retention period.
pub use crate::store::deliveries::{prune_finished_tasks, prune_old_misfires};

/// Standard Webhooks signing: the bench's webhook receiver verifies every delivery's
/// signature as a real receiver would (so its cost is in the figures), and signs the
/// requests it sends itself when measuring the receiver alone; `examples/sign_cost.rs`
/// measures what one signature costs.
pub use crate::delivery::signing::sign;
pub use crate::domain::secret::SigningSecret;

/// The encryption key type, so the at-rest test can name the key id values are sealed
/// under after `taskshed rekey`.
pub use crate::domain::sealed::EncryptionKey;

/// Partition maintenance of `attempts` (migration 0012): a test runs it from many
/// connections at once, with inserts going on, to show the advisory lock keeps instances
/// from racing on DDL — not something the HTTP API lets a test interleave on purpose.
pub use crate::domain::attempt_partitions::PartitionPolicy;
pub use crate::store::attempt_partitions::{create_ahead, drop_expired};
