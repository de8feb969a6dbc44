//! SMS Club (`im.smsclub.mobi`): JSON with a bearer token; answers wrapped in
//! `successfulRequest.requestData` or `errorRequest.errors`.

use serde_json::{json, Map, Value};

use super::{check_ids, parse_json, status_error, Batch, Capabilities, Ctx};
use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{id_string, text};
use crate::message::Prepared;
use crate::report::{
    Accepted, Chat, ChatMessage, ChatThread, Direction, InboundMessage, RejectReason, Rejected,
    SendReport,
};
use crate::retry::Idempotency;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

const P: ProviderId = ProviderId::SmsClub;
/// Phones per send and ids per status request.
pub const CHUNK: usize = 500;
/// The longest `lifetime`. The document prints "3,600 to 860,00 in bulk sending and 60 to 860,00
/// in single sending": its digits say 86 000. Whether that was meant as 86 000 or as one day
/// (86 400), every value up to 86 000 is inside the range, so that is the maximum vibergate
/// sends (docs/providers.md).
pub const MAX_LIFETIME: u32 = 86_000;

pub fn capabilities() -> Capabilities {
    Capabilities {
        provider: P,
        image_without_text: false,
        image_needs_button: true,
        sms_fallback: true,
        schedule: true,
        schedule_end: true,
        schedule_end_required: true,
        two_way: true,
        chat_id: true,
        callback_url: false,
        label: false,
        max_recipients_per_request: Some(CHUNK),
        ttl_seconds: Some((60, 3600, MAX_LIFETIME)),
        sms_fallback_ttl_seconds: None,
        sender_required: true,
        numeric_sender_id: false,
        max_sender_chars: None,
        sms_sender_required: true,
        max_button_url_chars: None,
        operations: vec![
            "send",
            "send_personalized",
            "status",
            "chats",
            "chat",
            "inbound",
            "capabilities",
        ],
    }
}

fn authorize(config: &Config, request: HttpRequest) -> HttpRequest {
    let token = config
        .token
        .as_ref()
        .map(|t| t.expose())
        .unwrap_or_default();
    request.header("Authorization", format!("Bearer {token}"))
}

/// The rule SMS Club's document adds to the unified validation (`message::prepare` calls it):
/// "Some optional parameters must be used together or not used at all, for example, parameters
/// (picture_url, button_txt, button_url)". An image without a button is refused by the
/// capabilities (`image_needs_button`); a button without an image is a message SMS Club cannot
/// send: `unsupported` (field `button`), so that a Router may take it elsewhere.
pub(crate) fn check_message(has_image: bool, has_button: bool) -> Result<()> {
    if has_button && !has_image {
        return Err(Error::unsupported(
            P,
            "button",
            "a button without an image (picture_url, button_txt and button_url are sent \
             together or not at all): add image_url or leave the button out",
        ));
    }
    Ok(())
}

// ---- pure half -------------------------------------------------------------------------------

/// The send requests for a prepared message: one per 500 recipients, or one chat reply.
pub(crate) fn build_send(config: &Config, m: &Prepared) -> Vec<Batch> {
    let mut common = Map::new();
    if let Some(s) = &m.sender {
        common.insert("sender".into(), json!(s));
    }
    if let Some(t) = &m.text {
        common.insert("message".into(), json!(t));
    }
    if let Some(ttl) = m.ttl_seconds {
        common.insert("lifetime".into(), json!(ttl));
    }
    if let Some(url) = &m.image_url {
        common.insert("picture_url".into(), json!(url));
    }
    if let Some(b) = &m.button {
        common.insert("button_txt".into(), json!(b.text));
        common.insert("button_url".into(), json!(b.url));
    }
    if let Some(fb) = &m.sms_fallback {
        if let Some(s) = &fb.sender {
            common.insert("senderSms".into(), json!(s));
        }
        common.insert("messageSms".into(), json!(fb.text));
    }
    if let Some(s) = &m.schedule {
        common.insert("mgr_plan_date".into(), json!(s.start));
        if let Some(end) = s.end {
            common.insert("mgr_end_time".into(), json!(end));
        }
    }
    if m.two_way {
        common.insert("is_2way".into(), json!(true));
    }
    if let Some(chat) = &m.chat_id {
        common.insert("chat_id".into(), json!(chat));
        let request = HttpRequest::post(
            "/vibers/send",
            Body::Json(Value::Object(common)),
            Idempotency::Send,
        );
        return vec![Batch {
            phones: Vec::new(),
            request: authorize(config, request),
        }];
    }
    m.recipients
        .chunks(CHUNK)
        .map(|phones| {
            let mut body = common.clone();
            body.insert("phones".into(), json!(phones));
            let request = HttpRequest::post(
                "/vibers/send",
                Body::Json(Value::Object(body)),
                Idempotency::Send,
            );
            Batch {
                phones: phones.to_vec(),
                request: authorize(config, request),
            }
        })
        .collect()
}

