//! SMS Club's `/vibers/*` endpoints.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::http::{Request, Response};
use super::state::{phase, Fate, Msg, Phase, SmsPhase};
use super::{digits, form_decode, param, refused, Shared};
use crate::config::ProviderId;

const MAX_PHONES: usize = 500;
/// The longest `lifetime`: smsclub.txt prints "3,600 to 860,00 in bulk sending and 60 to 860,00
/// in single sending", whose digits say 86 000 (docs/providers.md).
const MAX_LIFETIME: i64 = 86_000;

fn error(status: u16, key: &str, message: &str) -> Response {
    Response::json(
        status,
        &json!({"errorRequest": {"errors": {key: [message]}}}),
    )
}

fn ok(data: Value) -> Response {
    Response::json(200, &json!({"successfulRequest": {"requestData": data}}))
}

pub(super) fn handle(shared: &Shared, request: &Request) -> Response {
    let token = request
        .header("authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim);
    if refused(token) {
        return error(401, "auth", "User authentication error");
    }
    let token = token.unwrap_or_default().to_owned();
    if let Some(r) = rate_limit(shared, &token) {
        return r;
    }
    match (request.method.as_str(), request.path.as_str()) {
        ("POST", "/vibers/send") => send(shared, request),
        ("POST", "/vibers/status") => status(shared, request),
        ("GET", "/vibers/chats") => chats(shared, request),
        ("GET", "/vibers/chat") => chat(shared, request),
        _ => Response::json(
            404,
            &json!({"errorRequest": {"errors": {"route": ["Not found"]}}}),
        ),
    }
}

/// Nine requests per second per token: 429 beyond.
fn rate_limit(shared: &Shared, token: &str) -> Option<Response> {
    let limit = shared.config.smsclub_rate_limit as usize;
    if limit == 0 {
        return None;
    }
    let now = Instant::now();
    let mut state = shared.state();
    let hits = state.smsclub_hits.entry(token.to_owned()).or_default();
    hits.retain(|t| now.duration_since(*t) < Duration::from_secs(1));
    if hits.len() >= limit {
        let wait = Duration::from_secs(1).saturating_sub(now.duration_since(hits[0]));
        return Some(
            error(429, "requests", "Too many requests per time unit").with_header(
                "Retry-After",
                wait.as_secs_f64().ceil().max(1.0).to_string(),
            ),
        );
    }
    hits.push(now);
    None
}

fn body(request: &Request) -> Result<Map<String, Value>, Response> {
    serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .ok_or_else(|| error(400, "request", "The request body must be a JSON object"))
}

fn str_field<'a>(b: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    b.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

fn send(shared: &Shared, request: &Request) -> Response {
    let b = match body(request) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(message) = str_field(&b, "message") else {
        return error(462, "text", "Incorrect text.");
    };
    if message.chars().count() > 1000 {
        return error(462, "text", "Incorrect text.");
    }
    let chat_id = b.get("chat_id").and_then(crate::json::id_string);
    let is_2way = b.get("is_2way").and_then(Value::as_bool).unwrap_or(false);
    let (pic, btn_txt, btn_url) = (
        str_field(&b, "picture_url"),
        str_field(&b, "button_txt"),
        str_field(&b, "button_url"),
    );
    if btn_txt.is_some() != btn_url.is_some() {
        return error(400, "button", "The button field {button_txt} and its URL {button_url} must be filled both or not filled in at all");
    }
    // "Some optional parameters must be used together or not used at all, for example,
    // parameters (picture_url, button_txt, button_url)": no error text is documented for it.
    if pic.is_some() != btn_txt.is_some() {
        return error(
            400,
            "picture_url",
            "Parameters (picture_url, button_txt, button_url) must be used together or not used at all",
        );
    }
    let (sms_sender, sms_text) = (str_field(&b, "senderSms"), str_field(&b, "messageSms"));
    if sms_sender.is_some() != sms_text.is_some() {
        return error(400, "SMS", "Fields: \"Alpha-name (SMS)\" and \"Message text (SMS)\" should be filled together or not filled at all");
    }
    let (plan, end) = (b.get("mgr_plan_date"), b.get("mgr_end_time"));
    if plan.is_some() != end.is_some() {
        return error(
            400,
            "date",
            "Date parameters must be present or absent together",
        );
    }
    if let (Some(p), Some(e)) = (plan.and_then(Value::as_i64), end.and_then(Value::as_i64)) {
        if e < p {
            return error(
                400,
                "date",
                "The mailing end date is less than the mailing start date",
            );
        }
    } else if plan.is_some() {
        return error(400, "date", "Incorrect unix date format");
    }

    // A reply into an existing chat goes to the chat's recipient.
    let phones: Vec<String> = if let Some(chat) = &chat_id {
        let state = shared.state();
        let Some(first) = state
            .chats
            .get(chat)
            .and_then(|ids| ids.first())
            .and_then(|id| state.messages.get(id))
        else {
            return error(400, "chat_id", "Chat not found");
        };
        vec![first.phone.clone()]
    } else {
        if str_field(&b, "sender").is_none() {
            return error(461, "sender", "Sender name is incorrect");
        }
        let Some(list) = b.get("phones").and_then(Value::as_array) else {
            return error(400, "phones", "Invalid array of numbers");
        };
        if list.len() > MAX_PHONES {
            return error(
                400,
                "phones",
                &format!(
                    "The number of messages in one request should not exceed {MAX_PHONES} numbers"
                ),
            );
        }
        list.iter()
            .map(|p| crate::json::id_string(p).unwrap_or_default())
            .collect()
    };
    if let Some(l) = b.get("lifetime") {
        let min = if phones.len() > 1 { 3600 } else { 60 };
        if !l
            .as_i64()
            .is_some_and(|l| (min..=MAX_LIFETIME).contains(&l))
        {
            return error(
                400,
                "lifetime",
                "The allowed value must be in a range from 3,600 to 860,00 in bulk sending and 60 to 860,00 in single sending",
            );
        }
    }

    let mut messages = Vec::new();
    let (mut incorrect, mut black) = (Vec::new(), Vec::new());
    let mut state = shared.state();
    for raw in &phones {
        let Some(phone) = digits(raw) else {
            incorrect.push(json!(raw));
            continue;
        };
        if Fate::of(&phone) == Fate::Blacklisted {
            black.push(json!(phone));
            continue;
        }
        let id = state.next().to_string();
        let chat = if is_2way {
            let chat = chat_id.clone().unwrap_or_else(|| format!("c{}", id));
            state
                .chats
                .entry(chat.clone())
                .or_default()
                .push(id.clone());
            Some(chat)
        } else {
            None
        };
        let mut entry = json!({"number": phone, "id": id});
        if let Some(c) = &chat {
            entry["chat_id"] = json!(c);
        }
        messages.push(entry);
        state.messages.insert(
            id.clone(),
            Msg {
                id,
                provider: ProviderId::SmsClub,
                phone,
                text: message.to_owned(),
                sent_at: Instant::now(),
                sent_unix: shared.now_unix(),
                sms_fallback: sms_text.is_some(),
                two_way: is_2way,
                callback: None,
                notified: None,
            },
        );
    }
    if messages.is_empty() {
        return error(463, "anyCorrectPhones", "No valid numbers found.");
    }
    let mut data = json!({"messages": messages});
    if !incorrect.is_empty() || !black.is_empty() {
        data["additionalInfo"] = json!({"incorrectPhones": incorrect, "blackList": black});
    }
    ok(data)
}

fn status_name(p: Phase) -> &'static str {
    match p {
        Phase::Pending => "Pending",
        Phase::Sent => "Sent",
        Phase::Delivered | Phase::Read => "Delivered",
        Phase::Undeliverable => "Undeliverable",
        Phase::Rejected => "Rejected",
    }
}

