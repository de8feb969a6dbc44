//! The threads that run blocking core calls for Promises.
//!
//! Not the libuv pool: it has 4 threads unless the user sets `UV_THREADPOOL_SIZE` before the
//! process starts, so a fifth concurrent send would wait for one of the first four to come back
//! from the network, and `fs`/`dns`/`zlib` would queue behind our sends. This pool grows while
//! calls wait (a call runs as soon as it is made, up to `MAX_THREADS` at once) and lets a thread
//! go after it has been idle for `IDLE`.

use std::collections::VecDeque;
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::Duration;

type Job = Box<dyn FnOnce() + Send>;

/// More calls at once than this wait in the queue; every client's own `max_in_flight` and rate
/// limit already bound how many requests are useful at once.
const MAX_THREADS: usize = 256;
const IDLE: Duration = Duration::from_secs(30);

#[derive(Default)]
struct State {
    jobs: VecDeque<Job>,
    threads: usize,
    idle: usize,
}

#[derive(Default)]
struct Pool {
    state: Mutex<State>,
    work: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(Pool::default)
}

/// Runs `job` on a pool thread. Jobs must not panic (the callers catch their panics).
pub fn spawn(job: impl FnOnce() + Send + 'static) {
    let pool = pool();
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    state.jobs.push_back(Box::new(job));
    if state.idle >= state.jobs.len() {
        pool.work.notify_one();
        return;
    }
    if state.threads >= MAX_THREADS {
        return; // a busy thread takes it when it is done
    }
    let started = std::thread::Builder::new()
        .name("vibergate".into())
        .spawn(move || work(pool));
    if started.is_ok() {
        state.threads += 1;
    } else if state.threads == 0 {
        // No thread at all can take it: run it here, slower but never lost.
        let job = state.jobs.pop_back().expect("the job just queued");
        drop(state);
        job();
    }
}

fn work(pool: &Pool) {
    let mut state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        if let Some(job) = state.jobs.pop_front() {
            drop(state);
            job();
            state = pool.state.lock().unwrap_or_else(|e| e.into_inner());
            continue;
        }
        state.idle += 1;
        let (next, waited) = pool
            .work
            .wait_timeout(state, IDLE)
            .unwrap_or_else(|e| e.into_inner());
        state = next;
        state.idle -= 1;
        if waited.timed_out() && state.jobs.is_empty() {
            state.threads -= 1;
            return;
        }
    }
}
