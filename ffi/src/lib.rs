//! The C ABI of vibergate (`libvibergate.so`, `libvibergate.a`, header `include/vibergate.h`).
//!
//! The conventions C callers rely on (who owns each pointer, how failures are reported,
//! threads, panics) are written once, in the header's opening comment (`header` in
//! `ffi/cbindgen.toml`). Every operation goes through `vibergate_core::api` (`ops`); the panic
//! boundary is `boundary`.

#![allow(non_camel_case_types)]
// Every exported function checks its pointers; the unsafe contract is the header's documentation.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
pub mod error;
pub mod ops;
pub mod router;
pub mod sandbox;

#[cfg(test)]
mod panic_tests;
#[cfg(test)]
mod table_tests;

use std::ffi::{c_char, CString};

use boundary::{about, call, guard, handle, json, owned, provider_arg, text, to_json};
use error::vg_error;
use serde_json::{json, Value};
use vibergate_core::api::{Call, TargetKind};
use vibergate_core::{Client, Config, Error, ErrorCode, WebhookRequest};

/// A client of one provider. Thread-safe.
pub struct vg_client {
    pub(crate) client: Client,
}

/// The library version, e.g. `0.1.0` (`VIBERGATE_VERSION`). Static: do not free.
#[no_mangle]
pub extern "C" fn vg_version() -> *const c_char {
    static VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), "\0");
    guard(c"".as_ptr(), || VERSION.as_ptr().cast())
}

/// Frees a string returned by the library. NULL is ignored.
#[no_mangle]
pub extern "C" fn vg_string_free(s: *mut c_char) {
    guard((), || {
        if !s.is_null() {
            // SAFETY: made by `CString::into_raw` in this library, freed once (documented contract).
            drop(unsafe { CString::from_raw(s) });
        }
    })
}

/// Creates a client from a DSN (`smsclub://TOKEN@default?sender=Shop`) or a JSON configuration
/// (`{"provider":"smsclub","token":"…","sender":"Shop"}`). Returns NULL on failure
/// (`VG_INVALID_CONFIG`). Free it with `vg_client_free`.
#[no_mangle]
pub extern "C" fn vg_client_new(
    dsn_or_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut vg_client {
    call(err, std::ptr::null_mut(), || {
        let input = text(
            dsn_or_json,
            "vg_client_new",
            "dsn_or_json",
            ErrorCode::InvalidConfig,
        )?;
        let client = Config::parse(input)
            .and_then(Client::new)
            .map_err(|e| about("vg_client_new", "dsn_or_json", &e))?;
        Ok(Box::into_raw(Box::new(vg_client { client })))
    })
}

/// Frees a client. NULL is ignored. No call on the client may be running.
#[no_mangle]
pub extern "C" fn vg_client_free(client: *mut vg_client) {
    guard((), || {
        if !client.is_null() {
            // SAFETY: made by `vg_client_new`, freed once (documented contract).
            drop(unsafe { Box::from_raw(client) });
        }
    })
}

/// The client's configuration as a DSN with every secret replaced by `***`. Free with
/// `vg_string_free`.
#[no_mangle]
pub extern "C" fn vg_client_dsn(client: *const vg_client, err: *mut *mut vg_error) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        Ok(owned(
            handle(client, "vg_client_dsn", "client")?.client.to_dsn(),
        ))
    })
}

/// A client operation whose argument is the JSON text `what` (`message_json`, `query_json`).
fn with_text(
    func: &str,
    operation: &str,
    client: *const vg_client,
    what: &str,
    args: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    ops::on_client(func, client, err, || {
        ops::parse_text(TargetKind::Client, func, operation, what, args)
    })
}

/// A client operation whose arguments a typed function builds from its C arguments.
fn with_args(
    func: &str,
    operation: &str,
    client: *const vg_client,
    err: *mut *mut vg_error,
    args: impl FnOnce() -> Result<Value, Error>,
) -> *mut c_char {
    ops::on_client(func, client, err, || {
        Call::from_value(TargetKind::Client, operation, args()?)
    })
}

