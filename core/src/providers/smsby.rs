//! SMS.by (`app.sms.by`): v2 methods take form fields and answer `{"status":"OK","result":…}`;
//! v1 `sendBulkViber`/`statusBulkViber` take a JSON body. The token travels as a parameter where
//! each method's table puts it. Errors come as `{"error": …}`; anything else that is not the
//! documented success is an error too.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::{check_ids, parse_json, status_error, Batch, Capabilities, Ctx};
use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{id_string, text};
use crate::message::{check_url, Button, PersonalizedMessage, Prepared};
use crate::report::{
    Accepted, BatchStatus, InboundMessage, ListSend, Mailing, MailingStatus, SendReport,
};
use crate::retry::Idempotency;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

const P: ProviderId = ProviderId::SmsBy;
/// Minsk, the default account time zone.
pub const DEFAULT_UTC_OFFSET_MINUTES: i32 = 180;
/// The mailing name used when the message has no label.
pub const DEFAULT_MAILING_NAME: &str = "vibergate";

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
        ttl_seconds: None,
        sender_required: true,
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

// ---- pure half: errors -------------------------------------------------------------------------

fn error_from(response: &HttpResponse, value: Option<&Value>) -> Error {
    let detail = value.and_then(|v| v.get("error")).map(|e| match e {
        Value::Object(o) => o
            .get("message")
            .and_then(text)
            .unwrap_or_else(|| e.to_string()),
        other => text(other).unwrap_or_else(|| other.to_string()),
    });
    let Some(detail) = detail else {
        return match response.status {
            200..=299 => {
                Error::decode("SMS.by's answer is neither the documented success nor an error")
                    .with_provider(P)
                    .with_http_status(response.status)
                    .with_body(&response.body)
            }
            _ => status_error(P, response),
        };
    };
    let code = match response.status {
        401 | 403 => ErrorCode::Auth,
        402 => ErrorCode::InsufficientFunds,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::ProviderError,
        _ => ErrorCode::InvalidRequest,
    };
    let provider_code = value
        .and_then(|v| v.get("error"))
        .and_then(|e| e.get("code"))
        .and_then(text);
    let mut error = Error::new(code, format!("SMS.by: {detail}"))
        .with_provider(P)
        .with_http_status(response.status)
        .with_retry_after_ms(super::retry_after_ms(response))
        .with_body(&response.body);
    if let Some(c) = provider_code {
        error = error.with_provider_code(c);
    }
    error
}

/// `result` of a v2 answer `{"status":"OK","result":…}` (`null` when absent).
fn v2_result(response: &HttpResponse) -> Result<Value> {
    let value = parse_json(P, response)?;
    let ok = value
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("ok"));
    if ok && value.get("error").is_none() && (200..300).contains(&response.status) {
        return Ok(value.get("result").cloned().unwrap_or(Value::Null));
    }
    Err(error_from(response, Some(&value)))
}

// ---- pure half: sending ------------------------------------------------------------------------

/// Which API a send uses.
pub(crate) fn uses_quick_messages(m: &Prepared) -> bool {
    m.sms_fallback.is_some()
        || (m.recipients.len() == 1
            && m.schedule.is_none()
            && m.callback_url.is_none()
            && m.label.is_none())
}

/// `sendQuickViberMessage` requests, one per recipient.
pub(crate) fn build_quick(config: &Config, m: &Prepared) -> Result<Vec<Batch>> {
    if m.sms_fallback.is_some() {
        for (set, field) in [
            (m.schedule.is_some(), "schedule"),
            (m.callback_url.is_some(), "callback_url"),
            (m.label.is_some(), "label"),
        ] {
            if set {
                return Err(Error::unsupported(P, field, &format!("{field} together with an SMS fallback (only single messages forward to SMS)")));
            }
        }
    }
    Ok(m.recipients
        .iter()
        .map(|phone| {
            let mut fields = vec![
                ("vibername_id", m.sender.clone().unwrap_or_default()),
                ("phone", phone.clone()),
            ];
            fields.extend(v2_content(
                m.text.as_ref(),
                m.image_url.as_ref(),
                m.button.as_ref(),
            ));
            if let Some(fb) = &m.sms_fallback {
                fields.push(("forwarding_message", "1".into()));
                if let Some(s) = &fb.sender {
                    fields.push(("alphaname_id", s.clone()));
                }
            }
            Batch {
                phones: vec![phone.clone()],
                request: form(config, "sendQuickViberMessage", fields, Idempotency::Send),
            }
        })
        .collect())
}

