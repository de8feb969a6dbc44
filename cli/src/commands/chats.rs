//! `chats`, `chat` and `inbound`: SMS Club's 2-way chats and the replies of recipients.

use clap::Args;
use serde_json::json;
use vibergate_core::{Chat, ChatThread, InboundMessage};

use super::{arguments, on_client};
use crate::{output, CmdResult, Common};

#[derive(Args)]
pub struct PageArgs {
    #[command(flatten)]
    common: Common,
    /// Page to show, from 1 (SMS Club shows 30 chats a page; default: the first).
    #[arg(long)]
    page: Option<u32>,
}

#[derive(Args)]
pub struct ChatArgs {
    #[command(flatten)]
    common: Common,
    /// The chat id (chat_id in the report of a --two-way send; `vibergate chats` lists them).
    chat_id: String,
    /// Page to show, from 1 (SMS Club shows 30 messages a page; default: the first).
    #[arg(long)]
    page: Option<u32>,
}

#[derive(Args)]
pub struct InboundArgs {
    #[command(flatten)]
    common: Common,
    /// SMS Club: the chat to read replies from (chat_id of a --two-way send).
    #[arg(long)]
    chat_id: Option<String>,
    /// SMS.by: the mailing to read replies to (its mailing id, or a quick message's message id).
    #[arg(long)]
    mailing_id: Option<String>,
    /// SMS Club: the page of the chat, from 1.
    #[arg(long)]
    page: Option<u32>,
}

pub fn chats(a: PageArgs) -> CmdResult {
    let args = arguments([("page", a.page.map(Into::into))]);
    on_client(&a.common, "chats", args, |chats: &Vec<Chat>| {
        let rows: Vec<Vec<String>> = chats
            .iter()
            .map(|c| {
                vec![
                    c.chat_id.clone(),
                    c.phone.clone(),
                    c.created_at.clone().unwrap_or_default(),
                ]
            })
            .collect();
        output::table(&["CHAT", "PHONE", "CREATED"], &rows);
    })
}

pub fn chat(a: ChatArgs) -> CmdResult {
    let args = arguments([
        ("chat_id", Some(json!(a.chat_id))),
        ("page", a.page.map(Into::into)),
    ]);
    on_client(&a.common, "chat", args, |t: &ChatThread| {
        println!("chat {} with {}", t.chat_id, t.phone);
        let rows: Vec<Vec<String>> = t
            .messages
            .iter()
            .map(|m| {
                vec![
                    m.at.clone().unwrap_or_default(),
                    format!("{:?}", m.direction).to_lowercase(),
                    m.text.clone(),
                ]
            })
            .collect();
        output::table(&["AT", "DIRECTION", "TEXT"], &rows);
    })
}

pub fn inbound(a: InboundArgs) -> CmdResult {
    let args = arguments([
        ("chat_id", a.chat_id.map(Into::into)),
        ("mailing_id", a.mailing_id.map(Into::into)),
        ("page", a.page.map(Into::into)),
    ]);
    on_client(&a.common, "inbound", args, |list: &Vec<InboundMessage>| {
        let rows: Vec<Vec<String>> = list
            .iter()
            .map(|m| {
                vec![
                    m.id.clone().unwrap_or_default(),
                    m.phone.clone(),
                    m.received_at.clone().unwrap_or_default(),
                    m.text.clone(),
                ]
            })
            .collect();
        output::table(&["ID", "PHONE", "AT", "TEXT"], &rows);
    })
}
