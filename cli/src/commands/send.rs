//! `send` and `send-personalized`: a message from flags, a JSON file or a CSV file, sent to one
//! provider or through a DSN chain.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::Args;
use serde_json::Value;
use vibergate_core::api::{self, Call, Target, TargetKind};
use vibergate_core::{
    Button, Category, Error, Message, PersonalizedItem, PersonalizedMessage, ProviderId,
    RoutedReport, Schedule, SendReport, SmsFallback,
};

use super::fields::{name_the_flag, Fields};
use super::{client, read_input, router, to_arguments, typed};
use crate::{output, CmdResult, Common, Failure};

/// The shared fields of a message.
#[derive(Args, Clone, Default)]
pub struct Content {
    /// Viber sender (default: the DSN's sender).
    #[arg(long)]
    pub(super) sender: Option<String>,
    /// Image shown with the message, an http(s) URL; with a text it needs a button (SMS.by also sends an image alone).
    #[arg(long)]
    pub(super) image_url: Option<String>,
    /// Button caption, 1–30 characters; the link comes from --button-url (send-personalized: the CSV's button_url column).
    #[arg(long)]
    pub(super) button_text: Option<String>,
    #[arg(long, value_name = "SECONDS", help = ttl_help())]
    pub(super) ttl: Option<u32>,
    /// When to start sending, as Unix time in seconds (SMS Club, SMS.by).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(super) schedule_start: Option<i64>,
    /// When to stop sending, as Unix time in seconds (SMS Club only, which needs it with --schedule-start).
    #[arg(long, value_name = "UNIX_SECONDS")]
    pub(super) schedule_end: Option<i64>,
    /// transactional or promotional (default: promotional with an image or a button, else transactional).
    #[arg(long, value_parser = ["transactional", "promotional"])]
    pub(super) category: Option<String>,
    /// Where the provider posts delivery statuses (SMS.by, DecisionTelecom; Intel-Tele sets it in the account).
    #[arg(long)]
    pub(super) callback_url: Option<String>,
    /// Mailing name (SMS.by).
    #[arg(long)]
    pub(super) label: Option<String>,
}

/// The help of `--ttl`: the unit and every provider's range, read from the providers' rules.
fn ttl_help() -> String {
    let range = |p: ProviderId| vibergate_core::capabilities(p).ttl_seconds;
    let mut parts = Vec::new();
    if let Some((one, several, max)) = range(ProviderId::SmsClub) {
        parts.push(if one == several {
            format!("SMS Club {one}–{max}")
        } else {
            format!("SMS Club {one}–{max} ({several}–{max} for several numbers)")
        });
    }
    if let Some((min, _, max)) = range(ProviderId::DecisionTelecom) {
        parts.push(format!(
            "DecisionTelecom {min}–{max} (only {} with an SMS fallback)",
            vibergate_core::capabilities(ProviderId::DecisionTelecom)
                .sms_fallback_ttl_seconds
                .unwrap_or_default()
        ));
    }
    if let Some((min, _, max)) = range(ProviderId::IntelTele) {
        parts.push(format!("Intel-Tele {min}–{max}"));
    }
    if let Some((min, _, max)) = range(ProviderId::SmsBy) {
        parts.push(format!(
            "SMS.by only with --sms-text, as the wait before the SMS: {min}–{max}, whole minutes"
        ));
    }
    format!(
        "How long Viber keeps trying to deliver, in seconds: {}",
        parts.join("; ")
    )
}

impl Content {
    pub(super) fn schedule(&self) -> Option<Schedule> {
        self.schedule_start.map(|start| Schedule {
            start,
            end: self.schedule_end,
        })
    }

    pub(super) fn category(&self) -> Option<Category> {
        match self.category.as_deref() {
            Some("transactional") => Some(Category::Transactional),
            Some("promotional") => Some(Category::Promotional),
            _ => None,
        }
    }
}