/// A C string argument that is an id (`batch_id`, `chat_id`, `mailing_id`).
fn id(ptr: *const c_char, func: &str, what: &str) -> Result<Value, Error> {
    Ok(Value::from(text(
        ptr,
        func,
        what,
        ErrorCode::InvalidMessage,
    )?))
}

/// Sends a message (`{"to":["380989361121"],"sender":"Shop","text":"Hi",…}`). Returns
/// the send report JSON `{"provider","batch_id"?,"accepted":[…],"rejected":[…],"uncertain":[…],
/// "requests"}`, or NULL with an error (whose JSON lists recipients already rejected).
#[no_mangle]
pub extern "C" fn vg_send(
    client: *const vg_client,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_text("vg_send", "send", client, "message_json", message_json, err)
}

/// Sends each item its own text: `{"items":[{"to","text","button_url"?}],"sender"?,…}`.
/// Returns a send report.
#[no_mangle]
pub extern "C" fn vg_send_personalized(
    client: *const vg_client,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_text(
        "vg_send_personalized",
        "send_personalized",
        client,
        "message_json",
        message_json,
        err,
    )
}

/// Delivery states of message ids given as a JSON array (`["5769","5770"]`). Returns a JSON
/// array of delivery reports `{"message_id","phone"?,"state","read","sms_state"?,
/// "provider_status","detail"?,"updated_at"?}`.
#[no_mangle]
pub extern "C" fn vg_status(
    client: *const vg_client,
    ids_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    ops::on_client("vg_status", client, err, || {
        ops::ids_call("vg_status", "status", ids_json)
    })
}

/// SMS.by: statuses of a mailing batch (the `batch_id` of a send report).
#[no_mangle]
pub extern "C" fn vg_status_batch(
    client: *const vg_client,
    batch_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_status_batch", "status_batch", client, err, || {
        Ok(json!({ "batch_id": id(batch_id, "vg_status_batch", "batch_id")? }))
    })
}

/// Intel-Tele: `{"balance","credit"}`.
#[no_mangle]
pub extern "C" fn vg_balance(client: *const vg_client, err: *mut *mut vg_error) -> *mut c_char {
    with_args("vg_balance", "balance", client, err, || Ok(json!({})))
}

/// Intel-Tele: `[{"country","network","price","charge_delivered_only"}]`.
#[no_mangle]
pub extern "C" fn vg_rates(client: *const vg_client, err: *mut *mut vg_error) -> *mut c_char {
    with_args("vg_rates", "rates", client, err, || Ok(json!({})))
}

/// SMS Club: one page (from 1) of 2-way chats `[{"chat_id","phone","created_at"}]`.
#[no_mangle]
pub extern "C" fn vg_chats(
    client: *const vg_client,
    page: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_chats", "chats", client, err, || {
        Ok(json!({ "page": page }))
    })
}

/// SMS Club: one page (from 1) of a chat `{"chat_id","phone","messages":[…]}`.
#[no_mangle]
pub extern "C" fn vg_chat(
    client: *const vg_client,
    chat_id: *const c_char,
    page: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_chat", "chat", client, err, || {
        Ok(json!({ "chat_id": id(chat_id, "vg_chat", "chat_id")?, "page": page }))
    })
}

/// Replies from recipients. `query_json`: `{"chat_id"}` (SMS Club) or `{"mailing_id"}` (SMS.by),
/// with an optional `"page"`; NULL means `{}`.
#[no_mangle]
pub extern "C" fn vg_inbound(
    client: *const vg_client,
    query_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    if query_json.is_null() {
        return with_args("vg_inbound", "inbound", client, err, || Ok(json!({})));
    }
    with_text(
        "vg_inbound",
        "inbound",
        client,
        "query_json",
        query_json,
        err,
    )
}

