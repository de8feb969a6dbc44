#![no_main]
// The C ABI's JSON entry points with arbitrary bytes: a typed error or a result, never a crash.
use std::ffi::CString;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use vibergate::error::{vg_error, vg_error_free};
use vibergate::*;

struct Client(*mut vibergate::vg_client);
// SAFETY: a vg_client is thread-safe (documented); the pointer is never freed.
unsafe impl Send for Client {}
unsafe impl Sync for Client {}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        // Nothing listens on port 1: a message that passes validation fails fast with `transport`.
        let dsn = CString::new("decisiontelecom://k@default?base_url=http://127.0.0.1:1&sender=S&max_retries=0").unwrap();
        Client(vg_client_new(dsn.as_ptr(), std::ptr::null_mut()))
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = CString::new(data.iter().copied().filter(|b| *b != 0).collect::<Vec<u8>>()) else { return };
    let c = client().0;
    let calls: [&dyn Fn(*mut *mut vg_error) -> *mut std::ffi::c_char; 6] = [
        &|err| vg_send(c, text.as_ptr(), err),
        &|err| vg_status(c, text.as_ptr(), err),
        &|err| vg_inbound(c, text.as_ptr(), err),
        &|err| vg_send_personalized(c, text.as_ptr(), err),
        &|err| vg_parse_webhook(c"inteltele".as_ptr(), text.as_ptr(), err),
        &|err| vg_sms_info(text.as_ptr(), err),
    ];
    for call in calls {
        let mut err = std::ptr::null_mut();
        let out = call(&mut err);
        // Exactly one of a result and an error.
        assert!(out.is_null() != err.is_null());
        vg_string_free(out);
        vg_error_free(err);
    }
    let mut err = std::ptr::null_mut();
    let made = vg_client_new(text.as_ptr(), &mut err);
    vg_client_free(made);
    vg_error_free(err);
});
