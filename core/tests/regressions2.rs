//! Regressions from the second hostile review (changes since 2968716): each test failed while its
//! finding stood; names say what used to go wrong.
#![allow(dead_code)]
mod common;

use common::{Reply, Server};
use vibergate_core::internals::phone::normalize;
use vibergate_core::{Client, Message};

const A: &str = "380636111112";
const B: &str = "380636111113";

/// R1: with a default country, digits that form a valid international number now win over the
/// national reading. Common national numbers typed without the trunk prefix (how Ukrainians
/// and Belarusians often write a mobile: `50 820 32 87`, `29 820 32 87`) go to another country.
#[test]
fn r1_national_number_without_trunk_prefix_goes_abroad() {
    let cases = [
        ("UA", "50 820 32 87", "380508203287"),
        ("UA", "95 123 45 67", "380951234567"),
        ("UA", "68 712 34 56", "380687123456"),
        ("UA", "98 212 34 56", "380982123456"),
        ("BY", "29 820 32 87", "375298203287"),
    ];
    let mut wrong = Vec::new();
    for (country, typed, meant) in cases {
        let got = normalize(typed, Some(country));
        println!("{country} {typed:?} -> {got:?} (the {country} reading: {meant})");
        // The meant number, or a refusal as ambiguous: never another country's number.
        let refused = got.as_ref().is_err_and(|why| why.starts_with("ambiguous"));
        if got.as_deref() != Ok(meant) && !refused {
            wrong.push(format!("{country} {typed:?} -> {got:?}"));
        }
    }
    assert!(wrong.is_empty(), "national numbers sent abroad: {wrong:?}");
}

fn inteltele(reply: Reply) -> (Server, Client) {
    let it = Server::scripted(vec![reply]);
    let c = Client::from_dsn(&format!(
        "inteltele://u:k@default?base_url={}&max_retries=0",
        it.base_url
    ))
    .unwrap();
    (it, c)
}

/// R2: an Intel-Tele entry for a carried number without an id and without an explicit
/// `error…` status ("queued", "accepted", no status at all) is `rejected`, although nothing in
/// it says the number was not sent.
#[test]
fn r2_inteltele_entry_without_error_word_is_rejected() {
    let mut wrong = Vec::new();
    for entry in [
        format!(r#"{{"number":"{A}","status":"queued"}}"#),
        format!(r#"{{"number":"{A}"}}"#),
        format!(r#"{{"number":"{A}","status":"accepted"}}"#),
    ] {
        let (_s, c) = inteltele(Reply::json(200, &format!(r#"{{"reply":[{entry}]}}"#)));
        let report = c.send(&Message::to([A]).text("Hi")).unwrap();
        println!(
            "{entry}: rejected={:?} uncertain={:?}",
            report.rejected, report.uncertain
        );
        if report.rejected.iter().any(|r| r.phone == A) {
            wrong.push(entry);
        }
    }
    assert!(wrong.is_empty(), "rejected without a refusal: {wrong:?}");
}

/// R3 (regression of this diff): a 5xx answer used to leave every carried number uncertain.
/// Now any `reply` entry with a `number` key makes the body authoritative whatever the status
/// line says, so a 500/502/503 whose body mentions a number turns it into `rejected`.
#[test]
fn r3_inteltele_5xx_with_a_numbered_entry_is_a_refusal() {
    let mut wrong = Vec::new();
    for status in [500u16, 502, 503] {
        let body = format!(
            r#"{{"reply":[{{"number":"{A}","status":"internal error, try later"}},{{"number":"{B}","status":"error: service unavailable"}}]}}"#
        );
        let (_s, c) = inteltele(Reply::json(status, &body));
        let report = c.send(&Message::to([A, B]).text("Hi"));
        println!("{status}: {report:?}");
        if let Ok(r) = &report {
            if !r.rejected.is_empty() {
                wrong.push((
                    status,
                    r.rejected
                        .iter()
                        .map(|r| r.phone.clone())
                        .collect::<Vec<_>>(),
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "5xx answers turned into per-number refusals: {wrong:?}"
    );
}

/// R4: `"number": null` counts as "numbered", so a whole-request error written with a null
/// number (`{"reply":[{"number":null,"status":"error: wrong api key"}]}`) is no longer an
/// auth error: the call succeeds with the recipient uncertain (it was rejected as auth before).
#[test]
fn r4_inteltele_null_number_hides_a_request_error() {
    let (_s, c) = inteltele(Reply::json(
        401,
        r#"{"reply":[{"number":null,"status":"error: wrong api key"}]}"#,
    ));
    let result = c.send(&Message::to([A]).text("Hi"));
    println!("{result:?}");
    assert!(
        result
            .as_ref()
            .is_err_and(|e| e.code() == vibergate_core::ErrorCode::Auth),
        "a refused API key is not an auth error: {result:?}"
    );
}

/// R5: an accepted entry whose number the provider wrote in another form (national
/// `0636111112`, or `00380…`) is dropped with its message id: the carried number becomes
/// uncertain and the id the provider issued is lost (SPEC 4: ids already issued are never lost).
#[test]
fn r5_accepted_entry_in_national_form_loses_its_id() {
    let (_s, c) = inteltele(Reply::json(
        200,
        r#"{"reply":[{"number":"0636111112","status":"OK","message_id":"777"}]}"#,
    ));
    let report = c.send(&Message::to([A]).text("Hi")).unwrap();
    println!("{report:?}");
    let kept = report.message_ids().contains(&"777")
        || report.uncertain.iter().any(|u| u.detail.contains("777"));
    assert!(kept, "message id 777 lost: {report:?}");
}

/// R6: a credential pasted as a key (the value of a pair lost its key: `{"provider":
/// "smsclub", "EAAB1x9kQ7token4SECRETz": "x"}`) is echoed in the error: any key of up to 64
/// ASCII letters/digits/underscores counts as a "plain name", and API tokens look exactly so.
#[test]
fn r6_a_token_used_as_a_key_is_echoed() {
    let secret = "EAAB1x9kQ7token4SECRETz";
    let e =
        vibergate_core::Config::from_json(&format!(r#"{{"provider":"smsclub","{secret}":"x"}}"#))
            .unwrap_err();
    println!("{} (field {:?})", e.message, e.field);
    assert!(!e.message.contains(secret), "secret echoed: {}", e.message);
}