/// `requestData` of a successful answer, or the error the answer carries.
fn request_data(response: &HttpResponse) -> Result<Value> {
    let value = parse_json(P, response).map_err(|e| match response.status {
        // 465 is SMS Club's own "system error", whatever the body: it failed on its side.
        465 => Error::new(
            ErrorCode::ProviderError,
            "SMS Club failed on its side (HTTP 465, systemError)",
        )
        .with_provider(P)
        .with_http_status(465)
        .with_body(&response.body),
        _ => e,
    })?;
    if let Some(data) = value
        .get("successfulRequest")
        .and_then(|s| s.get("requestData"))
    {
        if (200..300).contains(&response.status) {
            return Ok(data.clone());
        }
    }
    if let Some(errors) = value.get("errorRequest") {
        return Err(error_from(response, errors.get("errors").unwrap_or(errors)));
    }
    if !(200..300).contains(&response.status) {
        return Err(status_error(P, response));
    }
    Err(
        Error::decode("SMS Club's answer has neither successfulRequest nor errorRequest")
            .with_provider(P)
            .with_http_status(response.status)
            .with_body(&response.body),
    )
}

/// Maps `errorRequest.errors` and the HTTP status onto an error code. `errors` may hold
/// several keys: every key and its messages go into the message; the first key (in the answer's
/// order) decides the code when the HTTP status does not, and becomes `field`.
fn error_from(response: &HttpResponse, errors: &Value) -> Error {
    let entries: Vec<(String, Vec<String>)> = match errors {
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| {
                let list = match v {
                    Value::Array(items) => items.iter().filter_map(text).collect(),
                    other => text(other).into_iter().collect(),
                };
                (k.clone(), list)
            })
            .collect(),
        // Not an object: keep whatever words it has.
        Value::Array(items) => vec![(String::new(), items.iter().filter_map(text).collect())],
        other => vec![(String::new(), text(other).into_iter().collect())],
    };
    let key = entries
        .iter()
        .map(|(k, _)| k)
        .find(|k| !k.is_empty())
        .cloned();
    let status = response.status;
    let by_status = match status {
        401 => Some(ErrorCode::Auth),
        429 => Some(ErrorCode::RateLimited),
        460 => Some(ErrorCode::PermissionDenied),
        461 | 466 => Some(ErrorCode::InvalidSender),
        462 | 467 => Some(ErrorCode::InvalidText),
        463 => Some(ErrorCode::NoValidRecipients),
        464 | 468 => Some(ErrorCode::InsufficientFunds),
        465 => Some(ErrorCode::ProviderError),
        500..=599 => Some(ErrorCode::ProviderError),
        _ => None,
    };
    let by_key = key.as_deref().map(|k| match k {
        "account" => ErrorCode::PermissionDenied,
        "systemError" => ErrorCode::ProviderError,
        "noMoney" => ErrorCode::InsufficientFunds,
        "anyCorrectPhones" => ErrorCode::NoValidRecipients,
        "text" | "message" => ErrorCode::InvalidText,
        "sender" => ErrorCode::InvalidSender,
        _ => ErrorCode::InvalidRequest,
    });
    let code = by_status.or(by_key).unwrap_or(ErrorCode::InvalidRequest);
    // One key reads as before ("SMS Club: Incorrect text."); several name their keys.
    let several = entries.len() > 1;
    let parts: Vec<String> = entries
        .iter()
        .filter_map(|(k, list)| {
            let words = list.join("; ");
            if !several || k.is_empty() {
                (!words.is_empty()).then_some(words)
            } else if words.is_empty() {
                Some(k.clone())
            } else {
                Some(format!("{k}: {words}"))
            }
        })
        .collect();
    let message = if parts.is_empty() {
        format!("SMS Club refused the request (HTTP {status})")
    } else {
        format!("SMS Club: {}", parts.join("; "))
    };
    let mut error = Error::new(code, message)
        .with_provider(P)
        .with_http_status(status)
        .with_retry_after_ms(super::retry_after_ms(response))
        .with_body(&response.body);
    if (460..=468).contains(&status) {
        error = error.with_provider_code(status.to_string());
    } else if let Some(k) = &key {
        error = error.with_provider_code(k.clone());
    }
    if let Some(k) = key {
        error = error.with_field(k);
    }
    error
}

