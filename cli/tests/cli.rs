//! The `vibergate` binary against a sandbox: JSON output shapes, tables, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use serde_json::Value;
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::ProviderId;

fn run(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vibergate"))
        .args(args)
        .env_remove("VIBERGATE_DSN")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(s) = stdin {
        input.write_all(s.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

/// Exit code 0, or the failure with what the command said on stderr.
fn assert_succeeded(out: &Output) {
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

#[test]
fn send_and_status_print_the_json_shapes() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dsn = sb.dsn(ProviderId::SmsClub);
    let out = run(
        &[
            "send",
            "--dsn",
            &dsn,
            "--to",
            "380989361121,380989361122",
            "--text",
            "Hi",
            "--json",
        ],
        None,
    );
    assert_succeeded(&out);
    let report = json(&out);
    assert_eq!(report["provider"], "smsclub");
    assert_eq!(report["accepted"].as_array().unwrap().len(), 2);
    let id = report["accepted"][0]["message_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let out = run(&["status", "--dsn", &dsn, &id, "--json"], None);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json(&out)[0]["state"], "delivered");

    let sent: Vec<_> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == "/vibers/send")
        .collect();
    assert_eq!(sent.len(), 1);
    let body: Value = serde_json::from_str(&sent[0].body).unwrap();
    assert_eq!(
        body["phones"],
        serde_json::json!(["380989361121", "380989361122"])
    );
    assert_eq!(body["sender"], "Sandbox", "the DSN's default sender");
}

#[test]
fn human_output_and_partial_exit_code() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let out = run(
        &[
            "send",
            "--dsn",
            &sb.dsn(ProviderId::IntelTele),
            "--to",
            "380989361121",
            "--to",
            "380989369999",
            "--text",
            "Hi",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(6),
        "a blacklisted recipient makes the send partial"
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("accepted") && text.contains("rejected: blacklisted"),
        "{text}"
    );
}

#[test]
fn exit_codes_tell_usage_validation_and_provider_errors_apart() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let no_dsn = run(&["status", "1"], None);
    assert_eq!(no_dsn.status.code(), Some(2));
    assert_eq!(run(&["send", "--bogus"], None).status.code(), Some(2));

    let dsn = sb.dsn(ProviderId::DecisionTelecom);
    let invalid = run(
        &[
            "send",
            "--dsn",
            &dsn,
            "--to",
            "972512222222",
            "--text",
            &"x".repeat(1001),
            "--json",
        ],
        None,
    );
    assert_eq!(invalid.status.code(), Some(3));
    assert_eq!(json(&invalid)["code"], "invalid_message");
    assert_eq!(json(&invalid)["field"], "text");

    let bad_key = dsn.replace("sandbox-key", "bad-key");
    let auth = run(
        &[
            "send",
            "--dsn",
            &bad_key,
            "--to",
            "972512222222",
            "--text",
            "Hi",
            "--json",
        ],
        None,
    );
    assert_eq!(auth.status.code(), Some(4));
    assert_eq!(json(&auth)["code"], "auth");
    assert!(
        !String::from_utf8_lossy(&auth.stderr).contains("bad-key"),
        "no secret in messages"
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let down =
        format!("smsclub://T@default?base_url=http://127.0.0.1:{port}&max_retries=0&sender=S");
    assert_eq!(
        run(&["status", "--dsn", &down, "1"], None).status.code(),
        Some(5)
    );
}

#[test]
fn env_dsn_personalized_csv_and_other_operations() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dsn = sb.dsn(ProviderId::SmsBy);
    let dir = std::env::temp_dir().join(format!("vibergate-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("people.csv");
    std::fs::write(&csv, "phone,text,button_url\n375291234567,\"Hi, Ann\",https://x.example/1\n375291234568,Hi Bob,https://x.example/2\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_vibergate"))
        .args([
            "send-personalized",
            csv.to_str().unwrap(),
            "--button-text",
            "Open",
            "--json",
        ])
        .env("VIBERGATE_DSN", &dsn)
        .output()
        .unwrap();
    assert_succeeded(&out);
    let report = json(&out);
    let batch = report["batch_id"].as_str().unwrap().to_owned();
    let bulk = sb
        .requests()
        .into_iter()
        .find(|r| r.path == "/api/v1/sendBulkViber")
        .unwrap();
    assert!(bulk.body.contains("Hi, Ann"));
    let status = run(&["status-batch", "--dsn", &dsn, &batch, "--json"], None);
    assert_eq!(
        json(&status)["mailings"][0]["deliveries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let list = run(
        &[
            "send-to-list",
            "--dsn",
            &dsn,
            "--list-id",
            "1",
            "--text",
            "News",
            "--json",
        ],
        None,
    );
    let mailing = json(&list)["mailing_id"].as_str().unwrap().to_owned();
    assert_eq!(
        run(&["confirm-mailing", "--dsn", &dsn, &mailing], None)
            .status
            .code(),
        Some(0)
    );
    let deliveries = run(&["delivery-list", "--dsn", &dsn, &mailing, "--json"], None);
    assert_eq!(json(&deliveries).as_array().unwrap().len(), 3);

    let it = sb.dsn(ProviderId::IntelTele);
    assert_eq!(
        json(&run(&["balance", "--dsn", &it, "--json"], None))["balance"],
        "100.00"
    );
    assert!(!json(&run(&["rates", "--dsn", &it, "--json"], None))
        .as_array()
        .unwrap()
        .is_empty());
    let caps = json(&run(&["capabilities", "--dsn", &it, "--json"], None));
    assert_eq!(caps["provider"], "inteltele");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn chats_and_inbound_for_sms_club() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dsn = sb.dsn(ProviderId::SmsClub);
    let sent = json(&run(
        &[
            "send",
            "--dsn",
            &dsn,
            "--to",
            "380989361121",
            "--text",
            "Reply?",
            "--two-way",
            "--json",
        ],
        None,
    ));
    let chat = sent["accepted"][0]["chat_id"].as_str().unwrap().to_owned();
    let chats = json(&run(&["chats", "--dsn", &dsn, "--json"], None));
    assert_eq!(chats[0]["chat_id"], chat.as_str());
    let thread = json(&run(&["chat", "--dsn", &dsn, &chat, "--json"], None));
    assert_eq!(thread["messages"].as_array().unwrap().len(), 2);
    let inbound = json(&run(
        &["inbound", "--dsn", &dsn, "--chat-id", &chat, "--json"],
        None,
    ));
    assert_eq!(inbound.as_array().unwrap().len(), 1);
}

#[test]
fn webhook_parse_and_sms_info_work_offline() {
    let out = run(
        &[
            "webhook",
            "parse",
            "--provider",
            "inteltele",
            "--method",
            "GET",
            "--query",
            "msgid=abc&status=delivrd",
            "--json",
        ],
        None,
    );
    assert_eq!(json(&out)[0]["state"], "delivered");
    let out = run(
        &[
            "webhook",
            "parse",
            "--provider",
            "decisiontelecom",
            "--json",
        ],
        Some(r#"{"message_id":429,"status":1}"#),
    );
    assert_eq!(json(&out)[0]["message_id"], "429");
    let bad = run(
        &[
            "webhook",
            "parse",
            "--provider",
            "decisiontelecom",
            "--json",
        ],
        Some("nonsense"),
    );
    assert_eq!(bad.status.code(), Some(5));
    assert_eq!(json(&bad)["code"], "decode");
    let info = json(&run(&["sms-info", "--json", "Привет"], None));
    assert_eq!(info["encoding"], "ucs2");
    assert_eq!(info["segments"], 1);
}

#[test]
fn help_has_examples() {
    let out = run(&["--help"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("vibergate demo"));
    let out = run(&["send", "--help"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example:"));
}

#[test]
fn demo_runs_every_provider() {
    let out = run(&["demo", "--step-ms", "20"], None);
    assert_succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    for p in ["smsclub", "smsby", "decisiontelecom", "inteltele"] {
        assert!(text.contains(p), "{p} missing from the demo summary");
    }
    assert!(text.contains("== summary"));
}

#[test]
fn a_dsn_chain_routes_with_failover() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let bad = sb
        .dsn(ProviderId::SmsClub)
        .replace("sandbox-token", "bad-token");
    let chain = format!("{bad} || {}", sb.dsn(ProviderId::DecisionTelecom));
    let out = run(
        &[
            "send",
            "--dsn",
            &chain,
            "--to",
            "380989361121",
            "--text",
            "Hi",
            "--json",
        ],
        None,
    );
    assert_succeeded(&out);
    let report = json(&out);
    assert_eq!(report["accepted"][0]["provider"], "decisiontelecom");
    assert_eq!(report["attempts"][0]["error"]["code"], "auth");
    let id = format!(
        "decisiontelecom:{}",
        report["accepted"][0]["message_id"].as_str().unwrap()
    );
    let status = run(&["status", "--dsn", &chain, &id, "--json"], None);
    assert_eq!(json(&status)[0]["state"], "delivered");
    assert_eq!(
        run(&["balance", "--dsn", &chain], None).status.code(),
        Some(2)
    );
}
