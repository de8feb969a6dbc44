//! Client-side validation, configuration and DSN handling: every refusal happens before any
//! network I/O (the clients point at a port where nothing listens), with a typed error naming
//! the field.

use vibergate_core::{
    Button, Category, Client, Config, ErrorCode, Message, PersonalizedItem, PersonalizedMessage,
    ProviderId, SmsFallback,
};

/// A client whose base URL refuses connections: reaching the network would be a `transport` error.
fn offline(provider: &str) -> Client {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let creds = if provider == "inteltele" {
        "user:key"
    } else {
        "key"
    };
    Client::from_dsn(&format!(
        "{provider}://{creds}@default?base_url=http://127.0.0.1:{port}&max_retries=0"
    ))
    .unwrap()
}

fn refused(provider: &str, message: Message) -> (ErrorCode, Option<String>) {
    let err = offline(provider)
        .send(&message)
        .expect_err("validation must refuse this message");
    (err.code(), err.field.clone())
}

fn base() -> Message {
    Message::to(["380989361121"]).sender("123").text("Hi")
}

#[test]
fn field_errors_name_the_field() {
    let cases: Vec<(&str, Message, ErrorCode, &str)> = vec![
        (
            "smsclub",
            Message::default().sender("S").text("Hi"),
            ErrorCode::InvalidMessage,
            "to",
        ),
        (
            "smsclub",
            base().text("x".repeat(1001)),
            ErrorCode::InvalidMessage,
            "text",
        ),
        (
            "smsclub",
            Message::to(["380989361121"]).sender("S"),
            ErrorCode::InvalidMessage,
            "text",
        ),
        (
            "smsclub",
            base().image_url("ftp://x/y.png").button("Go", "https://x"),
            ErrorCode::InvalidMessage,
            "image_url",
        ),
        (
            "smsclub",
            base().button("Go", "javascript:alert(1)"),
            ErrorCode::InvalidMessage,
            "button.url",
        ),
        (
            "smsclub",
            base().button("x".repeat(31), "https://x"),
            ErrorCode::InvalidMessage,
            "button.text",
        ),
        (
            "smsclub",
            base().image_url("https://x/y.png"),
            ErrorCode::InvalidMessage,
            "button",
        ),
        (
            "smsclub",
            Message::to(["380989361121"]).text("Hi"),
            ErrorCode::InvalidMessage,
            "sender",
        ),
        (
            "smsclub",
            base().ttl_seconds(59),
            ErrorCode::InvalidMessage,
            "ttl_seconds",
        ),
        (
            "smsclub",
            Message::to(["380989361121", "380989361122"])
                .sender("S")
                .text("Hi")
                .ttl_seconds(60),
            ErrorCode::InvalidMessage,
            "ttl_seconds",
        ),
        (
            "smsclub",
            base().ttl_seconds(86_401),
            ErrorCode::InvalidMessage,
            "ttl_seconds",
        ),
        (
            "smsclub",
            base().schedule(1_700_000_000, None),
            ErrorCode::InvalidMessage,
            "schedule.end",
        ),
        (
            "smsclub",
            base().schedule(1_700_000_000, Some(1_600_000_000)),
            ErrorCode::InvalidMessage,
            "schedule.end",
        ),
        (
            "smsclub",
            base().sms_fallback(SmsFallback::new("x")),
            ErrorCode::InvalidMessage,
            "sms_fallback.sender",
        ),
        (
            "smsclub",
            base().callback_url("https://x/cb"),
            ErrorCode::Unsupported,
            "callback_url",
        ),
        (
            "smsclub",
            base().label("x"),
            ErrorCode::Unsupported,
            "label",
        ),
        (
            "smsclub",
            Message::to(["1", "2"]).sender("S").text("Hi"),
            ErrorCode::NoValidRecipients,
            "to",
        ),
        (
            "smsclub",
            Message::to(["380989361121"]).chat_id("5").text("Hi"),
            ErrorCode::InvalidMessage,
            "to",
        ),
        (
            "decisiontelecom",
            base().schedule(1_700_000_000, None),
            ErrorCode::Unsupported,
            "schedule",
        ),
        (
            "decisiontelecom",
            base().chat_id("1"),
            ErrorCode::Unsupported,
            "chat_id",
        ),
        (
            "decisiontelecom",
            base().sender("x".repeat(21)),
            ErrorCode::InvalidMessage,
            "sender",
        ),
        (
            "decisiontelecom",
            base().ttl_seconds(39),
            ErrorCode::InvalidMessage,
            "ttl_seconds",
        ),
        (
            "decisiontelecom",
            base().ttl_seconds(21_601),
            ErrorCode::InvalidMessage,
            "ttl_seconds",
        ),
        (
            "decisiontelecom",
            base().sms_fallback(SmsFallback::new("a".repeat(161))),
            ErrorCode::InvalidMessage,
            "sms_fallback.text",
        ),
        (
            "decisiontelecom",
            base().sms_fallback(SmsFallback::new("я".repeat(71))),
            ErrorCode::InvalidMessage,
            "sms_fallback.text",
        ),
        (
            "decisiontelecom",
            base()
                .button("Go", "https://x")
                .sms_fallback(SmsFallback::new("x")),
            ErrorCode::InvalidMessage,
            "sms_fallback",
        ),
        (
            "decisiontelecom",
            Message::to(["380989361121"])
                .sender("S")
                .image_url("https://x/i.png")
                .button("Go", "https://x"),
            ErrorCode::Unsupported,
            "text",
        ),
        (
            "inteltele",
            base().two_way(true),
            ErrorCode::Unsupported,
            "two_way",
        ),
        (
            "inteltele",
            base().callback_url("https://x/cb"),
            ErrorCode::Unsupported,
            "callback_url",
        ),
        (
            "inteltele",
            base().sms_fallback(SmsFallback {
                text: "x".into(),
                sender: Some("a b".into()),
            }),
            ErrorCode::InvalidMessage,
            "sms_fallback.sender",
        ),
        (
            "smsby",
            base().sender("Shop"),
            ErrorCode::InvalidMessage,
            "sender",
        ),
        (
            "smsby",
            base().ttl_seconds(600),
            ErrorCode::Unsupported,
            "ttl_seconds",
        ),
        (
            "smsby",
            base().two_way(true),
            ErrorCode::Unsupported,
            "two_way",
        ),
        (
            "smsby",
            base().button("Go", format!("https://x/{}", "a".repeat(150))),
            ErrorCode::InvalidMessage,
            "button.url",
        ),
        (
            "smsby",
            base().schedule(1_700_000_000, Some(1_700_000_100)),
            ErrorCode::Unsupported,
            "schedule.end",
        ),
        (
            "smsby",
            base().sms_fallback(SmsFallback {
                text: "other".into(),
                sender: Some("5".into()),
            }),
            ErrorCode::Unsupported,
            "sms_fallback.text",
        ),
        (
            "smsby",
            Message::to(["375291111111", "375291111112"])
                .sender("1")
                .text("Hi")
                .label("x")
                .sms_fallback(SmsFallback {
                    text: "Hi".into(),
                    sender: Some("5".into()),
                }),
            ErrorCode::Unsupported,
            "label",
        ),
    ];
    for (provider, message, code, field) in cases {
        let got = refused(provider, message.clone());
        assert_eq!(
            got,
            (code, Some(field.to_owned())),
            "{provider}: {message:?}"
        );
    }
}