/// Parses a send answer for the recipients `phones` of its request.
pub(crate) fn parse_send(response: &HttpResponse, _phones: &[String]) -> Result<SendReport> {
    let data = request_data(response)?;
    let mut report = SendReport::new(P);
    for m in data
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let phone = m.get("number").and_then(id_string).unwrap_or_default();
        let mut accepted = Accepted::new(phone, m.get("id").and_then(id_string));
        accepted.chat_id = m.get("chat_id").and_then(id_string);
        report.accepted.push(accepted);
    }
    // additionalInfo is an object, or an empty array when there is nothing to add.
    if let Some(info) = data.get("additionalInfo").and_then(Value::as_object) {
        let lists = [
            (
                "incorrectPhones",
                RejectReason::InvalidNumber,
                "SMS Club found the number incorrect",
            ),
            (
                "blackList",
                RejectReason::Blacklisted,
                "the number is on SMS Club's black list",
            ),
        ];
        for (key, reason, detail) in lists {
            for phone in info
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(id_string)
            {
                report.rejected.push(Rejected::new(phone, reason, detail));
            }
        }
    }
    // A number the answer does not mention is uncertain: `SendReport::merge_batch` decides it
    // for every provider.
    Ok(report)
}

/// One status request for at most [`CHUNK`] ids.
pub(crate) fn build_status(config: &Config, ids: &[String]) -> HttpRequest {
    let body = Body::Json(json!({ "messageIds": ids }));
    authorize(
        config,
        HttpRequest::post("/vibers/status", body, Idempotency::Read),
    )
}

/// Maps SMS Club's main and SMS status names.
pub fn map_state(raw: &str) -> DeliveryState {
    match raw.trim().to_ascii_lowercase().as_str() {
        "pending" => DeliveryState::Pending,
        "sent" => DeliveryState::Sent,
        "delivered" => DeliveryState::Delivered,
        "expired" => DeliveryState::Expired,
        "undeliverable" => DeliveryState::Undeliverable,
        "rejected" => DeliveryState::Rejected,
        "read" => DeliveryState::Read,
        _ => DeliveryState::Unknown,
    }
}

pub(crate) fn parse_status(response: &HttpResponse, ids: &[String]) -> Result<Vec<DeliveryReport>> {
    let data = request_data(response)?;
    let map = data.as_object().cloned().unwrap_or_default();
    let mut order: Vec<String> = ids.to_vec();
    order.extend(map.keys().filter(|k| !ids.contains(k)).cloned());
    Ok(order
        .into_iter()
        .map(|id| match map.get(&id) {
            Some(entry) => status_entry(&id, entry),
            None => DeliveryReport::not_mentioned(id, P),
        })
        .collect())
}

fn status_entry(id: &str, entry: &Value) -> DeliveryReport {
    let raw = entry.get("status").and_then(text).unwrap_or_default();
    let mut report = DeliveryReport::new(id, map_state(&raw), raw.clone());
    let additional = entry
        .get("additionalStatus")
        .or_else(|| entry.get("additionStatus"))
        .and_then(text);
    if let Some(extra) = additional.filter(|s| !s.is_empty()) {
        if extra.eq_ignore_ascii_case("read") {
            report.state = DeliveryState::Read;
            report.read = true;
        } else {
            report.detail = Some(extra);
        }
    }
    report.sms_state = entry
        .get("smsStatus")
        .and_then(text)
        .filter(|s| !s.is_empty())
        .map(|s| map_state(&s));
    report
}

pub(crate) fn build_chats(config: &Config, page: u32) -> HttpRequest {
    authorize(
        config,
        HttpRequest::get("/vibers/chats").query("page", page.to_string()),
    )
}

pub(crate) fn parse_chats(response: &HttpResponse) -> Result<Vec<Chat>> {
    let data = request_data(response)?;
    Ok(data
        .get("chats")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| Chat {
            chat_id: c.get("chat_id").and_then(id_string).unwrap_or_default(),
            phone: c.get("recipient").and_then(id_string).unwrap_or_default(),
            created_at: c.get("creation_date").and_then(text),
        })
        .collect())
}

pub(crate) fn build_chat(config: &Config, chat_id: &str, page: u32) -> HttpRequest {
    authorize(
        config,
        HttpRequest::get("/vibers/chat")
            .query("chat_id", chat_id)
            .query("page", page.to_string()),
    )
}

