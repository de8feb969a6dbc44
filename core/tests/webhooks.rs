//! `parse_webhook` for every provider's callback, and bad input as errors, never panics.

use vibergate_core::{
    parse_webhook, DeliveryState, ErrorCode, EventKind, ProviderId, WebhookRequest,
};

fn post_json(body: &str) -> WebhookRequest {
    WebhookRequest::new("POST", "", body, Some("application/json"))
}

#[test]
fn decisiontelecom_inbound_two_way_message() {
    let body = r#"{"message_token": 44444444444444,"phone_number": "972512222222","time": 2121212121,"message": {"text": "a message to the service","tracking_data": "tracking_id:100035"}}"#;
    let events = parse_webhook(ProviderId::DecisionTelecom, &post_json(body)).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.kind, EventKind::Inbound);
    assert_eq!(e.phone.as_deref(), Some("972512222222"));
    assert_eq!(e.text.as_deref(), Some("a message to the service"));
    assert_eq!(e.tracking_data.as_deref(), Some("tracking_id:100035"));
    assert_eq!(e.message_id.as_deref(), Some("44444444444444"));
    assert_eq!(e.at.as_deref(), Some("2037-03-21T01:35:21Z"));
}

#[test]
fn decisiontelecom_status_callback() {
    let events = parse_webhook(
        ProviderId::DecisionTelecom,
        &post_json(
            r#"{"message_id":429,"status":1,"sms_message_id":36478,"sms_message_status":2}"#,
        ),
    )
    .unwrap();
    assert_eq!(events[0].kind, EventKind::Status);
    assert_eq!(events[0].state, Some(DeliveryState::Delivered));
    assert_eq!(events[0].sms_state, Some(DeliveryState::Delivered));
    assert_eq!(events[0].message_id.as_deref(), Some("429"));
}

#[test]
fn inteltele_status_by_get_and_post() {
    let get = WebhookRequest::new("GET", "msgid=f3e76f4e-d4e3-424b-b26b-c0ebc72892cd&status=delivrd&datetime=2024-01-02+03%3A04%3A05", "", None);
    let post = WebhookRequest::new(
        "POST",
        "",
        "msgid=abc&status=undeliv&datetime=2024-01-02 03:04:05",
        Some("application/x-www-form-urlencoded"),
    );
    let e = &parse_webhook(ProviderId::IntelTele, &get).unwrap()[0];
    assert_eq!(
        (e.message_id.as_deref(), e.state, e.at.as_deref()),
        (
            Some("f3e76f4e-d4e3-424b-b26b-c0ebc72892cd"),
            Some(DeliveryState::Delivered),
            Some("2024-01-02T03:04:05Z")
        )
    );
    let e = &parse_webhook(ProviderId::IntelTele, &post).unwrap()[0];
    assert_eq!(
        (e.message_id.as_deref(), e.state),
        (Some("abc"), Some(DeliveryState::Undeliverable))
    );
    let odd = WebhookRequest::new("GET", "msgid=x&status=whatever", "", None);
    assert_eq!(
        parse_webhook(ProviderId::IntelTele, &odd).unwrap()[0].state,
        Some(DeliveryState::Unknown)
    );
}

#[test]
fn smsby_callback_in_status_bulk_shape() {
    let body = r#"[{"message_id": 2, "name": "m", "alphaname_id": 345, "success": [{"delivery_id": 1003, "phone": "375293333333", "status": "DELIVERED", "status_time": "2024-10-16 22:52:44.793377"}]}, {"errors": ["m2: bad"]}]"#;
    let events = parse_webhook(ProviderId::SmsBy, &post_json(body)).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].message_id.as_deref(), Some("1003"));
    assert_eq!(events[0].state, Some(DeliveryState::Delivered));
    assert_eq!(events[0].phone.as_deref(), Some("375293333333"));
    let single = parse_webhook(
        ProviderId::SmsBy,
        &post_json(r#"{"delivery_id": 5, "status": "READ"}"#),
    )
    .unwrap();
    assert_eq!(single[0].state, Some(DeliveryState::Read));
}

