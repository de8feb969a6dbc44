//! A minimal loopback responder: answers every provider path at once with a documented success
//! body, keep-alive, so the benchmarks measure the clients, not the server. It runs on the
//! sandbox's server (`vibergate_core::sandbox::http`); only the answers live here.

use std::sync::Arc;

use vibergate_core::sandbox::http::{Delivery, Request, Response, Server};

/// The success body for a path (single recipient `380989361121` / DecisionTelecom id 429).
fn body_for(path: &str) -> &'static str {
    match path {
        "/vibers/send" => {
            r#"{"successfulRequest":{"requestData":{"messages":[{"number":"380989361121","id":"5769"}]}}}"#
        }
        "/vibers/status" => {
            r#"{"successfulRequest":{"requestData":{"5769":{"status":"Delivered","additionStatus":null,"smsStatus":null}}}}"#
        }
        "/v1/api/send-viber" => r#"{"message_id":429}"#,
        "/v1/api/receive-viber" => r#"{"message_id":429,"status":1}"#,
        "/im/send/" => {
            r#"{"reply":[{"status":"OK","cost":"0.2","number":"380989361121","message_id":"m1"}]}"#
        }
        _ => r#"{"status":"OK","result":{"message_id":8484}}"#,
    }
}

fn answer(request: Request) -> Delivery {
    let body = body_for(&request.path).as_bytes().to_vec();
    Delivery::Respond(Response::raw(200, "application/json", body))
}

/// Starts the responder on a free loopback port; it answers until the returned server is
/// dropped.
pub fn start() -> Server {
    match Server::start(0, Arc::new(answer)) {
        Ok(server) => server,
        Err(e) => {
            eprintln!("cannot start the responder on 127.0.0.1: {e}");
            std::process::exit(1);
        }
    }
}
