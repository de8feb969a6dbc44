//! The subcommands' arguments and what they do.

use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::{
    Button, Category, Client, InboundQuery, ListMessage, Message, PersonalizedItem,
    PersonalizedMessage, ProviderId, RoutedReport, Router, Schedule, SendReport, SmsFallback,
    WebhookRequest,
};

use crate::{exit, output, CmdResult, Common, Failure};

fn dsn(common: &Common) -> Result<&str, Failure> {
    common
        .dsn
        .as_deref()
        .ok_or_else(|| Failure::Usage("no provider: pass --dsn or set VIBERGATE_DSN (try `vibergate demo` or `vibergate sandbox`)".into()))
}

fn client(common: &Common) -> Result<Client, Failure> {
    let dsn = dsn(common)?;
    if dsn.contains("||") {
        return Err(Failure::Usage(
            "a DSN chain (A || B) works with send, send-personalized and status; give one DSN here"
                .into(),
        ));
    }
    Client::from_dsn(dsn).map_err(|e| Failure::sdk(e, common.json))
}

/// A router when the DSN is a chain `A || B`.
fn router(common: &Common) -> Result<Option<Router>, Failure> {
    let dsn = dsn(common)?;
    if !dsn.contains("||") {
        return Ok(None);
    }
    Router::from_dsn(dsn)
        .map(Some)
        .map_err(|e| Failure::sdk(e, common.json))
}

/// Prints a send report; exits PARTIAL when some recipients were rejected or are uncertain,
/// REFUSED when the provider refused every one of them.
fn show_report(common: &Common, report: &SendReport) -> CmdResult {
    if common.json {
        output::json(report);
    } else {
        output::send_report(report);
    }
    Ok(output::report_exit_code(
        report.accepted.len(),
        report.rejected.len(),
        report.uncertain.len(),
    ))
}

fn routed(common: &Common, result: Result<RoutedReport, vibergate_core::Error>) -> CmdResult {
    let report = result.map_err(|e| Failure::sdk(e, common.json))?;
    if common.json {
        output::json(&report);
    } else {
        output::routed_report(&report);
    }
    Ok(output::report_exit_code(
        report.accepted.len(),
        report.rejected.len(),
        report.uncertain.len(),
    ))
}

/// Where a message's fields came from, to tell the user what to change when one is refused.
enum Fields<'a> {
    /// The flags of `send` or `send-to-list`.
    Flags,
    /// `send-personalized`: a CSV file (its name, and the line of each item) and flags.
    Csv { file: &'a str, lines: &'a [usize] },
}

/// The flag (or CSV column) that sets a message field, for an error about that field.
fn where_to_fix(field: &str, fields: &Fields<'_>) -> Option<String> {
    // `items[3].button.url` → item 3, field `button.url`. Errors about the button as a whole
    // (`button`) already say what to add or leave out.
    let (item, field) = match field.strip_prefix("items[").and_then(|r| r.split_once(']')) {
        Some((n, rest)) => (n.parse::<usize>().ok(), rest.trim_start_matches('.')),
        None => (None, field),
    };
    if let Fields::Csv { file, lines } = fields {
        let line = item.and_then(|i| lines.get(i));
        let at = |column: &str| match line {
            Some(l) => format!("the {column} column of line {l} of {file}"),
            None => format!("the {column} column of {file}"),
        };
        match field {
            "to" => return Some(format!("see {}", at("phone"))),
            "text" => return Some(format!("see {}", at("text"))),
            "button.url" => return Some(format!("see {}", at("button_url"))),
            "" => return line.map(|l| format!("see line {l} of {file}")),
            _ => {}
        }
    }
    let flag = match field {
        "to" => "--to or --to-file",
        "text" => "--text",
        "sender" => "--sender (or sender= in the DSN)",
        "image_url" => "--image-url",
        "button.text" => "--button-text",
        "button.url" => "--button-url",
        "ttl_seconds" => "--ttl",
        "sms_fallback" | "sms_fallback.text" => "--sms-text",
        "sms_fallback.sender" | "sms_sender" => "--sms-sender (or sms_sender= in the DSN)",
        "schedule" | "schedule.start" => "--schedule-start",
        "schedule.end" => "--schedule-end",
        "category" => "--category",
        "two_way" => "--two-way",
        "chat_id" => "--chat-id",
        "callback_url" => "--callback-url",
        "label" => "--label",
        _ => return None,
    };
    Some(format!("set it with {flag}"))
}

