//! End-to-end tests: real PostgreSQL, real HTTP, real server processes.
//!
//! One test binary so the whole run shares one throwaway PostgreSQL server; each test
//! gets a fresh database on it.

mod support;

mod api_auth;
mod api_callbacks;
mod api_errors;
mod api_limits;
mod api_schedules;
mod api_stats;
mod api_tasks;
mod bulk_retry;
mod cli;
mod console;
mod create_batching;
mod database_outage;
mod database_partition;
mod delivery;
mod delivery_cluster;
mod delivery_faults;
mod delivery_hostile;
mod delivery_schedules;
mod dry_run;
mod egress;
mod failure_notifications;
mod faults_under_load;
mod fences;
mod flow_control;
mod fuzz_parsers;
mod kwargs_contract;
mod lease_safety;
mod openapi;
mod retention;
mod secret_rotation;
mod secrets_at_rest;
mod slow_clients;
