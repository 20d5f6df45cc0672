//! Delivery: claiming due tasks, firing them at their instant, POSTing signed webhooks,
//! recording results and retrying. [`engine`] explains how the pieces fit.
//!
//! Dependencies point one way: [`engine`] wires the tasks ([`claim_loop`], [`dispatch`],
//! [`finisher`], [`flow_recorder`], [`housekeeping`], [`lease_keeper`], [`place_keeper`]);
//! they share the leaves ([`state`], [`job`], [`flow_gate`], [`in_flight`], [`lease_book`],
//! [`place_book`],
//! [`unsent_claims`], [`callback_cache`], [`timer`], [`db_clock`], [`clock_anchor`],
//! [`db_deadline`], [`sender`], [`settle`], [`recurrence_step`], [`steering`], [`signing`])
//! and never import the engine or each other.

pub(crate) mod callback_cache;
pub(crate) mod claim_loop;
pub(crate) mod clock_anchor;
pub(crate) mod db_clock;
pub(crate) mod db_deadline;
pub(crate) mod dispatch;
pub(crate) mod engine;
pub(crate) mod finisher;
pub(crate) mod flow_gate;
pub(crate) mod flow_recorder;
pub(crate) mod housekeeping;
pub(crate) mod in_flight;
pub(crate) mod job;
pub(crate) mod lease_book;
pub(crate) mod lease_keeper;
pub(crate) mod place_book;
pub(crate) mod place_keeper;
pub(crate) mod recurrence_step;
pub(crate) mod sender;
pub(crate) mod settle;
pub(crate) mod signing;
pub(crate) mod state;
pub(crate) mod steering;
pub(crate) mod timer;
pub(crate) mod unsent_claims;

pub(crate) use engine::spawn;
pub(crate) use state::DeliveryConfig;
