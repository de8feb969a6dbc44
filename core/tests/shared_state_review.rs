//! Adversarial review of `shared_state` (issue 17): hostile Redis servers (silent, answering
//! garbage, dripping bytes, wrong password), poisoned keys, and the Router's use of the store.
//! Each test names what it guards against. Needs `redis-server` on PATH (or
//! `VIBERGATE_REDIS_SERVER`); scripts/test.sh installs it.

mod fleet;

use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use fleet::{free_port, hostile, notices, phone, sandbox, smsclub, smsclub_sends, Hostile, Redis};
use vibergate_core::{Client, ErrorCode, LogRecord, Message, ProviderId, Router, Wait};

/// Runs `f` on a thread and gives its result, or `None` when it has not returned after
/// `limit`: a hang detector with a bound far above any deadline the test sets (not a timing
/// assertion).
fn returns_within<T: Send + 'static>(
    limit: Duration,
    f: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(limit).ok()
}

/// The account's limiter key, as the first send through `redis` created it.
fn limiter_key(con: &mut redis::Connection) -> String {
    let keys: Vec<String> = redis::cmd("KEYS").arg("vibergate:*").query(con).unwrap();
    keys.into_iter()
        .find(|k| !k.ends_with(":cooldown"))
        .expect("no limiter key in Redis")
}

// ---------------------------------------------------------------------------------------------
// Sound behaviour (these pass): kept as regression tests.
// ---------------------------------------------------------------------------------------------