#[test]
fn accepted_shapes_pass_validation_and_reach_the_network() {
    // Reaching the (closed) port proves validation let the message through.
    let cases: Vec<(&str, Message)> = vec![
        (
            "smsclub",
            base()
                .image_url("https://x/i.png")
                .button("Go", "https://x")
                .ttl_seconds(60),
        ),
        (
            "smsby",
            Message::to(["375291111111"])
                .sender("1")
                .image_url("https://x/i.png"),
        ),
        (
            "decisiontelecom",
            base()
                .sms_fallback(SmsFallback::new("a".repeat(160)))
                .category(Category::Transactional),
        ),
        (
            "decisiontelecom",
            base().sms_fallback(SmsFallback::new("я".repeat(70))),
        ),
        (
            "inteltele",
            Message::to(["7123456789"])
                .text("Hi")
                .sms_fallback(SmsFallback {
                    text: "x".into(),
                    sender: Some("12345".into()),
                }),
        ),
    ];
    for (provider, message) in cases {
        let err = offline(provider).send(&message).unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::Transport,
            "{provider}: {message:?}: {err}"
        );
    }
}

#[test]
fn invalid_and_duplicate_numbers_are_rejected_not_fatal() {
    let err = offline("smsclub")
        .send(
            &Message::to(["+380 (98) 936-11-21", "00380989361121", "12"])
                .sender("S")
                .text("Hi"),
        )
        .unwrap_err();
    // The one valid number hit the closed port; the error still lists every rejection.
    assert_eq!(err.code(), ErrorCode::Transport);
    let reasons: Vec<String> = err
        .rejected
        .iter()
        .map(|r| format!("{}:{}", r.phone, r.reason))
        .collect();
    assert_eq!(
        reasons,
        [
            "380989361121:duplicate",
            "12:invalid_number",
            "380989361121:transport"
        ]
    );
}

