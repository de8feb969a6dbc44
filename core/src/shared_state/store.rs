//! The Redis half of the shared state: a few pooled synchronous connections and the commands
//! the fleet shares (the limiter's Lua scripts, the cool-down keys). Every call is bounded by
//! a timeout; a failure is returned, never retried here beyond one fresh connection.

use std::sync::Mutex;
use std::time::Duration;

use redis::{Connection, RedisError, RedisResult, Script};

/// Idle connections kept for the next calls (one per thread of a fan-out is plenty).
const MAX_IDLE: usize = 8;

pub(super) struct Store {
    client: redis::Client,
    /// Idle connections, with the process that opened them: after a `fork` (Python's
    /// multiprocessing) a child must not talk on its parent's sockets.
    idle: Mutex<Vec<Pooled>>,
    reserve: Script,
    pause: Script,
}

/// A connection of the pool.
struct Pooled {
    pid: u32,
    con: Connection,
    /// The socket's read and write timeout, set only when a call needs another one (each set
    /// is a system call, on every request).
    timeout: Duration,
}

/// A reserved slot: wait this long, or `None` when it would come after the caller's limit.
pub(super) type Reserved = Option<Duration>;

impl Store {
    /// Checks the URL; connects only when first used.
    pub(super) fn open(url: &str) -> RedisResult<Store> {
        Ok(Store {
            client: redis::Client::open(url)?,
            idle: Mutex::new(Vec::new()),
            reserve: Script::new(include_str!("reserve.lua")),
            pause: Script::new(include_str!("pause.lua")),
        })
    }

    /// Runs `reserve.lua` (see there): one round trip.
    pub(super) fn reserve(
        &self,
        key: &str,
        interval: Duration,
        max_wait: Option<Duration>,
        hold: Duration,
        timeout: Duration,
    ) -> RedisResult<Reserved> {
        let max_wait = max_wait.map_or(-1, micros);
        let waited: i64 = self.with_connection(timeout, |con| {
            self.reserve
                .key(key)
                .arg(micros(interval))
                .arg(max_wait)
                .arg(micros(hold))
                .invoke(con)
        })?;
        // A negative answer other than -1 cannot come from the script; treat it as "now".
        Ok(match waited {
            -1 => None,
            w => Some(Duration::from_micros(u64::try_from(w).unwrap_or(0))),
        })
    }

    /// Runs `pause.lua`: no slot of the account before `pause` from now.
    pub(super) fn pause(&self, key: &str, pause: Duration, timeout: Duration) -> RedisResult<()> {
        self.with_connection(timeout, |con| {
            self.pause
                .key(key)
                .arg(micros(pause))
                .invoke::<i64>(con)
                .map(drop)
        })
    }

    /// How long the cool-down at `key` still runs, if one does.
    pub(super) fn remaining(&self, key: &str, timeout: Duration) -> RedisResult<Option<Duration>> {
        let ms: i64 =
            self.with_connection(timeout, |con| redis::cmd("PTTL").arg(key).query(con))?;
        // -2: no key; -1: a key without expiry (not one of ours: ignore it).
        Ok(u64::try_from(ms)
            .ok()
            .filter(|ms| *ms > 0)
            .map(Duration::from_millis))
    }

    /// Sets the cool-down at `key` for `length` (a millisecond to a year: Redis refuses
    /// expiries beyond its range, and an absurd cool-down means "until further notice").
    pub(super) fn start(&self, key: &str, length: Duration, timeout: Duration) -> RedisResult<()> {
        const YEAR_MS: u64 = 365 * 86_400 * 1000;
        let ms = u64::try_from(length.as_millis())
            .unwrap_or(u64::MAX)
            .clamp(1, YEAR_MS);
        self.with_connection(timeout, |con| {
            redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("PX")
                .arg(ms)
                .query::<()>(con)
        })
    }

    /// Deletes `key`.
    pub(super) fn delete(&self, key: &str, timeout: Duration) -> RedisResult<()> {
        self.with_connection(timeout, |con| {
            redis::cmd("DEL").arg(key).query::<i64>(con).map(drop)
        })
    }

    /// Runs `command` on a pooled connection, or on a fresh one when none is idle or the pooled
    /// one had died (Redis restarted, an idle timeout): every command here may run twice
    /// without harm (a second reservation only wastes a slot). A connection that failed in
    /// any way is dropped, never pooled: its stream may hold half an answer.
    fn with_connection<T>(
        &self,
        timeout: Duration,
        command: impl Fn(&mut Connection) -> RedisResult<T>,
    ) -> RedisResult<T> {
        // A zero timeout means "none" to a socket: never ask for that.
        let timeout = timeout.max(Duration::from_millis(1));
        if let Some(mut pooled) = self.take() {
            match pooled
                .set_timeout(timeout)
                .and_then(|()| command(&mut pooled.con))
            {
                Ok(value) => {
                    self.give_back(pooled);
                    return Ok(value);
                }
                Err(e) if !is_dead_connection(&e) => return Err(e),
                Err(_) => {}
            }
        }
        let con = self.client.get_connection_with_timeout(timeout)?;
        let mut pooled = Pooled {
            pid: std::process::id(),
            con,
            timeout: Duration::ZERO,
        };
        pooled.set_timeout(timeout)?;
        let value = command(&mut pooled.con)?;
        self.give_back(pooled);
        Ok(value)
    }

    fn take(&self) -> Option<Pooled> {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        let me = std::process::id();
        // Inherited through a fork: the parent's, dropped (closing a copy leaves its socket
        // open for the parent).
        idle.retain(|p| p.pid == me);
        idle.pop()
    }

    fn give_back(&self, pooled: Pooled) {
        let mut idle = self.idle.lock().unwrap_or_else(|e| e.into_inner());
        if idle.len() < MAX_IDLE {
            idle.push(pooled);
        }
    }
}

impl Pooled {
    fn set_timeout(&mut self, timeout: Duration) -> RedisResult<()> {
        if self.timeout != timeout {
            self.con.set_read_timeout(Some(timeout))?;
            self.con.set_write_timeout(Some(timeout))?;
            self.timeout = timeout;
        }
        Ok(())
    }
}

/// The pooled connection is gone (closed by a restarted server, reset), as opposed to a slow
/// server (a timeout: a fresh connection would wait again) or a refused command.
fn is_dead_connection(e: &RedisError) -> bool {
    !e.is_timeout() && (e.is_io_error() || e.is_connection_dropped() || e.is_unrecoverable_error())
}

/// Microseconds as the scripts take them (a day fits many times over).
fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
