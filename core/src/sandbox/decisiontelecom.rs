//! DecisionTelecom's `/v1/api/*` endpoints.

use std::time::Instant;

use base64::Engine;
use serde_json::{json, Map, Value};

use super::http::{Request, Response};
use super::state::{phase, Callback, Fate, Msg, Phase, SmsPhase};
use super::{refused, Shared};
use crate::config::ProviderId;

fn error(status: u16, name: &str, message: &str, code: u8) -> Response {
    Response::json(
        status,
        &json!({"name": name, "message": message, "code": code, "status": status}),
    )
}

fn invalid(param: &str) -> Response {
    error(
        400,
        &format!("Invalid Parameter: {param}"),
        "Empty parameter or parameter validation error",
        1,
    )
}

pub(super) fn handle(shared: &Shared, request: &Request) -> Response {
    let key = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Basic "))
        .and_then(|b| {
            base64::engine::general_purpose::STANDARD
                .decode(b.trim())
                .ok()
        })
        .and_then(|k| String::from_utf8(k).ok());
    if refused(key.as_deref()) {
        // A plain-text 401, as the official SDKs' tests show.
        return Response::raw(
            401,
            "text/html",
            b"<html><body><h1>401 Unauthorized</h1></body></html>".to_vec(),
        );
    }
    let Some(body) = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|v| v.as_object().cloned())
    else {
        return invalid("body");
    };
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/v1/api/send-viber") => send(shared, &body),
        ("POST", "/v1/api/receive-viber") => status(shared, &body),
        _ => error(404, "Not Found", "Page not found.", 0),
    }
}

fn send(shared: &Shared, b: &Map<String, Value>) -> Response {
    let text_of = |k: &str| b.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
    match text_of("source_addr") {
        Some(s) if s.chars().count() <= 20 => {}
        _ => return invalid("source_addr"),
    }
    // destination_addr is a JSON number.
    let Some(destination) = b.get("destination_addr").and_then(Value::as_u64) else {
        return invalid("destination_addr");
    };
    let phone = destination.to_string();
    if !(7..=15).contains(&phone.len()) {
        return invalid("destination_addr");
    }
    let message_type = b.get("message_type").and_then(Value::as_u64);
    if !matches!(message_type, Some(106 | 108 | 206 | 208)) {
        return invalid("message_type");
    }
    let Some(text) = text_of("text").filter(|t| t.chars().count() <= 1000) else {
        return invalid("text");
    };
    if matches!(message_type, Some(108 | 208))
        && (text_of("button_caption").is_none() || text_of("button_action").is_none())
    {
        return invalid("button_caption");
    }
    if text_of("button_caption").is_some_and(|c| c.chars().count() > 30) {
        return invalid("button_caption");
    }
    let source_type = b.get("source_type").and_then(Value::as_u64);
    if !matches!(source_type, Some(1 | 2)) {
        return invalid("source_type");
    }
    // "transactional message (text message) - 2": 108/208 carry an image and a button.
    if source_type == Some(2) && matches!(message_type, Some(108 | 208)) {
        return invalid("source_type");
    }
    let sms = text_of("text_sms");
    if let Some(v) = b.get("validity_period") {
        // "promotion message - min TTL 40 seconds max TTL 21600 seconds (6 hours)", the same for
        // transactional ones; "transactional message + SMS - TTL only 40 seconds".
        let allowed = match sms {
            Some(_) => v.as_u64() == Some(40),
            None => v.as_u64().is_some_and(|v| (40..=21_600).contains(&v)),
        };
        if !allowed {
            return invalid("validity_period");
        }
    }
    // "alternative SMS text … (only for transactional messages)", one SMS long.
    if sms.is_some_and(|t| super::sms::parts(t) > 1) || (sms.is_some() && source_type != Some(2)) {
        return invalid("text_sms");
    }
    for optional in [
        "text_sms",
        "image",
        "button_caption",
        "button_action",
        "callback_url",
    ] {
        if b.get(optional)
            .is_some_and(|v| v.as_str().is_none_or(str::is_empty))
        {
            return invalid(optional);
        }
    }
    let mut state = shared.state();
    let id = state.next();
    state.messages.insert(
        id.to_string(),
        Msg {
            id: id.to_string(),
            provider: ProviderId::DecisionTelecom,
            phone,
            text: text.to_owned(),
            sent_at: Instant::now(),
            sent_unix: shared.now_unix(),
            sms_fallback: sms.is_some(),
            two_way: matches!(message_type, Some(206 | 208)),
            callback: text_of("callback_url").map(|u| Callback::DecisionTelecom(u.to_owned())),
            notified: None,
        },
    );
    Response::json(200, &json!({"message_id": id}))
}