/// decisiontelecom-viber-sms.md, 2-way callbacks: `"tracking_data": "tracking_id:100035"` with
/// "tracking_id: The id of the message to which the client is responding".
#[test]
fn decisiontelecom_inbound_names_the_replied_to_message() {
    let body = r#"{"message_token": 44444444444444,"phone_number": "972512222222","time": 2121212121,"message": {"text": "a message to the service","tracking_data": "tracking_id:100035"}}"#;
    let e = &parse_webhook(ProviderId::DecisionTelecom, &post_json(body)).unwrap()[0];
    assert_eq!(e.reply_to_message_id.as_deref(), Some("100035"));
    assert_eq!(e.tracking_data.as_deref(), Some("tracking_id:100035"));
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json["reply_to_message_id"], "100035");
    assert_eq!(json["kind"], "inbound");

    let reply_to = |tracking: &str| {
        let body = serde_json::json!({
            "message_token": 1, "phone_number": "972512222222", "time": 2121212121,
            "message": {"text": "x", "tracking_data": tracking}
        });
        parse_webhook(ProviderId::DecisionTelecom, &post_json(&body.to_string())).unwrap()[0]
            .reply_to_message_id
            .clone()
    };
    assert_eq!(reply_to(" tracking_id : 429 ").as_deref(), Some("429"));
    assert_eq!(reply_to("TRACKING_ID=429").as_deref(), Some("429"));
    assert_eq!(
        reply_to("campaign:7;tracking_id:429").as_deref(),
        Some("429")
    );
    // Not an id: the raw text stays in tracking_data, no replied-to id is made up.
    for odd in [
        "",
        "tracking_id:",
        "tracking_id:1 2",
        "something else",
        "tracking_id:ä",
        "tracking_idx:5",
    ] {
        assert_eq!(reply_to(odd), None, "{odd:?}");
    }
    assert_eq!(reply_to(&format!("tracking_id:{}", "9".repeat(65))), None);
    // An object form is read too.
    let body = r#"{"message_token": 1,"phone_number": "972512222222","message": {"text": "x","tracking_data": {"tracking_id": 100035}}}"#;
    let e = &parse_webhook(ProviderId::DecisionTelecom, &post_json(body)).unwrap()[0];
    assert_eq!(e.reply_to_message_id.as_deref(), Some("100035"));
}

/// decisiontelecom-viber-sms.md prints `"time": 2121212121` (unix seconds) and no other form:
/// the same digits as a string give the same timestamp; milliseconds (Viber's unit) too; a
/// date string with an offset is converted to UTC; one without an offset is kept as written.
#[test]
fn decisiontelecom_inbound_time_as_number_or_string() {
    let at = |time: serde_json::Value| {
        let body = serde_json::json!({
            "message_token": 1, "phone_number": "972512222222", "time": time,
            "message": {"text": "x", "tracking_data": "tracking_id:1"}
        });
        parse_webhook(ProviderId::DecisionTelecom, &post_json(&body.to_string())).unwrap()[0]
            .at
            .clone()
    };
    let want = Some("2037-03-21T01:35:21Z".to_owned());
    assert_eq!(at(serde_json::json!(2121212121)), want);
    assert_eq!(at(serde_json::json!("2121212121")), want);
    assert_eq!(at(serde_json::json!(" 2121212121 ")), want);
    assert_eq!(at(serde_json::json!(2121212121.75)), want);
    assert_eq!(at(serde_json::json!("2121212121000")), want);
    assert_eq!(at(serde_json::json!(2121212121000u64)), want);
    assert_eq!(
        at(serde_json::json!("2037-03-21T04:35:21+03:00")),
        want,
        "an explicit offset is honoured"
    );
    assert_eq!(at(serde_json::json!("2037-03-21 01:35:21Z")), want);
    assert_eq!(at(serde_json::json!("2037-03-20T22:35:21-0300")), want);
    // No zone: the provider's text, not a guess stamped `Z`.
    assert_eq!(
        at(serde_json::json!("2037-03-21 04:35:21")).as_deref(),
        Some("2037-03-21 04:35:21")
    );
    // Nonsense never panics and never becomes a made-up time.
    for odd in [
        serde_json::json!(-5),
        serde_json::json!(null),
        serde_json::json!(true),
        serde_json::json!({"t": 1}),
        serde_json::json!(1e300),
        serde_json::json!(u64::MAX),
        serde_json::json!("99999999999999999999999"),
        serde_json::json!("2037-13-21T01:35:21Z"),
        serde_json::json!("2037-03-21T01:35:21+99:00"),
    ] {
        let got = at(odd.clone());
        assert!(
            got.is_none() || got.as_deref() == odd.as_str().map(str::trim),
            "{odd}: {got:?}"
        );
    }
    assert_eq!(at(serde_json::json!("")), None);
}