/// A refused message's error, saying which flag or CSV column to change.
fn name_the_flag(error: vibergate_core::Error, fields: &Fields<'_>) -> vibergate_core::Error {
    use vibergate_core::ErrorCode;
    let refused_field = matches!(
        error.code(),
        ErrorCode::InvalidMessage | ErrorCode::Unsupported
    ) && error.http_status.is_none();
    let Some(hint) = error
        .field
        .as_deref()
        .filter(|_| refused_field)
        .and_then(|f| where_to_fix(f, fields))
    else {
        return error;
    };
    // The message is the one field an `Error` does not let callers set: rebuild it from its
    // JSON so that every other detail stays as it was.
    let Ok(mut value) = serde_json::to_value(&error) else {
        return error;
    };
    let message = format!("{} ({hint})", error.message);
    value["message"] = serde_json::Value::String(message);
    serde_json::from_value(value).unwrap_or(error)
}

fn done<T>(common: &Common, value: Result<T, vibergate_core::Error>, show: impl Fn(&T)) -> CmdResult
where
    T: serde::Serialize,
{
    let value = value.map_err(|e| Failure::sdk(e, common.json))?;
    if common.json {
        output::json(&value);
    } else {
        show(&value);
    }
    Ok(exit::OK)
}

#[derive(Args)]
pub struct NoArgs {
    #[command(flatten)]
    common: Common,
}

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    common: Common,
    /// The batch id of an SMS.by send to several numbers (batch_id in the send's report).
    batch_id: String,
}

#[derive(Args)]
pub struct MailingArgs {
    #[command(flatten)]
    common: Common,
    /// The SMS.by mailing id (printed by send-to-list; `vibergate mailings` lists them).
    mailing_id: String,
}

#[derive(Args)]
pub struct PageArgs {
    #[command(flatten)]
    common: Common,
    /// Page to show, from 1 (SMS Club shows 30 chats a page).
    #[arg(long, default_value_t = 1)]
    page: u32,
}

#[derive(Args)]
pub struct ChatArgs {
    #[command(flatten)]
    common: Common,
    /// The chat id (chat_id in the report of a --two-way send; `vibergate chats` lists them).
    chat_id: String,
    /// Page to show, from 1 (SMS Club shows 30 messages a page).
    #[arg(long, default_value_t = 1)]
    page: u32,
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

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    common: Common,
    /// Message ids (message_id in a send's report); with a DSN chain, provider:id, e.g. smsclub:5769.
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Args)]
pub struct MarkReadArgs {
    #[command(flatten)]
    common: Common,
    /// Ids of incoming messages (the ID column of `vibergate inbound --mailing-id …`).
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Args)]
pub struct MailingsArgs {
    #[command(flatten)]
    common: Common,
    /// How many mailings to skip.
    #[arg(long, default_value_t = 0)]
    offset: u32,
    /// The most mailings to list.
    #[arg(long, default_value_t = 100)]
    limit: u32,
}

#[derive(Args)]
pub struct SmsInfoArgs {
    /// Print the result as JSON.
    #[arg(long)]
    json: bool,
    /// The SMS text to count.
    text: String,
}

/// The shared fields of a message.
#[derive(Args, Clone, Default)]
pub struct Content {
    /// Viber sender (default: the DSN's sender).
    #[arg(long)]
    sender: Option<String>,
    /// Image shown with the message, an http(s) URL; with a text it needs a button (SMS.by also sends an image alone).
    #[arg(long)]
    image_url: Option<String>,
    /// Button caption, 1–30 characters; the link comes from --button-url (send-personalized: the CSV's button_url column).
    #[arg(long)]
    button_text: Option<String>,
    #[arg(long, value_name = "SECONDS", help = ttl_help())]
    ttl: Option<u32>,
    /// When to start sending, as Unix time in seconds (SMS Club, SMS.by).
    #[arg(long, value_name = "UNIX_SECONDS")]
    schedule_start: Option<i64>,
    /// When to stop sending, as Unix time in seconds (SMS Club only, which needs it with --schedule-start).
    #[arg(long, value_name = "UNIX_SECONDS")]
    schedule_end: Option<i64>,
    /// transactional or promotional (default: promotional with an image or a button, else transactional).
    #[arg(long, value_parser = ["transactional", "promotional"])]
    category: Option<String>,
    /// Where the provider posts delivery statuses (SMS.by, DecisionTelecom; Intel-Tele sets it in the account).
    #[arg(long)]
    callback_url: Option<String>,
    /// Mailing name (SMS.by).
    #[arg(long)]
    label: Option<String>,
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
            vibergate_core::providers::decisiontelecom::SMS_FALLBACK_TTL
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
    fn schedule(&self) -> Option<Schedule> {
        self.schedule_start.map(|start| Schedule {
            start,
            end: self.schedule_end,
        })
    }

