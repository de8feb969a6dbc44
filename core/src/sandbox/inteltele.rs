//! Intel-Tele's `/im/send/`, `/im/status/`, `/balance/`, `/credit/` and `/rates/`.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::http::{Request, Response};
use super::state::{phase, uuid_like, Callback, Fate, Msg, Phase};
use super::{param, params, refused, Shared};
use crate::config::ProviderId;

/// (country, dialling prefix, network, price): the sandbox's price list.
const RATES: [(&str, &str, &str, f64); 5] = [
    ("ua", "380", "", 0.05),
    ("by", "375", "", 0.06),
    ("ru", "7", "01", 0.123456),
    ("ru", "7", "", 0.234567),
    ("il", "972", "", 0.08),
];

fn reply(entries: Vec<Value>) -> Response {
    Response::json(200, &json!({"reply": entries}))
}

fn request_error(status: &str) -> Response {
    reply(vec![json!({"status": format!("error: {status}")})])
}

pub(super) fn handle(shared: &Shared, request: &Request) -> Response {
    let p = params(request);
    let path = request.path.trim_end_matches('/');
    let auth_ok = param(&p, "username").is_some() && !refused(param(&p, "api_key"));
    if !auth_ok {
        return if path == "/rates" {
            Response::json(200, &json!({"message": "Invalid auth", "error": true}))
        } else {
            request_error("wrong username/api_key")
        };
    }
    match path {
        "/im/send" => send(shared, &p),
        "/im/status" => status(shared, &p),
        "/balance" => Response::json(
            200,
            &json!({"balance": format!("{:.2}", shared.state().balance)}),
        ),
        "/credit" => Response::json(
            200,
            &json!({"credit": format!("{:.2}", shared.config.inteltele_credit)}),
        ),
        "/rates" => rates(param(&p, "username").unwrap_or("user")),
        _ => Response::json(404, &json!({"reply": [{"status": "error: not found"}]})),
    }
}

fn rate_of(phone: &str) -> Option<(&'static str, f64)> {
    RATES
        .iter()
        .filter(|(_, prefix, network, _)| network.is_empty() && phone.starts_with(prefix))
        .map(|(c, _, _, price)| (*c, *price))
        .next()
}

fn send(shared: &Shared, p: &[(String, String)]) -> Response {
    let (Some(to), Some(text)) = (param(p, "to"), param(p, "im_message")) else {
        return request_error("can't send message");
    };
    if text.chars().count() > 1000 {
        return request_error("message is too long");
    }
    if param(p, "im_sender").is_some_and(|s| s.to_ascii_lowercase().contains("banned")) {
        return request_error("sender is banned");
    }
    if param(p, "sms_source").is_some() != param(p, "sms_message").is_some() {
        return request_error("can't send message");
    }
    if let Some(ttl) = param(p, "im_ttl") {
        if !ttl.parse::<u32>().is_ok_and(|t| (60..=86_400).contains(&t)) {
            return request_error("can't send message");
        }
    }
    let callback = shared
        .config
        .inteltele_callback_url
        .clone()
        .map(|url| Callback::IntelTele {
            url,
            method: shared.config.inteltele_callback_method.clone(),
        });
    let mut state = shared.state();
    let mut entries = Vec::new();
    for number in to.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let Some((country, price)) = number
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| rate_of(number))
            .flatten()
        else {
            let why = if number.bytes().all(|b| b.is_ascii_digit()) {
                "no route to country"
            } else {
                "can't determine country"
            };
            entries.push(json!({"number": number, "status": format!("error: {why}")}));
            continue;
        };
        if Fate::of(number) == Fate::Blacklisted {
            entries.push(json!({"number": number, "status": "error: number is blacklisted"}));
            continue;
        }
        if state.balance + shared.config.inteltele_credit < price {
            entries.push(json!({"number": number, "status": "error: low balance", "cost": format!("{price}")}));
            continue;
        }
        state.balance -= price;
        let n = state.next();
        let id = uuid_like(n);
        state.messages.insert(
            id.clone(),
            Msg {
                id: id.clone(),
                provider: ProviderId::IntelTele,
                phone: number.to_owned(),
                text: text.to_owned(),
                sent_at: Instant::now(),
                sent_unix: shared.now_unix(),
                sms_fallback: param(p, "sms_message").is_some(),
                two_way: false,
                callback: callback.clone(),
                notified: None,
            },
        );
        entries.push(json!({"status": "OK", "cost": format!("{price:.6}"), "country": country, "mcc": "000", "number": number, "message_id": id}));
    }
    reply(entries)
}

pub(super) fn status_name(p: Phase) -> &'static str {
    match p {
        Phase::Pending | Phase::Sent => "enroute",
        Phase::Delivered | Phase::Read => "delivrd",
        Phase::Undeliverable => "undeliv",
        Phase::Rejected => "rejectd",
    }
}

fn status(shared: &Shared, p: &[(String, String)]) -> Response {
    let Some(ids) = param(p, "requests") else {
        return request_error("can't send message");
    };
    let state = shared.state();
    let mut out = Map::new();
    for id in ids.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let entry = match state
            .messages
            .get(id)
            .filter(|m| m.provider == ProviderId::IntelTele)
        {
            Some(m) => {
                let (phase, _) = phase(m, Instant::now(), shared.step());
                json!({"date": crate::time::format_local_t(m.sent_unix, 0).replace('T', " "), "status": status_name(phase), "time_zone": "UTC"})
            }
            None => json!({"status": "unknown"}),
        };
        out.insert(id.to_owned(), entry);
    }
    Response::json(200, &Value::Object(out))
}

fn rates(user: &str) -> Response {
    let mut countries: Map<String, Value> = Map::new();
    for (country, _, network, price) in RATES {
        let entry = countries
            .entry(country.to_owned())
            .or_insert_with(|| json!({}));
        entry[network] = json!([price, 0]);
    }
    Response::json(200, &json!({ user: countries }))
}

/// The fields of a status callback.
pub(super) fn callback_fields(msg: &Msg, p: Phase, now_unix: i64) -> Vec<(String, String)> {
    vec![
        ("msgid".into(), msg.id.clone()),
        ("status".into(), status_name(p).into()),
        (
            "datetime".into(),
            crate::time::format_local_t(now_unix, 0).replace('T', " "),
        ),
    ]
}
