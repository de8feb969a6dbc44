//! The operation table across the C ABI: the generic `vg_call`, `vg_router_call` and
//! `vg_tables`, and the helpers every typed function (`vg_send`, `vg_status`…) runs through.
//!
//! The typed functions only turn their C arguments into the argument object of
//! `vibergate_core::api` and name argument errors in C's words (`vg_send: message_json: …`);
//! argument defaults, result shapes (`{"confirmed"}`, `{"marked"}`) and the list of operations
//! are the core's.

use std::ffi::c_char;

use serde_json::{Map, Value};
use vibergate_core::api::{self, Call, Target, TargetKind};
use vibergate_core::{Error, ErrorCode, RoutedId};

use crate::boundary::{about, call, handle, json, text, to_json};
use crate::error::vg_error;
use crate::router::vg_router;
use crate::vg_client;

/// Parses the JSON text argument `what` of `func` as the arguments of `operation`: errors name
/// the function and the argument, and keep the field path the core found.
pub(crate) fn parse_text(
    kind: TargetKind,
    func: &str,
    operation: &str,
    what: &str,
    ptr: *const c_char,
) -> Result<Call, Error> {
    let args = text(ptr, func, what, ErrorCode::InvalidMessage)?;
    let trimmed = args.trim();
    if trimmed.is_empty() || trimmed == "null" {
        // `Call::parse` reads these as `{}` (for `vg_call`'s optional arguments); a typed
        // function's JSON argument has always had to be an object, and says so.
        let e = match vibergate_core::suggest::parse_json::<Map<String, Value>>(args) {
            Err(e) => e,
            Ok(_) => Error::invalid_message(what, "must be a JSON object"),
        };
        return Err(about(func, what, &e));
    }
    Call::parse(kind, operation, args).map_err(|e| about(func, what, &e))
}

/// `{"ids": [...]}` from `ids_json`, a JSON array of message ids (strings or numbers). The core
/// decides what an id is; the C ABI names a refusal its own way, as it always has.
pub(crate) fn ids_call(
    func: &str,
    operation: &str,
    ids_json: *const c_char,
) -> Result<Call, Error> {
    let ids: Vec<Value> = json(ids_json, func, "ids_json")?;
    Call::from_value(
        TargetKind::Client,
        operation,
        serde_json::json!({ "ids": ids }),
    )
    .map_err(|e| {
        if e.code() == ErrorCode::InvalidMessage {
            Error::invalid_message(
                "ids_json",
                format!("{func}: ids_json must be an array of strings or numbers"),
            )
        } else {
            e
        }
    })
}

/// `{"ids": [{"provider","message_id"}…]}` from a router's `ids_json`. Read as routed ids
/// first so that an error names the entry as the caller wrote it (`"[0].provider" …`).
pub(crate) fn routed_ids_call(func: &str, ids_json: *const c_char) -> Result<Call, Error> {
    let ids: Vec<RoutedId> = json(ids_json, func, "ids_json")?;
    Call::from_value(
        TargetKind::Router,
        "status",
        serde_json::json!({ "ids": ids }),
    )
}

/// Runs `call` on the client behind `client` and returns its JSON result; `func` names the
/// exported function in errors. The handle is checked before the arguments are read.
pub(crate) fn on_client(
    func: &str,
    client: *const vg_client,
    err: *mut *mut vg_error,
    args: impl FnOnce() -> Result<Call, Error>,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        let c = &handle(client, func, "client")?.client;
        to_json(&args()?.run(Target::Client(c))?)
    })
}

/// [`on_client`] for a router.
pub(crate) fn on_router(
    func: &str,
    router: *const vg_router,
    err: *mut *mut vg_error,
    args: impl FnOnce() -> Result<Call, Error>,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        let r = &handle(router, func, "router")?.router;
        to_json(&args()?.run(Target::Router(r))?)
    })
}

/// `operation` (a name of `vg_tables()`'s `operations`) with `args_json` (NULL or empty: `{}`)
/// on `kind`. An unknown operation is `VG_UNSUPPORTED` about `operation`, naming the nearest
/// one; other errors about the arguments name `args_json`.
fn generic(
    kind: TargetKind,
    func: &str,
    operation: *const c_char,
    args_json: *const c_char,
) -> Result<Call, Error> {
    let name = text(operation, func, "operation", ErrorCode::InvalidMessage)?;
    let args = if args_json.is_null() {
        ""
    } else {
        text(args_json, func, "args_json", ErrorCode::InvalidMessage)?
    };
    Call::parse(kind, name, args).map_err(|e| {
        let about_operation =
            e.code() == ErrorCode::Unsupported && e.field.as_deref() == Some("operation");
        about(
            func,
            if about_operation {
                "operation"
            } else {
                "args_json"
            },
            &e,
        )
    })
}

/// Runs any operation of the table on a client, by name, with its arguments as a JSON object:
/// `vg_call(client, "status", "{\"ids\":[\"5769\"]}", &err)`. The typed functions (`vg_send`,
/// `vg_status`…) are this with C arguments. `args_json` NULL or empty means `{}`; the argument
/// object and the result of each operation are those of the typed function (`vg_tables()` lists
/// the operations and their argument names). Returns the result JSON (free it with
/// `vg_string_free`), or NULL with an error: `VG_UNSUPPORTED` (field `operation`) for an
/// operation a client does not have.
#[no_mangle]
pub extern "C" fn vg_call(
    client: *const vg_client,
    operation: *const c_char,
    args_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    on_client("vg_call", client, err, || {
        generic(TargetKind::Client, "vg_call", operation, args_json)
    })
}

/// `vg_call` on a router: `send`, `send_personalized` and `status` (with
/// `{"ids":[{"provider","message_id"}]}`).
#[no_mangle]
pub extern "C" fn vg_router_call(
    router: *const vg_router,
    operation: *const c_char,
    args_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    on_router("vg_router_call", router, err, || {
        generic(TargetKind::Router, "vg_router_call", operation, args_json)
    })
}

/// The library's tables as JSON, for bindings and tests that check hand-written code against
/// them: `{"version","operations":[{"name","on":["client"|"router"…],"input","args","summary"}],
/// "error_codes":[…],"delivery_states":[{"name","final"}],"providers":[…]}`. `error_codes` are in
/// the order of `vg_code` (the first is 1). Free the result with `vg_string_free`.
#[no_mangle]
pub extern "C" fn vg_tables(err: *mut *mut vg_error) -> *mut c_char {
    call(err, std::ptr::null_mut(), || to_json(&api::tables()))
}