fn status(shared: &Shared, request: &Request) -> Response {
    let b = match body(request) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Some(ids) = b.get("messageIds").and_then(Value::as_array) else {
        return error(400, "messageIds", "messageIds must be an array");
    };
    if ids.len() > MAX_PHONES {
        return error(
            400,
            "messageIds",
            &format!("No more than {MAX_PHONES} ids per request"),
        );
    }
    let state = shared.state();
    let now = Instant::now();
    let mut data = Map::new();
    for id in ids.iter().filter_map(crate::json::id_string) {
        let Some(msg) = state
            .messages
            .get(&id)
            .filter(|m| m.provider == ProviderId::SmsClub)
        else {
            continue;
        };
        let (p, sms) = phase(msg, now, shared.step());
        let additional = match (p, Fate::of(&msg.phone)) {
            (Phase::Read, _) => json!("Read"),
            (Phase::Undeliverable, Fate::NoViber) => json!("Not registered"),
            _ => Value::Null,
        };
        let sms_status = match sms {
            Some(SmsPhase::Delivered) => json!("Delivered"),
            None => Value::Null,
        };
        data.insert(id, json!({"status": status_name(p), "additionStatus": additional, "smsStatus": sms_status}));
    }
    ok(Value::Object(data))
}

/// The messages of a chat, with the recipient's simulated reply after each delivered message.
fn chat_messages(shared: &Shared, ids: &[String]) -> Vec<Value> {
    let state = shared.state();
    let now = Instant::now();
    let mut out = Vec::new();
    for id in ids {
        let Some(m) = state.messages.get(id) else {
            continue;
        };
        let at = crate::time::format_local_t(m.sent_unix, 120).replace('T', " ");
        out.push(json!({"text": m.text, "date": at, "type": "outcoming"}));
        if matches!(
            phase(m, now, shared.step()).0,
            Phase::Delivered | Phase::Read
        ) {
            out.push(json!({"text": format!("Re: {}", m.text.chars().take(40).collect::<String>()), "date": at, "type": "incoming"}));
        }
    }
    out
}

