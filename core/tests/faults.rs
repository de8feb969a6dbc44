//! The fault matrix (issue 7): every fault the sandbox can inject, against a send and a status
//! read of every provider. For each: what the SDK returned and how many requests the provider
//! saw — a send is never duplicated. The table is checked against docs/reliability.md (set
//! VIBERGATE_UPDATE_DOCS=1 to rewrite it from a run).

use std::path::Path;

use vibergate_core::sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};
use vibergate_core::{Client, Error, Message, ProviderId, SendReport};

const BEGIN: &str = "<!-- fault-matrix:begin -->";
const END: &str = "<!-- fault-matrix:end -->";

fn faults() -> Vec<(&'static str, FaultKind, u32)> {
    vec![
        (
            "latency 800 ms > timeout 400 ms",
            FaultKind::Latency { ms: 800 },
            10,
        ),
        (
            "429 without Retry-After",
            FaultKind::RateLimit { retry_after: None },
            1,
        ),
        (
            "429 with Retry-After: 1",
            FaultKind::RateLimit {
                retry_after: Some("1".into()),
            },
            1,
        ),
        (
            "500",
            FaultKind::Status {
                status: 500,
                body: String::new(),
                retry_after: None,
            },
            1,
        ),
        (
            "502",
            FaultKind::Status {
                status: 502,
                body: "<html>Bad Gateway</html>".into(),
                retry_after: None,
            },
            1,
        ),
        (
            "503",
            FaultKind::Status {
                status: 503,
                body: String::new(),
                retry_after: None,
            },
            1,
        ),
        (
            "connection dropped before the request is read",
            FaultKind::DropBeforeRead,
            1,
        ),
        (
            "connection dropped after the request is read",
            FaultKind::DropAfterRead,
            1,
        ),
        ("malformed JSON", FaultKind::Malformed, 1),
        ("truncated JSON", FaultKind::Truncated, 1),
        ("empty body", FaultKind::Empty, 1),
        (
            "10 MB body",
            FaultKind::Large {
                bytes: 10 * 1024 * 1024,
            },
            1,
        ),
        (
            "wrong content type (text/html)",
            FaultKind::ContentType {
                value: "text/html".into(),
            },
            1,
        ),
        (
            "slow trickling body (40 ms/byte)",
            FaultKind::SlowBody { ms_per_byte: 40 },
            10,
        ),
        (
            "302 redirect",
            FaultKind::Status {
                status: 302,
                body: String::new(),
                retry_after: None,
            },
            1,
        ),
        (
            "504 with Retry-After: -1",
            FaultKind::Status {
                status: 504,
                body: String::new(),
                retry_after: Some("-1".into()),
            },
            1,
        ),
        (
            "429 with Retry-After: 99999999999999999999",
            FaultKind::RateLimit {
                retry_after: Some("99999999999999999999".into()),
            },
            1,
        ),
        (
            "success with Retry-After: 99999999999999999999",
            FaultKind::Header {
                name: "Retry-After".into(),
                value: "99999999999999999999".into(),
            },
            10,
        ),
        (
            "success with Retry-After: Sun, 06 Nov 1994 9999999999999999:00:00 GMT",
            FaultKind::Header {
                name: "Retry-After".into(),
                value: "Sun, 06 Nov 1994 9999999999999999:00:00 GMT".into(),
            },
            10,
        ),
    ]
}

/// A second number of the provider's country, for two-recipient rows.
fn other_phone(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::SmsBy => "375291234568",
        ProviderId::DecisionTelecom => "972512345679",
        _ => "380989361122",
    }
}

fn phone(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::SmsBy => "375291234567",
        ProviderId::DecisionTelecom => "972512345678",
        _ => "380989361121",
    }
}

/// Every recipient's bucket, e.g. `accepted` or `accepted + rejected deadline`.
fn describe_send(result: &Result<SendReport, Error>) -> String {
    match result {
        Ok(r) => {
            let mut parts: Vec<String> = Vec::new();
            parts.extend(r.accepted.iter().map(|_| "accepted".to_owned()));
            parts.extend(
                r.uncertain
                    .iter()
                    .map(|u| format!("uncertain ({})", u.detail.split(':').next().unwrap_or(""))),
            );
            parts.extend(r.rejected.iter().map(|x| format!("rejected {}", x.reason)));
            parts.join(" + ")
        }
        Err(e) => format!("error {}", e.code()),
    }
}

fn describe_read<T>(result: &Result<T, Error>) -> String {
    match result {
        Ok(_) => "ok".into(),
        Err(e) => format!("error {}", e.code()),
    }
}

