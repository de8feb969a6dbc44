//! DecisionTelecom (`web.it-decision.com`): JSON, one recipient per request, Basic auth with the
//! base64 of the API key. Errors are `{name, message, code, status}`, sometimes with HTTP 200:
//! success is decided by the body's structure (a `message_id`).

use base64::Engine;
use serde_json::{json, Map, Value};

use super::{check_ids, parse_json, status_error, Batch, Capabilities, Ctx};
use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{id_string, text};
use crate::message::{Category, Draft, Message, Prepared, SmsFallback};
use crate::report::{Accepted, SendReport};
use crate::retry::Idempotency;
use crate::sms;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

const P: ProviderId = ProviderId::DecisionTelecom;
/// "transactional message + SMS - TTL only 40 seconds": the one `validity_period` of a message
/// with `text_sms`.
pub const SMS_FALLBACK_TTL: u32 = 40;

pub fn capabilities() -> Capabilities {
    Capabilities {
        provider: P,
        image_without_text: false,
        image_needs_button: true,
        sms_fallback: true,
        schedule: false,
        schedule_end: false,
        schedule_end_required: false,
        two_way: true,
        chat_id: false,
        callback_url: true,
        label: false,
        max_recipients_per_request: Some(1),
        ttl_seconds: Some((40, 40, 21_600)),
        sms_fallback_ttl_seconds: Some(SMS_FALLBACK_TTL),
        sender_required: true,
        numeric_sender_id: false,
        max_sender_chars: Some(20),
        sms_sender_required: false,
        max_button_url_chars: None,
        operations: vec!["send", "send_personalized", "status", "capabilities"],
    }
}

fn authorize(config: &Config, request: HttpRequest) -> HttpRequest {
    let key = config
        .api_key
        .as_ref()
        .map(|k| k.expose())
        .unwrap_or_default();
    let encoded = base64::engine::general_purpose::STANDARD.encode(key);
    request.header("Authorization", format!("Basic {encoded}"))
}

/// A phone or id as the JSON number the API expects.
fn as_number(field: &str, digits: &str) -> Result<Value> {
    digits.parse::<u64>().map(Value::from).map_err(|_| {
        Error::invalid_message(
            field,
            format!("DecisionTelecom needs {field} as a number, got {digits:?}"),
        )
        .with_provider(P)
    })
}

/// The rules DecisionTelecom's document adds to the unified validation (`message::prepare`
/// calls this before its SMS fallback checks). `rich`: the message has an image or a button.
///
/// - "source_type … transactional message (text message) - 2": a transactional message is a text
///   message, so an image or button in one is `unsupported` (field `category`): it is never sent
///   as promotional behind the caller's back.
/// - "text_sms … (only for transactional messages)": a message with an image or button is not
///   transactional, so it cannot carry an SMS fallback (`invalid_message`, field `sms_fallback`).
/// - "transactional message + SMS - TTL only 40 seconds": with an SMS fallback, `ttl_seconds` is
///   40 or unset (`invalid_message`, field `ttl_seconds`).
pub(crate) fn check_message(message: &Message, rich: bool) -> Result<()> {
    if rich && message.sms_fallback.is_some() {
        return Err(Error::invalid_message(
            "sms_fallback",
            "DecisionTelecom sends an SMS fallback (text_sms) only with transactional messages, \
             and a transactional message is text only: a message with an image or button cannot \
             have an SMS fallback",
        )
        .with_provider(P));
    }
    if rich && message.effective_category() == Category::Transactional {
        return Err(Error::unsupported(
            P,
            "category",
            "an image or button in a transactional message (source_type 2 is a text message): \
             send it as promotional (category promotional, or leave category unset)",
        ));
    }
    if let (Some(_), Some(ttl)) = (&message.sms_fallback, message.ttl_seconds) {
        if ttl != SMS_FALLBACK_TTL {
            return Err(Error::invalid_message(
                "ttl_seconds",
                format!(
                    "DecisionTelecom gives a message with an SMS fallback a lifetime of only \
                     {SMS_FALLBACK_TTL} seconds (\"transactional message + SMS - TTL only 40 \
                     seconds\"): set ttl_seconds to {SMS_FALLBACK_TTL} or leave it unset, got {ttl}"
                ),
            )
            .with_provider(P));
        }
    }
    Ok(())
}

