//! Second adversarial review of `shared_state` (issue 17): the fixes made after the first one
//! (a Redis call on a thread of its own, the deadline's budget, late shared slots taken again,
//! the recovery hold, the horizon). Needs `redis-server` on PATH (or `VIBERGATE_REDIS_SERVER`);
//! scripts/test.sh installs it.

mod fleet;

use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use fleet::{notices, phone, sandbox, smsclub, Redis};
use vibergate_core::{LogRecord, Message, Wait, WaitReason};

/// Control: as many threads as a fan-out's default `max_in_flight` (4) on a Redis that is
/// slow but answers in time are served by it: no warning, every send accepted.
#[test]
fn four_threads_on_a_slow_but_healthy_redis_are_no_outage() {
    burst_on_a_slow_redis(4);
}

/// Found by the second review, fixed: more calls at once than the store's limit of abandoned
/// calls (4) were refused as if Redis hung (a false WARNING, local limits, then 429s).
#[test]
fn more_than_four_threads_on_a_slow_but_healthy_redis_are_no_outage() {
    burst_on_a_slow_redis(12);
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

fn rate_waits(waits: &Mutex<Vec<Wait>>) -> usize {
    waits
        .lock()
        .unwrap()
        .iter()
        .filter(|w| w.reason == WaitReason::RateLimit)
        .count()
}

/// A log hook that takes `slow` over every announced wait.
fn slow_wait_hook(
    slow: Duration,
) -> (
    Arc<Mutex<Vec<Wait>>>,
    impl Fn(&LogRecord) + Send + Sync + 'static,
) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    (waits, move |r: &LogRecord| {
        if let Some(w) = r.wait {
            sink.lock().unwrap().push(w);
            std::thread::sleep(slow);
        }
    })
}

/// Found by the second review, fixed: the hook's time was added to the wait, so a slow hook
/// made every announced shared slot late, and each send gave up three slots.
#[test]
fn a_slow_log_hook_does_not_make_a_shared_slot_late() {
    let redis = Redis::start();
    let sb = sandbox();
    let (waits, hook) = slow_wait_hook(Duration::from_millis(100));
    let client =
        smsclub(&sb, &format!("&rate_limit=2&shared_state={}", redis.url())).with_log_hook(hook);
    for i in 0..3 {
        let report = client
            .send(&Message::to([phone(22, i)]).text("Hi"))
            .unwrap();
        assert_eq!(report.accepted.len(), 1, "{report:?}");
    }
    let announced = rate_waits(&waits);
    assert!(
        announced <= 4,
        "{announced} rate-limit waits for 2 waiting sends"
    );
}

/// Found by the second review, fixed: a late request whose next slot would come after its
/// deadline was dropped with `timeout`, though the slot it had was within it: it goes late.
#[test]
fn a_late_slot_is_not_traded_for_a_timeout() {
    let redis = Redis::start();
    let sb = sandbox();
    let late_once = Arc::new(Mutex::new(false));
    let flag = late_once.clone();
    // The first announced wait (535 ms) takes 700 ms: the request wakes 165 ms late.
    let hook = move |r: &LogRecord| {
        if r.wait.is_some() && !std::mem::replace(&mut *flag.lock().unwrap(), true) {
            std::thread::sleep(Duration::from_millis(700));
        }
    };
    let client = smsclub(
        &sb,
        &format!("&rate_limit=2&deadline_ms=800&shared_state={}", redis.url()),
    )
    .with_log_hook(hook);
    let first = client
        .send(&Message::to([phone(23, 0)]).text("Hi"))
        .unwrap();
    assert_eq!(first.accepted.len(), 1, "{first:?}");
    let second = client
        .send(&Message::to([phone(23, 1)]).text("Hi"))
        .map(|r| r.accepted.len())
        .map_err(|e| e.code());
    assert_eq!(second, Ok(1));
    assert!(*late_once.lock().unwrap(), "the hook never slowed a wait");
}
