//! `vibergate demo`: the sandbox in-process, every provider end to end, then what an error and a
//! failover look like.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::{
    Client, DeliveryReport, EventKind, InboundQuery, Message, ProviderId, Router, SendReport,
    SmsFallback, WebhookRequest,
};

use crate::{exit, output, CmdResult, Failure};

#[derive(Args)]
pub struct DemoArgs {
    /// Milliseconds between delivery steps in the emulator.
    #[arg(long, default_value_t = 200)]
    step_ms: u64,
}

/// Numbers of a provider's country: delivered, never delivered (…0000), read at once (…2222),
/// no Viber (…1111, for the SMS fallback).
fn numbers(provider: ProviderId) -> [String; 4] {
    let prefix = match provider {
        ProviderId::SmsBy => "37529",
        ProviderId::DecisionTelecom => "97253",
        _ => "38098",
    };
    ["1234567", "7770000", "7772222", "7771111"].map(|tail| format!("{prefix}{tail}"))
}

const BANNER: &str = "\
No account, no money, no network: the emulator answers as each provider's documentation says.
A number's last four digits choose its fate:
  …0000  never delivered (SMS.by documents no failure status: there it stays SENT)
  …2222  read at once; any other number is delivered, then read
  …1111  no Viber: the SMS fallback is delivered instead. SMS Club and DecisionTelecom report
         the SMS's own status (column SMS); SMS.by and Intel-Tele document none, so only the
         Viber message's status shows there
  …9999  blacklisted";

/// The last lines: how to go on from here.
const NEXT: &str = "\
Next: run the emulator yourself with `vibergate sandbox`; it prints a DSN for each provider to
point your own code at (`vibergate sandbox --help`).
No `vibergate` command yet? From the repository's root: `cargo install --path cli` puts it on
your PATH, or run it without installing: `cargo run -p vibergate-cli -- sandbox`.";

/// One send of the demo and what came of it.
struct Sent {
    what: &'static str,
    report: SendReport,
}

struct Summary {
    provider: ProviderId,
    accepted: usize,
    states: BTreeMap<String, usize>,
    replies: usize,
}

pub fn run(args: DemoArgs) -> CmdResult {
    let sandbox = Sandbox::start(SandboxConfig {
        step_ms: args.step_ms,
        ..SandboxConfig::default()
    })
    .map_err(|e| Failure::Usage(e.message.clone()))?;
    println!(
        "vibergate demo: every provider end to end against the emulator at {}",
        sandbox.base_url()
    );
    println!("{BANNER}\n");
    // DecisionTelecom posts 2-way replies to the message's callback_url: receive them here.
    let receiver = Receiver::start().ok();
    let step = Duration::from_millis(args.step_ms);
    let mut summaries = Vec::new();
    for provider in ProviderId::ALL {
        let client =
            Client::from_dsn(&sandbox.dsn(provider)).map_err(|e| Failure::sdk(e, false))?;
        summaries.push(
            run_provider(&client, provider, step, receiver.as_ref())
                .map_err(|e| Failure::sdk(e, false))?,
        );
    }
    errors(&sandbox).map_err(|e| Failure::sdk(e, false))?;
    failover(&sandbox).map_err(|e| Failure::sdk(e, false))?;

    println!("== summary");
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|s| {
            let states: Vec<String> = s.states.iter().map(|(k, v)| format!("{v} {k}")).collect();
            vec![
                s.provider.to_string(),
                s.accepted.to_string(),
                states.join(", "),
                s.replies.to_string(),
            ]
        })
        .collect();
    output::table(
        &["PROVIDER", "ACCEPTED", "THEIR STATES NOW", "REPLIES"],
        &rows,
    );
    println!(
        "\n{} requests reached the emulator.\n{NEXT}",
        sandbox.requests().len()
    );
    Ok(exit::OK)
}

