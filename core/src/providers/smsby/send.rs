//! Sending: quick messages (`sendQuickViberMessage`, one per recipient, the only ones with an
//! SMS fallback) and `sendBulkViber` mailings (`bulk` to many recipients, `personal` for
//! personalised items), from the pure request and answer halves to the thin half that runs them.

use serde_json::{json, Map, Value};

use super::errors::{error_from, no_error, refusal_detail, v2_message_id, v2_result};
use super::{
    clip, form, integer_id, offset, token, v2_content, viber_name_id, DEFAULT_MAILING_NAME,
    FORWARDING_MAX_SECONDS, FORWARDING_MIN_SECONDS, MAX_DETAIL_CHARS, P,
};
use crate::config::Config;
use crate::error::{Error, ErrorCode, Result};
use crate::json::id_string;
use crate::message::{Button, Draft, PersonalizedMessage, Prepared, SmsFallback};
use crate::providers::{parse_json, Batch, Ctx};
use crate::report::{Accepted, Rejected, SendReport};
use crate::retry::Idempotency;
use crate::transport::{Body, HttpRequest, HttpResponse};

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
    let id = v2_message_id(&result, response)?;
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
    rejected: Vec<Rejected>,
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
