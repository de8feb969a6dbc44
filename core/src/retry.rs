//! When to try a request again, and how long to wait first (docs/reliability.md).

use std::cell::Cell;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::reach::Reach;

/// The first backoff step; each retry doubles it, up to [`MAX_DELAY`].
pub const BASE_DELAY: Duration = Duration::from_millis(200);
/// The longest wait between two attempts.
pub const MAX_DELAY: Duration = Duration::from_secs(10);
/// A `Retry-After` longer than this is handed back to the caller instead of waited out.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);
/// The longest `Retry-After` believed: a provider's header is clamped to one day.
pub const MAX_RETRY_AFTER_HEADER: Duration = Duration::from_secs(86_400);

/// Whether a request may be repeated: the provider acting twice on a send costs money.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Idempotency {
    /// Reads (status, balance, lists): retried on transport errors, timeouts, 429 and 5xx.
    Read,
    /// Sends: retried only when the provider cannot have acted (not sent, or 429).
    Send,
}

/// Decides retries for one request.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    pub max_retries: u32,
}

impl RetryPolicy {
    /// Whether attempt number `attempt` (1-based) that got this far may be followed by another:
    /// only transient failures are retried, and a send only when the provider cannot have acted.
    pub fn should_retry(&self, kind: Idempotency, reach: Reach, attempt: u32) -> bool {
        if attempt > self.max_retries || !reach.is_transient() {
            return false;
        }
        match kind {
            Idempotency::Read => true,
            Idempotency::Send => !reach.may_have_acted(),
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

/// Parses `Retry-After` (delay seconds or an HTTP date), clamped to
/// [`MAX_RETRY_AFTER_HEADER`]. A provider's header is never trusted to be sane: a negative,
/// non-finite or unreadable value is `None`; a huge one is clamped; a past date is zero.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let value = value.trim();
    let clamp = |d: Duration| d.min(MAX_RETRY_AFTER_HEADER);
    if !value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()) {
        // Too many digits for a u64 is still "very long".
        let secs = value.parse::<u64>().unwrap_or(u64::MAX);
        return Some(clamp(Duration::from_secs(secs)));
    }
    if let Ok(secs) = value.parse::<f64>() {
        if !secs.is_finite() || secs < 0.0 {
            return None;
        }
        let secs = secs.min(MAX_RETRY_AFTER_HEADER.as_secs_f64());
        return Duration::try_from_secs_f64(secs).ok().map(clamp);
    }
    let at = crate::time::parse_http_date(value)?;
    let secs = u64::try_from(at.saturating_sub(now_unix)).unwrap_or(0);
    Some(clamp(Duration::from_secs(secs)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sends_retry_only_when_not_acted() {
        use crate::reach::{Said, Stage};
        let p = RetryPolicy { max_retries: 2 };
        let answered = |status| Reach::Answered {
            status,
            said: Said::Unknown,
        };
        for stage in [Stage::Lookup, Stage::Connect, Stage::Tls, Stage::Write] {
            assert!(p.should_retry(Idempotency::Send, Reach::NotWritten(stage), 1));
        }
        assert!(p.should_retry(Idempotency::Send, answered(429), 2));
        assert!(!p.should_retry(Idempotency::Send, Reach::NoAnswer, 1));
        for status in [500, 502, 503, 504, 301, 200, 400] {
            assert!(!p.should_retry(Idempotency::Send, answered(status), 1));
        }
        assert!(p.should_retry(Idempotency::Read, answered(502), 1));
        assert!(p.should_retry(Idempotency::Read, Reach::NoAnswer, 2));
        assert!(!p.should_retry(Idempotency::Read, Reach::NoAnswer, 3));
        assert!(!p.should_retry(Idempotency::Read, answered(404), 1));
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

    #[test]
    fn hostile_retry_after_is_clamped_never_trusted() {
        let day = Some(MAX_RETRY_AFTER_HEADER);
        assert_eq!(parse_retry_after("99999999999999999999", 0), day);
        assert_eq!(parse_retry_after("1e308", 0), day);
        assert_eq!(parse_retry_after("18446744073709551615", 0), day);
        assert_eq!(
            parse_retry_after("0.5", 0),
            Some(Duration::from_millis(500))
        );
        for nonsense in [
            "-5",
            "-0.5",
            "NaN",
            "inf",
            "-inf",
            "",
            "1e",
            "Sun, 06 Nov 1994 9999999999999999:00:00 GMT",
        ] {
            assert_eq!(parse_retry_after(nonsense, 0), None, "{nonsense}");
        }
        assert_eq!(
            parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", 0),
            day,
            "a far future date is clamped"
        );
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", i64::MAX),
            Some(Duration::ZERO)
        );
    }
}
