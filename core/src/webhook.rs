//! Parsing the callbacks providers send to the user's server (`parse_webhook`).

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
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(with = "WebhookJson")
)]
pub struct WebhookRequest {
    /// The HTTP method, upper case; JSON without `method` means `POST`.
    pub method: String,
    /// Decoded query parameters, in order.
    pub query: Vec<(String, String)>,
    /// The raw body, as received (text in JSON).
    pub body: Vec<u8>,
    /// The `Content-Type` header, if any; `x-www-form-urlencoded` makes the body read as a form.
    pub content_type: Option<String>,
    /// When set, the callback must carry the `vg_token` that `send` added under this secret.
    pub secret: Option<crate::config::Secret>,
    /// The callback URL as registered with `send` (needed with `secret`).
    pub callback_url: Option<String>,
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(untagged)]
enum QueryInput {
    Raw(String),
    Map(std::collections::BTreeMap<String, String>),
    Pairs(Vec<(String, String)>),
}

#[derive(Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
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

/// What a webhook event reports (JSON `status`, `inbound`, `batch_accepted`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum EventKind {
    /// A delivery status.
    Status,
    /// A message from a recipient.
    Inbound,
    /// The provider took a batch for processing (SMS.by's asynchronous `sendBulkViber`
    /// response `{"uuid", "success": "OK"}`); `batch_id` is the `uuid`.
    BatchAccepted,
}

impl EventKind {
    /// The JSON name: `status`, `inbound`, `batch_accepted`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Status => "status",
            EventKind::Inbound => "inbound",
            EventKind::BatchAccepted => "batch_accepted",
        }
    }
}

impl std::fmt::Display for EventKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One event a callback carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookEvent {
    /// What the event reports.
    pub kind: EventKind,
    /// The provider whose callback it is.
    pub provider: ProviderId,
    /// The message a `status` is about; for an `inbound` event, the reply's own id (DecisionTelecom
    /// `message_token`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    /// The delivery state of a `status` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<DeliveryState>,
    /// The state of the SMS fallback, when the callback gives it (DecisionTelecom).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_state: Option<DeliveryState>,
    /// The raw status value (`OK` for `batch_accepted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_status: Option<String>,
    /// The sender of an `inbound` message, or the recipient of a `status` when SMS.by names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// The text of an `inbound` message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// RFC 3339 when the provider's time could be read, else as the provider wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<String>,
    /// DecisionTelecom's `tracking_data` of an `inbound` message, raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tracking_data: Option<String>,
    /// The id of the message an inbound message answers (DecisionTelecom's
    /// `tracking_data` `tracking_id:N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to_message_id: Option<String>,
    /// The batch an event is about (`batch_accepted`: SMS.by's `uuid`, the send's `batch_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
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
            reply_to_message_id: None,
            batch_id: None,
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
    Error::decode(format!(
        "not {} {} callback: {why}",
        article(provider),
        provider.display_name()
    ))
    .with_provider(provider)
}

/// The indefinite article before a provider's name, as it is said: "an SMS Club", "an SMS.by",
/// "an Intel-Tele", "a DecisionTelecom".
fn article(provider: ProviderId) -> &'static str {
    match provider {
        ProviderId::SmsClub | ProviderId::SmsBy | ProviderId::IntelTele => "an",
        ProviderId::DecisionTelecom => "a",
    }
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
                e.reply_to_message_id = message.get("tracking_data").and_then(tracking_id);
                e.at = obj.get("time").and_then(callback_time);
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

/// The replied-to message id in DecisionTelecom's `tracking_data`: "tracking_id: The id of the
/// message to which the client is responding", written `"tracking_id:100035"`. Also read from
/// `tracking_id=N`, from a list of such pairs (`,` `;` `&` separated) and from an object
/// `{"tracking_id": N}`. The id is 1–64 ASCII letters, digits, `-` or `_`; anything else is
/// not an id and is left out (the raw text stays in `tracking_data`).
fn tracking_id(value: &Value) -> Option<String> {
    let is_id = |s: &str| {
        (1..=64).contains(&s.len())
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    };
    match value {
        Value::Object(o) => o
            .get("tracking_id")
            .and_then(id_string)
            .map(|s| s.trim().to_owned())
            .filter(|s| is_id(s)),
        Value::String(s) => s.split([',', ';', '&', '\n']).find_map(|pair| {
            let (key, id) = pair.split_once([':', '='])?;
            let id = id.trim();
            (key.trim().eq_ignore_ascii_case("tracking_id") && is_id(id)).then(|| id.to_owned())
        }),
        _ => None,
    }
}

/// Unix seconds beyond this (9999-12-31T23:59:59Z) are not a time an RFC 3339 stamp can say.
const MAX_UNIX_SECONDS: i64 = 253_402_300_799;

/// RFC 3339 (UTC) of a whole number of unix seconds written as digits (a fraction is dropped);
/// `None` for anything else, a negative or an out-of-range number.
fn unix_digits_to_rfc3339(digits: &str) -> Option<String> {
    let digits = digits.trim();
    let whole = match digits.split_once('.') {
        Some((whole, frac)) if frac.bytes().all(|b| b.is_ascii_digit()) => whole,
        Some(_) => return None,
        None => digits,
    };
    if whole.is_empty() || whole.len() > 18 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut seconds: i64 = whole.parse().ok()?;
    // Viber's own callbacks count milliseconds; seconds this large would be past the year 5000.
    if seconds > 100_000_000_000 {
        seconds = seconds.checked_div(1000)?;
    }
    (seconds <= MAX_UNIX_SECONDS).then(|| crate::time::format_rfc3339_utc(seconds))
}

