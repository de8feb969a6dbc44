//! A rate limiter shared by every thread of a client: callers wait for their slot, never fail.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Hands out send slots spaced evenly at `1/rate`, so that no window of one second ever holds
/// more than `rate` requests — bursts included. A small margin absorbs scheduling jitter.
#[derive(Debug)]
pub struct RateLimiter {
    interval: Duration,
    next: Mutex<Option<Instant>>,
}

/// Slack added to the interval so that late wake-ups cannot pack two requests closer than allowed.
const MARGIN: f64 = 1.02;

impl RateLimiter {
    /// `None` when `per_second` is 0 (no limit).
    pub fn new(per_second: f64) -> Option<Self> {
        (per_second > 0.0 && per_second.is_finite()).then(|| RateLimiter {
            interval: Duration::from_secs_f64(MARGIN / per_second),
            next: Mutex::new(None),
        })
    }

    /// Blocks until the caller may send.
    pub fn acquire(&self) {
        let wait = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let now = Instant::now();
            let slot = next.map_or(now, |n| n.max(now));
            *next = Some(slot + self.interval);
            slot - now
        };
        if !wait.is_zero() {
            std::thread::sleep(wait);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_is_off() {
        assert!(RateLimiter::new(0.0).is_none());
    }

    #[test]
    fn slots_are_spaced() {
        // Asserts ordering of reserved slots, not wall-clock timing.
        let limiter = RateLimiter::new(1000.0).unwrap();
        let start = Instant::now();
        for _ in 0..20 {
            limiter.acquire();
        }
        assert!(start.elapsed() >= limiter.interval * 19);
    }
}