/// What the provider supports: `{"provider","sms_fallback",…,"operations":[…]}`.
#[no_mangle]
pub extern "C" fn vg_capabilities(
    client: *const vg_client,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_capabilities", "capabilities", client, err, || {
        Ok(json!({}))
    })
}

/// SMS.by: a mailing to a stored list, `{"list_id","sender"?,"text"?,"image_url"?,"button"?,
/// "label"?,"schedule_start"?}`. Returns `{"mailing_id","subscribers"}`.
#[no_mangle]
pub extern "C" fn vg_send_to_list(
    client: *const vg_client,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_text(
        "vg_send_to_list",
        "send_to_list",
        client,
        "message_json",
        message_json,
        err,
    )
}

/// SMS.by: confirms a mailing. Returns `{"confirmed":"<mailing_id>"}`.
#[no_mangle]
pub extern "C" fn vg_confirm_mailing(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_confirm_mailing", "confirm_mailing", client, err, || {
        Ok(json!({ "mailing_id": id(mailing_id, "vg_confirm_mailing", "mailing_id")? }))
    })
}

/// SMS.by: the account's mailings, `limit` from `offset` (`vg_call` with `"mailings"` and no
/// `limit` uses the library's default).
#[no_mangle]
pub extern "C" fn vg_mailings(
    client: *const vg_client,
    offset: u32,
    limit: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_mailings", "mailings", client, err, || {
        Ok(json!({ "offset": offset, "limit": limit }))
    })
}

/// SMS.by: one mailing.
#[no_mangle]
pub extern "C" fn vg_mailing(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_mailing", "mailing", client, err, || {
        Ok(json!({ "mailing_id": id(mailing_id, "vg_mailing", "mailing_id")? }))
    })
}

/// SMS.by: the phones of a mailing and their delivery reports.
#[no_mangle]
pub extern "C" fn vg_delivery_list(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_args("vg_delivery_list", "delivery_list", client, err, || {
        Ok(json!({ "mailing_id": id(mailing_id, "vg_delivery_list", "mailing_id")? }))
    })
}

/// SMS.by: marks incoming messages (a JSON array of ids) read. Returns `{"marked":N|null}`.
#[no_mangle]
pub extern "C" fn vg_mark_inbound_read(
    client: *const vg_client,
    ids_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    ops::on_client("vg_mark_inbound_read", client, err, || {
        ops::ids_call("vg_mark_inbound_read", "mark_inbound_read", ids_json)
    })
}

/// Counts an SMS text offline: `{"encoding","characters","segments","non_gsm_characters"}`.
#[no_mangle]
pub extern "C" fn vg_sms_info(sms_text: *const c_char, err: *mut *mut vg_error) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        to_json(&vibergate_core::sms_info(text(
            sms_text,
            "vg_sms_info",
            "text",
            ErrorCode::InvalidMessage,
        )?))
    })
}

/// Parses a provider callback. `provider`: `smsby`, `decisiontelecom` or `inteltele`;
/// `request_json`: `{"method","query","body","content_type"}` with `query` a raw query string
/// or an object; with `"secret"` (the client's `webhook_secret`) and `"callback_url"` (as given to
/// `vg_send`), a callback without the right `vg_token` is `VG_AUTH`. Returns a JSON array of
/// events `{"kind":"status"|"inbound"|"batch_accepted","message_id"?,"state"?,"phone"?,"text"?,
/// "at"?,"tracking_data"?,"reply_to_message_id"?,"batch_id"?}`; a body that is not a callback is
/// `VG_DECODE`.
#[no_mangle]
pub extern "C" fn vg_parse_webhook(
    provider: *const c_char,
    request_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        let provider = provider_arg(provider, "vg_parse_webhook")?;
        let request: WebhookRequest = json(request_json, "vg_parse_webhook", "request_json")?;
        to_json(&vibergate_core::parse_webhook(provider, &request)?)
    })
}
