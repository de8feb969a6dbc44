//! The unified message (docs/reference.md) and its validation, which runs before any network I/O.

use serde::{Deserialize, Serialize};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::phone;
use crate::providers::Capabilities;
use crate::report::Rejected;

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
    /// The recipients' phone numbers, normalised to international digits without `+` before
    /// sending; an invalid one is rejected `invalid_number`, a repeat `duplicate`. Empty only
    /// for a reply into a chat (`chat_id`).
    #[serde(default)]
    pub to: Vec<String>,
    /// The Viber sender; defaults to the client's `sender`. SMS.by: the numeric Viber name id
    /// (`vibername_id`); its mailings go out from the alpha name (`sms_sender`) instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The Viber text, at most [`MAX_TEXT_CHARS`] characters. `None` (or empty) for an image
    /// alone, which only SMS.by takes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The image's `http://` or `https://` URL; with a text it needs a `button`. Intel-Tele: the
    /// path must end in a lowercase `.jpg`, `.jpeg` or `.png`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// A button under the text (never without one). SMS Club takes a button only with an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Button>,
    /// How long the provider tries Viber, in seconds; `None` leaves the provider's default. The
    /// range depends on the provider (`Capabilities::ttl_seconds`). SMS.by: the wait before the
    /// SMS fallback, a multiple of 60 from 300 to 3600, only with `sms_fallback`.
    /// DecisionTelecom: 40 or `None` with `sms_fallback`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u32>,
    /// The SMS sent when Viber does not deliver; `None` for no SMS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_fallback: Option<SmsFallback>,
    /// When the message may go out (SMS Club and SMS.by); `None` sends it now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// `transactional` or `promotional`; `None` means promotional with an image or a button,
    /// else transactional (see [`Message::effective_category`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Opens a 2-way chat the recipient can answer in (SMS Club and DecisionTelecom).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub two_way: bool,
    /// A reply into an existing SMS Club chat; `to` stays empty and the chat's own sender is
    /// used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// Where the provider posts delivery reports (SMS.by and DecisionTelecom); signed with a
    /// `vg_token` when the client has a `webhook_secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The mailing's name (SMS.by).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// A button under the message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Button {
    /// The caption, 1 to [`MAX_BUTTON_TEXT_CHARS`] characters.
    pub text: String,
    /// The link, `http://` or `https://`; SMS.by: at most 150 characters.
    pub url: String,
}

impl Button {
    /// A button with this caption and link.
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
    /// The SMS text, not empty. DecisionTelecom: one SMS (160 GSM-7 or 70 UCS-2 characters);
    /// SMS.by: the same as the Viber `text`.
    pub text: String,
    /// The SMS sender; defaults to the client's `sms_sender`. SMS.by: the numeric alpha-name
    /// id (`alphaname_id`), a different id from the Viber name in `Message::sender`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
}

impl SmsFallback {
    /// An SMS fallback with this text and the client's `sms_sender`.
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
    /// The earliest time, in unix seconds; positive.
    pub start: i64,
    /// The latest time, in unix seconds, after `start`. SMS Club needs it; SMS.by takes none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<i64>,
}

/// Whether a message is transactional or promotional (JSON: `transactional`, `promotional`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Category {
    /// A service message: text only for DecisionTelecom.
    Transactional,
    /// A promotional message: the default for one with an image or a button.
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

    /// Sets the Viber sender; SMS.by: the numeric Viber name id.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    /// Sets the Viber text.
    pub fn text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets the image URL.
    pub fn image_url(mut self, url: impl Into<String>) -> Self {
        self.image_url = Some(url.into());
        self
    }

    /// Adds a button with this caption and link.
    pub fn button(mut self, text: impl Into<String>, url: impl Into<String>) -> Self {
        self.button = Some(Button::new(text, url));
        self
    }

    /// Sets how long the provider tries Viber, in seconds.
    pub fn ttl_seconds(mut self, ttl: u32) -> Self {
        self.ttl_seconds = Some(ttl);
        self
    }

    /// Adds an SMS sent when Viber does not deliver.
    pub fn sms_fallback(mut self, fallback: SmsFallback) -> Self {
        self.sms_fallback = Some(fallback);
        self
    }

    /// Schedules the message between `start` and `end` (unix seconds; `end` optional).
    pub fn schedule(mut self, start: i64, end: Option<i64>) -> Self {
        self.schedule = Some(Schedule { start, end });
        self
    }

    /// Sets the category instead of deriving it from the content.
    pub fn category(mut self, category: Category) -> Self {
        self.category = Some(category);
        self
    }

    /// Opens a 2-way chat (SMS Club, DecisionTelecom).
    pub fn two_way(mut self, two_way: bool) -> Self {
        self.two_way = two_way;
        self
    }

    /// Makes the message a reply into this SMS Club chat; leave `to` empty.
    pub fn chat_id(mut self, chat_id: impl Into<String>) -> Self {
        self.chat_id = Some(chat_id.into());
        self
    }

    /// Sets where the provider posts delivery reports (SMS.by, DecisionTelecom).
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Names the mailing (SMS.by).
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
    /// The recipient's phone number.
    pub to: String,
    /// This recipient's text.
    pub text: String,
    /// This recipient's button link; the caption is the message's `button_text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_url: Option<String>,
}

