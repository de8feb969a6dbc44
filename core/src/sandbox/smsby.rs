//! SMS.by's `/api/v1/*` and `/api/v2/*` endpoints: quick messages, bulk and personal mailings,
//! stored lists with confirmation, delivery lists and incoming replies.

use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::http::{Request, Response};
use super::state::{phase, uuid_like, Callback, Fate, Inbound, Mailing, Msg, Phase, State};
use super::{param, params, refused, Shared};
use crate::config::ProviderId;

/// The account's stored subscriber lists.
const LISTS: [(u64, &[&str]); 2] = [
    (1, &["375290000001", "375290000002", "375291112222"]),
    (
        2,
        &[
            "375291000001",
            "375291000002",
            "375291000003",
            "375291000004",
            "375291000000",
        ],
    ),
];

fn error(status: u16, message: &str) -> Response {
    Response::json(status, &json!({"error": message}))
}

fn ok(result: Value) -> Response {
    Response::json(200, &json!({"status": "OK", "result": result}))
}

pub(super) fn handle(shared: &Shared, request: &Request) -> Response {
    let is_v1 = request.path.starts_with("/api/v1/");
    let json_body: Option<Map<String, Value>> = serde_json::from_slice::<Value>(&request.body)
        .ok()
        .and_then(|v| v.as_object().cloned());
    let p = params(request);
    let token = param(&p, "token").map(str::to_owned).or_else(|| {
        json_body
            .as_ref()?
            .get("token")?
            .as_str()
            .map(str::to_owned)
    });
    if refused(token.as_deref()) {
        return error(403, "Invalid token");
    }
    if request.method != "POST" {
        return error(405, "Method not allowed");
    }
    let method = request.path.rsplit('/').next().unwrap_or("");
    if is_v1 {
        return match method {
            "sendBulkViber" => match json_body {
                Some(body) => send_bulk(shared, &body),
                None => error(400, "The request body must be JSON"),
            },
            // The parameter table: `token` and `uuid` are both "query".
            "statusBulkViber" => {
                let query = super::form_decode(request.query.as_bytes());
                if refused(param(&query, "token")) {
                    return error(403, "Invalid token");
                }
                match param(&query, "uuid") {
                    Some(uuid) => status_bulk(shared, uuid),
                    None => error(400, "uuid is required"),
                }
            }
            _ => error(404, "Page not found"),
        };
    }
    match method {
        "sendQuickViberMessage" => send_quick(shared, &p),
        "getViberDeliveryData" => delivery_data(shared, &p),
        "sendViberMessageList" => send_to_list(shared, &p),
        "confirmViberMessage" => with_mailing(shared, &p, confirm),
        "getViberMessages" => mailings(shared, &p),
        "getViberMessageData" => with_mailing(shared, &p, |_, m, _| ok(mailing_json(m))),
        "getViberDeliveryList" => with_mailing(shared, &p, delivery_list),
        "getNewIncomingMessages" => with_mailing(shared, &p, incoming),
        "readResponseStatus" => read_incoming(shared, &p),
        _ => error(404, "Page not found"),
    }
}

/// The status SMS.by shows for a phase. Its document lists four values, NEW, SENT, DELIVERED
/// and READ, and none for a failure; what it says of a failure is the forwarding rule of
/// `sendQuickViberMessage`: "If the sent message does not receive the 'Delivered' status within
/// the specified time, it will be sent as SMS". So a message that is never delivered (numbers
/// ending 0000, 9999 and 1111) stays SENT, and the SMS that may follow has no status of its own.
fn status_name(p: Phase) -> &'static str {
    match p {
        Phase::Pending => "NEW",
        Phase::Sent | Phase::Undeliverable | Phase::Rejected => "SENT",
        Phase::Delivered => "DELIVERED",
        Phase::Read => "READ",
    }
}

/// `error_code` is 0 in every example of the document, which says nothing of other values.
const ERROR_CODE: u32 = 0;

fn new_message(
    shared: &Shared,
    state: &mut State,
    phone: &str,
    text: &str,
    fallback: bool,
    callback: Option<Callback>,
) -> String {
    let id = state.next().to_string();
    state.messages.insert(
        id.clone(),
        Msg {
            id: id.clone(),
            provider: ProviderId::SmsBy,
            phone: phone.to_owned(),
            text: text.to_owned(),
            sent_at: Instant::now(),
            sent_unix: shared.now_unix(),
            sms_fallback: fallback,
            two_way: false,
            callback,
            notified: None,
        },
    );
    id
}

fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// Checks the v2 content fields; returns the text to remember.
fn v2_content(
    p: &[(String, String)],
) -> Result<(String, String, String, String, String), Response> {
    let kind = param(p, "type_message")
        .unwrap_or("TEXT")
        .to_ascii_uppercase();
    let text = param(p, "message").unwrap_or("").to_owned();
    let image = param(p, "image_url").unwrap_or("").to_owned();
    let (button, link) = (
        param(p, "button").unwrap_or("").to_owned(),
        param(p, "button_link").unwrap_or("").to_owned(),
    );
    match kind.as_str() {
        "TEXT" if text.is_empty() => return Err(error(400, "message is required for TEXT")),
        "IMAGE" if !is_url(&image) => return Err(error(400, "image_url is required for IMAGE")),
        "BUTTON" if button.is_empty() || !is_url(&link) => {
            return Err(error(400, "button and button_link are required for BUTTON"))
        }
        "TEXT" | "IMAGE" | "BUTTON" => {}
        _ => return Err(error(400, "type_message must be TEXT, IMAGE or BUTTON")),
    }
    if link.chars().count() > 150 {
        return Err(error(400, "button_link must not exceed 150 characters"));
    }
    if text.chars().count() > 1000 {
        return Err(error(400, "message must not exceed 1000 characters"));
    }
    Ok((kind, text, image, button, link))
}

fn integer(p: &[(String, String)], name: &str) -> Result<u64, Response> {
    param(p, name)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| error(400, &format!("{name} must be an integer")))
}

