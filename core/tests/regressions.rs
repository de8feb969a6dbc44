//! Regressions from the hostile review of the exactly-once work (issue 12): each test failed
//! while its finding stood. Names say what used to go wrong.
#![allow(dead_code)]
mod common;

use common::{form_pairs, Reply, Server};
use vibergate_core::{Client, Message, PersonalizedItem, PersonalizedMessage, Router};

const A: &str = "380636111112";
const B: &str = "380636111113";

fn smsclub_ok() -> Server {
    Server::with_handler(|r| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        let msgs: Vec<serde_json::Value> = body["phones"]
            .as_array()
            .cloned()
            .unwrap_or_default()
            .iter()
            .enumerate()
            .map(|(i, p)| serde_json::json!({"id": 9000 + i, "number": p}))
            .collect();
        Reply::json(
            200,
            &serde_json::json!({"successfulRequest":{"requestData":{"messages":msgs}}}).to_string(),
        )
    })
}

/// F1: an Intel-Tele answer that mentions a number of *another* request of the same call
/// (per-item requests of send_personalized) puts that number in two buckets, and the Router
/// then sends it again through the next provider although Intel-Tele accepted it.
#[test]
fn f1_foreign_number_in_an_answer_moves_an_accepted_recipient_to_the_next_provider() {
    let it = Server::with_handler(|r| {
        let to = form_pairs(&r.body)
            .into_iter()
            .find(|(k, _)| k == "to")
            .map(|(_, v)| v)
            .unwrap_or_default();
        if to == A {
            Reply::json(
                200,
                &format!(r#"{{"reply":[{{"number":"{A}","status":"OK","message_id":"111"}}]}}"#),
            )
        } else {
            // B is accepted; the answer also (wrongly) says A has no route.
            Reply::json(
                200,
                &format!(
                    r#"{{"reply":[{{"number":"{B}","status":"OK","message_id":"222"}},{{"number":"{A}","status":"error: no route to country"}}]}}"#
                ),
            )
        }
    });
    let sc = smsclub_ok();
    let router = Router::from_dsn(&format!(
        "inteltele://u:k@default?base_url={}&max_in_flight=1 || smsclub://t@default?base_url={}&sender=S&rate_limit=0",
        it.base_url, sc.base_url
    ))
    .unwrap();
    let message = PersonalizedMessage {
        items: vec![
            PersonalizedItem {
                to: A.into(),
                text: "a".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: B.into(),
                text: "b".into(),
                button_url: None,
            },
        ],
        ..Default::default()
    };
    let report = router.send_personalized(&message).unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let smsclub_phones: Vec<String> = sc
        .requests()
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    println!("SMS Club received: {smsclub_phones:?}");
    assert!(
        sc.requests().is_empty(),
        "A was accepted by Intel-Tele (id 111) and sent again through SMS Club"
    );
}

/// F1b: the same through a plain Client: A ends in two buckets.
#[test]
fn f1b_client_report_has_a_recipient_in_two_buckets() {
    let it = Server::with_handler(|r| {
        let to = form_pairs(&r.body)
            .into_iter()
            .find(|(k, _)| k == "to")
            .map(|(_, v)| v)
            .unwrap_or_default();
        if to == A {
            Reply::json(
                200,
                &format!(r#"{{"reply":[{{"number":"{A}","status":"OK","message_id":"111"}}]}}"#),
            )
        } else {
            Reply::json(
                200,
                &format!(
                    r#"{{"reply":[{{"number":"{B}","status":"OK","message_id":"222"}},{{"number":"{A}","status":"error: no route to country"}}]}}"#
                ),
            )
        }
    });
    let client = Client::from_dsn(&format!(
        "inteltele://u:k@default?base_url={}&max_in_flight=1",
        it.base_url
    ))
    .unwrap();
    let message = PersonalizedMessage {
        items: vec![
            PersonalizedItem {
                to: A.into(),
                text: "a".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: B.into(),
                text: "b".into(),
                button_url: None,
            },
        ],
        ..Default::default()
    };
    let report = client.send_personalized(&message).unwrap();
    let buckets = report.accepted.iter().filter(|a| a.phone == A).count()
        + report.rejected.iter().filter(|r| r.phone == A).count()
        + report.uncertain.iter().filter(|u| u.phone == A).count();
    println!("{report:?}");
    assert_eq!(buckets, 1, "A is in {buckets} buckets");
}

// ---------------------------------------------------------------------------------------------
// F2: a call's timeout budget that runs out between the last byte of the request and ureq's
// first read is classified NotWritten(Write) (wire.rs marks Written only inside await_input,
// and ureq's Connection::maybe_await_input fails a zero budget *before* calling it). The send
// is then retried (a second complete request) or reported rejected although it was sent.
// A CONNECT proxy that answers late lets a hostile network path pick the moment.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

// ---------------------------------------------------------------------------------------------

/// F3: Intel-Tele accepts A (with an id) and then adds an entry without `number` saying
/// "low balance" (ran out mid-request). The whole answer becomes a request-level
/// insufficient_funds refusal: A's id is lost, A is reported rejected, and the Router sends
/// A (and B) again through the next provider.
#[test]
fn f3_inteltele_partial_success_with_a_numberless_error_entry_is_a_refusal() {
    let it = Server::scripted(vec![Reply::json(
        200,
        &format!(
            r#"{{"reply":[{{"number":"{A}","status":"OK","message_id":"111"}},{{"status":"error: low balance"}}]}}"#
        ),
    )]);
    let sc = smsclub_ok();
    let router = Router::from_dsn(&format!(
        "inteltele://u:k@default?base_url={} || smsclub://t@default?base_url={}&sender=S&rate_limit=0",
        it.base_url, sc.base_url
    ))
    .unwrap();
    let report = router.send(&Message::to([A, B]).text("Hi")).unwrap();
    println!("{}", serde_json::to_string_pretty(&report).unwrap());
    let ids: Vec<_> = report.message_ids();
    assert!(
        ids.iter().any(|(_, id)| id == "111"),
        "Intel-Tele's id 111 for A is lost: {ids:?}"
    );
    assert!(
        sc.requests()
            .iter()
            .all(|r| !String::from_utf8_lossy(&r.body).contains(A)),
        "A, accepted by Intel-Tele, was sent again through SMS Club"
    );
}

/// F4: an Intel-Tele per-number entry that carries a message_id but a status other than
/// "OK" (missing, "queued", "sent") is `rejected` and its id dropped.
#[test]
fn f4_inteltele_entry_with_an_id_but_no_ok_status_is_rejected_and_its_id_dropped() {
    for status in [r#""#, r#","status":"queued""#, r#","status":"OK: queued""#] {
        let it = Server::scripted(vec![Reply::json(
            200,
            &format!(r#"{{"reply":[{{"number":"{A}","message_id":"111"{status}}}]}}"#),
        )]);
        let client =
            Client::from_dsn(&format!("inteltele://u:k@default?base_url={}", it.base_url)).unwrap();
        let report = client.send(&Message::to([A]).text("Hi")).unwrap();
        println!("{status}: {report:?}");
        assert!(
            report.message_ids().contains(&"111") || report.uncertain.iter().any(|u| u.phone == A),
            "status {status:?}: id 111 dropped and A reported rejected: {:?}",
            report.rejected
        );
    }
}

/// F5: SMS.by answers a quick message with `{"status":"OK","result":{"message_id":…},"error":null}`
/// (a null error key is common in PHP APIs). The send is `rejected invalid_request`, the id lost.
#[test]
fn f5_smsby_success_with_null_error_key_is_a_refusal() {
    let sb = Server::scripted(vec![Reply::json(
        200,
        r#"{"status":"OK","result":{"message_id":777},"error":null}"#,
    )]);
    let client = Client::from_dsn(&format!(
        "smsby://TOK@default?base_url={}&sender=123",
        sb.base_url
    ))
    .unwrap();
    let outcome = client.send(&Message::to([A]).text("Hi"));
    println!("{outcome:?}");
    let report = outcome.expect("SMS.by issued message_id 777: the report must carry it");
    assert_eq!(report.message_ids(), vec!["777"]);
}

/// F6: SMS Club's own "system error" (HTTP 465) on a send is uncertain only when its JSON
/// body can be read; with an empty or non-JSON body the same status is a `rejected`
/// invalid_request (a refusal), so a caller re-sends what SMS Club may have sent.
#[test]
fn f6_smsclub_465_without_a_readable_body_is_rejected() {
    for body in ["", "Internal error", r#"{"errorRequest":"#] {
        let sc = Server::scripted(vec![Reply::Http {
            status: 465,
            headers: vec![],
            body: body.as_bytes().to_vec(),
        }]);
        let client = Client::from_dsn(&format!(
            "smsclub://t@default?base_url={}&sender=S&rate_limit=0",
            sc.base_url
        ))
        .unwrap();
        let outcome = client.send(&Message::to([A]).text("Hi"));
        println!("body {body:?}: {outcome:?}");
        let uncertain = matches!(&outcome, Ok(r) if r.uncertain.iter().any(|u| u.phone == A));
        assert!(uncertain, "465 with body {body:?} must leave A uncertain");
    }
}

/// F7: an SMS Club chat reply (chat_id) whose request may have been acted on (502, timeout,
/// unreadable 200) is an Err (provider_error / timeout / decode): there is no uncertain bucket
/// for it, so the caller cannot tell "maybe sent" from "failed" and retries.
#[test]
fn f7_smsclub_chat_reply_that_may_have_been_sent_is_an_error() {
    for reply in [Reply::json(502, "{}"), Reply::json(200, "not json")] {
        let sc = Server::scripted(vec![reply.clone()]);
        let client = Client::from_dsn(&format!(
            "smsclub://t@default?base_url={}&sender=S&rate_limit=0",
            sc.base_url
        ))
        .unwrap();
        let outcome = client.send(&Message::default().chat_id("42").text("reply"));
        println!("{reply:?} -> {outcome:?}");
        assert_eq!(sc.requests().len(), 1);
        assert!(
            outcome.is_ok(),
            "the chat reply may have been sent, but send() returned {:?}",
            outcome.err().map(|e| e.code())
        );
    }
}

/// F10 (exploration): the canonical form the SDK reports (E.164 digits without '+') is not
/// stable: fed back through a client with a default_country it may become another number.
#[test]
fn f10_canonical_form_round_trip() {
    use vibergate_core::internals::phone;
    let countries = ["UA", "BY", "DE", "IT", "AT", "GB", "US", "PL"];
    let mut rng: u64 = 0x9e3779b97f4a7c15;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let mut changed = Vec::new();
    let mut panics = 0;
    for _ in 0..20000 {
        let len = 6 + (next() % 10) as usize;
        let digits: String = (0..len)
            .map(|i| {
                let d = next() % 10;
                char::from(b'0' + if i == 0 && d == 0 { 1 } else { d as u8 })
            })
            .collect();
        for c in countries {
            let r = std::panic::catch_unwind(|| phone::normalize(&digits, Some(c)));
            let Ok(Ok(first)) = r else {
                if r.is_err() {
                    panics += 1
                };
                continue;
            };
            // What a report says, fed back to the same client.
            if let Ok(again) = phone::normalize(&first, Some(c)) {
                if again != first && changed.len() < 10 {
                    changed.push(format!("{c}: {digits} -> {first} -> {again}"));
                }
            }
        }
    }
    for c in &changed {
        println!("{c}");
    }
    assert_eq!(panics, 0);
    assert!(
        changed.is_empty(),
        "normalising a normalised number changes it"
    );
}

/// F8: Router::with_cooldown(Duration::MAX) ("never try this provider again") panics with
/// `Instant + Duration` overflow at the first account failure, after the provider already
/// accepted other recipients: the ids of the whole routed call are lost.
#[test]
fn f8_huge_cooldown_panics_after_ids_were_issued() {
    let it = Server::scripted(vec![Reply::json(
        200,
        &format!(
            r#"{{"reply":[{{"number":"{A}","status":"OK","message_id":"111"}},{{"number":"{B}","status":"error: low balance"}}]}}"#
        ),
    )]);
    let sc = smsclub_ok();
    let router = Router::from_dsn(&format!(
        "inteltele://u:k@default?base_url={} || smsclub://t@default?base_url={}&sender=S&rate_limit=0",
        it.base_url, sc.base_url
    ))
    .unwrap()
    .with_cooldown(Duration::MAX);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        router.send(&Message::to([A, B]).text("Hi"))
    }));
    match &outcome {
        Ok(r) => println!("ok: {:?}", r.as_ref().map(|r| r.message_ids())),
        Err(p) => println!(
            "PANIC: {:?}",
            p.downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or(p.downcast_ref::<String>().cloned())
        ),
    }
    assert!(
        outcome.is_ok(),
        "Router::send panicked; Intel-Tele's id 111 for A is lost"
    );
}

