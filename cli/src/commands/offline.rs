//! `sms-info` and `webhook parse`: the commands that need no provider and no network.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vibergate_core::{ProviderId, WebhookRequest};

use super::read_input;
use crate::{output, CmdResult, Failure};

#[derive(Args)]
pub struct SmsInfoArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// The SMS text to count.
    text: String,
}

pub fn sms_info(a: SmsInfoArgs) -> CmdResult {
    let info = vibergate_core::sms_info(&a.text);
    if a.json {
        output::json(&info);
    } else {
        let encoding = info.encoding.as_str();
        println!(
            "{encoding}: {} characters, {} segment(s)",
            info.characters, info.segments
        );
        if !info.non_gsm_characters.is_empty() {
            println!("not in GSM-7: {}", info.non_gsm_characters.join(" "));
        }
    }
    Ok(0)
}

#[derive(Subcommand)]
pub enum WebhookCommand {
    /// Parse a callback request into events.
    #[command(
        after_help = "Examples:\n  vibergate webhook parse --provider inteltele --method GET --query 'msgid=abc&status=delivrd'\n  echo '{\"message_id\":429,\"status\":1}' | vibergate webhook parse --provider decisiontelecom"
    )]
    Parse(WebhookArgs),
}

#[derive(Args)]
pub struct WebhookArgs {
    /// smsby, decisiontelecom or inteltele.
    #[arg(long)]
    provider: String,
    /// The callback's HTTP method, GET or POST.
    #[arg(long, default_value = "POST")]
    method: String,
    /// Raw query string.
    #[arg(long, default_value = "")]
    query: String,
    /// The callback's Content-Type header, e.g. application/json.
    #[arg(long)]
    content_type: Option<String>,
    /// File with the body ("-" or absent: standard input for POST).
    #[arg(long)]
    body: Option<PathBuf>,
    /// Print the events as JSON.
    #[arg(long)]
    json: bool,
}

pub fn webhook(command: WebhookCommand) -> CmdResult {
    let WebhookCommand::Parse(a) = command;
    // An unknown provider is the core's one error for it (`invalid_message`, with the nearest
    // name), refused before the body is read.
    let provider = a
        .provider
        .parse::<ProviderId>()
        .map_err(|e| Failure::sdk(e, a.json))?;
    let body = match &a.body {
        Some(path) => read_input(path)?,
        None if a.method.eq_ignore_ascii_case("POST") && !std::io::stdin().is_terminal() => {
            read_input(&PathBuf::from("-"))?
        }
        None => String::new(),
    };
    let request = WebhookRequest::new(&a.method, &a.query, body, a.content_type.as_deref());
    let events =
        vibergate_core::parse_webhook(provider, &request).map_err(|e| Failure::sdk(e, a.json))?;
    if a.json {
        output::json(&events);
    } else {
        let rows: Vec<Vec<String>> = events
            .iter()
            .map(|e| {
                vec![
                    e.kind.to_string(),
                    e.message_id
                        .clone()
                        .or_else(|| e.batch_id.clone())
                        .unwrap_or_default(),
                    e.state.map(|s| s.to_string()).unwrap_or_default(),
                    e.phone.clone().unwrap_or_default(),
                    e.text.clone().unwrap_or_default(),
                ]
            })
            .collect();
        output::table(
            &["KIND", "MESSAGE/BATCH ID", "STATE", "PHONE", "TEXT"],
            &rows,
        );
    }
    Ok(0)
}