/// smsby.txt, sendBulkViber: "callback_url … URL to which (if the parameter is set) the
/// response on the method operation in asynchronous mode will be sent", and that response is
/// `{"uuid": "cc9c8043-…", "success": "OK"}`.
#[test]
fn smsby_asynchronous_response_is_a_batch_accepted_event() {
    let body =
        "{\n    \"uuid\": \"cc9c8043-8caf-11ef-b035-9e8f47954dec\",\n    \"success\": \"OK\"\n}";
    let events = parse_webhook(ProviderId::SmsBy, &post_json(body)).unwrap();
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.kind, EventKind::BatchAccepted);
    assert_eq!(
        e.batch_id.as_deref(),
        Some("cc9c8043-8caf-11ef-b035-9e8f47954dec")
    );
    assert_eq!(e.message_id, None);
    assert_eq!(e.state, None);
    let json = serde_json::to_value(e).unwrap();
    assert_eq!(json["kind"], "batch_accepted");
    assert_eq!(e.kind.to_string(), "batch_accepted");
    for kind in [
        EventKind::Status,
        EventKind::Inbound,
        EventKind::BatchAccepted,
    ] {
        assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
    }
    assert_eq!(json["batch_id"], "cc9c8043-8caf-11ef-b035-9e8f47954dec");
    assert_eq!(json["provider"], "smsby");
    // The kind reads back from its JSON name.
    let back: vibergate_core::WebhookEvent = serde_json::from_value(json).unwrap();
    assert_eq!(&back, e);

    // Form-encoded, and without a content type.
    let form = WebhookRequest::new(
        "POST",
        "",
        "uuid=cc9c8043-8caf-11ef-b035-9e8f47954dec&success=OK",
        Some("application/x-www-form-urlencoded"),
    );
    let e = &parse_webhook(ProviderId::SmsBy, &form).unwrap()[0];
    assert_eq!(e.kind, EventKind::BatchAccepted);
    let bare = WebhookRequest::new("POST", "", r#"{"uuid":"u-1","success":"ok"}"#, None);
    assert_eq!(
        parse_webhook(ProviderId::SmsBy, &bare).unwrap()[0]
            .batch_id
            .as_deref(),
        Some("u-1")
    );

    // The shape without a uuid, or saying something else than OK, is not an accepted batch.
    for odd in [
        r#"{"success": "OK"}"#,
        r#"{"uuid": "", "success": "OK"}"#,
        r#"{"uuid": "u-1", "success": "FAIL"}"#,
        r#"{"uuid": "u-1"}"#,
        r#"{"uuid": {"a": 1}, "success": "OK"}"#,
        r#"{"uuid": "u-1", "success": "OK", "error": "x"}"#,
    ] {
        let err = parse_webhook(ProviderId::SmsBy, &post_json(odd)).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Decode, "{odd}");
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let bad: Vec<(ProviderId, WebhookRequest)> = vec![
        (ProviderId::DecisionTelecom, post_json("")),
        (ProviderId::DecisionTelecom, post_json("{not json")),
        (ProviderId::DecisionTelecom, post_json("[1,2]")),
        (
            ProviderId::DecisionTelecom,
            post_json(r#"{"hello":"world"}"#),
        ),
        (
            ProviderId::IntelTele,
            WebhookRequest::new("GET", "status=delivrd", "", None),
        ),
        (
            ProviderId::IntelTele,
            WebhookRequest::new("POST", "", "%%%", None),
        ),
        (ProviderId::SmsBy, post_json("{}")),
        (ProviderId::SmsBy, post_json("\u{0}\u{1}")),
    ];
    for (p, r) in bad {
        let err = parse_webhook(p, &r).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Decode, "{p}: {r:?}");
    }
    let err = parse_webhook(ProviderId::SmsClub, &post_json("{}")).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unsupported);
}