#[test]
fn a_wrong_redis_password_is_one_warning_without_the_password_and_sends_go_on() {
    let port = free_port();
    let _redis = Redis::start_on_with_password(port, "right-password");
    let sb = sandbox();
    let (seen, hook) = notices();
    let client = smsclub(
        &sb,
        &format!("&shared_state=redis://:hunter2@127.0.0.1:{port}/0"),
    )
    .with_log_hook(hook);
    for i in 0..3 {
        let report = client.send(&Message::to([phone(0, i)]).text("Hi")).unwrap();
        assert_eq!(report.accepted.len(), 1, "{report:?}");
    }
    let seen = seen.lock().unwrap();
    let warnings: Vec<_> = seen.iter().filter(|n| n.warning).collect();
    assert_eq!(warnings.len(), 1, "{seen:?}");
    assert!(!warnings[0].message.contains("hunter2"), "{seen:?}");
    assert!(
        warnings[0].message.to_lowercase().contains("auth"),
        "{seen:?}"
    );

    // `fail`: transport, nothing sent, no password either.
    let before = smsclub_sends(&sb).len();
    let failing = smsclub(
        &sb,
        &format!("&shared_state=redis://:hunter2@127.0.0.1:{port}/0&shared_state_fallback=fail"),
    );
    let e = failing
        .send(&Message::to([phone(0, 9)]).text("Hi"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Transport, "{e}");
    assert!(!e.message.contains("hunter2"), "{e}");
    assert!(!format!("{e:?}").contains("hunter2"), "{e:?}");
    assert!(!format!("{failing:?}").contains("hunter2"));
    assert_eq!(smsclub_sends(&sb).len(), before);
}

#[test]
fn a_redis_answering_ok_to_everything_is_an_outage_not_a_panic() {
    let (port, _) = hostile(Hostile::Ok);
    let sb = sandbox();
    let (seen, hook) = notices();
    let client =
        smsclub(&sb, &format!("&shared_state=redis://127.0.0.1:{port}/0")).with_log_hook(hook);
    let report = client.send(&Message::to([phone(1, 0)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert_eq!(seen.lock().unwrap().iter().filter(|n| n.warning).count(), 1);
}

#[test]
fn a_limiter_key_of_the_wrong_type_falls_back_with_a_warning() {
    let redis = Redis::start();
    let sb = sandbox();
    let options = format!("&shared_state={}", redis.url());
    smsclub(&sb, &options)
        .send(&Message::to([phone(2, 0)]).text("Hi"))
        .unwrap();
    let mut con = redis.connection();
    let key = limiter_key(&mut con);
    let _: () = redis::cmd("SET")
        .arg(&key)
        .arg("not a hash")
        .query(&mut con)
        .unwrap();
    let (seen, hook) = notices();
    let client = smsclub(&sb, &options).with_log_hook(hook);
    let report = client.send(&Message::to([phone(2, 1)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter()
            .any(|n| n.warning && n.message.contains("WRONGTYPE")),
        "{seen:?}"
    );
}

#[test]
fn sixteen_threads_on_a_dead_redis_give_one_warning_and_bounded_reconnects() {
    let (port, accepted) = hostile(Hostile::Close);
    let sb = sandbox();
    let (seen, hook) = notices();
    let client = Arc::new(
        smsclub(&sb, &format!("&shared_state=redis://127.0.0.1:{port}/0")).with_log_hook(hook),
    );
    const THREADS: usize = 16;
    const SENDS: usize = 2;
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                for i in 0..SENDS {
                    let r = client
                        .send(&Message::to([phone(10 + t, i)]).text("Hi"))
                        .unwrap();
                    assert_eq!(r.accepted.len(), 1, "{r:?}");
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen.iter().filter(|n| n.warning).count(),
        1,
        "one warning per outage: {seen:?}"
    );
    // At most one attempt per request (the backoff lets most go straight to the fallback).
    let attempts = accepted.load(Ordering::SeqCst);
    eprintln!("16 threads x {SENDS} sends: {attempts} connections to the dead Redis");
    assert!(attempts <= THREADS * SENDS, "{attempts}");
    assert_eq!(smsclub_sends(&sb).len(), THREADS * SENDS);
}

#[test]
fn a_hostile_retry_after_pauses_the_fleet_at_most_max_retry_after() {
    let redis = Redis::start();
    let sb = sandbox();
    sb.inject(vibergate_core::sandbox::Fault {
        provider: Some(ProviderId::SmsClub),
        count: 1,
        kind: vibergate_core::sandbox::FaultKind::RateLimit {
            retry_after: Some("99999999".into()),
        },
    });
    let client = smsclub(&sb, &format!("&shared_state={}", redis.url()));
    // The call gives up on the absurd Retry-After (it is not retried) ...
    let _ = client.send(&Message::to([phone(3, 0)]).text("Hi"));
    // ... and the fleet's pause is capped at 30 s.
    let mut con = redis.connection();
    let key = limiter_key(&mut con);
    let ttl: i64 = redis::cmd("PTTL").arg(&key).query(&mut con).unwrap();
    assert!(ttl > 0 && ttl <= 31_000 + 1_000, "{ttl}");
}

#[test]
fn fail_fallback_on_a_silent_redis_moves_the_recipient_on_and_sends_nothing_to_the_first() {
    let (port, _) = hostile(Hostile::Silent);
    let sb = sandbox();
    let chain = format!(
        "{}&shared_state=redis://127.0.0.1:{port}/0&shared_state_fallback=fail || {}",
        sb.dsn(ProviderId::SmsClub),
        sb.dsn(ProviderId::DecisionTelecom)
    );
    let router = Router::from_dsn(&chain).unwrap();
    for i in 0..3 {
        let report = router.send(&Message::to([phone(4, i)]).text("Hi")).unwrap();
        assert_eq!(report.accepted.len(), 1, "{report:?}");
        assert_eq!(report.accepted[0].provider, ProviderId::DecisionTelecom);
    }
    assert!(smsclub_sends(&sb).is_empty());
}

#[test]
fn a_client_holds_its_first_shared_slot_after_an_outage() {
    // The control of a_router_keeps_the_recovery_hold: a lone client does hold.
    let port = free_port();
    let sb = sandbox();
    let waits: Arc<Mutex<Vec<Wait>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    let client = smsclub(&sb, &format!("&shared_state=redis://127.0.0.1:{port}/0")).with_log_hook(
        move |r: &LogRecord| {
            if let Some(w) = r.wait {
                sink.lock().unwrap().push(w);
            }
        },
    );
    let report = client.send(&Message::to([phone(7, 5)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let _redis = Redis::start_on(port);
    std::thread::sleep(Duration::from_millis(700));
    waits.lock().unwrap().clear();
    let report = client.send(&Message::to([phone(7, 6)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let waits = waits.lock().unwrap();
    assert!(
        waits.iter().any(|w| w.duration >= Duration::from_secs(1)),
        "no recovery hold: {waits:?}"
    );
}

// ---------------------------------------------------------------------------------------------
// Defects the review found, each fixed; the tests keep them fixed.
// ---------------------------------------------------------------------------------------------

/// Found by review, fixed: a Redis call is bounded per read(2), not in total (store.rs set_timeouts): a server
/// that keeps sending a byte every 200 ms holds the send forever, deadline_ms or not.
#[test]
fn a_redis_dripping_bytes_cannot_hold_a_send_past_its_deadline() {
    let (port, _) = hostile(Hostile::Drip);
    let sb = sandbox();
    let client = smsclub(
        &sb,
        &format!("&shared_state=redis://127.0.0.1:{port}/0&deadline_ms=300"),
    );
    let outcome = returns_within(Duration::from_secs(30), move || {
        client
            .send(&Message::to([phone(5, 0)]).text("Hi"))
            .map(|r| r.accepted.len())
            .map_err(|e| e.code())
    });
    assert!(
        outcome.is_some(),
        "a send with deadline_ms=300 had not returned after 30 s"
    );
}

/// Found by review, fixed: with a hung Redis and a deadline shorter than IO_TIMEOUT, every Redis call is cut by
/// the deadline, which mod.rs (cut_by_deadline) does not count as a failure: no WARNING, no
/// fallback, and every send is rejected with `timeout` — `local` never engages.
#[test]
fn a_hung_redis_with_a_short_deadline_falls_back_with_one_warning() {
    let (port, _) = hostile(Hostile::Silent);
    let sb = sandbox();
    let (seen, hook) = notices();
    let client = smsclub(
        &sb,
        &format!("&shared_state=redis://127.0.0.1:{port}/0&deadline_ms=400"),
    )
    .with_log_hook(hook);
    let mut accepted = 0;
    for i in 0..3 {
        if let Ok(r) = client.send(&Message::to([phone(6, i)]).text("Hi")) {
            accepted += r.accepted.len();
        }
    }
    let warnings = seen.lock().unwrap().iter().filter(|n| n.warning).count();
    assert_eq!(warnings, 1, "no WARNING for a hung Redis");
    assert!(accepted >= 2, "only {accepted} of 3 sends went out");
}

/// Found by review, fixed: the recovery hold (RECOVERY_HOLD in mod.rs) is applied only when `reserve` is the
/// first successful call after an outage. In a Router, `cooling_down` (best_effort) runs
/// first, resets `failures`, and the next reservation holds nothing: this process's local
/// requests of the last second and the shared schedule overlap.
#[test]
fn a_router_keeps_the_recovery_hold() {
    let port = free_port();
    let sb = sandbox();
    let waits: Arc<Mutex<Vec<Wait>>> = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    let hook = move |r: &LogRecord| {
        if let Some(w) = r.wait {
            sink.lock().unwrap().push(w);
        }
    };
    let first =
        smsclub(&sb, &format!("&shared_state=redis://127.0.0.1:{port}/0")).with_log_hook(hook);
    let second = Client::from_dsn(&sb.dsn(ProviderId::DecisionTelecom)).unwrap();
    let router = Router::new(vec![first, second]).unwrap();
    let report = router.send(&Message::to([phone(7, 0)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let _redis = Redis::start_on(port);
    // Past the client's backoff (at most 500 ms): the next call reaches Redis.
    std::thread::sleep(Duration::from_millis(700));
    waits.lock().unwrap().clear();
    let report = router.send(&Message::to([phone(7, 1)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let waits = waits.lock().unwrap();
    assert!(
        waits.iter().any(|w| w.duration >= Duration::from_secs(1)),
        "no recovery hold after the outage: {waits:?}"
    );
}

/// Found by review, fixed: the wait reserve.lua returns is trusted whatever it is: a `tat` days ahead (a
/// Redis clock stepped back, a failover to a skewed replica, a bad write) makes a call without
/// deadline_ms sleep for days.
#[test]
fn a_tat_days_ahead_is_garbage_not_a_sleep() {
    let redis = Redis::start();
    let sb = sandbox();
    let options = format!("&shared_state={}", redis.url());
    smsclub(&sb, &options)
        .send(&Message::to([phone(8, 0)]).text("Hi"))
        .unwrap();
    let mut con = redis.connection();
    let key = limiter_key(&mut con);
    let (secs, _micros): (i64, i64) = redis::cmd("TIME").query(&mut con).unwrap();
    let tat = (secs + 11 * 86_400) * 1_000_000;
    let _: i64 = redis::cmd("HSET")
        .arg(&key)
        .arg("tat")
        .arg(tat)
        .query(&mut con)
        .unwrap();
    let client = smsclub(&sb, &options);
    let outcome = returns_within(Duration::from_secs(30), move || {
        client
            .send(&Message::to([phone(8, 1)]).text("Hi"))
            .map(|r| r.accepted.len())
            .map_err(|e| e.code())
    });
    assert!(
        outcome.is_some(),
        "the send sleeps for the 11 days Redis said"
    );
}

/// Found by review, fixed: reserve.lua reads `tat`/`pause` with tonumber, which takes "inf" and "1e300": with
/// a deadline every reservation answers -1 (past the deadline), so every send is rejected
/// with `timeout`, with no WARNING and no fallback, for as long as the key lives.
#[test]
fn a_poisoned_tat_is_ignored_and_overwritten() {
    let redis = Redis::start();
    let sb = sandbox();
    let options = format!("&shared_state={}&deadline_ms=5000", redis.url());
    smsclub(&sb, &options)
        .send(&Message::to([phone(9, 0)]).text("Hi"))
        .unwrap();
    let mut con = redis.connection();
    let key = limiter_key(&mut con);
    let _: i64 = redis::cmd("HSET")
        .arg(&key)
        .arg("tat")
        .arg("inf")
        .query(&mut con)
        .unwrap();
    let _: i64 = redis::cmd("PERSIST").arg(&key).query(&mut con).unwrap();
    let (seen, hook) = notices();
    let client = smsclub(&sb, &options).with_log_hook(hook);
    let sent = client.send(&Message::to([phone(9, 1)]).text("Hi"));
    assert!(
        sent.is_ok() || seen.lock().unwrap().iter().any(|n| n.warning),
        "rejected without a word: {sent:?}"
    );
}

/// Found by review, fixed: transport.rs `notice` prints with `eprintln!`, which panics when standard error is
/// a broken pipe (EPIPE: SIGPIPE is ignored by Rust, Python and Node processes, so a log
/// collector that went away makes every write fail). The panic leaves `Client::send` with no
/// report; after an answer (share_pause → pause → failed → notify) it would lose the answer.
#[test]
fn a_notice_on_a_broken_stderr_never_panics_the_send() {
    if std::env::var_os("REVIEW_EPIPE_CHILD").is_some() {
        let sb = sandbox();
        // No log hook: the WARNING goes to standard error, a pipe nobody reads any more.
        let client = smsclub(&sb, "&shared_state=redis://127.0.0.1:1/0");
        let report = client
            .send(&Message::to([phone(11, 0)]).text("Hi"))
            .unwrap();
        assert_eq!(report.accepted.len(), 1);
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_notice_on_a_broken_stderr_never_panics_the_send",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("REVIEW_EPIPE_CHILD", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stderr.take()); // nobody reads the child's standard error
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the send panicked on a broken stderr: {status}"
    );
}
