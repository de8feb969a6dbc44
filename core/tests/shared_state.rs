//! `shared_state` against a real redis-server (Debian's, started here on a private port) and
//! the sandbox: clients that each have their own limiter (as separate processes do) share one
//! account's budget, `Retry-After` pauses and Router cool-downs; an unreachable Redis means
//! the local fallback (with one WARNING) or `transport` before anything is sent; a Redis
//! restarted mid-run loses no recipient and sends none twice.
//!
//! Needs `redis-server` on PATH (or `VIBERGATE_REDIS_SERVER`); scripts/test.sh installs it.

mod fleet;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fleet::{busiest_second, free_port, notices, phone, sandbox, smsclub, smsclub_sends, Redis};
use vibergate_core::sandbox::{Fault, FaultKind};
use vibergate_core::{
    ErrorCode, LogRecord, Message, ProviderId, RejectReason, Router, SendReport, WaitReason,
};

#[test]
fn clients_with_their_own_limiters_share_one_budget_and_meet_no_429() {
    let redis = Redis::start();
    let sb = sandbox();
    const WORKERS: usize = 6;
    const SENDS: usize = 6;
    let options = format!("&shared_state={}", redis.url());
    let handles: Vec<_> = (0..WORKERS)
        .map(|w| {
            // One client per worker: its own limiter, as in its own process.
            let client = smsclub(&sb, &options);
            std::thread::spawn(move || {
                (0..SENDS)
                    .map(|i| client.send(&Message::to([phone(w, i)]).text("Hi")).unwrap())
                    .collect::<Vec<SendReport>>()
            })
        })
        .collect();
    let reports: Vec<SendReport> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let accepted: usize = reports.iter().map(|r| r.accepted.len()).sum();
    assert_eq!(accepted, WORKERS * SENDS, "{reports:?}");
    let sends = smsclub_sends(&sb);
    let limited = sends.iter().filter(|r| r.status == Some(429)).count();
    assert_eq!(limited, 0, "the sandbox answered 429 {limited} times");
    assert_eq!(sends.len(), WORKERS * SENDS, "one request per send");
    assert!(busiest_second(&sends) <= 9, "{}", busiest_second(&sends));
}

#[test]
fn one_worker_s_retry_after_pauses_every_worker_within_its_deadline() {
    let redis = Redis::start();
    let sb = sandbox();
    let options = format!("&shared_state={}", redis.url());
    sb.inject(Fault {
        provider: Some(ProviderId::SmsClub),
        count: 1,
        kind: FaultKind::RateLimit {
            retry_after: Some("3".into()),
        },
    });
    let first = smsclub(&sb, &options);
    let worker = std::thread::spawn(move || first.send(&Message::to([phone(0, 0)]).text("Hi")));
    let started = Instant::now();
    while !smsclub_sends(&sb).iter().any(|r| r.status == Some(429)) {
        assert!(started.elapsed() < Duration::from_secs(10), "no 429 came");
        std::thread::sleep(Duration::from_millis(5));
    }
    // The worker writes the pause once it has read the answer: wait until Redis holds it.
    let mut con = redis.connection();
    loop {
        let keys: Vec<String> = redis::cmd("KEYS")
            .arg("vibergate:v1:smsclub:*")
            .query(&mut con)
            .unwrap();
        let paused = keys.iter().any(|k| {
            redis::cmd("HEXISTS")
                .arg(k)
                .arg("pause")
                .query::<bool>(&mut con)
                .unwrap_or(false)
        });
        if paused {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no pause was shared"
        );
        std::thread::sleep(Duration::from_millis(5));
    }

    // Another worker whose deadline ends before the pause does is not sent at all.
    let hurried = smsclub(&sb, &format!("{options}&deadline_ms=800"));
    let refused = hurried
        .send(&Message::to([phone(1, 0)]).text("Hi"))
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Timeout, "{refused}");
    assert_eq!(refused.rejected[0].reason, RejectReason::Deadline);

    // One without a deadline waits for the pause (the wait its log announces), then sends.
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = waits.clone();
    let patient = smsclub(&sb, &options).with_log_hook(move |r: &LogRecord| {
        if let Some(w) = r.wait {
            sink.lock().unwrap().push(w);
        }
    });
    let report = patient
        .send(&Message::to([phone(2, 0)]).text("Hi"))
        .unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let waits = waits.lock().unwrap();
    assert!(
        waits
            .iter()
            .any(|w| w.reason == WaitReason::RateLimit && w.duration >= Duration::from_secs(1)),
        "the shared pause was not waited for: {waits:?}"
    );
    assert_eq!(worker.join().unwrap().unwrap().accepted.len(), 1);
    let sent_by_hurried = smsclub_sends(&sb)
        .iter()
        .filter(|r| r.body.contains(&phone(1, 0).replace('+', "")))
        .count();
    assert_eq!(sent_by_hurried, 0, "a request past the deadline was sent");
}

