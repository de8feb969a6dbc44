//! Behaviour over real HTTP against a scripted loopback server: chunking, fan-out, the unhappy
//! paths (timeouts, dropped connections, garbage, 5xx on one chunk), retries that never resend a
//! send, and credentials that never reach a URL or a log line.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{form_pairs, Reply, Server};
use serde_json::{json, Value};
use vibergate_core::{Client, ErrorCode, Message, RejectReason};

fn smsclub(server: &Server, options: &str) -> Client {
    Client::from_dsn(&format!(
        "smsclub://SECRET-TOKEN@default?base_url={}&rate_limit=0&sender=Shop{options}",
        server.base_url
    ))
    .unwrap()
}

/// Answers an SMS Club send with an id for every phone, numbering them from the phone.
fn echo_smsclub(r: &common::Recorded) -> Reply {
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    let messages: Vec<Value> = body["phones"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!({"number": p, "id": format!("id-{}", p.as_str().unwrap())}))
        .collect();
    Reply::json(
        200,
        &json!({"successfulRequest": {"requestData": {"messages": messages}}}).to_string(),
    )
}

fn phones(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("38098{:07}", i)).collect()
}

#[test]
fn smsclub_send_is_chunked_by_500_and_keeps_order() {
    let server = Server::with_handler(echo_smsclub);
    let to = phones(1001);
    let report = smsclub(&server, "")
        .send(&Message::to(to.clone()).text("Hi"))
        .unwrap();
    let sizes: Vec<usize> = server
        .requests()
        .iter()
        .map(|r| {
            serde_json::from_slice::<Value>(&r.body).unwrap()["phones"]
                .as_array()
                .unwrap()
                .len()
        })
        .collect();
    let mut sorted = sizes.clone();
    sorted.sort();
    assert_eq!(sorted, [1, 500, 500]);
    assert_eq!(report.requests, 3);
    let accepted: Vec<&str> = report.accepted.iter().map(|a| a.phone.as_str()).collect();
    assert_eq!(accepted, to.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(report
        .accepted
        .iter()
        .all(|a| a.message_id.as_deref() == Some(&format!("id-{}", a.phone))));
}

#[test]
fn a_5xx_on_one_chunk_keeps_the_other_chunks_ids_and_is_uncertain_not_resent() {
    let server = Server::with_handler(|r| {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        if body["phones"][0] == "380980000500" {
            Reply::json(503, "{}")
        } else {
            echo_smsclub(r)
        }
    });
    let to = phones(1200);
    let report = smsclub(&server, "&max_retries=3")
        .send(&Message::to(to).text("Hi"))
        .unwrap();
    assert_eq!(
        server.requests().len(),
        3,
        "a send that got a 5xx is never re-sent"
    );
    assert_eq!(report.accepted.len(), 700);
    // A 5xx may come after the provider acted on the chunk: uncertain, never rejected.
    assert_eq!(report.uncertain.len(), 500);
    assert!(report.rejected.is_empty());
    assert!(report
        .uncertain
        .iter()
        .all(|u| u.detail.starts_with("provider_error")));
}

#[test]
fn a_send_that_times_out_is_uncertain_and_sent_once() {
    let server = Server::with_handler(|_| {
        Reply::Delay(
            Duration::from_millis(1500),
            Box::new(Reply::json(200, "{}")),
        )
    });
    let report = smsclub(&server, "&timeout_ms=300&max_retries=3")
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(server.requests().len(), 1);
    assert!(report.accepted.is_empty());
    assert_eq!(report.uncertain.len(), 1);
    assert!(
        report.uncertain[0].detail.starts_with("timeout"),
        "{}",
        report.uncertain[0].detail
    );
}

#[test]
fn a_dropped_connection_after_the_request_is_uncertain_and_sent_once() {
    let server = Server::with_handler(|_| Reply::Drop);
    let report = smsclub(&server, "&max_retries=3")
        .send(&Message::to(["380989361121", "380989361122"]).text("Hi"))
        .unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(report.uncertain.len(), 2);
}

#[test]
fn a_truncated_answer_to_a_send_is_uncertain() {
    let server = Server::with_handler(|_| Reply::Truncated {
        status: 200,
        body: br#"{"successfulRequest":{"req"#.to_vec(),
    });
    let report = smsclub(&server, "")
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(server.requests().len(), 1);
    assert_eq!(report.uncertain.len(), 1);
}

#[test]
fn a_malformed_success_answer_to_a_send_is_uncertain_not_lost() {
    let server = Server::with_handler(|_| Reply::json(200, "<html>oops</html>"));
    let report = smsclub(&server, "")
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(report.uncertain.len(), 1);
    assert!(report.uncertain[0].detail.starts_with("decode"));
}

#[test]
fn a_malformed_answer_to_a_read_is_a_decode_error() {
    let server = Server::with_handler(|_| Reply::json(200, "{\"successfulRequest\":"));
    let err = smsclub(&server, "").status(&["1"]).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Decode);
    assert!(err
        .body
        .as_deref()
        .unwrap()
        .starts_with("{\"successfulRequest\""));
}

