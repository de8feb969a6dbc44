//! Intel-Tele (`api.sms.intel-tele.com`): form posts with `username` and `api_key` in the body
//! (never in the URL). Answers are `{"reply":[…]}` with one entry per number, or one entry
//! without `number` for a whole-request error; the documents print them with single quotes.

use serde_json::Value;

use super::{check_ids, parse_json, status_error, Batch, Capabilities, Ctx};
use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{id_string, text};
use crate::message::Prepared;
use crate::report::{Accepted, Balance, Rate, RejectReason, Rejected, SendReport, Uncertain};
use crate::retry::Idempotency;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

const P: ProviderId = ProviderId::IntelTele;
/// Numbers per send request and ids per status request (the API names no limit; this keeps
/// requests and answers small).
pub const CHUNK: usize = 500;
/// How long Intel-Tele blocks an IP after "bruteforcing detected".
const BRUTEFORCE_BLOCK_MS: u64 = 300_000;

pub fn capabilities() -> Capabilities {
    Capabilities {
        provider: P,
        image_without_text: false,
        image_needs_button: true,
        sms_fallback: true,
        schedule: false,
        schedule_end: false,
        schedule_end_required: false,
        two_way: false,
        chat_id: false,
        callback_url: false,
        label: false,
        max_recipients_per_request: Some(CHUNK),
        ttl_seconds: Some((60, 60, 86_400)),
        sms_fallback_ttl_seconds: None,
        sender_required: false,
        numeric_sender_id: false,
        max_sender_chars: None,
        sms_sender_required: true,
        max_button_url_chars: None,
        operations: vec![
            "send",
            "send_personalized",
            "status",
            "balance",
            "rates",
            "capabilities",
        ],
    }
}

/// A form post whose first fields are the credentials.
fn form_post(
    config: &Config,
    path: &str,
    fields: Vec<(String, String)>,
    idempotency: Idempotency,
) -> HttpRequest {
    let mut pairs = vec![
        (
            "username".to_owned(),
            config.username.clone().unwrap_or_default(),
        ),
        (
            "api_key".to_owned(),
            config
                .api_key
                .as_ref()
                .map(|k| k.expose().to_owned())
                .unwrap_or_default(),
        ),
    ];
    pairs.extend(fields);
    HttpRequest::post(path, Body::Form(pairs), idempotency)
}

/// The image formats `im_image` takes: "Format: jpg/jpeg/png (format must be lowercase)".
const IMAGE_EXTENSIONS: [&str; 3] = ["jpg", "jpeg", "png"];

/// The rule Intel-Tele's document adds to the unified validation (`message::prepare` calls it):
/// `im_image` "should not exceed 400x400px. Format: jpg/jpeg/png (format must be lowercase)".
/// The size needs the image itself; the format is checked offline, on the extension of the
/// URL's path (`invalid_message`, field `image_url`).
pub(crate) fn check_message(image_url: Option<&str>) -> Result<()> {
    let Some(url) = image_url else {
        return Ok(());
    };
    let extension = image_extension(url);
    match extension {
        Some(ext) if IMAGE_EXTENSIONS.contains(&ext) => Ok(()),
        Some(ext) if IMAGE_EXTENSIONS.contains(&ext.to_ascii_lowercase().as_str()) => {
            Err(Error::invalid_message(
                "image_url",
                format!(
                    "Intel-Tele needs the image's extension in lowercase (\"format must be \
                     lowercase\"): .{ext} must be .{}",
                    ext.to_ascii_lowercase()
                ),
            )
            .with_provider(P))
        }
        _ => Err(Error::invalid_message(
            "image_url",
            format!(
                "Intel-Tele takes only .jpg, .jpeg or .png images, named so in the URL's path \
                 (lowercase), got {}",
                extension.map_or_else(|| "no extension".to_owned(), |e| format!(".{e}"))
            ),
        )
        .with_provider(P)),
    }
}

