//! Sign-in rate limiting: failed attempts per (email, client address), in memory, over a sliding
//! window. Each process counts its own attempts (ADR 8).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Past this many tracked keys, keys with no recent failure are dropped.
const PRUNE_ABOVE: usize = 10_000;

/// Failed sign-in attempts per email and client address.
#[derive(Debug)]
pub struct SignInLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<(String, IpAddr), VecDeque<Instant>>>,
}

impl SignInLimiter {
    /// Allows `max_failures` failed attempts per key within `window`.
    #[must_use]
    pub fn new(max_failures: usize, window: Duration) -> Self {
        Self {
            max_failures,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Whether another attempt for this key may be tried now.
    #[must_use]
    pub fn allows(&self, email: &str, client: IpAddr, now: Instant) -> bool {
        let mut failures = self.lock();
        let Some(times) = failures.get_mut(&(email.to_owned(), client)) else {
            return true;
        };
        Self::forget_old(times, now, self.window);
        times.len() < self.max_failures
    }

    /// Records a failed attempt.
    pub fn record_failure(&self, email: &str, client: IpAddr, now: Instant) {
        let mut failures = self.lock();
        if failures.len() > PRUNE_ABOVE {
            failures.retain(|_, times| {
                Self::forget_old(times, now, self.window);
                !times.is_empty()
            });
        }
        failures
            .entry((email.to_owned(), client))
            .or_default()
            .push_back(now);
    }

    fn forget_old(times: &mut VecDeque<Instant>, now: Instant, window: Duration) {
        while times
            .front()
            .is_some_and(|at| now.saturating_duration_since(*at) >= window)
        {
            times.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, IpAddr), VecDeque<Instant>>> {
        // A panic while holding the lock leaves counts that are still meaningful.
        self.failures
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use super::*;

    #[test]
    fn the_sixth_failure_within_a_minute_is_refused_and_allowed_again_later() {
        let limiter = SignInLimiter::new(5, Duration::from_secs(60));
        let client = IpAddr::V4(Ipv4Addr::LOCALHOST);
        let other = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
        let start = Instant::now();

        for _ in 0..5 {
            assert!(limiter.allows("a@example.com", client, start));
            limiter.record_failure("a@example.com", client, start);
        }

        assert!(
            !limiter.allows("a@example.com", client, start),
            "sixth refused"
        );
        assert!(
            limiter.allows("b@example.com", client, start),
            "other email"
        );
        assert!(
            limiter.allows("a@example.com", other, start),
            "other address"
        );
        assert!(
            limiter.allows("a@example.com", client, start + Duration::from_secs(60)),
            "after the window"
        );
    }
}
