//! The C ABI of vibergate (`libvibergate.so`, `libvibergate.a`, header `include/vibergate.h`).
//!
//! Conventions:
//! - Handles (`vg_client`, `vg_sandbox`, `vg_error`) are opaque, made by `_new`/`_start`,
//!   released by `_free`/`_stop`; passing NULL to those does nothing.
//! - Inputs are borrowed NUL-terminated UTF-8 strings; the library never keeps or frees them.
//! - Results are new JSON strings owned by the caller, freed with `vg_string_free` (never
//!   `free()`), or NULL on failure. Their keys are the Rust (snake_case) field names.
//! - On failure, when `err` is not NULL, `*err` receives a new `vg_error` the caller frees with
//!   `vg_error_free`; `*err` is written only on failure.
//! - A `vg_client` may be used from many threads at once.
//! - No panic crosses the boundary (`boundary`): the function returns its failure value and,
//!   where it has an `err`, a `VG_INTERNAL` error.

#![allow(non_camel_case_types)]
// Every exported function checks its pointers; the unsafe contract is the header's documentation.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod boundary;
pub mod error;
pub mod router;
pub mod sandbox;

#[cfg(test)]
mod panic_tests;

use std::ffi::{c_char, CString};

use boundary::{about, call, guard, handle, json, owned, text, to_json};
use error::vg_error;
use vibergate_core::{
    Client, Config, Error, ErrorCode, InboundQuery, ListMessage, Message, PersonalizedMessage,
    ProviderId, WebhookRequest,
};

/// A client of one provider. Thread-safe.
pub struct vg_client {
    client: Client,
}

/// The library version, e.g. `0.1.0`. Static: do not free.
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
        )?
        .trim();
        let config = if input.starts_with('{') {
            Config::from_json(input)
        } else {
            Config::from_dsn(input)
        };
        let client = config
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

/// Runs `f` on the client and returns its result as JSON; `func` names the exported function
/// in argument errors.
fn with_client<T: serde::Serialize>(
    func: &str,
    client: *const vg_client,
    err: *mut *mut vg_error,
    f: impl FnOnce(&Client) -> Result<T, Error>,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        to_json(&f(&handle(client, func, "client")?.client)?)
    })
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
    with_client("vg_send", client, err, |c| {
        c.send(&json::<Message>(message_json, "vg_send", "message_json")?)
    })
}

/// Sends each item its own text: `{"items":[{"to","text","button_url"?}],"sender"?,…}`.
/// Returns a send report.
#[no_mangle]
pub extern "C" fn vg_send_personalized(
    client: *const vg_client,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_send_personalized", client, err, |c| {
        c.send_personalized(&json::<PersonalizedMessage>(
            message_json,
            "vg_send_personalized",
            "message_json",
        )?)
    })
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
    with_client("vg_status", client, err, |c| {
        c.status(&ids("vg_status", ids_json)?)
    })
}

/// Ids as a JSON array of strings or numbers.
fn ids(func: &str, ids_json: *const c_char) -> Result<Vec<String>, Error> {
    let values: Vec<serde_json::Value> = json(ids_json, func, "ids_json")?;
    values
        .iter()
        .map(|v| {
            vibergate_core::json::id_string(v).ok_or_else(|| {
                Error::invalid_message(
                    "ids_json",
                    format!("{func}: ids_json must be an array of strings or numbers"),
                )
            })
        })
        .collect()
}

/// SMS.by: statuses of a mailing batch (the `batch_id` of a send report).
#[no_mangle]
pub extern "C" fn vg_status_batch(
    client: *const vg_client,
    batch_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_status_batch", client, err, |c| {
        c.status_batch(text(
            batch_id,
            "vg_status_batch",
            "batch_id",
            ErrorCode::InvalidMessage,
        )?)
    })
}

/// Intel-Tele: `{"balance","credit"}`.
#[no_mangle]
pub extern "C" fn vg_balance(client: *const vg_client, err: *mut *mut vg_error) -> *mut c_char {
    with_client("vg_balance", client, err, Client::balance)
}

/// Intel-Tele: `[{"country","network","price","charge_delivered_only"}]`.
#[no_mangle]
pub extern "C" fn vg_rates(client: *const vg_client, err: *mut *mut vg_error) -> *mut c_char {
    with_client("vg_rates", client, err, Client::rates)
}

