#![no_main]
// DSNs and JSON configurations: an error for anything bad, never a panic, never an echoed secret.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = vibergate_core::Config::from_dsn(text) {
        let redacted = vibergate_core::dsn::format_redacted(&config);
        if let Some(token) = config.token.as_ref().filter(|t| t.expose().len() > 3) {
            assert!(!redacted.contains(token.expose()), "to_dsn leaked the token");
        }
    }
    let _ = vibergate_core::Config::from_json(text);
});
