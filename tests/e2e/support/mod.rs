//! Test support: a real PostgreSQL, the API on a real socket, a recording webhook
//! receiver, and TaskShed server processes.

pub mod app;
pub mod database;
pub mod receiver;
pub mod server;
