//! The unified message (docs/reference.md) and its validation, which runs before any network I/O.

use serde::{Deserialize, Serialize};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::phone;
use crate::providers::Capabilities;
use crate::report::Rejected;
use crate::sms::{self, SmsEncoding};

/// The longest Viber text, in Unicode scalar values.
pub const MAX_TEXT_CHARS: usize = 1000;
/// The longest button caption.
pub const MAX_BUTTON_TEXT_CHARS: usize = 30;

/// A Viber message to one or more recipients. Build it with [`Message::to`] and the setters,
/// or deserialise it from JSON (unknown keys are refused, never ignored).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Message {
    #[serde(default)]
    pub to: Vec<String>,
    /// The Viber sender; defaults to the client's `sender`. SMS.by: the numeric Viber name id
    /// (`vibername_id`); its mailings go out from the alpha name (`sms_sender`) instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Button>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_fallback: Option<SmsFallback>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub two_way: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A button under the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Button {
    pub text: String,
    pub url: String,
}

impl Button {
    pub fn new(text: impl Into<String>, url: impl Into<String>) -> Self {
        Button {
            text: text.into(),
            url: url.into(),
        }
    }
}

/// The SMS sent when Viber does not deliver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SmsFallback {
    pub text: String,
    /// The SMS sender; defaults to the client's `sms_sender`. SMS.by: the numeric alpha-name
    /// id (`alphaname_id`), a different id from the Viber name in `Message::sender`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

impl SmsFallback {
    pub fn new(text: impl Into<String>) -> Self {
        SmsFallback {
            text: text.into(),
            sender: None,
        }
    }
}

/// When a mailing may go out, in unix seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Schedule {
    pub start: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Transactional,
    Promotional,
}

impl Message {
    /// A message to these recipients.
    pub fn to<I, S>(recipients: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Message {
            to: recipients.into_iter().map(Into::into).collect(),
            ..Message::default()
        }
    }

    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    pub fn image_url(mut self, url: impl Into<String>) -> Self {
        self.image_url = Some(url.into());
        self
    }

    pub fn button(mut self, text: impl Into<String>, url: impl Into<String>) -> Self {
        self.button = Some(Button::new(text, url));
        self
    }

    pub fn ttl_seconds(mut self, ttl: u32) -> Self {
        self.ttl_seconds = Some(ttl);
        self
    }

    pub fn sms_fallback(mut self, fallback: SmsFallback) -> Self {
        self.sms_fallback = Some(fallback);
        self
    }

    pub fn schedule(mut self, start: i64, end: Option<i64>) -> Self {
        self.schedule = Some(Schedule { start, end });
        self
    }

    pub fn category(mut self, category: Category) -> Self {
        self.category = Some(category);
        self
    }

    pub fn two_way(mut self, two_way: bool) -> Self {
        self.two_way = two_way;
        self
    }

    pub fn chat_id(mut self, chat_id: impl Into<String>) -> Self {
        self.chat_id = Some(chat_id.into());
        self
    }

    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// The category the message is sent as: the explicit one, else promotional when it has an
    /// image or a button, else transactional.
    pub fn effective_category(&self) -> Category {
        self.category
            .unwrap_or(if self.image_url.is_some() || self.button.is_some() {
                Category::Promotional
            } else {
                Category::Transactional
            })
    }
}

/// One item of `send_personalized`: its own recipient, text and button link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonalizedItem {
    pub to: String,
    pub text: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_url: Option<String>,
}

/// A send where each recipient gets its own text (and button link); every other field is shared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonalizedMessage {
    pub items: Vec<PersonalizedItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Caption of the button whose link each item gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

impl PersonalizedMessage {
    /// The single-recipient message that `item` stands for.
    pub fn message_for(&self, item: &PersonalizedItem) -> Message {
        Message {
            to: vec![item.to.clone()],
            sender: self.sender.clone(),
            text: Some(item.text.clone()),
            image_url: self.image_url.clone(),
            button: match (&self.button_text, &item.button_url) {
                (Some(t), Some(u)) => Some(Button::new(t.clone(), u.clone())),
                (None, Some(u)) => Some(Button::new(String::new(), u.clone())),
                (Some(t), None) => Some(Button::new(t.clone(), String::new())),
                (None, None) => None,
            },
            ttl_seconds: self.ttl_seconds,
            schedule: self.schedule,
            category: self.category,
            callback_url: self.callback_url.clone(),
            label: self.label.clone(),
            ..Message::default()
        }
    }
}

