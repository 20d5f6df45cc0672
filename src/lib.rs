//! TaskShed: a durable, multi-instance task scheduler over HTTP, on PostgreSQL.
//!
//! Module map (dependencies point down the layers: `http` → `create_batcher` → `store` →
//! `domain`; `delivery` → `store` → `domain`; only `store` contains SQL and `domain` does no
//! I/O. One edge outside that shape: `config` reads the wake horizon from `store::notify`,
//! the protocol's owner, because the poll interval may not exceed it):
//! - [`config`]: command line and environment, validated once (the instance id resolved
//!   once).
//! - [`app`]: builds the pools (the API's and the delivery engine's), router and delivery
//!   loop and runs them until shutdown;
//!   applies the start-up rules of access control.
//! - [`http_server`]: the accept loop with header/body read timeouts and a connection cap.
//! - [`embedded_pg`]: the private PostgreSQL used when no `DATABASE_URL` is given.
//! - [`http`]: routes, request/response bodies, pagination cursors, access control (one
//!   route → scope table, the key cache), the request log, the request deadline and the
//!   OpenAPI description;
//!   handlers call `store` (or `create_batcher`) and never notify.
//! - [`create_batcher`]: group commit for single creates; no SQL, it calls `store`.
//! - [`domain`]: pure types and rules (ids, durations, instants, tasks, callbacks, the
//!   retry policy, signing secrets, attempt outcomes, limits, schedules and recurrence,
//!   API keys, sealed secrets, the egress policy, callbacks' failure policy, the
//!   flow-control rules).
//! - [`store`]: all SQL, and the wake-up protocol ([`store::notify`]): statements send
//!   their own notifications.
//! - [`delivery`]: claim loop, webhook signing and sending, results, in-flight ledger,
//!   flow control (holds, adaptive concurrency, receiver steering), lease book and keeper
//!   (extending long attempts' leases), client-side statement deadlines, housekeeping
//!   (lease rescue, pruning).
//! - [`metrics`]: Prometheus figures (`prometheus-client`); no SQL, the backlog figure is
//!   read through `store` by the `/metrics` handler.
//! - [`error`]: the API error type (problem+json); 5xx causes are logged by the request
//!   log, once, in the request span.
//! - [`at_rest_key`], [`encryption_key_file`]: which key seals secrets at rest, and the
//!   embedded default's key file; [`rekey`]: re-encrypting under a new key.
//! - [`keys_command`]: `taskshed keys create`.
//! - [`egress_resolver`]: the delivery client's DNS resolver, which applies the egress
//!   policy to every resolved address.
//! - [`harness`]: the items the end-to-end tests and the benchmark crate use, and why.
//!
//! Every module is `pub(crate)`, so rustc reports what nothing uses. Code outside this
//! crate reaches in through two doors only: [`harness`] (tests, bench, examples), and the
//! re-exports below, which are what the `taskshed` binary (`src/main.rs`, a crate of its
//! own) calls.

pub(crate) mod app;
pub(crate) mod at_rest_key;
pub(crate) mod config;
pub(crate) mod create_batcher;
pub(crate) mod delivery;
pub(crate) mod domain;
pub(crate) mod egress_resolver;
pub(crate) mod embedded_pg;
pub(crate) mod encryption_key_file;
pub(crate) mod error;
pub mod harness;
pub(crate) mod http;
pub(crate) mod http_server;
pub(crate) mod keys_command;
pub(crate) mod metrics;
pub(crate) mod rekey;
pub(crate) mod store;

/// The binary's entry points: parse the command line, print the OpenAPI description,
/// migrate, create an API key, re-encrypt stored secrets under a new key, or run the service until shutdown.
pub use app::{run, Database};
pub use config::{Cli, Command, Config, LogFormat};
pub use http::openapi;
pub use keys_command::keys;
pub use rekey::run as rekey;
pub use store::migrate;
