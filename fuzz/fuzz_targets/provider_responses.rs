#![no_main]
// Every provider's answer parser, on any status and body.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[1], data[2]]) % 600;
    vibergate_core::fuzzing::parse_response(data[0], status, &data[3..]);
});