pub(crate) fn parse_quick(response: &HttpResponse, phones: &[String]) -> Result<SendReport> {
    let result = v2_result(response)?;
    let id = result
        .get("message_id")
        .and_then(id_string)
        .ok_or_else(|| {
            Error::decode("SMS.by's answer has no message_id")
                .with_provider(P)
                .with_body(&response.body)
        })?;
    let mut report = SendReport::new(P);
    report.accepted.push(Accepted::new(
        phones.first().cloned().unwrap_or_default(),
        Some(id),
    ));
    Ok(report)
}

/// The `content` object of a bulk mailing.
fn bulk_content(text: Option<&String>, image: Option<&String>, button: Option<&Button>) -> Value {
    let mut c = Map::new();
    match (image, button) {
        (_, Some(b)) => {
            c.insert("type".into(), json!("button"));
            if let Some(url) = image {
                c.insert("image_url".into(), json!(url));
            }
            c.insert("button_link".into(), json!(b.url));
            c.insert("caption".into(), json!(b.text));
        }
        (Some(url), None) => {
            c.insert("type".into(), json!("image"));
            c.insert("image_url".into(), json!(url));
        }
        (None, None) => {
            c.insert("type".into(), json!("text"));
        }
    }
    if let Some(t) = text {
        c.insert("text".into(), json!(t));
    }
    Value::Object(c)
}

fn bulk_request(config: &Config, callback_url: Option<&String>, mailing: Value) -> HttpRequest {
    let mut body = Map::new();
    body.insert("token".into(), json!(token(config)));
    if let Some(url) = callback_url {
        body.insert("callback_url".into(), json!(url));
    }
    body.insert("messages".into(), json!([mailing]));
    HttpRequest::post(
        "/api/v1/sendBulkViber",
        Body::Json(Value::Object(body)),
        Idempotency::Send,
    )
}

fn mailing_header(
    config: &Config,
    sender: Option<&String>,
    label: Option<&String>,
    schedule_start: Option<i64>,
    message_type: &str,
) -> Map<String, Value> {
    let mut mailing = Map::new();
    mailing.insert(
        "alphaname_id".into(),
        json!(sender.cloned().unwrap_or_default()),
    );
    mailing.insert(
        "name".into(),
        json!(label.map(String::as_str).unwrap_or(DEFAULT_MAILING_NAME)),
    );
    mailing.insert("message_type".into(), json!(message_type));
    if let Some(start) = schedule_start {
        mailing.insert(
            "schedule_time".into(),
            json!(crate::time::format_local_t(start, offset(config))),
        );
    }
    mailing
}

/// One `sendBulkViber` mailing of type `bulk` to every recipient.
pub(crate) fn build_bulk(config: &Config, m: &Prepared) -> Batch {
    let mut mailing = mailing_header(
        config,
        m.sender.as_ref(),
        m.label.as_ref(),
        m.schedule.map(|s| s.start),
        "bulk",
    );
    mailing.insert(
        "content".into(),
        bulk_content(m.text.as_ref(), m.image_url.as_ref(), m.button.as_ref()),
    );
    mailing.insert("delivery_list".into(), json!(m.recipients));
    Batch {
        phones: m.recipients.clone(),
        request: bulk_request(config, m.callback_url.as_ref(), Value::Object(mailing)),
    }
}

/// One `sendBulkViber` mailing of type `personal`: `items` are (phone, text, button link).
pub(crate) fn build_personal(
    config: &Config,
    shared: &Prepared,
    items: &[(String, String, Option<String>)],
) -> Batch {
    let mut mailing = mailing_header(
        config,
        shared.sender.as_ref(),
        shared.label.as_ref(),
        shared.schedule.map(|s| s.start),
        "personal",
    );
    let mut content = Map::new();
    match &shared.button {
        Some(b) => {
            content.insert("type".into(), json!("button"));
            if let Some(url) = &shared.image_url {
                content.insert("image_url".into(), json!(url));
            }
            content.insert("caption".into(), json!(b.text));
        }
        None => {
            content.insert("type".into(), json!("text"));
        }
    }
    mailing.insert("content".into(), Value::Object(content));
    let list: Vec<Value> = items
        .iter()
        .map(|(phone, text, link)| {
            let mut entry = json!({ "phone": phone, "text": text });
            if let (Some(link), Some(obj)) = (link, entry.as_object_mut()) {
                obj.insert("button_link".into(), json!(link));
            }
            entry
        })
        .collect();
    mailing.insert("delivery_list".into(), Value::Array(list));
    let phones = items.iter().map(|(p, _, _)| p.clone()).collect();
    Batch {
        phones,
        request: bulk_request(config, shared.callback_url.as_ref(), Value::Object(mailing)),
    }
}