/// The status object of `receive-viber` and of status callbacks.
pub(super) fn status_json(msg: &Msg, p: Phase, sms: Option<SmsPhase>) -> Value {
    let code = match (p, Fate::of(&msg.phone)) {
        (Phase::Pending, _) => 5,
        (Phase::Sent, _) => 0,
        (Phase::Delivered, _) => 1,
        (Phase::Read, _) => 6,
        (Phase::Undeliverable, _) => 4,
        (Phase::Rejected, _) => 3,
    };
    let id: Value = msg
        .id
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or(json!(msg.id));
    let mut v = json!({"message_id": id, "status": code});
    if let Some(SmsPhase::Delivered) = sms {
        v["sms_message_id"] = json!(id.as_u64().unwrap_or(0).saturating_add(100_000));
        v["sms_message_status"] = json!(2);
    }
    v
}

/// A 2-way reply callback from the recipient.
pub(super) fn reply_json(msg: &Msg, now_unix: i64) -> Value {
    json!({
        "message_token": msg.id.parse::<u64>().unwrap_or(0).saturating_add(44_000_000_000_000),
        "phone_number": msg.phone,
        "time": now_unix,
        "message": {"text": format!("Re: {}", msg.text.chars().take(40).collect::<String>()), "tracking_data": format!("tracking_id:{}", msg.id)}
    })
}

fn status(shared: &Shared, b: &Map<String, Value>) -> Response {
    let Some(id) = b.get("message_id").and_then(Value::as_u64) else {
        return invalid("message_id");
    };
    let state = shared.state();
    match state
        .messages
        .get(&id.to_string())
        .filter(|m| m.provider == ProviderId::DecisionTelecom)
    {
        Some(msg) => {
            let (p, sms) = phase(msg, Instant::now(), shared.step());
            Response::json(200, &status_json(msg, p, sms))
        }
        None => invalid("message_id"),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use base64::Engine;
    use serde_json::{json, Value};

    use crate::sandbox::{Sandbox, SandboxConfig};

    fn send(sb: &Sandbox, body: &Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into();
        let key = base64::engine::general_purpose::STANDARD.encode("sandbox-key");
        let mut response = agent
            .post(&format!("{}/v1/api/send-viber", sb.base_url()))
            .header("Authorization", &format!("Basic {key}"))
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// decisiontelecom-viber-sms.md: "transactional message + SMS - TTL only 40 seconds",
    /// text_sms "(only for transactional messages)", "transactional message (text message) - 2".
    #[test]
    fn refuses_what_the_document_refuses() {
        let sb = Sandbox::start(SandboxConfig::default()).unwrap();
        let base = json!({"source_addr": "Custom Company", "destination_addr": 380636111112u64,
            "message_type": 106, "text": "Message content", "source_type": 2});
        let with = |extra: Value| {
            let mut b = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        let rich = json!({"message_type": 108, "image": "https://x.example/i.jpg",
            "button_caption": "Join Us", "button_action": "https://x.example"});
        for (extra, param) in [
            (
                json!({"text_sms": "SMS", "validity_period": 3600}),
                "validity_period",
            ),
            (json!({"text_sms": "SMS", "source_type": 1}), "text_sms"),
            (rich.clone(), "source_type"),
        ] {
            let (status, answer) = send(&sb, &with(extra.clone()));
            assert_eq!(status, 400, "{extra}: {answer}");
            assert_eq!(
                answer["name"],
                format!("Invalid Parameter: {param}"),
                "{extra}"
            );
        }
        let mut promo = with(rich);
        promo["source_type"] = json!(1);
        for body in [
            with(json!({"text_sms": "SMS", "validity_period": 40})),
            with(json!({"text_sms": "SMS"})),
            with(json!({"validity_period": 21_600})),
            promo,
        ] {
            let (status, answer) = send(&sb, &body);
            assert_eq!(status, 200, "{body}: {answer}");
            assert!(answer["message_id"].is_u64(), "{answer}");
        }
    }
}