/// What DecisionTelecom's document says of `text_sms`, the SMS fallback: it is one SMS, only for
/// transactional messages, and goes out under the Viber sender (`source_addr`), so a separate
/// SMS sender cannot be honoured.
pub(crate) fn check_sms_fallback(draft: &Draft<'_>, fallback: &SmsFallback) -> Result<()> {
    let info = sms::sms_info(&fallback.text);
    if !info.fits_one_segment() {
        return Err(Error::invalid_message(
            "sms_fallback.text",
            format!(
                "DecisionTelecom's SMS fallback is one SMS: at most {} {} characters, got {}",
                info.encoding.single_segment(),
                info.encoding.label(),
                info.characters
            ),
        )
        .with_provider(P));
    }
    if draft.message.effective_category() == Category::Promotional {
        return Err(Error::invalid_message(
            "sms_fallback",
            "DecisionTelecom sends an SMS fallback only for transactional messages (set category \
             to transactional)",
        )
        .with_provider(P));
    }
    let own_sender = fallback
        .sender
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if own_sender.is_some_and(|s| Some(s) != draft.sender) {
        return Err(Error::unsupported(
            P,
            "sms_fallback.sender",
            "a separate SMS sender (the Viber sender is used)",
        ));
    }
    Ok(())
}

// ---- pure half -------------------------------------------------------------------------------

/// One request per recipient. Unset optional fields are left out, never sent empty.
pub(crate) fn build_send(config: &Config, m: &Prepared) -> Result<Vec<Batch>> {
    let rich = m.image_url.is_some() || m.button.is_some();
    let message_type = match (rich, m.two_way) {
        (false, false) => 106,
        (true, false) => 108,
        (false, true) => 206,
        (true, true) => 208,
    };
    let mut common = Map::new();
    common.insert(
        "source_addr".into(),
        json!(m.sender.clone().unwrap_or_default()),
    );
    common.insert("message_type".into(), json!(message_type));
    if let Some(t) = &m.text {
        common.insert("text".into(), json!(t));
    }
    if let Some(fb) = &m.sms_fallback {
        common.insert("text_sms".into(), json!(fb.text));
    }
    if let Some(url) = &m.image_url {
        common.insert("image".into(), json!(url));
    }
    if let Some(b) = &m.button {
        common.insert("button_caption".into(), json!(b.text));
        common.insert("button_action".into(), json!(b.url));
    }
    let source_type = match m.category {
        Category::Promotional => 1,
        Category::Transactional => 2,
    };
    common.insert("source_type".into(), json!(source_type));
    if let Some(url) = &m.callback_url {
        common.insert("callback_url".into(), json!(url));
    }
    // With text_sms the lifetime is 40 s whether or not the caller set it (`check_message` has
    // refused any other value): sent explicitly, as in the document's send-viber example.
    let ttl = match &m.sms_fallback {
        Some(_) => Some(SMS_FALLBACK_TTL),
        None => m.ttl_seconds,
    };
    if let Some(ttl) = ttl {
        common.insert("validity_period".into(), json!(ttl));
    }
    m.recipients
        .iter()
        .map(|phone| {
            let mut body = common.clone();
            body.insert("destination_addr".into(), as_number("to", phone)?);
            let request = HttpRequest::post(
                "/v1/api/send-viber",
                Body::Json(Value::Object(body)),
                Idempotency::Send,
            );
            Ok(Batch {
                phones: vec![phone.clone()],
                request: authorize(config, request),
            })
        })
        .collect()
}

