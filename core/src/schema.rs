//! JSON Schemas (draft 2020-12) of every JSON value vibergate takes or gives: the message, the
//! configuration, the reports, delivery reports, errors, webhook events, capabilities, and the
//! argument and result of every row of [`api::OPERATIONS`].
//!
//! The schemas are derived by `schemars` from the same serde attributes that (de)serialise the
//! types, so they describe what the code really reads and writes; the few hand-written
//! (de)serialisers have hand-written schemas here, next to nothing else. `docs/schema.json` is
//! [`render`]'s output, checked by `core/tests/schema.rs` (`VIBERGATE_BLESS=1` rewrites it).
//! Only with the `schema` feature: the shipped libraries do not carry schemars.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

use crate::api::{self, TargetKind, OPERATIONS};
use crate::config::{Config, Secret};
use crate::error::{Error, ErrorCode, ErrorDetails, Result};
use crate::message::{Message, PersonalizedMessage};
use crate::providers::smsby::ListMessage;
use crate::providers::Capabilities;
use crate::report::{
    Balance, BatchStatus, Chat, ChatThread, InboundMessage, ListSend, Mailing, Rate, RejectReason,
};
use crate::router::{RoutedId, RoutedReport};
use crate::status::{DeliveryReport, DeliveryState};
use crate::webhook::{WebhookEvent, WebhookRequest};
use crate::{InboundQuery, SendReport};

/// Where the generated document is checked in, relative to the workspace root.
pub const FILE: &str = "docs/schema.json";

/// Inputs are described as serde reads them (defaults make keys optional, unknown keys are
/// refused); outputs as serde writes them (a key left out when empty is optional, an `Option`
/// written as `null` is required). The same type can differ between the two, so each side has
/// its own generator and [`document`] refuses a name whose two schemas disagree.
fn generator(for_input: bool) -> SchemaGenerator {
    let settings = SchemaSettings::draft2020_12();
    let settings = if for_input {
        settings.for_deserialize()
    } else {
        settings.for_serialize()
    };
    settings.into_generator()
}

/// The types a caller writes: messages, queries, configuration, webhook requests.
fn inputs(g: &mut SchemaGenerator) {
    g.subschema_for::<Config>();
    g.subschema_for::<Message>();
    g.subschema_for::<PersonalizedMessage>();
    g.subschema_for::<ListMessage>();
    g.subschema_for::<InboundQuery>();
    g.subschema_for::<RoutedId>();
    g.subschema_for::<WebhookRequest>();
}

/// The types vibergate writes: results, errors, webhook events.
fn outputs(g: &mut SchemaGenerator) {
    g.subschema_for::<SendReport>();
    g.subschema_for::<RoutedReport>();
    g.subschema_for::<DeliveryReport>();
    g.subschema_for::<DeliveryState>();
    g.subschema_for::<ErrorDetails>();
    g.subschema_for::<ErrorCode>();
    g.subschema_for::<RejectReason>();
    g.subschema_for::<WebhookEvent>();
    g.subschema_for::<Capabilities>();
}

/// The JSON result of `operation` on `kind`, as [`api::call`] writes it; `None` for an
/// operation the table does not have there.
fn result_schema(g: &mut SchemaGenerator, kind: TargetKind, operation: &str) -> Option<Schema> {
    let row = api::operation(operation).filter(|row| row.on.contains(&kind))?;
    Some(match (row.name, kind) {
        ("send" | "send_personalized", TargetKind::Client) => g.subschema_for::<SendReport>(),
        ("send" | "send_personalized", TargetKind::Router) => g.subschema_for::<RoutedReport>(),
        ("status" | "delivery_list", _) => g.subschema_for::<Vec<DeliveryReport>>(),
        ("status_batch", _) => g.subschema_for::<BatchStatus>(),
        ("balance", _) => g.subschema_for::<Balance>(),
        ("rates", _) => g.subschema_for::<Vec<Rate>>(),
        ("chats", _) => g.subschema_for::<Vec<Chat>>(),
        ("chat", _) => g.subschema_for::<ChatThread>(),
        ("inbound", _) => g.subschema_for::<Vec<InboundMessage>>(),
        ("capabilities", _) => g.subschema_for::<Capabilities>(),
        ("send_to_list", _) => g.subschema_for::<ListSend>(),
        ("confirm_mailing", _) => g.subschema_for::<api::Confirmed>(),
        ("mailings", _) => g.subschema_for::<Vec<Mailing>>(),
        ("mailing", _) => g.subschema_for::<Mailing>(),
        ("mark_inbound_read", _) => g.subschema_for::<api::Marked>(),
        _ => return None,
    })
}

