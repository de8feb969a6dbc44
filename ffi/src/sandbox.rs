//! The provider emulator, for tests and trying things out from C and PHP.

use std::ffi::c_char;

use vibergate_core::sandbox::{Fault, Sandbox, SandboxConfig};
use vibergate_core::{Error, ErrorCode};

use crate::boundary::{
    about, call, call_code, guard, handle, json, owned, provider_arg, text, to_json,
};
use crate::error::{vg_code, vg_error};

/// A running sandbox.
pub struct vg_sandbox {
    sandbox: Sandbox,
}

/// Starts the emulator on 127.0.0.1. `config_json` (NULL, empty or `null` for defaults):
/// `{"port":0,"step_ms":0,"smsclub_rate_limit":9,"inteltele_balance":100.0,…}`; a bad one is
/// `VG_INVALID_CONFIG`, a port that cannot be bound `VG_TRANSPORT`. Stop it with
/// `vg_sandbox_stop`.
#[no_mangle]
pub extern "C" fn vg_sandbox_start(
    config_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut vg_sandbox {
    call(err, std::ptr::null_mut(), || {
        let text = if config_json.is_null() {
            ""
        } else {
            text(
                config_json,
                "vg_sandbox_start",
                "config_json",
                ErrorCode::InvalidConfig,
            )?
        };
        let config = SandboxConfig::from_json(text).map_err(|e| {
            // The core calls the whole object "sandbox config"; here it is the argument.
            let e = match e.message.strip_prefix("sandbox config: ") {
                Some(rest) => Error::new(e.code(), rest).with_field(match e.field.as_deref() {
                    None | Some("config") => "config_json",
                    Some(path) => path,
                }),
                None => e,
            };
            about("vg_sandbox_start", "config_json", &e)
        })?;
        let sandbox = Sandbox::start(config)?;
        Ok(Box::into_raw(Box::new(vg_sandbox { sandbox })))
    })
}

/// `http://127.0.0.1:PORT`. Free with `vg_string_free`; NULL for NULL.
#[no_mangle]
pub extern "C" fn vg_sandbox_base_url(sandbox: *const vg_sandbox) -> *mut c_char {
    guard(std::ptr::null_mut(), || {
        // SAFETY: NULL or a sandbox made by `vg_sandbox_start` and not yet stopped.
        unsafe { sandbox.as_ref() }.map_or(std::ptr::null_mut(), |s| owned(s.sandbox.base_url()))
    })
}

/// A DSN for `provider` pointing at the sandbox. Free with `vg_string_free`.
#[no_mangle]
pub extern "C" fn vg_sandbox_dsn(
    sandbox: *const vg_sandbox,
    provider: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        let s = handle(sandbox, "vg_sandbox_dsn", "sandbox")?;
        let provider = provider_arg(provider, "vg_sandbox_dsn")?;
        Ok(owned(s.sandbox.dsn(provider)))
    })
}

/// Every request the sandbox received, as a JSON array. Free with `vg_string_free`.
#[no_mangle]
pub extern "C" fn vg_sandbox_requests(
    sandbox: *const vg_sandbox,
    err: *mut *mut vg_error,
) -> *mut c_char {
    call(err, std::ptr::null_mut(), || {
        to_json(
            &handle(sandbox, "vg_sandbox_requests", "sandbox")?
                .sandbox
                .requests(),
        )
    })
}

/// Queues a fault, e.g. `{"provider":"smsclub","count":1,"kind":"status","status":503}`.
/// Returns `VG_OK`, or the error's code (`VG_INVALID_MESSAGE` for a bad fault,
/// `VG_INVALID_CONFIG` for a NULL sandbox).
#[no_mangle]
pub extern "C" fn vg_sandbox_inject(
    sandbox: *const vg_sandbox,
    fault_json: *const c_char,
    err: *mut *mut vg_error,
) -> vg_code {
    call_code(err, || {
        let s = handle(sandbox, "vg_sandbox_inject", "sandbox")?;
        s.sandbox.inject(json::<Fault>(
            fault_json,
            "vg_sandbox_inject",
            "fault_json",
        )?);
        Ok(())
    })
}

/// Stops the sandbox and frees it. NULL is ignored.
#[no_mangle]
pub extern "C" fn vg_sandbox_stop(sandbox: *mut vg_sandbox) {
    guard((), || {
        if !sandbox.is_null() {
            // SAFETY: made by `vg_sandbox_start`, stopped once (documented contract).
            drop(unsafe { Box::from_raw(sandbox) });
        }
    })
}