fn page(request: &Request) -> usize {
    param(&form_decode(request.query.as_bytes()), "page")
        .and_then(|p| p.parse().ok())
        .unwrap_or(1)
        .max(1)
}

fn chats(shared: &Shared, request: &Request) -> Response {
    let page = page(request);
    let state = shared.state();
    let chats: Vec<Value> = state
        .chats
        .iter()
        .skip(page.saturating_sub(1).saturating_mul(30))
        .take(30)
        .filter_map(|(chat, ids)| {
            let first = state.messages.get(ids.first()?)?;
            Some(json!({"chat_id": chat, "recipient": first.phone, "creation_date": crate::time::format_local_t(first.sent_unix, 120).replace('T', " ")}))
        })
        .collect();
    ok(json!({"chats": chats}))
}

fn chat(shared: &Shared, request: &Request) -> Response {
    let q = form_decode(request.query.as_bytes());
    let Some(chat_id) = param(&q, "chat_id") else {
        return error(400, "chat_id", "chat_id is required");
    };
    let ids = match shared.state().chats.get(chat_id) {
        Some(ids) => ids.clone(),
        None => return error(400, "chat_id", "Chat not found"),
    };
    let (phone, created) = {
        let state = shared.state();
        let first = ids.first().and_then(|id| state.messages.get(id));
        (
            first.map(|m| m.phone.clone()).unwrap_or_default(),
            first.map(|m| m.sent_unix).unwrap_or(0),
        )
    };
    let all = chat_messages(shared, &ids);
    let page = page(request);
    let messages: Vec<Value> = all
        .into_iter()
        .skip(page.saturating_sub(1).saturating_mul(30))
        .take(30)
        .collect();
    let recipient: Value = phone
        .parse::<u64>()
        .map(Value::from)
        .unwrap_or(json!(phone));
    ok(
        json!({"chat": {"recipient": recipient, "source_address": "Sandbox", "creation_date": crate::time::format_local_t(created, 120).replace('T', " "), "messages": messages}}),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::{json, Value};

    use crate::sandbox::{Sandbox, SandboxConfig};

    fn send(sb: &Sandbox, body: Value) -> (u16, Value) {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(&format!("{}/vibers/send", sb.base_url()))
            .header("Authorization", "Bearer sandbox-token")
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// smsclub.txt: "(picture_url, button_txt, button_url) must be used together or not used at
    /// all" and lifetime "60 to 860,00 in single sending".
    #[test]
    fn refuses_what_the_document_refuses() {
        let sb = Sandbox::start(SandboxConfig {
            smsclub_rate_limit: 0,
            ..SandboxConfig::default()
        })
        .unwrap();
        let base = json!({"sender": "Shop", "phones": ["380989361121"], "message": "Hi"});
        let with = |extra: Value| {
            let mut b = base.clone();
            for (k, v) in extra.as_object().unwrap() {
                b[k] = v.clone();
            }
            b
        };
        for (extra, key) in [
            (
                json!({"button_txt": "Go", "button_url": "https://x.example"}),
                "picture_url",
            ),
            (
                json!({"picture_url": "https://x.example/i.jpg"}),
                "picture_url",
            ),
            (json!({"button_txt": "Go"}), "button"),
            (json!({"lifetime": 86_001}), "lifetime"),
            (json!({"lifetime": 59}), "lifetime"),
            (json!({"lifetime": "60"}), "lifetime"),
        ] {
            let (status, answer) = send(&sb, with(extra.clone()));
            assert_eq!(status, 400, "{extra}: {answer}");
            assert!(
                answer["errorRequest"]["errors"][key].is_array(),
                "{extra}: {answer}"
            );
        }
        for extra in [
            json!({"lifetime": 86_000}),
            json!({"picture_url": "https://x.example/i.jpg", "button_txt": "Go", "button_url": "https://x.example"}),
        ] {
            let (status, answer) = send(&sb, with(extra.clone()));
            assert_eq!(status, 200, "{extra}: {answer}");
        }
        let (status, answer) = send(
            &sb,
            json!({"sender": "Shop", "phones": ["380989361121", "380989361122"], "message": "Hi", "lifetime": 3599}),
        );
        assert_eq!(status, 400, "{answer}");
    }
}