/// A message that passed validation for one provider, with defaults applied.
#[derive(Debug, Clone)]
pub(crate) struct Prepared {
    /// Normalised, unique recipients, in the caller's order.
    pub recipients: Vec<String>,
    /// Recipients refused before sending (`invalid_number`, `duplicate`).
    pub rejected: Vec<Rejected>,
    pub sender: Option<String>,
    pub text: Option<String>,
    pub image_url: Option<String>,
    pub button: Option<Button>,
    pub ttl_seconds: Option<u32>,
    pub sms_fallback: Option<PreparedFallback>,
    pub schedule: Option<Schedule>,
    pub category: Category,
    pub two_way: bool,
    pub chat_id: Option<String>,
    pub callback_url: Option<String>,
    pub label: Option<String>,
}

#[derive(Debug, Clone)]
pub(crate) struct PreparedFallback {
    pub text: String,
    pub sender: Option<String>,
}

fn non_empty(s: &Option<String>) -> Option<String> {
    s.as_ref()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Checks that `url` is an absolute http(s) URL with a host and no whitespace.
pub(crate) fn check_url(field: &str, url: &str) -> Result<()> {
    let bad = |why: &str| Error::invalid_message(field, format!("{field} {why}"));
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    // The scheme is case-insensitive.
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("must be an http:// or https:// URL"))?;
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(bad("must be an http:// or https:// URL"));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host = host.rsplit('@').next().unwrap_or("");
    if crate::config::host_of(host).is_empty() {
        return Err(bad("has no host"));
    }
    Ok(())
}

