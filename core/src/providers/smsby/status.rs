//! Delivery states: one message (`getViberDeliveryData`), one mailing batch (`statusBulkViber`);
//! `delivery_from` also reads the delivery lists and the callbacks.

use serde_json::Value;

use super::errors::{error_from, v2_result};
use super::{form, integer_id, offset, token, P};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::json::{id_string, text};
use crate::providers::{check_ids, parse_json, Ctx};
use crate::report::{BatchStatus, MailingStatus};
use crate::retry::Idempotency;
use crate::status::{DeliveryReport, DeliveryState};
use crate::transport::{Body, HttpRequest, HttpResponse};

/// Maps SMS.by's status names.
pub fn map_state(raw: &str) -> DeliveryState {
    match raw.trim().to_ascii_uppercase().as_str() {
        "NEW" => DeliveryState::Pending,
        "SENT" => DeliveryState::Sent,
        "DELIVERED" => DeliveryState::Delivered,
        "READ" => DeliveryState::Read,
        _ => DeliveryState::Unknown,
    }
}

/// A delivery object (`getViberDeliveryData`, `getViberDeliveryList`, `statusBulkViber`, callbacks).
pub(crate) fn delivery_from(entry: &Value, fallback_id: &str, utc_offset: i32) -> DeliveryReport {
    let id = entry
        .get("delivery_id")
        .or_else(|| entry.get("message_id"))
        .and_then(id_string)
        .unwrap_or_else(|| fallback_id.to_owned());
    let raw = entry.get("status").and_then(text).unwrap_or_default();
    let mut report = DeliveryReport::new(id, map_state(&raw), raw);
    report.phone = entry.get("phone").and_then(id_string);
    let error_code = entry
        .get("error_code")
        .and_then(text)
        .filter(|c| c != "0" && !c.is_empty());
    report.detail = error_code.map(|c| format!("error_code {c}"));
    report.updated_at = entry
        .get("status_time")
        .and_then(text)
        .map(|t| crate::time::to_rfc3339(&t, utc_offset).unwrap_or(t));
    report
}

pub(crate) fn build_delivery_data(config: &Config, id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getViberDeliveryData",
        vec![("message_id", integer_id("ids", id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_delivery_data(
    response: &HttpResponse,
    id: &str,
    utc_offset: i32,
) -> Result<DeliveryReport> {
    let result = v2_result(response)?;
    Ok(delivery_from(&result, id, utc_offset))
}

/// `statusBulkViber`: the parameter table puts both `token` and `uuid` in the query; the
/// POST has no body.
pub(crate) fn build_status_batch(config: &Config, batch_id: &str) -> HttpRequest {
    HttpRequest::post("/api/v1/statusBulkViber", Body::Empty, Idempotency::Read)
        .query("token", token(config))
        .query("uuid", batch_id)
}

pub(crate) fn parse_status_batch(
    response: &HttpResponse,
    batch_id: &str,
    utc_offset: i32,
) -> Result<BatchStatus> {
    let value = parse_json(P, response)?;
    let Some(entries) = value
        .as_array()
        .filter(|_| (200..300).contains(&response.status))
    else {
        return Err(error_from(response, Some(&value)));
    };
    let mut status = BatchStatus {
        batch_id: batch_id.to_owned(),
        mailings: Vec::new(),
        errors: Vec::new(),
    };
    for entry in entries {
        status.errors.extend(
            entry
                .get("errors")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(text),
        );
        if let Some(success) = entry.get("success").and_then(Value::as_array) {
            status.mailings.push(MailingStatus {
                mailing_id: entry.get("message_id").and_then(id_string),
                name: entry.get("name").and_then(text),
                sender: entry.get("alphaname_id").and_then(id_string),
                deliveries: success
                    .iter()
                    .map(|d| delivery_from(d, "", utc_offset))
                    .collect(),
            });
        }
    }
    Ok(status)
}

// ---- thin half ---------------------------------------------------------------------------------

pub(crate) fn status<S: AsRef<str>>(ctx: &Ctx<'_>, ids: &[S]) -> Result<Vec<DeliveryReport>> {
    let ids = check_ids(ids)?;
    let requests = ids
        .iter()
        .map(|id| Ok((build_delivery_data(ctx.config, id)?, id.clone())))
        .collect::<Result<Vec<_>>>()?;
    let utc_offset = offset(ctx.config);
    ctx.read_all(requests, |(request, id)| {
        ctx.read(&request, |r| parse_delivery_data(r, &id, utc_offset))
    })
}

pub(crate) fn status_batch(ctx: &Ctx<'_>, batch_id: &str) -> Result<BatchStatus> {
    if batch_id.trim().is_empty() {
        return Err(Error::invalid_message("batch_id", "batch_id is empty").with_provider(P));
    }
    let utc_offset = offset(ctx.config);
    ctx.read(&build_status_batch(ctx.config, batch_id.trim()), |r| {
        parse_status_batch(r, batch_id.trim(), utc_offset)
    })
}
