//! Configuration values that would make a client fail later, panic or leak: every one is
//! refused at construction (`Config::validate`, reached from `from_dsn`, `from_json` and
//! `Client::new`) as `invalid_config` naming the option, and no error repeats a secret.

use vibergate_core::{Client, Config, Error, ErrorCode, ProviderId, Secret};

/// Every way a configuration reaches a client; each must refuse `config` the same way.
fn refusals(config: &Config) -> Vec<Error> {
    let mut errors = Vec::new();
    if let Err(e) = config.validate() {
        errors.push(e);
    }
    if let Err(e) = Client::new(config.clone()) {
        errors.push(e);
    }
    errors
}

fn assert_refused(config: &Config, field: &str, what: &str) {
    let errors = refusals(config);
    assert_eq!(
        errors.len(),
        2,
        "{what} must be refused by validate and Client::new"
    );
    for err in errors {
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{what}: {err}");
        assert_eq!(err.field.as_deref(), Some(field), "{what}: {err}");
        assert_no_secret(&err, what);
    }
}

fn assert_no_secret(err: &Error, what: &str) {
    let text = format!("{err} {err:?} {}", err.to_json());
    for marker in ["SECRET", "hunter2", "12345"] {
        assert!(!text.contains(marker), "{what}: {text}");
    }
}

fn dsn_refused(dsn: &str, field: &str) {
    let err = match Config::from_dsn(dsn) {
        Ok(c) => panic!("{dsn} must be refused, got {c:?}"),
        Err(e) => e,
    };
    assert_eq!(err.code(), ErrorCode::InvalidConfig, "{dsn}: {err}");
    assert_eq!(err.field.as_deref(), Some(field), "{dsn}: {err}");
    assert_no_secret(&err, dsn);
    let err = Client::from_dsn(dsn).unwrap_err();
    assert_eq!(err.field.as_deref(), Some(field), "{dsn}: {err}");
}

fn base() -> Config {
    Config::smsclub("SECRET")
}

