//! SMS.by (`app.sms.by`): v2 methods take form fields and answer `{"status":"OK","result":…}`;
//! v1 `sendBulkViber`/`statusBulkViber` take a JSON body. The token travels as a parameter where
//! each method's table puts it. Errors come as `{"error": …}`; anything else that is not the
//! documented success is an error too.
//!
//! `send` (quick messages and mailings), `status`, `mailings` (list mailings and the mailing
//! reads), `inbound` (replies) and `errors` (what an answer that is not a success means); this
//! module keeps what they share: the capabilities, the token and form requests, and the ids.

mod errors;
mod inbound;
mod mailings;
mod send;
mod status;

pub use mailings::ListMessage;
#[cfg_attr(not(feature = "internals"), allow(unused_imports))] // reference_doc reads it
pub use status::map_state;

pub(crate) use inbound::{build_mark_read, inbound, parse_mark_read};
pub(crate) use mailings::{
    build_confirm, build_delivery_list, build_mailing, build_mailings, build_send_to_list,
    parse_delivery_list, parse_mailing, parse_mailings, parse_ok, parse_send_to_list,
};
pub(crate) use send::{check_sms_fallback, send, send_personalized};
pub(crate) use status::{delivery_from, status, status_batch};

/// The parsers the fuzz targets feed answers to directly.
#[cfg(feature = "fuzzing")]
pub(crate) mod fuzzed {
    pub(crate) use super::inbound::parse_inbound;
    pub(crate) use super::send::{parse_bulk, parse_quick};
    pub(crate) use super::status::parse_status_batch;
}
#[cfg(feature = "fuzzing")]
pub(crate) use fuzzed::*;

use super::Capabilities;
use crate::config::{Config, ProviderId};
use crate::error::{Error, Result};
use crate::message::Button;
use crate::retry::Idempotency;
use crate::transport::{Body, HttpRequest};

const P: ProviderId = ProviderId::SmsBy;
/// Minsk, the default account time zone.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 180;
/// The mailing name used when the message has no label.
pub const DEFAULT_MAILING_NAME: &str = "vibergate";
/// `forwarding_time`: "Minimum 5 minutes. Maximum 60 minutes", as `ttl_seconds`.
const FORWARDING_MIN_SECONDS: u32 = 300;
const FORWARDING_MAX_SECONDS: u32 = 3600;
/// The longest provider text kept in an error message.
const MAX_DETAIL_CHARS: usize = 500;

pub fn capabilities() -> Capabilities {
    Capabilities {
        provider: P,
        image_without_text: true,
        image_needs_button: true,
        sms_fallback: true,
        schedule: true,
        schedule_end: false,
        schedule_end_required: false,
        two_way: false,
        chat_id: false,
        callback_url: true,
        label: true,
        max_recipients_per_request: None,
        // Only as `forwarding_time` (whole minutes, 5–60) of a message with an SMS fallback.
        ttl_seconds: Some((
            FORWARDING_MIN_SECONDS,
            FORWARDING_MIN_SECONDS,
            FORWARDING_MAX_SECONDS,
        )),
        sms_fallback_ttl_seconds: None,
        // Which sender a send needs depends on the method: the Viber name (`vibername_id`) for
        // quick messages, the alpha name (`alphaname_id`) for mailings. `send` checks it.
        sender_required: false,
        numeric_sender_id: true,
        max_sender_chars: None,
        sms_sender_required: true,
        max_button_url_chars: Some(150),
        operations: vec![
            "send",
            "send_personalized",
            "status",
            "status_batch",
            "inbound",
            "send_to_list",
            "confirm_mailing",
            "mailings",
            "mailing",
            "delivery_list",
            "mark_inbound_read",
            "capabilities",
        ],
    }
}

fn token(config: &Config) -> String {
    config
        .token
        .as_ref()
        .map(|t| t.expose().to_owned())
        .unwrap_or_default()
}

fn offset(config: &Config) -> i32 {
    config
        .utc_offset_minutes
        .unwrap_or(DEFAULT_UTC_OFFSET_MINUTES)
}

/// A v2 form post with the token among the form fields.
fn form(
    config: &Config,
    method: &str,
    fields: Vec<(&str, String)>,
    idempotency: Idempotency,
) -> HttpRequest {
    let mut pairs = vec![("token".to_owned(), token(config))];
    pairs.extend(fields.into_iter().map(|(k, v)| (k.to_owned(), v)));
    HttpRequest::post(format!("/api/v2/{method}"), Body::Form(pairs), idempotency)
}

/// A v2 form post whose table puts the token in the query string.
fn form_token_in_query(
    config: &Config,
    method: &str,
    fields: Vec<(&str, String)>,
    idempotency: Idempotency,
) -> HttpRequest {
    let pairs = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    HttpRequest::post(format!("/api/v2/{method}"), Body::Form(pairs), idempotency)
        .query("token", token(config))
}

fn integer_id(field: &str, id: &str) -> Result<String> {
    let id = id.trim();
    if !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id.to_owned())
    } else {
        Err(
            Error::invalid_message(field, format!("SMS.by ids are integers, got {id:?}"))
                .with_provider(P),
        )
    }
}

/// The Viber name id (`vibername_id` of `sendQuickViberMessage` and `sendViberMessageList`):
/// the unified `sender` (the message's, else the client's `sender` option).
fn viber_name_id(sender: Option<&String>, method: &str) -> Result<String> {
    let sender = sender.map(|s| s.trim()).filter(|s| !s.is_empty()).ok_or_else(|| {
        Error::invalid_message(
            "sender",
            format!("SMS.by's {method} needs the Viber name id (vibername_id): set sender on the message or the client's sender option"),
        )
        .with_provider(P)
    })?;
    integer_id("sender", sender)
}

/// At most `max` characters of a provider's text, cut on a character boundary.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", s.get(..i).unwrap_or_default()),
        None => s.to_owned(),
    }
}

/// `TEXT`, `IMAGE` or `BUTTON`, as the v2 methods name the content.
fn v2_type(text: Option<&String>, image: Option<&String>, button: Option<&Button>) -> &'static str {
    match (text, image, button) {
        (_, _, Some(_)) => "BUTTON",
        (None, Some(_), None) => "IMAGE",
        _ => "TEXT",
    }
}

/// The v2 content fields of a message.
fn v2_content(
    text: Option<&String>,
    image: Option<&String>,
    button: Option<&Button>,
) -> Vec<(&'static str, String)> {
    let mut fields = vec![("type_message", v2_type(text, image, button).to_owned())];
    if let Some(t) = text {
        fields.push(("message", t.clone()));
    }
    if let Some(url) = image {
        fields.push(("image_url", url.clone()));
    }
    if let Some(b) = button {
        fields.push(("button", b.text.clone()));
        fields.push(("button_link", b.url.clone()));
    }
    fields
}

pub(crate) fn utc_offset(config: &Config) -> i32 {
    offset(config)
}