#[derive(Args)]
pub struct SendArgs {
    #[command(flatten)]
    common: Common,
    /// Recipient; repeat or separate with commas.
    #[arg(long, value_delimiter = ',')]
    to: Vec<String>,
    /// A file with one recipient per line ("-" for standard input).
    #[arg(long)]
    to_file: Option<PathBuf>,
    /// The Viber message text, up to 1000 characters.
    #[arg(long)]
    text: Option<String>,
    #[command(flatten)]
    content: Content,
    /// Button link, an http(s) URL (with --button-text).
    #[arg(long)]
    button_url: Option<String>,
    /// SMS fallback text.
    #[arg(long)]
    sms_text: Option<String>,
    /// SMS fallback sender (default: the DSN's sms_sender).
    #[arg(long)]
    sms_sender: Option<String>,
    /// Open a 2-way chat.
    #[arg(long)]
    two_way: bool,
    /// Reply into an SMS Club chat.
    #[arg(long)]
    chat_id: Option<String>,
    /// The whole message as JSON (a file, or "-" for standard input); other flags are ignored.
    #[arg(long)]
    message: Option<PathBuf>,
}

/// A send from a file with more recipients than this shows a progress bar on a terminal.
const PROGRESS_THRESHOLD: usize = 500;

pub fn send(a: SendArgs) -> CmdResult {
    // Errors about a field name its flag, unless the message came as JSON (then they name
    // the JSON field, as they do).
    let hint = |e: Error| match &a.message {
        Some(_) => e,
        None => name_the_flag(e, &Fields::Flags),
    };
    // The message is read (and refused) before the DSN, as it always was.
    let kind = if a
        .common
        .dsn
        .as_deref()
        .is_some_and(vibergate_core::is_dsn_chain)
    {
        TargetKind::Router
    } else {
        TargetKind::Client
    };
    let (call, recipients) = match &a.message {
        // The file is the operation's argument object as it stands: the table reads it.
        Some(path) => (
            Call::parse(kind, "send", &read_input(path)?)
                .map_err(|e| Failure::Usage(format!("bad message JSON: {}", e.message)))?,
            0,
        ),
        None => {
            let message = message_from_flags(&a)?;
            let recipients = message.to.len();
            let call = to_arguments(&message)
                .and_then(|args| Call::from_value(kind, "send", args))
                .map_err(|e| Failure::sdk(hint(e), a.common.json))?;
            (call, recipients)
        }
    };
    if let Some(router) = router(&a.common)? {
        let result = call.run(Target::Router(&router)).map_err(hint);
        return routed(&a.common, result);
    }
    let mut client = client(&a.common)?;
    // A big list from a file goes out as one send (one report, one batch, duplicates found across
    // the whole list); the bar counts its HTTP requests as the transport reports them.
    let show_progress = a.to_file.is_some()
        && recipients > PROGRESS_THRESHOLD
        && std::io::stderr().is_terminal()
        && !a.common.json;
    if show_progress {
        let per_request = client
            .capabilities()
            .max_recipients_per_request
            .unwrap_or(recipients)
            .max(1);
        client = client.with_log_hook(progress_bar(recipients.div_ceil(per_request)));
    }
    let result = call.run(Target::Client(&client));
    if show_progress {
        eprintln!();
    }
    show_report(&a.common, result.map_err(hint))
}

/// The message the flags of `send` describe.
fn message_from_flags(a: &SendArgs) -> Result<Message, Failure> {
    let mut to = a.to.clone();
    if let Some(path) = &a.to_file {
        to.extend(
            read_input(path)?
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty() && !l.starts_with('#'))
                .map(str::to_owned),
        );
    }
    Ok(Message {
        to,
        sender: a.content.sender.clone(),
        text: a.text.clone(),
        image_url: a.content.image_url.clone(),
        button: match (&a.content.button_text, &a.button_url) {
            (None, None) => None,
            (t, u) => Some(Button::new(
                t.clone().unwrap_or_default(),
                u.clone().unwrap_or_default(),
            )),
        },
        ttl_seconds: a.content.ttl,
        sms_fallback: a.sms_text.clone().map(|text| SmsFallback {
            text,
            sender: a.sms_sender.clone(),
        }),
        schedule: a.content.schedule(),
        category: a.content.category(),
        two_way: a.two_way,
        chat_id: a.chat_id.clone(),
        callback_url: a.content.callback_url.clone(),
        label: a.content.label.clone(),
    })
}

/// Prints a send report (the table's result of `send` on a client); exits PARTIAL when some
/// recipients were rejected or are uncertain, REFUSED when the provider refused every one of
/// them.
fn show_report(common: &Common, result: Result<Value, Error>) -> CmdResult {
    let value = result.map_err(|e| Failure::sdk(e, common.json))?;
    let report: SendReport = typed(value.clone()).map_err(|e| Failure::sdk(e, common.json))?;
    if common.json {
        output::json(&value);
    } else {
        output::send_report(&report);
    }
    Ok(output::report_exit_code(
        report.accepted.len(),
        report.rejected.len(),
        report.uncertain.len(),
    ))
}

