#![no_main]
// parse_webhook for every provider, with any method, query and body; and the request's JSON form.
use libfuzzer_sys::fuzz_target;
use vibergate_core::{parse_webhook, WebhookRequest};

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let provider = vibergate_core::fuzzing::provider(data[0]);
    let rest = &data[2..];
    let split = usize::from(data[1]).min(rest.len());
    let (query, body) = rest.split_at(split);
    let method = if data[1] % 2 == 0 { "GET" } else { "POST" };
    let request = WebhookRequest::new(method, &String::from_utf8_lossy(query), body.to_vec(), Some("application/x-www-form-urlencoded"));
    let _ = parse_webhook(provider, &request);
    let request = WebhookRequest::new("POST", "", body.to_vec(), Some("application/json"));
    let _ = parse_webhook(provider, &request);
    if let Ok(request) = serde_json_from(rest) {
        let _ = parse_webhook(provider, &request);
    }
});

fn serde_json_from(bytes: &[u8]) -> Result<WebhookRequest, serde_json::Error> {
    serde_json::from_slice(bytes)
}
