//! Jitter: an occurrence fires at a uniformly random moment in `[instant, instant + jitter]`,
//! never before its instant, so a job is never early and many tasks on one schedule do not
//! all fire on the same second. `taskshed-scheduled-at` keeps the instant itself.

use chrono::{DateTime, TimeDelta, Utc};
use rand::Rng;

use crate::domain::duration::IsoDuration;

/// When to fire the occurrence due at `instant` (microsecond resolution, both ends possible).
pub fn jittered_fire_at(
    instant: DateTime<Utc>,
    jitter: IsoDuration,
    rng: &mut impl Rng,
) -> DateTime<Utc> {
    let window = jitter.as_micros();
    if window <= 0 {
        return instant;
    }
    instant + TimeDelta::microseconds(rng.gen_range(0..=window))
}

#[cfg(test)]
mod tests {
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn fires_within_the_window_and_never_early() {
        let instant: DateTime<Utc> = "2027-03-14T07:00:00Z".parse().unwrap();
        let jitter = IsoDuration::from_secs(30);
        let mut rng = StdRng::seed_from_u64(15);
        let fired: Vec<_> = (0..10_000)
            .map(|_| jittered_fire_at(instant, jitter, &mut rng))
            .collect();
        assert!(fired
            .iter()
            .all(|at| *at >= instant && *at <= instant + jitter.as_chrono()));
        // Uniform: both halves of the window get about half.
        let early_half = fired
            .iter()
            .filter(|at| **at < instant + TimeDelta::seconds(15))
            .count();
        assert!((4_500..5_500).contains(&early_half), "{early_half}");
        assert_eq!(
            jittered_fire_at(instant, IsoDuration::from_secs(0), &mut rng),
            instant
        );
    }
}
