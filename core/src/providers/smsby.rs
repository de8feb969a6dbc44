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
use crate::message::{Button, Content, Draft, PersonalizedMessage, Prepared, SmsFallback};
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

/// The alpha-name id a `sendBulkViber` mailing goes out from (`alphaname_id`): the client's
/// `sms_sender` option, the same alpha name that quick messages forward to SMS from. The
/// mailing has no Viber name parameter, so a message `sender` other than the client's default
/// cannot be honoured: it is `unsupported` rather than dropped.
fn mailing_alpha_name_id(config: &Config, sender: Option<&String>) -> Result<String> {
    let default_sender = config
        .sender
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if let Some(s) = sender.map(|s| s.trim()).filter(|s| !s.is_empty()) {
        if Some(s) != default_sender {
            return Err(Error::unsupported(
                P,
                "sender",
                "a Viber name (sender) for a mailing: sendBulkViber (several recipients, a schedule, a callback_url or a label) goes out from the alpha name id of the client's sms_sender option (alphaname_id)",
            ));
        }
    }
    let alpha = config
        .sms_sender
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| {
            Error::invalid_message(
                "sms_sender",
                "SMS.by mailings (sendBulkViber: several recipients, a schedule, a callback_url or a label) go out from an alpha name: set the client's sms_sender option to the numeric alpha-name id (alphaname_id)",
            )
            .with_provider(P)
        })?;
    integer_id("sms_sender", alpha)
}

/// `forwarding_time` in minutes for `ttl_seconds`: SMS.by's only time limit is how long a quick
/// message waits for "Delivered" before it is forwarded as SMS.
fn forwarding_minutes(ttl_seconds: Option<u32>, has_fallback: bool) -> Result<Option<String>> {
    let Some(ttl) = ttl_seconds else {
        return Ok(None);
    };
    if !has_fallback {
        return Err(Error::unsupported(
            P,
            "ttl_seconds",
            "a message lifetime without an SMS fallback (ttl_seconds is sent as forwarding_time, the wait before the SMS)",
        ));
    }
    if !(FORWARDING_MIN_SECONDS..=FORWARDING_MAX_SECONDS).contains(&ttl) || ttl % 60 != 0 {
        return Err(Error::invalid_message(
            "ttl_seconds",
            format!("SMS.by's forwarding_time is whole minutes from 5 to 60: ttl_seconds must be a multiple of 60 within {FORWARDING_MIN_SECONDS}–{FORWARDING_MAX_SECONDS}, got {ttl}"),
        )
        .with_provider(P));
    }
    Ok(Some((ttl / 60).to_string()))
}

