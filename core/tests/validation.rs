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
            Message::to(["79123456789"])
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
        let text = vibergate_core::internals::dsn::format_redacted(&redacted);
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
    let signed = vibergate_core::internals::signing::sign_callback_url(url, "s3cret");
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

// ---------------------------------------------------------------------------------------------
// Phone numbers (SPEC §3, issue 13): libphonenumber's metadata, `default_country`.

use vibergate_core::internals::phone;
use vibergate_core::{RejectReason, Router};

/// What typed numbers become: `Ok(E.164 digits)`, or `Err(a fragment of the reason)`.
const SHAPES: &[(&str, Option<&str>, Result<&str, &str>)] = &[
    // Ukraine: national numbers need the default country; international ones never do.
    ("063 611 11 12", Some("UA"), Ok("380636111112")),
    ("0636111112", Some("ua"), Ok("380636111112")),
    ("(063) 611-11-12", Some("UA"), Ok("380636111112")),
    ("063.611.11.12", Some("UA"), Ok("380636111112")),
    (
        "\u{a0}063\u{a0}611\t11 12\n",
        Some("UA"),
        Ok("380636111112"),
    ),
    ("63 611 11 12", Some("UA"), Ok("380636111112")),
    (
        "063 611 11 12",
        None,
        Err("national number without default_country"),
    ),
    (
        "0636111112",
        None,
        Err("national number without default_country"),
    ),
    (
        "063 611 11 12",
        Some("BY"),
        Err("not a valid number for Belarus"),
    ),
    ("+380 63 611 11 12", None, Ok("380636111112")),
    ("+38 (063) 611-11-12", None, Ok("380636111112")),
    ("00380636111112", None, Ok("380636111112")),
    ("00 380 63 611 11 12", Some("BY"), Ok("380636111112")),
    ("380636111112", None, Ok("380636111112")),
    ("380636111112", Some("UA"), Ok("380636111112")),
    ("380636111112", Some("BY"), Ok("380636111112")),
    ("+380 (0) 63 611 11 12", None, Ok("380636111112")),
    (
        "+38063611111",
        None,
        Err("too short for Ukraine: 8 digits after +380"),
    ),
    ("38063611111", Some("UA"), Err("too short for Ukraine")),
    ("063 611 11 1", Some("UA"), Err("too short for Ukraine")),
    ("+380 63 611 11 12 345", None, Err("too long for Ukraine")),
    (
        "+380 12 000 00 00",
        None,
        Err("not a valid number for Ukraine"),
    ),
    (
        "012 000 00 00",
        Some("UA"),
        Err("not a valid number for Ukraine"),
    ),
    // Belarus: the trunk prefix is 8 (0 is accepted too), the international prefix 810.
    ("8 029 123 45 67", Some("BY"), Ok("375291234567")),
    ("80291234567", Some("by"), Ok("375291234567")),
    ("8 (029) 123-45-67", Some("BY"), Ok("375291234567")),
    ("029 123 45 67", Some("BY"), Ok("375291234567")),
    ("29 123 45 67", Some("BY"), Ok("375291234567")),
    ("8 10 48 601 234 567", Some("BY"), Ok("48601234567")),
    ("+375 29 123 45 67", Some("UA"), Ok("375291234567")),
    ("375291234567", None, Ok("375291234567")),
    ("8 029 123 45 67", None, Err("no country calling code")),
    ("8 029 123 45 67", Some("UA"), Err("for Ukraine")),
    ("8 029 123 45 6", Some("BY"), Err("for Belarus")),
    (
        "+375 29 000 00 00",
        None,
        Err("not a valid number for Belarus"),
    ),
    ("+375 29 123 45 678 90", None, Err("too long for Belarus")),
    // Elsewhere.
    ("+44 (0) 7911 123456", None, Ok("447911123456")),
    ("+44 7911 123456", Some("UA"), Ok("447911123456")),
    ("+1 (202) 555-0123", None, Ok("12025550123")),
    ("+7 916 123-45-67", None, Ok("79161234567")),
    ("8 916 123-45-67", Some("RU"), Ok("79161234567")),
    (
        "+972 51 111 1111",
        None,
        Err("not a valid number for Israel"),
    ),
    ("+999 1234 5678", None, Err("no country calling code")),
    (
        "+0636111112",
        None,
        Err("no country calling code starts with 0"),
    ),
    (
        "+888 222 22 00",
        None,
        Err("too short for the non-geographic code +888"),
    ),
    // Not phone numbers.
    ("", None, Err("is empty")),
    ("   ", Some("UA"), Err("is empty")),
    ("+", None, Err("no digits after the +")),
    (
        "00",
        Some("UA"),
        Err("no digits after the international prefix 00"),
    ),
    ("12", None, Err("too short: 2 digits")),
    ("12", Some("UA"), Err("too short for Ukraine")),
    ("0636111112x", Some("UA"), Err("contains letters")),
    ("hello", None, Err("contains letters")),
    ("Олег", Some("UA"), Err("contains letters")),
    ("063 611 11 12 📱", Some("UA"), Err("which is not a digit")),
    ("063/611/11/12", Some("UA"), Err("which is not a digit")),
    ("٠٦٣٦١١١١١٢", Some("UA"), Err("which is not a digit")),
    ("380+636111112", None, Err("a + that is not at the start")),
    ("++380636111112", None, Err("a + that is not at the start")),
    ("+380636111112\0", None, Err("which is not a digit")),
];