/// F11: fanout::map_ordered spawns its workers with `std::thread::Scope::spawn`, which panics
/// when the OS refuses a thread. The workers already started keep sending; the panic then
/// unwinds out of `send` and every id of the call is lost. Run by /tmp/rv/f11.sh (needs an
/// external server and a thread limit); skipped otherwise.
#[test]
fn f11_thread_spawn_failure_in_fanout_loses_every_id() {
    let Ok(url) = std::env::var("REVIEW_F11_URL") else {
        return;
    };
    let client = Client::from_dsn(&format!(
        "decisiontelecom://KEY@default?base_url={url}&sender=Shop&max_in_flight=64&max_retries=0"
    ))
    .unwrap();
    let to: Vec<String> = (0..64)
        .map(|i| format!("38063{:07}", 2_000_000 + i))
        .collect();
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        client.send(&Message::to(to.clone()).text("Hi"))
    }));
    match &outcome {
        Ok(Ok(r)) => println!(
            "report: accepted {} uncertain {} rejected {}",
            r.accepted.len(),
            r.uncertain.len(),
            r.rejected.len()
        ),
        Ok(Err(e)) => println!("error: {} {}", e.code(), e.message),
        Err(p) => println!(
            "PANIC out of Client::send: {:?}",
            p.downcast_ref::<String>()
                .cloned()
                .or(p.downcast_ref::<&str>().map(|s| s.to_string()))
        ),
    }
    assert!(
        matches!(outcome, Ok(Ok(_))),
        "send panicked: the ids the server issued are lost"
    );
}