/// A send where each recipient gets its own text (and button link); every other field is shared.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PersonalizedMessage {
    /// One entry per recipient; at least one.
    pub items: Vec<PersonalizedItem>,
    /// The Viber sender, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// The image every item shows, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// Caption of the button whose link each item gives.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_text: Option<String>,
    /// How long the provider tries Viber, in seconds, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttl_seconds: Option<u32>,
    /// When the items may go out, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// The category, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<Category>,
    /// Where the provider posts delivery reports, as in a [`Message`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// The mailing's name (SMS.by), as in a [`Message`].
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

/// Trimmed text, or `None` when blank: the optional fields where white space means "not set".
fn non_empty(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
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

/// `invalid_message` on `field`, from the provider whose rule refused it.
fn invalid(caps: &Capabilities, field: &str, why: String) -> Error {
    Error::invalid_message(field, why).with_provider(caps.provider)
}

/// What a message shows: its text, image and button. Every way of sending content (a message,
/// a personalised item, an SMS.by list mailing) checks it with [`Content::check`].
#[derive(Debug, Clone, Default)]
pub(crate) struct Content {
    /// The text; an empty one is none.
    pub text: Option<String>,
    /// The image URL, trimmed; a blank one is none.
    pub image_url: Option<String>,
    pub button: Option<Button>,
}

impl Content {
    /// The content after the checks each part and their combination need, by `caps`'s rules.
    pub(crate) fn check(
        text: Option<&str>,
        image_url: Option<&str>,
        button: Option<&Button>,
        caps: &Capabilities,
    ) -> Result<Content> {
        let content = Content {
            text: text.filter(|t| !t.is_empty()).map(str::to_owned),
            image_url: non_empty(image_url),
            button: button.cloned(),
        };
        content.check_text(caps)?;
        if let Some(url) = &content.image_url {
            check_url("image_url", url)?;
        }
        if let Some(button) = &content.button {
            check_button(button, caps)?;
        }
        content.check_combination(caps)?;
        Ok(content)
    }

    fn check_text(&self, caps: &Capabilities) -> Result<()> {
        let n = self.text.as_deref().map_or(0, |t| t.chars().count());
        if n > MAX_TEXT_CHARS {
            return Err(invalid(
                caps,
                "text",
                format!("text is {n} characters; the limit is {MAX_TEXT_CHARS}"),
            ));
        }
        Ok(())
    }

    /// Which parts may go together: a text or an image, a button only under a text, and the
    /// provider's `image_without_text` and `image_needs_button`.
    fn check_combination(&self, caps: &Capabilities) -> Result<()> {
        match (&self.text, &self.image_url, &self.button) {
            (None, None, _) => {
                let needs = if caps.image_without_text {
                    "the message needs a text or an image"
                } else {
                    "the message needs a text"
                };
                Err(invalid(caps, "text", needs.into()))
            }
            (None, Some(_), _) if !caps.image_without_text => Err(Error::unsupported(
                caps.provider,
                "text",
                "messages without text (an image alone needs smsby)",
            )),
            (None, Some(_), Some(_)) => Err(invalid(
                caps,
                "text",
                "a message with a button needs a text".into(),
            )),
            (Some(_), Some(_), None) if caps.image_needs_button => Err(invalid(
                caps,
                "button",
                format!(
                    "{} sends an image with text only together with a button",
                    caps.provider.display_name()
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// A button needs a caption of at most [`MAX_BUTTON_TEXT_CHARS`] and a link the provider takes.
fn check_button(button: &Button, caps: &Capabilities) -> Result<()> {
    let n = button.text.trim().chars().count();
    if n == 0 {
        return Err(invalid(
            caps,
            "button.text",
            "button.text is empty; a button needs a caption".into(),
        ));
    }
    if n > MAX_BUTTON_TEXT_CHARS {
        return Err(invalid(
            caps,
            "button.text",
            format!("button.text is {n} characters; the limit is {MAX_BUTTON_TEXT_CHARS}"),
        ));
    }
    if button.url.trim().is_empty() {
        return Err(invalid(
            caps,
            "button.url",
            "button.url is empty; a button needs a link".into(),
        ));
    }
    check_url("button.url", &button.url)?;
    let n = button.url.chars().count();
    match caps.max_button_url_chars {
        Some(max) if n > max => Err(invalid(
            caps,
            "button.url",
            format!(
                "button.url is {n} characters; {} allows {max}",
                caps.provider.display_name()
            ),
        )),
        _ => Ok(()),
    }
}

/// A message as far as the shared checks took it, for the rules one provider adds
/// ([`crate::providers::check_message`], [`crate::providers::check_sms_fallback`]).
pub(crate) struct Draft<'a> {
    pub provider: ProviderId,
    pub message: &'a Message,
    pub content: &'a Content,
    /// The Viber sender the message goes out under (the message's, else the client's).
    pub sender: Option<&'a str>,
}

/// The checklist of one message for one provider: each step a rule of its own, run in
/// [`prepare`]'s order so that the first problem a caller meets stays the same.
struct Checklist<'a> {
    message: &'a Message,
    config: &'a Config,
    caps: &'a Capabilities,
    /// A reply into a chat (`chat_id`): it goes to the chat's recipient under the chat's sender.
    is_chat_reply: bool,
}

impl Checklist<'_> {
    fn invalid(&self, field: &str, why: String) -> Error {
        invalid(self.caps, field, why)
    }

    fn unsupported(&self, field: &str, what: &str) -> Error {
        Error::unsupported(self.caps.provider, field, what)
    }

    fn name(&self) -> &'static str {
        self.caps.provider.display_name()
    }

    fn has_recipients(&self) -> Result<()> {
        if self.message.to.is_empty() && !self.is_chat_reply {
            return Err(self.invalid("to", "the message needs at least one recipient".into()));
        }
        Ok(())
    }

    /// `ttl_seconds` within the provider's range, which may differ for one and for several
    /// recipients.
    fn ttl(&self, recipients: usize) -> Result<()> {
        let Some(ttl) = self.message.ttl_seconds else {
            return Ok(());
        };
        let Some((min_single, min_many, max)) = self.caps.ttl_seconds else {
            return Err(self.unsupported("ttl_seconds", "a message lifetime (ttl_seconds)"));
        };
        let min = if recipients > 1 { min_many } else { min_single };
        if (min..=max).contains(&ttl) {
            return Ok(());
        }
        let scope = match (min_single == min_many, recipients > 1) {
            (true, _) => "",
            (false, true) => " for more than one recipient",
            (false, false) => " for one recipient",
        };
        Err(self.invalid(
            "ttl_seconds",
            format!(
                "ttl_seconds must be within {min}–{max}{scope} for {}, got {ttl}",
                self.name()
            ),
        ))
    }

    /// The Viber sender. A reply into a chat goes out under the chat's own sender: the client's
    /// default sender is not added to it (SMS Club's reply example carries no sender).
    fn sender(&self) -> Result<Option<String>> {
        let sender = non_empty(self.message.sender.as_deref()).or_else(|| {
            if self.is_chat_reply {
                None
            } else {
                non_empty(self.config.sender.as_deref())
            }
        });
        let Some(s) = &sender else {
            if self.caps.sender_required && !self.is_chat_reply {
                return Err(self.invalid(
                    "sender",
                    format!(
                        "{} needs a sender (set it on the message or the client's sender option)",
                        self.name()
                    ),
                ));
            }
            return Ok(None);
        };
        if let Some(max) = self.caps.max_sender_chars {
            if s.chars().count() > max {
                return Err(self.invalid(
                    "sender",
                    format!(
                        "sender may have at most {max} characters for {}",
                        self.name()
                    ),
                ));
            }
        }
        if self.caps.numeric_sender_id && !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(self.invalid(
                "sender",
                format!(
                    "{} needs the numeric id of the Viber name as sender, got {s:?}",
                    self.name()
                ),
            ));
        }
        Ok(sender)
    }

    /// The SMS sent when Viber does not deliver, with its sender (the fallback's, else the
    /// client's `sms_sender`); the provider's own fallback rules run between the shared ones.
    fn sms_fallback(&self, draft: &Draft<'_>) -> Result<Option<PreparedFallback>> {
        let Some(fallback) = &self.message.sms_fallback else {
            return Ok(None);
        };
        if !self.caps.sms_fallback {
            return Err(self.unsupported("sms_fallback", "an SMS fallback"));
        }
        if fallback.text.is_empty() {
            return Err(self.invalid("sms_fallback.text", "sms_fallback.text is empty".into()));
        }
        let sender = non_empty(fallback.sender.as_deref())
            .or_else(|| non_empty(self.config.sms_sender.as_deref()));
        crate::providers::check_sms_fallback(draft, fallback, sender.as_deref())?;
        if self.caps.sms_sender_required && sender.is_none() {
            return Err(self.invalid(
                "sms_fallback.sender",
                format!(
                    "{} needs an SMS sender for the fallback (sms_fallback.sender or the \
                     sms_sender option)",
                    self.name()
                ),
            ));
        }
        Ok(Some(PreparedFallback {
            text: fallback.text.clone(),
            sender,
        }))
    }

    fn schedule(&self) -> Result<()> {
        let Some(s) = &self.message.schedule else {
            return Ok(());
        };
        if !self.caps.schedule {
            return Err(self.unsupported("schedule", "scheduled sending"));
        }
        if s.start <= 0 {
            return Err(self.invalid(
                "schedule.start",
                "schedule.start must be a unix time in seconds".into(),
            ));
        }
        match s.end {
            Some(end) if end <= s.start => Err(self.invalid(
                "schedule.end",
                "schedule.end must be after schedule.start".into(),
            )),
            Some(_) if !self.caps.schedule_end => {
                Err(self.unsupported("schedule.end", "an end time for a schedule"))
            }
            None if self.caps.schedule_end_required => Err(self.invalid(
                "schedule.end",
                format!(
                    "{} needs schedule.end together with schedule.start",
                    self.name()
                ),
            )),
            _ => Ok(()),
        }
    }

    /// 2-way messages and replies into a chat.
    fn conversation(&self) -> Result<()> {
        if self.message.two_way && !self.caps.two_way {
            return Err(self.unsupported("two_way", "2-way messages"));
        }
        if self.is_chat_reply && !self.caps.chat_id {
            return Err(self.unsupported("chat_id", "replies into a chat (chat_id)"));
        }
        if self.is_chat_reply && !self.message.to.is_empty() {
            return Err(self.invalid(
                "to",
                "a reply into a chat (chat_id) goes to the chat's recipient: leave `to` empty"
                    .into(),
            ));
        }
        Ok(())
    }

    /// The per-message callback URL; with a webhook secret, signed so that the provider calls
    /// back a URL that proves where it came from.
    fn callback_url(&self) -> Result<Option<String>> {
        let Some(url) = non_empty(self.message.callback_url.as_deref()) else {
            return Ok(None);
        };
        if !self.caps.callback_url {
            return Err(self.unsupported(
                "callback_url",
                "a per-message callback_url (set it in the provider's account)",
            ));
        }
        check_url("callback_url", &url)?;
        Ok(Some(match &self.config.webhook_secret {
            Some(secret) => crate::signing::sign_callback_url(&url, secret.expose()),
            None => url,
        }))
    }

    fn label(&self) -> Result<Option<String>> {
        let label = non_empty(self.message.label.as_deref());
        if label.is_some() && !self.caps.label {
            return Err(self.unsupported("label", "a mailing label"));
        }
        Ok(label)
    }
}

/// Validates `message` for the provider of `config`: field rules, the feature matrix, the
/// provider's limits. A field error is `invalid_message`, a missing feature `unsupported`, and no
/// valid recipient left `no_valid_recipients`; all with `field` set.
pub(crate) fn prepare(message: &Message, config: &Config, caps: &Capabilities) -> Result<Prepared> {
    let chat_id = non_empty(message.chat_id.as_deref());
    let check = Checklist {
        message,
        config,
        caps,
        is_chat_reply: chat_id.is_some(),
    };
    check.has_recipients()?;
    let (recipients, rejected) =
        phone::normalize_all(&message.to, config.default_country.as_deref());
    let content = Content::check(
        message.text.as_deref(),
        message.image_url.as_deref(),
        message.button.as_ref(),
        caps,
    )?;
    check.ttl(recipients.len())?;
    let sender = check.sender()?;
    let draft = Draft {
        provider: caps.provider,
        message,
        content: &content,
        sender: sender.as_deref(),
    };
    crate::providers::check_message(&draft)?;
    let sms_fallback = check.sms_fallback(&draft)?;
    check.schedule()?;
    check.conversation()?;
    let callback_url = check.callback_url()?;
    let label = check.label()?;
    if recipients.is_empty() && !check.is_chat_reply {
        return Err(no_valid_recipients("to", rejected).with_provider(caps.provider));
    }
    let Content {
        text,
        image_url,
        button,
    } = content;
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
        two_way: message.two_way || check.is_chat_reply,
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
