//! State shared by every process that sends through one provider account (`shared_state`):
//! the rate limit, the pauses a provider asks for (`Retry-After`) and the Router's cool-downs,
//! kept in Redis so that 8 workers with one SMS Club account send 9 requests per second in
//! all, not 9 each.
//!
//! An account is the provider, its endpoint and its credentials, stored under a SHA-256 of
//! them (never the credentials themselves), so that every client of the account, in any
//! process or language, finds the same keys. When Redis cannot be reached the client either
//! keeps sending by its own share of the limit (`shared_state_fallback=local`, with a WARNING)
//! or refuses to send (`fail`); it reconnects by itself.

mod store;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::ratelimit::{self, RateLimiter};
use crate::transport::Notice;
use store::Store;

/// What a client does while its `shared_state` cannot be reached.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum SharedStateFallback {
    /// Keep sending, by this process's own limiter at `rate_limit / workers` (a WARNING is
    /// logged when it starts).
    #[default]
    Local,
    /// Fail each request with `transport` before anything is sent.
    Fail,
}

impl SharedStateFallback {
    /// The option's value: `local` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            SharedStateFallback::Local => "local",
            SharedStateFallback::Fail => "fail",
        }
    }

    pub(crate) fn parse(value: &str) -> Option<SharedStateFallback> {
        match value.trim().to_ascii_lowercase().as_str() {
            "local" => Some(SharedStateFallback::Local),
            "fail" => Some(SharedStateFallback::Fail),
            _ => None,
        }
    }
}

/// The most workers the `workers` hint may name: beyond it, a process's share of any
/// provider's limit is a request every few minutes, a configuration mistake rather than a fleet.
pub const MAX_WORKERS: u32 = 1_000;

/// One Redis call's limit (connection included): a slow Redis costs a request at most this
/// before the fallback; with a deadline, at most half of what it leaves.
const IO_TIMEOUT: Duration = Duration::from_millis(500);
/// Below this share of a deadline, Redis is not asked: the request goes by the fallback.
const MIN_BUDGET: Duration = Duration::from_millis(20);
/// A Redis that has not answered in this long is down or too slow (see `Budget::judges`).
const JUDGED: Duration = Duration::from_millis(100);
/// Requests of one account that may wait for their slots at once (every thread of every
/// worker): beyond the slots they reserve, a stored slot is garbage (see `horizon`).
const MAX_QUEUED: u32 = 65_536;
/// After a failed call, Redis is left alone for this long, doubling up to `RETRY_CAP`, and
/// requests use the fallback without waiting for it.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_CAP: Duration = Duration::from_millis(500);
/// After a fallback, the shared schedule starts no sooner than this: the requests this
/// process sent by its own limits are then out of the provider's one-second window.
const RECOVERY_HOLD: Duration = Duration::from_millis(1100);
/// The pause shared after a 429 without `Retry-After`: the providers count per second.
const DEFAULT_PAUSE: Duration = Duration::from_secs(1);
/// Slack on the shared slots' spacing: requests of several processes (or machines) reach the
/// provider with more jitter than one process's (a late wake-up on a loaded machine), and ten
/// slots must not fit in its second: at 9 per second, 70 ms of jitter are absorbed, and at most
/// 93 % of the bound is used (the benchmark's target is 90 %; docs/benchmarks.md).
pub(crate) const SHARED_MARGIN: f64 = 1.07;

/// The URL schemes `shared_state` takes.
const SCHEMES: [&str; 3] = ["redis", "rediss", "unix"];

