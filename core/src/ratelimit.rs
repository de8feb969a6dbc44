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

/// The spacing of slots for `per_second` requests, stretched by `margin`; `None` when the rate
/// is 0 (no limit) or not usable.
pub(crate) fn interval(per_second: f64, margin: f64) -> Option<Duration> {
    if !(per_second > 0.0 && per_second.is_finite()) {
        return None;
    }
    Duration::try_from_secs_f64(margin / per_second).ok()
}

impl RateLimiter {
    /// `None` when `per_second` is 0 (no limit) or not a usable rate (the configuration
    /// refuses those before a limiter is built).
    pub fn new(per_second: f64) -> Option<Self> {
        let interval = interval(per_second, MARGIN)?;
        Some(RateLimiter {
            interval,
            next: Mutex::new(None),
        })
    }

    /// Blocks until the caller may send.
    #[cfg(test)]
    pub fn acquire(&self) {
        self.acquire_before(None);
    }

    /// Blocks until the caller may send and returns true, or returns false at once, reserving
    /// nothing, when the caller's slot would come after `deadline`.
    #[cfg(test)]
    pub fn acquire_before(&self, deadline: Option<Instant>) -> bool {
        match self.reserve(deadline) {
            Some(wait) => {
                if !wait.is_zero() {
                    std::thread::sleep(wait);
                }
                true
            }
            None => false,
        }
    }

    /// Gives no slot sooner than one interval from now (a schedule that starts after requests
    /// this limiter did not see).
    pub fn hold_for_one_interval(&self) {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let held = now.checked_add(self.interval).unwrap_or(now);
        *next = Some(next.map_or(held, |n| n.max(held)));
    }

    /// Reserves the caller's slot and returns how long to wait for it (the caller sleeps), or
    /// `None`, reserving nothing, when the slot would come after `deadline`.
    pub fn reserve(&self, deadline: Option<Instant>) -> Option<Duration> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let slot = next.map_or(now, |n| n.max(now));
        if deadline.is_some_and(|d| slot > d) {
            return None;
        }
        *next = Some(slot.checked_add(self.interval).unwrap_or(slot));
        Some(slot.saturating_duration_since(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_rate_is_off() {
        assert!(RateLimiter::new(0.0).is_none());
        for unusable in [f64::NAN, f64::INFINITY, -1.0, 1e-300] {
            assert!(RateLimiter::new(unusable).is_none(), "{unusable}");
        }
    }

    #[test]
    fn a_slot_after_the_deadline_is_not_taken() {
        let limiter = RateLimiter::new(1.0).unwrap();
        assert!(limiter.acquire_before(Some(Instant::now() + Duration::from_secs(5))));
        // The next slot is about a second away.
        assert!(!limiter.acquire_before(Some(Instant::now())));
        assert!(
            !limiter.acquire_before(Some(Instant::now())),
            "nothing was reserved"
        );
    }

    #[test]
    fn a_held_schedule_starts_one_interval_later() {
        let limiter = RateLimiter::new(1.0).unwrap();
        limiter.hold_for_one_interval();
        let wait = limiter.reserve(None).unwrap();
        assert!(wait > Duration::from_millis(900), "{wait:?}");
        assert!(limiter.reserve(Some(Instant::now())).is_none());
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
