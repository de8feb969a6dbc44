//! Failover across providers from C.

use std::ffi::c_char;

use vibergate_core::api::TargetKind;
use vibergate_core::{ErrorCode, Router};

use crate::boundary::{about, call, guard, text};
use crate::error::vg_error;
use crate::ops::{on_router, parse_text, routed_ids_call};

/// Several clients in order of preference. Thread-safe.
pub struct vg_router {
    pub(crate) router: Router,
}

/// Creates a router from DSNs joined by `||` (`"smsclub://…@default || decisiontelecom://…@default"`).
/// Free it with `vg_router_free`.
#[no_mangle]
pub extern "C" fn vg_router_new(
    dsn_chain: *const c_char,
    err: *mut *mut vg_error,
) -> *mut vg_router {
    call(err, std::ptr::null_mut(), || {
        let chain = text(
            dsn_chain,
            "vg_router_new",
            "dsn_chain",
            ErrorCode::InvalidConfig,
        )?;
        let router =
            Router::from_dsn(chain).map_err(|e| about("vg_router_new", "dsn_chain", &e))?;
        Ok(Box::into_raw(Box::new(vg_router { router })))
    })
}

/// Frees a router. NULL is ignored.
#[no_mangle]
pub extern "C" fn vg_router_free(router: *mut vg_router) {
    guard((), || {
        if !router.is_null() {
            // SAFETY: made by `vg_router_new`, freed once (documented contract).
            drop(unsafe { Box::from_raw(router) });
        }
    })
}

/// Sends a message through the first provider that can certainly take each recipient. Returns
/// `{"accepted":[{…,"provider"}],"rejected":[…],"uncertain":[…],"attempts":[…],"requests"}`; a
/// total failure is an error whose JSON carries every attempt.
#[no_mangle]
pub extern "C" fn vg_router_send(
    router: *const vg_router,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    on_router("vg_router_send", router, err, || {
        parse_text(
            TargetKind::Router,
            "vg_router_send",
            "send",
            "message_json",
            message_json,
        )
    })
}

/// `vg_send_personalized` with failover.
#[no_mangle]
pub extern "C" fn vg_router_send_personalized(
    router: *const vg_router,
    message_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    on_router("vg_router_send_personalized", router, err, || {
        parse_text(
            TargetKind::Router,
            "vg_router_send_personalized",
            "send_personalized",
            "message_json",
            message_json,
        )
    })
}

/// Delivery states of routed ids: a JSON array of `{"provider","message_id"}` (the `accepted`
/// entries of a routed report will do). Each provider is asked about its own ids.
#[no_mangle]
pub extern "C" fn vg_router_status(
    router: *const vg_router,
    ids_json: *const c_char,
    err: *mut *mut vg_error,
) -> *mut c_char {
    on_router("vg_router_status", router, err, || {
        routed_ids_call("vg_router_status", ids_json)
    })
}

/// Ends every cool-down of the router's providers.
#[no_mangle]
pub extern "C" fn vg_router_reset_cooldowns(router: *const vg_router) {
    guard((), || {
        // SAFETY: NULL or a router made by `vg_router_new` and not yet freed.
        if let Some(r) = unsafe { router.as_ref() } {
            r.router.reset_cooldowns();
        }
    })
}
