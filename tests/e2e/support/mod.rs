//! Test support: a real PostgreSQL, the API on a real socket, a recording webhook
//! receiver, and TaskShed server processes.

pub mod app;
pub mod database;
pub mod hostile;
pub mod ledger;
pub mod pg_control;
pub mod receiver;
pub mod server;
pub mod slow_receiver;
pub mod tcp_proxy;
