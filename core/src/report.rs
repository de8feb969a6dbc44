//! Results of operations (docs/reference.md): the send report and the other answers.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::config::ProviderId;
use crate::error::ErrorCode;
use crate::status::DeliveryReport;

/// How many trailing digits identify a number an answer writes in its national form.
const NATIONAL_TAIL: usize = 9;

/// What became of one send: every recipient ends in exactly one of the three lists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct SendReport {
    /// The provider that was asked.
    pub provider: ProviderId,
    /// The provider's id for the whole send (SMS.by mailings), for `status_batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
    /// Recipients the provider took, in the order given.
    pub accepted: Vec<Accepted>,
    /// Recipients not sent to, each with its reason.
    pub rejected: Vec<Rejected>,
    /// Sent, but no answer came: the message may have gone out. Never re-sent automatically.
    pub uncertain: Vec<Uncertain>,
    /// HTTP requests made (retries included).
    pub requests: u32,
}

impl SendReport {
    /// An empty report for `provider`: no recipient yet, no request made.
    pub fn new(provider: ProviderId) -> Self {
        SendReport {
            provider,
            batch_id: None,
            accepted: Vec::new(),
            rejected: Vec::new(),
            uncertain: Vec::new(),
            requests: 0,
        }
    }

    /// Every message id the provider issued, in recipient order.
    pub fn message_ids(&self) -> Vec<&str> {
        self.accepted
            .iter()
            .filter_map(|a| a.message_id.as_deref())
            .collect()
    }

    /// Folds in the parsed answer to one batch that carried `phones`, so that each of them
    /// lands in exactly one bucket: an answer speaks only for the numbers its request carried
    /// (an entry about another number is ignored: that number's own request decides it); a
    /// number the answer does not mention may have been sent (uncertain); a number it lists
    /// twice keeps its best outcome (accepted over uncertain over rejected), with every id.
    pub(crate) fn merge_batch(&mut self, mut part: SendReport, phones: &[String]) {
        use std::collections::{HashMap, HashSet};
        if phones.is_empty() {
            // A request addressed otherwise (an SMS Club chat reply): its answer names the number.
            self.merge(part);
            return;
        }
        // The answer may write a number its own way (`+380…`): match on the digits, and report
        // the number as the request carried it.
        let digits = |p: &str| p.chars().filter(char::is_ascii_digit).collect::<String>();
        let by_digits: HashMap<String, &String> = phones.iter().map(|p| (digits(p), p)).collect();
        // A provider that writes the number nationally (`0636111112` for `380636111112`) is
        // matched on its last nine digits, when exactly one carried number ends with them.
        let tail = |d: &str| {
            d.get(d.len().saturating_sub(NATIONAL_TAIL)..)
                .map(str::to_owned)
        };
        let mut by_tail: HashMap<String, Option<&String>> = HashMap::new();
        for p in phones {
            if let Some(t) = tail(&digits(p)) {
                by_tail
                    .entry(t)
                    .and_modify(|seen| *seen = None)
                    .or_insert(Some(p));
            }
        }
        let canonical = |p: &mut String| {
            let d = digits(p);
            let carried = by_digits.get(&d).copied().or_else(|| {
                (d.len() >= NATIONAL_TAIL)
                    .then(|| tail(&d))
                    .flatten()
                    .and_then(|t| by_tail.get(&t).copied().flatten())
            });
            if let Some(carried) = carried {
                p.clone_from(carried);
            }
        };
        part.accepted
            .iter_mut()
            .for_each(|a| canonical(&mut a.phone));
        part.uncertain
            .iter_mut()
            .for_each(|u| canonical(&mut u.phone));
        part.rejected
            .iter_mut()
            .for_each(|r| canonical(&mut r.phone));
        let carried: HashSet<&str> = phones.iter().map(String::as_str).collect();
        part.accepted.retain(|a| carried.contains(a.phone.as_str()));
        let mut placed: HashSet<String> = part.accepted.iter().map(|a| a.phone.clone()).collect();
        part.uncertain
            .retain(|u| carried.contains(u.phone.as_str()) && placed.insert(u.phone.clone()));
        part.rejected
            .retain(|r| carried.contains(r.phone.as_str()) && placed.insert(r.phone.clone()));
        for phone in phones {
            if !placed.contains(phone.as_str()) {
                part.uncertain.push(Uncertain {
                    phone: phone.clone(),
                    detail: format!(
                        "{}'s answer does not mention this number; it may have been sent",
                        self.provider.display_name()
                    ),
                });
            }
        }
        self.merge(part);
    }

    pub(crate) fn merge(&mut self, other: SendReport) {
        self.batch_id = self.batch_id.take().or(other.batch_id);
        self.accepted.extend(other.accepted);
        self.rejected.extend(other.rejected);
        self.uncertain.extend(other.uncertain);
        self.requests = self.requests.saturating_add(other.requests);
    }
}

