//! Errors across the C ABI: a stable numeric code per error code, and an opaque error object.

use std::ffi::{c_char, CString};

use vibergate_core::{Error, ErrorCode};

use crate::boundary::{guard, owned};

/// Error codes: a `uint32_t` whose values are stable and only ever appended to; 0 means no
/// error. Value N (from 1) is the Nth name of `vg_tables()`'s `error_codes`.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(non_camel_case_types)]
pub enum vg_code {
    /// No error.
    VG_OK = 0,
    /// A bad DSN, JSON configuration or option.
    VG_INVALID_CONFIG = 1,
    /// The message failed validation (also: bad JSON or NULL input).
    VG_INVALID_MESSAGE = 2,
    /// A feature or operation the provider lacks.
    VG_UNSUPPORTED = 3,
    /// No valid recipient left.
    VG_NO_VALID_RECIPIENTS = 4,
    /// The provider refused the credentials.
    VG_AUTH = 5,
    /// The account may not do this.
    VG_PERMISSION_DENIED = 6,
    /// The balance does not cover the message.
    VG_INSUFFICIENT_FUNDS = 7,
    /// The provider refused the sender.
    VG_INVALID_SENDER = 8,
    /// The provider refused the text.
    VG_INVALID_TEXT = 9,
    /// The provider refused the request for another reason.
    VG_INVALID_REQUEST = 10,
    /// Too many requests; see `retry_after_ms` in the error JSON.
    VG_RATE_LIMITED = 11,
    /// The provider failed on its side.
    VG_PROVIDER_ERROR = 12,
    /// DNS, connect or TLS failure: the request never reached the provider.
    VG_TRANSPORT = 13,
    /// No complete answer in time.
    VG_TIMEOUT = 14,
    /// An answer that cannot be understood.
    VG_DECODE = 15,
    /// A bug in vibergate (a caught panic).
    VG_INTERNAL = 16,
}

impl From<ErrorCode> for vg_code {
    fn from(code: ErrorCode) -> Self {
        use vg_code::*;
        match code {
            ErrorCode::InvalidConfig => VG_INVALID_CONFIG,
            ErrorCode::InvalidMessage => VG_INVALID_MESSAGE,
            ErrorCode::Unsupported => VG_UNSUPPORTED,
            ErrorCode::NoValidRecipients => VG_NO_VALID_RECIPIENTS,
            ErrorCode::Auth => VG_AUTH,
            ErrorCode::PermissionDenied => VG_PERMISSION_DENIED,
            ErrorCode::InsufficientFunds => VG_INSUFFICIENT_FUNDS,
            ErrorCode::InvalidSender => VG_INVALID_SENDER,
            ErrorCode::InvalidText => VG_INVALID_TEXT,
            ErrorCode::InvalidRequest => VG_INVALID_REQUEST,
            ErrorCode::RateLimited => VG_RATE_LIMITED,
            ErrorCode::ProviderError => VG_PROVIDER_ERROR,
            ErrorCode::Transport => VG_TRANSPORT,
            ErrorCode::Timeout => VG_TIMEOUT,
            ErrorCode::Decode => VG_DECODE,
            ErrorCode::Internal => VG_INTERNAL,
            // `ErrorCode` is non-exhaustive for Rust users; a code added to the core without
            // its `vg_code` fails `table_tests::vg_code_is_the_core_s_list` before it ships.
            _ => VG_INTERNAL,
        }
    }
}

/// An error: code, message and the full JSON. Made by the library, freed with `vg_error_free`.
pub struct vg_error {
    pub(crate) error: Error,
    message: CString,
}

impl vg_error {
    pub(crate) fn new(error: Error) -> Self {
        let message = CString::new(error.to_string().replace('\0', "")).unwrap_or_default();
        vg_error { error, message }
    }
}

/// The error's code; `VG_OK` for NULL.
#[no_mangle]
pub extern "C" fn vg_error_code(err: *const vg_error) -> vg_code {
    guard(vg_code::VG_INTERNAL, || {
        // SAFETY: NULL or an error made by this library and not yet freed.
        unsafe { err.as_ref() }.map_or(vg_code::VG_OK, |e| e.error.code().into())
    })
}

/// The error's message, e.g. `auth (smsclub): SMS Club refused the credentials (HTTP 401)`.
/// An error about an argument names the function and the argument first, then the field at
/// fault: `vg_send: message_json: unknown field "txt" (did you mean "text"?)`.
/// Borrowed: valid until `vg_error_free(err)`; do not free it. NULL for NULL.
#[no_mangle]
pub extern "C" fn vg_error_message(err: *const vg_error) -> *const c_char {
    guard(std::ptr::null(), || {
        // SAFETY: as in `vg_error_code`.
        unsafe { err.as_ref() }.map_or(std::ptr::null(), |e| e.message.as_ptr())
    })
}

/// The error as JSON: `{"code","message","provider","http_status","provider_code","field",
/// "retry_after_ms","body","rejected"}` (absent keys omitted). A new string: free it with
/// `vg_string_free`. NULL for NULL.
#[no_mangle]
pub extern "C" fn vg_error_json(err: *const vg_error) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        // SAFETY: as in `vg_error_code`.
        unsafe { err.as_ref() }.map_or(std::ptr::null_mut(), |e| owned(e.error.to_json()))
    })
}

/// Frees an error. NULL is ignored.
#[no_mangle]
pub extern "C" fn vg_error_free(err: *mut vg_error) {
    guard((), || {
        if !err.is_null() {
            // SAFETY: made by `Box::into_raw` in this library, freed once (documented contract).
            drop(unsafe { Box::from_raw(err) });
        }
    })
}
