//! What the sandbox remembers: messages and how their delivery progresses, chats, mailings,
//! stored lists, incoming replies and Intel-Tele's balance. Delivery is computed from the time
//! since sending, so it needs no timers; numbers' last digits choose their fate.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::config::ProviderId;

/// The fate a phone number's last four digits give it (documented in `SandboxConfig`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    Delivered,
    /// `…0000`: never delivered.
    Undeliverable,
    /// `…9999`: on the black list.
    Blacklisted,
    /// `…1111`: Viber not installed; the SMS fallback (if any) is delivered, which SMS Club and
    /// DecisionTelecom report (SMS.by and Intel-Tele document no status for it).
    NoViber,
    /// `…2222`: delivered and read at once.
    Read,
}

impl Fate {
    pub fn of(phone: &str) -> Fate {
        if phone.ends_with("0000") {
            Fate::Undeliverable
        } else if phone.ends_with("9999") {
            Fate::Blacklisted
        } else if phone.ends_with("1111") {
            Fate::NoViber
        } else if phone.ends_with("2222") {
            Fate::Read
        } else {
            Fate::Delivered
        }
    }
}

/// Where a message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Pending,
    Sent,
    Delivered,
    Read,
    Undeliverable,
    Rejected,
}

/// The SMS fallback's outcome.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmsPhase {
    Delivered,
}

/// Where status callbacks for a message go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Callback {
    /// DecisionTelecom: JSON POST of the status object.
    DecisionTelecom(String),
    /// SMS.by: JSON POST of the mailing's statuses.
    SmsBy { url: String, batch: String },
    /// Intel-Tele: GET or POST of `msgid, status, datetime`.
    IntelTele { url: String, method: String },
}

#[derive(Debug, Clone)]
pub struct Msg {
    pub id: String,
    pub provider: ProviderId,
    pub phone: String,
    pub text: String,
    pub sent_at: Instant,
    pub sent_unix: i64,
    pub sms_fallback: bool,
    pub two_way: bool,
    pub callback: Option<Callback>,
    /// The last phase a callback reported.
    pub notified: Option<Phase>,
}

#[derive(Debug, Clone)]
pub struct Mailing {
    pub id: u64,
    pub uuid: Option<String>,
    pub name: String,
    pub sender: String,
    pub message_type: String,
    pub text: String,
    pub button_caption: String,
    pub button_link: String,
    pub image: String,
    pub confirmed: bool,
    pub created_unix: i64,
    pub scheduled: Option<String>,
    /// (delivery id, message id in `State::messages`).
    pub deliveries: Vec<(u64, String)>,
    pub errors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Inbound {
    pub id: u64,
    pub mailing_id: u64,
    pub phone: String,
    pub text: String,
    pub at_unix: i64,
    pub read: bool,
}

#[derive(Debug, Default)]
pub struct State {
    pub next_id: u64,
    pub messages: BTreeMap<String, Msg>,
    pub chats: BTreeMap<String, Vec<String>>,
    pub mailings: BTreeMap<u64, Mailing>,
    pub inbound: Vec<Inbound>,
    pub balance: f64,
    pub smsclub_hits: BTreeMap<String, Vec<Instant>>,
}

impl State {
    pub fn new(balance: f64) -> State {
        State {
            next_id: 5769,
            balance,
            ..State::default()
        }
    }

    pub fn next(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }
}

/// The phase of a message `elapsed` after sending, moving one step every `step`
/// (instantly to the end when `step` is zero).
pub fn phase(msg: &Msg, now: Instant, step: Duration) -> (Phase, Option<SmsPhase>) {
    let fate = Fate::of(&msg.phone);
    if fate == Fate::Blacklisted {
        return (Phase::Rejected, None);
    }
    let steps = if step.is_zero() {
        u32::MAX
    } else {
        (now.saturating_duration_since(msg.sent_at).as_millis() / step.as_millis().max(1)).min(10)
            as u32
    };
    let phase = match (fate, steps) {
        (_, 0) => Phase::Pending,
        (_, 1) => Phase::Sent,
        (Fate::Undeliverable | Fate::NoViber, _) => Phase::Undeliverable,
        (Fate::Read, _) => Phase::Read,
        (_, 2) => Phase::Delivered,
        (_, _) if step.is_zero() => Phase::Delivered,
        _ => Phase::Read,
    };
    let sms = (fate == Fate::NoViber && msg.sms_fallback && phase == Phase::Undeliverable)
        .then_some(SmsPhase::Delivered);
    (phase, sms)
}

/// A deterministic UUID-shaped id from a counter (Intel-Tele and SMS.by batch ids).
pub fn uuid_like(n: u64) -> String {
    let x = n.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!(
        "{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        (x >> 32) as u32,
        (x >> 16) as u16,
        n & 0xfff,
        (x >> 4) & 0xfff,
        n
    )
}
