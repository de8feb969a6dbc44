//! 16 threads share one client for 2,000 sends while faults are injected: every recipient ends
//! in exactly one of accepted / rejected / uncertain, every id the provider issued is reported,
//! nothing is sent twice, and the client's rate limit holds in every one-second window.

use std::collections::HashSet;
use std::sync::Arc;

use vibergate_core::sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};
use vibergate_core::{Client, ErrorCode, Message, ProviderId, RejectReason};

const THREADS: usize = 16;
const SENDS_PER_THREAD: usize = 125;
const RATE: usize = 400;

#[test]
fn two_thousand_sends_from_sixteen_threads_with_faults() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let p = Some(ProviderId::DecisionTelecom);
    let faults = [
        (
            40,
            FaultKind::Status {
                status: 503,
                body: String::new(),
                retry_after: None,
            },
        ),
        (
            40,
            FaultKind::RateLimit {
                retry_after: Some("0".into()),
            },
        ),
        (20, FaultKind::DropAfterRead),
        (20, FaultKind::Latency { ms: 700 }),
    ];
    for (count, kind) in faults {
        sb.inject(Fault {
            provider: p,
            count,
            kind,
        });
    }
    let client = Arc::new(
        Client::from_dsn(&format!(
            "{}&timeout_ms=500&rate_limit={RATE}&max_in_flight=4",
            sb.dsn(ProviderId::DecisionTelecom)
        ))
        .unwrap(),
    );
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let client = client.clone();
            std::thread::spawn(move || {
                (0..SENDS_PER_THREAD)
                    .map(|i| {
                        let phone = format!("97251{:03}{:04}", t, i);
                        (phone.clone(), client.send(&Message::to([phone]).text("Hi")))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert_eq!(results.len(), THREADS * SENDS_PER_THREAD);

    let (mut accepted, mut rejected, mut uncertain) = (Vec::new(), Vec::new(), 0);
    for (phone, result) in &results {
        match result {
            Ok(r) => {
                assert_eq!(
                    r.accepted.len() + r.rejected.len() + r.uncertain.len(),
                    1,
                    "{phone}: exactly one outcome"
                );
                accepted.extend(
                    r.accepted
                        .iter()
                        .map(|a| a.message_id.clone().expect("accepted with an id")),
                );
                uncertain += r.uncertain.len();
                rejected.extend(r.rejected.iter().map(|x| x.reason));
            }
            Err(e) => {
                // A request-level failure still names the recipient it rejected.
                assert_eq!(e.rejected.len(), 1, "{phone}: {e}");
                assert_eq!(e.rejected[0].reason, RejectReason::Request(e.code()));
                rejected.push(e.rejected[0].reason);
            }
        }
    }
    assert_eq!(
        accepted.len() + rejected.len() + uncertain,
        THREADS * SENDS_PER_THREAD
    );
    assert_eq!(
        accepted.iter().collect::<HashSet<_>>().len(),
        accepted.len(),
        "ids are unique"
    );

    let log: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/api/send-viber")
        .collect();
    // Each recipient reached the provider at most once in a way it could act on: only 429s
    // (refused before acting) are retried.
    let mut acted = HashSet::new();
    for r in log.iter().filter(|r| {
        !matches!(
            r.fault,
            Some(FaultKind::RateLimit { .. }) | Some(FaultKind::Status { .. })
        )
    }) {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert!(
            acted.insert(body["destination_addr"].as_u64().unwrap()),
            "sent twice: {}",
            r.body
        );
    }
    // Every answered send is an accepted id; the ones without an answer are uncertain.
    let answered = log
        .iter()
        .filter(|r| r.status == Some(200) && !matches!(r.fault, Some(FaultKind::Latency { .. })))
        .count();
    assert_eq!(answered, accepted.len());
    // A 503 may come after the provider acted: uncertain like a drop or a timeout, never retried.
    assert_eq!(uncertain, 80, "20 dropped + 20 timed out + 40 answered 503");
    // A send that met a 429 on every attempt (three of the queued ones in a row) gives up.
    assert!(rejected
        .iter()
        .all(|r| matches!(r, RejectReason::Request(ErrorCode::RateLimited))));
    let statuses = client.status(&accepted).unwrap();
    assert!(
        statuses.iter().all(|s| !s.provider_status.is_empty()),
        "every id is known to the provider"
    );

    // No one-second window holds more than RATE requests.
    let mut times: Vec<u64> = log.iter().map(|r| r.at_ms).collect();
    times.sort_unstable();
    let mut start = 0;
    for end in 0..times.len() {
        while times[end] - times[start] >= 1000 {
            start += 1;
        }
        assert!(
            end - start < RATE,
            "{} requests within one second",
            end - start + 1
        );
    }
}