/// [`show_report`] for a router's report.
fn routed(common: &Common, result: Result<Value, Error>) -> CmdResult {
    let value = result.map_err(|e| Failure::sdk(e, common.json))?;
    let report: RoutedReport = typed(value.clone()).map_err(|e| Failure::sdk(e, common.json))?;
    if common.json {
        output::json(&value);
    } else {
        output::routed_report(&report);
    }
    Ok(output::report_exit_code(
        report.accepted.len(),
        report.rejected.len(),
        report.uncertain.len(),
    ))
}

/// A log hook drawing `[####....] done/total requests` on standard error, and saying why when
/// the send waits (the rate limit, a provider's `Retry-After`).
fn progress_bar(total: usize) -> impl Fn(&vibergate_core::LogRecord) + Send + Sync + 'static {
    let done = std::sync::atomic::AtomicUsize::new(0);
    move |record| {
        if let Some(notice) = &record.notice {
            // A notice about the client (its shared state): a line of its own under the bar.
            let level = if notice.warning { "WARNING: " } else { "" };
            eprintln!("\nvibergate: {level}{}", notice.message);
            return;
        }
        let (n, note) = match record.wait {
            Some(wait) => (
                done.load(std::sync::atomic::Ordering::Relaxed),
                format!(
                    " (waiting {:.1} s: {})",
                    wait.duration.as_secs_f64(),
                    match wait.reason {
                        vibergate_core::WaitReason::RateLimit => "rate limit",
                        vibergate_core::WaitReason::RetryAfter =>
                            "the provider asked to retry later",
                        vibergate_core::WaitReason::Backoff => "backing off before a retry",
                        other => other.as_str(),
                    }
                ),
            ),
            None => (
                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1,
                String::new(),
            ),
        };
        let n = n.min(total);
        let filled = n * 30 / total.max(1);
        eprint!(
            "\r[{}{}] {n}/{total} requests{note:<48}",
            "#".repeat(filled),
            ".".repeat(30 - filled)
        );
        let _ = std::io::stderr().flush();
    }
}

#[derive(Args)]
pub struct PersonalizedArgs {
    #[command(flatten)]
    common: Common,
    /// CSV file: phone,text[,button_url] per line ("-" for standard input).
    file: PathBuf,
    #[command(flatten)]
    content: Content,
}

/// Splits one CSV line, honouring double quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            '"' => quoted = !quoted,
            ',' if !quoted => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    fields.push(field);
    fields
}

pub fn send_personalized(a: PersonalizedArgs) -> CmdResult {
    let mut items = Vec::new();
    // The file's line of each item, for errors.
    let mut lines = Vec::new();
    for (n, line) in read_input(&a.file)?.lines().enumerate() {
        if line.trim().is_empty() || (n == 0 && line.to_ascii_lowercase().starts_with("phone")) {
            continue;
        }
        let mut f = csv_fields(line).into_iter();
        let (Some(phone), Some(text)) = (f.next(), f.next()) else {
            return Err(Failure::Usage(format!(
                "line {}: expected phone,text[,button_url]",
                n + 1
            )));
        };
        lines.push(n + 1);
        items.push(PersonalizedItem {
            to: phone.trim().to_owned(),
            text,
            button_url: f
                .next()
                .map(|u| u.trim().to_owned())
                .filter(|u| !u.is_empty()),
        });
    }
    let message = PersonalizedMessage {
        items,
        sender: a.content.sender.clone(),
        image_url: a.content.image_url.clone(),
        button_text: a.content.button_text.clone(),
        ttl_seconds: a.content.ttl,
        schedule: a.content.schedule(),
        category: a.content.category(),
        callback_url: a.content.callback_url.clone(),
        label: a.content.label.clone(),
    };
    let file = a.file.display().to_string();
    let fields = Fields::Csv {
        file: &file,
        lines: &lines,
    };
    let hint = |e| name_the_flag(e, &fields);
    let args = to_arguments(&message).map_err(|e| Failure::sdk(e, a.common.json))?;
    if let Some(router) = router(&a.common)? {
        let result =
            api::call_value(Target::Router(&router), "send_personalized", args).map_err(hint);
        return routed(&a.common, result);
    }
    let client = client(&a.common)?;
    let result = api::call_value(Target::Client(&client), "send_personalized", args).map_err(hint);
    show_report(&a.common, result)
}
