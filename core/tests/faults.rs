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
    ]
}

fn phone(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::SmsBy => "375291234567",
        ProviderId::DecisionTelecom => "972512345678",
        _ => "380989361121",
    }
}

fn describe_send(result: &Result<SendReport, Error>) -> String {
    match result {
        Ok(r) if !r.accepted.is_empty() => "accepted".into(),
        Ok(r) if !r.uncertain.is_empty() => format!(
            "uncertain ({})",
            r.uncertain[0].detail.split(':').next().unwrap_or("")
        ),
        Ok(r) => format!(
            "rejected {}",
            r.rejected
                .first()
                .map(|x| x.reason.to_string())
                .unwrap_or_default()
        ),
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