#[test]
fn personalized_items_are_validated_before_anything_is_sent() {
    let message = PersonalizedMessage {
        items: vec![
            PersonalizedItem {
                to: "380989361121".into(),
                text: "a".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: "380989361122".into(),
                text: "x".repeat(1001),
                button_url: None,
            },
        ],
        sender: Some("S".into()),
        ..PersonalizedMessage::default()
    };
    let err = offline("smsclub").send_personalized(&message).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidMessage);
    assert_eq!(err.field.as_deref(), Some("items[1].text"));
}

#[test]
fn unsupported_operations_say_so() {
    for (provider, op) in [
        ("smsclub", "balance"),
        ("smsby", "rates"),
        ("decisiontelecom", "chats"),
        ("inteltele", "status_batch"),
    ] {
        let c = offline(provider);
        let err = match op {
            "balance" => c.balance().map(|_| ()),
            "rates" => c.rates().map(|_| ()),
            "chats" => c.chats(1).map(|_| ()),
            _ => c.status_batch("x").map(|_| ()),
        }
        .unwrap_err();
        assert_eq!(err.code(), ErrorCode::Unsupported, "{provider} {op}");
    }
    assert!(offline("smsby")
        .capabilities()
        .operations
        .contains(&"status_batch"));
}

#[test]
fn dsn_parsing() {
    let c = Config::from_dsn("inteltele://us%40er:p%2Fss@api.example.com:8443?sender=Shop&timeout_ms=5000&rate_limit=3&allow_insecure_http=false").unwrap();
    assert_eq!(c.provider, ProviderId::IntelTele);
    assert_eq!(c.username.as_deref(), Some("us@er"));
    assert_eq!(c.api_key.as_ref().unwrap().expose(), "p/ss");
    assert_eq!(c.effective_base_url(), "https://api.example.com:8443");
    assert_eq!((c.timeout_ms, c.effective_rate_limit()), (5000, 3.0));
    let d = Config::from_dsn("smsclub://TOK@default").unwrap();
    assert_eq!(
        (
            d.effective_base_url(),
            d.effective_rate_limit(),
            d.max_retries,
            d.max_in_flight
        ),
        ("https://im.smsclub.mobi", 9.0, 2, 4)
    );
    assert_eq!(
        Config::from_dsn("decisiontelecom://K@default")
            .unwrap()
            .effective_rate_limit(),
        0.0
    );
    // A token with unencoded '/' and '?' still parses: nothing between the '?' and the '@'
    // could begin an option, so the '?' belongs to the credentials (src/dsn.rs, rule 2).
    assert_eq!(
        Config::from_dsn("smsby://a/b?c@default")
            .unwrap()
            .token
            .unwrap()
            .expose(),
        "a/b?c"
    );
}