fn send_quick(shared: &Shared, p: &[(String, String)]) -> Response {
    let sender = match integer(p, "vibername_id") {
        Ok(s) => s,
        Err(r) => return r,
    };
    let Some(phone) = param(p, "phone").and_then(super::digits) else {
        return error(400, "phone is invalid");
    };
    let (kind, text, image, button, link) = match v2_content(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let forwarding = param(p, "forwarding_message") == Some("1");
    if forwarding && integer(p, "alphaname_id").is_err() {
        return error(400, "alphaname_id is required when forwarding is enabled");
    }
    // "After how many minutes the forwarding will take place … Minimum 5 minutes. Maximum 60
    // minutes".
    if param(p, "forwarding_time").is_some()
        && !integer(p, "forwarding_time").is_ok_and(|m| (5..=60).contains(&m))
    {
        return error(400, "forwarding_time must be from 5 to 60 minutes");
    }
    let mut state = shared.state();
    let id = new_message(shared, &mut state, &phone, &text, forwarding, None);
    let mailing_id: u64 = id.parse().unwrap_or(0);
    state.mailings.insert(
        mailing_id,
        Mailing {
            id: mailing_id,
            uuid: None,
            name: format!("quick {id}"),
            sender: sender.to_string(),
            message_type: kind,
            text,
            button_caption: button,
            button_link: link,
            image,
            confirmed: true,
            created_unix: shared.now_unix(),
            scheduled: None,
            deliveries: vec![(mailing_id, id.clone())],
            errors: Vec::new(),
        },
    );
    ok(json!({"message_id": mailing_id}))
}

fn delivery_data(shared: &Shared, p: &[(String, String)]) -> Response {
    let id = match integer(p, "message_id") {
        Ok(id) => id.to_string(),
        Err(r) => return r,
    };
    let state = shared.state();
    match state
        .messages
        .get(&id)
        .filter(|m| m.provider == ProviderId::SmsBy)
    {
        Some(m) => {
            let (ph, _) = phase(m, Instant::now(), shared.step());
            ok(json!({"phone": m.phone, "status": status_name(ph), "error_code": ERROR_CODE}))
        }
        None => error(404, "Message not found"),
    }
}

/// Validates one mailing of `sendBulkViber`; returns the error text the status will show.
fn check_mailing(m: &Map<String, Value>) -> Result<(), String> {
    let content = m
        .get("content")
        .and_then(Value::as_object)
        .ok_or("content is required")?;
    let kind = content
        .get("type")
        .and_then(Value::as_str)
        .ok_or("content type is required")?;
    let message_type = m
        .get("message_type")
        .and_then(Value::as_str)
        .ok_or("message_type is required")?;
    if !matches!(message_type, "bulk" | "personal") {
        return Err("message_type must be bulk or personal".into());
    }
    if m.get("alphaname_id")
        .and_then(crate::json::id_string)
        .is_none()
    {
        return Err("alphaname_id is required".into());
    }
    let url_ok = |k: &str| content.get(k).and_then(Value::as_str).is_some_and(is_url);
    match kind {
        "text" => {}
        "image" if message_type == "bulk" && url_ok("image_url") => {}
        "image" if message_type != "bulk" => {
            return Err("The image option can only be used with message_type bulk".into())
        }
        "button"
            if content
                .get("caption")
                .and_then(Value::as_str)
                .is_some_and(|c| !c.is_empty()) => {}
        "image" => return Err("Content url is not valid".into()),
        "button" => return Err("Button caption is required".into()),
        _ => return Err("content type must be text, image or button".into()),
    }
    if content.get("image_url").is_some() && !url_ok("image_url") {
        return Err("Content url is not valid".into());
    }
    let list = m
        .get("delivery_list")
        .and_then(Value::as_array)
        .filter(|l| !l.is_empty())
        .ok_or("delivery_list is required")?;
    for entry in list {
        let (phone, text, link) = match message_type {
            "bulk" => (
                entry.as_str(),
                content.get("text").and_then(Value::as_str),
                content.get("button_link").and_then(Value::as_str),
            ),
            _ => (
                entry.get("phone").and_then(Value::as_str),
                entry.get("text").and_then(Value::as_str),
                entry.get("button_link").and_then(Value::as_str),
            ),
        };
        if phone.and_then(super::digits).is_none() {
            return Err(format!("invalid phone {}", entry));
        }
        if kind != "image" && text.is_none_or(str::is_empty) {
            return Err("text is required".into());
        }
        if kind == "button" && !link.is_some_and(|l| is_url(l) && l.chars().count() <= 150) {
            return Err("button_link is required and must not exceed 150 characters".into());
        }
    }
    Ok(())
}

fn send_bulk(shared: &Shared, body: &Map<String, Value>) -> Response {
    let Some(mailings) = body
        .get("messages")
        .and_then(Value::as_array)
        .filter(|m| !m.is_empty())
    else {
        return error(400, "messages is required");
    };
    let callback_url = body
        .get("callback_url")
        .and_then(Value::as_str)
        .filter(|u| !u.is_empty());
    let mut state = shared.state();
    let n = state.next();
    let uuid = uuid_like(n);
    for (i, m) in mailings.iter().enumerate() {
        let obj = m.as_object().cloned().unwrap_or_default();
        let name = obj
            .get("name")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("mailing {}", i + 1));
        let mailing_id = state.next();
        let content = |key: &str| {
            obj.get("content")
                .and_then(|c| c.get(key))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let kind = content("type");
        let mut mailing = Mailing {
            id: mailing_id,
            uuid: Some(uuid.clone()),
            name: name.clone(),
            sender: obj
                .get("alphaname_id")
                .and_then(crate::json::id_string)
                .unwrap_or_default(),
            message_type: if kind.is_empty() {
                "TEXT".to_owned()
            } else {
                kind.to_ascii_uppercase()
            },
            text: content("text"),
            button_caption: content("caption"),
            button_link: content("button_link"),
            image: content("image_url"),
            confirmed: true,
            created_unix: shared.now_unix(),
            scheduled: obj
                .get("schedule_time")
                .and_then(Value::as_str)
                .map(str::to_owned),
            deliveries: Vec::new(),
            errors: Vec::new(),
        };
        if let Err(why) = check_mailing(&obj) {
            mailing.errors.push(format!("{name}: {why}"));
        } else {
            let personal = obj.get("message_type").and_then(Value::as_str) == Some("personal");
            for entry in obj
                .get("delivery_list")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let (phone, text) = if personal {
                    (
                        entry.get("phone").and_then(Value::as_str).unwrap_or(""),
                        entry.get("text").and_then(Value::as_str).unwrap_or(""),
                    )
                } else {
                    (entry.as_str().unwrap_or(""), mailing.text.as_str())
                };
                let phone = super::digits(phone).unwrap_or_default();
                let callback = callback_url.map(|url| Callback::SmsBy {
                    url: url.to_owned(),
                    batch: uuid.clone(),
                });
                let text = text.to_owned();
                let id = new_message(shared, &mut state, &phone, &text, false, callback);
                mailing.deliveries.push((id.parse().unwrap_or(0), id));
            }
        }
        state.mailings.insert(mailing_id, mailing);
    }
    Response::json(200, &accepted_json(&uuid))
}