/// The error an answer carries when it is not a success.
fn error_from(response: &HttpResponse, value: Option<&Value>) -> Error {
    let Some(obj) = value.and_then(Value::as_object) else {
        return match response.status {
            200..=299 => {
                Error::decode("DecisionTelecom's answer has neither message_id nor an error")
                    .with_provider(P)
                    .with_http_status(response.status)
                    .with_body(&response.body)
            }
            _ => status_error(P, response),
        };
    };
    let name = obj.get("name").and_then(text).unwrap_or_default();
    // The long document's error tables spell the field `messege`, the short one and the official
    // SDKs `message`: read both, so the provider's words are never lost.
    let message = ["message", "messege"]
        .iter()
        .filter_map(|k| obj.get(*k).and_then(text))
        .map(|m| m.trim().to_owned())
        .find(|m| !m.is_empty())
        .unwrap_or_default();
    let provider_code = obj.get("code").and_then(text);
    let status = obj
        .get("status")
        .and_then(Value::as_u64)
        .and_then(|s| u16::try_from(s).ok())
        .unwrap_or(response.status);
    let code = match (status, provider_code.as_deref()) {
        (401 | 403, _) => ErrorCode::Auth,
        (_, Some("0")) | (429, _) => ErrorCode::RateLimited,
        (_, Some("1")) => ErrorCode::InvalidRequest,
        (_, Some("2")) => ErrorCode::ProviderError,
        (_, Some("3")) | (402, _) => ErrorCode::InsufficientFunds,
        (500..=599, _) => ErrorCode::ProviderError,
        (400..=499, _) => ErrorCode::InvalidRequest,
        _ if name.is_empty() && message.is_empty() => ErrorCode::Decode,
        _ => ErrorCode::ProviderError,
    };
    let summary = [name.as_str(), message.as_str()]
        .iter()
        .filter(|s| !s.is_empty())
        .cloned()
        .collect::<Vec<_>>()
        .join(": ");
    let mut error = Error::new(
        code,
        format!(
            "DecisionTelecom: {}",
            if summary.is_empty() {
                "error without a message"
            } else {
                &summary
            }
        ),
    )
    .with_provider(P)
    .with_http_status(response.status)
    .with_retry_after_ms(super::retry_after_ms(response))
    .with_body(&response.body);
    if let Some(c) = provider_code {
        error = error.with_provider_code(c);
    }
    // Code 1 names the bad parameter: "Invalid Parameter: destination_addr".
    if let Some((_, field)) = name.split_once(':') {
        if !field.trim().is_empty() {
            error = error.with_field(field.trim());
        }
    }
    error
}

/// The JSON object of an answer that carries `message_id`, or the error it carries instead.
fn success_object(response: &HttpResponse) -> Result<Map<String, Value>> {
    let value = parse_json(P, response)?;
    match value.as_object() {
        Some(obj) if obj.get("message_id").and_then(id_string).is_some() => Ok(obj.clone()),
        _ => Err(error_from(response, Some(&value))),
    }
}

pub(crate) fn parse_send(response: &HttpResponse, phones: &[String]) -> Result<SendReport> {
    let obj = success_object(response)?;
    let mut report = SendReport::new(P);
    let phone = phones.first().cloned().unwrap_or_default();
    report.accepted.push(Accepted::new(
        phone,
        obj.get("message_id").and_then(id_string),
    ));
    Ok(report)
}

pub(crate) fn build_status(config: &Config, id: &str) -> Result<HttpRequest> {
    let body = Body::Json(json!({ "message_id": as_number("ids", id)? }));
    Ok(authorize(
        config,
        HttpRequest::post("/v1/api/receive-viber", body, Idempotency::Read),
    ))
}

/// Maps the Viber status code.
pub fn map_state(code: Option<i64>) -> DeliveryState {
    match code {
        Some(0) => DeliveryState::Sent,
        Some(1) => DeliveryState::Delivered,
        Some(2) => DeliveryState::Failed,
        Some(3) => DeliveryState::Rejected,
        Some(4) => DeliveryState::Undeliverable,
        Some(5) => DeliveryState::Pending,
        Some(6) => DeliveryState::Read,
        _ => DeliveryState::Unknown,
    }
}