/// `{"uuid": …, "success": "OK"}`: every recipient of the mailing is accepted under the batch id.
pub(crate) fn parse_bulk(response: &HttpResponse, phones: &[String]) -> Result<SendReport> {
    let value = parse_json(P, response)?;
    let uuid = value.get("uuid").and_then(id_string);
    match uuid {
        Some(uuid) if (200..300).contains(&response.status) && value.get("error").is_none() => {
            let mut report = SendReport::new(P);
            report.batch_id = Some(uuid);
            report.accepted = phones
                .iter()
                .map(|p| Accepted::new(p.clone(), None))
                .collect();
            Ok(report)
        }
        _ => Err(error_from(response, Some(&value))),
    }
}

// ---- pure half: statuses -----------------------------------------------------------------------

/// Maps SMS.by's status names.
pub fn map_state(raw: &str) -> DeliveryState {
    match raw.trim().to_ascii_uppercase().as_str() {
        "NEW" => DeliveryState::Pending,
        "SENT" => DeliveryState::Sent,
        "DELIVERED" => DeliveryState::Delivered,
        "READ" => DeliveryState::Read,
        _ => DeliveryState::Unknown,
    }
}

/// A delivery object (`getViberDeliveryData`, `getViberDeliveryList`, `statusBulkViber`, callbacks).
pub(crate) fn delivery_from(entry: &Value, fallback_id: &str, utc_offset: i32) -> DeliveryReport {
    let id = entry
        .get("delivery_id")
        .or_else(|| entry.get("message_id"))
        .and_then(id_string)
        .unwrap_or_else(|| fallback_id.to_owned());
    let raw = entry.get("status").and_then(text).unwrap_or_default();
    let mut report = DeliveryReport::new(id, map_state(&raw), raw);
    report.phone = entry.get("phone").and_then(id_string);
    let error_code = entry
        .get("error_code")
        .and_then(text)
        .filter(|c| c != "0" && !c.is_empty());
    report.detail = error_code.map(|c| format!("error_code {c}"));
    report.updated_at = entry
        .get("status_time")
        .and_then(text)
        .map(|t| crate::time::to_rfc3339(&t, utc_offset).unwrap_or(t));
    report
}

