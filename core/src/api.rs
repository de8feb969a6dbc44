//! The operation table: every operation a binding can run, by name, with JSON arguments and a
//! JSON result. The C ABI (`vg_call` and the typed `vg_*` functions), the Node addon, the Python
//! module, the CLI's `--json` paths and the golden-vector runner all go through [`call`] (or
//! [`Call::parse`] + [`Call::run`]), so argument names, their defaults and the shape of every
//! result are decided here once; the typed Rust API ([`Client`], [`Router`]) sits underneath.
//!
//! Adding an operation: a variant of `Op`, a row of [`OPERATIONS`], an arm in `Call::build`,
//! `Call::run`, `argument_schema` and `schema::result_schema` (then `VIBERGATE_BLESS=1` for
//! `docs/schema.json` and `docs/reference.md`), and the typed wrapper in each language: C, PHP,
//! Python, Node and the CLI each have a test that fails until it exists.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::client::{Client, InboundQuery};
use crate::error::{Error, ErrorCode, Result};
use crate::message::{Message, PersonalizedMessage};
use crate::providers::smsby::ListMessage;
use crate::router::{RoutedId, Router};
use crate::status::DeliveryState;
use crate::ProviderId;

/// What an operation runs on.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// One provider.
    Client(&'a Client),
    /// Failover across providers.
    Router(&'a Router),
}

impl Target<'_> {
    /// Which kind of target this is.
    pub fn kind(&self) -> TargetKind {
        match self {
            Target::Client(_) => TargetKind::Client,
            Target::Router(_) => TargetKind::Router,
        }
    }
}

/// The kinds of target an operation may run on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A [`Client`].
    Client,
    /// A [`Router`].
    Router,
}

impl TargetKind {
    fn as_str(self) -> &'static str {
        match self {
            TargetKind::Client => "client",
            TargetKind::Router => "router",
        }
    }
}

/// One row of the table: an operation as every binding sees it.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Operation {
    /// The name bindings call it by (`send`, `status`…); camelCase in Node (`sendPersonalized`).
    pub name: &'static str,
    /// Where it runs: a client, a router, or both.
    pub on: &'static [TargetKind],
    /// What its argument object is called in messages (`message`, `arguments`, `query`).
    pub input: &'static str,
    /// The argument object's keys, in the order a positional wrapper takes them; for
    /// `message`-style operations, empty (the argument is the message itself).
    pub args: &'static [&'static str],
    /// Whether running it may make the provider act (send, debit, mark): a caller that stops
    /// waiting for such a call must still learn its outcome (Python's and Node's late results).
    pub acts: bool,
    /// One line for references.
    pub summary: &'static str,
}

const CLIENT: &[TargetKind] = &[TargetKind::Client];
const BOTH: &[TargetKind] = &[TargetKind::Client, TargetKind::Router];