#[test]
fn bad_dsns_name_the_part_and_never_echo_secrets() {
    let cases = [
        ("smsclub:/SECRET@default", None),
        ("viber://SECRET@default", Some("provider")),
        ("smsclub://default", Some("credentials")),
        ("smsclub://@default", Some("token")),
        ("inteltele://SECRET@default", Some("credentials")),
        (
            "smsclub://SECRET@default?timeout_ms=soon",
            Some("timeout_ms"),
        ),
        ("smsclub://SECRET@default?colour=red", Some("colour")),
        (
            "smsclub://SECRET@default?max_in_flight=0",
            Some("max_in_flight"),
        ),
        (
            "smsclub://SECRET@default?base_url=http://example.com",
            Some("base_url"),
        ),
        (
            "smsclub://SECRET@default?proxy=SECRET%3A%2F%2F",
            Some("proxy"),
        ),
    ];
    for (dsn, field) in cases {
        let err = Client::from_dsn(dsn).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{dsn}");
        if field.is_some() {
            assert_eq!(err.field.as_deref(), field, "{dsn}: {err}");
        }
        assert!(
            !format!("{err} {err:?} {}", err.to_json()).contains("SECRET"),
            "{dsn}: {err}"
        );
    }
    // Plain HTTP is fine on loopback, or anywhere when explicitly allowed.
    Config::from_dsn("smsclub://T@default?base_url=http://localhost:1").unwrap();
    Config::from_dsn("smsclub://T@default?base_url=http://[::1]:1").unwrap();
    Config::from_dsn("smsclub://T@default?base_url=http://example.com&allow_insecure_http=true")
        .unwrap();
}