/// Checks a `shared_state` URL without connecting. Errors never echo it: it may hold a
/// password.
pub(crate) fn check_url(url: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::invalid_config(format!("option shared_state {why}")).with_field("shared_state")
    };
    if url.is_empty() || !url.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(bad(
            "must be a non-empty URL of printable ASCII without spaces (percent-encode the rest)",
        ));
    }
    let (scheme, rest) = url.split_once("://").ok_or_else(|| {
        bad("must be a URL: redis://host:6379/0, rediss://host:6380/0 or unix:///path/redis.sock")
    })?;
    let scheme = scheme.to_ascii_lowercase();
    if !SCHEMES.contains(&scheme.as_str()) {
        return Err(bad("must start with redis://, rediss:// (TLS) or unix://"));
    }
    if scheme != "unix" {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
        let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        crate::config::check_authority(host_port).map_err(|why| {
            bad(&format!(
                "URL {why} (percent-encode '@' in a password as %40)"
            ))
        })?;
    }
    Store::open(url).map_err(|_| {
        bad("is not a Redis URL (redis://[[user]:password@]host[:port][/db], unix:///path?db=N)")
    })?;
    Ok(())
}

/// The URL with its password, user and query values (which may hold a password) replaced by
/// `***`; the database number and the protocol stay readable.
pub(crate) fn redacted_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "***".to_owned();
    };
    // A fragment means nothing to Redis; it is not shown.
    let rest = rest.split('#').next().unwrap_or(rest);
    let (before_query, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match before_query.find('/') {
        Some(i) => before_query
            .split_at_checked(i)
            .unwrap_or((before_query, "")),
        None => (before_query, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((_, host)) => format!("***@{host}"),
        None => authority.to_owned(),
    };
    let mut out = format!("{scheme}://{authority}{path}");
    for (i, pair) in query.split('&').filter(|p| !p.is_empty()).enumerate() {
        out.push(if i == 0 { '?' } else { '&' });
        match pair.split_once('=') {
            Some((key @ ("db" | "protocol"), value)) => {
                out.push_str(key);
                out.push('=');
                out.push_str(value);
            }
            Some((key, _)) => {
                out.push_str(key);
                out.push_str("=***");
            }
            None => out.push_str(pair),
        }
    }
    out
}

/// The Redis key of an account: provider, endpoint and credentials, hashed. Two clients share
/// a budget exactly when they would authenticate as the same account at the same endpoint.
pub(crate) fn account_key(config: &Config) -> String {
    let mut hash = Sha256::new();
    for part in [
        "vibergate shared state v1",
        config.provider.as_str(),
        config.effective_base_url(),
        config.username.as_deref().unwrap_or(""),
        config.token.as_ref().map_or("", |s| s.expose()),
        config.api_key.as_ref().map_or("", |s| s.expose()),
    ] {
        // Length-prefixed, so that no two different lists hash the same bytes.
        hash.update(u64::try_from(part.len()).unwrap_or(u64::MAX).to_le_bytes());
        hash.update(part.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("vibergate:v1:{}:{hex}", config.provider)
}

/// The shared state of one client's account.
pub(crate) struct SharedState {
    store: Store,
    provider: ProviderId,
    /// The URL as messages show it.
    shown: String,
    /// The limiter's hash key, and the Router's cool-down key.
    key: String,
    cooldown_key: String,
    /// Spacing of the shared slots; zero without a rate limit (pauses still apply).
    interval: Duration,
    /// How far ahead a slot or a pause read from Redis may plausibly lie (see reserve.lua).
    horizon: Duration,
    fallback: SharedStateFallback,
    /// `rate_limit / workers`, used while Redis cannot be reached (`local`).
    local: Option<RateLimiter>,
    local_rate: f64,
    health: Mutex<Health>,
}

#[derive(Debug, Default)]
struct Health {
    /// Failed calls in a row; 0 while Redis answers.
    failures: u32,
    /// No call to Redis before this.
    retry_at: Option<Instant>,
    /// This process sent by its own limits since its last shared slot: the next slot it
    /// reserves holds the shared schedule back (`RECOVERY_HOLD`).
    recovering: bool,
    /// Counts the times `recovering` was set, so that a slot reserved before the latest one
    /// does not clear it.
    generation: u64,
    /// Why the last call failed (for `fail` errors); never holds the URL.
    cause: String,
}

/// How long one Redis call may take, given the caller's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Budget {
    /// The call may take this long. A timeout within it means Redis is unreachable or too
    /// slow when it is at least `JUDGED`; below, only that this call's deadline is near.
    Up(Duration),
    /// Too little time is left to ask Redis and still send.
    TooShort,
}

impl Budget {
    /// `IO_TIMEOUT`, or half of what the deadline leaves when that is less, so that a
    /// hanging Redis still leaves the fallback time to send.
    fn of(deadline: Option<Instant>) -> Budget {
        let Some(deadline) = deadline else {
            return Budget::Up(IO_TIMEOUT);
        };
        let share = (deadline.saturating_duration_since(Instant::now()) / 2).min(IO_TIMEOUT);
        if share < MIN_BUDGET {
            Budget::TooShort
        } else {
            Budget::Up(share)
        }
    }

    /// Whether a timeout within this budget says Redis is down or too slow (then: a WARNING,
    /// the fallback for every request, reconnection), rather than only that this call's
    /// deadline left it little time.
    fn judges(self) -> bool {
        matches!(self, Budget::Up(t) if t >= JUDGED)
    }
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("url", &self.shown)
            .field("fallback", &self.fallback)
            .finish()
    }
}

impl SharedState {
    /// The shared state a configuration asks for, if any. Does not connect. The URL was
    /// checked with the rest of the configuration (`check_url`, from `Config::validate`).
    pub(crate) fn new(config: &Config) -> Result<Option<SharedState>> {
        let Some(url) = config.shared_state.as_ref() else {
            return Ok(None);
        };
        let store = Store::open(url.expose()).map_err(|_| {
            Error::invalid_config("option shared_state is not a Redis URL")
                .with_field("shared_state")
        })?;
        let rate = config.effective_rate_limit();
        let local_rate = fallback_rate(rate, config.workers);
        let key = account_key(config);
        let interval = ratelimit::interval(rate, SHARED_MARGIN).unwrap_or(Duration::ZERO);
        Ok(Some(SharedState {
            store,
            provider: config.provider,
            shown: redacted_url(url.expose()),
            cooldown_key: format!("{key}:cooldown"),
            key,
            interval,
            horizon: horizon(interval),
            fallback: config.shared_state_fallback,
            local: RateLimiter::new(local_rate),
            local_rate,
            health: Mutex::new(Health::default()),
        }))
    }

    /// Reserves the caller's slot in the account's shared schedule and returns how long to
    /// wait for it, or `None` (nothing reserved) when it would come after `deadline`. While
    /// Redis cannot be reached: the local share of the limit, or a `transport` error (`fail`).
    pub(crate) fn reserve(
        &self,
        deadline: Option<Instant>,
        notify: &dyn Fn(Notice),
    ) -> Result<Option<Duration>> {
        let now = Instant::now();
        let max_wait = deadline.map(|d| d.saturating_duration_since(now));
        if let Some((recovering, generation)) = self.may_call(now) {
            let budget = Budget::of(deadline);
            let Budget::Up(timeout) = budget else {
                return self.short_of_time(deadline);
            };
            let hold = if recovering {
                RECOVERY_HOLD
            } else {
                Duration::ZERO
            };
            let reserved = self
                .store
                .reserve(
                    &self.key,
                    self.interval,
                    max_wait,
                    hold,
                    self.horizon,
                    timeout,
                )
                .and_then(|reserved| self.plausible(reserved));
            match reserved {
                Ok(reserved) => {
                    self.succeeded(notify);
                    if reserved.is_some() && recovering {
                        // The hold is in the shared schedule now, unless this process sent by
                        // its own limits again meanwhile.
                        let mut health = self.health();
                        if health.generation == generation {
                            health.recovering = false;
                        }
                    }
                    return Ok(reserved);
                }
                // Cut short by this call's deadline: no verdict on Redis.
                Err(e) if e.is_timeout() && !budget.judges() => {
                    return self.short_of_time(deadline)
                }
                Err(e) => self.failed(&e, notify),
            }
        }
        self.fall_back(deadline)
    }

    /// A request whose deadline leaves too little time for Redis (nothing is known of Redis):
    /// it goes by this process's share of the limit (`local`), or its deadline ends it (`fail`:
    /// nothing is sent unless the shared schedule allows it).
    fn short_of_time(&self, deadline: Option<Instant>) -> Result<Option<Duration>> {
        match self.fallback {
            SharedStateFallback::Fail => Ok(None),
            SharedStateFallback::Local => self.fall_back(deadline),
        }
    }

    /// A request that goes without the shared schedule: by this process's share of the limit
    /// (`local`), or refused (`fail`).
    fn fall_back(&self, deadline: Option<Instant>) -> Result<Option<Duration>> {
        match self.fallback {
            SharedStateFallback::Fail => Err(self.unreachable()),
            SharedStateFallback::Local => Ok(match &self.local {
                Some(limiter) => limiter.reserve(deadline),
                None => Some(Duration::ZERO),
            }),
        }
    }

    /// A wait longer than the horizon cannot come from the script (it ignores such values):
    /// whatever answered is not a Redis to trust.
    fn plausible(&self, reserved: Option<Duration>) -> redis::RedisResult<Option<Duration>> {
        match reserved {
            Some(wait) if wait > self.horizon.saturating_add(RECOVERY_HOLD) => {
                Err(redis::RedisError::from(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "an implausible wait",
                )))
            }
            other => Ok(other),
        }
    }

    /// The provider asked to wait (`Retry-After`, a 429): every worker waits. `None` is a 429
    /// without a time. Best effort: an unreachable Redis only loses the pause.
    pub(crate) fn pause(&self, after: Option<Duration>, notify: &dyn Fn(Notice)) {
        let pause = after
            .unwrap_or(DEFAULT_PAUSE)
            .min(crate::retry::MAX_RETRY_AFTER);
        if pause.is_zero() {
            return;
        }
        self.best_effort(None, notify, |store, timeout| {
            store.pause(&self.key, pause, self.horizon, timeout)
        });
    }

    /// How long the account's Router cool-down still runs, if one does (`None` too when Redis
    /// cannot be reached or the deadline leaves no time to ask: the Router's own memory
    /// applies).
    pub(crate) fn cooling_down(
        &self,
        deadline: Option<Instant>,
        notify: &dyn Fn(Notice),
    ) -> Option<Duration> {
        self.best_effort(deadline, notify, |store, timeout| {
            store.remaining(&self.cooldown_key, timeout)
        })
        .flatten()
    }

    /// Starts the account's cool-down for every worker.
    pub(crate) fn cool_down(
        &self,
        length: Duration,
        deadline: Option<Instant>,
        notify: &dyn Fn(Notice),
    ) {
        self.best_effort(deadline, notify, |store, timeout| {
            store.start(&self.cooldown_key, length, timeout)
        });
    }

    /// Ends the account's cool-down for every worker.
    pub(crate) fn reset_cooldown(&self, notify: &dyn Fn(Notice)) {
        self.best_effort(None, notify, |store, timeout| {
            store.delete(&self.cooldown_key, timeout)
        });
    }

    fn best_effort<T>(
        &self,
        deadline: Option<Instant>,
        notify: &dyn Fn(Notice),
        call: impl FnOnce(&Store, Duration) -> redis::RedisResult<T>,
    ) -> Option<T> {
        self.may_call(Instant::now())?;
        let budget = Budget::of(deadline);
        let Budget::Up(timeout) = budget else {
            return None;
        };
        match call(&self.store, timeout) {
            Ok(value) => {
                self.succeeded(notify);
                Some(value)
            }
            Err(e) if e.is_timeout() && !budget.judges() => None,
            Err(e) => {
                self.failed(&e, notify);
                None
            }
        }
    }

    fn health(&self) -> std::sync::MutexGuard<'_, Health> {
        self.health.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// `None` while Redis is left alone after a failure; else whether this process sent by
    /// its own limits since its last shared slot, and the generation of that state.
    fn may_call(&self, now: Instant) -> Option<(bool, u64)> {
        let health = self.health();
        match health.retry_at {
            Some(at) if now < at => None,
            _ => Some((health.recovering, health.generation)),
        }
    }

    fn succeeded(&self, notify: &dyn Fn(Notice)) {
        let mut health = self.health();
        if health.failures == 0 {
            return;
        }
        let failures = std::mem::take(&mut health.failures);
        health.retry_at = None;
        drop(health);
        notify(Notice {
            warning: false,
            message: format!(
                "shared state {} is reachable again (after {failures} failed calls): \
                 {} shares the account's limits with the other workers again",
                self.shown,
                self.provider.display_name()
            ),
        });
    }

    fn failed(&self, error: &redis::RedisError, notify: &dyn Fn(Notice)) {
        let now = Instant::now();
        let mut health = self.health();
        health.failures = health.failures.saturating_add(1);
        let shift = health.failures.saturating_sub(1).min(8);
        let pause = RETRY_FIRST.saturating_mul(1 << shift).min(RETRY_CAP);
        health.retry_at = now.checked_add(pause);
        health.cause = describe(error);
        // Requests now go out by this process's own limits (`fail` sends none).
        if self.fallback == SharedStateFallback::Local {
            health.recovering = true;
            health.generation = health.generation.wrapping_add(1);
        }
        if health.failures > 1 {
            return;
        }
        let cause = health.cause.clone();
        drop(health);
        if let Some(local) = &self.local {
            // This process's own schedule starts one of its intervals from now, so that its
            // first request cannot join the shared ones of the last second.
            local.hold_for_one_interval();
        }
        let what_now = match self.fallback {
            SharedStateFallback::Fail => {
                "every request fails with `transport` until it is back (shared_state_fallback=fail)"
                    .to_owned()
            }
            SharedStateFallback::Local if self.local.is_some() => format!(
                "this process now sends by its own limit of {} requests per second (rate_limit / \
                 workers) until it is back",
                self.local_rate
            ),
            SharedStateFallback::Local => {
                "this process now sends without the shared pauses until it is back".to_owned()
            }
        };
        notify(Notice {
            warning: true,
            message: format!(
                "shared state {} is unreachable ({cause}): {what_now}",
                self.shown
            ),
        });
    }

    /// The error of a request refused because Redis cannot be reached (`fail`).
    fn unreachable(&self) -> Error {
        let cause = self.health().cause.clone();
        Error::new(
            ErrorCode::Transport,
            format!(
                "shared state {} is unreachable ({cause}); nothing was sent \
                 (shared_state_fallback=fail)",
                self.shown
            ),
        )
        .with_provider(self.provider)
        .with_field("shared_state")
    }
}