    fn category(&self) -> Option<Category> {
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

fn read_input(path: &PathBuf) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
    }
}

/// A send from a file with more recipients than this shows a progress bar on a terminal.
const PROGRESS_THRESHOLD: usize = 500;

pub fn send(a: SendArgs) -> CmdResult {
    // Errors about a field name its flag, unless the message came as JSON (then they name
    // the JSON field, as they do).
    let hint = |e: vibergate_core::Error| match &a.message {
        Some(_) => e,
        None => name_the_flag(e, &Fields::Flags),
    };
    let message = match &a.message {
        Some(path) => serde_json::from_str::<Message>(&read_input(path)?)
            .map_err(|e| Failure::Usage(format!("bad message JSON: {e}")))?,
        None => {
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
            Message {
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
            }
        }
    };
    if let Some(router) = router(&a.common)? {
        return routed(&a.common, router.send(&message).map_err(hint));
    }
    let mut client = client(&a.common)?;
    // A big list from a file goes out as one send (one report, one batch, duplicates found across
    // the whole list); the bar counts its HTTP requests as the transport reports them.
    let show_progress = a.to_file.is_some()
        && message.to.len() > PROGRESS_THRESHOLD
        && std::io::stderr().is_terminal()
        && !a.common.json;
    if show_progress {
        let per_request = client
            .capabilities()
            .max_recipients_per_request
            .unwrap_or(message.to.len())
            .max(1);
        client = client.with_log_hook(progress_bar(message.to.len().div_ceil(per_request)));
    }
    let result = client.send(&message);
    if show_progress {
        eprintln!();
    }
    let report = result.map_err(|e| Failure::sdk(hint(e), a.common.json))?;
    show_report(&a.common, &report)
}

/// A log hook drawing `[####....] done/total requests` on standard error, and saying why when
/// the send waits (the rate limit, a provider's `Retry-After`).
fn progress_bar(total: usize) -> impl Fn(&vibergate_core::LogRecord) + Send + Sync + 'static {
    let done = std::sync::atomic::AtomicUsize::new(0);
    move |record| {
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
        let f = csv_fields(line);
        if f.len() < 2 {
            return Err(Failure::Usage(format!(
                "line {}: expected phone,text[,button_url]",
                n + 1
            )));
        }
        lines.push(n + 1);
        items.push(PersonalizedItem {
            to: f[0].trim().to_owned(),
            text: f[1].clone(),
            button_url: f
                .get(2)
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
    if let Some(router) = router(&a.common)? {
        return routed(&a.common, router.send_personalized(&message).map_err(hint));
    }
    let report = client(&a.common)?
        .send_personalized(&message)
        .map_err(|e| Failure::sdk(hint(e), a.common.json))?;
    show_report(&a.common, &report)
}

pub fn status(a: StatusArgs) -> CmdResult {
    if let Some(router) = router(&a.common)? {
        // With a chain, ids name their provider: smsclub:5769.
        let ids = a
            .ids
            .iter()
            .map(|id| {
                let (p, id) = id.split_once(':').ok_or_else(|| {
                    Failure::Usage(format!(
                        "with a DSN chain, give ids as provider:id (got {id:?})"
                    ))
                })?;
                let p = ProviderId::parse(p)
                    .ok_or_else(|| Failure::Usage(format!("unknown provider {p:?}")))?;
                Ok((p, id.to_owned()))
            })
            .collect::<Result<Vec<_>, Failure>>()?;
        return done(&a.common, router.status(&ids), |r| output::statuses(r));
    }
    let c = client(&a.common)?;
    done(&a.common, c.status(&a.ids), |r| output::statuses(r))
}

pub fn status_batch(a: BatchArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.status_batch(&a.batch_id), output::batch)
}

pub fn balance(a: NoArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.balance(), |b| {
        println!("balance: {}", b.balance);
        if let Some(credit) = &b.credit {
            println!("credit:  {credit}");
        }
    })
}

pub fn rates(a: NoArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.rates(), |rates| {
        let rows: Vec<Vec<String>> = rates
            .iter()
            .map(|r| {
                vec![
                    r.country.clone(),
                    r.network.clone().unwrap_or_else(|| "all".into()),
                    r.price.to_string(),
                    if r.charge_delivered_only {
                        "delivered only".into()
                    } else {
                        "all".into()
                    },
                ]
            })
            .collect();
        output::table(&["COUNTRY", "NETWORK", "PRICE", "CHARGED"], &rows);
    })
}