/// Intel-Tele's SMS sender (`sms_sender`, when there is one): 3–15 digits, or 3–11 latin
/// letters and digits.
pub(crate) fn check_sms_sender(sender: Option<&str>) -> Result<()> {
    let Some(sender) = sender else {
        return Ok(());
    };
    let n = sender.chars().count();
    let ok = if sender.bytes().all(|b| b.is_ascii_digit()) {
        (3..=15).contains(&n)
    } else {
        (3..=11).contains(&n) && sender.bytes().all(|b| b.is_ascii_alphanumeric())
    };
    if ok {
        return Ok(());
    }
    Err(Error::invalid_message(
        "sms_fallback.sender",
        "Intel-Tele's SMS sender is 3–15 digits or 3–11 latin characters",
    )
    .with_provider(P))
}

/// The extension of the last segment of a URL's path (query and fragment left out), if any.
fn image_extension(url: &str) -> Option<&str> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let rest = rest.split(['?', '#']).next().unwrap_or_default();
    // The path starts at the first `/` after the host; without one there is no file name.
    let (_, path) = rest.split_once('/')?;
    let file = path.rsplit('/').next().unwrap_or_default();
    let (stem, ext) = file.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then_some(ext)
}

// ---- pure half -------------------------------------------------------------------------------

pub(crate) fn build_send(config: &Config, m: &Prepared) -> Vec<Batch> {
    let mut common: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            common.push((k.to_owned(), v));
        }
    };
    push("im_sender", m.sender.clone());
    push("im_message", m.text.clone());
    push("im_image", m.image_url.clone());
    push("im_button_text", m.button.as_ref().map(|b| b.text.clone()));
    push("im_button_link", m.button.as_ref().map(|b| b.url.clone()));
    push("im_ttl", m.ttl_seconds.map(|t| t.to_string()));
    push(
        "sms_source",
        m.sms_fallback.as_ref().and_then(|f| f.sender.clone()),
    );
    push(
        "sms_message",
        m.sms_fallback.as_ref().map(|f| f.text.clone()),
    );
    m.recipients
        .chunks(CHUNK)
        .map(|phones| {
            let mut fields = vec![("to".to_owned(), phones.join(","))];
            fields.extend(common.iter().cloned());
            Batch {
                phones: phones.to_vec(),
                request: form_post(config, "/im/send/", fields, Idempotency::Send),
            }
        })
        .collect()
}

/// The text after `error:` in a status, lower-cased.
fn error_text(status: &str) -> Option<String> {
    let s = status.trim();
    let lower = s.to_ascii_lowercase();
    lower
        .strip_prefix("error:")
        .map(|r| r.trim().to_owned())
        .or((lower != "ok").then_some(lower))
}

/// A whole-request error (a `reply` whose entries all lack `number`, or `{error: true, …}`), if
/// the answer is one. A reply that answers some numbers is per number: an entry without a
/// number beside them (a balance that ran out mid-request) does not undo the others.
fn request_error(response: &HttpResponse, value: &Value) -> Option<Error> {
    let raw = if let Some(reply) = value.get("reply").and_then(Value::as_array) {
        if reply.iter().any(has_number) {
            return None;
        }
        let entry = reply.first()?;
        entry.get("status").and_then(text)?
    } else if value
        .get("error")
        .is_some_and(|e| e.as_bool() == Some(true) || e.is_string())
    {
        value
            .get("message")
            .or_else(|| value.get("status"))
            .or_else(|| value.get("error"))
            .and_then(text)
            .unwrap_or_default()
    } else {
        return None;
    };
    let reason = error_text(&raw).unwrap_or_default();
    let (code, retry_after) = match reason.as_str() {
        "wrong username/api_key" | "wrong api key" | "invalid auth" => (ErrorCode::Auth, None),
        "bruteforcing detected" => (ErrorCode::RateLimited, Some(BRUTEFORCE_BLOCK_MS)),
        "ip not allowed" => (ErrorCode::PermissionDenied, None),
        "can't send message" => (ErrorCode::InvalidRequest, None),
        "message is too long" => (ErrorCode::InvalidText, None),
        "sender is banned" => (ErrorCode::InvalidSender, None),
        "low balance" => (ErrorCode::InsufficientFunds, None),
        // Words the document does not list: the HTTP status (a 429, a 401) says more.
        _ => match status_error(P, response).code() {
            ErrorCode::Decode => (ErrorCode::ProviderError, None),
            by_status => (by_status, None),
        },
    };
    Some(
        Error::new(code, format!("Intel-Tele: {}", raw.trim()))
            .with_provider(P)
            .with_http_status(response.status)
            .with_provider_code(raw.trim().to_owned())
            .with_retry_after_ms(retry_after.or_else(|| super::retry_after_ms(response)))
            .with_body(&response.body),
    )
}

