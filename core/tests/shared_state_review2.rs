//! Second adversarial review of `shared_state` (issue 17): the fixes made after the first one
//! (a Redis call on a thread of its own, the deadline's budget, late shared slots taken again,
//! the recovery hold, the horizon). Needs `redis-server` on PATH (or `VIBERGATE_REDIS_SERVER`);
//! scripts/test.sh installs it.

mod fleet;

use std::sync::{Arc, Barrier};

use fleet::{notices, phone, sandbox, smsclub, Redis};
use vibergate_core::Message;

/// Control: as many threads as a fan-out's default `max_in_flight` (4) on a Redis that is
/// slow but answers in time are served by it: no warning, every send accepted.
#[test]
fn four_threads_on_a_slow_but_healthy_redis_are_no_outage() {
    burst_on_a_slow_redis(4);
}

/// `threads` sends of one client at once while Redis answers nothing for 300 ms (well inside
/// the 500 ms a call may take): none may be taken for an outage.
fn burst_on_a_slow_redis(threads: usize) {
    let redis = Redis::start();
    let sb = sandbox();
    let (seen, hook) = notices();
    let client =
        Arc::new(smsclub(&sb, &format!("&shared_state={}", redis.url())).with_log_hook(hook));
    // Every call of the burst waits on Redis at once: it answers nothing for 300 ms.
    let start = Arc::new(Barrier::new(threads + 1));
    let senders: Vec<_> = (0..threads)
        .map(|i| {
            let client = client.clone();
            let start = start.clone();
            std::thread::spawn(move || {
                start.wait();
                client
                    .send(&Message::to([phone(21, i)]).text("Hi"))
                    .map(|r| r.accepted.len())
                    .map_err(|e| e.code())
            })
        })
        .collect();
    let mut con = redis.connection();
    let _: () = redis::cmd("CLIENT")
        .arg("PAUSE")
        .arg(300)
        .arg("ALL")
        .query(&mut con)
        .unwrap();
    start.wait();
    for sender in senders {
        assert_eq!(sender.join().unwrap(), Ok(1));
    }
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().all(|n| !n.warning),
        "a Redis answering within its 500 ms was called an outage: {seen:?}"
    );
}
