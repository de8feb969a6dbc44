//! When to try a request again, and how long to wait first (SPEC §7).

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The first backoff step; each retry doubles it, up to [`MAX_DELAY`].
pub const BASE_DELAY: Duration = Duration::from_millis(200);
/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// A `Retry-After` longer than this is handed back to the caller instead of waited out.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// Whether a request may be repeated: the provider acting twice on a send costs money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads (status, balance, lists): retried on transport errors, timeouts, 429 and 5xx.
    Read,
    /// Sends: retried only when the provider cannot have acted (not sent, or 429).
    Send,
}

/// What went wrong with one attempt, as far as the retry decision cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptFailure {
    /// The request never left (DNS, connect, TLS).
    NotSent,
    /// The request may have reached the provider (timeout, connection cut, garbled answer).
    MaybeSent,
    /// The provider answered 429.
    RateLimited,
    /// The provider answered 5xx.
    ServerError,
}

/// Decides retries for one request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
}

impl RetryPolicy {
    /// Whether attempt number `attempt` (1-based) that failed this way may be followed by another.
    pub fn should_retry(&self, kind: Idempotency, failure: AttemptFailure, attempt: u32) -> bool {
        if attempt > self.max_retries {
            return false;
        }
        match (kind, failure) {
            (_, AttemptFailure::NotSent | AttemptFailure::RateLimited) => true,
            (Idempotency::Read, AttemptFailure::MaybeSent | AttemptFailure::ServerError) => true,
            (Idempotency::Send, AttemptFailure::MaybeSent | AttemptFailure::ServerError) => false,
        }
    }

    /// The wait before retry number `retry` (1-based): `Retry-After` when the provider gave one,
    /// else full jitter over `min(MAX_DELAY, BASE_DELAY · 2^(retry-1))`.
    pub fn delay(&self, retry: u32, retry_after: Option<Duration>) -> Duration {
        if let Some(after) = retry_after {
            return after;
        }
        let ceiling = BASE_DELAY
            .saturating_mul(1u32 << (retry.saturating_sub(1)).min(16))
            .min(MAX_DELAY);
        ceiling.mul_f64(random_unit())
    }
}

/// A uniform number in [0, 1) from a per-thread xorshift generator; jitter needs no more.
fn random_unit() -> f64 {
    thread_local! {
        static STATE: Cell<u64> = Cell::new({
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1);
            let local = 0u8;
            (nanos ^ (&local as *const u8 as u64).rotate_left(32)) | 1
        });
    }
    STATE.with(|s| {
        let mut x = s.get();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s.set(x);
        (x >> 11) as f64 / (1u64 << 53) as f64
    })
}

/// Parses `Retry-After`: delay seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    if let Ok(secs) = value.parse::<f64>() {
        return (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs));
    }
    let at = crate::time::parse_http_date(value)?;
    Some(Duration::from_secs(
        at.saturating_sub(now_unix).max(0) as u64
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_retry_only_when_not_acted() {
        let p = RetryPolicy { max_retries: 2 };
        assert!(p.should_retry(Idempotency::Send, AttemptFailure::NotSent, 1));
        assert!(p.should_retry(Idempotency::Send, AttemptFailure::RateLimited, 2));
        assert!(!p.should_retry(Idempotency::Send, AttemptFailure::MaybeSent, 1));
        assert!(!p.should_retry(Idempotency::Send, AttemptFailure::ServerError, 1));
        assert!(p.should_retry(Idempotency::Read, AttemptFailure::ServerError, 1));
        assert!(p.should_retry(Idempotency::Read, AttemptFailure::MaybeSent, 2));
        assert!(!p.should_retry(Idempotency::Read, AttemptFailure::MaybeSent, 3));
    }

    #[test]
    fn backoff_is_capped_full_jitter() {
        let p = RetryPolicy { max_retries: 10 };
        for retry in 1..12 {
            let d = p.delay(retry, None);
            assert!(d <= MAX_DELAY);
            assert!(d <= BASE_DELAY * 2u32.pow(retry - 1));
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Duration::from_secs(3)
        );
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("5", 0), Some(Duration::from_secs(5)));
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_770),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", 784_111_790),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", 0), None);
    }
}
