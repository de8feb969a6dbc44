//! The C ABI against the core's tables: the header's version, a typed export for every
//! operation, `vg_code`'s values, and `vg_call` naming its errors. (tests/c/test_vibergate.c
//! checks the same from C, through `dlsym` and `vg_tables()`.)

use std::ffi::{c_char, CStr};
use std::ptr::{null, null_mut};

use serde_json::Value;
use vibergate_core::api::{TargetKind, OPERATIONS};
use vibergate_core::ErrorCode;

use crate::error::*;
use crate::ops::{vg_call, vg_router_call, vg_tables};
use crate::router::*;
use crate::*;

const HEADER: &str = include_str!("../../include/vibergate.h");

/// Takes a string the library returned.
fn take(s: *mut c_char) -> String {
    assert!(!s.is_null());
    // SAFETY: a string this library just returned.
    let text = unsafe { CStr::from_ptr(s) }.to_string_lossy().into_owned();
    vg_string_free(s);
    text
}

/// Takes an error the library returned: its code and JSON.
fn take_error(err: *mut vg_error) -> (vg_code, Value) {
    assert!(!err.is_null());
    let code = vg_error_code(err);
    let json = serde_json::from_str(&take(vg_error_json(err))).unwrap();
    vg_error_free(err);
    (code, json)
}

#[test]
fn the_header_s_version_is_the_crate_s() {
    let line = HEADER
        .lines()
        .find(|l| l.starts_with("#define VIBERGATE_VERSION "))
        .expect("the header defines VIBERGATE_VERSION");
    assert_eq!(
        line,
        format!(
            "#define VIBERGATE_VERSION \"{}\"",
            env!("CARGO_PKG_VERSION")
        ),
        "set the version in ffi/cbindgen.toml (after_includes) and run `make header`"
    );
    // SAFETY: a static string of this library.
    let version = unsafe { CStr::from_ptr(vg_version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
}

#[test]
fn every_operation_has_a_typed_export_in_the_header() {
    let declared = |name: &str| HEADER.contains(&format!(" *{name}("));
    for row in OPERATIONS {
        for kind in row.on {
            let name = match kind {
                TargetKind::Client => format!("vg_{}", row.name),
                TargetKind::Router => format!("vg_router_{}", row.name),
            };
            assert!(
                declared(&name),
                "{name} is missing for the operation {:?}",
                row.name
            );
        }
    }
    for generic in ["vg_call", "vg_router_call", "vg_tables"] {
        assert!(declared(generic), "{generic}");
    }
}

#[test]
fn vg_code_values_follow_the_core_s_error_codes() {
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        assert_eq!(vg_code::from(*code) as usize, i + 1, "{code:?}");
    }
    assert_eq!(std::mem::size_of::<vg_code>(), 4);
    let tables: Value = serde_json::from_str(&take(vg_tables(null_mut()))).unwrap();
    let names: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(tables["error_codes"], serde_json::json!(names));
    assert_eq!(
        tables["operations"].as_array().map(Vec::len),
        Some(OPERATIONS.len())
    );
}

fn c(s: &CStr) -> *const c_char {
    s.as_ptr()
}

#[test]
fn vg_call_names_the_operation_and_the_arguments() {
    let client = vg_client_new(c(c"smsclub://t@default?sender=Shop"), null_mut());
    let router = vg_router_new(
        c(c"smsclub://t@default || inteltele://u:k@default"),
        null_mut(),
    );
    assert!(!client.is_null() && !router.is_null());

    let mut err = null_mut();
    assert!(vg_call(client, c(c"sned"), null(), &mut err).is_null());
    let (code, json) = take_error(err);
    assert_eq!(code, vg_code::VG_UNSUPPORTED);
    assert_eq!(json["field"], "operation");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.starts_with("vg_call: operation: no operation \"sned\" (did you mean \"send\"?)"),
        "{message}"
    );

    let mut err = null_mut();
    assert!(vg_router_call(router, c(c"balance"), c(c""), &mut err).is_null());
    let (code, json) = take_error(err);
    assert_eq!(code, vg_code::VG_UNSUPPORTED);
    assert_eq!(json["field"], "operation");

    let mut err = null_mut();
    let args = c(c"{\"to\":[\"380989361121\"],\"txt\":\"Hi\"}");
    assert!(vg_call(client, c(c"send"), args, &mut err).is_null());
    let (code, json) = take_error(err);
    assert_eq!(code, vg_code::VG_INVALID_MESSAGE);
    assert_eq!(
        json["message"],
        "vg_call: args_json: unknown field \"txt\" (did you mean \"text\"?)"
    );
    assert_eq!(json["field"], "txt");

    let mut err = null_mut();
    assert!(vg_call(client, c(c"chat"), c(c"{"), &mut err).is_null());
    let (_, json) = take_error(err);
    assert_eq!(json["field"], "args_json");

    let mut err = null_mut();
    assert!(vg_call(client, null(), null(), &mut err).is_null());
    let (code, json) = take_error(err);
    assert_eq!(code, vg_code::VG_INVALID_MESSAGE);
    assert_eq!(json["message"], "vg_call: operation is NULL");

    // Offline: what the provider supports, through the table and through the typed function.
    let by_name = take(vg_call(client, c(c"capabilities"), null(), null_mut()));
    let typed = take(vg_capabilities(client, null_mut()));
    assert_eq!(by_name, typed);

    vg_client_free(client);
    vg_router_free(router);
}