/// What SMS.by's quick messages allow of an SMS fallback: it forwards the Viber text itself
/// (`forwarding_message`), from the numeric id of an SMS alpha name (`alphaname_id`).
pub(crate) fn check_sms_fallback(
    draft: &Draft<'_>,
    fallback: &SmsFallback,
    sms_sender: Option<&str>,
) -> Result<()> {
    if Some(fallback.text.as_str()) != draft.content.text.as_deref() {
        return Err(Error::unsupported(
            P,
            "sms_fallback.text",
            "an SMS text of its own (SMS.by forwards the Viber text)",
        ));
    }
    if sms_sender.is_some_and(|s| !s.bytes().all(|b| b.is_ascii_digit())) {
        return Err(Error::invalid_message(
            "sms_fallback.sender",
            "SMS.by needs the numeric id of the SMS alpha name as SMS sender",
        )
        .with_provider(P));
    }
    Ok(())
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

// ---- pure half: errors -------------------------------------------------------------------------

/// The provider's own words beside a status that is not `OK`: `message`, else a text `result`.
fn refusal_detail(value: &Value) -> Option<String> {
    ["message", "result", "description"]
        .iter()
        .find_map(|k| value.get(*k).and_then(text))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Whether an answer carries no error (`"error": null` is none).
fn no_error(value: &Value) -> bool {
    value.get("error").is_none_or(Value::is_null)
}

/// The error an answer stands for. `{"error": …}` is the documented error; an object whose
/// `status` is not `OK` is an explicit refusal too (the provider said no, so the code is the
/// HTTP status's, `invalid_request` for a 2xx, with `provider_code` = that status). Anything
/// else in a 2xx is `decode`.
fn error_from(response: &HttpResponse, value: Option<&Value>) -> Error {
    let detail = value
        .and_then(|v| v.get("error"))
        .filter(|e| !e.is_null())
        .map(|e| match e {
            Value::Object(o) => o
                .get("message")
                .and_then(text)
                .unwrap_or_else(|| e.to_string()),
            other => text(other).unwrap_or_else(|| other.to_string()),
        });
    // Only SMS.by's own shape, a status word, is a refusal; `{"status": 1}` is not its format.
    let refused_status = value
        .filter(|v| v.is_object())
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("ok"));
    let (detail, status_code) = match (detail, refused_status) {
        (Some(detail), _) => (detail, None),
        (None, Some(status)) => {
            let words = value.and_then(refusal_detail);
            let detail = match words {
                Some(w) => format!("{w} (status {status})"),
                None => format!("the answer's status is {status}, not OK"),
            };
            (detail, Some(status))
        }
        (None, None) => {
            return match response.status {
                200..=299 => {
                    Error::decode("SMS.by's answer is neither the documented success nor an error")
                        .with_provider(P)
                        .with_http_status(response.status)
                        .with_body(&response.body)
                }
                _ => status_error(P, response),
            };
        }
    };
    let detail = clip(&detail, MAX_DETAIL_CHARS);
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
        .and_then(text)
        .or(status_code)
        .map(|c| clip(&c, 64));
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
    if ok && no_error(&value) && (200..300).contains(&response.status) {
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

/// `sendQuickViberMessage` requests, one per recipient: `vibername_id` is the `sender`, and the
/// SMS fallback forwards from `alphaname_id` (the SMS sender) after `forwarding_time` minutes
/// (`ttl_seconds`).
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
    let viber_name = viber_name_id(m.sender.as_ref(), "sendQuickViberMessage")?;
    let forwarding_time = forwarding_minutes(m.ttl_seconds, m.sms_fallback.is_some())?;
    let alpha_name = match m.sms_fallback.as_ref().and_then(|fb| fb.sender.as_ref()) {
        Some(s) => Some(integer_id("sms_fallback.sender", s)?),
        None => None,
    };
    Ok(m.recipients
        .iter()
        .map(|phone| {
            let mut fields = vec![
                ("vibername_id", viber_name.clone()),
                ("phone", phone.clone()),
            ];
            fields.extend(v2_content(
                m.text.as_ref(),
                m.image_url.as_ref(),
                m.button.as_ref(),
            ));
            if m.sms_fallback.is_some() {
                fields.push(("forwarding_message", "1".into()));
                if let Some(minutes) = &forwarding_time {
                    fields.push(("forwarding_time", minutes.clone()));
                }
                if let Some(s) = &alpha_name {
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
    alpha_name_id: String,
    label: Option<&String>,
    schedule_start: Option<i64>,
    message_type: &str,
) -> Map<String, Value> {
    let mut mailing = Map::new();
    // The sample sends the id as a string ("444").
    mailing.insert("alphaname_id".into(), json!(alpha_name_id));
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

/// One `sendBulkViber` mailing of type `bulk` to every recipient, from the alpha name
/// (`sms_sender`).
pub(crate) fn build_bulk(config: &Config, m: &Prepared) -> Result<Batch> {
    let alpha_name = mailing_alpha_name_id(config, m.sender.as_ref())?;
    forwarding_minutes(m.ttl_seconds, false)?;
    let mut mailing = mailing_header(
        config,
        alpha_name,
        m.label.as_ref(),
        m.schedule.map(|s| s.start),
        "bulk",
    );
    mailing.insert(
        "content".into(),
        bulk_content(m.text.as_ref(), m.image_url.as_ref(), m.button.as_ref()),
    );
    mailing.insert("delivery_list".into(), json!(m.recipients));
    Ok(Batch {
        phones: m.recipients.clone(),
        request: bulk_request(config, m.callback_url.as_ref(), Value::Object(mailing)),
    })
}

/// One `sendBulkViber` mailing of type `personal`: `items` are (phone, text, button link).
pub(crate) fn build_personal(
    config: &Config,
    shared: &Prepared,
    items: &[(String, String, Option<String>)],
) -> Result<Batch> {
    let alpha_name = mailing_alpha_name_id(config, shared.sender.as_ref())?;
    forwarding_minutes(shared.ttl_seconds, false)?;
    let mut mailing = mailing_header(
        config,
        alpha_name,
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
    Ok(Batch {
        phones,
        request: bulk_request(config, shared.callback_url.as_ref(), Value::Object(mailing)),
    })
}

/// `{"uuid": …, "success": "OK"}`: every recipient of the mailing is accepted under the batch id.
/// A `success` other than `OK` is the provider's refusal (`invalid_request`, `provider_code` =
/// its value); `OK` without a `uuid` cannot be tracked and is `decode` (the recipients are
/// uncertain).
pub(crate) fn parse_bulk(response: &HttpResponse, phones: &[String]) -> Result<SendReport> {
    let value = parse_json(P, response)?;
    let is_2xx = (200..300).contains(&response.status);
    let plain = is_2xx && value.is_object() && no_error(&value);
    // "OK" as documented, or a refusal: another text, or `false`. Anything else (`true`, a
    // number, a list) is not the documented answer and falls through to `decode`.
    let success = match value.get("success") {
        Some(Value::String(s)) => Some(s.trim().to_owned()),
        Some(Value::Bool(false)) => Some("false".to_owned()),
        _ => None,
    };
    let uuid = value
        .get("uuid")
        .and_then(id_string)
        .filter(|u| !u.trim().is_empty());
    match (plain, success, uuid) {
        (true, Some(s), Some(uuid)) if s.eq_ignore_ascii_case("ok") => {
            let mut report = SendReport::new(P);
            report.batch_id = Some(uuid);
            report.accepted = phones
                .iter()
                .map(|p| Accepted::new(p.clone(), None))
                .collect();
            Ok(report)
        }
        (true, Some(s), None) if s.eq_ignore_ascii_case("ok") => Err(Error::decode(
            "SMS.by said OK to the mailing but sent no uuid to follow it by",
        )
        .with_provider(P)
        .with_http_status(response.status)
        .with_body(&response.body)),
        (true, Some(s), uuid) if !s.is_empty() => {
            let words = refusal_detail(&value)
                .map(|w| format!(": {}", clip(&w, MAX_DETAIL_CHARS)))
                .unwrap_or_default();
            let uuid = uuid
                .map(|u| format!(" (uuid {})", clip(&u, 64)))
                .unwrap_or_default();
            Err(Error::new(
                ErrorCode::InvalidRequest,
                format!(
                    "SMS.by did not accept the mailing{uuid}: success is {}, not OK{words}",
                    clip(&s, 64)
                ),
            )
            .with_provider(P)
            .with_http_status(response.status)
            .with_provider_code(clip(&s, 64))
            .with_body(&response.body))
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

/// `statusBulkViber`: the parameter table puts both `token` and `uuid` in the query; the
/// POST has no body.
pub(crate) fn build_status_batch(config: &Config, batch_id: &str) -> HttpRequest {
    HttpRequest::post("/api/v1/statusBulkViber", Body::Empty, Idempotency::Read)
        .query("token", token(config))
        .query("uuid", batch_id)
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ListMessage {
    pub list_id: String,
    /// The numeric Viber name id (`vibername_id`); defaults to the client's `sender`.
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
        .as_ref()
        .filter(|s| !s.trim().is_empty())
        .or(config.sender.as_ref());
    let sender = viber_name_id(sender, "sendViberMessageList")?;
    // The same content rules as `send`: type_message is TEXT, IMAGE or BUTTON, and a TEXT
    // message has no image, so a text with an image needs the button.
    let content = Content::check(
        m.text.as_deref(),
        m.image_url.as_deref(),
        m.button.as_ref(),
        &capabilities(),
    )?;
    let mut fields = Vec::new();
    if let Some(label) = &m.label {
        fields.push(("name", label.clone()));
    }
    fields.push(("vibername_id", sender));
    fields.push(("list_id", list_id));
    fields.extend(v2_content(
        content.text.as_ref(),
        content.image_url.as_ref(),
        content.button.as_ref(),
    ));
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
    // A refusal before any request still lists the recipients rejected before it.
    let refused = |e: Error| e.with_rejected(m.rejected.clone());
    if uses_quick_messages(&m) {
        let batches = build_quick(ctx.config, &m).map_err(refused)?;
        ctx.send_batches(m.rejected, batches, &parse_quick)
    } else {
        let batch = build_bulk(ctx.config, &m).map_err(refused)?;
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
        return Err(crate::message::no_valid_recipients("items", rejected).with_provider(P));
    };
    let items = valid
        .iter()
        .map(|(i, p)| {
            let phone = p.recipients.first();
            let item = message.items.get(*i);
            match (phone, item) {
                (Some(phone), Some(item)) => Ok((
                    phone.clone(),
                    item.text.clone(),
                    p.button.as_ref().map(|b| b.url.clone()),
                )),
                _ => {
                    Err(Error::internal("a personalised item lost its recipient").with_provider(P))
                }
            }
        })
        .collect::<Result<Vec<(String, String, Option<String>)>>>()?;
    let batch = build_personal(ctx.config, shared, &items)
        .map_err(|e| e.with_rejected(rejected.clone()))?;
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
