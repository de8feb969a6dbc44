//! Entry points for the fuzz targets in `fuzz/` (cargo feature `fuzzing`): every parser of
//! untrusted input, reachable without a network.

use crate::config::ProviderId;
use crate::providers::{decisiontelecom, inteltele, smsby, smsclub};
use crate::transport::HttpResponse;

/// Runs the answer parser chosen by `selector` on `body` with HTTP `status`. Parsers must
/// return a value or an error for any input, never panic.
pub fn parse_response(selector: u8, status: u16, body: &[u8]) {
    let response = HttpResponse::new(status, body.to_vec());
    let phones = ["380989361121".to_owned(), "380989361122".to_owned()];
    let ids = ["5769".to_owned(), "5770".to_owned()];
    match selector % 16 {
        0 => drop(smsclub::parse_send(&response, &phones)),
        1 => drop(smsclub::parse_status(&response, &ids)),
        2 => drop(smsclub::parse_chats(&response)),
        3 => drop(smsclub::parse_chat(&response, "1")),
        4 => drop(decisiontelecom::parse_send(&response, &phones[..1])),
        5 => drop(decisiontelecom::parse_status(&response, "429")),
        6 => drop(inteltele::parse_send(&response, &phones)),
        7 => drop(inteltele::parse_status(&response, &ids)),
        8 => drop(inteltele::parse_rates(&response)),
        9 => drop(inteltele::parse_amount(&response, "balance")),
        10 => drop(smsby::parse_quick(&response, &phones[..1])),
        11 => drop(smsby::parse_bulk(&response, &phones)),
        12 => drop(smsby::parse_status_batch(&response, "uuid", 180)),
        13 => drop(smsby::parse_mailings(&response)),
        14 => drop(smsby::parse_inbound(&response)),
        _ => drop(smsby::parse_delivery_list(&response, 180)),
    }
}

/// The provider a selector byte names.
pub fn provider(selector: u8) -> ProviderId {
    ProviderId::ALL[usize::from(selector) % ProviderId::ALL.len()]
}
