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
    SendReport, Uncertain,
};
use crate::retry::Idempotency;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

const P: ProviderId = ProviderId::SmsClub;
/// Phones per send and ids per status request.
pub const CHUNK: usize = 500;

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
        ttl_seconds: Some((60, 3600, 86_400)),
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
    let value = parse_json(P, response)?;
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

/// Maps `errorRequest.errors` and the HTTP status onto an error (SPEC §4 table).
fn error_from(response: &HttpResponse, errors: &Value) -> Error {
    let (key, messages) = match errors.as_object().and_then(|o| o.iter().next()) {
        Some((k, v)) => {
            let list: Vec<String> = match v {
                Value::Array(items) => items.iter().filter_map(text).collect(),
                other => text(other).into_iter().collect(),
            };
            (Some(k.clone()), list.join("; "))
        }
        None => (None, String::new()),
    };
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
    let message = if messages.is_empty() {
        format!("SMS Club refused the request (HTTP {status})")
    } else {
        format!("SMS Club: {messages}")
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
pub(crate) fn parse_send(response: &HttpResponse, phones: &[String]) -> Result<SendReport> {
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
    // A number the answer does not mention may or may not have been taken: never drop it.
    for phone in phones {
        let mentioned = report.accepted.iter().any(|a| &a.phone == phone)
            || report.rejected.iter().any(|r| &r.phone == phone);
        if !mentioned {
            report.uncertain.push(Uncertain {
                phone: phone.clone(),
                detail: "SMS Club's answer does not mention this number".into(),
            });
        }
    }
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
