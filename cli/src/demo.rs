//! `vibergate demo`: the sandbox in-process, every provider end to end.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use clap::Args;
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::{
    Client, DeliveryReport, InboundQuery, Message, ProviderId, SendReport, SmsFallback,
};

use crate::{output, CmdResult, Failure};

#[derive(Args)]
pub struct DemoArgs {
    /// Milliseconds between delivery steps in the emulator.
    #[arg(long, default_value_t = 200)]
    step_ms: u64,
}

/// Numbers of a provider's country: delivered, undeliverable (…0000), read at once (…2222),
/// no Viber (…1111, for the SMS fallback).
fn numbers(provider: ProviderId) -> [String; 4] {
    let prefix = match provider {
        ProviderId::SmsBy => "37529",
        ProviderId::DecisionTelecom => "97253",
        _ => "38098",
    };
    ["1234567", "7770000", "7772222", "7771111"].map(|tail| format!("{prefix}{tail}"))
}

struct Summary {
    provider: ProviderId,
    accepted: usize,
    rejected: usize,
    states: BTreeMap<String, usize>,
    inbound: usize,
}

pub fn run(args: DemoArgs) -> CmdResult {
    let sandbox = Sandbox::start(SandboxConfig {
        step_ms: args.step_ms,
        ..SandboxConfig::default()
    })
    .map_err(|e| Failure::Usage(format!("cannot start the sandbox: {e}")))?;
    println!(
        "vibergate demo — the provider emulator runs at {}\n",
        sandbox.base_url()
    );
    // The emulator settles every message within three steps.
    let patience = Duration::from_millis(args.step_ms * 4 + 500);
    let mut summaries = Vec::new();
    for provider in ProviderId::ALL {
        let client =
            Client::from_dsn(&sandbox.dsn(provider)).map_err(|e| Failure::sdk(e, false))?;
        summaries
            .push(run_provider(&client, provider, patience).map_err(|e| Failure::sdk(e, false))?);
    }
    println!("== summary");
    let rows: Vec<Vec<String>> = summaries
        .iter()
        .map(|s| {
            let states: Vec<String> = s.states.iter().map(|(k, v)| format!("{v} {k}")).collect();
            vec![
                s.provider.to_string(),
                s.accepted.to_string(),
                s.rejected.to_string(),
                states.join(", "),
                s.inbound.to_string(),
            ]
        })
        .collect();
    output::table(
        &["PROVIDER", "ACCEPTED", "REJECTED", "STATES", "REPLIES"],
        &rows,
    );
    println!(
        "\n{} requests reached the emulator. Point your own code at it with `vibergate sandbox`.",
        sandbox.requests().len()
    );
    Ok(0)
}