fn run_provider(
    client: &Client,
    provider: ProviderId,
    step: Duration,
    receiver: Option<&Receiver>,
) -> Result<Summary, vibergate_core::Error> {
    println!("== {} ({})", provider.display_name(), provider);
    let [ok, undeliverable, read, no_viber] = numbers(provider);
    let mut sent: Vec<Sent> = Vec::new();
    let mut send = |what: &'static str, shown: String, message: Message| {
        println!("-- {what}: {shown}");
        let report = client.send(&message)?;
        output::send_report(&report);
        sent.push(Sent { what, report });
        Ok::<_, vibergate_core::Error>(())
    };

    let text = "Your order #1042 has shipped";
    send(
        "text",
        format!("\"{text}\""),
        Message::to([ok.clone(), undeliverable, read.clone()]).text(text),
    )?;

    let (text, image, button, link) = (
        "Autumn sale: -20% on everything",
        "https://shop.example/sale.jpg",
        "Open shop",
        "https://shop.example/sale",
    );
    send(
        "image + button",
        format!("\"{text}\", image {image}, button \"{button}\" → {link}"),
        Message::to([ok.clone()])
            .text(text)
            .image_url(image)
            .button(button, link),
    )?;

    // The same text both ways: SMS.by forwards the Viber text itself.
    let text = "Your code is 4711";
    send(
        "SMS fallback",
        format!("\"{text}\" by Viber, else by SMS"),
        Message::to([no_viber])
            .text(text)
            .sms_fallback(SmsFallback::new(text)),
    )?;

    let two_way = client.capabilities().two_way;
    if two_way {
        let text = "Reply YES to confirm";
        let mut message = Message::to([read.clone()]).text(text).two_way(true);
        if provider == ProviderId::DecisionTelecom {
            if let Some(r) = receiver {
                message = message.callback_url(r.url.clone());
            }
        }
        send(
            "two-way",
            format!("\"{text}\", the recipient may answer"),
            message,
        )?;
    }
    let sent_at = Instant::now();

    // Every accepted recipient, in the order sent, with its status once it settled.
    let statuses = settled_statuses(client, &sent, sent_at, step)?;
    println!("-- delivery");
    let mut states = BTreeMap::new();
    let mut rows = Vec::new();
    let mut accepted = 0;
    for s in &sent {
        for a in &s.report.accepted {
            accepted += 1;
            let status = a
                .message_id
                .as_ref()
                .and_then(|id| statuses.by_id.get(id))
                .or_else(|| statuses.by_phone.get(&a.phone));
            let state = status.map_or("no status", |r| r.state.as_str());
            *states.entry(state.to_owned()).or_insert(0) += 1;
            rows.push(vec![
                s.what.to_owned(),
                a.phone.clone(),
                state.to_owned(),
                status
                    .and_then(|r| r.sms_state)
                    .map_or("-".to_owned(), |s| s.to_string()),
                status.map_or("-".to_owned(), |r| r.provider_status.clone()),
                status
                    .and_then(|r| r.detail.clone())
                    .unwrap_or_else(|| "-".into()),
            ]);
        }
    }
    output::table(
        &["SENT AS", "PHONE", "STATE", "SMS", "RAW", "DETAIL"],
        &rows,
    );
    match provider {
        ProviderId::SmsBy => println!(
            "(SMS.by documents no failure status and no status for the SMS it forwards: the\nmessages to …0000 and …1111 stay SENT)"
        ),
        ProviderId::IntelTele => println!(
            "(Intel-Tele documents no status for the SMS fallback: …1111 shows the Viber message's)"
        ),
        _ => {}
    }

    let replies = replies(client, provider, &sent, &statuses, receiver, step)?;
    println!("-- replies");
    match provider {
        ProviderId::IntelTele => {
            println!("  Intel-Tele has no 2-way messages.");
            let b = client.balance()?;
            println!(
                "-- balance after sending: {} (credit {})",
                b.balance,
                b.credit.unwrap_or_default()
            );
        }
        _ if replies.is_empty() => println!("  none"),
        _ => {
            for (phone, text, how) in &replies {
                println!("  {phone} wrote \"{text}\" ({how})");
            }
        }
    }
    println!();
    Ok(Summary {
        provider,
        accepted,
        states,
        replies: replies.len(),
    })
}

/// Statuses by message id, and by phone for SMS.by mailings (whose recipients get no id at
/// sending).
struct Statuses {
    by_id: BTreeMap<String, DeliveryReport>,
    by_phone: BTreeMap<String, DeliveryReport>,
    /// SMS.by mailing ids of the batches, for their replies.
    mailings: Vec<String>,
}