/// Every operation, in the order of SPEC §6. Bindings export it inside [`tables`] (`vg_tables`
/// in C, `tables()` in the Python and Node native modules) and test that they wrap each one.
pub const OPERATIONS: &[Operation] = &[
    Operation {
        name: "send",
        on: BOTH,
        input: "message",
        args: &[],
        acts: true,
        summary: "Validates and sends a message; returns a send report.",
    },
    Operation {
        name: "send_personalized",
        on: BOTH,
        input: "message",
        args: &[],
        acts: true,
        summary: "Sends each item its own text; returns a send report.",
    },
    Operation {
        name: "status",
        on: BOTH,
        input: "arguments",
        args: &["ids"],
        acts: false,
        summary: "Delivery reports of message ids (a router's ids name their provider).",
    },
    Operation {
        name: "status_batch",
        on: CLIENT,
        input: "arguments",
        args: &["batch_id"],
        acts: false,
        summary: "SMS.by: the statuses of a mailing batch.",
    },
    Operation {
        name: "balance",
        on: CLIENT,
        input: "arguments",
        args: &[],
        acts: false,
        summary: "Intel-Tele: balance and credit.",
    },
    Operation {
        name: "rates",
        on: CLIENT,
        input: "arguments",
        args: &[],
        acts: false,
        summary: "Intel-Tele: the price list.",
    },
    Operation {
        name: "chats",
        on: CLIENT,
        input: "arguments",
        args: &["page"],
        acts: false,
        summary: "SMS Club: one page (from 1) of 2-way chats.",
    },
    Operation {
        name: "chat",
        on: CLIENT,
        input: "arguments",
        args: &["chat_id", "page"],
        acts: false,
        summary: "SMS Club: one page (from 1) of a chat.",
    },
    Operation {
        name: "inbound",
        on: CLIENT,
        input: "query",
        args: &["chat_id", "mailing_id", "page"],
        acts: false,
        summary: "Replies from recipients: an SMS Club chat or an SMS.by mailing.",
    },
    Operation {
        name: "capabilities",
        on: CLIENT,
        input: "arguments",
        args: &[],
        acts: false,
        summary: "What the provider supports.",
    },
    Operation {
        name: "send_to_list",
        on: CLIENT,
        input: "message",
        args: &[],
        acts: true,
        summary: "SMS.by: a mailing to a stored subscriber list, waiting for confirm_mailing.",
    },
    Operation {
        name: "confirm_mailing",
        on: CLIENT,
        input: "arguments",
        args: &["mailing_id"],
        acts: true,
        summary: "SMS.by: confirms a mailing (the money is debited).",
    },
    Operation {
        name: "mailings",
        on: CLIENT,
        input: "arguments",
        args: &["offset", "limit"],
        acts: false,
        summary: "SMS.by: the account's mailings, `limit` from `offset`.",
    },
    Operation {
        name: "mailing",
        on: CLIENT,
        input: "arguments",
        args: &["mailing_id"],
        acts: false,
        summary: "SMS.by: one mailing.",
    },
    Operation {
        name: "delivery_list",
        on: CLIENT,
        input: "arguments",
        args: &["mailing_id"],
        acts: false,
        summary: "SMS.by: the phones of a mailing and their delivery reports.",
    },
    Operation {
        name: "mark_inbound_read",
        on: CLIENT,
        input: "arguments",
        args: &["ids"],
        acts: true,
        summary: "SMS.by: marks incoming messages read.",
    },
];

/// How many mailings `mailings` lists when `limit` is not given.
pub const DEFAULT_MAILINGS_LIMIT: u32 = 100;

/// The row of `name`, if there is one.
pub fn operation(name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.name == name)
}

/// The names of the operations that run on `kind`, in table order.
pub fn operation_names(kind: TargetKind) -> impl Iterator<Item = &'static str> {
    OPERATIONS
        .iter()
        .filter(move |o| o.on.contains(&kind))
        .map(|o| o.name)
}

/// The tables a binding exports so that its tests compare hand-written code with the core:
/// `{"version","operations":[…],"error_codes":[…],"delivery_states":[{"name","final"}],
/// "providers":[…]}`.
pub fn tables() -> Value {
    let states: Vec<Value> = DeliveryState::ALL
        .iter()
        .map(|s| serde_json::json!({ "name": s.as_str(), "final": s.is_final() }))
        .collect();
    serde_json::json!({
        "version": crate::VERSION,
        "operations": OPERATIONS,
        "error_codes": ErrorCode::ALL.iter().map(|c| c.as_str()).collect::<Vec<_>>(),
        "delivery_states": states,
        "providers": ProviderId::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
    })
}

/// `{"ids": [...]}`: message ids as strings or numbers (a provider's numeric ids pass as they
/// came).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct IdsArgs {
    ids: Vec<IdText>,
}

/// An id given as a string or a number.
#[derive(Debug, Clone)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    schemars(inline, schema_with = "crate::schema::id_schema")
)]
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // An empty string passes as it is: the operation refuses it in its own words ("a
        // message id is empty"), after the provider's own checks, as the typed API does.
        match Value::deserialize(d)? {
            Value::String(s) => Ok(IdText(s)),
            v => crate::json::id_string(&v)
                .map(IdText)
                .ok_or_else(|| serde::de::Error::custom("an id must be a string or a number")),
        }
    }
}