/// Validates `message` for the provider of `config`: field rules, the feature matrix, the
/// provider's limits. A field error is `invalid_message`, a missing feature `unsupported`, and no
/// valid recipient left `no_valid_recipients`; all with `field` set.
pub(crate) fn prepare(message: &Message, config: &Config, caps: &Capabilities) -> Result<Prepared> {
    let provider = config.provider;
    let unsupported = |field: &str, what: &str| Error::unsupported(provider, field, what);
    let invalid =
        |field: &str, why: String| Error::invalid_message(field, why).with_provider(provider);

    let text = message.text.clone().filter(|t| !t.is_empty());
    let image_url = non_empty(&message.image_url);
    let chat_id = non_empty(&message.chat_id);

    // Recipients.
    let is_chat_reply = chat_id.is_some();
    if message.to.is_empty() && !is_chat_reply {
        return Err(invalid(
            "to",
            "the message needs at least one recipient".into(),
        ));
    }
    let (recipients, rejected) =
        phone::normalize_all(&message.to, config.default_country.as_deref());

    // Text, image and button.
    if let Some(t) = &text {
        let n = t.chars().count();
        if n > MAX_TEXT_CHARS {
            return Err(invalid(
                "text",
                format!("text is {n} characters; the limit is {MAX_TEXT_CHARS}"),
            ));
        }
    }
    if let Some(url) = &image_url {
        check_url("image_url", url)?;
    }
    let button = match &message.button {
        None => None,
        Some(b) => {
            let n = b.text.trim().chars().count();
            if n == 0 {
                return Err(invalid(
                    "button.text",
                    "button.text is empty; a button needs a caption".into(),
                ));
            }
            if n > MAX_BUTTON_TEXT_CHARS {
                return Err(invalid(
                    "button.text",
                    format!("button.text is {n} characters; the limit is {MAX_BUTTON_TEXT_CHARS}"),
                ));
            }
            if b.url.trim().is_empty() {
                return Err(invalid(
                    "button.url",
                    "button.url is empty; a button needs a link".into(),
                ));
            }
            check_url("button.url", &b.url)?;
            if let Some(max) = caps.max_button_url_chars {
                let n = b.url.chars().count();
                if n > max {
                    return Err(invalid(
                        "button.url",
                        format!(
                            "button.url is {n} characters; {} allows {max}",
                            provider.display_name()
                        ),
                    ));
                }
            }
            Some(b.clone())
        }
    };
    match (&text, &image_url, &button) {
        (None, None, _) => return Err(invalid("text", "the message needs a text".into())),
        (None, Some(_), _) if !caps.image_without_text => {
            return Err(unsupported(
                "text",
                "messages without text (an image alone needs smsby)",
            ))
        }
        (None, Some(_), Some(_)) => {
            return Err(invalid(
                "text",
                "a message with a button needs a text".into(),
            ))
        }
        (Some(_), Some(_), None) if caps.image_needs_button => {
            return Err(invalid(
                "button",
                format!(
                    "{} sends an image with text only together with a button",
                    provider.display_name()
                ),
            ))
        }
        _ => {}
    }

    // Time to live.
    if let Some(ttl) = message.ttl_seconds {
        let Some((min_single, min_many, max)) = caps.ttl_seconds else {
            return Err(unsupported(
                "ttl_seconds",
                "a message lifetime (ttl_seconds)",
            ));
        };
        let min = if recipients.len() > 1 {
            min_many
        } else {
            min_single
        };
        if ttl < min || ttl > max {
            let scope = if min_single != min_many {
                if recipients.len() > 1 {
                    " for more than one recipient"
                } else {
                    " for one recipient"
                }
            } else {
                ""
            };
            return Err(invalid(
                "ttl_seconds",
                format!(
                    "ttl_seconds must be within {min}–{max}{scope} for {}, got {ttl}",
                    provider.display_name()
                ),
            ));
        }
    }

    // Sender. A reply into a chat goes out under the chat's own sender: the client's default
    // sender is not added to it (SMS Club's reply example carries no sender).
    let sender = non_empty(&message.sender).or_else(|| {
        if is_chat_reply {
            None
        } else {
            non_empty(&config.sender)
        }
    });
    if sender.is_none() && caps.sender_required && !is_chat_reply {
        return Err(invalid(
            "sender",
            format!(
                "{} needs a sender (set it on the message or the client's sender option)",
                provider.display_name()
            ),
        ));
    }
    if let Some(s) = &sender {
        if let Some(max) = caps.max_sender_chars {
            if s.chars().count() > max {
                return Err(invalid(
                    "sender",
                    format!(
                        "sender may have at most {max} characters for {}",
                        provider.display_name()
                    ),
                ));
            }
        }
        if caps.numeric_sender_id && !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid(
                "sender",
                format!(
                    "{} needs the numeric id of the Viber name as sender, got {s:?}",
                    provider.display_name()
                ),
            ));
        }
    }

    // Rules that one provider's document adds; each lives in that provider's module.
    match provider {
        ProviderId::DecisionTelecom => crate::providers::decisiontelecom::check_message(
            message,
            image_url.is_some() || button.is_some(),
        )?,
        ProviderId::SmsClub => {
            crate::providers::smsclub::check_message(image_url.is_some(), button.is_some())?
        }
        ProviderId::IntelTele => crate::providers::inteltele::check_message(image_url.as_deref())?,
        ProviderId::SmsBy => {}
    }

    // SMS fallback.
    let sms_fallback = match &message.sms_fallback {
        None => None,
        Some(fb) => {
            if !caps.sms_fallback {
                return Err(unsupported("sms_fallback", "an SMS fallback"));
            }
            if fb.text.is_empty() {
                return Err(invalid(
                    "sms_fallback.text",
                    "sms_fallback.text is empty".into(),
                ));
            }
            let fb_sender = non_empty(&fb.sender).or_else(|| non_empty(&config.sms_sender));
            let info = sms::sms_info(&fb.text);
            match provider {
                ProviderId::DecisionTelecom => {
                    if !info.fits_one_segment() {
                        let (limit, enc) = match info.encoding {
                            SmsEncoding::Gsm7 => (160, "GSM-7"),
                            SmsEncoding::Ucs2 => (70, "UCS-2"),
                        };
                        return Err(invalid("sms_fallback.text", format!(
                            "DecisionTelecom's SMS fallback is one SMS: at most {limit} {enc} characters, got {}", info.characters)));
                    }
                    if message.effective_category() == Category::Promotional {
                        return Err(invalid("sms_fallback", "DecisionTelecom sends an SMS fallback only for transactional messages (set category to transactional)".into()));
                    }
                    if non_empty(&fb.sender).is_some_and(|s| Some(&s) != sender.as_ref()) {
                        return Err(unsupported(
                            "sms_fallback.sender",
                            "a separate SMS sender (the Viber sender is used)",
                        ));
                    }
                }
                ProviderId::SmsBy if Some(&fb.text) != text.as_ref() => {
                    return Err(unsupported(
                        "sms_fallback.text",
                        "an SMS text of its own (SMS.by forwards the Viber text)",
                    ));
                }
                _ => {}
            }
            if caps.sms_sender_required && fb_sender.is_none() {
                return Err(invalid("sms_fallback.sender", format!("{} needs an SMS sender for the fallback (sms_fallback.sender or the sms_sender option)", provider.display_name())));
            }
            if let Some(s) = &fb_sender {
                check_sms_sender(provider, s)?;
            }
            Some(PreparedFallback {
                text: fb.text.clone(),
                sender: if provider == ProviderId::DecisionTelecom {
                    None
                } else {
                    fb_sender
                },
            })
        }
    };

    // Schedule.
    if let Some(s) = &message.schedule {
        if !caps.schedule {
            return Err(unsupported("schedule", "scheduled sending"));
        }
        if s.start <= 0 {
            return Err(invalid(
                "schedule.start",
                "schedule.start must be a unix time in seconds".into(),
            ));
        }
        match s.end {
            Some(end) if end <= s.start => {
                return Err(invalid(
                    "schedule.end",
                    "schedule.end must be after schedule.start".into(),
                ))
            }
            Some(_) if !caps.schedule_end => {
                return Err(unsupported("schedule.end", "an end time for a schedule"))
            }
            None if caps.schedule_end_required => {
                return Err(invalid(
                    "schedule.end",
                    format!(
                        "{} needs schedule.end together with schedule.start",
                        provider.display_name()
                    ),
                ))
            }
            _ => {}
        }
    }

    if message.two_way && !caps.two_way {
        return Err(unsupported("two_way", "2-way messages"));
    }
    if chat_id.is_some() && !caps.chat_id {
        return Err(unsupported("chat_id", "replies into a chat (chat_id)"));
    }
    if chat_id.is_some() && !message.to.is_empty() {
        return Err(invalid(
            "to",
            "a reply into a chat (chat_id) goes to the chat's recipient: leave `to` empty".into(),
        ));
    }
    let callback_url = non_empty(&message.callback_url);
    if let Some(url) = &callback_url {
        if !caps.callback_url {
            return Err(unsupported(
                "callback_url",
                "a per-message callback_url (set it in the provider's account)",
            ));
        }
        check_url("callback_url", url)?;
    }
    // With a webhook secret, the provider calls back a URL that proves where it came from.
    let callback_url = match (&config.webhook_secret, callback_url) {
        (Some(secret), Some(url)) => Some(crate::signing::sign_callback_url(&url, secret.expose())),
        (_, url) => url,
    };
    let label = non_empty(&message.label);
    if label.is_some() && !caps.label {
        return Err(unsupported("label", "a mailing label"));
    }

    if recipients.is_empty() && !is_chat_reply {
        return Err(no_valid_recipients("to", rejected).with_provider(provider));
    }

    Ok(Prepared {
        recipients,
        rejected,
        sender,
        text,
        image_url,
        button,
        ttl_seconds: message.ttl_seconds,
        sms_fallback,
        schedule: message.schedule,
        category: message.effective_category(),
        two_way: message.two_way || is_chat_reply,
        chat_id,
        callback_url,
        label,
    })
}

