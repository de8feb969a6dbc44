//! Failover (SPEC §10) against the sandbox with faults injected per provider: recipients move on
//! only when the provider certainly did not send, and each recipient reaches at most one
//! provider that might have acted.

use std::time::Duration;

use vibergate_core::sandbox::{Fault, FaultKind, RecordedRequest, Sandbox, SandboxConfig};
use vibergate_core::{Client, ErrorCode, Message, ProviderId, RejectReason, Router};

fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig {
        smsclub_rate_limit: 0,
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn dsn(sb: &Sandbox, p: ProviderId) -> String {
    format!("{}&rate_limit=0&timeout_ms=500", sb.dsn(p))
}

fn bad(sb: &Sandbox, p: ProviderId) -> String {
    dsn(sb, p).replacen("sandbox-", "bad-", 1)
}

/// Send requests each provider received.
fn sends(sb: &Sandbox, p: ProviderId) -> Vec<RecordedRequest> {
    let path = match p {
        ProviderId::SmsClub => "/vibers/send",
        ProviderId::DecisionTelecom => "/v1/api/send-viber",
        ProviderId::IntelTele => "/im/send/",
        ProviderId::SmsBy => "/api/v2/sendQuickViberMessage",
    };
    sb.requests()
        .into_iter()
        .filter(|r| r.provider == Some(p) && r.path == path)
        .collect()
}

fn fault(sb: &Sandbox, p: ProviderId, count: u32, kind: FaultKind) {
    sb.inject(Fault {
        provider: Some(p),
        count,
        kind,
    });
}

#[test]
fn auth_failure_moves_everyone_on_and_cools_the_provider_down() {
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{} || {}",
        bad(&sb, ProviderId::SmsClub),
        dsn(&sb, ProviderId::DecisionTelecom)
    ))
    .unwrap();
    let report = router
        .send(&Message::to(["380989361121", "380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(
        report
            .accepted
            .iter()
            .map(|a| a.provider)
            .collect::<Vec<_>>(),
        [ProviderId::DecisionTelecom; 2]
    );
    assert_eq!(
        report.attempts[0].error.as_ref().unwrap().code(),
        ErrorCode::Auth
    );
    assert_eq!(sends(&sb, ProviderId::SmsClub).len(), 1);
    // The next send skips SMS Club during the cool-down…
    router
        .send(&Message::to(["380989361123"]).text("Hi"))
        .unwrap();
    assert_eq!(sends(&sb, ProviderId::SmsClub).len(), 1, "cooling down");
    // …until the cool-down is reset.
    router.reset_cooldowns();
    router
        .send(&Message::to(["380989361124"]).text("Hi"))
        .unwrap();
    assert_eq!(sends(&sb, ProviderId::SmsClub).len(), 2);
    let states = router.status(&report.message_ids()).unwrap();
    assert_eq!(states.len(), 2);
}

#[test]
fn cool_down_expires() {
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{} || {}",
        bad(&sb, ProviderId::IntelTele),
        dsn(&sb, ProviderId::SmsClub)
    ))
    .unwrap()
    .with_cooldown(Duration::from_millis(150));
    router
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    router
        .send(&Message::to(["380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(sends(&sb, ProviderId::IntelTele).len(), 1);
    std::thread::sleep(Duration::from_millis(250));
    router
        .send(&Message::to(["380989361123"]).text("Hi"))
        .unwrap();
    assert_eq!(sends(&sb, ProviderId::IntelTele).len(), 2);
}

#[test]
fn certainly_not_sent_causes_fail_over() {
    let sb = sandbox();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down =
        format!("smsclub://t@default?base_url=http://127.0.0.1:{port}&sender=S&max_retries=0");
    // transport: the connection was never made.
    let router = Router::from_dsn(&format!(
        "{down} || {}",
        dsn(&sb, ProviderId::DecisionTelecom)
    ))
    .unwrap();
    let r = router
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(r.accepted[0].provider, ProviderId::DecisionTelecom);
    assert_eq!(
        r.attempts[0].error.as_ref().unwrap().code(),
        ErrorCode::Transport
    );

    // rate_limited once retries are spent.
    let router = Router::from_dsn(&format!(
        "{}&max_retries=1 || {}",
        dsn(&sb, ProviderId::SmsClub),
        dsn(&sb, ProviderId::DecisionTelecom)
    ))
    .unwrap();
    fault(
        &sb,
        ProviderId::SmsClub,
        2,
        FaultKind::RateLimit {
            retry_after: Some("0".into()),
        },
    );
    let r = router
        .send(&Message::to(["380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(r.accepted[0].provider, ProviderId::DecisionTelecom);
    assert_eq!(
        r.attempts[0].error.as_ref().unwrap().code(),
        ErrorCode::RateLimited
    );

    // unsupported: a scheduled message skips DecisionTelecom without a request.
    let router = Router::from_dsn(&format!(
        "{} || {}",
        dsn(&sb, ProviderId::DecisionTelecom),
        dsn(&sb, ProviderId::SmsClub)
    ))
    .unwrap();
    let before = sends(&sb, ProviderId::DecisionTelecom).len();
    let r = router
        .send(
            &Message::to(["380989361123"])
                .text("Hi")
                .schedule(1_900_000_000, Some(1_900_003_600)),
        )
        .unwrap();
    assert_eq!(r.accepted[0].provider, ProviderId::SmsClub);
    assert_eq!(sends(&sb, ProviderId::DecisionTelecom).len(), before);

    // insufficient funds per number (Intel-Tele "low balance").
    let poor = Sandbox::start(SandboxConfig {
        inteltele_balance: 0.0,
        smsclub_rate_limit: 0,
        ..SandboxConfig::default()
    })
    .unwrap();
    let router = Router::from_dsn(&format!(
        "{} || {}",
        dsn(&poor, ProviderId::IntelTele),
        dsn(&poor, ProviderId::SmsClub)
    ))
    .unwrap();
    let r = router
        .send(&Message::to(["380989361124"]).text("Hi"))
        .unwrap();
    assert_eq!(r.accepted[0].provider, ProviderId::SmsClub);
    assert_eq!(
        r.attempts[0].rejected[0].reason,
        RejectReason::InsufficientFunds
    );
}

#[test]
fn no_fail_over_when_the_provider_may_have_acted_or_refused_the_recipient() {
    let sb = sandbox();
    let chain = format!(
        "{} || {}",
        dsn(&sb, ProviderId::DecisionTelecom),
        dsn(&sb, ProviderId::SmsClub)
    );
    let router = Router::from_dsn(&chain).unwrap();
    // A timeout: uncertain, never re-sent elsewhere.
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        1,
        FaultKind::Latency { ms: 900 },
    );
    let r = router
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(r.uncertain[0].provider, ProviderId::DecisionTelecom);
    // A 5xx may come after the provider acted: uncertain, not re-sent, not moved on.
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        1,
        FaultKind::Status {
            status: 503,
            body: String::new(),
            retry_after: None,
        },
    );
    let r = router
        .send(&Message::to(["380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(r.uncertain[0].provider, ProviderId::DecisionTelecom);
    assert!(r.accepted.is_empty() && r.rejected.is_empty());
    // A dropped connection after the request was read: uncertain.
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        1,
        FaultKind::DropAfterRead,
    );
    let r = router
        .send(&Message::to(["380989361123"]).text("Hi"))
        .unwrap();
    assert_eq!(r.uncertain.len(), 1);
    assert!(
        sends(&sb, ProviderId::SmsClub).is_empty(),
        "SMS Club never saw any of them"
    );

    // A definite per-recipient rejection (blacklisted) stays with the provider that gave it.
    let router = Router::from_dsn(&format!(
        "{} || {}",
        dsn(&sb, ProviderId::IntelTele),
        dsn(&sb, ProviderId::SmsClub)
    ))
    .unwrap();
    let r = router
        .send(&Message::to(["380989369999", "380989361125"]).text("Hi"))
        .unwrap();
    assert_eq!(r.rejected[0].rejected.reason, RejectReason::Blacklisted);
    assert_eq!(r.rejected[0].provider, Some(ProviderId::IntelTele));
    assert!(sends(&sb, ProviderId::SmsClub).is_empty());
}

#[test]
fn a_mixed_batch_splits_between_providers() {
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{} || {}",
        dsn(&sb, ProviderId::IntelTele),
        dsn(&sb, ProviderId::DecisionTelecom)
    ))
    .unwrap();
    // Intel-Tele has no route to Poland (+48): those move on, the rest stay.
    let r = router
        .send(
            &Message::to(["380989361121", "48601234567", "380989361122", "48601234568"]).text("Hi"),
        )
        .unwrap();
    let by: Vec<(String, ProviderId)> = r
        .accepted
        .iter()
        .map(|a| (a.accepted.phone.clone(), a.provider))
        .collect();
    assert_eq!(
        by,
        [
            ("380989361121".to_owned(), ProviderId::IntelTele),
            ("380989361122".to_owned(), ProviderId::IntelTele),
            ("48601234567".to_owned(), ProviderId::DecisionTelecom),
            ("48601234568".to_owned(), ProviderId::DecisionTelecom),
        ]
    );
    assert_eq!(r.attempts[0].moved_on, ["48601234567", "48601234568"]);
    // Each recipient reached exactly one provider that acted.
    let dt: Vec<String> = sends(&sb, ProviderId::DecisionTelecom)
        .iter()
        .map(|r| r.body.clone())
        .collect();
    assert_eq!(dt.len(), 2);
    assert!(dt.iter().all(|b| b.contains("4860123456")));
    let states = router.status(&r.message_ids()).unwrap();
    assert_eq!(states.len(), 4);
}

#[test]
fn a_total_failure_explains_every_provider() {
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{} || {}",
        bad(&sb, ProviderId::SmsClub),
        bad(&sb, ProviderId::SmsBy)
    ))
    .unwrap();
    let err = router
        .send(&Message::to(["380989361121"]).sender("1").text("Hi"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Auth);
    assert_eq!(err.attempts.len(), 2);
    let json: serde_json::Value = serde_json::from_str(&err.to_json()).unwrap();
    assert_eq!(json["attempts"][0]["provider"], "smsclub");
    assert_eq!(json["attempts"][1]["error"]["code"], "auth");
    assert_eq!(json["rejected"][0]["phone"], "380989361121");
    // Both are cooling down now: the next send says so.
    let err = router
        .send(&Message::to(["380989361121"]).sender("1").text("Hi"))
        .unwrap_err();
    assert!(err.attempts.iter().all(|a| a.skipped.is_some()), "{err}");
}

#[test]
fn construction() {
    assert_eq!(
        Router::new(Vec::new()).unwrap_err().code(),
        ErrorCode::InvalidConfig
    );
    assert_eq!(
        Router::from_dsn("smsclub://t@default || nope")
            .unwrap_err()
            .code(),
        ErrorCode::InvalidConfig
    );
    let r = Router::new(vec![Client::from_dsn("smsclub://SECRET@default").unwrap()]).unwrap();
    assert!(!format!("{r:?} {}", r.to_dsn()).contains("SECRET"));
}

#[test]
fn a_429_moves_on_but_a_502_beside_it_stays_uncertain_per_recipient() {
    // Issue 12, item 1: DecisionTelecom answers 429 (every attempt) for the first recipient and
    // 502 for the second. Only the first may go to SMS Club; the second may have been delivered.
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{}&max_in_flight=1&max_retries=2 || {}",
        dsn(&sb, ProviderId::DecisionTelecom),
        dsn(&sb, ProviderId::SmsClub)
    ))
    .unwrap();
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        3,
        FaultKind::RateLimit {
            retry_after: Some("0".into()),
        },
    );
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        1,
        FaultKind::Status {
            status: 502,
            body: "<html>Bad Gateway</html>".into(),
            retry_after: None,
        },
    );
    let report = router
        .send(&Message::to(["380989361121", "380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.accepted[0].accepted.phone, "380989361121");
    assert_eq!(report.accepted[0].provider, ProviderId::SmsClub);
    assert_eq!(report.uncertain.len(), 1);
    assert_eq!(report.uncertain[0].uncertain.phone, "380989361122");
    assert_eq!(report.uncertain[0].provider, ProviderId::DecisionTelecom);
    assert!(report.rejected.is_empty());
    // Every cause and every HTTP request is on record.
    let dt = &report.attempts[0];
    assert_eq!(dt.provider, ProviderId::DecisionTelecom);
    assert_eq!(dt.requests, 4, "three 429s and one 502");
    assert_eq!(dt.moved_on, vec!["380989361121".to_owned()]);
    assert_eq!(
        dt.rejected[0].reason,
        RejectReason::Request(ErrorCode::RateLimited)
    );
    assert_eq!(dt.uncertain[0].phone, "380989361122");
    assert_eq!(report.attempts[1].requests, 1);
    assert_eq!(report.requests, 5);
    // From the wire: the 502'd recipient never reached SMS Club.
    let club = sends(&sb, ProviderId::SmsClub);
    assert_eq!(club.len(), 1);
    assert!(club[0].body.contains("380989361121") && !club[0].body.contains("380989361122"));
}

#[test]
fn a_deadline_bounds_the_whole_chain() {
    let sb = sandbox();
    let router = Router::from_dsn(&format!(
        "{}&timeout_ms=5000&deadline_ms=300 || {}",
        dsn(&sb, ProviderId::DecisionTelecom),
        dsn(&sb, ProviderId::SmsClub)
    ))
    .unwrap();
    fault(
        &sb,
        ProviderId::DecisionTelecom,
        1,
        FaultKind::Latency { ms: 1500 },
    );
    let report = router
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    // Without the deadline the 5 s timeout would have waited for the answer and accepted it.
    assert_eq!(report.uncertain.len(), 1, "in flight at the deadline");
    assert!(sends(&sb, ProviderId::SmsClub).is_empty());
}
