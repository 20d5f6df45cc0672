//! Size and rate bounds on what one request may ask for (API.md, "Limits"), set by
//! configuration and checked when a request body becomes domain values.

use super::duration::IsoDuration;

/// Default largest `kwargs` of one task, as sent: 1 MiB.
pub const DEFAULT_MAX_KWARGS_BYTES: usize = 1024 * 1024;

/// Room in a single-task, `PATCH` or callback body for everything but the kwargs.
pub const BODY_OVERHEAD_BYTES: usize = 64 * 1024;

/// Default largest batch body: 32 MiB.
pub const DEFAULT_MAX_BATCH_BYTES: usize = 32 * 1024 * 1024;

/// Default shortest recurring interval: 10 ms. Shorter ones fire back to back and starve
/// every other task of the delivery loop.
pub const DEFAULT_MIN_INTERVAL: IsoDuration = IsoDuration::from_micros(10_000);

/// Most static headers one callback may carry, and the longest value of one.
pub const MAX_STATIC_HEADERS: usize = 32;
pub const MAX_HEADER_VALUE_BYTES: usize = 4 * 1024;

/// The configurable bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub max_kwargs_bytes: usize,
    pub min_interval: IsoDuration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_kwargs_bytes: DEFAULT_MAX_KWARGS_BYTES,
            min_interval: DEFAULT_MIN_INTERVAL,
        }
    }
}

impl Limits {
    /// The largest single-task, `PATCH` or callback body.
    pub fn max_single_body_bytes(&self) -> usize {
        self.max_kwargs_bytes.saturating_add(BODY_OVERHEAD_BYTES)
    }

    /// Checks one task's kwargs size as sent.
    pub fn check_kwargs_size(&self, raw: &str) -> Result<(), String> {
        if raw.len() > self.max_kwargs_bytes {
            return Err(format!(
                "is {} bytes; at most {} bytes are allowed",
                raw.len(),
                self.max_kwargs_bytes
            ));
        }
        Ok(())
    }

    /// Checks a recurring interval against the floor.
    pub fn check_interval(&self, interval: IsoDuration) -> Result<IsoDuration, String> {
        if interval < self.min_interval {
            return Err(format!("must be at least {}", self.min_interval));
        }
        Ok(interval)
    }
}
