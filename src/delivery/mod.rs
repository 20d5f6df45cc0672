//! Delivery: claiming due tasks, firing them at their instant, POSTing signed webhooks,
//! recording results and retrying. [`engine`] explains how the pieces fit.

pub mod callback_cache;
pub mod claim_loop;
pub mod clock_anchor;
pub mod dispatch;
pub mod engine;
pub mod finisher;
pub mod housekeeping;
pub mod in_flight;
pub mod job;
pub mod sender;
pub mod settle;
pub mod signing;
pub mod state;
pub mod timer;
pub mod unsent_claims;

pub use engine::{spawn, DeliveryHandle};
pub use state::DeliveryConfig;
