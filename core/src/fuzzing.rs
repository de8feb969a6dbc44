//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`): every parser of
//! untrusted input, reachable without a network.

use crate::config::ProviderId;
use crate::providers::{self, decisiontelecom, inteltele, smsby, smsclub};
use crate::reach::Reach;
use crate::retry::{self, Idempotency, RetryPolicy};
use crate::transport::HttpResponse;

/// Runs the answer parser chosen by `selector` on `body` with HTTP `status`. Parsers must
/// return a value or an error for any input, never panic.
pub fn parse_response(selector: u8, status: u16, body: &[u8]) {
    parse_answer(selector, status, &[], body, crate::time::now_unix());
}

/// The answer as the transport builds it from what came back (`headers` as raw bytes; ureq hands
/// over only visible-ASCII values as text), then the parser `selector` names, then for a send
/// parser's refusal the reach and retry decisions: a send is never retried once the provider
/// may have acted, and `Retry-After` is clamped whatever it says.
pub fn parse_answer(
    selector: u8,
    status: u16,
    headers: &[(&str, &[u8])],
    body: &[u8],
    now_unix: i64,
) {
    let header = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .and_then(|(_, v)| std::str::from_utf8(v).ok())
            .filter(|v| v.bytes().all(|b| b == b'\t' || (0x20..0x7f).contains(&b)))
    };
    let response = HttpResponse::from_parts(
        status,
        header("content-type").map(str::to_owned),
        header("retry-after"),
        now_unix,
        body.to_vec(),
    );
    if let Some(after) = response.retry_after {
        assert!(
            after <= retry::MAX_RETRY_AFTER_HEADER,
            "Retry-After believed as {after:?}"
        );
    }
    let _ = providers::retry_after_ms(&response);
    let phones = ["380989361121".to_owned(), "380989361122".to_owned()];
    let ids = ["5769".to_owned(), "5770".to_owned()];
    let send = match selector % 16 {
        0 => Some(smsclub::parse_send(&response, &phones)),
        1 => {
            drop(smsclub::parse_status(&response, &ids));
            None
        }
        2 => {
            drop(smsclub::parse_chats(&response));
            None
        }
        3 => {
            drop(smsclub::parse_chat(&response, "1"));
            None
        }
        4 => Some(decisiontelecom::parse_send(&response, &phones[..1])),
        5 => {
            drop(decisiontelecom::parse_status(&response, "429"));
            None
        }
        6 => Some(inteltele::parse_send(&response, &phones)),
        7 => {
            drop(inteltele::parse_status(&response, &ids));
            None
        }
        8 => {
            drop(inteltele::parse_rates(&response));
            None
        }
        9 => {
            drop(inteltele::parse_amount(&response, "balance"));
            None
        }
        10 => Some(smsby::parse_quick(&response, &phones[..1])),
        11 => Some(smsby::parse_bulk(&response, &phones)),
        12 => {
            drop(smsby::parse_status_batch(&response, "uuid", 180));
            None
        }
        13 => {
            drop(smsby::parse_mailings(&response));
            None
        }
        14 => {
            drop(smsby::parse_inbound(&response));
            None
        }
        _ => {
            drop(smsby::parse_delivery_list(&response, 180));
            None
        }
    };
    if let Some(Err(error)) = send {
        let reach = Reach::Answered {
            status,
            said: providers::said_by(&error),
        };
        let policy = RetryPolicy { max_retries: 3 };
        for attempt in 1..=4 {
            let again = policy.should_retry(Idempotency::Send, reach, attempt);
            assert!(
                !(again && reach.may_have_acted()),
                "a send retried after HTTP {status} ({})",
                error.code()
            );
            if again {
                let _ = policy.delay(attempt, response.retry_after);
            }
        }
    }
}

/// The provider a selector byte names.
pub fn provider(selector: u8) -> ProviderId {
    ProviderId::ALL[usize::from(selector) % ProviderId::ALL.len()]
}
