//! The Redis half of the shared state: a few pooled synchronous connections and the commands
//! the fleet shares (the limiter's Lua scripts, the cool-down keys).
//!
//! Every call is bounded as a whole: the redis crate's timeouts are per socket read (a server
//! that drips a byte now and then, or a host name that never resolves, would hold a caller
//! forever), so each call runs on a thread of its own and the caller waits for it at most its
//! timeout. A call that outlives it finishes (or dies with its socket) in the background; at
//! most `MAX_ABANDONED` such calls exist at once, and beyond them calls fail at once.

use std::io;
use std::sync::atomic::{AtomicU32, AtomicU8, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use redis::{Connection, RedisError, RedisResult, Script};

/// Idle connections kept for the next calls (one per thread of a fan-out is plenty).
const MAX_IDLE: usize = 8;
/// Calls still running after their caller stopped waiting (a server that hangs): no more are
/// started while this many run.
const MAX_ABANDONED: usize = 4;

/// A handle on one Redis; cheap to share with the threads that run its calls.
pub(super) struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    client: redis::Client,
    /// Idle connections, with the process that opened them: after a `fork` (Python's
    /// multiprocessing) a child must not talk on its parent's sockets.
    idle: Mutex<Vec<Pooled>>,
    reserve: Script,
    pause: Script,
    /// Calls whose caller stopped waiting and whose thread still runs.
    abandoned: AtomicUsize,
    /// The process that counted them (a forked child starts from none).
    pid: AtomicU32,
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
            inner: Arc::new(Inner {
                client: redis::Client::open(url)?,
                idle: Mutex::new(Vec::new()),
                reserve: Script::new(concat!(
                    include_str!("prelude.lua"),
                    include_str!("reserve.lua")
                )),
                pause: Script::new(concat!(
                    include_str!("prelude.lua"),
                    include_str!("pause.lua")
                )),
                abandoned: AtomicUsize::new(0),
                pid: AtomicU32::new(std::process::id()),
            }),
        })
    }

    /// Runs `reserve.lua` (see there): one round trip. `horizon` bounds how far ahead a slot
    /// or a pause read from Redis may lie before it is taken for garbage and ignored.
    pub(super) fn reserve(
        &self,
        key: &str,
        interval: Duration,
        max_wait: Option<Duration>,
        hold: Duration,
        horizon: Duration,
        timeout: Duration,
    ) -> RedisResult<Reserved> {
        let key = key.to_owned();
        let max_wait = max_wait.map_or(-1, micros);
        let waited: i64 = self.call(timeout, move |inner, con| {
            inner
                .reserve
                .key(&key)
                .arg(micros(interval))
                .arg(max_wait)
                .arg(micros(hold))
                .arg(micros(horizon))
                .invoke(con)
        })?;
        // A negative answer other than -1 cannot come from the script; treat it as "now".
        Ok(match waited {
            -1 => None,
            w => Some(Duration::from_micros(u64::try_from(w).unwrap_or(0))),
        })
    }

    /// Runs `pause.lua`: no slot of the account before `pause` from now.
    pub(super) fn pause(
        &self,
        key: &str,
        pause: Duration,
        horizon: Duration,
        timeout: Duration,
    ) -> RedisResult<()> {
        let key = key.to_owned();
        self.call(timeout, move |inner, con| {
            inner
                .pause
                .key(&key)
                .arg(micros(pause))
                .arg(micros(horizon))
                .invoke::<i64>(con)
                .map(drop)
        })
    }

    /// How long the cool-down at `key` still runs, if one does.
    pub(super) fn remaining(&self, key: &str, timeout: Duration) -> RedisResult<Option<Duration>> {
        let key = key.to_owned();
        let ms: i64 = self.call(timeout, move |_, con| {
            redis::cmd("PTTL").arg(&key).query(con)
        })?;
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
        let key = key.to_owned();
        self.call(timeout, move |_, con| {
            redis::cmd("SET")
                .arg(&key)
                .arg(1)
                .arg("PX")
                .arg(ms)
                .query::<()>(con)
        })
    }

    /// Deletes `key`.
    pub(super) fn delete(&self, key: &str, timeout: Duration) -> RedisResult<()> {
        let key = key.to_owned();
        self.call(timeout, move |_, con| {
            redis::cmd("DEL").arg(&key).query::<i64>(con).map(drop)
        })
    }

    /// Runs `command` on a thread of its own and waits for it at most `timeout` (see the
    /// module's documentation).
    fn call<T: Send + 'static>(
        &self,
        timeout: Duration,
        command: impl Fn(&Inner, &mut Connection) -> RedisResult<T> + Send + 'static,
    ) -> RedisResult<T> {
        // A zero timeout means "none" to a socket: never ask for that.
        let timeout = timeout.max(Duration::from_millis(1));
        let me = std::process::id();
        if self.inner.pid.swap(me, Ordering::SeqCst) != me {
            // A forked child: the calls its parent abandoned have no thread here.
            self.inner.abandoned.store(0, Ordering::SeqCst);
        }
        if self.inner.abandoned.load(Ordering::SeqCst) >= MAX_ABANDONED {
            return Err(io_error(
                io::ErrorKind::TimedOut,
                "earlier calls still hang",
            ));
        }
        let state = Arc::new(AtomicU8::new(RUNNING));
        let (answer, wait) = mpsc::sync_channel(1);
        let inner = self.inner.clone();
        let thread_state = state.clone();
        let spawned = std::thread::Builder::new()
            .name("vibergate-redis".to_owned())
            .spawn(move || {
                let result = inner.with_connection(timeout, command);
                // The answer is sent first: a caller that lost the race to abandon the call
                // (below) finds it.
                let _ = answer.send(result);
                if thread_state.swap(DONE, Ordering::SeqCst) == ABANDONED {
                    inner.abandoned.fetch_sub(1, Ordering::SeqCst);
                }
            });
        if let Err(e) = spawned {
            return Err(RedisError::from(e));
        }
        match wait.recv_timeout(timeout) {
            Ok(result) => result,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                // Counted before it is marked, so that the thread's count down (when it ends)
                // never comes first.
                self.inner.abandoned.fetch_add(1, Ordering::SeqCst);
                if state
                    .compare_exchange(RUNNING, ABANDONED, Ordering::SeqCst, Ordering::SeqCst)
                    .is_err()
                {
                    // It ended meanwhile: not abandoned, and its answer is there.
                    self.inner.abandoned.fetch_sub(1, Ordering::SeqCst);
                    if let Ok(result) = wait.try_recv() {
                        return result;
                    }
                }
                Err(io_error(io::ErrorKind::TimedOut, "no answer in time"))
            }
            // The thread died without answering (a panic inside the redis crate).
            Err(mpsc::RecvTimeoutError::Disconnected) => Err(io_error(
                io::ErrorKind::Other,
                "the call ended without an answer",
            )),
        }
    }
}

/// A call's state, shared by its caller and its thread.
const RUNNING: u8 = 0;
const DONE: u8 = 1;
const ABANDONED: u8 = 2;

impl Inner {
    /// Runs `command` on a pooled connection, or on a fresh one when none is idle or the pooled
    /// one had died (Redis restarted, an idle timeout): every command here may run twice
    /// without harm (a second reservation only wastes a slot). A connection that failed in
    /// any way is dropped, never pooled: its stream may hold half an answer.
    fn with_connection<T>(
        &self,
        timeout: Duration,
        command: impl Fn(&Inner, &mut Connection) -> RedisResult<T>,
    ) -> RedisResult<T> {
        if let Some(mut pooled) = self.take() {
            match pooled
                .set_timeout(timeout)
                .and_then(|()| command(self, &mut pooled.con))
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
        let value = command(self, &mut pooled.con)?;
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

fn io_error(kind: io::ErrorKind, what: &str) -> RedisError {
    RedisError::from(io::Error::new(kind, what.to_owned()))
}

/// Microseconds as the scripts take them (a day fits many times over).
fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}