/// Whether a `reply` entry names a number (`"number": null` does not).
fn has_number(entry: &Value) -> bool {
    entry.get("number").is_some_and(|n| !n.is_null())
}

/// Whether a `reply` list answers at least one number.
fn numbered_reply(value: &Value) -> bool {
    value
        .get("reply")
        .and_then(Value::as_array)
        .is_some_and(|r| r.iter().any(has_number))
}

/// Whether any `reply` entry carries a message id.
fn issued_ids(value: &Value) -> bool {
    value
        .get("reply")
        .and_then(Value::as_array)
        .is_some_and(|r| {
            r.iter()
                .any(|e| e.get("message_id").is_some_and(|i| !i.is_null()))
        })
}

/// The answer as JSON after ruling out whole-request errors.
fn answer(response: &HttpResponse) -> Result<Value> {
    let value = parse_json(P, response)?;
    if let Some(error) = request_error(response, &value) {
        return Err(error);
    }
    if !(200..300).contains(&response.status) {
        return Err(status_error(P, response));
    }
    Ok(value)
}

fn per_number_reason(reason: &str) -> RejectReason {
    match reason {
        "number is blacklisted" => RejectReason::Blacklisted,
        "repeat detected" => RejectReason::RepeatDetected,
        "can't determine country" => RejectReason::InvalidNumber,
        "no route to country" => RejectReason::NoRoute,
        "low balance" => RejectReason::InsufficientFunds,
        _ => RejectReason::Request(ErrorCode::ProviderError),
    }
}

pub(crate) fn parse_send(response: &HttpResponse, _phones: &[String]) -> Result<SendReport> {
    // Entries per number are what the provider did, whatever the status line says: ids in a
    // 4xx answer are still ids.
    // Not for a 1xx/3xx/5xx without ids, though: after a failure on its side the entries' words
    // do not prove the provider did not act, so the status decides (uncertain).
    let trusted =
        |v: &Value| numbered_reply(v) && ((200..500).contains(&response.status) || issued_ids(v));
    let value = match parse_json(P, response) {
        Ok(v) if trusted(&v) => v,
        _ => answer(response)?,
    };
    let reply = value
        .get("reply")
        .and_then(Value::as_array)
        .ok_or_else(|| {
            Error::decode("Intel-Tele's answer has no reply list")
                .with_provider(P)
                .with_body(&response.body)
        })?;
    let mut report = SendReport::new(P);
    for entry in reply {
        let phone = entry.get("number").and_then(id_string).unwrap_or_default();
        let status = entry.get("status").and_then(text).unwrap_or_default();
        let message_id = entry.get("message_id").and_then(id_string);
        let explicit_error = status.trim().to_ascii_lowercase().starts_with("error");
        if status.trim().eq_ignore_ascii_case("ok") || (message_id.is_some() && !explicit_error) {
            // An id means a message exists, whatever else the status says.
            let mut accepted = Accepted::new(phone, message_id);
            accepted.cost = entry.get("cost").and_then(text);
            report.accepted.push(accepted);
        } else if let (Some(id), true) = (&message_id, explicit_error) {
            // An error beside an id: the provider may have sent it; keep the id in sight.
            report.uncertain.push(Uncertain {
                phone,
                detail: format!(
                    "Intel-Tele answered {:?} but issued message id {id}",
                    status.trim()
                ),
            });
        } else if explicit_error {
            let reason = error_text(&status).unwrap_or_default();
            report.rejected.push(Rejected::new(
                phone,
                per_number_reason(&reason),
                status.trim(),
            ));
        } else {
            // Neither OK nor an error: nothing says the message was not sent.
            report.uncertain.push(Uncertain {
                phone,
                detail: format!(
                    "Intel-Tele answered {:?} for this number, neither OK nor an error",
                    status.trim()
                ),
            });
        }
    }
    // A number the answer does not mention is uncertain: `SendReport::merge_batch` decides it
    // for every provider.
    Ok(report)
}

