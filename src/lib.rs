//! TaskShed: a durable, multi-instance task scheduler over HTTP, on PostgreSQL.
//!
//! Module map (dependencies point down the list's layers: `http` → `create_batcher` →
//! `store` → `domain`; `delivery` → `store`; only `store` contains SQL. Two edges outside
//! that shape: `config` reads the wake horizon from `store::notify` (the poll interval
//! may not exceed it), and `http` still takes new signing secrets from
//! `delivery::signing` until the secret type moves to `domain`):
//! - [`config`]: command line and environment, validated once (the instance id resolved
//!   once).
//! - [`app`]: builds the pool, router and delivery loop and runs them until shutdown.
//! - [`embedded_pg`]: the private PostgreSQL used when no `DATABASE_URL` is given.
//! - [`http`]: routes, request/response bodies, pagination cursors, the request log and
//!   the OpenAPI description; handlers call `store` (or `create_batcher`) and never notify.
//! - [`create_batcher`]: group commit for single creates; no SQL, it calls `store`.
//! - [`domain`]: pure types and rules (ids, durations, instants, schedules).
//! - [`store`]: all SQL, and the wake-up protocol ([`store::notify`]): statements send
//!   their own notifications.
//! - [`delivery`]: claim loop, webhook signing and sending, retry policy.
//! - [`metrics`]: Prometheus figures (`prometheus-client`); no SQL, the backlog figure is
//!   read through `store` by the `/metrics` handler.
//! - [`error`]: the API error type (problem+json); 5xx causes are logged by the request
//!   log, once, in the request span.
//! - [`harness`]: the items the end-to-end tests and the benchmark crate use, and why.

pub mod app;
pub mod at_rest_key;
pub mod config;
pub mod create_batcher;
pub mod delivery;
pub mod domain;
pub mod egress_resolver;
pub mod embedded_pg;
pub mod encryption_key_file;
pub mod error;
pub mod harness;
pub mod http;
pub mod http_server;
pub mod metrics;
pub mod rekey;
pub mod store;