#[test]
fn phone_numbers_of_every_shape() {
    for &(raw, country, want) in SHAPES {
        let got = phone::normalize(raw, country);
        match want {
            Ok(digits) => assert_eq!(got.as_deref(), Ok(digits), "{raw:?} with {country:?}"),
            Err(fragment) => {
                let why = got.expect_err(&format!("{raw:?} with {country:?} must be refused"));
                assert!(
                    why.contains(fragment),
                    "{raw:?} with {country:?}: {why:?} should say {fragment:?}"
                );
            }
        }
    }
}

#[test]
fn huge_numbers_are_refused_quickly() {
    let start = std::time::Instant::now();
    for raw in [
        "1".repeat(1000),
        format!("+{}", "9".repeat(1000)),
        format!("00{}", "3".repeat(1000)),
        "0".repeat(1000),
        "8 ".repeat(100_000),
    ] {
        for country in [None, Some("UA"), Some("BY")] {
            let why = phone::normalize(&raw, country).unwrap_err();
            assert!(why.starts_with("too long: "), "{why}");
        }
    }
    let (valid, rejected) = phone::normalize_all(&["x".repeat(1_000_000)], Some("UA"));
    assert!(valid.is_empty() && rejected[0].detail.contains("letters"));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn duplicates_after_normalisation_keep_the_first() {
    let (valid, rejected) = phone::normalize_all(
        &[
            "063 611 11 12",
            "+380636111112",
            "00380636111112",
            "0636111112",
            "8 029 123 45 67",
        ],
        Some("UA"),
    );
    assert_eq!(valid, ["380636111112"]);
    let got: Vec<(&str, RejectReason)> = rejected
        .iter()
        .map(|r| (r.phone.as_str(), r.reason))
        .collect();
    assert_eq!(
        got,
        [
            ("380636111112", RejectReason::Duplicate),
            ("380636111112", RejectReason::Duplicate),
            ("380636111112", RejectReason::Duplicate),
            // An invalid number keeps its text: there is no canonical form to give.
            ("8 029 123 45 67", RejectReason::InvalidNumber),
        ]
    );
}

#[test]
fn the_sandbox_fates_are_reachable_with_valid_numbers() {
    // core/src/sandbox: the last four digits choose the fate.
    for fate in ["0000", "9999", "1111", "2222"] {
        for country in ["38098936", "37529123", "97251222"] {
            let n = format!("{country}{fate}");
            assert_eq!(phone::normalize(&n, None).as_deref(), Ok(n.as_str()));
        }
        let national = format!("098 936 {}", fate);
        assert_eq!(
            phone::normalize(&national, Some("UA")),
            Ok(format!("38098936{fate}"))
        );
    }
}

/// A client of `provider` on a closed port, with `options` appended to its DSN.
fn offline_with(provider: &str, options: &str) -> Client {
    let dsn = offline(provider).to_dsn().replace("***", "key");
    Client::from_dsn(&format!("{dsn}{options}")).unwrap()
}

#[test]
fn every_provider_expands_national_numbers_with_default_country() {
    for provider in ["smsclub", "smsby", "decisiontelecom", "inteltele"] {
        // SMS.by mailings go out from the client's alpha name.
        let client = offline_with(provider, "&default_country=ua&sms_sender=2");
        assert_eq!(client.config().default_country.as_deref(), Some("UA"));
        let message = Message::to(["063 611 11 12", "063 611 11 1", "+380 63 611 11 12"])
            .sender("1")
            .text("Hi");
        // The valid number reached the (closed) port: validation let it through, expanded.
        let err = client.send(&message).unwrap_err();
        assert_eq!(err.code(), ErrorCode::Transport, "{provider}: {err}");
        let got: Vec<(&str, RejectReason)> = err
            .rejected
            .iter()
            .map(|r| (r.phone.as_str(), r.reason))
            .collect();
        assert!(
            got.contains(&("063 611 11 1", RejectReason::InvalidNumber))
                && got.contains(&("380636111112", RejectReason::Duplicate))
                && got.contains(&("380636111112", RejectReason::Request(ErrorCode::Transport))),
            "{provider}: {got:?}"
        );
    }
}

#[test]
fn without_default_country_national_numbers_are_refused_before_any_request() {
    for provider in ["smsclub", "smsby", "decisiontelecom", "inteltele"] {
        let err = offline_with(provider, "&sms_sender=2")
            .send(
                &Message::to(["063 611 11 12", "0636111112", "+38063611111"])
                    .sender("1")
                    .text("Hi"),
            )
            .unwrap_err();
        // Not `transport`: nothing went to the (closed) port.
        assert_eq!(
            err.code(),
            ErrorCode::NoValidRecipients,
            "{provider}: {err}"
        );
        assert_eq!(err.field.as_deref(), Some("to"));
        assert_eq!(err.rejected.len(), 3);
        assert!(err
            .rejected
            .iter()
            .all(|r| r.reason == RejectReason::InvalidNumber && !r.detail.is_empty()));
        assert!(err.rejected[0].detail.contains("default_country"));
        assert!(err.rejected[2].detail.contains("too short for Ukraine"));
    }
}

#[test]
fn personalized_items_use_the_default_country_and_catch_duplicates() {
    let message = PersonalizedMessage {
        items: vec![
            PersonalizedItem {
                to: "063 611 11 12".into(),
                text: "a".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: "+380636111112".into(),
                text: "b".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: "0636111112".into(),
                text: "c".into(),
                button_url: None,
            },
        ],
        sender: Some("S".into()),
        ..PersonalizedMessage::default()
    };
    let err = offline_with("smsclub", "&default_country=UA")
        .send_personalized(&message)
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Transport, "{err}");
    let reasons: Vec<RejectReason> = err.rejected.iter().map(|r| r.reason).collect();
    assert_eq!(
        reasons,
        [
            RejectReason::Duplicate,
            RejectReason::Duplicate,
            RejectReason::Request(ErrorCode::Transport)
        ]
    );
    assert!(err.rejected.iter().all(|r| r.phone == "380636111112"));
    // Without the default country, the national items are rejected, the international one sent.
    let err = offline("smsclub").send_personalized(&message).unwrap_err();
    let got: Vec<(&str, RejectReason)> = err
        .rejected
        .iter()
        .map(|r| (r.phone.as_str(), r.reason))
        .collect();
    assert_eq!(
        got,
        [
            ("063 611 11 12", RejectReason::InvalidNumber),
            ("0636111112", RejectReason::InvalidNumber),
            ("380636111112", RejectReason::Request(ErrorCode::Transport)),
        ]
    );
}

