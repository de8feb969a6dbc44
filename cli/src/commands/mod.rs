//! The subcommands' arguments and what they do, one file per group. Every provider operation
//! runs through the core's operation table (`vibergate_core::api`): the table owns argument
//! defaults and the shape of each result, `--json` prints that result as it is, and the tables
//! for people are rendered from the same result read back into its type.

mod chats;
mod fields;
mod info;
mod mailings;
mod offline;
mod sandbox;
mod send;
mod status;

use std::io::Read;
use std::path::Path;

use clap::Args;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use vibergate_core::api::{self, Target};
use vibergate_core::{is_dsn_chain, Client, Error, Router};

use crate::{exit, output, CmdResult, Common, Failure};

pub use chats::{chat, chats, inbound, ChatArgs, InboundArgs, PageArgs};
pub use info::{balance, capabilities, rates};
pub use mailings::{
    confirm_mailing, delivery_list, mailing, mailings, mark_read, send_to_list, ListArgs,
    MailingArgs, MailingsArgs, MarkReadArgs,
};
pub use offline::{sms_info, webhook, SmsInfoArgs, WebhookCommand};
pub use sandbox::{sandbox, SandboxArgs};
pub use send::{send, send_personalized, PersonalizedArgs, SendArgs};
pub use status::{status, status_batch, BatchArgs, StatusArgs};

/// The arguments of an operation that takes none.
#[derive(Args)]
pub struct NoArgs {
    #[command(flatten)]
    common: Common,
}

/// The DSN, or chain of DSNs, to use. An empty one is not set, as `from_env` reads
/// `VIBERGATE_DSN` everywhere.
fn dsn_text(common: &Common) -> Result<&str, Failure> {
    common
        .dsn
        .as_deref()
        .filter(|d| !d.trim().is_empty())
        .ok_or_else(|| Failure::Usage("no provider: pass --dsn or set VIBERGATE_DSN (try `vibergate demo` or `vibergate sandbox`)".into()))
}

/// A client for the commands that talk to one provider.
fn client(common: &Common) -> Result<Client, Failure> {
    let text = dsn_text(common)?;
    if is_dsn_chain(text) {
        return Err(Failure::Usage(
            "a DSN chain (A || B) works with send, send-personalized and status; give one DSN here"
                .into(),
        ));
    }
    Client::from_dsn(text).map_err(|e| Failure::sdk(e, common.json))
}

/// A router when the DSN is a chain `A || B`.
fn router(common: &Common) -> Result<Option<Router>, Failure> {
    let text = dsn_text(common)?;
    if !is_dsn_chain(text) {
        return Ok(None);
    }
    Router::from_dsn(text)
        .map(Some)
        .map_err(|e| Failure::sdk(e, common.json))
}

/// An argument object for the operation table, leaving out the flags not given so that the
/// table's defaults apply to them.
fn arguments<const N: usize>(pairs: [(&str, Option<Value>); N]) -> Value {
    let object: Map<String, Value> = pairs
        .into_iter()
        .filter_map(|(key, value)| value.map(|v| (key.to_owned(), v)))
        .collect();
    Value::Object(object)
}

/// Serialises what the CLI built (a message from flags) as an operation's argument object.
fn to_arguments<T: serde::Serialize>(value: &T) -> Result<Value, Error> {
    serde_json::to_value(value)
        .map_err(|e| Error::internal(format!("cannot serialise the arguments: {e}")))
}

/// An operation's JSON result read back into its Rust type, for the tables people read.
fn typed<T: DeserializeOwned>(value: Value) -> Result<T, Error> {
    serde_json::from_value(value).map_err(|e| {
        Error::internal(format!(
            "the result does not read back as {}: {e}",
            std::any::type_name::<T>()
        ))
    })
}

/// Prints an operation's result: the table's JSON with `--json`, else `show` of the typed
/// result.
fn print<T: DeserializeOwned>(common: &Common, value: Value, show: impl FnOnce(&T)) -> CmdResult {
    if common.json {
        output::json(&value);
    } else {
        show(&typed::<T>(value).map_err(|e| Failure::sdk(e, false))?);
    }
    Ok(exit::OK)
}

/// Runs `operation` with `args` on the DSN's client and prints its result.
fn on_client<T: DeserializeOwned>(
    common: &Common,
    operation: &str,
    args: Value,
    show: impl FnOnce(&T),
) -> CmdResult {
    let c = client(common)?;
    let value = api::call_value(Target::Client(&c), operation, args)
        .map_err(|e| Failure::sdk(e, common.json))?;
    print(common, value, show)
}

/// A file's text, or standard input's for `-`.
fn read_input(path: &Path) -> Result<String, Failure> {
    if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Usage(format!("cannot read standard input: {e}")))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))
    }
}

/// Pretty JSON for the commands whose human output is the result itself.
fn pretty(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}