/// How far ahead of now a slot or a pause stored in Redis may lie: the longest pause shared
/// (`MAX_RETRY_AFTER`), or a queue of `MAX_QUEUED` requests, whichever is longer.
fn horizon(interval: Duration) -> Duration {
    interval
        .saturating_mul(MAX_QUEUED)
        .max(crate::retry::MAX_RETRY_AFTER)
}

/// Each worker's share of `rate` while it cannot coordinate: `rate / workers`, rounded down to
/// whole requests per second when it is at least one, so that `workers` evenly spaced
/// schedules never put more than `rate` requests in any one-second window.
fn fallback_rate(rate: f64, workers: u32) -> f64 {
    let share = rate / f64::from(workers.max(1));
    if share >= 1.0 {
        share.floor()
    } else {
        share
    }
}

/// A Redis error in a few words, without the server's address (the URL may carry a password;
/// the messages are shown beside the redacted URL).
fn describe(error: &redis::RedisError) -> String {
    if error.is_timeout() {
        "no answer in time".to_owned()
    } else if error.is_connection_refusal() {
        "connection refused".to_owned()
    } else if error.is_connection_dropped() {
        "connection closed".to_owned()
    } else {
        // The redis crate's messages name the kind and the server's reply, not the URL.
        let text = error.to_string();
        let short: String = text.chars().take(200).collect();
        short
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked_without_echoing_them() {
        for good in [
            "redis://127.0.0.1:6379/0",
            "redis://:p%40ss@redis.internal:6379/2",
            "rediss://user:secret@redis.example.com:6380/0",
            "unix:///run/redis/redis.sock?db=1",
            "REDIS://localhost",
        ] {
            check_url(good).unwrap_or_else(|e| panic!("{good}: {e}"));
        }
        for bad in [
            "",
            "localhost:6379",
            "http://secret@localhost:6379",
            "redis://:hunter2@local host:6379",
            "redis://:hunter2@localhost:99999",
            "redis://:hunter2@[::1:6379",
        ] {
            let e = check_url(bad).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InvalidConfig, "{bad}");
            assert_eq!(e.field.as_deref(), Some("shared_state"), "{bad}");
            assert!(!e.message.contains("hunter2"), "{bad}: {}", e.message);
        }
    }

    #[test]
    fn the_shown_url_hides_every_password() {
        assert_eq!(
            redacted_url("redis://:hunter2@cache:6379/1"),
            "redis://***@cache:6379/1"
        );
        assert_eq!(
            redacted_url("rediss://app:hunter2@cache:6380"),
            "rediss://***@cache:6380"
        );
        assert_eq!(
            redacted_url("unix:///run/redis.sock?db=2&pass=hunter2&user=app"),
            "unix:///run/redis.sock?db=2&pass=***&user=***"
        );
        assert_eq!(redacted_url("redis://cache"), "redis://cache");
        assert_eq!(redacted_url("redis://cache/0#hunter2"), "redis://cache/0");
        assert_eq!(redacted_url("nonsense"), "***");
    }

    #[test]
    fn one_account_is_one_key_and_the_key_hides_the_credentials() {
        let a = Config::from_dsn("smsclub://TOKEN-ONE@default").unwrap();
        let same = Config::from_dsn("smsclub://TOKEN-ONE@default?sender=Other&workers=8").unwrap();
        let other_token = Config::from_dsn("smsclub://TOKEN-TWO@default").unwrap();
        let other_host =
            Config::from_dsn("smsclub://TOKEN-ONE@127.0.0.1:9?allow_insecure_http=1").unwrap();
        let key = account_key(&a);
        assert!(key.starts_with("vibergate:v1:smsclub:"), "{key}");
        assert!(!key.contains("TOKEN"), "{key}");
        assert_eq!(key, account_key(&same));
        assert_ne!(key, account_key(&other_token));
        assert_ne!(key, account_key(&other_host));
        // Intel-Tele: user name and key both count, and cannot be shifted into each other.
        let it = |u: &str, k: &str| account_key(&Config::inteltele(u, k));
        assert_ne!(it("ab", "c"), it("a", "bc"));
    }

    #[test]
    fn each_worker_s_share_keeps_every_second_under_the_bound() {
        assert_eq!(fallback_rate(9.0, 1), 9.0);
        assert_eq!(fallback_rate(9.0, 8), 1.0);
        assert_eq!(fallback_rate(9.0, 4), 2.0);
        assert_eq!(fallback_rate(9.0, 18), 0.5);
        assert_eq!(fallback_rate(0.0, 8), 0.0);
    }

    #[test]
    fn fallback_names_parse_in_any_case() {
        assert_eq!(
            SharedStateFallback::parse(" Fail "),
            Some(SharedStateFallback::Fail)
        );
        assert_eq!(
            SharedStateFallback::parse("local"),
            Some(SharedStateFallback::Local)
        );
        assert_eq!(SharedStateFallback::parse("remote"), None);
    }
}