#[test]
fn json_config_and_round_trip() {
    let c = Config::from_json(
        r#"{"provider":"decisiontelecom","api_key":"SECRET","sender":"Shop","max_retries":0}"#,
    )
    .unwrap();
    let client = Client::new(c).unwrap();
    assert_eq!(
        client.to_dsn(),
        "decisiontelecom://***@default?sender=Shop&max_retries=0"
    );
    let back = serde_json::to_string(client.config()).unwrap();
    assert!(!back.contains("SECRET") && back.contains("***"));
    let err =
        Config::from_json(r#"{"provider":"smsclub","token":"SECRET","sendr":"x"}"#).unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert!(!err.message.contains("SECRET"));
    assert_eq!(
        Config::from_json(r#"{"provider":"smsclub"}"#)
            .unwrap_err()
            .field
            .as_deref(),
        Some("token")
    );
}

#[test]
fn from_env_reads_vibergate_dsn() {
    // Only this test touches the variable.
    std::env::set_var("VIBERGATE_DSN", "smsclub://T@default?sender=Env");
    let c = Client::from_env().unwrap();
    assert_eq!(c.config().sender.as_deref(), Some("Env"));
    std::env::remove_var("VIBERGATE_DSN");
    assert_eq!(
        Client::from_env().unwrap_err().code(),
        ErrorCode::InvalidConfig
    );
}

#[test]
fn messages_from_json_refuse_unknown_fields() {
    let m: Message =
        serde_json::from_str(r#"{"to":["1"],"text":"x","button":{"text":"a","url":"https://x"}}"#)
            .unwrap();
    assert_eq!(m.button, Some(Button::new("a", "https://x")));
    assert!(serde_json::from_str::<Message>(r#"{"to":["1"],"txt":"x"}"#).is_err());
}

#[test]
fn to_dsn_masks_credentials_that_look_like_the_rest_of_the_dsn() {
    // Found by the dsn fuzz target's oracle: a credential may repeat any part of the DSN.
    for dsn in [
        "smsclub://smsclub@default",
        "smsby://default@default",
        "inteltele://inteltele:default@default",
    ] {
        let redacted = Config::from_dsn(dsn).unwrap().clone();
        let text = vibergate_core::dsn::format_redacted(&redacted);
        let credentials = text.split_once("://").unwrap().1.split_once('@').unwrap().0;
        assert!(
            credentials == "***" || credentials.ends_with(":***"),
            "{text}"
        );
    }
}

#[test]
fn urls_must_be_http_or_https_with_a_host() {
    for good in [
        "https://x.example/i.png",
        "HTTPS://X.example",
        "http://127.0.0.1:8080/a?b#c",
        "https://user@x.example",
    ] {
        let err = offline("smsclub")
            .send(&base().image_url(good).button("Go", "https://x.example"))
            .unwrap_err();
        assert_eq!(
            err.code(),
            ErrorCode::Transport,
            "{good} should pass validation: {err}"
        );
    }
    for bad in [
        "ftp://x.example/i.png",
        "javascript:alert(1)",
        "https://",
        "https:///path",
        "https://x.example/a b",
        "x.example",
    ] {
        let got = refused(
            "smsclub",
            base().image_url(bad).button("Go", "https://x.example"),
        );
        assert_eq!(
            got,
            (ErrorCode::InvalidMessage, Some("image_url".to_owned())),
            "{bad}"
        );
    }
}

#[test]
fn an_at_sign_in_an_option_never_moves_the_token() {
    // Issue 12, item 7: the proxy's userinfo must not become the token, nor its host the host.
    let client =
        Client::from_dsn("smsclub://MYTOKEN@default?proxy=http://u:p@corp-proxy:3128").unwrap();
    assert_eq!(
        client.config().effective_base_url(),
        "https://im.smsclub.mobi"
    );
    assert_eq!(
        client.config().token.as_ref().map(|t| t.expose()),
        Some("MYTOKEN")
    );
    assert_eq!(client.to_dsn(), "smsclub://***@default?proxy=***");
    // Without credentials before the '?', the same DSN is ambiguous: refused, nothing echoed.
    let err =
        Client::from_dsn("smsclub://default?proxy=http://u:SECRET@corp-proxy:3128").unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert_eq!(err.field.as_deref(), Some("credentials"));
    assert!(!format!("{err} {}", err.to_json()).contains("SECRET"));
    assert!(err.message.contains("%40"), "{err}");
}

#[test]
fn configuration_values_that_used_to_panic_are_refused_at_construction() {
    // Issue 12, item 6.
    for (dsn, field) in [
        ("smsclub://T@default?rate_limit=1e-20", "rate_limit"),
        (
            "smsclub://T@default?user_agent=a%0D%0AX-Evil:%201",
            "user_agent",
        ),
        ("smsclub://T@default?max_in_flight=0", "max_in_flight"),
        ("smsclub://T@default?max_in_flight=100000", "max_in_flight"),
        (
            "smsclub://T@default?timeout_ms=18446744073709551615",
            "timeout_ms",
        ),
        (
            "smsclub://T@default?connect_timeout_ms=0",
            "connect_timeout_ms",
        ),
        ("smsclub://T@default?max_retries=4294967295", "max_retries"),
        ("smsclub://T@default?deadline_ms=0", "deadline_ms"),
        (
            "smsclub://T@default?deadline_ms=18446744073709551615",
            "deadline_ms",
        ),
        ("smsclub://T@default?sender=Shop%0A", "sender"),
        ("smsclub://T@default?sms_sender=%00", "sms_sender"),
        ("smsclub://T@default?proxy=socks5://p.example:1080", "proxy"),
    ] {
        let err = Client::from_dsn(dsn).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{dsn}");
        assert_eq!(err.field.as_deref(), Some(field), "{dsn}: {err}");
    }
    let err = Client::new(Config::smsclub("T").rate_limit(1e-20)).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("rate_limit"));
    let err =
        Config::from_json(r#"{"provider":"smsclub","token":"T","max_in_flight":0}"#).unwrap_err();
    assert_eq!(err.field.as_deref(), Some("max_in_flight"));
}

#[test]
fn forged_vg_tokens_are_auth_never_a_panic() {
    // Issue 12, item 3: the token comes from whoever calls the webhook.
    use vibergate_core::{parse_webhook, WebhookRequest};
    let url = "https://shop.example/hook";
    let signed = vibergate_core::signing::sign_callback_url(url, "s3cret");
    let query = signed.split_once('?').map(|(_, q)| q.to_owned()).unwrap();
    let good = {
        let mut r = WebhookRequest::new(
            "GET",
            &format!("{query}&msgid=1&status=delivrd&datetime=2024-01-02+03%3A04%3A05"),
            "",
            None,
        );
        r.secret = Some("s3cret".into());
        r.callback_url = Some(url.to_owned());
        r
    };
    assert!(parse_webhook(ProviderId::IntelTele, &good).is_ok());
    for token in [
        "é".repeat(32),
        "🙂".repeat(16),
        format!("a{}", "é".repeat(31)),
        "g".repeat(64),
        "%FF".repeat(22),
        String::new(),
    ] {
        let mut r = good.clone();
        r.query.retain(|(k, _)| k != "vg_token");
        r.query.push(("vg_token".to_owned(), token.clone()));
        let err = parse_webhook(ProviderId::IntelTele, &r).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Auth, "{token:?}");
    }
}
