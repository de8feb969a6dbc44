#![no_main]
// DSNs and JSON configurations: an error for anything bad, never a panic, never an echoed secret.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = vibergate_core::Config::from_dsn(text) {
        // The credentials part of the redacted DSN is always the mask.
        let redacted = vibergate_core::internals::dsn::format_redacted(&config);
        let credentials = redacted.split_once("://").and_then(|(_, rest)| rest.split_once('@')).map(|(c, _)| c).unwrap_or("");
        assert!(credentials == "***" || credentials.ends_with(":***"), "credentials not masked: {redacted}");
        // And it parses back to the same provider.
        assert!(redacted.starts_with(config.provider.as_str()));
    }
    let _ = vibergate_core::Config::from_json(text);
});
