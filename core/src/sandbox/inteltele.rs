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
    // "im_image … Use together with im_button_link and im_button_text"; "im_button_text … Use
    // together with im_button_link": a missing partner is a missing parameter.
    let (image, button_text, button_link) = (
        param(p, "im_image"),
        param(p, "im_button_text"),
        param(p, "im_button_link"),
    );
    if button_text.is_some() != button_link.is_some() || (image.is_some() && button_text.is_none())
    {
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

/// The zone the sandbox's account profile is set to: "If not set, the timezone from your profile
/// will be used."
const PROFILE_TIME_ZONE: (&str, i32) = ("UTC", 0);

/// The zone a status request asks for (`timezone`), as (name, minutes east of UTC): UTC and
/// fixed offsets such as `+03:00`; anything else falls back to the profile's zone.
fn requested_zone(p: &[(String, String)]) -> (String, i32) {
    let Some(zone) = param(p, "timezone").map(str::trim) else {
        return (PROFILE_TIME_ZONE.0.to_owned(), PROFILE_TIME_ZONE.1);
    };
    if zone.eq_ignore_ascii_case("utc") || zone.eq_ignore_ascii_case("gmt") {
        return ("UTC".to_owned(), 0);
    }
    let offset = (|| {
        let (sign, rest) = match zone.strip_prefix('+') {
            Some(r) => (1, r),
            None => (-1, zone.strip_prefix('-')?),
        };
        let (h, m) = rest.split_once(':')?;
        let (h, m): (i32, i32) = (h.parse().ok()?, m.parse().ok()?);
        ((0..=14).contains(&h) && (0..60).contains(&m)).then_some(sign * (h * 60 + m))
    })();
    match offset {
        Some(o) => (zone.to_owned(), o),
        None => (PROFILE_TIME_ZONE.0.to_owned(), PROFILE_TIME_ZONE.1),
    }
}

/// The status timestamp in the requested `timeformat` ("If not set, no timestamp will be passed
/// in the response"): `datetime` 2017-01-23 12:34:56, `date`, or `time`.
fn status_date(p: &[(String, String)], unix: i64, offset_minutes: i32) -> Option<String> {
    let full = crate::time::format_local_t(unix, offset_minutes).replace('T', " ");
    let (date, time) = full.split_once(' ')?;
    match param(p, "timeformat")?.trim() {
        "datetime" => Some(full.clone()),
        "date" => Some(date.to_owned()),
        "time" => Some(time.to_owned()),
        _ => None,
    }
}

fn status(shared: &Shared, p: &[(String, String)]) -> Response {
    let Some(ids) = param(p, "requests") else {
        return request_error("can't send message");
    };
    let (zone, offset) = requested_zone(p);
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
                let mut entry = json!({"status": status_name(phase), "time_zone": zone});
                if let Some(date) = status_date(p, m.sent_unix, offset) {
                    entry["date"] = json!(date);
                }
                entry
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::Value;

    use crate::sandbox::{Sandbox, SandboxConfig};

    fn post(sb: &Sandbox, path: &str, form: &[(&str, &str)]) -> Value {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(5)))
            .http_status_as_error(false)
            .build()
            .into();
        let mut fields = vec![("username", "sandbox"), ("api_key", "sandbox-key")];
        fields.extend_from_slice(form);
        let mut response = agent
            .post(&format!("{}{path}", sb.base_url()))
            .send_form(fields)
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    }

    /// inteltele.txt: im_image "Use together with im_button_link and im_button_text";
    /// timeformat "If not set, no timestamp will be passed in the response".
    #[test]
    fn follows_the_document() {
        let sb = Sandbox::start(SandboxConfig::default()).unwrap();
        let base = [("to", "380989361121"), ("im_message", "Hi")];
        let refused = post(
            &sb,
            "/im/send/",
            &[base[0], base[1], ("im_image", "https://x.example/i.png")],
        );
        assert_eq!(refused["reply"][0]["status"], "error: can't send message");
        let refused = post(
            &sb,
            "/im/send/",
            &[base[0], base[1], ("im_button_text", "Go")],
        );
        assert_eq!(refused["reply"][0]["status"], "error: can't send message");

        let sent = post(&sb, "/im/send/", &base);
        let id = sent["reply"][0]["message_id"].as_str().unwrap().to_owned();
        let bare = post(&sb, "/im/status/", &[("requests", &id)]);
        assert!(bare[&id].get("date").is_none(), "{bare}");
        assert_eq!(bare[&id]["time_zone"], "UTC");
        let utc = post(
            &sb,
            "/im/status/",
            &[
                ("requests", &id),
                ("timeformat", "datetime"),
                ("timezone", "UTC"),
            ],
        );
        let shifted = post(
            &sb,
            "/im/status/",
            &[
                ("requests", &id),
                ("timeformat", "datetime"),
                ("timezone", "+03:00"),
            ],
        );
        assert_eq!(shifted[&id]["time_zone"], "+03:00");
        let unix = |v: &Value, zone: i32| {
            crate::time::local_to_unix(v[&id]["date"].as_str().unwrap(), zone).unwrap()
        };
        assert_eq!(unix(&utc, 0), unix(&shifted, 180));
        let date = post(
            &sb,
            "/im/status/",
            &[("requests", &id), ("timeformat", "date")],
        );
        assert_eq!(date[&id]["date"].as_str().unwrap().len(), 10, "{date}");
    }
}
