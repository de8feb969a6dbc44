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
        // A command that fails before reading its input (a bad flag) may have exited already.
        if let Err(e) = input.write_all(s.as_bytes()) {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
        }
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
fn help_has_examples_and_the_exit_codes() {
    let out = run(&["--help"], None);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Examples:") && text.contains("vibergate demo"));
    assert!(text.contains("Exit codes:"), "{text}");
    for code in ["0", "2", "3", "4", "5", "6", "7", "70"] {
        assert!(
            text.lines()
                .any(|l| l.trim_start().starts_with(&format!("{code} "))),
            "exit code {code} is not explained:\n{text}"
        );
    }
    assert!(text.contains("refused before sending") && text.contains("refused every recipient"));
    let out = run(&["send", "--help"], None);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Example:"));
}

/// The subcommands a `--help` lists under "Commands:" (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| l.trim() != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

/// (spec, help) of each argument and option a `--help` lists; the help without clap's own
/// `[default: …]`, `[env: …]` and `[possible values: …]` notes.
fn documented_args(help: &str) -> Vec<(String, String)> {
    let mut args: Vec<(String, String)> = Vec::new();
    let mut in_section = false;
    for line in help.lines() {
        if line == "Arguments:" || line == "Options:" {
            in_section = true;
            continue;
        }
        if !line.starts_with(' ') {
            in_section = false;
            continue;
        }
        if !in_section {
            continue;
        }
        let indent = line.len() - line.trim_start().len();
        let trimmed = line.trim_start();
        if indent <= 6 && (trimmed.starts_with('-') || trimmed.starts_with('<')) {
            let (spec, text) = trimmed.split_once("  ").unwrap_or((trimmed, ""));
            args.push((spec.to_owned(), text.to_owned()));
        } else if let Some(last) = args.last_mut() {
            last.1.push(' ');
            last.1.push_str(trimmed);
        }
    }
    for (_, text) in &mut args {
        for note in ["[default:", "[env:", "[possible values:"] {
            while let Some(at) = text.find(note) {
                let end = text[at..].find(']').map_or(text.len(), |e| at + e + 1);
                text.replace_range(at..end, "");
            }
        }
        *text = text.trim().to_owned();
    }
    args
}

#[test]
fn every_flag_of_every_subcommand_has_help() {
    let top = String::from_utf8_lossy(&run(&["--help"], None).stdout).into_owned();
    let mut todo: Vec<Vec<String>> = subcommands(&top).into_iter().map(|c| vec![c]).collect();
    assert!(todo.len() > 15, "{top}");
    let mut seen = 0;
    while let Some(path) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let out = run(&args, None);
        assert_succeeded(&out);
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(!help.contains("SPEC"), "{path:?} cites the SPEC: {help}");
        for sub in subcommands(&help) {
            let mut deeper = path.clone();
            deeper.push(sub);
            todo.push(deeper);
        }
        for (spec, text) in documented_args(&help) {
            seen += 1;
            assert!(
                text.chars().any(char::is_alphanumeric),
                "`vibergate {}` {spec} has no help:\n{help}",
                path.join(" ")
            );
        }
    }
    assert!(
        seen > 100,
        "only {seen} arguments found: is the help format parsed?"
    );

    let help = |args: &[&str]| String::from_utf8_lossy(&run(args, None).stdout).into_owned();
    let sandbox = help(&["sandbox", "--help"]);
    assert!(sandbox.contains("--port") && sandbox.contains("0 picks a free one"));
    let send = help(&["send", "--help"]);
    let ttl = documented_args(&send)
        .into_iter()
        .find(|(spec, _)| spec.starts_with("--ttl"))
        .unwrap()
        .1;
    assert!(ttl.contains("seconds"), "{ttl}");
    // Every provider's range, as the core's rules have it.
    for p in ProviderId::ALL {
        let (_, _, max) = vibergate_core::capabilities(p).ttl_seconds.unwrap();
        assert!(ttl.contains(&max.to_string()), "{p} {max}: {ttl}");
        let name = p.display_name();
        assert!(ttl.contains(name), "{name}: {ttl}");
    }
    for flag in [
        "--image-url",
        "--schedule-end",
        "--button-text",
        "--button-url",
    ] {
        assert!(send.contains(flag), "{flag}");
    }
}