fn run_provider(
    client: &Client,
    provider: ProviderId,
    patience: Duration,
) -> Result<Summary, vibergate_core::Error> {
    println!("== {} ({})", provider.display_name(), provider);
    let [ok, undeliverable, read, no_viber] = numbers(provider);
    let mut reports: Vec<(&str, SendReport)> = Vec::new();

    let text =
        Message::to([ok.clone(), undeliverable, read.clone()]).text("Your order #1042 has shipped");
    reports.push(("text", client.send(&text)?));

    let rich = Message::to([ok.clone()])
        .text("Autumn sale: -20% on everything")
        .image_url("https://shop.example/sale.jpg")
        .button("Open shop", "https://shop.example/sale");
    reports.push(("image + button", client.send(&rich)?));

    let fallback_text = "Your code is 4711";
    let fallback = Message::to([no_viber])
        .text(fallback_text)
        .sms_fallback(SmsFallback::new(fallback_text));
    reports.push(("SMS fallback", client.send(&fallback)?));

    let two_way = match provider {
        ProviderId::SmsClub | ProviderId::DecisionTelecom => Some(
            client.send(
                &Message::to([read])
                    .text("Reply YES to confirm")
                    .two_way(true),
            )?,
        ),
        _ => None,
    };

    let (mut accepted, mut rejected) = (0, 0);
    let mut ids = Vec::new();
    for (what, report) in &reports {
        println!("-- {what}");
        output::send_report(report);
        accepted += report.accepted.len();
        rejected += report.rejected.len();
        ids.extend(report.message_ids().into_iter().map(str::to_owned));
    }
    if let Some(r) = &two_way {
        ids.extend(r.message_ids().into_iter().map(str::to_owned));
    }

    let mut finals = poll_until_settled(client, &ids, patience)?;
    // SMS.by mailings report per delivery under the batch id.
    for (_, report) in &reports {
        if let Some(batch) = &report.batch_id {
            finals.extend(poll_batch_until_settled(client, batch, patience)?);
        }
    }
    let phones: BTreeMap<String, String> = reports
        .iter()
        .map(|(_, r)| r)
        .chain(two_way.iter())
        .flat_map(|r| r.accepted.iter())
        .filter_map(|a| Some((a.message_id.clone()?, a.phone.clone())))
        .collect();
    for r in &mut finals {
        if r.phone.is_none() {
            r.phone = phones.get(&r.message_id).cloned();
        }
    }
    println!("-- delivery");
    output::statuses(&finals);
    let mut states = BTreeMap::new();
    for r in &finals {
        *states.entry(r.state.to_string()).or_insert(0) += 1;
    }

    let inbound = match provider {
        ProviderId::SmsClub => {
            let chat_id = two_way
                .as_ref()
                .and_then(|r| r.accepted.first())
                .and_then(|a| a.chat_id.clone());
            client.inbound(&InboundQuery {
                chat_id,
                ..InboundQuery::default()
            })?
        }
        ProviderId::SmsBy => {
            let mailing_id = reports[0]
                .1
                .accepted
                .first()
                .and_then(|a| a.message_id.clone())
                .or_else(|| reports[1].1.message_ids().first().map(|s| s.to_string()));
            client.inbound(&InboundQuery {
                mailing_id,
                ..InboundQuery::default()
            })?
        }
        _ => Vec::new(),
    };
    match provider {
        ProviderId::DecisionTelecom => println!("-- replies: DecisionTelecom posts 2-way replies to callback_url (see `vibergate webhook parse`)"),
        ProviderId::IntelTele => {
            let b = client.balance()?;
            println!("-- balance after sending: {} (credit {})", b.balance, b.credit.unwrap_or_default());
        }
        _ => {
            println!("-- replies");
            for m in &inbound {
                println!("  {} wrote: {}", m.phone, m.text);
            }
        }
    }
    println!();
    Ok(Summary {
        provider,
        accepted,
        rejected,
        states,
        inbound: inbound.len(),
    })
}

/// Whether a state will not change any more. `unknown` may still be a provider's interim value,
/// so it is waited for until the patience runs out.
fn settled(r: &DeliveryReport) -> bool {
    r.state.is_final()
}

/// Polls until no message is pending or sent any more, or a few seconds have passed.
fn poll_until_settled(
    client: &Client,
    ids: &[String],
    patience: Duration,
) -> Result<Vec<DeliveryReport>, vibergate_core::Error> {
    let deadline = Instant::now() + patience;
    loop {
        let reports = if ids.is_empty() {
            Vec::new()
        } else {
            client.status(ids)?
        };
        if reports.iter().all(settled) || Instant::now() > deadline {
            return Ok(reports);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn poll_batch_until_settled(
    client: &Client,
    batch: &str,
    patience: Duration,
) -> Result<Vec<DeliveryReport>, vibergate_core::Error> {
    let deadline = Instant::now() + patience;
    loop {
        let deliveries: Vec<DeliveryReport> = client
            .status_batch(batch)?
            .mailings
            .into_iter()
            .flat_map(|m| m.deliveries)
            .collect();
        if deliveries.iter().all(settled) || Instant::now() > deadline {
            return Ok(deliveries);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}