#[test]
fn typed_functions_name_their_own_arguments() {
    let client = vg_client_new(c(c"smsclub://t@default?sender=Shop"), null_mut());
    let mut err = null_mut();
    let message = c(c"{\"to\":[\"380989361121\"],\"sms_fallback\":{\"txt\":\"Hi\"}}");
    assert!(vg_send(client, message, &mut err).is_null());
    let (_, json) = take_error(err);
    assert_eq!(
        json["message"],
        "vg_send: message_json: unknown field \"txt\" in \"sms_fallback\" (did you mean \"text\"?)"
    );
    assert_eq!(json["field"], "sms_fallback.txt");

    // Unlike vg_call's optional arguments, a typed JSON argument must be a JSON document.
    for empty in [c(c""), c(c"null")] {
        let mut err = null_mut();
        assert!(vg_send(client, empty, &mut err).is_null());
        let (code, json) = take_error(err);
        assert_eq!(code, vg_code::VG_INVALID_MESSAGE);
        assert_eq!(json["field"], "message_json");
    }

    let mut err = null_mut();
    assert!(vg_status(client, c(c"[true]"), &mut err).is_null());
    let (_, json) = take_error(err);
    assert_eq!(
        json["message"],
        "vg_status: ids_json must be an array of strings or numbers"
    );
    assert_eq!(json["field"], "ids_json");

    let router = vg_router_new(c(c"smsclub://t@default"), null_mut());
    let mut err = null_mut();
    let ids = c(c"[{\"provider\":\"viber\",\"message_id\":\"1\"}]");
    assert!(vg_router_status(router, ids, &mut err).is_null());
    let (_, json) = take_error(err);
    assert_eq!(json["field"], "[0].provider");
    assert!(json["message"]
        .as_str()
        .unwrap()
        .starts_with("vg_router_status: ids_json: \"[0].provider\" must be one of"));
    vg_router_free(router);
    vg_client_free(client);
}

#[test]
fn an_unknown_provider_is_the_core_s_one_error() {
    let mut err = null_mut();
    assert!(vg_parse_webhook(c(c"smsclb"), c(c"{}"), &mut err).is_null());
    let (code, json) = take_error(err);
    assert_eq!(code, vg_code::VG_INVALID_MESSAGE);
    assert_eq!(json["field"], "provider");
    let message = json["message"].as_str().unwrap();
    assert!(
        message.starts_with(
            "vg_parse_webhook: unknown provider \"smsclb\" (did you mean \"smsclub\"?)"
        ),
        "{message}"
    );
}

#[test]
fn the_panic_error_is_the_core_s() {
    let e = crate::boundary::catch(|| -> Result<(), vibergate_core::Error> { panic!("x") })
        .unwrap_err();
    assert_eq!(e, vibergate_core::Error::from_panic());
}