/// F12: bytes that arrive with a CONNECT proxy's "200" (a pre-sent answer from the target, or
/// the proxy's own) sit in ureq's input buffer; ureq then never calls `await_input` for the
/// response, so wire.rs never marks the request Written. An unreadable answer after the full
/// request was sent is classified NotWritten(Write): the send is retried and reaches the
/// provider twice.
#[test]
fn f12_bytes_after_connect_200_make_a_sent_request_look_unwritten() {
    let backend = Server::with_handler(|r| {
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
        Reply::json(
            200,
            &format!(r#"{{"message_id":{}}}"#, body["destination_addr"]),
        )
    });
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for (n, stream) in listener.incoming().enumerate() {
            let Ok(mut client) = stream else { break };
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let target = String::from_utf8_lossy(&head)
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("")
                    .to_owned();
                let Ok(upstream) = TcpStream::connect(&target) else {
                    return;
                };
                // The first tunnel carries stray bytes right behind the 200.
                let reply: &[u8] = if n == 0 {
                    b"HTTP/1.1 200 Connection established\r\n\r\n\x00\x01garbage\r\n\r\n"
                } else {
                    b"HTTP/1.1 200 Connection established\r\n\r\n"
                };
                if client.write_all(reply).is_err() {
                    return;
                }
                let (mut c2, mut u2) = (client.try_clone().unwrap(), upstream.try_clone().unwrap());
                std::thread::spawn(move || {
                    let _ = std::io::copy(&mut c2, &mut u2);
                });
                let (mut u, mut c) = (upstream, client);
                let _ = std::io::copy(&mut u, &mut c);
                let _ = c.shutdown(std::net::Shutdown::Both);
            });
        }
    });
    let log: Arc<std::sync::Mutex<Vec<String>>> = Arc::default();
    let sink = log.clone();
    let client = Client::from_dsn(&format!(
        "decisiontelecom://KEY@default?base_url={}&proxy={proxy}&sender=Shop&max_retries=2",
        backend.base_url
    ))
    .unwrap()
    .with_log_hook(move |r| {
        sink.lock().unwrap().push(format!(
            "attempt {}: status {:?} error {:?}",
            r.attempt, r.status, r.error
        ))
    });
    let report = client.send(&Message::to([A]).text("Hi"));
    println!("{report:?}\n{:#?}", log.lock().unwrap());
    let received = backend.requests().len();
    // The stray bytes make the answer unreadable: the request may have been acted on, so it
    // is uncertain and never sent again.
    assert!(
        received <= 1,
        "the provider received the send {received} times"
    );
    let report = report.unwrap();
    assert_eq!(report.uncertain.len(), 1, "{report:?}");
}