fn texts(ids: Vec<IdText>) -> Vec<String> {
    ids.into_iter().map(|i| i.0).collect()
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct RoutedIdsArgs {
    ids: Vec<RoutedId>,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct BatchArgs {
    batch_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct PageArgs {
    #[serde(default = "first_page")]
    page: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct ChatArgs {
    chat_id: String,
    #[serde(default = "first_page")]
    page: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct MailingArgs {
    mailing_id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct MailingsArgs {
    #[serde(default)]
    offset: u32,
    #[serde(default = "default_mailings_limit")]
    limit: u32,
}

#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema), schemars(inline))]
#[serde(deny_unknown_fields)]
struct NoArgs {}

fn first_page() -> u32 {
    1
}

fn default_mailings_limit() -> u32 {
    DEFAULT_MAILINGS_LIMIT
}

/// The result of `confirm_mailing`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Confirmed {
    /// The mailing confirmed.
    pub confirmed: String,
}

/// The result of `mark_inbound_read`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Marked {
    /// How many messages SMS.by marked, when it says.
    pub marked: Option<u64>,
}

/// Where a call's arguments come from.
enum Args<'a> {
    /// The caller's JSON text, parsed straight into the operation's type: serde then sees every
    /// key as written (a key given twice is refused, never silently the last one) and `suggest`
    /// names the field at fault in the caller's words.
    Text(&'a str),
    /// A value a binding built; its errors are rendered from its text.
    Value(Value),
}

impl Args<'_> {
    fn typed<T: DeserializeOwned>(&self) -> Result<T> {
        match self {
            Args::Text(text) => {
                // Only an object: serde would also fill a struct from an array, by position,
                // past the names and `deny_unknown_fields`.
                if !text.trim_start().starts_with('{') {
                    let value = crate::suggest::parse_json::<Value>(text)?;
                    return Err(not_an_object(&value));
                }
                crate::suggest::parse_json(text)
            }
            Args::Value(value) if !value.is_object() => Err(not_an_object(value)),
            Args::Value(value) => {
                T::deserialize(value).or_else(|_| crate::suggest::parse_json(&value.to_string()))
            }
        }
    }
}

/// The error for arguments that are JSON but not an object (`field` left for the binding).
fn not_an_object(value: &Value) -> Error {
    let kind = match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    };
    Error::new(
        ErrorCode::InvalidMessage,
        format!("the arguments must be a JSON object, not {kind}"),
    )
}

/// An operation with its typed arguments.
#[derive(Debug, Clone)]
enum Op {
    Send(Message),
    SendPersonalized(PersonalizedMessage),
    Status(Vec<String>),
    RoutedStatus(Vec<RoutedId>),
    StatusBatch(BatchArgs),
    Balance,
    Rates,
    Chats(PageArgs),
    Chat(ChatArgs),
    Inbound(InboundQuery),
    Capabilities,
    SendToList(ListMessage),
    ConfirmMailing(MailingArgs),
    Mailings(MailingsArgs),
    Mailing(MailingArgs),
    DeliveryList(MailingArgs),
    MarkInboundRead(Vec<String>),
}

/// A call whose arguments have been parsed: argument errors are over, and running it touches
/// the network.
#[derive(Debug, Clone)]
pub struct Call {
    operation: &'static Operation,
    op: Op,
}

impl Call {
    /// Parses `args` (a JSON object; empty text means `{}`, and so does `null` for an operation
    /// whose arguments are all optional — a message is never `null`) for `operation` on `kind`.
    ///
    /// Errors are about the arguments and left for the binding to name: `unsupported` with
    /// `field` = `operation` for an operation `kind` lacks, else `invalid_message` whose `field`
    /// is the path inside `args` when there is one (`sms_fallback.txt`) and `None` when the
    /// text is not JSON at all. [`call`] names the argument object itself (`message: …`).
    pub fn parse(kind: TargetKind, operation: &str, args: &str) -> Result<Call> {
        let row = find(kind, operation)?;
        let args = args.trim();
        // No arguments, or `null`, is `{}`; a message operation still needs its message.
        let text = if args.is_empty() || (args == "null" && row.input != "message") {
            "{}"
        } else {
            args
        };
        Call::build(kind, row, Args::Text(text))
    }

    /// [`Call::parse`] for arguments a binding built itself (the typed C functions, the CLI).
    pub fn from_value(kind: TargetKind, operation: &str, args: Value) -> Result<Call> {
        let row = find(kind, operation)?;
        // The same rule as `parse` for `null`.
        let args = match args {
            Value::Null if row.input != "message" => Value::Object(Default::default()),
            v => v,
        };
        Call::build(kind, row, Args::Value(args))
    }

    /// The operation's row.
    pub fn operation(&self) -> &'static Operation {
        self.operation
    }

    fn build(kind: TargetKind, row: &'static Operation, args: Args<'_>) -> Result<Call> {
        let op = match (row.name, kind) {
            ("send", _) => Op::Send(args.typed()?),
            ("send_personalized", _) => Op::SendPersonalized(args.typed()?),
            ("status", TargetKind::Client) => Op::Status(texts(args.typed::<IdsArgs>()?.ids)),
            ("status", TargetKind::Router) => Op::RoutedStatus(args.typed::<RoutedIdsArgs>()?.ids),
            ("status_batch", _) => Op::StatusBatch(args.typed()?),
            ("balance", _) => args.typed::<NoArgs>().map(|_| Op::Balance)?,
            ("rates", _) => args.typed::<NoArgs>().map(|_| Op::Rates)?,
            ("chats", _) => Op::Chats(args.typed()?),
            ("chat", _) => Op::Chat(args.typed()?),
            ("inbound", _) => Op::Inbound(args.typed()?),
            ("capabilities", _) => args.typed::<NoArgs>().map(|_| Op::Capabilities)?,
            ("send_to_list", _) => Op::SendToList(args.typed()?),
            ("confirm_mailing", _) => Op::ConfirmMailing(args.typed()?),
            ("mailings", _) => Op::Mailings(args.typed()?),
            ("mailing", _) => Op::Mailing(args.typed()?),
            ("delivery_list", _) => Op::DeliveryList(args.typed()?),
            ("mark_inbound_read", _) => Op::MarkInboundRead(texts(args.typed::<IdsArgs>()?.ids)),
            (name, _) => {
                // A row without an arm is a bug the table test catches; never a panic here.
                return Err(Error::internal(format!(
                    "the operation table has no arm for {name:?}"
                )));
            }
        };
        Ok(Call { operation: row, op })
    }

    /// Runs the call on `target` (which must be of the kind it was parsed for) and returns the
    /// result as JSON.
    pub fn run(self, target: Target<'_>) -> Result<Value> {
        match target {
            Target::Client(client) => self.run_client(client),
            Target::Router(router) => self.run_router(router),
        }
    }

    fn run_client(self, c: &Client) -> Result<Value> {
        match self.op {
            Op::Send(m) => to_value(&c.send(&m)?),
            Op::SendPersonalized(m) => to_value(&c.send_personalized(&m)?),
            Op::Status(ids) => to_value(&c.status(&ids)?),
            Op::StatusBatch(a) => to_value(&c.status_batch(&a.batch_id)?),
            Op::Balance => to_value(&c.balance()?),
            Op::Rates => to_value(&c.rates()?),
            Op::Chats(a) => to_value(&c.chats(a.page)?),
            Op::Chat(a) => to_value(&c.chat(&a.chat_id, a.page)?),
            Op::Inbound(q) => to_value(&c.inbound(&q)?),
            Op::Capabilities => to_value(&c.capabilities()),
            Op::SendToList(m) => to_value(&c.send_to_list(&m)?),
            Op::ConfirmMailing(a) => {
                c.confirm_mailing(&a.mailing_id)?;
                to_value(&Confirmed {
                    confirmed: a.mailing_id,
                })
            }
            Op::Mailings(a) => to_value(&c.mailings(a.offset, a.limit)?),
            Op::Mailing(a) => to_value(&c.mailing(&a.mailing_id)?),
            Op::DeliveryList(a) => to_value(&c.delivery_list(&a.mailing_id)?),
            Op::MarkInboundRead(ids) => to_value(&Marked {
                marked: c.mark_inbound_read(&ids)?,
            }),
            Op::RoutedStatus(_) => Err(wrong_target(self.operation, TargetKind::Client)),
        }
    }

    fn run_router(self, r: &Router) -> Result<Value> {
        match self.op {
            Op::Send(m) => to_value(&r.send(&m)?),
            Op::SendPersonalized(m) => to_value(&r.send_personalized(&m)?),
            Op::RoutedStatus(ids) => {
                let ids: Vec<(ProviderId, String)> = ids.into_iter().map(Into::into).collect();
                to_value(&r.status(&ids)?)
            }
            _ => Err(wrong_target(self.operation, TargetKind::Router)),
        }
    }
}

/// Runs `operation` with JSON `args` on `target` and returns the JSON result: the one entry
/// every binding's generic call goes through. An argument error names the argument object
/// (`message: not valid JSON…`, `field` = `message`) unless it has a path of its own.
pub fn call(target: Target<'_>, operation: &str, args: &str) -> Result<String> {
    let call = Call::parse(target.kind(), operation, args).map_err(|e| named(e, operation))?;
    let value = call.run(target)?;
    serde_json::to_string(&value).map_err(|e| Error::internal(format!("cannot serialise: {e}")))
}

/// [`call`] with arguments a caller built as a value (the CLI from its flags), returning the
/// result as a value.
pub fn call_value(target: Target<'_>, operation: &str, args: Value) -> Result<Value> {
    Call::from_value(target.kind(), operation, args)
        .map_err(|e| named(e, operation))?
        .run(target)
}

/// An argument error said about `operation`'s argument object.
fn named(error: Error, operation: &str) -> Error {
    let input = self::operation(operation).map_or("arguments", |o| o.input);
    name_argument(error, input)
}

/// An argument error without a path of its own, said about `input`.
pub fn name_argument(error: Error, input: &str) -> Error {
    if error.field.is_some() {
        return error;
    }
    Error::new(error.code(), format!("{input}: {}", error.message)).with_field(input)
}

/// The schema of `name`'s argument object on `kind` (`crate::schema`), or `None` when the table
/// has no such operation there. Here because the argument types are this module's own.
#[cfg(feature = "schema")]
pub(crate) fn argument_schema(
    g: &mut schemars::SchemaGenerator,
    kind: TargetKind,
    name: &str,
) -> Option<schemars::Schema> {
    let row = operation(name).filter(|row| row.on.contains(&kind))?;
    Some(match (row.name, kind) {
        ("send", _) => g.subschema_for::<Message>(),
        ("send_personalized", _) => g.subschema_for::<PersonalizedMessage>(),
        ("status", TargetKind::Client) | ("mark_inbound_read", _) => g.subschema_for::<IdsArgs>(),
        ("status", TargetKind::Router) => g.subschema_for::<RoutedIdsArgs>(),
        ("status_batch", _) => g.subschema_for::<BatchArgs>(),
        ("balance" | "rates" | "capabilities", _) => g.subschema_for::<NoArgs>(),
        ("chats", _) => g.subschema_for::<PageArgs>(),
        ("chat", _) => g.subschema_for::<ChatArgs>(),
        ("inbound", _) => g.subschema_for::<InboundQuery>(),
        ("send_to_list", _) => g.subschema_for::<ListMessage>(),
        ("confirm_mailing" | "mailing" | "delivery_list", _) => g.subschema_for::<MailingArgs>(),
        ("mailings", _) => g.subschema_for::<MailingsArgs>(),
        _ => return None,
    })
}

fn find(kind: TargetKind, name: &str) -> Result<&'static Operation> {
    match operation(name) {
        Some(row) if row.on.contains(&kind) => Ok(row),
        Some(row) => Err(wrong_target(row, kind)),
        None => {
            let known: Vec<&str> = operation_names(kind).collect();
            let hint = crate::suggest::closest(name, known.iter().copied())
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            Err(Error::new(
                ErrorCode::Unsupported,
                format!(
                    "no operation {name:?}{hint}; a {} has {}",
                    kind.as_str(),
                    known.join(", ")
                ),
            )
            .with_field("operation"))
        }
    }
}

