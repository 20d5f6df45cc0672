//! TaskShed: a durable, multi-instance task scheduler over HTTP, on PostgreSQL.
//!
//! Module map:
//! - [`config`]: command line and environment, validated once.
//! - [`app`]: builds the pool, router and delivery loop and runs them until shutdown.
//! - [`embedded_pg`]: the private PostgreSQL used when no `DATABASE_URL` is given.
//! - [`http`]: routes, request/response bodies and the OpenAPI description.
//! - [`domain`]: pure types and rules (ids, durations, instants, schedules).
//! - [`store`]: all SQL.
//! - [`delivery`]: claim loop, webhook signing and sending, retry policy.
//! - [`metrics`]: Prometheus figures.
//! - [`error`]: the API error type (problem+json).
//! - [`harness`]: the items the end-to-end tests and the benchmark crate use, and why.

pub mod app;
pub mod config;
pub mod delivery;
pub mod domain;
pub mod embedded_pg;
pub mod error;
pub mod harness;
pub mod http;
pub mod metrics;
pub mod store;