#[test]
fn reads_retry_on_5xx_and_succeed() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let server = Server::with_handler(move |_| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Reply::json(502, "bad gateway")
        } else {
            Reply::json(
                200,
                r#"{"successfulRequest":{"requestData":{"7":{"status":"Delivered"}}}}"#,
            )
        }
    });
    let states = smsclub(&server, "").status(&["7"]).unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(states[0].state, vibergate_core::DeliveryState::Delivered);
}

#[test]
fn sends_retry_on_429_honouring_retry_after() {
    let calls = Arc::new(Mutex::new(0));
    let c = calls.clone();
    let server = Server::with_handler(move |r| {
        let mut n = c.lock().unwrap();
        *n += 1;
        if *n == 1 {
            Reply::Http {
                status: 429,
                headers: vec![("Retry-After".into(), "0".into())],
                body: Vec::new(),
            }
        } else {
            echo_smsclub(r)
        }
    });
    let report = smsclub(&server, "")
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap();
    assert_eq!(server.requests().len(), 2);
    assert_eq!(report.requests, 2);
    assert_eq!(report.accepted.len(), 1);
}

#[test]
fn retries_stop_at_max_retries() {
    let server = Server::with_handler(|_| Reply::Http {
        status: 429,
        headers: vec![("Retry-After".into(), "0".into())],
        body: Vec::new(),
    });
    let err = smsclub(&server, "&max_retries=2")
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap_err();
    assert_eq!(server.requests().len(), 3);
    assert_eq!(err.code(), ErrorCode::RateLimited);
    assert_eq!(err.retry_after_ms, Some(0));
    assert_eq!(err.rejected.len(), 1);
}

#[test]
fn connection_refused_is_a_transport_error() {
    // Bind then drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = Client::from_dsn(&format!(
        "smsclub://T@default?base_url=http://127.0.0.1:{port}&max_retries=1&sender=S"
    ))
    .unwrap();
    let err = client
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport);
    assert_eq!(
        err.rejected[0].reason,
        RejectReason::Request(ErrorCode::Transport)
    );
}