#[test]
fn default_country_is_an_option_of_dsn_json_and_config() {
    let c = Config::from_dsn("smsclub://T@default?default_country=ua").unwrap();
    assert_eq!(c.default_country.as_deref(), Some("UA"));
    let client = Client::new(c).unwrap();
    assert_eq!(client.to_dsn(), "smsclub://***@default?default_country=UA");
    // The redacted DSN reads back to the same option.
    let back = Config::from_dsn(&client.to_dsn()).unwrap();
    assert_eq!(back.default_country.as_deref(), Some("UA"));
    let c =
        Config::from_json(r#"{"provider":"smsby","token":"T","default_country":"by"}"#).unwrap();
    assert_eq!(c.default_country.as_deref(), Some("BY"));
    assert!(serde_json::to_string(&c)
        .unwrap()
        .contains(r#""default_country":"BY""#));
    assert_eq!(
        Config::smsclub("T").default_country("Ua").default_country,
        Some("UA".to_owned())
    );
    // None by default; an empty DSN value means none.
    assert_eq!(Config::smsclub("T").default_country, None);
    assert_eq!(
        Config::from_dsn("smsclub://T@default?default_country=")
            .unwrap()
            .default_country,
        None
    );
    for code in ["XX", "ZZ", "UKR", "U", "1A", "001", "ua ua", "Україна"] {
        let dsn = format!("smsclub://T@default?default_country={code}");
        let err = Config::from_dsn(&dsn).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{code}");
        assert_eq!(err.field.as_deref(), Some("default_country"), "{code}");
        let json = format!(r#"{{"provider":"smsclub","token":"T","default_country":"{code}"}}"#);
        let err = Config::from_json(&json).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("default_country"), "{code}");
        let err = Client::new(Config::smsclub("T").default_country(code)).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("default_country"), "{code}");
    }
}

#[test]
fn a_router_normalises_once_with_its_clients_default_country() {
    // Clients that disagree would make a national number depend on the provider.
    let err = Router::new(vec![
        offline_with("smsclub", "&default_country=UA"),
        offline_with("decisiontelecom", "&default_country=BY"),
    ])
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidConfig);
    assert_eq!(err.field.as_deref(), Some("default_country"));

    // One client sets it: the national number is expanded once, and the second client (without
    // a default country) still receives it, as an international number.
    let router = Router::new(vec![
        offline_with("smsclub", "&default_country=UA"),
        offline("decisiontelecom"),
    ])
    .unwrap();
    assert_eq!(router.default_country(), Some("UA"));
    let err = router
        .send(
            &Message::to(["063 611 11 12", "8 029 123 45 67"])
                .sender("S")
                .text("Hi"),
        )
        .unwrap_err();
    let attempts = &err.attempts;
    assert_eq!(attempts.len(), 2, "{err}");
    for a in attempts {
        assert_eq!(a.recipients, ["380636111112"]);
        assert_eq!(
            a.error.as_ref().map(|e| e.code()),
            Some(ErrorCode::Transport)
        );
    }
    let got: Vec<(&str, RejectReason)> = err
        .rejected
        .iter()
        .map(|r| (r.phone.as_str(), r.reason))
        .collect();
    assert!(
        got.contains(&("8 029 123 45 67", RejectReason::InvalidNumber)),
        "{got:?}"
    );
    assert!(got.contains(&("380636111112", RejectReason::Request(ErrorCode::Transport))));

    // The same for personalised items.
    let message = PersonalizedMessage {
        items: vec![
            PersonalizedItem {
                to: "063 611 11 12".into(),
                text: "a".into(),
                button_url: None,
            },
            PersonalizedItem {
                to: "+380636111112".into(),
                text: "b".into(),
                button_url: None,
            },
        ],
        sender: Some("S".into()),
        ..PersonalizedMessage::default()
    };
    let err = router.send_personalized(&message).unwrap_err();
    assert_eq!(err.attempts.len(), 2, "{err}");
    assert!(err
        .attempts
        .iter()
        .all(|a| a.recipients == ["380636111112"]));
}

/// Review finding F10: the canonical form vibergate reports never becomes another number when
/// fed back, whatever the default country: it stays itself, or is refused as ambiguous when it
/// is also a national number there.
#[test]
fn normalising_never_rewrites_a_canonical_number() {
    let numbers = [
        "380636111112",
        "4915112345678",
        "494651482513",
        "375291234567",
        "79123456789",
        "447911123456",
        "8613800138000",
    ];
    for country in [
        "UA", "BY", "DE", "IT", "CN", "ID", "VA", "LU", "AT", "US", "GB",
    ] {
        for n in numbers {
            match phone::normalize(n, Some(country)) {
                Ok(once) => assert_eq!(once, n, "{n} with default_country={country}"),
                Err(why) => assert!(why.starts_with("ambiguous"), "{n} with {country}: {why}"),
            }
        }
    }
    // National numbers with their trunk prefix still expand.
    assert_eq!(
        phone::normalize("063 611 11 12", Some("UA")).as_deref(),
        Ok("380636111112")
    );
    assert_eq!(
        phone::normalize("8 029 123 45 67", Some("BY")).as_deref(),
        Ok("375291234567")
    );
}

/// Second review, R1: national numbers typed without their trunk prefix that are also valid
/// numbers of another country are refused as ambiguous, never sent abroad.
#[test]
fn a_national_number_that_reads_two_ways_is_refused_not_guessed() {
    for (raw, country) in [
        ("50 820 32 87", "UA"),
        ("95 123 45 67", "UA"),
        ("98 212 34 56", "UA"),
        ("29 820 32 87", "BY"),
    ] {
        let got = phone::normalize(raw, Some(country));
        match &got {
            Err(why) => assert!(why.starts_with("ambiguous"), "{raw} ({country}): {why}"),
            Ok(n) => assert!(
                n.starts_with(if country == "UA" { "380" } else { "375" }),
                "{raw} with {country} went abroad: {n}"
            ),
        }
    }
    // With the trunk prefix or the country code the same numbers are plain.
    assert_eq!(
        phone::normalize("050 820 32 87", Some("UA")).as_deref(),
        Ok("380508203287")
    );
    assert_eq!(
        phone::normalize("8 029 820 32 87", Some("BY")).as_deref(),
        Ok("375298203287")
    );
    assert_eq!(
        phone::normalize("380508203287", Some("UA")).as_deref(),
        Ok("380508203287")
    );
}