fn deliveries_json(
    state: &State,
    m: &Mailing,
    now: Instant,
    step: Duration,
    with_time: bool,
) -> Vec<Value> {
    m.deliveries
        .iter()
        .filter_map(|(delivery_id, msg_id)| {
            let msg = state.messages.get(msg_id)?;
            let (ph, _) = phase(msg, now, step);
            let mut v =
                json!({"delivery_id": delivery_id, "phone": msg.phone, "status": status_name(ph)});
            if with_time {
                v["status_time"] = json!(format!(
                    "{}.000000",
                    crate::time::format_local_t(msg.sent_unix, 180).replace('T', " ")
                ));
            } else {
                v["error_code"] = json!(ERROR_CODE);
            }
            Some(v)
        })
        .collect()
}

/// What SMS.by posts to a mailing's `callback_url`: "the response on the method operation in
/// asynchronous mode", i.e. `sendBulkViber`'s own answer. The document says nothing more (no
/// status callbacks), so neither does the sandbox; statuses come from `statusBulkViber`.
pub(super) fn accepted_callback_json(
    _state: &State,
    uuid: &str,
    _now: Instant,
    _step: Duration,
) -> Value {
    accepted_json(uuid)
}

/// `sendBulkViber`'s answer: `{"uuid": …, "success": "OK"}`.
fn accepted_json(uuid: &str) -> Value {
    json!({"uuid": uuid, "success": "OK"})
}

/// The `statusBulkViber` answer for a batch.
fn status_bulk_json(state: &State, uuid: &str, now: Instant, step: Duration) -> Value {
    let mut out = Vec::new();
    for m in state
        .mailings
        .values()
        .filter(|m| m.uuid.as_deref() == Some(uuid))
    {
        if m.errors.is_empty() {
            let sender: Value = m
                .sender
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or(json!(m.sender));
            out.push(json!({"message_id": m.id, "name": m.name, "alphaname_id": sender, "success": deliveries_json(state, m, now, step, true)}));
        } else {
            out.push(json!({"errors": m.errors}));
        }
    }
    Value::Array(out)
}

fn status_bulk(shared: &Shared, uuid: &str) -> Response {
    let state = shared.state();
    if !state
        .mailings
        .values()
        .any(|m| m.uuid.as_deref() == Some(uuid))
    {
        return error(404, "uuid not found");
    }
    Response::json(
        200,
        &status_bulk_json(&state, uuid, Instant::now(), shared.step()),
    )
}

