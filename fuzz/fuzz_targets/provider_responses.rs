#![no_main]
// Every provider's answer parser, on any status, body and response headers, and the transport's
// handling of the headers that steer it: `Retry-After` of every shape is clamped and never
// panics (SPEC §7), and a send is never retried once the provider may have acted on it.
//
// Input: [parser selector, status lo, status hi] ++ body, optionally followed by HEADERS_MARK and
// header lines (`Name: value`, one per `\n`); the first byte after the mark picks "now". Inputs
// without the mark (the older corpus) are a bare status and body.
use libfuzzer_sys::fuzz_target;
use vibergate_core::internals::reach::{Reach, Said};
use vibergate_core::internals::retry::{parse_retry_after, Idempotency, RetryPolicy, MAX_RETRY_AFTER_HEADER};

const HEADERS_MARK: &[u8] = b"\0VGH\0";

fn split_headers(data: &[u8]) -> (&[u8], Option<&[u8]>) {
    match data
        .windows(HEADERS_MARK.len())
        .position(|w| w == HEADERS_MARK)
    {
        Some(i) => (&data[..i], Some(&data[i + HEADERS_MARK.len()..])),
        None => (data, None),
    }
}

/// Header lines as (name, raw value).
fn header_lines(block: &[u8]) -> Vec<(String, &[u8])> {
    block
        .split(|b| *b == b'\n')
        .filter_map(|line| {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let colon = line.iter().position(|b| *b == b':')?;
            let name = String::from_utf8_lossy(&line[..colon])
                .trim()
                .to_ascii_lowercase();
            let mut value = &line[colon + 1..];
            while let [b' ' | b'\t', rest @ ..] = value {
                value = rest;
            }
            Some((name, value))
        })
        .collect()
}

fn now_for(selector: u8) -> i64 {
    let real = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    match selector % 6 {
        0 | 1 => real,
        2 => 0,
        3 => i64::MAX,
        4 => i64::MIN,
        _ => 784_111_777, // Sun, 06 Nov 1994 08:49:37 GMT
    }
}

/// The transport's `Retry-After` path: parsed (from the text ureq hands over), clamped, turned
/// into a wait and into an error's `retry_after_ms`.
fn retry_after(value: &[u8], now: i64) {
    // ureq gives header values only as visible ASCII text; parse anything anyway.
    let text = String::from_utf8_lossy(value);
    let Some(d) = parse_retry_after(&text, now) else {
        return;
    };
    assert!(
        d <= MAX_RETRY_AFTER_HEADER,
        "Retry-After {text:?} believed as {d:?}"
    );
    let _ = u64::try_from(d.as_millis()).unwrap_or(u64::MAX);
    let policy = RetryPolicy { max_retries: 10 };
    for retry in [1, 2, 11, u32::MAX] {
        assert!(policy.delay(retry, Some(d)) <= MAX_RETRY_AFTER_HEADER);
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let selector = data[0];
    let status = u16::from_le_bytes([data[1], data[2]]) % 1000;
    let (body, headers) = split_headers(&data[3..]);
    let headers = headers.unwrap_or(&[]);
    let now = now_for(headers.first().copied().unwrap_or(0));
    let lines = header_lines(headers.get(1..).unwrap_or(&[]));
    for (name, value) in &lines {
        if name == "retry-after" {
            retry_after(value, now);
        }
    }

    // The answer as the transport builds it, the parser of `selector`, and for a send parser's
    // refusal the reach and retry decisions (never retried once the provider may have acted).
    let headers: Vec<(&str, &[u8])> = lines.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    vibergate_core::fuzzing::parse_answer(selector, status, &headers, body, now);

    // The reach rule itself, for every thing a body can say at this status.
    let policy = RetryPolicy { max_retries: 3 };
    for said in [Said::Unknown, Said::Refused, Said::Failed] {
        let reach = Reach::Answered { status, said };
        for attempt in 1..=4 {
            let again = policy.should_retry(Idempotency::Send, reach, attempt);
            assert!(!(again && reach.may_have_acted()), "send retried after {status}");
            let _ = policy.should_retry(Idempotency::Read, reach, attempt);
        }
    }
});