#[test]
fn decisiontelecom_fans_out_one_request_per_recipient_in_order() {
    let server = Server::with_handler(|r| {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        let n = body["destination_addr"].as_u64().unwrap();
        std::thread::sleep(Duration::from_millis(20 * (n % 3)));
        Reply::json(200, &format!(r#"{{"message_id":{}}}"#, n % 100_000))
    });
    let client = Client::from_dsn(&format!(
        "decisiontelecom://KEY@default?base_url={}&max_in_flight=4",
        server.base_url
    ))
    .unwrap();
    let to = phones(10);
    let report = client
        .send(&Message::to(to.clone()).sender("Shop").text("Hi"))
        .unwrap();
    assert_eq!(server.requests().len(), 10);
    let got: Vec<&str> = report.accepted.iter().map(|a| a.phone.as_str()).collect();
    assert_eq!(got, to.iter().map(String::as_str).collect::<Vec<_>>());
}

#[test]
fn intel_tele_credentials_travel_in_the_body_never_the_url() {
    let server = Server::with_handler(|_| {
        Reply::json(
            200,
            r#"{"reply":[{"status":"OK","number":"79123456789","message_id":"m"}]}"#,
        )
    });
    let client = Client::from_dsn(&format!(
        "inteltele://user:SECRET-KEY@default?base_url={}",
        server.base_url
    ))
    .unwrap();
    client
        .send(&Message::to(["79123456789"]).text("Hi"))
        .unwrap();
    let r = &server.requests()[0];
    assert!(r.query.is_empty());
    assert!(form_pairs(&r.body).contains(&("api_key".into(), "SECRET-KEY".into())));
}

#[test]
fn log_records_never_carry_credentials() {
    let server = Server::with_handler(|_| Reply::json(200, r#"{"status":"OK"}"#));
    let lines = Arc::new(Mutex::new(Vec::new()));
    let sink = lines.clone();
    let client = Client::from_dsn(&format!(
        "smsby://SECRET-TOKEN@default?base_url={}",
        server.base_url
    ))
    .unwrap()
    .with_log_hook(move |record| sink.lock().unwrap().push(format!("{record:?}")));
    client.confirm_mailing("42").unwrap();
    assert!(
        server.requests()[0].query.contains("SECRET-TOKEN"),
        "the token is in the query for this method"
    );
    let lines = lines.lock().unwrap();
    assert_eq!(lines.len(), 1);
    assert!(!lines[0].contains("SECRET-TOKEN"), "{}", lines[0]);
    assert!(lines[0].contains("token=***"), "{}", lines[0]);
}

#[test]
fn errors_and_debug_output_never_carry_credentials() {
    let server = Server::with_handler(|_| {
        Reply::json(401, r#"{"errorRequest":{"errors":{"auth":["bad token"]}}}"#)
    });
    let client = smsclub(&server, "");
    let err = client
        .send(&Message::to(["380989361121"]).text("Hi"))
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Auth);
    for text in [
        format!("{err}"),
        format!("{err:?}"),
        err.to_json(),
        format!("{client:?}"),
        client.to_dsn(),
        format!("{:?}", client.config()),
    ] {
        assert!(!text.contains("SECRET-TOKEN"), "{text}");
    }
    let port = server.base_url.rsplit(':').next().unwrap();
    assert_eq!(client.to_dsn(), format!("smsclub://***@default?base_url=http%3A%2F%2F127%2E0%2E0%2E1%3A{port}&sender=Shop&rate_limit=0"));
}

#[test]
fn a_large_answer_is_refused_not_buffered() {
    let server = Server::with_handler(|_| Reply::Http {
        status: 200,
        headers: vec![],
        body: vec![b' '; 9 * 1024 * 1024],
    });
    let err = smsclub(&server, "&max_retries=0")
        .status(&["1"])
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Decode);
}

#[test]
fn a_credential_echoed_by_the_provider_never_reaches_an_error() {
    let server = Server::with_handler(|_| {
        Reply::json(
            400,
            r#"{"error": "token SECRET-TOKEN is not valid for this method"}"#,
        )
    });
    let client = Client::from_dsn(&format!(
        "smsby://SECRET-TOKEN@default?base_url={}&sender=1",
        server.base_url
    ))
    .unwrap();
    let err = client
        .send(&Message::to(["375291234567"]).text("Hi"))
        .unwrap_err();
    let everything = format!("{err} {err:?} {}", err.to_json());
    assert!(!everything.contains("SECRET-TOKEN"), "{everything}");
    assert!(everything.contains("token *** is not valid"));
}

#[test]
fn sequential_requests_share_one_keep_alive_connection() {
    let server =
        Server::with_handler(|_| Reply::json(200, r#"{"successfulRequest":{"requestData":{}}}"#));
    let client = smsclub(&server, "&deadline_ms=60000");
    for _ in 0..10 {
        let _ = client.status(&["1"]);
    }
    let log = server.requests();
    assert_eq!(log.len(), 10);
    assert!(
        log.iter().all(|r| r.connection == 0),
        "one connection, reused: {:?}",
        log.iter().map(|r| r.connection).collect::<Vec<_>>()
    );
}

/// Issue 12, item 10: every way a request can fail to leave is `transport`, and only those.
mod failure_stages {
    use std::io::Read;
    use std::net::TcpListener;

    use vibergate_core::internals::reach::{Reach, Stage};
    use vibergate_core::internals::retry::Idempotency;
    use vibergate_core::internals::transport::{Body, HttpRequest, Transport};
    use vibergate_core::{Config, ErrorCode};

    fn transport(base_url: &str) -> Transport {
        let config = Config::from_dsn(&format!(
            "smsclub://SECRET-TOKEN@default?base_url={base_url}&max_retries=0&rate_limit=0&connect_timeout_ms=3000&timeout_ms=3000"
        ))
        .unwrap();
        Transport::new(&config).unwrap()
    }

    fn send(base_url: &str, body: Body) -> vibergate_core::internals::transport::Failure {
        let request = HttpRequest::post("/vibers/send", body, Idempotency::Send);
        transport(base_url)
            .execute(&request, None)
            .result
            .expect_err("the request must fail")
    }

    #[test]
    fn a_name_that_does_not_resolve_is_transport() {
        let f = send("https://vibergate-test.invalid", Body::Empty);
        assert_eq!(f.error.code(), ErrorCode::Transport, "{}", f.error);
        assert_eq!(f.reach, Reach::NotWritten(Stage::Lookup));
    }

    #[test]
    fn a_refused_connection_is_transport() {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let f = send(&format!("http://127.0.0.1:{port}"), Body::Empty);
        assert_eq!(f.error.code(), ErrorCode::Transport, "{}", f.error);
        assert_eq!(f.reach, Reach::NotWritten(Stage::Connect));
    }

    #[test]
    fn a_failed_tls_handshake_is_transport_and_says_how_to_use_http() {
        // A server that answers the ClientHello with plain text.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                let mut buf = [0u8; 512];
                let _ = stream.read(&mut buf);
                let _ = std::io::Write::write_all(
                    &mut stream,
                    b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n",
                );
            }
        });
        let f = send(&format!("https://127.0.0.1:{port}"), Body::Empty);
        assert_eq!(f.error.code(), ErrorCode::Transport, "{}", f.error);
        assert_eq!(f.reach, Reach::NotWritten(Stage::Tls));
        assert!(
            f.error.message.contains("allow_insecure_http"),
            "{}",
            f.error
        );
    }

    #[test]
    fn a_write_cut_before_the_request_was_complete_is_transport() {
        // The server closes without reading: a large request cannot be written whole.
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                drop(stream);
            }
        });
        let big = serde_json::json!({ "text": "x".repeat(32 * 1024 * 1024) });
        let f = send(&format!("http://127.0.0.1:{port}"), Body::Json(big));
        assert_eq!(f.error.code(), ErrorCode::Transport, "{}", f.error);
        assert_eq!(f.reach, Reach::NotWritten(Stage::Write));
    }

    #[test]
    fn a_connection_closed_after_the_whole_request_may_have_been_acted_on() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let mut stream = stream;
                // Read the whole (small) request, then close without an answer.
                let mut buf = [0u8; 4096];
                let _ = stream.read(&mut buf);
            }
        });
        let f = send(&format!("http://127.0.0.1:{port}"), Body::Empty);
        assert_eq!(f.error.code(), ErrorCode::Timeout, "{}", f.error);
        assert_eq!(f.reach, Reach::NoAnswer);
        assert!(f.may_have_acted());
    }
}