#[test]
fn an_account_failure_cools_the_provider_down_for_every_worker_s_router() {
    let redis = Redis::start();
    let sb = sandbox();
    let shared = format!("&shared_state={}", redis.url());
    let chain = format!(
        "{} || {}",
        sb.dsn(ProviderId::SmsClub)
            .replace("sandbox-token", "bad-token")
            .replace("&sender", &format!("{shared}&sender")),
        sb.dsn(ProviderId::DecisionTelecom)
    );
    let first = Router::from_dsn(&chain).unwrap();
    let second = Router::from_dsn(&chain).unwrap();

    let report = first.send(&Message::to([phone(0, 1)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert_eq!(report.attempts[0].skipped, None, "the first router asks");

    let before = smsclub_sends(&sb).len();
    let report = second.send(&Message::to([phone(0, 2)]).text("Hi")).unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    let skipped = report.attempts[0].skipped.as_deref().unwrap_or("");
    assert!(skipped.contains("another worker"), "{report:?}");
    assert_eq!(smsclub_sends(&sb).len(), before, "SMS Club was asked again");

    // A reset ends it for every worker: a third router asks SMS Club again.
    second.reset_cooldowns();
    let third = Router::from_dsn(&chain).unwrap();
    let report = third.send(&Message::to([phone(0, 3)]).text("Hi")).unwrap();
    assert_eq!(report.attempts[0].skipped, None, "{report:?}");
}

#[test]
fn an_unreachable_redis_falls_back_to_local_limits_with_one_warning_and_reconnects() {
    let port = free_port();
    let sb = sandbox();
    let (seen, hook) = notices();
    let client = smsclub(
        &sb,
        &format!("&shared_state=redis://:hunter2@127.0.0.1:{port}/0&workers=3"),
    )
    .with_log_hook(hook);
    assert!(!client.to_dsn().contains("hunter2"), "{}", client.to_dsn());
    for i in 0..3 {
        let report = client.send(&Message::to([phone(3, i)]).text("Hi")).unwrap();
        assert_eq!(report.accepted.len(), 1, "{report:?}");
    }
    {
        let seen = seen.lock().unwrap();
        let warnings: Vec<_> = seen.iter().filter(|n| n.warning).collect();
        assert_eq!(warnings.len(), 1, "one warning per outage: {seen:?}");
        let text = &warnings[0].message;
        assert!(text.contains("unreachable"), "{text}");
        assert!(text.contains("3 requests per second"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
    }

    // Redis comes up on that port: the client uses it again without being told.
    let _redis = Redis::start_on_with_password(port, "hunter2");
    let started = Instant::now();
    let mut i = 10;
    while !seen.lock().unwrap().iter().any(|n| !n.warning) {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "no reconnection: {:?}",
            seen.lock().unwrap()
        );
        let report = client.send(&Message::to([phone(3, i)]).text("Hi")).unwrap();
        assert_eq!(report.accepted.len(), 1, "{report:?}");
        i += 1;
        std::thread::sleep(Duration::from_millis(100));
    }
    let back = seen.lock().unwrap();
    assert!(
        back.iter()
            .any(|n| !n.warning && n.message.contains("reachable again")),
        "{back:?}"
    );
}

#[test]
fn with_fallback_fail_an_unreachable_redis_sends_nothing_and_a_router_moves_on() {
    let port = free_port();
    let sb = sandbox();
    let options = format!("&shared_state=redis://127.0.0.1:{port}&shared_state_fallback=fail");
    let client = smsclub(&sb, &options);
    assert!(client.to_dsn().contains("shared_state_fallback=fail"));
    let refused = client
        .send(&Message::to([phone(4, 0)]).text("Hi"))
        .unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Transport, "{refused}");
    assert_eq!(refused.field.as_deref(), Some("shared_state"), "{refused}");
    assert!(refused.message.contains("nothing was sent"), "{refused}");
    let rejected = &refused.rejected[0];
    assert_eq!(rejected.reason, RejectReason::Request(ErrorCode::Transport));
    assert!(smsclub_sends(&sb).is_empty(), "a request was sent");

    // Nothing was sent, so a Router gives the recipient to the next provider.
    let chain = format!(
        "{}{options} || {}",
        sb.dsn(ProviderId::SmsClub),
        sb.dsn(ProviderId::DecisionTelecom)
    );
    let report = Router::from_dsn(&chain)
        .unwrap()
        .send(&Message::to([phone(4, 1)]).text("Hi"))
        .unwrap();
    assert_eq!(report.accepted.len(), 1, "{report:?}");
    assert_eq!(report.accepted[0].provider, ProviderId::DecisionTelecom);
    assert!(smsclub_sends(&sb).is_empty(), "a request was sent");
}

#[test]
fn a_redis_restarted_mid_run_loses_no_recipient_and_sends_none_twice() {
    let mut redis = Redis::start();
    let port = redis.port;
    let sb = sandbox();
    const WORKERS: usize = 4;
    const SENDS: usize = 12;
    let options = format!("&shared_state={}&workers={WORKERS}", redis.url());
    let handles: Vec<_> = (0..WORKERS)
        .map(|w| {
            let client = smsclub(&sb, &options);
            std::thread::spawn(move || {
                (0..SENDS)
                    .map(|i| {
                        let to = phone(5 + w, i);
                        (to.clone(), client.send(&Message::to([to]).text("Hi")))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    // Kill Redis once the run is under way, and bring an empty one back a second later.
    let started = Instant::now();
    while smsclub_sends(&sb).len() < 12 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the run did not start"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    redis.stop();
    std::thread::sleep(Duration::from_secs(1));
    let _redis = Redis::start_on(port);

    let mut outcome: HashMap<String, usize> = HashMap::new();
    for (to, result) in handles.into_iter().flat_map(|h| h.join().unwrap()) {
        let report = result.unwrap();
        let placed = report.accepted.len() + report.rejected.len() + report.uncertain.len();
        assert_eq!(placed, 1, "{to}: {report:?}");
        assert_eq!(report.accepted.len(), 1, "{to}: {report:?}");
        *outcome.entry(to).or_default() += 1;
    }
    assert_eq!(outcome.len(), WORKERS * SENDS);
    let sends = smsclub_sends(&sb);
    for to in outcome.keys() {
        let digits = to.replace('+', "");
        let acted = sends
            .iter()
            .filter(|r| r.status == Some(200) && r.body.contains(&digits))
            .count();
        assert_eq!(acted, 1, "{to} was sent {acted} times");
    }
    let limited = sends.iter().filter(|r| r.status == Some(429)).count();
    eprintln!(
        "restart run: {} requests, {limited} answered 429 (retried), busiest second {}",
        sends.len(),
        busiest_second(&sends)
    );
}

/// A request that wakes well after its shared slot (here: a log hook that takes 700 ms over the
/// first announced wait, 535 ms, as a loaded machine would) takes another slot instead of going
/// late into the provider's window; a client without shared state has no schedule to rejoin
/// and sends at once.
#[test]
fn a_request_woken_late_for_its_shared_slot_takes_another() {
    let redis = Redis::start();
    let sb = sandbox();
    let waits_of = |options: &str| {
        let waits = Arc::new(Mutex::new(0usize));
        let sink = waits.clone();
        let client = smsclub(&sb, options).with_log_hook(move |r: &LogRecord| {
            if r.wait.is_some_and(|w| w.reason == WaitReason::RateLimit) {
                let mut waits = sink.lock().unwrap();
                *waits += 1;
                if *waits == 1 {
                    std::thread::sleep(Duration::from_millis(700));
                }
            }
        });
        for i in 0..2 {
            let report = client.send(&Message::to([phone(9, i)]).text("Hi")).unwrap();
            assert_eq!(report.accepted.len(), 1, "{report:?}");
        }
        let n = *waits.lock().unwrap();
        n
    };
    // 2 per second: the second send's slot is 535 ms away; the slot taken again, about 370 ms:
    // both waits the log announces (from 100 ms).
    let alone = waits_of("&rate_limit=2");
    assert_eq!(alone, 1, "the local limiter's one wait");
    let shared = waits_of(&format!("&rate_limit=2&shared_state={}", redis.url()));
    assert_eq!(shared, 2, "one wait, woken late, then another slot");
}
