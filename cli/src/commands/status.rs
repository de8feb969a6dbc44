//! `status` and `status-batch`: delivery reports of sent messages.

use clap::Args;
use serde_json::{json, Value};
use vibergate_core::api::{self, Target};
use vibergate_core::{DeliveryReport, ProviderId};

use super::{on_client, print, router};
use crate::{output, CmdResult, Common, Failure};

#[derive(Args)]
pub struct StatusArgs {
    #[command(flatten)]
    common: Common,
    /// Message ids (message_id in a send's report); with a DSN chain, provider:id, e.g. smsclub:5769.
    #[arg(required = true)]
    ids: Vec<String>,
}

#[derive(Args)]
pub struct BatchArgs {
    #[command(flatten)]
    common: Common,
    /// The batch id of an SMS.by send to several numbers (batch_id in the send's report).
    batch_id: String,
}

pub fn status(a: StatusArgs) -> CmdResult {
    let show = |r: &Vec<DeliveryReport>| output::statuses(r);
    if let Some(router) = router(&a.common)? {
        // With a chain, ids name their provider: smsclub:5769.
        let ids = a
            .ids
            .iter()
            .map(|id| routed_id(id, a.common.json))
            .collect::<Result<Vec<_>, Failure>>()?;
        let value = api::call_value(Target::Router(&router), "status", json!({ "ids": ids }))
            .map_err(|e| Failure::sdk(e, a.common.json))?;
        return print(&a.common, value, show);
    }
    on_client(&a.common, "status", json!({ "ids": a.ids }), show)
}

/// `smsclub:5769` as the router's `{"provider", "message_id"}`; an unknown provider is the
/// core's one error for it.
fn routed_id(id: &str, json: bool) -> Result<Value, Failure> {
    let (provider, message_id) = id.split_once(':').ok_or_else(|| {
        Failure::Usage(format!(
            "with a DSN chain, give ids as provider:id (got {id:?})"
        ))
    })?;
    let provider = provider
        .parse::<ProviderId>()
        .map_err(|e| Failure::sdk(e, json))?;
    Ok(json!({ "provider": provider.as_str(), "message_id": message_id }))
}

pub fn status_batch(a: BatchArgs) -> CmdResult {
    on_client(
        &a.common,
        "status_batch",
        json!({ "batch_id": a.batch_id }),
        output::batch,
    )
}
