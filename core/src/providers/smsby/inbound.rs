//! Replies from recipients: the new incoming messages of a mailing, and marking them read.

use super::errors::v2_result;
use super::{form, integer_id, P};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::json::{id_string, text};
use crate::providers::{check_ids, Ctx};
use crate::report::InboundMessage;
use crate::retry::Idempotency;
use crate::transport::{HttpRequest, HttpResponse};

pub(crate) fn build_inbound(config: &Config, mailing_id: &str) -> Result<HttpRequest> {
    Ok(form(
        config,
        "getNewIncomingMessages",
        vec![("message_id", integer_id("mailing_id", mailing_id)?)],
        Idempotency::Read,
    ))
}

pub(crate) fn parse_inbound(response: &HttpResponse) -> Result<Vec<InboundMessage>> {
    Ok(v2_result(response)?
        .as_array()
        .into_iter()
        .flatten()
        .map(|m| InboundMessage {
            id: m.get("id").and_then(id_string),
            phone: m.get("phone").and_then(id_string).unwrap_or_default(),
            text: m.get("message").and_then(text).unwrap_or_default(),
            received_at: m.get("d_receiver").and_then(text),
            chat_id: None,
        })
        .collect())
}

pub(crate) fn build_mark_read<S: AsRef<str>>(config: &Config, ids: &[S]) -> Result<HttpRequest> {
    let ids = check_ids(ids)?
        .iter()
        .map(|id| integer_id("ids", id))
        .collect::<Result<Vec<_>>>()?;
    Ok(form(
        config,
        "readResponseStatus",
        vec![("incoming_messages", ids.join(","))],
        Idempotency::Read,
    ))
}

/// The count in `"Number of flagged messages: 3"`, when the answer says it.
pub(crate) fn parse_mark_read(response: &HttpResponse) -> Result<Option<u64>> {
    let result = v2_result(response)?;
    Ok(text(&result).and_then(|t| t.rsplit(':').next()?.trim().parse().ok()))
}

// ---- thin half ---------------------------------------------------------------------------------

/// The new replies to one mailing: SMS.by reads incoming messages per mailing only.
pub(crate) fn inbound(ctx: &Ctx<'_>, mailing_id: Option<&str>) -> Result<Vec<InboundMessage>> {
    let id = mailing_id.ok_or_else(|| {
        Error::invalid_message(
            "mailing_id",
            "SMS.by's incoming messages are read per mailing: give mailing_id",
        )
        .with_provider(P)
    })?;
    ctx.read(&build_inbound(ctx.config, id)?, parse_inbound)
}