/// Polls until every message's state is final, or until the emulator has had the time to
/// settle everything (three steps after the last send): what is not final then stays so (SMS.by
/// shows a message that is never delivered as SENT).
fn settled_statuses(
    client: &Client,
    sent: &[Sent],
    sent_at: Instant,
    step: Duration,
) -> Result<Statuses, vibergate_core::Error> {
    let ids: Vec<String> = sent
        .iter()
        .flat_map(|s| s.report.message_ids())
        .map(str::to_owned)
        .collect();
    let batches: Vec<&str> = sent
        .iter()
        .filter_map(|s| s.report.batch_id.as_deref())
        .collect();
    let settle_by = sent_at + step * 3 + Duration::from_millis(100);
    loop {
        let mut statuses = Statuses {
            by_id: BTreeMap::new(),
            by_phone: BTreeMap::new(),
            mailings: Vec::new(),
        };
        if !ids.is_empty() {
            for r in client.status(&ids)? {
                statuses.by_id.insert(r.message_id.clone(), r);
            }
        }
        for batch in &batches {
            for mailing in client.status_batch(batch)?.mailings {
                statuses.mailings.extend(mailing.mailing_id);
                for r in mailing.deliveries {
                    if let Some(phone) = r.phone.clone() {
                        statuses.by_phone.insert(phone, r);
                    }
                }
            }
        }
        let all_final = statuses
            .by_id
            .values()
            .chain(statuses.by_phone.values())
            .all(|r| r.state.is_final());
        if all_final || Instant::now() >= settle_by {
            return Ok(statuses);
        }
        std::thread::sleep(Duration::from_millis(100).min(step.max(Duration::from_millis(10))));
    }
}

/// The replies of the recipients: (phone, text, where it came from).
fn replies(
    client: &Client,
    provider: ProviderId,
    sent: &[Sent],
    statuses: &Statuses,
    receiver: Option<&Receiver>,
    step: Duration,
) -> Result<Vec<(String, String, String)>, vibergate_core::Error> {
    let mut out = Vec::new();
    match provider {
        ProviderId::SmsClub => {
            for a in sent.iter().flat_map(|s| &s.report.accepted) {
                let Some(chat_id) = &a.chat_id else { continue };
                for m in client.inbound(&InboundQuery {
                    chat_id: Some(chat_id.clone()),
                    ..InboundQuery::default()
                })? {
                    out.push((m.phone, m.text, format!("chat {chat_id}")));
                }
            }
        }
        ProviderId::SmsBy => {
            // A quick message is its own mailing; a send to several numbers makes mailings.
            let quick = sent.iter().flat_map(|s| s.report.message_ids());
            let mailings = quick.chain(statuses.mailings.iter().map(String::as_str));
            for mailing_id in mailings {
                for m in client.inbound(&InboundQuery {
                    mailing_id: Some(mailing_id.to_owned()),
                    ..InboundQuery::default()
                })? {
                    out.push((m.phone, m.text, format!("incoming, mailing {mailing_id}")));
                }
            }
        }
        ProviderId::DecisionTelecom => {
            let Some(receiver) = receiver else {
                return Ok(out);
            };
            // The reply follows the delivery; give the emulator's callback a moment.
            let deadline = Instant::now() + step + Duration::from_millis(500);
            loop {
                out = receiver.inbound(provider);
                if !out.is_empty() || Instant::now() >= deadline {
                    break;
                }
                std::thread::sleep(Duration::from_millis(25));
            }
        }
        ProviderId::IntelTele => {}
    }
    Ok(out)
}