/// Rows `| provider | fault | send | send requests | status | status requests |` for one provider.
fn run_provider(provider: ProviderId) -> Vec<String> {
    let sb = Sandbox::start(SandboxConfig {
        smsclub_rate_limit: 0,
        ..SandboxConfig::default()
    })
    .unwrap();
    let client =
        Client::from_dsn(&format!("{}&timeout_ms=400&rate_limit=0", sb.dsn(provider))).unwrap();
    let message = Message::to([phone(provider)]).text("Hi");
    let id = client.send(&message).unwrap().accepted[0]
        .message_id
        .clone()
        .expect("a quick send has an id");
    let mut rows = Vec::new();
    for (name, kind, count) in faults() {
        let seen_before = sb.requests().len();
        sb.inject(Fault {
            provider: Some(provider),
            count,
            kind: kind.clone(),
        });
        let send = client.send(&message);
        let sends = sb.requests().len() - seen_before;
        // Clear what the send left over, then the same fault for the read.
        sb.inject(Fault {
            provider: Some(provider),
            count: 0,
            kind: FaultKind::DropBeforeRead,
        });
        drain(&sb);
        let seen_before = sb.requests().len();
        sb.inject(Fault {
            provider: Some(provider),
            count,
            kind,
        });
        let status = client.status(&[id.as_str()]);
        let reads = sb.requests().len() - seen_before;
        drain(&sb);
        assert!(
            sends <= 2,
            "{provider} {name}: a send went out {sends} times"
        );
        if let Ok(r) = &send {
            let placed = r.accepted.len() + r.rejected.len() + r.uncertain.len();
            assert_eq!(
                placed, 1,
                "{provider} {name}: every recipient lands in exactly one list"
            );
        }
        rows.push(format!(
            "| {provider} | {name} | {} | {sends} | {} | {reads} |",
            describe_send(&send),
            describe_read(&status)
        ));
    }
    rows.extend(configuration_rows(&sb, provider, &id));
    rows
}

/// Rows for failures that come from the client's configuration rather than an injected fault.
fn configuration_rows(sb: &Sandbox, provider: ProviderId, id: &str) -> Vec<String> {
    let dsn = sb.dsn(provider);
    let cases = [
        (
            // The sandbox speaks plain HTTP: the TLS handshake fails, nothing was sent.
            "TLS handshake fails (https:// to a plain-HTTP port)",
            format!(
                "{}&timeout_ms=400&rate_limit=0",
                dsn.replace("http%3A", "https%3A")
                    .replace("http://", "https://")
            ),
            None,
            vec![phone(provider)],
        ),
        (
            "deadline_ms=300, latency 800 ms (in flight at the deadline)",
            format!("{dsn}&timeout_ms=5000&rate_limit=0&deadline_ms=300"),
            Some(FaultKind::Latency { ms: 800 }),
            vec![phone(provider)],
        ),
        (
            "deadline_ms=300, 2 recipients, rate_limit=1 (second slot after the deadline)",
            format!("{dsn}&timeout_ms=5000&rate_limit=1&deadline_ms=300"),
            None,
            vec![phone(provider), other_phone(provider)],
        ),
    ];
    let mut rows = Vec::new();
    for (name, dsn, fault, to) in cases {
        let client = Client::from_dsn(&dsn).unwrap();
        let run = |read: bool| {
            if let Some(kind) = &fault {
                sb.inject(Fault {
                    provider: Some(provider),
                    count: 1,
                    kind: kind.clone(),
                });
            }
            let before = sb.requests().len();
            let result = if read {
                describe_read(&client.status(&[id]))
            } else {
                describe_send(&client.send(&Message::to(to.clone()).text("Hi")))
            };
            // A dropped latency request is still logged when it finally answers.
            std::thread::sleep(std::time::Duration::from_millis(if fault.is_some() {
                600
            } else {
                0
            }));
            let seen = sb.requests().len() - before;
            drain(sb);
            (result, seen)
        };
        let (send, sends) = run(false);
        let (status, reads) = run(true);
        rows.push(format!(
            "| {provider} | {name} | {send} | {sends} | {status} | {reads} |"
        ));
    }
    rows
}

/// Forgets faults a scenario did not consume.
fn drain(sb: &Sandbox) {
    let agent = ureq::agent();
    let _ = agent
        .delete(&format!("{}/_sandbox/faults", sb.base_url()))
        .call();
}

#[test]
fn fault_matrix_matches_docs() {
    let handles: Vec<_> = ProviderId::ALL
        .into_iter()
        .map(|p| std::thread::spawn(move || run_provider(p)))
        .collect();
    let rows: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let table = format!(
        "| provider | fault | send | requests seen | status read | requests seen |\n|---|---|---|---|---|---|\n{}\n",
        rows.join("\n")
    );
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/reliability.md");
    let doc = std::fs::read_to_string(&path).expect("docs/reliability.md exists");
    let (head, rest) = doc.split_once(BEGIN).expect("begin marker");
    let (_, tail) = rest.split_once(END).expect("end marker");
    let fresh = format!("{head}{BEGIN}\n{table}{END}{tail}");
    if std::env::var_os("VIBERGATE_UPDATE_DOCS").is_some() {
        std::fs::write(&path, &fresh).unwrap();
    } else {
        assert_eq!(
            doc, fresh,
            "docs/reliability.md differs from this run (VIBERGATE_UPDATE_DOCS=1 rewrites it)"
        );
    }
}