pub fn chats(a: PageArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.chats(a.page), |chats| {
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
    let c = client(&a.common)?;
    done(&a.common, c.chat(&a.chat_id, a.page), |t| {
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
    let c = client(&a.common)?;
    let query = InboundQuery {
        chat_id: a.chat_id.clone(),
        mailing_id: a.mailing_id.clone(),
        page: a.page,
    };
    done(&a.common, c.inbound(&query), |list| {
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

pub fn capabilities(a: NoArgs) -> CmdResult {
    let c = client(&a.common)?;
    let caps = c.capabilities();
    if a.common.json {
        output::json(&caps);
    } else {
        println!(
            "{}",
            serde_json::to_string_pretty(&caps).unwrap_or_default()
        );
    }
    Ok(0)
}

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
    let result = c
        .send_to_list(&message)
        .map_err(|e| name_the_flag(e, &Fields::Flags));
    done(&a.common, result, |r| {
        println!("mailing {} created for {} subscriber(s); confirm it with: vibergate confirm-mailing {}", r.mailing_id, r.subscribers.unwrap_or(0), r.mailing_id)
    })
}

pub fn confirm_mailing(a: MailingArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(
        &a.common,
        c.confirm_mailing(&a.mailing_id)
            .map(|_| serde_json::json!({"confirmed": a.mailing_id})),
        |_| println!("mailing {} confirmed", a.mailing_id),
    )
}

pub fn mailings(a: MailingsArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.mailings(a.offset, a.limit), |list| {
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
    let c = client(&a.common)?;
    done(&a.common, c.mailing(&a.mailing_id), |m| {
        println!("{}", serde_json::to_string_pretty(m).unwrap_or_default())
    })
}

pub fn delivery_list(a: MailingArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(&a.common, c.delivery_list(&a.mailing_id), |r| {
        output::statuses(r)
    })
}

pub fn mark_read(a: MarkReadArgs) -> CmdResult {
    let c = client(&a.common)?;
    done(
        &a.common,
        c.mark_inbound_read(&a.ids)
            .map(|n| serde_json::json!({"marked": n})),
        |v| println!("marked read: {}", v["marked"]),
    )
}

pub fn sms_info(a: SmsInfoArgs) -> CmdResult {
    let info = vibergate_core::sms_info(&a.text);
    if a.json {
        output::json(&info);
    } else {
        let encoding = match info.encoding {
            vibergate_core::SmsEncoding::Gsm7 => "gsm7",
            vibergate_core::SmsEncoding::Ucs2 => "ucs2",
        };
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
    let provider = ProviderId::parse(&a.provider)
        .ok_or_else(|| Failure::Usage(format!("unknown provider {:?}", a.provider)))?;
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

#[derive(Args)]
pub struct SandboxArgs {
    /// Port to listen on, on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Milliseconds between delivery steps (0 = final at once).
    #[arg(long, default_value_t = 1000)]
    step_ms: u64,
    /// Where Intel-Tele status callbacks go.
    #[arg(long)]
    inteltele_callback_url: Option<String>,
}

/// What the emulator does with a number, by its last four digits.
const SANDBOX_NUMBERS: &str = "\
numbers choose their fate by their last four digits:
  0000  never delivered (SMS.by documents no failure status: there it stays SENT)
  9999  blacklisted (SMS.by documents no black list: there it stays SENT)
  1111  no Viber: the SMS fallback is delivered; SMS Club (smsStatus) and DecisionTelecom
        (sms_message_status) report it, SMS.by and Intel-Tele document no status for it
  2222  read at once; any other number is delivered, then read";

pub fn sandbox(a: SandboxArgs) -> CmdResult {
    let config = SandboxConfig {
        port: a.port,
        step_ms: a.step_ms,
        inteltele_callback_url: a.inteltele_callback_url,
        ..SandboxConfig::default()
    };
    let sb = Sandbox::start(config).map_err(|e| Failure::Usage(e.message.clone()))?;
    println!("vibergate sandbox listening on {}", sb.base_url());
    for p in ProviderId::ALL {
        println!("  {:<16} {}", p.as_str(), sb.dsn(p));
    }
    println!(
        "control: GET {0}/_sandbox/requests, POST {0}/_sandbox/faults, POST {0}/_sandbox/reset",
        sb.base_url()
    );
    println!("{SANDBOX_NUMBERS}");
    println!("press Ctrl-C to stop");
    let _ = std::io::stdout().flush();
    loop {
        std::thread::park();
    }
}