fn send_to_list(shared: &Shared, p: &[(String, String)]) -> Response {
    let (sender, list_id) = match (integer(p, "vibername_id"), integer(p, "list_id")) {
        (Ok(s), Ok(l)) => (s, l),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let Some((_, phones)) = LISTS.iter().find(|(id, _)| *id == list_id) else {
        return error(404, "List not found");
    };
    let (kind, text, image, button, link) = match v2_content(p) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut state = shared.state();
    let id = state.next();
    let name = param(p, "name")
        .map(str::to_owned)
        .unwrap_or_else(|| format!("Mailing {id}"));
    state.mailings.insert(
        id,
        Mailing {
            id,
            uuid: None,
            name,
            sender: sender.to_string(),
            message_type: kind,
            text,
            button_caption: button,
            button_link: link,
            image,
            confirmed: false,
            created_unix: shared.now_unix(),
            scheduled: param(p, "d_schedule").map(str::to_owned),
            deliveries: phones.iter().map(|ph| (0, (*ph).to_owned())).collect(),
            errors: Vec::new(),
        },
    );
    ok(json!({"message_id": id, "count_subscribers": phones.len()}))
}

fn with_mailing(
    shared: &Shared,
    p: &[(String, String)],
    f: impl Fn(&Shared, &Mailing, &mut State) -> Response,
) -> Response {
    let id = match integer(p, "message_id") {
        Ok(id) => id,
        Err(r) => return r,
    };
    let mut state = shared.state();
    let Some(m) = state.mailings.get(&id).cloned() else {
        return error(404, "Mailing not found");
    };
    f(shared, &m, &mut state)
}

/// Confirming a list mailing sends it: every subscriber gets a message.
fn confirm(shared: &Shared, m: &Mailing, state: &mut State) -> Response {
    if m.confirmed {
        return error(400, "The mailing is already confirmed");
    }
    let phones: Vec<String> = m
        .deliveries
        .iter()
        .map(|(_, phone)| phone.clone())
        .collect();
    let mut deliveries = Vec::new();
    for phone in phones {
        let id = new_message(shared, state, &phone, &m.text, false, None);
        deliveries.push((id.parse().unwrap_or(0), id));
    }
    if let Some(stored) = state.mailings.get_mut(&m.id) {
        stored.confirmed = true;
        stored.deliveries = deliveries;
    }
    Response::json(200, &json!({"status": "OK"}))
}

fn mailing_json(m: &Mailing) -> Value {
    let fmt = |t: i64| crate::time::format_local_t(t, 180).replace('T', " ");
    json!({
        "message_id": m.id,
        "message_type": m.message_type,
        "message": m.text,
        "button_caption": m.button_caption,
        "button_link": m.button_link,
        "image_file": m.image,
        "status": if m.confirmed { "SENT" } else { "NEW" },
        "d_create": fmt(m.created_unix),
        "d_schedule": m.scheduled.clone().unwrap_or_else(|| fmt(m.created_unix)),
        "cost": format!("{:.5} EUR", 0.049 * m.deliveries.len() as f64),
    })
}

fn mailings(shared: &Shared, p: &[(String, String)]) -> Response {
    let offset = param(p, "limit_offset")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let limit = param(p, "limit_rows")
        .and_then(|v| v.parse().ok())
        .unwrap_or(100);
    let state = shared.state();
    ok(Value::Array(
        state
            .mailings
            .values()
            .skip(offset)
            .take(limit)
            .map(mailing_json)
            .collect(),
    ))
}

fn delivery_list(shared: &Shared, m: &Mailing, state: &mut State) -> Response {
    if !m.confirmed {
        return ok(json!([]));
    }
    ok(Value::Array(deliveries_json(
        state,
        m,
        Instant::now(),
        shared.step(),
        false,
    )))
}

/// Each delivered recipient of the mailing replies once.
fn incoming(shared: &Shared, m: &Mailing, state: &mut State) -> Response {
    let now = Instant::now();
    for (_, msg_id) in &m.deliveries {
        let Some(msg) = state.messages.get(msg_id).cloned() else {
            continue;
        };
        let delivered = matches!(
            phase(&msg, now, shared.step()).0,
            Phase::Delivered | Phase::Read
        );
        let known = state
            .inbound
            .iter()
            .any(|i| i.mailing_id == m.id && i.phone == msg.phone);
        if delivered && !known && Fate::of(&msg.phone) != Fate::Undeliverable {
            let id = state.next();
            state.inbound.push(Inbound {
                id,
                mailing_id: m.id,
                phone: msg.phone.clone(),
                text: format!("Re: {}", msg.text.chars().take(40).collect::<String>()),
                at_unix: shared.now_unix(),
                read: false,
            });
        }
    }
    let list: Vec<Value> = state
        .inbound
        .iter()
        .filter(|i| i.mailing_id == m.id && !i.read)
        .map(|i| json!({"id": i.id.to_string(), "phone": i.phone, "message": i.text, "d_receiver": crate::time::format_local_t(i.at_unix, 180).replace('T', " ")}))
        .collect();
    ok(Value::Array(list))
}

fn read_incoming(shared: &Shared, p: &[(String, String)]) -> Response {
    let Some(ids) = param(p, "incoming_messages") else {
        return error(400, "incoming_messages is required");
    };
    let ids: Vec<u64> = ids
        .split(',')
        .filter_map(|i| i.trim().parse().ok())
        .collect();
    let mut state = shared.state();
    let mut n = 0;
    for i in state
        .inbound
        .iter_mut()
        .filter(|i| ids.contains(&i.id) && !i.read)
    {
        i.read = true;
        n += 1;
    }
    ok(json!(format!("Number of flagged messages: {n}")))
}

#[cfg(test)]
mod tests {
    use std::sync::{mpsc, Arc};
    use std::time::Duration;

    use serde_json::{json, Value};

    use crate::sandbox::{http, Sandbox, SandboxConfig};

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into()
    }

    fn post(url: &str, content_type: &str, body: &str) -> (u16, Value) {
        let mut response = agent()
            .post(url)
            .header("Content-Type", content_type)
            .send(body.to_owned())
            .unwrap();
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    fn bulk_body(callback_url: Option<&str>) -> String {
        let mut body = json!({
            "token": "sandbox-token",
            "messages": [{
                "alphaname_id": "2", "name": "m", "message_type": "bulk",
                "content": {"type": "text", "text": "Hi"},
                "delivery_list": ["375291234567"]
            }]
        });
        if let Some(url) = callback_url {
            body["callback_url"] = json!(url);
        }
        body.to_string()
    }

    /// smsby.txt statusBulkViber: "token query string Yes", "uuid query string Yes".
    #[test]
    fn status_bulk_takes_token_and_uuid_from_the_query() {
        let sb = Sandbox::start(SandboxConfig::default()).unwrap();
        let base = sb.base_url();
        let (status, sent) = post(
            &format!("{base}/api/v1/sendBulkViber"),
            "application/json",
            &bulk_body(None),
        );
        assert_eq!(status, 200);
        assert_eq!(sent["success"], "OK");
        let uuid = sent["uuid"].as_str().unwrap().to_owned();

        let (status, list) = post(
            &format!("{base}/api/v1/statusBulkViber?token=sandbox-token&uuid={uuid}"),
            "application/x-www-form-urlencoded",
            "",
        );
        assert_eq!(status, 200);
        assert_eq!(list[0]["success"][0]["phone"], "375291234567");

        // Not the documented way: the uuid in a JSON body, the token missing from the query.
        let body = json!({"token": "sandbox-token", "uuid": uuid}).to_string();
        let url = format!("{base}/api/v1/statusBulkViber");
        assert_eq!(post(&url, "application/json", &body).0, 403);
        let url = format!("{base}/api/v1/statusBulkViber?token=sandbox-token");
        assert_eq!(post(&url, "application/json", &body).0, 400);
        let url = format!("{base}/api/v1/statusBulkViber?token=bad&uuid={uuid}");
        assert_eq!(post(&url, "application/json", "").0, 403);
    }

    /// smsby.txt sendQuickViberMessage forwarding_time: "Minimum 5 minutes. Maximum 60 minutes".
    #[test]
    fn quick_forwarding_time_is_checked() {
        let sb = Sandbox::start(SandboxConfig::default()).unwrap();
        let url = format!("{}/api/v2/sendQuickViberMessage", sb.base_url());
        let form = |minutes: &str| {
            format!("token=sandbox-token&vibername_id=1&phone=375291234567&message=Hi&forwarding_message=1&alphaname_id=2&forwarding_time={minutes}")
        };
        let kind = "application/x-www-form-urlencoded";
        for ok in ["5", "10", "60"] {
            let (status, v) = post(&url, kind, &form(ok));
            assert_eq!((status, v["status"].as_str()), (200, Some("OK")), "{ok}");
        }
        for bad in ["4", "61", "0", "-5", "ten", "99999999999999999999999"] {
            assert_eq!(post(&url, kind, &form(bad)).0, 400, "{bad}");
        }
    }

    /// smsby.txt sendBulkViber: "callback_url … the response on the method operation in
    /// asynchronous mode will be sent": the callback is `{"uuid", "success": "OK"}`.
    #[test]
    fn bulk_callback_is_the_asynchronous_response() {
        let (tx, rx) = mpsc::channel();
        let receiver = http::Server::start(
            0,
            Arc::new(move |request: http::Request| {
                let _ = tx.send(request.body);
                http::Delivery::Respond(http::Response::raw(200, "text/plain", Vec::new()))
            }),
        )
        .unwrap();
        let callback = format!("{}/hook", receiver.base_url());
        let sb = Sandbox::start(SandboxConfig::default()).unwrap();
        let (_, sent) = post(
            &format!("{}/api/v1/sendBulkViber", sb.base_url()),
            "application/json",
            &bulk_body(Some(&callback)),
        );
        let body = rx.recv_timeout(Duration::from_secs(5)).unwrap();
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body, json!({"uuid": sent["uuid"], "success": "OK"}));
        let events = crate::webhook::parse_webhook(
            crate::config::ProviderId::SmsBy,
            &crate::webhook::WebhookRequest::new(
                "POST",
                "",
                body.to_string(),
                Some("application/json"),
            ),
        )
        .unwrap();
        assert_eq!(events[0].kind, crate::webhook::EventKind::BatchAccepted);
        assert_eq!(events[0].batch_id.as_deref(), sent["uuid"].as_str());
    }
}