/// The whole document: `operations` (for each row of the table, its `summary` and, for each
/// target it runs on, its `arguments` and `result` schemas) and `$defs` (every type by name).
///
/// Fails (`internal`) when a row of the table has no argument or result schema, or when a type
/// has different schemas as input and as output: both are bugs a test catches.
pub fn document() -> Result<Value> {
    let mut input = generator(true);
    let mut output = generator(false);
    inputs(&mut input);
    outputs(&mut output);

    let mut operations = Map::new();
    for row in OPERATIONS {
        let mut entry = Map::new();
        entry.insert("summary".into(), Value::from(row.summary));
        for &kind in row.on {
            let arguments = api::argument_schema(&mut input, kind, row.name);
            let result = result_schema(&mut output, kind, row.name);
            let (Some(arguments), Some(result)) = (arguments, result) else {
                return Err(Error::internal(format!(
                    "the schema has no arguments or result for {:?} on a {kind:?}",
                    row.name
                )));
            };
            let mut target = Map::new();
            target.insert("arguments".into(), arguments.to_value());
            target.insert("result".into(), result.to_value());
            entry.insert(kind_name(kind).into(), Value::Object(target));
        }
        operations.insert(row.name.into(), Value::Object(entry));
    }

    let mut defs = input.take_definitions(true);
    for (name, schema) in output.take_definitions(true) {
        match defs.get(&name) {
            Some(seen) if *seen != schema => {
                return Err(Error::internal(format!(
                    "{name} has one schema as an input and another as an output; give one of \
                     them its own name"
                )));
            }
            Some(_) => {}
            None => {
                defs.insert(name, schema);
            }
        }
    }
    // Sorted, so that the checked-in file changes only where a type does.
    let mut names: Vec<String> = defs.keys().cloned().collect();
    names.sort();
    let mut sorted = Map::new();
    for name in names {
        if let Some(schema) = defs.remove(&name) {
            sorted.insert(name, schema);
        }
    }

    let mut doc = Map::new();
    doc.insert(
        "$schema".into(),
        Value::from("https://json-schema.org/draft/2020-12/schema"),
    );
    doc.insert("title".into(), Value::from("vibergate"));
    doc.insert(
        "description".into(),
        Value::from(
            "Every JSON value vibergate takes or gives, and the argument and result of each \
             operation. Generated from the Rust core (core/src/schema.rs); do not edit.",
        ),
    );
    doc.insert("operations".into(), Value::Object(operations));
    doc.insert("$defs".into(), Value::Object(sorted));
    Ok(Value::Object(doc))
}

/// [`document`] as the text of [`FILE`]: pretty-printed, ending with a newline.
pub fn render() -> Result<String> {
    let doc = document()?;
    let mut text = serde_json::to_string_pretty(&doc)
        .map_err(|e| Error::internal(format!("cannot serialise the schema: {e}")))?;
    text.push('\n');
    Ok(text)
}

fn kind_name(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::Client => "client",
        TargetKind::Router => "router",
    }
}

// ---- the hand-written (de)serialisers' schemas ------------------------------------------------

/// A credential is read as a string (and written as `***`, which is a string too).
impl JsonSchema for Secret {
    fn schema_name() -> Cow<'static, str> {
        "Secret".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string" })
    }
}

/// A per-recipient cause or the code of the request that failed: the names
/// `RejectReason::as_str` writes and `RejectReason::parse` reads.
impl JsonSchema for RejectReason {
    fn schema_name() -> Cow<'static, str> {
        "RejectReason".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        let mut names: Vec<&'static str> = Vec::new();
        // `CAUSES` is kept complete by report.rs's own test.
        let own = RejectReason::CAUSES;
        let requests = ErrorCode::ALL.into_iter().map(RejectReason::from);
        for reason in own.into_iter().chain(requests) {
            if !names.contains(&reason.as_str()) {
                names.push(reason.as_str());
            }
        }
        json_schema!({
            "description": "Why a recipient was rejected: a per-recipient cause, or the error \
                            code of the failed request that carried it.",
            "type": "string",
            "enum": names,
        })
    }
}

/// A message id as the operation table reads it (`api`'s `IdText`): a non-empty string or a
/// number.
pub(crate) fn id_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "anyOf": [
            { "type": "string", "minLength": 1 },
            { "type": "number" }
        ]
    })
}