/// One status request for at most [`CHUNK`] ids.
pub(crate) fn build_status(config: &Config, ids: &[String]) -> HttpRequest {
    let fields = vec![
        ("requests".to_owned(), ids.join(",")),
        ("timeformat".to_owned(), "datetime".to_owned()),
        ("timezone".to_owned(), "UTC".to_owned()),
    ];
    form_post(config, "/im/status/", fields, Idempotency::Read)
}

/// Maps Intel-Tele's DLR status names.
pub fn map_state(raw: &str) -> DeliveryState {
    match raw.trim().to_ascii_lowercase().as_str() {
        "delivrd" => DeliveryState::Delivered,
        "expired" => DeliveryState::Expired,
        "undeliv" => DeliveryState::Undeliverable,
        "rejectd" => DeliveryState::Rejected,
        "deleted" => DeliveryState::Failed,
        _ => DeliveryState::Unknown,
    }
}

pub(crate) fn parse_status(response: &HttpResponse, ids: &[String]) -> Result<Vec<DeliveryReport>> {
    let value = answer(response)?;
    let map = value.as_object().cloned().unwrap_or_default();
    let mut order = ids.to_vec();
    order.extend(map.keys().filter(|k| !ids.contains(k)).cloned());
    Ok(order
        .into_iter()
        .map(|id| match map.get(&id) {
            Some(entry) => {
                let raw = entry.get("status").and_then(text).unwrap_or_default();
                let mut r = DeliveryReport::new(id, map_state(&raw), raw);
                if let Some(date) = entry.get("date").and_then(text) {
                    let zone = entry.get("time_zone").and_then(text);
                    match status_time(&date, zone.as_deref()) {
                        Some(at) => r.updated_at = Some(at),
                        // A time this SDK cannot place on the UTC line is kept as written, in
                        // `detail`, never stamped as UTC.
                        None => {
                            r.detail = Some(format!(
                                "status time {} ({})",
                                date.trim(),
                                zone.as_deref().map_or("no time zone", str::trim)
                            ))
                        }
                    }
                }
                r
            }
            None => DeliveryReport::not_mentioned(id, P),
        })
        .collect())
}

/// The RFC 3339 UTC time of a status answer's `date` in its `time_zone`. The request asks for
/// `timezone=UTC`, so an answer without `time_zone` is read as UTC (as the document's example
/// answer to that request says); a zone given by name other than UTC (the account's zone, e.g.
/// `Europe/Kiev`) has daylight-saving rules this SDK does not carry, so it gives `None`.
fn status_time(date: &str, zone: Option<&str>) -> Option<String> {
    let offset = match zone {
        None => 0,
        Some(z) => zone_offset_minutes(z)?,
    };
    crate::time::local_to_unix(date, offset).map(crate::time::format_rfc3339_utc)
}