/// DecisionTelecom's 2-way `time`. The document prints unix seconds (`"time": 2121212121`);
/// the same digits in a string are read the same way, and so are milliseconds (Viber's
/// unit). A date string is undocumented: one with its own offset (`Z`, `+03:00`) is returned as
/// RFC 3339 in UTC; one without an offset says no zone, so it is returned as written rather
/// than stamped with a guessed one.
fn callback_time(value: &Value) -> Option<String> {
    match value {
        Value::Number(n) => unix_digits_to_rfc3339(&n.to_string()),
        Value::String(s) => {
            let s = s.trim();
            if s.is_empty() || s.chars().count() > 64 {
                return None;
            }
            unix_digits_to_rfc3339(s)
                .or_else(|| zoned_to_rfc3339_utc(s))
                .or_else(|| Some(s.to_owned()))
        }
        _ => None,
    }
}

/// `YYYY-MM-DD[T ]HH:MM:SS[.frac](Z|±HH:MM|±HHMM)` as RFC 3339 in UTC, when it is a real time.
fn zoned_to_rfc3339_utc(s: &str) -> Option<String> {
    let (local, offset_minutes) = if let Some(local) = s.strip_suffix(['Z', 'z']) {
        (local, 0i64)
    } else {
        let at = s.rfind(['+', '-'])?;
        let (local, zone) = (s.get(..at)?, s.get(at..)?);
        // The date's own dashes come before the time; a zone follows it.
        if !local.contains([' ', 'T', 't']) {
            return None;
        }
        let sign = if zone.starts_with('-') { -1i64 } else { 1 };
        let digits: String = zone.get(1..)?.chars().filter(|c| *c != ':').collect();
        if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let hours: i64 = digits.get(..2)?.parse().ok()?;
        let minutes: i64 = digits.get(2..)?.parse().ok()?;
        if hours > 23 || minutes > 59 {
            return None;
        }
        (
            local,
            sign.checked_mul(hours.checked_mul(60)?.checked_add(minutes)?)?,
        )
    };
    let local = local.replacen(['t'], "T", 1);
    // Validate and split with the same reader the providers' local times use.
    let stamped = crate::time::to_rfc3339(&local, 0)?;
    let date = stamped.get(..10)?;
    let time = stamped.get(11..19)?;
    let mut d = date.split('-');
    let (y, m, day): (i64, u32, u32) = (
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
        d.next()?.parse().ok()?,
    );
    let mut t = time.split(':');
    let (h, mi, sec): (i64, i64, i64) = (
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
        t.next()?.parse().ok()?,
    );
    let unix = crate::time::days_from_civil(y, m, day)
        .checked_mul(86_400)?
        .checked_add(h.checked_mul(3600)?)?
        .checked_add(mi.checked_mul(60)?)?
        .checked_add(sec)?
        .checked_sub(offset_minutes.checked_mul(60)?)?;
    (0..=MAX_UNIX_SECONDS)
        .contains(&unix)
        .then(|| crate::time::format_rfc3339_utc(unix))
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
    let mut events = Vec::new();
    let mut deliveries = Vec::new();
    let mut visit = |v: &Value| -> Result<()> {
        if let Some(event) = smsby_batch_event(v)? {
            events.push(event);
        } else if let Some(success) = v.get("success").and_then(Value::as_array) {
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
    events.extend(deliveries.into_iter().map(|d| {
        let mut e = WebhookEvent::new(EventKind::Status, p);
        e.message_id = Some(d.message_id).filter(|id| !id.is_empty());
        e.state = Some(d.state);
        e.provider_status = Some(d.provider_status);
        e.phone = d.phone;
        e.at = d.updated_at;
        e
    }));
    Ok(events)
}

/// SMS.by's documented callback: `callback_url` receives "the response on the method operation
/// in asynchronous mode", i.e. `sendBulkViber`'s `{"uuid": …, "success": "OK"}` → a
/// `batch_accepted` event with `batch_id` = the uuid. `None` when `v` is not that shape; an
/// error when it is, but says something other than `OK` or carries no uuid.
fn smsby_batch_event(v: &Value) -> Result<Option<WebhookEvent>> {
    let p = ProviderId::SmsBy;
    let Some(obj) = v.as_object() else {
        return Ok(None);
    };
    let success = obj.get("success").filter(|s| !s.is_array());
    let uuid = obj.get("uuid");
    if success.is_none() && uuid.is_none() {
        return Ok(None);
    }
    let success = success.and_then(text).map(|s| s.trim().to_owned());
    let uuid = uuid
        .and_then(id_string)
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty() && u.chars().count() <= 128);
    match (success, uuid) {
        (Some(s), Some(uuid)) if s.eq_ignore_ascii_case("ok") && obj.get("error").is_none() => {
            let mut e = WebhookEvent::new(EventKind::BatchAccepted, p);
            e.batch_id = Some(uuid);
            e.provider_status = Some(s);
            Ok(Some(e))
        }
        (_, None) => Err(bad(p, "the asynchronous response carries no uuid")),
        (success, Some(_)) => Err(bad(
            p,
            &format!(
                "the asynchronous response does not say success OK (success: {})",
                success
                    .map(|s| s.chars().take(64).collect::<String>())
                    .unwrap_or_else(|| "missing".into())
            ),
        )),
    }
}