/// SMS Club: one page (from 1) of 2-way chats `[{"chat_id","phone","created_at"}]`.
#[no_mangle]
pub extern "C" fn vg_chats(
    client: *const vg_client,
    page: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_chats", client, err, |c| c.chats(page))
}

/// SMS Club: one page (from 1) of a chat `{"chat_id","phone","messages":[…]}`.
#[no_mangle]
pub extern "C" fn vg_chat(
    client: *const vg_client,
    chat_id: *const c_char,
    page: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_chat", client, err, |c| {
        c.chat(
            text(chat_id, "vg_chat", "chat_id", ErrorCode::InvalidMessage)?,
            page,
        )
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
    with_client("vg_inbound", client, err, |c| {
        let query = if query_json.is_null() {
            InboundQuery::default()
        } else {
            json(query_json, "vg_inbound", "query_json")?
        };
        c.inbound(&query)
    })
}

/// What the provider supports: `{"provider","sms_fallback",…,"operations":[…]}`.
#[no_mangle]
pub extern "C" fn vg_capabilities(
    client: *const vg_client,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_capabilities", client, err, |c| Ok(c.capabilities()))
}

/// SMS.by: a mailing to a stored list, `{"list_id","sender"?,"text"?,"image_url"?,"button"?,
/// "label"?,"schedule_start"?}`. Returns `{"mailing_id","subscribers"}`.
#[no_mangle]
pub extern "C" fn vg_send_to_list(
    client: *const vg_client,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_send_to_list", client, err, |c| {
        c.send_to_list(&json::<ListMessage>(
            message_json,
            "vg_send_to_list",
            "message_json",
        )?)
    })
}

/// SMS.by: confirms a mailing. Returns `{"confirmed":"<mailing_id>"}`.
#[no_mangle]
pub extern "C" fn vg_confirm_mailing(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_confirm_mailing", client, err, |c| {
        let id = text(
            mailing_id,
            "vg_confirm_mailing",
            "mailing_id",
            ErrorCode::InvalidMessage,
        )?;
        c.confirm_mailing(id)
            .map(|()| serde_json::json!({ "confirmed": id }))
    })
}

/// SMS.by: the account's mailings, `limit` from `offset`.
#[no_mangle]
pub extern "C" fn vg_mailings(
    client: *const vg_client,
    offset: u32,
    limit: u32,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_mailings", client, err, |c| c.mailings(offset, limit))
}

/// SMS.by: one mailing.
#[no_mangle]
pub extern "C" fn vg_mailing(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_mailing", client, err, |c| {
        c.mailing(text(
            mailing_id,
            "vg_mailing",
            "mailing_id",
            ErrorCode::InvalidMessage,
        )?)
    })
}

/// SMS.by: the phones of a mailing and their delivery reports.
#[no_mangle]
pub extern "C" fn vg_delivery_list(
    client: *const vg_client,
    mailing_id: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_delivery_list", client, err, |c| {
        c.delivery_list(text(
            mailing_id,
            "vg_delivery_list",
            "mailing_id",
            ErrorCode::InvalidMessage,
        )?)
    })
}

/// SMS.by: marks incoming messages (a JSON array of ids) read. Returns `{"marked":N|null}`.
#[no_mangle]
pub extern "C" fn vg_mark_inbound_read(
    client: *const vg_client,
    ids_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    with_client("vg_mark_inbound_read", client, err, |c| {
        c.mark_inbound_read(&ids("vg_mark_inbound_read", ids_json)?)
            .map(|n| serde_json::json!({ "marked": n }))
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
        let name = text(
            provider,
            "vg_parse_webhook",
            "provider",
            ErrorCode::InvalidMessage,
        )?;
        let provider = ProviderId::parse(name).ok_or_else(|| {
            Error::invalid_message(
                "provider",
                format!("vg_parse_webhook: unknown provider {name:?}; expected smsclub, smsby, decisiontelecom or inteltele"),
            )
        })?;
        let request: WebhookRequest = json(request_json, "vg_parse_webhook", "request_json")?;
        to_json(&vibergate_core::parse_webhook(provider, &request)?)
    })
}
