//! Parsing the callbacks providers send to the user's server (SPEC §6 `parse_webhook`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::ProviderId;
use crate::error::{Error, Result};
use crate::json::{id_string, parse_relaxed, text};
use crate::providers::{decisiontelecom, inteltele, smsby};
use crate::status::DeliveryState;
use crate::transport::form_decode;

/// An HTTP request as the user's web framework received it. From JSON (the C ABI, the CLI) it
/// reads `{"method", "query", "body", "content_type"}`, where `query` is a raw query string, an
/// object or a list of pairs, and `body` is text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookRequest {
    pub method: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub content_type: Option<String>,
    /// When set, the callback must carry the `vg_token` that `send` added under this secret.
    pub secret: Option<crate::config::Secret>,
    /// The callback URL as registered with `send` (needed with `secret`).
    pub callback_url: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum QueryInput {
    Raw(String),
    Map(std::collections::BTreeMap<String, String>),
    Pairs(Vec<(String, String)>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WebhookJson {
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    query: Option<QueryInput>,
    #[serde(default)]
    body: Option<String>,
    #[serde(default)]
    content_type: Option<String>,
    #[serde(default)]
    secret: Option<String>,
    #[serde(default)]
    callback_url: Option<String>,
}

impl<'de> Deserialize<'de> for WebhookRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let j = WebhookJson::deserialize(d)?;
        let mut request = WebhookRequest::new(
            j.method.as_deref().unwrap_or("POST"),
            "",
            j.body.unwrap_or_default(),
            j.content_type.as_deref(),
        );
        request.query = match j.query {
            None => Vec::new(),
            Some(QueryInput::Raw(s)) => form_decode(s.trim_start_matches('?').as_bytes()),
            Some(QueryInput::Map(m)) => m.into_iter().collect(),
            Some(QueryInput::Pairs(p)) => p,
        };
        request.secret = j.secret.map(crate::config::Secret::new);
        request.callback_url = j.callback_url;
        Ok(request)
    }
}

impl WebhookRequest {
    /// A request from its method, raw query string (without `?`), body and content type.
    pub fn new(
        method: &str,
        query_string: &str,
        body: impl Into<Vec<u8>>,
        content_type: Option<&str>,
    ) -> Self {
        WebhookRequest {
            method: method.to_ascii_uppercase(),
            query: form_decode(query_string.trim_start_matches('?').as_bytes()),
            body: body.into(),
            content_type: content_type.map(str::to_owned),
            secret: None,
            callback_url: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A delivery status.
    Status,
    /// A message from a recipient.
    Inbound,
}

/// One event a callback carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookEvent {
    pub kind: EventKind,
    pub provider: ProviderId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DeliveryState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_state: Option<DeliveryState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// RFC 3339 when the provider's time could be read, else as the provider wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_data: Option<String>,
}

impl WebhookEvent {
    fn new(kind: EventKind, provider: ProviderId) -> Self {
        WebhookEvent {
            kind,
            provider,
            message_id: None,
            state: None,
            sms_state: None,
            provider_status: None,
            phone: None,
            text: None,
            at: None,
            tracking_data: None,
        }
    }
}

/// The events in a provider's callback. Anything that is not a documented callback is a
/// `decode` error; SMS Club sends no callbacks (`unsupported`).
pub fn parse_webhook(provider: ProviderId, request: &WebhookRequest) -> Result<Vec<WebhookEvent>> {
    if let Some(secret) = &request.secret {
        let url = request.callback_url.as_deref().ok_or_else(|| {
            Error::invalid_message(
                "callback_url",
                "checking a callback's vg_token needs the callback_url it was sent with",
            )
        })?;
        crate::signing::verify(&request.query, secret.expose(), url)
            .map_err(|e| e.with_provider(provider))?;
    }
    let events = match provider {
        ProviderId::SmsClub => {
            return Err(Error::unsupported(
                provider,
                "provider",
                "callbacks (poll status() and chats() instead)",
            ))
        }
        ProviderId::DecisionTelecom => decisiontelecom_events(&body_json(provider, request)?)?,
        ProviderId::IntelTele => inteltele_events(request)?,
        ProviderId::SmsBy => smsby_events(request)?,
    };
    if events.is_empty() {
        return Err(bad(provider, "the callback carries no event"));
    }
    Ok(events)
}

fn bad(provider: ProviderId, why: &str) -> Error {
    Error::decode(format!("not a {} callback: {why}", provider.display_name()))
        .with_provider(provider)
}

fn body_json(provider: ProviderId, request: &WebhookRequest) -> Result<Value> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Err(bad(provider, "the body is empty"));
    }
    parse_relaxed(&request.body)
        .ok_or_else(|| bad(provider, "the body is not JSON").with_body(&request.body))
}