#[test]
fn send_personalized_names_the_button_text_flag_and_the_csv_line() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dir = std::env::temp_dir().join(format!("vibergate-cli-button-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let csv = dir.join("people.csv");
    std::fs::write(
        &csv,
        "phone,text,button_url\n380989361121,Hi Ann,https://x.example/1\n",
    )
    .unwrap();
    for provider in [ProviderId::SmsClub, ProviderId::SmsBy] {
        let dsn = sb.dsn(provider);
        let out = run(
            &["send-personalized", "--dsn", &dsn, csv.to_str().unwrap()],
            None,
        );
        assert_eq!(out.status.code(), Some(3), "{provider}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("--button-text"), "{provider}: {err}");
        let out = run(
            &[
                "send-personalized",
                "--dsn",
                &dsn,
                csv.to_str().unwrap(),
                "--json",
            ],
            None,
        );
        let e = json(&out);
        assert_eq!(e["code"], "invalid_message");
        assert!(
            e["message"].as_str().unwrap().contains("--button-text"),
            "{e}"
        );
        assert!(
            run(
                &[
                    "send-personalized",
                    "--dsn",
                    &dsn,
                    csv.to_str().unwrap(),
                    "--button-text",
                    "Open",
                    "--image-url",
                    "https://x.example/a.jpg",
                ],
                None
            )
            .status
            .success(),
            "{provider}"
        );
    }
    // An empty text names its line of the file.
    std::fs::write(&csv, "phone,text\n380989361121,Hi\n380989361122,\n").unwrap();
    let out = run(
        &[
            "send-personalized",
            "--dsn",
            &sb.dsn(ProviderId::SmsClub),
            csv.to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("text column of line 3"), "{err}");
    // send: the button link without its caption names the flag too.
    let out = run(
        &[
            "send",
            "--dsn",
            &sb.dsn(ProviderId::SmsClub),
            "--to",
            "380989361121",
            "--text",
            "Hi",
            "--button-url",
            "https://x.example",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--button-text"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_failed_send_lists_every_number_with_its_reason_in_table_mode() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let out = run(
        &[
            "send",
            "--dsn",
            &sb.dsn(ProviderId::SmsClub),
            "--to",
            "12,abc",
            "--text",
            "Hi",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(3), "refused before sending");
    let text = String::from_utf8_lossy(&out.stdout);
    for (phone, detail) in [("12", "too short"), ("abc", "contains letters")] {
        let row = text
            .lines()
            .find(|l| l.starts_with(&format!("{phone} ")))
            .unwrap_or_else(|| panic!("no row for {phone}: {text}"));
        assert!(
            row.contains("rejected: invalid_number") && row.contains(detail),
            "{row}"
        );
    }
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no_valid_recipients"), "{err}");
    assert!(sb.requests().is_empty(), "nothing was sent");

    // A request-level failure lists the numbers it stopped, as --json does in `rejected`.
    let bad = sb
        .dsn(ProviderId::SmsClub)
        .replace("sandbox-token", "bad-token");
    let out = run(
        &[
            "send",
            "--dsn",
            &bad,
            "--to",
            "12,380989361121",
            "--text",
            "Hi",
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(4));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("rejected: invalid_number"), "{text}");
    assert!(
        text.contains("380989361121") && text.contains("rejected: auth"),
        "{text}"
    );
}

#[test]
fn exit_codes_tell_validation_from_the_provider_refusing_every_recipient() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let send = |provider: ProviderId, to: &str, json_mode: bool| {
        let dsn = sb.dsn(provider);
        let mut args = vec!["send", "--dsn", &dsn, "--to", to, "--text", "Hi"];
        if json_mode {
            args.push("--json");
        }
        run(&args, None)
    };
    // SMS Club answers HTTP 463 ("no proper number") when the only number is blacklisted.
    let out = send(ProviderId::SmsClub, "380989369999", true);
    assert_eq!(out.status.code(), Some(7));
    let e = json(&out);
    assert_eq!(
        (e["code"].as_str(), e["http_status"].as_u64()),
        (Some("no_valid_recipients"), Some(463))
    );
    let out = send(ProviderId::SmsClub, "380989369999", false);
    assert_eq!(out.status.code(), Some(7));
    assert!(String::from_utf8_lossy(&out.stdout).contains("380989369999"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 463"));
    // Intel-Tele answers per number: a report whose every recipient is rejected.
    let out = send(ProviderId::IntelTele, "380989369999", true);
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(json(&out)["rejected"][0]["reason"], "blacklisted");
    // Some accepted, some refused: partly done.
    let out = send(ProviderId::IntelTele, "380989369999,380989361121", false);
    assert_eq!(out.status.code(), Some(6));
    // vibergate's own checks: nothing sent.
    let before = sb.requests().len();
    let out = send(ProviderId::IntelTele, "12", true);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(json(&out)["code"], "no_valid_recipients");
    assert_eq!(json(&out).get("http_status"), None);
    assert_eq!(sb.requests().len(), before, "nothing was sent");
    // A DSN chain whose only provider to take the number refused it (HTTP 463).
    let other_account = sb
        .dsn(ProviderId::SmsClub)
        .replace("sandbox-token", "other-token");
    let chain = format!("{} || {other_account}", sb.dsn(ProviderId::SmsClub));
    let out = run(
        &[
            "send",
            "--dsn",
            &chain,
            "--to",
            "380989369999",
            "--text",
            "Hi",
            "--json",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A DSN chain whose providers refuse every recipient.
    let chain = format!(
        "{} || {}",
        sb.dsn(ProviderId::IntelTele),
        sb.dsn(ProviderId::SmsClub)
    );
    let out = run(
        &[
            "send",
            "--dsn",
            &chain,
            "--to",
            "380989369999",
            "--text",
            "Hi",
        ],
        None,
    );
    assert_eq!(
        out.status.code(),
        Some(7),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
}

#[test]
fn webhook_errors_say_an_before_a_vowel_sound() {
    for (provider, name) in [
        ("inteltele", "not an Intel-Tele callback"),
        ("smsby", "not an SMS.by callback"),
        ("decisiontelecom", "not a DecisionTelecom callback"),
    ] {
        let out = run(
            &[
                "webhook",
                "parse",
                "--provider",
                provider,
                "--method",
                "GET",
                "--query",
                "foo=bar",
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(5));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(name), "{err}");
    }
}

/// One row of the demo's summary.
struct SummaryRow {
    provider: String,
    accepted: usize,
    /// (count, state) of "n state, …".
    states: Vec<(usize, String)>,
    replies: usize,
}

fn demo_summary(text: &str) -> Vec<SummaryRow> {
    text.lines()
        .skip_while(|l| *l != "== summary")
        .skip(3)
        .take_while(|l| !l.trim().is_empty())
        .map(|l| {
            let cells: Vec<&str> = l
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            let states = cells[2]
                .split(", ")
                .map(|s| {
                    let (n, state) = s.split_once(' ').unwrap();
                    (n.parse().unwrap(), state.to_owned())
                })
                .collect();
            SummaryRow {
                provider: cells[0].to_owned(),
                accepted: cells[1].parse().unwrap(),
                states,
                replies: cells[3].parse().unwrap(),
            }
        })
        .collect()
}

#[test]
fn demo_runs_every_provider_and_shows_errors_and_failover() {
    let started = std::time::Instant::now();
    let out = run(&["demo", "--step-ms", "20"], None);
    assert_succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let took = started.elapsed();
    assert!(took < std::time::Duration::from_secs(30), "{took:?}");
    let summary = demo_summary(&text);
    let providers: Vec<&str> = summary.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(
        providers,
        ["smsclub", "smsby", "decisiontelecom", "inteltele"],
        "{text}"
    );
    for SummaryRow {
        provider,
        accepted,
        states,
        replies,
    } in &summary
    {
        let counted: usize = states.iter().map(|(n, _)| n).sum();
        assert_eq!(
            counted, *accepted,
            "{provider}: a state for every accepted message\n{text}"
        );
        for (_, state) in states {
            assert!(
                !["unknown", "no status", "pending"].contains(&state.as_str()),
                "{provider}: {state}\n{text}"
            );
        }
        // SMS Club and DecisionTelecom: a 2-way message, and the reply to it.
        let two_way = matches!(provider.as_str(), "smsclub" | "decisiontelecom");
        assert_eq!(*accepted, if two_way { 6 } else { 5 }, "{provider}");
        if two_way || provider == "smsby" {
            assert!(*replies >= 1, "{provider}: no reply\n{text}");
        }
    }
    // The two-way sends are listed, with their replies.
    assert_eq!(
        text.matches("-- two-way: \"Reply YES to confirm\"").count(),
        2,
        "{text}"
    );
    assert_eq!(
        text.matches("wrote \"Re: Reply YES to confirm\"").count(),
        2,
        "{text}"
    );
    // The message texts.
    assert!(text.contains("\"Your order #1042 has shipped\""));
    // …1111: the SMS fallback delivered where the provider reports it.
    let fallback_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("SMS fallback "))
        .collect();
    assert_eq!(fallback_rows.len(), 4, "{text}");
    let sms_column: Vec<bool> = fallback_rows
        .iter()
        .map(|l| l.contains("delivered"))
        .collect();
    assert_eq!(sms_column, [true, false, true, false], "{fallback_rows:?}");
    // SMS.by says only what its document says.
    assert!(!text.contains("UNDELIVERED") && !text.contains("BLACKLISTED"));
    // An error scenario and a failover.
    assert!(text.contains("rejected: blacklisted"), "{text}");
    assert!(
        text.contains("error code: auth") && text.contains("HTTP status: 401"),
        "{text}"
    );
    assert!(text.contains("== failover"), "{text}");
    assert!(
        text.contains("smsclub: 2 recipient(s), failed: auth") && text.contains("2 moved on"),
        "{text}"
    );
    assert!(
        text.contains("decisiontelecom: 2 recipient(s), answered"),
        "{text}"
    );
    // How to get the command.
    assert!(text.contains("cargo install --path cli"), "{text}");
    assert!(
        text.contains("cargo run -p vibergate-cli -- sandbox"),
        "{text}"
    );
    assert!(!text.contains("SPEC"));
}

#[test]
fn the_sandbox_command_says_what_each_number_does() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_vibergate"))
        .args(["sandbox", "--port", "0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let mut text = String::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        text.push_str(&line);
        text.push('\n');
        if line.starts_with("press Ctrl-C") {
            break;
        }
    }
    child.kill().ok();
    child.wait().ok();
    for p in [
        "smsclub://",
        "smsby://",
        "decisiontelecom://",
        "inteltele://",
    ] {
        assert!(text.contains(p), "{p}: {text}");
    }
    assert!(
        text.contains("1111") && text.contains("SMS.by and Intel-Tele document no status"),
        "{text}"
    );
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

#[test]
fn send_to_list_refuses_flags_sms_by_lists_do_not_have() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dsn = sb.dsn(ProviderId::SmsBy);
    for (flag, value) in [
        ("--ttl", "3600"),
        ("--schedule-end", "1900000000"),
        ("--category", "promotional"),
        ("--callback-url", "https://x.example/hook"),
    ] {
        let out = run(
            &[
                "send-to-list",
                "--dsn",
                &dsn,
                "--list-id",
                "1",
                "--text",
                "News",
                flag,
                value,
            ],
            None,
        );
        assert_eq!(out.status.code(), Some(2), "{flag}");
        assert!(String::from_utf8_lossy(&out.stderr).contains(flag));
    }
    assert!(sb.requests().is_empty());
}

/// The CLI's name of each operation of the core's table; a new operation fails this test
/// until the CLI has a subcommand for it.
fn cli_name(operation: &str) -> String {
    match operation {
        "mark_inbound_read" => "mark-read".into(),
        other => other.replace('_', "-"),
    }
}

#[test]
fn every_operation_of_the_table_has_a_subcommand() {
    let out = run(&["--help"], None);
    let commands = subcommands(&String::from_utf8_lossy(&out.stdout));
    for op in vibergate_core::api::OPERATIONS {
        let name = cli_name(op.name);
        assert!(
            commands.contains(&name),
            "operation {} has no subcommand {name}: {commands:?}",
            op.name
        );
    }
}

#[test]
fn an_unknown_provider_is_the_cores_invalid_message_error() {
    let out = run(
        &["webhook", "parse", "--provider", "smsclb", "--json"],
        Some("{}"),
    );
    assert_eq!(out.status.code(), Some(3));
    let error = json(&out);
    assert_eq!(error["code"], "invalid_message");
    assert_eq!(error["field"], "provider");
    assert!(
        error["message"].as_str().unwrap().contains("smsclub"),
        "{error}"
    );

    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let chain = format!(
        "{} || {}",
        sb.dsn(ProviderId::SmsClub),
        sb.dsn(ProviderId::DecisionTelecom)
    );
    let out = run(&["status", "--dsn", &chain, "smsclb:1"], None);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("invalid_message"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(sb.requests().is_empty());
}

#[test]
fn results_and_defaults_are_the_operation_tables() {
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let dsn = sb.dsn(ProviderId::SmsBy);
    // No --limit: the table's default limit reaches SMS.by.
    assert_succeeded(&run(&["mailings", "--dsn", &dsn, "--json"], None));
    let list = sb
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("getViberMessages"))
        .unwrap();
    let want = format!("limit_rows={}", vibergate_core::api::DEFAULT_MAILINGS_LIMIT);
    let sent = format!("{}&{}", list.query, list.body);
    assert!(sent.contains(&want), "{sent}");

    let new_mailing = || {
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
        json(&list)["mailing_id"].as_str().unwrap().to_owned()
    };
    let mailing = new_mailing();
    let out = run(
        &["confirm-mailing", "--dsn", &dsn, &mailing, "--json"],
        None,
    );
    assert_succeeded(&out);
    assert_eq!(json(&out), serde_json::json!({ "confirmed": mailing }));
    let mailing = new_mailing();
    let out = run(&["confirm-mailing", "--dsn", &dsn, &mailing], None);
    assert_succeeded(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!("mailing {mailing} confirmed")),
        "{text}"
    );
    let marked = run(&["mark-read", "--dsn", &dsn, "1", "2", "--json"], None);
    assert_succeeded(&marked);
    assert!(json(&marked).get("marked").is_some(), "{}", json(&marked));
}

#[test]
fn an_empty_vibergate_dsn_is_not_set() {
    let out = Command::new(env!("CARGO_BIN_EXE_vibergate"))
        .args(["balance"])
        .env("VIBERGATE_DSN", " ")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no provider"));
}