pub(crate) fn parse_chat(response: &HttpResponse, chat_id: &str) -> Result<ChatThread> {
    let data = request_data(response)?;
    let chat = data.get("chat").ok_or_else(|| {
        Error::decode("SMS Club's chat answer has no chat")
            .with_provider(P)
            .with_body(&response.body)
    })?;
    let messages = chat
        .get("messages")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|m| ChatMessage {
            text: m.get("text").and_then(text).unwrap_or_default(),
            direction: match m.get("type").and_then(Value::as_str) {
                Some("incoming") => Direction::Incoming,
                _ => Direction::Outgoing,
            },
            at: m.get("date").and_then(text),
        })
        .collect();
    Ok(ChatThread {
        chat_id: chat
            .get("chat_id")
            .and_then(id_string)
            .unwrap_or_else(|| chat_id.to_owned()),
        phone: chat
            .get("recipient")
            .and_then(id_string)
            .unwrap_or_default(),
        sender: chat.get("source_address").and_then(text),
        created_at: chat.get("creation_date").and_then(text),
        messages,
    })
}

// ---- thin half -------------------------------------------------------------------------------

pub(crate) fn send(ctx: &Ctx<'_>, m: Prepared) -> Result<SendReport> {
    let batches = build_send(ctx.config, &m);
    ctx.send_batches(m.rejected, batches, &parse_send)
}

pub(crate) fn status<S: AsRef<str>>(ctx: &Ctx<'_>, ids: &[S]) -> Result<Vec<DeliveryReport>> {
    ctx.read_chunked(&check_ids(ids)?, CHUNK, build_status, parse_status)
}

pub(crate) fn chats(ctx: &Ctx<'_>, page: u32) -> Result<Vec<Chat>> {
    ctx.read(&build_chats(ctx.config, page), parse_chats)
}

pub(crate) fn chat(ctx: &Ctx<'_>, chat_id: &str, page: u32) -> Result<ChatThread> {
    if chat_id.trim().is_empty() {
        return Err(Error::invalid_message("chat_id", "chat_id is empty").with_provider(P));
    }
    ctx.read(&build_chat(ctx.config, chat_id, page), |r| {
        parse_chat(r, chat_id)
    })
}

/// The recipient's messages in one page of a chat.
pub(crate) fn inbound(
    ctx: &Ctx<'_>,
    chat_id: Option<&str>,
    page: u32,
) -> Result<Vec<InboundMessage>> {
    let chat_id = chat_id.ok_or_else(|| {
        Error::invalid_message(
            "chat_id",
            "SMS Club's inbound messages are read per chat: give chat_id",
        )
        .with_provider(P)
    })?;
    let thread = chat(ctx, chat_id, page)?;
    Ok(thread
        .messages
        .into_iter()
        .filter(|m| m.direction == Direction::Incoming)
        .map(|m| InboundMessage {
            id: None,
            phone: thread.phone.clone(),
            text: m.text,
            received_at: m.at,
            chat_id: Some(thread.chat_id.clone()),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(status: u16, body: &str) -> Error {
        let response = HttpResponse::new(status, body);
        parse_send(&response, &["380989361121".to_owned()]).unwrap_err()
    }

    #[test]
    fn every_key_of_error_request_is_kept() {
        let e = error_of(
            200,
            r#"{"errorRequest":{"errors":{"noMoney":["Not enough money."],"sender":["Sender name is incorrect","and more"],"x":[]}}}"#,
        );
        assert_eq!(e.code(), ErrorCode::InsufficientFunds);
        assert_eq!(e.field.as_deref(), Some("noMoney"));
        assert_eq!(
            e.message,
            "SMS Club: noMoney: Not enough money.; sender: Sender name is incorrect; and more; x"
        );
        // One key reads as the document prints it.
        let e = error_of(
            462,
            r#"{"errorRequest":{"errors":{"text":["Incorrect text."]}}}"#,
        );
        assert_eq!(e.message, "SMS Club: Incorrect text.");
        assert_eq!(e.code(), ErrorCode::InvalidText);
        // Shapes the document does not show never lose the words, nor panic.
        for (body, words) in [
            (r#"{"errorRequest":{"errors":["a","b"]}}"#, "SMS Club: a; b"),
            (r#"{"errorRequest":{"errors":"plain"}}"#, "SMS Club: plain"),
            (r#"{"errorRequest":{"errors":{"k":"v"}}}"#, "SMS Club: v"),
            (
                r#"{"errorRequest":{"errors":{}}}"#,
                "SMS Club refused the request (HTTP 400)",
            ),
            (
                r#"{"errorRequest":{"errors":null}}"#,
                "SMS Club refused the request (HTTP 400)",
            ),
        ] {
            assert_eq!(error_of(400, body).message, words, "{body}");
        }
    }

    #[test]
    fn a_button_needs_a_picture() {
        let e = check_message(false, true).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unsupported);
        assert_eq!(e.field.as_deref(), Some("button"));
        assert!(check_message(true, true).is_ok());
        assert!(check_message(false, false).is_ok());
    }
}
