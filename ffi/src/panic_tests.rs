//! Every export of the header runs inside the panic boundary: a panic inside any of them
//! returns its failure value (and `VG_INTERNAL` where there is an `err`) instead of unwinding
//! into C, which would abort the process. The list is checked against `include/vibergate.h`,
//! so a new export without a case here fails the test.

use std::collections::BTreeSet;
use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use crate::boundary::test_hooks::{arm, fired};
use crate::error::*;
use crate::ops::*;
use crate::router::*;
use crate::sandbox::*;
use crate::*;

/// The functions the header declares.
fn exported() -> BTreeSet<String> {
    include_str!("../../include/vibergate.h")
        .lines()
        .filter(|line| !line.trim_start().starts_with(['*', '/', '#']))
        .flat_map(|line| {
            line.match_indices("vg_").filter_map(move |(at, _)| {
                let name: String = line[at..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                line[at + name.len()..].starts_with('(').then_some(name)
            })
        })
        .collect()
}

/// What a panicking call must leave behind.
struct Panics {
    tested: BTreeSet<String>,
}

impl Panics {
    /// `name` returned `fallback_ok` and reported `VG_INTERNAL` through `err`.
    fn with_err(&mut self, name: &str, f: impl FnOnce(*mut *mut vg_error) -> bool) {
        let mut err: *mut vg_error = null_mut();
        arm();
        let failed = f(&mut err);
        assert!(fired(), "{name} did not enter the panic boundary");
        assert!(failed, "{name}: a panic did not return the failure value");
        assert_eq!(vg_error_code(err), vg_code::VG_INTERNAL, "{name}");
        // SAFETY: the message of an error made by this library.
        let message = unsafe { CStr::from_ptr(vg_error_message(err)) }.to_string_lossy();
        assert!(
            message.contains("panicked") && !message.contains("SECRET"),
            "{name}: {message}"
        );
        vg_error_free(err);
        self.tested.insert(name.to_owned());
    }

    /// `name`, which has no `err`, returned its failure value.
    fn without_err(&mut self, name: &str, f: impl FnOnce() -> bool) {
        arm();
        let failed = f();
        assert!(fired(), "{name} did not enter the panic boundary");
        assert!(failed, "{name}: a panic did not return the failure value");
        self.tested.insert(name.to_owned());
    }
}

fn c(s: &CStr) -> *const c_char {
    s.as_ptr()
}

#[test]
fn a_panic_inside_any_export_is_caught() {
    let mut err: *mut vg_error = null_mut();
    let client = vg_client_new(c(c"smsclub://SECRET@default?sender=Shop"), &mut err);
    assert!(!client.is_null());
    let router = vg_router_new(
        c(c"smsclub://SECRET@default || inteltele://u:k@default"),
        &mut err,
    );
    assert!(!router.is_null());
    let sandbox = vg_sandbox_start(null(), &mut err);
    assert!(!sandbox.is_null());
    let msg = c(c"{\"to\":[\"380989361121\"],\"text\":\"Hi\"}");
    let ids = c(c"[\"1\"]");
    let id = c(c"1");

    let mut p = Panics {
        tested: BTreeSet::new(),
    };
    p.with_err("vg_client_new", |e| {
        vg_client_new(c(c"smsclub://SECRET@default"), e).is_null()
    });
    p.with_err("vg_client_dsn", |e| vg_client_dsn(client, e).is_null());
    p.with_err("vg_send", |e| vg_send(client, msg, e).is_null());
    p.with_err("vg_send_personalized", |e| {
        vg_send_personalized(client, msg, e).is_null()
    });
    p.with_err("vg_status", |e| vg_status(client, ids, e).is_null());
    p.with_err("vg_status_batch", |e| {
        vg_status_batch(client, id, e).is_null()
    });
    p.with_err("vg_balance", |e| vg_balance(client, e).is_null());
    p.with_err("vg_rates", |e| vg_rates(client, e).is_null());
    p.with_err("vg_chats", |e| vg_chats(client, 1, e).is_null());
    p.with_err("vg_chat", |e| vg_chat(client, id, 1, e).is_null());
    p.with_err("vg_inbound", |e| vg_inbound(client, null(), e).is_null());
    p.with_err("vg_capabilities", |e| vg_capabilities(client, e).is_null());
    p.with_err("vg_send_to_list", |e| {
        vg_send_to_list(client, msg, e).is_null()
    });
    p.with_err("vg_confirm_mailing", |e| {
        vg_confirm_mailing(client, id, e).is_null()
    });
    p.with_err("vg_mailings", |e| vg_mailings(client, 0, 10, e).is_null());
    p.with_err("vg_mailing", |e| vg_mailing(client, id, e).is_null());
    p.with_err("vg_delivery_list", |e| {
        vg_delivery_list(client, id, e).is_null()
    });
    p.with_err("vg_mark_inbound_read", |e| {
        vg_mark_inbound_read(client, ids, e).is_null()
    });
    p.with_err("vg_call", |e| {
        vg_call(client, c(c"capabilities"), null(), e).is_null()
    });
    p.with_err("vg_router_call", |e| {
        vg_router_call(router, c(c"send"), msg, e).is_null()
    });
    p.with_err("vg_tables", |e| vg_tables(e).is_null());
    p.with_err("vg_sms_info", |e| vg_sms_info(c(c"Hi"), e).is_null());
    p.with_err("vg_parse_webhook", |e| {
        vg_parse_webhook(
            c(c"inteltele"),
            c(c"{\"query\":\"msgid=1&status=delivrd\"}"),
            e,
        )
        .is_null()
    });
    p.with_err("vg_router_new", |e| {
        vg_router_new(c(c"smsclub://SECRET@default"), e).is_null()
    });
    p.with_err("vg_router_send", |e| {
        vg_router_send(router, msg, e).is_null()
    });
    p.with_err("vg_router_send_personalized", |e| {
        vg_router_send_personalized(router, msg, e).is_null()
    });
    p.with_err("vg_router_status", |e| {
        vg_router_status(router, ids, e).is_null()
    });
    p.with_err("vg_sandbox_start", |e| {
        vg_sandbox_start(null(), e).is_null()
    });
    p.with_err("vg_sandbox_dsn", |e| {
        vg_sandbox_dsn(sandbox, c(c"smsclub"), e).is_null()
    });
    p.with_err("vg_sandbox_requests", |e| {
        vg_sandbox_requests(sandbox, e).is_null()
    });
    p.with_err("vg_sandbox_inject", |e| {
        let fault = c(c"{\"kind\":\"empty\"}");
        vg_sandbox_inject(sandbox, fault, e) == vg_code::VG_INTERNAL
    });

    // No `err`: the failure value is all there is. A panicking `_free` leaks what it was given
    // (and the test runs on, which it could not if the panic had unwound into `extern "C"`).
    p.without_err("vg_version", || {
        // SAFETY: a static string of this library.
        unsafe { CStr::from_ptr(vg_version()) }.is_empty()
    });
    let mut error: *mut vg_error = null_mut();
    assert!(vg_client_new(c(c"nonsense"), &mut error).is_null());
    p.without_err("vg_error_code", || {
        vg_error_code(error) == vg_code::VG_INTERNAL
    });
    p.without_err("vg_error_message", || vg_error_message(error).is_null());
    p.without_err("vg_error_json", || vg_error_json(error).is_null());
    p.without_err("vg_error_free", || {
        vg_error_free(error);
        true
    });
    vg_error_free(error);
    let base = vg_sandbox_base_url(sandbox);
    p.without_err("vg_sandbox_base_url", || {
        vg_sandbox_base_url(sandbox).is_null()
    });
    p.without_err("vg_string_free", || {
        vg_string_free(base);
        true
    });
    vg_string_free(base);
    p.without_err("vg_router_reset_cooldowns", || {
        vg_router_reset_cooldowns(router);
        true
    });
    p.without_err("vg_router_free", || {
        vg_router_free(router);
        true
    });
    vg_router_free(router);
    p.without_err("vg_client_free", || {
        vg_client_free(client);
        true
    });
    vg_client_free(client);
    p.without_err("vg_sandbox_stop", || {
        vg_sandbox_stop(sandbox);
        true
    });
    vg_sandbox_stop(sandbox);

    let missing: Vec<_> = exported().difference(&p.tested).cloned().collect();
    assert!(
        missing.is_empty(),
        "exports without a panic test: {missing:?}"
    );
    let unknown: Vec<_> = p.tested.difference(&exported()).cloned().collect();
    assert!(
        unknown.is_empty(),
        "tested but not in the header: {unknown:?}"
    );
}