fn wrong_target(row: &Operation, kind: TargetKind) -> Error {
    let known: Vec<&str> = operation_names(kind).collect();
    Error::new(
        ErrorCode::Unsupported,
        format!(
            "a {} has no operation {:?} (it has {})",
            kind.as_str(),
            row.name,
            known.join(", ")
        ),
    )
    .with_field("operation")
}

fn to_value<T: Serialize>(value: &T) -> Result<Value> {
    serde_json::to_value(value).map_err(|e| Error::internal(format!("cannot serialise: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_row_parses_with_its_documented_arguments() {
        for row in OPERATIONS {
            for &kind in row.on {
                let args = match (row.name, kind) {
                    ("send", _) => r#"{"to":["380989361121"],"text":"Hi"}"#,
                    ("send_to_list", _) => r#"{"list_id":"1","text":"Hi"}"#,
                    ("send_personalized", _) => r#"{"items":[{"to":"380989361121","text":"Hi"}]}"#,
                    ("status", TargetKind::Router) => {
                        r#"{"ids":[{"provider":"smsclub","message_id":"1"}]}"#
                    }
                    ("status" | "mark_inbound_read", _) => r#"{"ids":["1",2]}"#,
                    ("status_batch", _) => r#"{"batch_id":"b"}"#,
                    ("chat", _) => r#"{"chat_id":"c"}"#,
                    ("confirm_mailing" | "mailing" | "delivery_list", _) => r#"{"mailing_id":"m"}"#,
                    _ => "",
                };
                let call = Call::parse(kind, row.name, args)
                    .unwrap_or_else(|e| panic!("{} on {kind:?}: {e}", row.name));
                assert_eq!(call.operation().name, row.name);
            }
        }
    }

    #[test]
    fn defaults_live_here() {
        let call = Call::parse(TargetKind::Client, "mailings", "").unwrap();
        match call.op {
            Op::Mailings(a) => {
                assert_eq!((a.offset, a.limit), (0, DEFAULT_MAILINGS_LIMIT));
            }
            other => panic!("{other:?}"),
        }
        match Call::parse(TargetKind::Client, "chat", r#"{"chat_id":"7"}"#)
            .unwrap()
            .op
        {
            Op::Chat(a) => assert_eq!(a.page, 1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unknown_and_misplaced_operations_are_unsupported_with_a_hint() {
        let e = Call::parse(TargetKind::Client, "sned", "{}").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unsupported);
        assert_eq!(e.field.as_deref(), Some("operation"));
        assert!(e.message.contains("did you mean \"send\""), "{}", e.message);
        let e = Call::parse(TargetKind::Router, "balance", "{}").unwrap_err();
        assert_eq!(e.code(), ErrorCode::Unsupported);
        assert!(
            e.message.contains("a router has no operation"),
            "{}",
            e.message
        );
    }

    #[test]
    fn argument_errors_name_the_path_or_the_argument() {
        let e = Call::parse(TargetKind::Client, "chat", r#"{"chat_id":"1","pgae":2}"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidMessage);
        assert_eq!(e.field.as_deref(), Some("pgae"));
        assert!(e.message.contains("did you mean \"page\""), "{}", e.message);
        let e = Call::parse(TargetKind::Client, "send", "{").unwrap_err();
        assert_eq!(e.field, None);
        let named = name_argument(e, "message");
        assert_eq!(named.field.as_deref(), Some("message"));
        assert!(
            named.message.starts_with("message: not valid JSON"),
            "{}",
            named.message
        );
        let e = Call::parse(TargetKind::Client, "status", r#"{"ids":[true]}"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidMessage);
        // An empty id reaches the operation, which refuses it in its own words.
        assert!(Call::parse(TargetKind::Client, "status", r#"{"ids":[""]}"#).is_ok());
        // A key given twice is refused, never silently the last one.
        let e = Call::parse(
            TargetKind::Client,
            "send",
            r#"{"to":["380989361121"],"text":"a","text":"b"}"#,
        )
        .unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidMessage);
        assert_eq!(e.field.as_deref(), Some("text"));
        let e = Call::parse(TargetKind::Client, "chats", r#"{"page":1,"page":2}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("page"));
        // Only an object: an array would fill the struct by position.
        let e = Call::parse(
            TargetKind::Client,
            "send",
            r#"[["380989361121"],null,"hi"]"#,
        )
        .unwrap_err();
        assert!(
            e.message.contains("must be a JSON object, not an array"),
            "{}",
            e.message
        );
        assert!(Call::parse(TargetKind::Client, "chats", "[]").is_err());
        let e = Call::parse(TargetKind::Client, "balance", r#"{"x":1}"#).unwrap_err();
        assert_eq!(e.code(), ErrorCode::InvalidMessage);
    }

    #[test]
    fn text_and_value_arguments_follow_one_rule() {
        let cases = [
            ("send", "null"),
            ("send", "[]"),
            ("send", "5"),
            ("send_personalized", "null"),
            ("send_to_list", "null"),
            ("chats", "null"),
            ("chats", "[]"),
            ("balance", "null"),
            ("status", r#"{"ids":[true]}"#),
            ("mailings", r#"{"limit":-1}"#),
        ];
        for (op, text) in cases {
            let value: Value = serde_json::from_str(text).unwrap();
            let from_text = Call::parse(TargetKind::Client, op, text).map(|_| ());
            let from_value = Call::from_value(TargetKind::Client, op, value).map(|_| ());
            assert_eq!(
                from_text
                    .as_ref()
                    .map_err(|e| (e.code(), e.field.clone(), e.message.clone())),
                from_value
                    .as_ref()
                    .map_err(|e| (e.code(), e.field.clone(), e.message.clone())),
                "{op} {text}"
            );
        }
    }

    #[test]
    fn tables_list_every_code_state_and_operation() {
        let t = tables();
        assert_eq!(t["operations"].as_array().unwrap().len(), OPERATIONS.len());
        assert_eq!(
            t["error_codes"].as_array().unwrap().len(),
            ErrorCode::ALL.len()
        );
        assert_eq!(
            t["delivery_states"].as_array().unwrap().len(),
            DeliveryState::ALL.len()
        );
        assert_eq!(
            t["operations"][0]["on"],
            serde_json::json!(["client", "router"])
        );
    }
}