pub(crate) fn build_delivery_data(config: &Config, id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getViberDeliveryData",
        vec![("message_id", integer_id("ids", id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_delivery_data(
    response: &HttpResponse,
    id: &str,
    utc_offset: i32,
) -> Result<DeliveryReport> {
    let result = v2_result(response)?;
    Ok(delivery_from(&result, id, utc_offset))
}

pub(crate) fn build_status_batch(config: &Config, batch_id: &str) -> HttpRequest {
    let body = json!({ "token": token(config), "uuid": batch_id });
    HttpRequest::post(
        "/api/v1/statusBulkViber",
        Body::Json(body),
        Idempotency::Read,
    )
}

pub(crate) fn parse_status_batch(
    response: &HttpResponse,
    batch_id: &str,
    utc_offset: i32,
) -> Result<BatchStatus> {
    let value = parse_json(P, response)?;
    let Some(entries) = value
        .as_array()
        .filter(|_| (200..300).contains(&response.status))
    else {
        return Err(error_from(response, Some(&value)));
    };
    let mut status = BatchStatus {
        batch_id: batch_id.to_owned(),
        mailings: Vec::new(),
        errors: Vec::new(),
    };
    for entry in entries {
        status.errors.extend(
            entry
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(text),
        );
        if let Some(success) = entry.get("success").and_then(Value::as_array) {
            status.mailings.push(MailingStatus {
                mailing_id: entry.get("message_id").and_then(id_string),
                name: entry.get("name").and_then(text),
                sender: entry.get("alphaname_id").and_then(id_string),
                deliveries: success
                    .iter()
                    .map(|d| delivery_from(d, "", utc_offset))
                    .collect(),
            });
        }
    }
    Ok(status)
}

// ---- pure half: the extra operations -----------------------------------------------------------

/// A message to one of the account's stored subscriber lists (`sendViberMessageList`). The
/// mailing waits for [`confirm_mailing`](crate::Client::confirm_mailing).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListMessage {
    pub list_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub button: Option<Button>,
    /// Mailing name; SMS.by generates one when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Unix seconds; sent in the account's local time to the minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule_start: Option<i64>,
}

pub(crate) fn build_send_to_list(config: &Config, m: &ListMessage) -> Result<HttpRequest> {
    let list_id = integer_id("list_id", &m.list_id)?;
    let sender = m
        .sender
        .clone()
        .or_else(|| config.sender.clone())
        .ok_or_else(|| {
            Error::invalid_message("sender", "SMS.by needs the numeric Viber name id as sender")
                .with_provider(P)
        })?;
    let sender = integer_id("sender", &sender)?;
    let text = m.text.as_ref().filter(|t| !t.is_empty());
    if text.is_none() && m.image_url.is_none() {
        return Err(
            Error::invalid_message("text", "the message needs a text or an image").with_provider(P),
        );
    }
    if let Some(t) = text {
        let n = t.chars().count();
        if n > crate::message::MAX_TEXT_CHARS {
            return Err(Error::invalid_message(
                "text",
                format!(
                    "text is {n} characters; the limit is {}",
                    crate::message::MAX_TEXT_CHARS
                ),
            )
            .with_provider(P));
        }
    }
    if let Some(url) = &m.image_url {
        check_url("image_url", url)?;
    }
    if let Some(b) = &m.button {
        check_url("button.url", &b.url)?;
        if b.url.chars().count() > 150 {
            return Err(Error::invalid_message(
                "button.url",
                "SMS.by allows button links of at most 150 characters",
            )
            .with_provider(P));
        }
        if b.text.trim().is_empty()
            || b.text.chars().count() > crate::message::MAX_BUTTON_TEXT_CHARS
        {
            return Err(Error::invalid_message(
                "button.text",
                "button.text must have 1–30 characters",
            )
            .with_provider(P));
        }
    }
    let mut fields = Vec::new();
    if let Some(label) = &m.label {
        fields.push(("name", label.clone()));
    }
    fields.push(("vibername_id", sender));
    fields.push(("list_id", list_id));
    fields.extend(v2_content(text, m.image_url.as_ref(), m.button.as_ref()));
    if let Some(start) = m.schedule_start {
        fields.push((
            "d_schedule",
            crate::time::format_local_minutes(start, offset(config)),
        ));
    }
    Ok(form(
        config,
        "sendViberMessageList",
        fields,
        Idempotency::Send,
    ))
}

pub(crate) fn parse_send_to_list(response: &HttpResponse) -> Result<ListSend> {
    let result = v2_result(response)?;
    Ok(ListSend {
        mailing_id: result
            .get("message_id")
            .and_then(id_string)
            .ok_or_else(|| {
                Error::decode("SMS.by's answer has no message_id")
                    .with_provider(P)
                    .with_body(&response.body)
            })?,
        subscribers: result.get("count_subscribers").and_then(Value::as_u64),
    })
}

pub(crate) fn build_confirm(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form_token_in_query(
        config,
        "confirmViberMessage",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Send,
    ))
}

pub(crate) fn parse_ok(response: &HttpResponse) -> Result<()> {
    v2_result(response).map(|_| ())
}

pub(crate) fn build_mailings(config: &Config, offset: u32, limit: u32) -> HttpRequest {
    form_token_in_query(
        config,
        "getViberMessages",
        vec![
            ("limit_offset", offset.to_string()),
            ("limit_rows", limit.to_string()),
        ],
        Idempotency::Read,
    )
}

fn mailing_from(v: &Value) -> Mailing {
    let s = |k: &str| v.get(k).and_then(text).filter(|s| !s.is_empty());
    Mailing {
        mailing_id: v.get("message_id").and_then(id_string).unwrap_or_default(),
        message_type: s("message_type"),
        text: s("message"),
        button_text: s("button_caption"),
        button_url: s("button_link"),
        image_url: s("image_file"),
        status: s("status"),
        created_at: s("d_create"),
        scheduled_at: s("d_schedule"),
        cost: s("cost"),
    }
}

pub(crate) fn parse_mailings(response: &HttpResponse) -> Result<Vec<Mailing>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(mailing_from)
        .collect())
}