/// A recipient the provider took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Accepted {
    /// The number, normalised to international digits without `+`.
    pub phone: String,
    /// The provider's id of the message, for `status`; `None` for an SMS.by bulk mailing (it has
    /// only the report's `batch_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The 2-way chat of the message (SMS Club, when its answer names one); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// The price the provider quoted, as it wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
}

impl Accepted {
    /// A taken recipient with its message id, without chat or cost.
    pub fn new(phone: impl Into<String>, message_id: Option<String>) -> Self {
        Accepted {
            phone: phone.into(),
            message_id,
            chat_id: None,
            cost: None,
        }
    }
}

/// A recipient that was not sent to, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rejected {
    /// The number as normalised, or as given when it could not be.
    pub phone: String,
    /// Why it was rejected (serialised as its snake_case name, e.g. `invalid_number` or `auth`).
    pub reason: RejectReason,
    /// Why, in words.
    pub detail: String,
}

impl Rejected {
    /// A rejected recipient, with its reason and the words that explain it.
    pub fn new(phone: impl Into<String>, reason: RejectReason, detail: impl Into<String>) -> Self {
        Rejected {
            phone: phone.into(),
            reason,
            detail: detail.into(),
        }
    }
}

/// A recipient whose request got no answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Uncertain {
    /// The number as normalised.
    pub phone: String,
    /// What happened, in words (no answer in time, a dropped connection, a 5xx…).
    pub detail: String,
}

/// Why a recipient was rejected: a per-recipient cause, or the error code of the failed request
/// that carried it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RejectReason {
    /// Not a number that can exist, or the provider says so (`invalid_number`).
    InvalidNumber,
    /// The same number appeared earlier in the message (`duplicate`).
    Duplicate,
    /// On the provider's black list (`blacklisted`).
    Blacklisted,
    /// The provider refused a repeat of a message it had just sent to this number
    /// (`repeat_detected`).
    RepeatDetected,
    /// The provider has no route to this number (`no_route`).
    NoRoute,
    /// The balance did not cover this recipient (`insufficient_funds`).
    InsufficientFunds,
    /// The call's `deadline_ms` ran out before the request for this recipient was sent.
    Deadline,
    /// The request that carried this recipient failed with this error code (serialised as the
    /// code, e.g. `auth`).
    Request(ErrorCode),
}

impl RejectReason {
    /// Every per-recipient cause (every variant but `Request`), in declaration order.
    pub const CAUSES: [RejectReason; 7] = [
        RejectReason::InvalidNumber,
        RejectReason::Duplicate,
        RejectReason::Blacklisted,
        RejectReason::RepeatDetected,
        RejectReason::NoRoute,
        RejectReason::InsufficientFunds,
        RejectReason::Deadline,
    ];

    /// The snake_case name used in JSON (`invalid_number`; the error code's name for `Request`).
    pub fn as_str(self) -> &'static str {
        match self {
            RejectReason::InvalidNumber => "invalid_number",
            RejectReason::Duplicate => "duplicate",
            RejectReason::Blacklisted => "blacklisted",
            RejectReason::RepeatDetected => "repeat_detected",
            RejectReason::NoRoute => "no_route",
            RejectReason::InsufficientFunds => "insufficient_funds",
            RejectReason::Deadline => "deadline",
            RejectReason::Request(code) => code.as_str(),
        }
    }

    /// The reason named `s` (as [`as_str`](Self::as_str) writes it); `None` for an unknown name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "invalid_number" => RejectReason::InvalidNumber,
            "duplicate" => RejectReason::Duplicate,
            "blacklisted" => RejectReason::Blacklisted,
            "repeat_detected" => RejectReason::RepeatDetected,
            "no_route" => RejectReason::NoRoute,
            "insufficient_funds" => RejectReason::InsufficientFunds,
            "deadline" => RejectReason::Deadline,
            other => RejectReason::Request(ErrorCode::parse(other)?),
        })
    }
}