/// F14: an answer whose status line refuses (403) but whose body is the provider's success,
/// with message ids: Reach has no "the body says it acted", so the ids are dropped, the
/// recipients rejected `auth`, and the Router sends them again elsewhere.
#[test]
fn f14_ids_in_a_4xx_answer_are_dropped_and_the_router_resends() {
    let it = Server::scripted(vec![Reply::json(
        403,
        &format!(
            r#"{{"reply":[{{"number":"{A}","status":"OK","message_id":"111"}},{{"number":"{B}","status":"OK","message_id":"112"}}]}}"#
        ),
    )]);
    let sc = smsclub_ok();
    let router = Router::from_dsn(&format!(
        "inteltele://u:k@default?base_url={} || smsclub://t@default?base_url={}&sender=S&rate_limit=0",
        it.base_url, sc.base_url
    ))
    .unwrap();
    let report = router.send(&Message::to([A, B]).text("Hi")).unwrap();
    println!(
        "ids: {:?}; SMS Club requests: {}",
        report.message_ids(),
        sc.requests().len()
    );
    assert!(
        sc.requests().is_empty(),
        "Intel-Tele issued ids 111/112, yet A and B were sent again through SMS Club"
    );
}

/// F10b: the same on the wire. A German shop (default_country=DE) sends to numbers stored in
/// the form vibergate itself reports (E.164 digits without '+', as SPEC §3 and the examples
/// write them). German mobile 4915112345678 goes out as 494915112345678; an Italian shop
/// (IT) sending to the Ukrainian 380636111112 of SPEC's examples reaches +39 380 636 1111 2.
#[test]
fn f10b_default_country_rewrites_full_international_numbers_on_the_wire() {
    for (country, number) in [("DE", "4915112345678"), ("IT", "380636111112")] {
        let sc = smsclub_ok();
        let client = Client::from_dsn(&format!(
            "smsclub://t@default?base_url={}&sender=S&rate_limit=0&default_country={country}",
            sc.base_url
        ))
        .unwrap();
        // Either the number goes out as written, or (when it also reads as a national number
        // of the default country) it is refused as ambiguous: it is never rewritten.
        match client.send(&Message::to([number]).text("Hi")) {
            Ok(report) => {
                let body: serde_json::Value =
                    serde_json::from_slice(&sc.requests()[0].body).unwrap();
                assert_eq!(
                    body["phones"][0], number,
                    "default_country={country} changed the recipient"
                );
                assert_eq!(report.accepted[0].phone, number);
            }
            Err(e) => {
                assert!(sc.requests().is_empty());
                assert!(e.rejected[0].detail.starts_with("ambiguous"), "{e:?}");
            }
        }
    }
}