/// Minutes east of UTC of a zone written as UTC (`UTC`, `GMT`, `Z`, `Etc/UTC`…) or as a fixed
/// offset (`+03:00`, `+0300`, `UTC+3`, `GMT-05:30`, and POSIX `Etc/GMT-3`, which is UTC+3).
fn zone_offset_minutes(zone: &str) -> Option<i32> {
    let z = zone.trim().to_ascii_lowercase();
    if matches!(
        z.as_str(),
        "utc"
            | "gmt"
            | "z"
            | "zulu"
            | "universal"
            | "etc/utc"
            | "etc/gmt"
            | "etc/universal"
            | "etc/zulu"
            | "uct"
            | "etc/uct"
            | "greenwich"
            | "etc/greenwich"
    ) {
        return Some(0);
    }
    // POSIX names count the other way: Etc/GMT-3 is three hours east of UTC.
    let (rest, flip) = if let Some(r) = z.strip_prefix("etc/gmt") {
        (r, true)
    } else if let Some(r) = z.strip_prefix("utc").or_else(|| z.strip_prefix("gmt")) {
        (r, false)
    } else {
        (z.as_str(), false)
    };
    let mut chars = rest.chars();
    let sign: i32 = match chars.next()? {
        '+' => 1,
        '-' => -1,
        _ => return None,
    };
    let digits = chars.as_str();
    let (hours, minutes) = match digits.split_once(':') {
        Some((h, m)) => (h, m),
        None if digits.len() == 4 => (digits.get(..2)?, digits.get(2..)?),
        None => (digits, "0"),
    };
    if hours.is_empty()
        || hours.len() > 2
        || minutes.len() > 2
        || !hours
            .bytes()
            .chain(minutes.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let (hours, minutes): (i32, i32) = (hours.parse().ok()?, minutes.parse().ok()?);
    if hours > 14 || minutes > 59 {
        return None;
    }
    let east = sign * (hours * 60 + minutes);
    Some(if flip { -east } else { east })
}

pub(crate) fn build_balance(config: &Config) -> HttpRequest {
    form_post(config, "/balance/", Vec::new(), Idempotency::Read)
}

pub(crate) fn build_credit(config: &Config) -> HttpRequest {
    form_post(config, "/credit/", Vec::new(), Idempotency::Read)
}

/// Reads `key` (`balance` or `credit`) from its answer.
pub(crate) fn parse_amount(response: &HttpResponse, key: &str) -> Result<String> {
    let value = answer(response)?;
    value.get(key).and_then(text).ok_or_else(|| {
        Error::decode(format!("Intel-Tele's answer has no {key}"))
            .with_provider(P)
            .with_body(&response.body)
    })
}

pub(crate) fn build_rates(config: &Config) -> HttpRequest {
    form_post(config, "/rates/", Vec::new(), Idempotency::Read)
}

/// `{"<user>": {"<country>": {"<mnc>": [price, delivered_only]}}}`; the empty MNC covers every network.
pub(crate) fn parse_rates(response: &HttpResponse) -> Result<Vec<Rate>> {
    let value = answer(response)?;
    let bad = || {
        Error::decode("Intel-Tele's rates are not {user: {country: {network: [price, flag]}}}")
            .with_provider(P)
            .with_body(&response.body)
    };
    let users = value.as_object().ok_or_else(bad)?;
    let mut rates = Vec::new();
    for countries in users.values() {
        for (country, networks) in countries.as_object().ok_or_else(bad)? {
            for (network, pair) in networks.as_object().ok_or_else(bad)? {
                let pair = pair.as_array().ok_or_else(bad)?;
                let number = |v: Option<&Value>| {
                    v.and_then(|v| v.as_f64().or_else(|| v.as_str()?.trim().parse().ok()))
                };
                let price = number(pair.first()).ok_or_else(bad)?;
                let flag = number(pair.get(1)).unwrap_or(0.0);
                rates.push(Rate {
                    country: country.clone(),
                    network: (!network.is_empty()).then(|| network.clone()),
                    price,
                    charge_delivered_only: flag == 1.0,
                });
            }
        }
    }
    Ok(rates)
}

// ---- thin half -------------------------------------------------------------------------------

pub(crate) fn send(ctx: &Ctx<'_>, m: Prepared) -> Result<SendReport> {
    let batches = build_send(ctx.config, &m);
    ctx.send_batches(m.rejected, batches, &parse_send)
}

pub(crate) fn status<S: AsRef<str>>(ctx: &Ctx<'_>, ids: &[S]) -> Result<Vec<DeliveryReport>> {
    ctx.read_chunked(&check_ids(ids)?, CHUNK, build_status, parse_status)
}

pub(crate) fn balance(ctx: &Ctx<'_>) -> Result<Balance> {
    let balance = ctx.read(&build_balance(ctx.config), |r| parse_amount(r, "balance"))?;
    let credit = ctx.read(&build_credit(ctx.config), |r| parse_amount(r, "credit"))?;
    Ok(Balance {
        balance,
        credit: Some(credit),
    })
}

pub(crate) fn rates(ctx: &Ctx<'_>) -> Result<Vec<Rate>> {
    ctx.read(&build_rates(ctx.config), parse_rates)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_extensions_are_read_from_the_path_and_must_be_lowercase() {
        for good in [
            "https://intel-tele.com/images/logo.png",
            "http://x.example/a/b.jpeg?size=big#top",
            "https://x.example/photo.JPG.jpg",
        ] {
            assert!(check_message(Some(good)).is_ok(), "{good}");
        }
        for bad in [
            "https://x.example/logo.PNG",
            "https://x.example/logo.Jpg",
            "https://x.example/logo.gif",
            "https://x.example/logo",
            "https://x.example/.png",
            "https://x.example/logo.",
            "https://x.example",
            "https://x.example?f=a.png",
            "https://x.example/image?name=a.png",
            "https://x.example/dir.png/",
            "https://x.example/лого.пнг",
            "https://x.example/a.p\u{301}ng",
        ] {
            let e = check_message(Some(bad)).expect_err(bad);
            assert_eq!(e.code(), ErrorCode::InvalidMessage, "{bad}");
            assert_eq!(e.field.as_deref(), Some("image_url"), "{bad}");
        }
        assert!(check_message(None).is_ok());
        let e = check_message(Some("https://x.example/logo.PNG")).unwrap_err();
        assert!(e.message.contains(".png"), "{e}");
    }

    #[test]
    fn status_times_honour_the_answers_time_zone() {
        let t = |date: &str, zone: Option<&str>| status_time(date, zone);
        assert_eq!(
            t("17-02-2013 12:08:29", Some("UTC")).as_deref(),
            Some("2013-02-17T12:08:29Z")
        );
        // We ask for timezone=UTC: an answer without time_zone is UTC.
        assert_eq!(
            t("2017-01-23 12:34:56", None).as_deref(),
            Some("2017-01-23T12:34:56Z")
        );
        for (zone, want) in [
            ("UTC+3", "2013-02-17T09:08:29Z"),
            ("GMT+03:00", "2013-02-17T09:08:29Z"),
            ("+0300", "2013-02-17T09:08:29Z"),
            ("Etc/GMT-3", "2013-02-17T09:08:29Z"),
            ("-05:30", "2013-02-17T17:38:29Z"),
            (" etc/utc ", "2013-02-17T12:08:29Z"),
        ] {
            assert_eq!(
                t("17-02-2013 12:08:29", Some(zone)).as_deref(),
                Some(want),
                "{zone}"
            );
        }
        // Never a local time stamped as UTC.
        for zone in [
            "Europe/Kiev",
            "MSK",
            "",
            "UTC+",
            "UTC+99",
            "+3:99",
            "+123:00",
            "UTC+٣",
            "+0٣00",
            "+٣",
            "GMT+03:00:00",
        ] {
            assert_eq!(t("17-02-2013 12:08:29", Some(zone)), None, "{zone:?}");
        }
        assert_eq!(t("yesterday", Some("UTC")), None);
    }

    #[test]
    fn a_status_in_a_named_zone_keeps_its_time_in_detail() {
        let response = HttpResponse::new(
            200,
            r#"{"m1": {"date": "2017-01-23 12:34:56", "status": "delivrd", "time_zone": "Europe/Kiev"}}"#,
        );
        let r = parse_status(&response, &["m1".to_owned()]).unwrap();
        assert_eq!(r[0].updated_at, None);
        assert_eq!(
            r[0].detail.as_deref(),
            Some("status time 2017-01-23 12:34:56 (Europe/Kiev)")
        );
    }

    /// The documents show only http:// URLs; vibergate defaults to https://. When the host
    /// serves no TLS, the error says how to opt into http://.
    #[test]
    fn a_failed_tls_handshake_says_how_to_use_http() {
        use std::io::{Read, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for mut stream in listener.incoming().flatten() {
                let mut buf = [0u8; 512];
                let _ = stream.read(&mut buf);
                let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
            }
        });
        let client = crate::Client::from_dsn(&format!(
            "inteltele://user:key@default?base_url=https://127.0.0.1:{port}&max_retries=0&timeout_ms=5000"
        ))
        .unwrap();
        let e = client.balance().unwrap_err();
        assert_eq!(e.code(), ErrorCode::Transport, "{e}");
        assert!(
            e.message.contains("base_url=http://")
                && e.message.contains("allow_insecure_http=true"),
            "{e}"
        );
    }
}