/// Maps the SMS fallback's status code.
pub fn map_sms_state(code: Option<i64>) -> DeliveryState {
    match code {
        Some(2) => DeliveryState::Delivered,
        Some(3) => DeliveryState::Expired,
        Some(5) => DeliveryState::Undeliverable,
        _ => DeliveryState::Unknown,
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A status object (the receive-viber answer and the status callback share it).
pub(crate) fn status_from_object(obj: &Map<String, Value>, fallback_id: &str) -> DeliveryReport {
    let id = obj
        .get("message_id")
        .and_then(id_string)
        .unwrap_or_else(|| fallback_id.to_owned());
    let raw = obj.get("status").and_then(text).unwrap_or_default();
    let mut report = DeliveryReport::new(id, map_state(int(obj.get("status"))), raw);
    if obj.contains_key("sms_message_status") {
        report.sms_state = Some(map_sms_state(int(obj.get("sms_message_status"))));
    }
    if let Some(sms_id) = obj.get("sms_message_id").and_then(id_string) {
        report.detail = Some(format!("sms_message_id {sms_id}"));
    }
    report
}

pub(crate) fn parse_status(response: &HttpResponse, id: &str) -> Result<DeliveryReport> {
    Ok(status_from_object(&success_object(response)?, id))
}

// ---- thin half -------------------------------------------------------------------------------

pub(crate) fn send(ctx: &Ctx<'_>, m: Prepared) -> Result<SendReport> {
    let batches = build_send(ctx.config, &m)?;
    ctx.send_batches(m.rejected, batches, &parse_send)
}

/// One request per id. An id the provider refuses (e.g. older than 5 days) comes back `unknown`
/// with the provider's words in `detail`; any other error fails the call.
pub(crate) fn status<S: AsRef<str>>(ctx: &Ctx<'_>, ids: &[S]) -> Result<Vec<DeliveryReport>> {
    let ids = check_ids(ids)?;
    let requests = ids
        .iter()
        .map(|id| Ok((build_status(ctx.config, id)?, id.clone())))
        .collect::<Result<Vec<_>>>()?;
    ctx.read_all(requests, |(request, id)| {
        match ctx.read(&request, |r| parse_status(r, &id)) {
            Err(e) if e.code() == ErrorCode::InvalidRequest => {
                let mut r = DeliveryReport::new(id, DeliveryState::Unknown, "");
                r.detail = Some(e.message.clone());
                Ok(r)
            }
            other => other,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::SmsFallback;

    fn refused(m: Message) -> (ErrorCode, Option<String>) {
        let rich = m.image_url.is_some() || m.button.is_some();
        let e = check_message(&m, rich).unwrap_err();
        (e.code(), e.field.clone())
    }

    #[test]
    fn document_rules() {
        let text = Message::to(["380636111112"]).text("Hi");
        let sms = || SmsFallback::new("SMS");
        // Transactional with an image or button: refused, never re-labelled.
        assert_eq!(
            refused(
                text.clone()
                    .button("Go", "https://x.example")
                    .category(Category::Transactional)
            ),
            (ErrorCode::Unsupported, Some("category".into()))
        );
        assert!(check_message(&text.clone().button("Go", "https://x.example"), true).is_ok());
        // An SMS fallback never goes with an image or button.
        assert_eq!(
            refused(
                text.clone()
                    .image_url("https://x.example/i.jpg")
                    .button("Go", "https://x.example")
                    .category(Category::Transactional)
                    .sms_fallback(sms())
            ),
            (ErrorCode::InvalidMessage, Some("sms_fallback".into()))
        );
        // With text_sms the TTL is 40 or unset.
        for ttl in [41, 3600, 21_600] {
            assert_eq!(
                refused(text.clone().sms_fallback(sms()).ttl_seconds(ttl)),
                (ErrorCode::InvalidMessage, Some("ttl_seconds".into()))
            );
        }
        assert!(check_message(&text.clone().sms_fallback(sms()).ttl_seconds(40), false).is_ok());
        assert!(check_message(&text.clone().sms_fallback(sms()), false).is_ok());
        assert!(check_message(&text.clone().ttl_seconds(21_600), false).is_ok());
    }

    #[test]
    fn the_error_text_is_read_from_message_or_messege() {
        for body in [
            r#"{"name":"Topup balance is required","messege":"User balance is empty","code":3,"status":402}"#,
            r#"{"name":"Topup balance is required","message":"User balance is empty","code":3,"status":402}"#,
            r#"{"name":"Topup balance is required","message":"","messege":"User balance is empty","code":3,"status":402}"#,
        ] {
            let e = parse_send(&HttpResponse::new(402, body), &["1".to_owned()]).unwrap_err();
            assert_eq!(e.code(), ErrorCode::InsufficientFunds);
            assert_eq!(
                e.message, "DecisionTelecom: Topup balance is required: User balance is empty",
                "{body}"
            );
        }
    }
}