#[test]
fn rate_limits_that_would_overflow_the_limiter_are_refused() {
    for rate in [
        1e-20,
        5e-324,
        0.000_999,
        -1.0,
        -1e-20,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
        1e6 + 1.0,
        1e300,
    ] {
        assert_refused(&base().rate_limit(rate), "rate_limit", &format!("{rate}"));
    }
    for rate in [0.0, -0.0, 0.001, 1.0, 9.0, 1e6] {
        assert!(base().rate_limit(rate).validate().is_ok(), "{rate}");
        Client::new(base().rate_limit(rate)).unwrap();
    }
    for value in ["1e-20", "NaN", "inf", "-1", "2e6"] {
        dsn_refused(
            &format!("smsclub://SECRET@default?rate_limit={value}"),
            "rate_limit",
        );
    }
    let err = Config::from_json(r#"{"provider":"smsclub","token":"SECRET","rate_limit":1e-20}"#)
        .unwrap_err();
    assert_eq!(err.field.as_deref(), Some("rate_limit"));
}

#[test]
fn user_agents_must_be_visible_ascii() {
    for ua in [
        "app\r\nX-Injected: 1",
        "app\n",
        "app\r",
        "a\tb",
        "a\0b",
        "a\u{7f}",
        "café/1.0",
        "app/1 \u{85}",
        "🙂",
    ] {
        assert_refused(&base().user_agent(ua), "user_agent", &format!("{ua:?}"));
    }
    assert_refused(&base().user_agent("a".repeat(257)), "user_agent", "long");
    for ua in [
        "",
        "MyShop/2.1 (+https://shop.example; ops@shop.example)",
        "x",
    ] {
        Client::new(base().user_agent(ua)).unwrap();
    }
    assert!(base().user_agent("a".repeat(256)).validate().is_ok());
    dsn_refused(
        "smsclub://SECRET@default?user_agent=app%0D%0AX-Injected:%201",
        "user_agent",
    );
}

#[test]
fn counts_and_durations_have_sane_bounds() {
    assert_refused(&base().max_in_flight(0), "max_in_flight", "0");
    assert_refused(&base().max_in_flight(257), "max_in_flight", "257");
    assert_refused(&base().max_in_flight(usize::MAX), "max_in_flight", "max");
    assert!(base().max_in_flight(1).validate().is_ok());
    assert!(base().max_in_flight(256).validate().is_ok());

    for field in ["timeout_ms", "connect_timeout_ms"] {
        for ms in [0, 3_600_001, u64::MAX] {
            let config = if field == "timeout_ms" {
                base().timeout_ms(ms)
            } else {
                base().connect_timeout_ms(ms)
            };
            assert_refused(&config, field, &format!("{field}={ms}"));
        }
        dsn_refused(
            &format!("smsclub://SECRET@default?{field}=18446744073709551615"),
            field,
        );
        // Above u64: not a number.
        dsn_refused(
            &format!("smsclub://SECRET@default?{field}=18446744073709551616"),
            field,
        );
    }
    assert!(base().timeout_ms(3_600_000).validate().is_ok());
    assert!(base().connect_timeout_ms(1).validate().is_ok());

    for n in [11, u32::MAX] {
        assert_refused(&base().max_retries(n), "max_retries", &format!("{n}"));
    }
    assert!(base().max_retries(10).validate().is_ok());
    assert!(base().max_retries(0).validate().is_ok());

    for ms in [0, 86_400_001, u64::MAX] {
        assert_refused(&base().deadline_ms(ms), "deadline_ms", &format!("{ms}"));
    }
    assert!(base().deadline_ms(1).validate().is_ok());
    assert!(base().deadline_ms(86_400_000).validate().is_ok());
    dsn_refused("smsclub://SECRET@default?deadline_ms=0", "deadline_ms");
    dsn_refused("smsclub://SECRET@default?max_retries=-1", "max_retries");
    dsn_refused(
        "smsclub://SECRET@default?max_in_flight=100000",
        "max_in_flight",
    );
}

#[test]
fn senders_and_credentials_with_control_characters_are_refused() {
    for s in ["Shop\n", "Sh\0op", "\u{1b}[31mShop", "Shop\u{9b}"] {
        assert_refused(&base().sender(s), "sender", &format!("{s:?}"));
        assert_refused(&base().sms_sender(s), "sms_sender", &format!("{s:?}"));
    }
    for s in ["Shop", "Магазин", "Shop & Co", "123"] {
        assert!(base().sender(s).sms_sender(s).validate().is_ok(), "{s}");
    }
    // A token read from a file with its newline: refused, and not echoed.
    assert_refused(&Config::smsclub("SECRET\n"), "token", "token newline");
    assert_refused(
        &Config::decisiontelecom("SECRET\r\n"),
        "api_key",
        "api_key newline",
    );
    assert_refused(
        &Config::inteltele("user\n", "SECRET"),
        "username",
        "username newline",
    );
    let mut empty_secret = base();
    empty_secret.webhook_secret = Some(Secret::new(""));
    assert_refused(&empty_secret, "webhook_secret", "empty webhook secret");
}

#[test]
fn proxies_must_be_http_connect_proxies() {
    for url in [
        "socks5://SECRET:hunter2@proxy.example:1080",
        "socks4://proxy.example",
        "ftp://proxy.example",
        "http://SECRET:hunter2@proxy.example:70000",
        "http://SECRET:hunter2@pro xy.example",
        "SECRET%3A%2F%2F",
    ] {
        assert_refused(&base().proxy(url), "proxy", url);
    }
    for url in [
        "http://proxy.example:3128",
        "https://u:p@proxy.example",
        "proxy.example:3128",
        "http://[::1]:3128",
    ] {
        Client::new(base().proxy(url)).unwrap();
    }
    // Empty: a direct connection, whatever the environment says.
    assert!(base().proxy("").validate().is_ok());
}

#[test]
fn base_urls_never_echo_what_may_be_a_secret() {
    for (url, what) in [
        ("SECRET:hunter2@api.example", "no scheme, userinfo"),
        ("api.example/SECRET", "no scheme"),
        ("https://SECRET:hunter2@api.example", "userinfo"),
        ("https://SECRET@api.example", "userinfo"),
        ("http://SECRET.example", "plain http"),
        ("ftp://SECRET.example", "scheme"),
        ("SECRET://api.example", "scheme"),
        ("https://SECRET.example/?token=hunter2", "query"),
        ("https://SECRET.example/#hunter2", "fragment"),
        ("https://SECRET.example:0", "port"),
        ("https://SECRET example", "space"),
        ("https://SECRET.example\r\n", "line break"),
        ("https://", "no host"),
        ("https:///path", "no host"),
        ("https://[::1", "bad IPv6"),
    ] {
        assert_refused(&base().base_url(url), "base_url", what);
    }
    for url in [
        "https://api.example",
        "https://api.example:8443/prefix/",
        "http://127.0.0.1:8080",
        "http://[::1]:8080",
        "http://localhost",
        "HTTPS://API.EXAMPLE",
    ] {
        Client::new(base().base_url(url)).unwrap();
    }
}

#[test]
fn json_errors_never_echo_values() {
    for json in [
        r#"{"provider":"smsclub","token":12345}"#,
        r#"{"provider":"decisiontelecom","api_key":12345.5}"#,
        r#"{"provider":"decisiontelecom","api_key":-12345}"#,
        r#"{"provider":"smsclub","token":"SECRET","sender":12345}"#,
        r#"{"provider":"smsclub","token":"SECRET","timeout_ms":"12345"}"#,
        r#"{"provider":"smsclub","token":"SECRET","timeout_ms":1234500000000000000000}"#,
        r#"{"provider":"hunter2","token":"SECRET"}"#,
        r#"{"provider":"smsclub","token":"SECRET","proxy":{"hunter2":1}}"#,
        r#"{"provider":"smsclub","token":"SECRET","hunter2 x":1}"#,
        r#"{"provider":"smsclub","token":"SECRET","rate_limit":"hunter2"}"#,
        r#"{"provider":"smsclub","token":"SECRET","user_agent":"a\r\nb"}"#,
    ] {
        let err = Config::from_json(json).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidConfig, "{json}");
        assert_no_secret(&err, json);
    }
    // The field name stays, with the closest known one (core/src/suggest.rs), without serde's
    // position; a wrong type says the kind it got.
    let err =
        Config::from_json(r#"{"provider":"smsclub","token":"SECRET","sendr":"x"}"#).unwrap_err();
    assert!(
        err.message.contains("\"sendr\" (did you mean \"sender\"?)")
            && !err.message.contains("line 1"),
        "{err}"
    );
    let err = Config::from_json(r#"{"provider":"smsclub","token":12345}"#).unwrap_err();
    assert!(err.message.contains("not a number"), "{err}");
}

#[test]
fn dsn_authority_is_parsed_before_the_query() {
    // The issue's case: an unencoded '@' in an option value must not move the token.
    let c = Config::from_dsn("smsclub://MYTOKEN@default?proxy=http://u:p@corp-proxy:3128").unwrap();
    assert_eq!(c.token.as_ref().map(Secret::expose), Some("MYTOKEN"));
    assert_eq!(c.effective_base_url(), "https://im.smsclub.mobi");
    assert_eq!(
        c.proxy.as_ref().map(Secret::expose),
        Some("http://u:p@corp-proxy:3128")
    );
    let cases: [(&str, &str, &str); 11] = [
        // dsn, token, base URL
        (
            "smsclub://MY%40TOKEN@default",
            "MY@TOKEN",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://MY@TOKEN@default",
            "MY@TOKEN",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://a/b#c@default",
            "a/b#c",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://tok?en@default",
            "tok?en",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://tok%3Fa=b@default",
            "tok?a=b",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://tok%26x@default",
            "tok&x",
            "https://im.smsclub.mobi",
        ),
        (
            "smsclub://tok?en@default?sender=a@b",
            "tok?en",
            "https://im.smsclub.mobi",
        ),
        ("smsclub://T@[::1]:8080", "T", "https://[::1]:8080"),
        ("smsclub://T@api.example:1/", "T", "https://api.example:1"),
        (
            "smsclub://T@API.example:65535",
            "T",
            "https://API.example:65535",
        ),
        (
            "smsclub://T@default?sender=shop@example&user_agent=a@b",
            "T",
            "https://im.smsclub.mobi",
        ),
    ];
    for (dsn, token, url) in cases {
        let c = Config::from_dsn(dsn).unwrap_or_else(|e| panic!("{dsn}: {e}"));
        assert_eq!(c.token.as_ref().map(Secret::expose), Some(token), "{dsn}");
        assert_eq!(c.effective_base_url(), url, "{dsn}");
    }
    let c = Config::from_dsn("smsclub://T@default?sender=shop@example").unwrap();
    assert_eq!(c.sender.as_deref(), Some("shop@example"));
    // Intel-Tele: an e-mail user name and an '@' in the key, with a proxy carrying userinfo.
    let c = Config::from_dsn(
        "inteltele://me@shop.example:k@y@default?proxy=http://u:p@corp-proxy:3128",
    )
    .unwrap();
    assert_eq!(c.username.as_deref(), Some("me@shop.example"));
    assert_eq!(c.api_key.as_ref().map(Secret::expose), Some("k@y"));
    assert_eq!(c.effective_base_url(), "https://api.sms.intel-tele.com");
}

#[test]
fn ambiguous_or_malformed_dsns_are_refused_without_echo() {
    for (dsn, field) in [
        // Forgotten credentials: the token would go to the proxy host.
        (
            "smsclub://default?proxy=http://SECRET:hunter2@corp-proxy:3128",
            "credentials",
        ),
        ("smsclub://SECRET?x=hunter2@default", "credentials"),
        ("smsclub://SECRET?a&hunter2@default", "credentials"),
        ("smsclub://SECRET?hunter2?x@default", "credentials"),
        ("smsclub://SECRET", "credentials"),
        ("smsclub://SECRET?sender=x", "credentials"),
        // Hosts.
        ("smsclub://SECRET@", "host"),
        ("smsclub://SECRET@?sender=x", "host"),
        ("smsclub://SECRET@default#hunter2", "host"),
        ("smsclub://SECRET@hunter2 host", "host"),
        ("smsclub://SECRET@host/hunter2", "host"),
        ("smsclub://SECRET@host:0", "host"),
        ("smsclub://SECRET@host:65536", "host"),
        (
            "smsclub://SECRET@host:123456789012345678901234567890",
            "host",
        ),
        ("smsclub://SECRET@host:", "host"),
        ("smsclub://SECRET@[::1", "host"),
        ("smsclub://SECRET@[hunter2]:1", "host"),
        ("smsclub://SECRET@::1", "host"),
        ("smsclub://SECRET@hôst", "host"),
        ("smsclub://SECRET@ho%2Fst", "host"),
        // Options.
        ("smsclub://SECRET@default?hunter2@x=1", "options"),
        ("smsclub://SECRET@default?hunter2%FF=1", "options"),
        ("smsclub://SECRET@default?sender=%FFhunter2", "sender"),
        ("smsclub://SECRET@default?timeout_ms=hunter2", "timeout_ms"),
        (
            "smsclub://SECRET@default?allow_insecure_http=hunter2",
            "allow_insecure_http",
        ),
        (
            "smsclub://SECRET@default?base_url=https://hunter2@evil.example",
            "base_url",
        ),
        (
            "smsclub://SECRET@default?base_url=hunter2:pw@evil.example",
            "base_url",
        ),
        ("viber://SECRET@default", "provider"),
    ] {
        dsn_refused(dsn, field);
    }
    // A repeated option takes its last value (options appended to a DSN override it).
    let c =
        Config::from_dsn("smsclub://SECRET@default?sender=a&timeout_ms=1&sender=b&timeout_ms=2")
            .unwrap();
    assert_eq!((c.sender.as_deref(), c.timeout_ms), (Some("b"), 2));
    // An option name that looks like one is named (typos are the usual cause).
    let err = Config::from_dsn("smsclub://SECRET@default?colour=red").unwrap_err();
    assert_eq!(err.field.as_deref(), Some("colour"));
    assert!(err.message.contains("colour"));
}

#[test]
fn redacted_dsns_round_trip_an_empty_proxy() {
    let c = Config::from_dsn("smsclub://SECRET@default?proxy=").unwrap();
    assert_eq!(c.proxy.as_ref().map(Secret::expose), Some(""));
    let dsn = vibergate_core::internals::dsn::format_redacted(&c);
    assert_eq!(dsn, "smsclub://***@default?proxy=");
    let c =
        Config::from_dsn("smsclub://SECRET@default?proxy=http://u:hunter2@p.example:1").unwrap();
    let dsn = vibergate_core::internals::dsn::format_redacted(&c);
    assert!(
        dsn.ends_with("proxy=***") && !dsn.contains("hunter2"),
        "{dsn}"
    );
    assert_eq!(c.provider, ProviderId::SmsClub);
}

mod properties {
    use proptest::prelude::*;
    use vibergate_core::{Config, ErrorCode};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn any_dsn_is_a_value_or_an_error(dsn in "\\PC{0,80}") {
            let _ = Config::from_dsn(&dsn);
            let _ = Config::from_dsn(&format!("smsclub://{dsn}"));
        }

        #[test]
        fn the_token_never_goes_to_a_host_from_an_option(
            // No letter of the option hosts below, so a token cannot spell them.
            token in "[abAB0-9@?/#&=:%._-]{1,24}",
        ) {
            let dsn = format!(
                "smsclub://{token}@default?proxy=http://u:p@corp.example:3128&sender=x@shop.example"
            );
            match Config::from_dsn(&dsn) {
                Ok(c) => {
                    let url = c.effective_base_url();
                    prop_assert!(!url.contains("corp.example") && !url.contains("shop.example"), "{dsn} -> {url}");
                }
                Err(e) => {
                    prop_assert_eq!(e.code(), ErrorCode::InvalidConfig);
                    if token.len() >= 8 {
                        prop_assert!(!e.message.contains(&token), "{}: {}", dsn, e.message);
                    }
                }
            }
        }
    }
}
