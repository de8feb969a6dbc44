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