/// A blacklisted number among others, and a bad token.
fn errors(sandbox: &Sandbox) -> Result<(), vibergate_core::Error> {
    println!("== when something goes wrong");
    let [ok, ..] = numbers(ProviderId::SmsClub);
    let blacklisted = "380987779999";
    println!("-- SMS Club: a blacklisted number among others (its answer lists it in blackList)");
    let client = Client::from_dsn(&sandbox.dsn(ProviderId::SmsClub))?;
    let report = client.send(&Message::to([ok, blacklisted.to_owned()]).text("Hi"))?;
    output::send_report(&report);
    println!(
        "(`vibergate send` exits {} for this: some recipients accepted, some rejected; {} when the\nprovider refuses every one)",
        exit::PARTIAL,
        exit::REFUSED
    );

    println!("\n-- DecisionTelecom: a wrong API key");
    let [ok, ..] = numbers(ProviderId::DecisionTelecom);
    let bad = sandbox
        .dsn(ProviderId::DecisionTelecom)
        .replace("sandbox-key", "bad-key");
    let client = Client::from_dsn(&bad)?;
    match client.send(&Message::to([ok]).text("Hi")) {
        Ok(report) => output::send_report(&report),
        Err(e) => {
            println!("error code: {}", e.code());
            if let Some(status) = e.http_status {
                println!("HTTP status: {status}");
            }
            println!("message: {}", e.message);
            println!(
                "(`vibergate send` exits {} for this: the provider refused the request as a whole)",
                crate::error_exit_code(&e)
            );
        }
    }
    println!();
    Ok(())
}

/// A router whose first provider refuses the credentials: the recipients move to the second.
fn failover(sandbox: &Sandbox) -> Result<(), vibergate_core::Error> {
    println!("== failover: a Router tries SMS Club (with a wrong token), then DecisionTelecom");
    let bad = sandbox
        .dsn(ProviderId::SmsClub)
        .replace("sandbox-token", "bad-token");
    let router = Router::new(vec![
        Client::from_dsn(&bad)?,
        Client::from_dsn(&sandbox.dsn(ProviderId::DecisionTelecom))?,
    ])?;
    let [ok, _, read, _] = numbers(ProviderId::SmsClub);
    let text = "Your order #1042 has shipped";
    println!("-- text: \"{text}\"");
    let report = router.send(&Message::to([ok, read]).text(text))?;
    output::routed_report(&report);
    println!(
        "(the same from a shell: `vibergate send --dsn 'A || B' …`, a DSN chain; status ids are then\nprovider:id)\n"
    );
    Ok(())
}

/// A one-thread HTTP receiver for the emulator's callbacks to `callback_url`.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<WebhookRequest>>>,
}

impl Receiver {
    fn start() -> std::io::Result<Receiver> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let url = format!("http://{}/hooks/decisiontelecom", listener.local_addr()?);
        let requests = Arc::new(Mutex::new(Vec::new()));
        let store = requests.clone();
        // It lives as long as the demo's process; callbacks are few and small.
        std::thread::Builder::new()
            .name("vibergate-demo-callbacks".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    if let Some(request) = read_request(stream) {
                        store
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(request);
                    }
                }
            })?;
        Ok(Receiver { url, requests })
    }

    /// The inbound messages among the callbacks received so far, as `parse_webhook` reads them.
    fn inbound(&self, provider: ProviderId) -> Vec<(String, String, String)> {
        let requests = self.requests.lock().unwrap_or_else(|e| e.into_inner());
        requests
            .iter()
            .filter_map(|r| vibergate_core::parse_webhook(provider, r).ok())
            .flatten()
            .filter(|e| e.kind == EventKind::Inbound)
            .map(|e| {
                (
                    e.phone.unwrap_or_default(),
                    e.text.unwrap_or_default(),
                    "a callback to callback_url, read with parse_webhook".to_owned(),
                )
            })
            .collect()
    }
}

/// Reads one HTTP/1.1 request and answers 200.
fn read_request(mut stream: TcpStream) -> Option<WebhookRequest> {
    stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let (mut length, mut content_type) = (0usize, None);
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).ok()? == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                length = value.parse().ok()?;
            } else if name.eq_ignore_ascii_case("content-type") {
                content_type = Some(value.to_owned());
            }
        }
    }
    let mut body = vec![0; length.min(1 << 20)];
    reader.read_exact(&mut body).ok()?;
    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    let query = target.split_once('?').map_or("", |(_, q)| q);
    Some(WebhookRequest::new(
        &method,
        query,
        body,
        content_type.as_deref(),
    ))
}