/// Exploration: random webhook bodies and queries never panic.
#[test]
fn x_webhook_random_inputs_do_not_panic() {
    use vibergate_core::{parse_webhook, ProviderId, WebhookRequest};
    let mut rng: u64 = 0x1234_5678_9abc_def1;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        rng
    };
    let pieces: &[&str] = &[
        "{",
        "}",
        "[",
        "]",
        "\"",
        ":",
        ",",
        "message_id",
        "status",
        "time",
        "message",
        "text",
        "tracking_data",
        "tracking_id:",
        "phone_number",
        "uuid",
        "success",
        "OK",
        "msgid",
        "datetime",
        "9999-12-31 23:59:60",
        "31-12-99999999999999999 25:00:00",
        "01-02-9223372036854775807 00:00:00Z",
        "+14:00",
        "-99:99",
        "1e999",
        "-0",
        "18446744073709551616",
        "\\u0000",
        "\\ud800",
        "é",
        "😀",
        "2024-02-30T10:00:00+0300",
        "0000-01-01 00:00:00",
        "=",
        "&",
        "%",
        "%zz",
        "+",
        " ",
        "null",
        "true",
        "DELIVERED",
        "[{\"message_id\":1,\"status\":\"x\"}]",
    ];
    let mut panics = Vec::new();
    for i in 0..30000 {
        let n = 1 + (next() % 14) as usize;
        let body: String = (0..n)
            .map(|_| pieces[(next() as usize) % pieces.len()])
            .collect();
        let query: String = (0..(next() % 6))
            .map(|_| pieces[(next() as usize) % pieces.len()])
            .collect();
        for p in [
            ProviderId::DecisionTelecom,
            ProviderId::IntelTele,
            ProviderId::SmsBy,
        ] {
            let ct = if i % 2 == 0 {
                Some("application/json")
            } else {
                Some("application/x-www-form-urlencoded")
            };
            let req = WebhookRequest::new(
                if i % 3 == 0 { "GET" } else { "POST" },
                &query,
                body.clone(),
                ct,
            );
            if std::panic::catch_unwind(|| parse_webhook(p, &req)).is_err() {
                panics.push(format!("{p}: query {query:?} body {body:?}"));
            }
        }
    }
    for p in panics.iter().take(5) {
        println!("{p}");
    }
    assert!(panics.is_empty(), "{} panics", panics.len());
}

/// F15 (low): signing a callback_url that has a fragment puts vg_token inside the fragment,
/// which browsers and HTTP clients never send: every callback of that send fails
/// verification (fail closed, but the feature silently breaks).
#[test]
fn f15_vg_token_lands_in_the_fragment() {
    let signed = vibergate_core::internals::signing::sign_callback_url(
        "https://shop.example/hook#dlr",
        "s3cret",
    );
    println!("{signed}");
    let (_, fragment) = signed.split_once('#').unwrap();
    assert!(
        !fragment.contains("vg_token"),
        "the token is in the fragment: {signed}"
    );
}
