//! SMS.by's mailings: `send-to-list`, `confirm-mailing`, `mailings`, `mailing`,
//! `delivery-list` and `mark-read`.

use clap::Args;
use serde_json::{json, Value};
use vibergate_core::api::{self, Confirmed, Marked, Target, DEFAULT_MAILINGS_LIMIT};
use vibergate_core::{Button, DeliveryReport, ListMessage, ListSend, Mailing};

use super::fields::{name_the_flag, Fields};
use super::send::Content;
use super::{arguments, client, on_client, pretty, print, to_arguments};
use crate::{output, CmdResult, Common, Failure};

#[derive(Args)]
pub struct ListArgs {
    #[command(flatten)]
    common: Common,
    /// Stored list id.
    #[arg(long)]
    list_id: String,
    /// The Viber message text, up to 1000 characters.
    #[arg(long)]
    text: Option<String>,
    #[command(flatten)]
    content: Content,
    /// Button link, an http(s) URL (with --button-text).
    #[arg(long)]
    button_url: Option<String>,
}

#[derive(Args)]
pub struct MailingArgs {
    #[command(flatten)]
    common: Common,
    /// The SMS.by mailing id (printed by send-to-list; `vibergate mailings` lists them).
    mailing_id: String,
}

#[derive(Args)]
pub struct MailingsArgs {
    #[command(flatten)]
    common: Common,
    /// How many mailings to skip (default: none).
    #[arg(long)]
    offset: Option<u32>,
    #[arg(long, help = limit_help())]
    limit: Option<u32>,
}

/// The help of `--limit`, with the operation table's default.
fn limit_help() -> String {
    format!("The most mailings to list (default: {DEFAULT_MAILINGS_LIMIT})")
}

#[derive(Args)]
pub struct MarkReadArgs {
    #[command(flatten)]
    common: Common,
    /// Ids of incoming messages (the ID column of `vibergate inbound --mailing-id …`).
    #[arg(required = true)]
    ids: Vec<String>,
}

pub fn send_to_list(a: ListArgs) -> CmdResult {
    // SMS.by's sendViberMessageList has no lifetime, end time, category or callback: say so
    // rather than drop the flag.
    let unused = [
        ("--ttl", a.content.ttl.is_some()),
        ("--schedule-end", a.content.schedule_end.is_some()),
        ("--category", a.content.category.is_some()),
        ("--callback-url", a.content.callback_url.is_some()),
    ];
    if let Some((flag, _)) = unused.iter().find(|(_, set)| *set) {
        return Err(Failure::Usage(format!(
            "send-to-list cannot use {flag}: SMS.by's send to a stored list has no such field"
        )));
    }
    let c = client(&a.common)?;
    let message = ListMessage {
        list_id: a.list_id.clone(),
        sender: a.content.sender.clone(),
        text: a.text.clone(),
        image_url: a.content.image_url.clone(),
        button: a
            .button_url
            .clone()
            .map(|u| Button::new(a.content.button_text.clone().unwrap_or_default(), u)),
        label: a.content.label.clone(),
        schedule_start: a.content.schedule_start,
    };
    let value = to_arguments(&message)
        .and_then(|args| api::call_value(Target::Client(&c), "send_to_list", args))
        .map_err(|e| Failure::sdk(name_the_flag(e, &Fields::Flags), a.common.json))?;
    print(&a.common, value, |r: &ListSend| {
        println!("mailing {} created for {} subscriber(s); confirm it with: vibergate confirm-mailing {}", r.mailing_id, r.subscribers.unwrap_or(0), r.mailing_id)
    })
}

pub fn confirm_mailing(a: MailingArgs) -> CmdResult {
    let args = json!({ "mailing_id": a.mailing_id });
    on_client(&a.common, "confirm_mailing", args, |r: &Confirmed| {
        println!("mailing {} confirmed", r.confirmed)
    })
}

pub fn mailings(a: MailingsArgs) -> CmdResult {
    let args = arguments([
        ("offset", a.offset.map(Into::into)),
        ("limit", a.limit.map(Into::into)),
    ]);
    on_client(&a.common, "mailings", args, |list: &Vec<Mailing>| {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|m| {
                vec![
                    m.mailing_id.clone(),
                    m.status.clone().unwrap_or_default(),
                    m.created_at.clone().unwrap_or_default(),
                    m.text.clone().unwrap_or_default(),
                ]
            })
            .collect();
        output::table(&["MAILING", "STATUS", "CREATED", "TEXT"], &rows);
    })
}

pub fn mailing(a: MailingArgs) -> CmdResult {
    let args = json!({ "mailing_id": a.mailing_id });
    // People read the same JSON, indented.
    on_client(&a.common, "mailing", args, |m: &Value| pretty(m))
}

pub fn delivery_list(a: MailingArgs) -> CmdResult {
    let args = json!({ "mailing_id": a.mailing_id });
    on_client(
        &a.common,
        "delivery_list",
        args,
        |r: &Vec<DeliveryReport>| output::statuses(r),
    )
}

pub fn mark_read(a: MarkReadArgs) -> CmdResult {
    let args = json!({ "ids": a.ids });
    on_client(&a.common, "mark_inbound_read", args, |r: &Marked| {
        // `null` when SMS.by does not say how many, as --json shows it.
        match r.marked {
            Some(n) => println!("marked read: {n}"),
            None => println!("marked read: null"),
        }
    })
}