impl From<ErrorCode> for RejectReason {
    fn from(code: ErrorCode) -> Self {
        match code {
            ErrorCode::InsufficientFunds => RejectReason::InsufficientFunds,
            other => RejectReason::Request(other),
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for RejectReason {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for RejectReason {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        RejectReason::parse(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown reason {s:?}")))
    }
}

/// Intel-Tele's balance and credit, as the provider wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Balance {
    /// The account's balance, as the provider wrote it (e.g. `-0.42`).
    pub balance: String,
    /// The account's credit, as the provider wrote it; `balance` always fills it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credit: Option<String>,
}

/// One line of Intel-Tele's price list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Rate {
    /// ISO 3166 code, as the provider wrote it.
    pub country: String,
    /// Mobile network code; `None` for the price that covers every network of the country.
    pub network: Option<String>,
    /// The price of one SMS part, as the provider's JSON number.
    pub price: f64,
    /// True when only delivered messages are charged.
    pub charge_delivered_only: bool,
}

/// An SMS Club 2-way chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Chat {
    /// The chat's id, for `chat` and `inbound`.
    pub chat_id: String,
    /// The recipient's number.
    pub phone: String,
    /// As the provider wrote it (`YYYY-MM-DD HH:MM:SS`, the account's local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
}

/// One page of an SMS Club chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatThread {
    /// The chat's id.
    pub chat_id: String,
    /// The recipient's number.
    pub phone: String,
    /// The Viber sender the chat runs under (`source_address`); replies go out under it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// When the chat was opened, as the provider wrote it (`YYYY-MM-DD HH:MM:SS`, the account's
    /// local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// The page's messages, both directions, in the provider's order.
    pub messages: Vec<ChatMessage>,
}

/// Which way a chat message went (JSON `incoming` / `outgoing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Direction {
    /// From the recipient to the business.
    Incoming,
    /// From the business to the recipient.
    Outgoing,
}

/// One message of an SMS Club chat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ChatMessage {
    /// The message's text.
    pub text: String,
    /// Who wrote it.
    pub direction: Direction,
    /// When it was sent, as the provider wrote it (`YYYY-MM-DD HH:MM:SS`, the account's local
    /// time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
}

/// A reply from a recipient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct InboundMessage {
    /// The provider's id of the reply (SMS.by, for `mark_inbound_read`); `None` for SMS Club.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The number the reply came from.
    pub phone: String,
    /// The reply's text.
    pub text: String,
    /// When it arrived, as the provider wrote it (`YYYY-MM-DD HH:MM:SS`, the account's local
    /// time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<String>,
    /// The SMS Club chat it belongs to; `None` for SMS.by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
}

/// The statuses of an SMS.by `sendBulkViber` request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct BatchStatus {
    /// The batch asked about (the send's `batch_id`, SMS.by's `uuid`).
    pub batch_id: String,
    /// One entry per mailing of the batch that SMS.by reported statuses for.
    pub mailings: Vec<MailingStatus>,
    /// Per-mailing errors the provider reported (e.g. `mailing list 3: Content url is not valid`).
    pub errors: Vec<String>,
}

/// The delivery reports of one mailing of an SMS.by batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct MailingStatus {
    /// SMS.by's id of the mailing (`message_id`), when the answer gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailing_id: Option<String>,
    /// The mailing's name (the message's `label`, or `vibergate`), when the answer gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The numeric id of the alpha name it went out from (`alphaname_id`), when the answer
    /// gives it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// One delivery report per recipient of the mailing.
    pub deliveries: Vec<DeliveryReport>,
}

/// An SMS.by mailing (`getViberMessages`, `getViberMessageData`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Mailing {
    /// SMS.by's id of the mailing (its `message_id`).
    pub mailing_id: String,
    /// The content type, as SMS.by writes it (`TEXT`, `IMAGE`, `BUTTON`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_type: Option<String>,
    /// The message text; `None` when empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The button's caption; `None` without a button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_text: Option<String>,
    /// The button's link; `None` without a button.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button_url: Option<String>,
    /// The image, as SMS.by names it (`image_file`); `None` without an image.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    /// The mailing's status, raw (e.g. `SENT`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// When it was created, as SMS.by wrote it (`d_create`, the account's local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    /// When it is to go out, as SMS.by wrote it (`d_schedule`, the account's local time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_at: Option<String>,
    /// Its price, as SMS.by wrote it (e.g. `0.04900 EUR`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
}

/// The answer of SMS.by `sendViberMessageList`: a mailing that waits for `confirm_mailing`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ListSend {
    /// The id of the new mailing, for `confirm_mailing`.
    pub mailing_id: String,
    /// How many subscribers the list holds (`count_subscribers`), when SMS.by says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subscribers: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn causes_lists_every_per_recipient_variant() {
        for reason in RejectReason::CAUSES {
            // A new variant fails to compile here until CAUSES (and the reference) has it.
            match reason {
                RejectReason::InvalidNumber
                | RejectReason::Duplicate
                | RejectReason::Blacklisted
                | RejectReason::RepeatDetected
                | RejectReason::NoRoute
                | RejectReason::InsufficientFunds
                | RejectReason::Deadline => {}
                RejectReason::Request(_) => panic!("CAUSES holds only per-recipient causes"),
            }
        }
        let names: std::collections::BTreeSet<&str> =
            RejectReason::CAUSES.iter().map(|r| r.as_str()).collect();
        assert_eq!(names.len(), RejectReason::CAUSES.len());
    }
}