/// Query and form parameters of a request, form body first.
fn params(request: &WebhookRequest) -> Vec<(String, String)> {
    let is_form = request
        .content_type
        .as_deref()
        .is_some_and(|c| c.to_ascii_lowercase().contains("x-www-form-urlencoded"));
    let looks_like_form = !request.body.is_empty()
        && !matches!(
            request.body.iter().find(|b| !b.is_ascii_whitespace()),
            Some(b'{' | b'[')
        );
    let mut all = Vec::new();
    if is_form || (request.method.eq_ignore_ascii_case("POST") && looks_like_form) {
        all.extend(form_decode(&request.body));
    }
    all.extend(request.query.iter().cloned());
    all
}

fn decisiontelecom_events(value: &Value) -> Result<Vec<WebhookEvent>> {
    let p = ProviderId::DecisionTelecom;
    let items: Vec<&Value> = match value {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    items
        .into_iter()
        .map(|item| {
            let obj = item.as_object().ok_or_else(|| bad(p, "an event is not an object"))?;
            if let Some(message) = obj.get("message").filter(|m| m.is_object()) {
                let mut e = WebhookEvent::new(EventKind::Inbound, p);
                e.message_id = obj.get("message_token").and_then(id_string);
                e.phone = obj.get("phone_number").and_then(id_string);
                e.text = message.get("text").and_then(text);
                e.tracking_data = message.get("tracking_data").and_then(text);
                e.at = obj.get("time").and_then(|t| t.as_i64()).map(crate::time::format_rfc3339_utc);
                if e.phone.is_none() {
                    return Err(bad(p, "an inbound message has no phone_number"));
                }
                Ok(e)
            } else if obj.contains_key("message_id") && obj.contains_key("status") {
                let report = decisiontelecom::status_from_object(obj, "");
                let mut e = WebhookEvent::new(EventKind::Status, p);
                e.message_id = Some(report.message_id);
                e.state = Some(report.state);
                e.sms_state = report.sms_state;
                e.provider_status = Some(report.provider_status);
                Ok(e)
            } else {
                Err(bad(p, "expected a status {message_id, status} or an inbound message {phone_number, message}"))
            }
        })
        .collect()
}

fn inteltele_events(request: &WebhookRequest) -> Result<Vec<WebhookEvent>> {
    let p = ProviderId::IntelTele;
    let params = params(request);
    let get = |k: &str| {
        params
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    };
    let (Some(id), Some(status)) = (get("msgid"), get("status")) else {
        return Err(bad(p, "msgid and status are required"));
    };
    let mut e = WebhookEvent::new(EventKind::Status, p);
    e.state = Some(inteltele::map_state(&status));
    e.provider_status = Some(status);
    e.message_id = Some(id);
    e.at = get("datetime").map(|d| crate::time::to_rfc3339(&d, 0).unwrap_or(d));
    Ok(vec![e])
}

fn smsby_events(request: &WebhookRequest) -> Result<Vec<WebhookEvent>> {
    let p = ProviderId::SmsBy;
    let is_json = matches!(
        request.body.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    );
    let value = if is_json {
        body_json(p, request)?
    } else {
        let params = params(request);
        if params.is_empty() {
            return Err(bad(p, "the callback is empty"));
        }
        Value::Object(
            params
                .into_iter()
                .map(|(k, v)| (k, Value::String(v)))
                .collect(),
        )
    };
    let offset = smsby::DEFAULT_UTC_OFFSET_MINUTES;
    let mut deliveries = Vec::new();
    let mut visit = |v: &Value| -> Result<()> {
        if let Some(success) = v.get("success").and_then(Value::as_array) {
            deliveries.extend(success.iter().map(|d| smsby::delivery_from(d, "", offset)));
        } else if v.get("errors").is_some() {
            // A mailing-level error carries no delivery.
        } else if v.get("status").is_some()
            && (v.get("delivery_id").is_some() || v.get("message_id").is_some())
        {
            deliveries.push(smsby::delivery_from(v, "", offset));
        } else if let Some(result) = v.get("result").filter(|r| r.is_object()) {
            deliveries.push(smsby::delivery_from(result, "", offset));
        } else {
            return Err(bad(
                p,
                "expected mailing statuses or a delivery {delivery_id, status}",
            ));
        }
        Ok(())
    };
    match &value {
        Value::Array(items) => items.iter().try_for_each(&mut visit)?,
        other => visit(other)?,
    }
    Ok(deliveries
        .into_iter()
        .map(|d| {
            let mut e = WebhookEvent::new(EventKind::Status, p);
            e.message_id = Some(d.message_id).filter(|id| !id.is_empty());
            e.state = Some(d.state);
            e.provider_status = Some(d.provider_status);
            e.phone = d.phone;
            e.at = d.updated_at;
            e
        })
        .collect())
}