#[test]
fn waits_are_announced_to_the_log_hook() {
    use vibergate_core::WaitReason;
    let server = Server::scripted(vec![
        Reply::Http {
            status: 429,
            headers: vec![("Retry-After".into(), "1".into())],
            body: b"{}".to_vec(),
        },
        Reply::json(200, r#"{"successfulRequest":{"requestData":{}}}"#),
        Reply::json(200, r#"{"successfulRequest":{"requestData":{}}}"#),
    ]);
    let waits = Arc::new(Mutex::new(Vec::new()));
    let seen = waits.clone();
    let client = Client::from_dsn(&format!(
        "smsclub://SECRET-TOKEN@default?base_url={}&rate_limit=2",
        server.base_url
    ))
    .unwrap()
    .with_log_hook(move |r| {
        if let Some(w) = r.wait {
            seen.lock().unwrap().push((w.reason, r.attempt));
        }
    });
    let _ = client.status(&["1"]);
    let _ = client.status(&["2"]);
    let waits = waits.lock().unwrap().clone();
    assert!(
        waits.contains(&(WaitReason::RetryAfter, 2)),
        "the Retry-After wait before attempt 2: {waits:?}"
    );
    assert!(
        waits.iter().any(|(r, _)| *r == WaitReason::RateLimit),
        "a rate-limit wait: {waits:?}"
    );
}