pub(crate) fn build_mailing(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form_token_in_query(
        config,
        "getViberMessageData",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_mailing(response: &HttpResponse) -> Result<Mailing> {
    let result = v2_result(response)?;
    if !result.is_object() {
        return Err(
            Error::decode("SMS.by's mailing answer has no result object")
                .with_provider(P)
                .with_body(&response.body),
        );
    }
    Ok(mailing_from(&result))
}

pub(crate) fn build_delivery_list(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getViberDeliveryList",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_delivery_list(
    response: &HttpResponse,
    utc_offset: i32,
) -> Result<Vec<DeliveryReport>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| delivery_from(d, "", utc_offset))
        .collect())
}

pub(crate) fn build_inbound(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getNewIncomingMessages",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_inbound(response: &HttpResponse) -> Result<Vec<InboundMessage>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| InboundMessage {
            id: m.get("id").and_then(id_string),
            phone: m.get("phone").and_then(id_string).unwrap_or_default(),
            text: m.get("message").and_then(text).unwrap_or_default(),
            received_at: m.get("d_receiver").and_then(text),
            chat_id: None,
        })
        .collect())
}

pub(crate) fn build_mark_read<S: AsRef<str>>(config: &Config, ids: &[S]) -> Result<HttpRequest> {
    let ids = check_ids(ids)?
        .iter()
        .map(|id| integer_id("ids", id))
        .collect::<Result<Vec<_>>>()?;
    Ok(form(
        config,
        "readResponseStatus",
        vec![("incoming_messages", ids.join(","))],
        Idempotency::Read,
    ))
}

/// The count in `"Number of flagged messages: 3"`, when the answer says it.
pub(crate) fn parse_mark_read(response: &HttpResponse) -> Result<Option<u64>> {
    let result = v2_result(response)?;
    Ok(text(&result).and_then(|t| t.rsplit(':').next()?.trim().parse().ok()))
}

// ---- thin half ---------------------------------------------------------------------------------

pub(crate) fn send(ctx: &Ctx<'_>, m: Prepared) -> Result<SendReport> {
    if uses_quick_messages(&m) {
        let batches = build_quick(ctx.config, &m)?;
        ctx.send_batches(m.rejected, batches, &parse_quick)
    } else {
        let batch = build_bulk(ctx.config, &m);
        ctx.send_batches(m.rejected, vec![batch], &parse_bulk)
    }
}

/// One `personal` mailing for the validated items (`(index, prepared)`); shared fields come
/// from the first.
pub(crate) fn send_personalized(
    ctx: &Ctx<'_>,
    message: &PersonalizedMessage,
    rejected: Vec<crate::report::Rejected>,
    valid: Vec<(usize, Prepared)>,
) -> Result<SendReport> {
    let Some((_, shared)) = valid.first() else {
        return Err(
            Error::new(ErrorCode::NoValidRecipients, "no valid recipient is left")
                .with_provider(P)
                .with_rejected(rejected),
        );
    };
    let items: Vec<(String, String, Option<String>)> = valid
        .iter()
        .map(|(i, p)| {
            (
                p.recipients[0].clone(),
                message.items[*i].text.clone(),
                p.button.as_ref().map(|b| b.url.clone()),
            )
        })
        .collect();
    let batch = build_personal(ctx.config, shared, &items);
    ctx.send_batches(rejected, vec![batch], &parse_bulk)
}

pub(crate) fn status<S: AsRef<str>>(ctx: &Ctx<'_>, ids: &[S]) -> Result<Vec<DeliveryReport>> {
    let ids = check_ids(ids)?;
    let requests = ids
        .iter()
        .map(|id| Ok((build_delivery_data(ctx.config, id)?, id.clone())))
        .collect::<Result<Vec<_>>>()?;
    let utc_offset = offset(ctx.config);
    ctx.read_all(requests, |(request, id)| {
        ctx.read(&request, |r| parse_delivery_data(r, &id, utc_offset))
    })
}

pub(crate) fn status_batch(ctx: &Ctx<'_>, batch_id: &str) -> Result<BatchStatus> {
    if batch_id.trim().is_empty() {
        return Err(Error::invalid_message("batch_id", "batch_id is empty").with_provider(P));
    }
    let utc_offset = offset(ctx.config);
    ctx.read(&build_status_batch(ctx.config, batch_id.trim()), |r| {
        parse_status_batch(r, batch_id.trim(), utc_offset)
    })
}

pub(crate) fn utc_offset(config: &Config) -> i32 {
    offset(config)
}