/// The error of a send whose every recipient was refused before any request (`field` is where
/// the recipients were given: `to`, or `items` for a personalised send); it lists them all.
pub(crate) fn no_valid_recipients(field: &str, rejected: Vec<Rejected>) -> Error {
    Error::new(
        ErrorCode::NoValidRecipients,
        "no valid recipient is left after normalisation",
    )
    .with_field(field)
    .with_rejected(rejected)
}

/// SMS sender rules that the providers document.
fn check_sms_sender(provider: ProviderId, sender: &str) -> Result<()> {
    let invalid =
        |why: String| Error::invalid_message("sms_fallback.sender", why).with_provider(provider);
    match provider {
        ProviderId::IntelTele => {
            let n = sender.chars().count();
            let numeric = sender.bytes().all(|b| b.is_ascii_digit());
            let ok = if numeric {
                (3..=15).contains(&n)
            } else {
                (3..=11).contains(&n) && sender.bytes().all(|b| b.is_ascii_alphanumeric())
            };
            if !ok {
                return Err(invalid(
                    "Intel-Tele's SMS sender is 3–15 digits or 3–11 latin characters".into(),
                ));
            }
        }
        ProviderId::SmsBy if !sender.bytes().all(|b| b.is_ascii_digit()) => {
            return Err(invalid(
                "SMS.by needs the numeric id of the SMS alpha name as SMS sender".into(),
            ));
        }
        _ => {}
    }
    Ok(())
}
