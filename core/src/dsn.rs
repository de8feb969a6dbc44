//! DSN strings: `provider://CREDENTIALS@host[:port][?option=value&…]` (docs/reference.md).
//!
//! Where the credentials end. Users paste tokens without percent-encoding them, and option
//! values (a proxy URL, a sender, a user agent) may contain '@' too, so the split must never
//! let the host come from inside an option value, and never guess when two readings exist:
//!
//! 1. The query starts at the first '?'. If the text before it contains an '@', the last '@'
//!    there ends the credentials and the host follows it: credentials may hold '@', '/', ':'
//!    and '#' unencoded, option values may hold anything but '&'.
//! 2. Otherwise the '?' can only be part of the credentials: the '@'s after it that come
//!    before anything that could begin an option ('=', '&' or another '?') cannot be inside
//!    an option value, and the last of them ends the credentials (`smsby://a/b?c@default`).
//! 3. With no such '@', an '@' after the first '?' makes the DSN ambiguous
//!    (`smsclub://default?proxy=http://u:p@corp:3128` forgot the credentials; the token
//!    would otherwise go to `corp`) and is refused, asking for '?' → `%3F` and '@' → `%40`.
//!
//! The host must be `default`, a DNS name, an IPv4 address or a bracketed IPv6 address, with
//! an optional port 1–65535. Errors name the part (`credentials`, `host`, the option) and
//! never repeat the text, which may be a piece of a credential.

use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

use crate::config::{Config, ProviderId, Secret};
use crate::error::{Error, Result};
use crate::shared_state::SharedStateFallback;

/// Parses a DSN into a validated [`Config`]. Errors name the bad part, never a secret.
pub fn parse(dsn: &str) -> Result<Config> {
    let dsn = dsn.trim();
    let (scheme, rest) = dsn.split_once("://").ok_or_else(|| {
        Error::invalid_config(
            "DSN must look like provider://CREDENTIALS@host (e.g. smsclub://TOKEN@default)",
        )
    })?;
    let provider = ProviderId::parse(&scheme.to_ascii_lowercase()).ok_or_else(|| {
        // Echo the scheme only when it looks like a name, not like a pasted credential.
        let shown = if !scheme.is_empty()
            && scheme.len() <= 20
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            format!(" {scheme:?}")
        } else {
            String::new()
        };
        Error::invalid_config(format!(
            "unknown provider{shown} in DSN; expected smsclub, smsby, decisiontelecom or inteltele"
        ))
        .with_field("provider")
    })?;
    let parts = split(rest).map_err(|e| e.with_provider(provider))?;
    let host = parts.host.strip_suffix('/').unwrap_or(parts.host);
    if !host.eq_ignore_ascii_case("default") {
        crate::config::check_authority(host).map_err(|why| {
            Error::invalid_config(format!(
                "DSN host {why}; it must be `default` or host[:port]"
            ))
            .with_field("host")
            .with_provider(provider)
        })?;
    }

    let mut config = Config::new(provider);
    set_credentials(&mut config, parts.userinfo)?;
    if !host.eq_ignore_ascii_case("default") {
        config.base_url = Some(format!("https://{host}"));
    }
    // A repeated option takes its last value, so that options appended to a DSN (the
    // sandbox's, say) override it.
    for pair in parts
        .query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, None)?;
        let value = decode(value, Some(&key))?;
        apply_option(&mut config, &key, value)?;
    }
    config.validate()?;
    Ok(config)
}

/// A DSN after `provider://`, cut into its three parts (see the module documentation).
#[derive(Debug, PartialEq)]
struct Parts<'a> {
    userinfo: &'a str,
    host: &'a str,
    query: Option<&'a str>,
}

fn split(rest: &str) -> Result<Parts<'_>> {
    let no_credentials = || {
        Error::invalid_config(
            "DSN has no credentials: expected provider://CREDENTIALS@host (percent-encode \
             '@' as %40 and '?' as %3F inside them)",
        )
        .with_field("credentials")
    };
    let first_q = rest.find('?');
    let (authority, query) = match first_q {
        Some(i) => (rest.get(..i).unwrap_or(""), rest.get(i.saturating_add(1)..)),
        None => (rest, None),
    };
    // Rule 1: the credentials end at the last '@' before the query.
    if let Some((userinfo, host)) = authority.rsplit_once('@') {
        return Ok(Parts {
            userinfo,
            host,
            query,
        });
    }
    let Some(query) = query else {
        return Err(no_credentials());
    };
    // Rule 2: the '@'s that come before anything that could begin an option ('=', '&' or
    // another '?') cannot be inside an option value; the last of them ends the credentials.
    let stop = query.find(['=', '&', '?']).unwrap_or(query.len());
    let head = query.get(..stop).unwrap_or("");
    let Some(at) = head.rfind('@') else {
        // Rule 3.
        return Err(if query.contains('@') {
            Error::invalid_config(
                "DSN is ambiguous: an '@' comes after the first '?', so it cannot be told \
                 whether the credentials contain a '?' or an option value contains an '@'; \
                 write provider://CREDENTIALS@host?options and percent-encode '?' as %3F and \
                 '@' as %40 inside the credentials and option values",
            )
            .with_field("credentials")
        } else {
            no_credentials()
        });
    };
    let userinfo_len = authority
        .len()
        .checked_add(1)
        .and_then(|n| n.checked_add(at))
        .ok_or_else(no_credentials)?;
    let userinfo = rest.get(..userinfo_len).ok_or_else(no_credentials)?;
    let after = userinfo_len
        .checked_add(1)
        .and_then(|n| rest.get(n..))
        .ok_or_else(no_credentials)?;
    let (host, query) = match after.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (after, None),
    };
    Ok(Parts {
        userinfo,
        host,
        query,
    })
}

/// An option name as shown in messages: only when it looks like one (a typo of a known
/// name), since a misplaced credential can end up where an option name is expected.
fn shown_key(key: &str) -> String {
    if looks_like_option(key) {
        format!("{key:?}")
    } else {
        "(name not shown)".to_owned()
    }
}

fn looks_like_option(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 40
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The `field` of an option error: its name, or `options` when it does not look like one.
fn field_of(key: &str) -> String {
    if looks_like_option(key) {
        key.to_owned()
    } else {
        "options".to_owned()
    }
}

/// Decodes one option name or value (`+` is a space); `key` is the option's name, `None` for
/// the name itself.
fn decode(text: &str, key: Option<&str>) -> Result<String> {
    let plus_decoded = text.replace('+', " ");
    percent_decode_str(&plus_decoded)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            let (what, field) = match key {
                Some(k) => (format!("option {}", shown_key(k)), field_of(k)),
                None => ("an option name".to_owned(), "options".to_owned()),
            };
            Error::invalid_config(format!("{what} in DSN is not valid percent-encoded UTF-8"))
                .with_field(field)
        })
}

fn set_credentials(config: &mut Config, userinfo: &str) -> Result<()> {
    let decode_secret = |s: &str, what: &str| {
        percent_decode_str(s)
            .decode_utf8()
            .map(|s| Secret::new(s.into_owned()))
            .map_err(|_| {
                Error::invalid_config(format!("{what} in DSN is not valid percent-encoded UTF-8"))
                    .with_field(what)
            })
    };
    match config.provider {
        ProviderId::SmsClub | ProviderId::SmsBy => {
            config.token = Some(decode_secret(userinfo, "token")?)
        }
        ProviderId::DecisionTelecom => config.api_key = Some(decode_secret(userinfo, "api_key")?),
        ProviderId::IntelTele => {
            let (user, key) = userinfo.split_once(':').ok_or_else(|| {
                Error::invalid_config("Intel-Tele DSN needs USERNAME:API_KEY before the @")
                    .with_field("credentials")
                    .with_provider(ProviderId::IntelTele)
            })?;
            config.username = Some(decode_secret(user, "username")?.expose().to_owned());
            config.api_key = Some(decode_secret(key, "api_key")?);
        }
    }
    Ok(())
}

fn apply_option(config: &mut Config, key: &str, value: String) -> Result<()> {
    // Values are not echoed: with a misplaced '&' or '@' they may hold a piece of a credential.
    fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T> {
        value.trim().parse().map_err(|_| {
            Error::invalid_config(format!("option {key} must be a number")).with_field(key)
        })
    }
    match key {
        "base_url" => config.base_url = Some(value),
        "sender" => config.sender = Some(value),
        "sms_sender" => config.sms_sender = Some(value),
        "timeout_ms" => config.timeout_ms = number(key, &value)?,
        "connect_timeout_ms" => config.connect_timeout_ms = number(key, &value)?,
        "max_retries" => config.max_retries = number(key, &value)?,
        "rate_limit" => config.rate_limit = Some(number(key, &value)?),
        "max_in_flight" => config.max_in_flight = number(key, &value)?,
        "deadline_ms" => config.deadline_ms = Some(number(key, &value)?),
        "utc_offset_minutes" => config.utc_offset_minutes = Some(number(key, &value)?),
        "allow_insecure_http" => {
            config.allow_insecure_http = match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(Error::invalid_config(
                        "option allow_insecure_http must be true or false",
                    )
                    .with_field(key))
                }
            }
        }
        "user_agent" => config.user_agent = Some(value),
        // Case-insensitive, stored upper case; empty means none.
        "default_country" => {
            let code = value.trim().to_ascii_uppercase();
            config.default_country = (!code.is_empty()).then_some(code);
        }
        // A proxy URL may carry credentials: never echo it. An empty one means no proxy.
        "proxy" => config.proxy = Some(Secret::new(value)),
        "webhook_secret" => config.webhook_secret = Some(Secret::new(value)),
        // A Redis URL may carry a password: never echo it.
        "shared_state" => config.shared_state = Some(Secret::new(value)),
        "shared_state_fallback" => {
            config.shared_state_fallback = SharedStateFallback::parse(&value).ok_or_else(|| {
                Error::invalid_config("option shared_state_fallback must be local or fail")
                    .with_field(key)
            })?
        }
        "workers" => config.workers = number(key, &value)?,
        _ => {
            // The option names are Config's own fields, minus those a DSN carries elsewhere.
            let known = crate::suggest::field_names::<Config>()
                .iter()
                .copied()
                .filter(|n| !matches!(*n, "provider" | "token" | "api_key" | "username"));
            let hint = match crate::suggest::closest(key, known) {
                Some(name) if looks_like_option(key) => format!(" (did you mean {name:?}?)"),
                _ => String::new(),
            };
            return Err(Error::invalid_config(format!(
                "unknown DSN option {}{hint}",
                shown_key(key)
            ))
            .with_field(field_of(key)));
        }
    }
    Ok(())
}

/// The configuration as a DSN with every secret replaced by `***` (for `to_dsn`, `Debug`, `repr`).
pub fn format_redacted(config: &Config) -> String {
    let credentials = match config.provider {
        ProviderId::IntelTele => format!("{}:***", enc(config.username.as_deref().unwrap_or(""))),
        _ => "***".to_owned(),
    };
    let mut options: Vec<(&str, String)> = Vec::new();
    let host = match config.base_url.as_deref().map(|u| u.trim_end_matches('/')) {
        None => "default".to_owned(),
        Some(url) => match url.strip_prefix("https://") {
            Some(h) if !h.contains(['/', '?', '@']) && !h.is_empty() => h.to_owned(),
            _ => {
                options.push(("base_url", url.to_owned()));
                "default".to_owned()
            }
        },
    };
    let defaults = Config::new(config.provider);
    if let Some(s) = &config.sender {
        options.push(("sender", s.clone()));
    }
    if let Some(s) = &config.sms_sender {
        options.push(("sms_sender", s.clone()));
    }
    if config.timeout_ms != defaults.timeout_ms {
        options.push(("timeout_ms", config.timeout_ms.to_string()));
    }
    if config.connect_timeout_ms != defaults.connect_timeout_ms {
        options.push(("connect_timeout_ms", config.connect_timeout_ms.to_string()));
    }
    if config.max_retries != defaults.max_retries {
        options.push(("max_retries", config.max_retries.to_string()));
    }
    if let Some(r) = config.rate_limit {
        options.push(("rate_limit", r.to_string()));
    }
    if config.max_in_flight != defaults.max_in_flight {
        options.push(("max_in_flight", config.max_in_flight.to_string()));
    }
    if config.allow_insecure_http {
        options.push(("allow_insecure_http", "true".to_owned()));
    }
    if let Some(ua) = &config.user_agent {
        options.push(("user_agent", ua.clone()));
    }
    match &config.proxy {
        // An empty proxy (a direct connection) holds nothing to hide.
        Some(p) if p.is_empty() => options.push(("proxy", String::new())),
        Some(_) => options.push(("proxy", "***".to_owned())),
        None => {}
    }
    if config.webhook_secret.is_some() {
        options.push(("webhook_secret", "***".to_owned()));
    }
    if let Some(d) = config.deadline_ms {
        options.push(("deadline_ms", d.to_string()));
    }
    if let Some(o) = config.utc_offset_minutes {
        options.push(("utc_offset_minutes", o.to_string()));
    }
    if let Some(c) = &config.default_country {
        options.push(("default_country", c.clone()));
    }
    if let Some(url) = &config.shared_state {
        options.push((
            "shared_state",
            crate::shared_state::redacted_url(url.expose()),
        ));
    }
    if config.shared_state_fallback != SharedStateFallback::default() {
        options.push((
            "shared_state_fallback",
            config.shared_state_fallback.as_str().to_owned(),
        ));
    }
    if config.workers != defaults.workers {
        options.push(("workers", config.workers.to_string()));
    }
    let mut dsn = format!("{}://{credentials}@{host}", config.provider);
    for (i, (k, v)) in options.iter().enumerate() {
        dsn.push(if i == 0 { '?' } else { '&' });
        dsn.push_str(k);
        dsn.push('=');
        // Keep the redaction marker readable.
        dsn.push_str(&if v == "***" { v.clone() } else { enc(v) });
    }
    dsn
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// The DSNs of a Router chain: `"smsclub://…@default || decisiontelecom://…@default"`, split on
/// `||`, trimmed, empty parts skipped (a chain with none is refused by `Router::new`).
pub fn split_chain(chain: &str) -> impl Iterator<Item = &str> {
    chain.split("||").map(str::trim).filter(|d| !d.is_empty())
}

/// Whether `text` is a chain of more than one DSN rather than one DSN.
pub fn is_chain(text: &str) -> bool {
    text.contains("||")
}

#[cfg(test)]
mod dsn_suggestions {
    #[test]
    fn an_unknown_option_suggests_the_nearest() {
        let e = super::parse("smsclub://TOKEN@default?sendr=Shop").unwrap_err();
        assert!(e.message.contains("did you mean \"sender\""), "{e}");
        let e = super::parse("smsclub://TOKEN@default?timeout=5").unwrap_err();
        assert!(e.message.contains("timeout_ms"), "{e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Split<'a> = Option<(&'a str, &'a str, Option<&'a str>)>;

    fn parts(rest: &str) -> Split<'_> {
        split(rest).ok().map(|p| (p.userinfo, p.host, p.query))
    }

    #[test]
    fn the_host_never_comes_from_an_option_value() {
        let cases: [(&str, Split<'_>); 17] = [
            ("T@default", Some(("T", "default", None))),
            ("T@default?a=b", Some(("T", "default", Some("a=b")))),
            (
                "MYTOKEN@default?proxy=http://u:p@corp-proxy:3128",
                Some((
                    "MYTOKEN",
                    "default",
                    Some("proxy=http://u:p@corp-proxy:3128"),
                )),
            ),
            ("a@b@default", Some(("a@b", "default", None))),
            ("a/b#c:d@host:1/", Some(("a/b#c:d", "host:1/", None))),
            ("a?b@default", Some(("a?b", "default", None))),
            ("a?b@default?x=y", Some(("a?b", "default", Some("x=y")))),
            ("a?b@default?x=@", Some(("a?b", "default", Some("x=@")))),
            ("a?b@c@default?x=@", Some(("a?b@c", "default", Some("x=@")))),
            ("a?b@default&x@y", Some(("a?b", "default&x@y", None))),
            (
                "a/b?c@default?sender=S",
                Some(("a/b?c", "default", Some("sender=S"))),
            ),
            // Ambiguous or credential-less: refused.
            ("default?proxy=http://u:p@corp-proxy:3128", None),
            ("tok?x=y@default", None),
            ("tok?x&y@default", None),
            ("tok?x?y@default", None),
            ("default", None),
            ("default?sender=x", None),
        ];
        for (rest, want) in cases {
            assert_eq!(parts(rest), want, "{rest}");
        }
    }

    #[test]
    fn split_errors_name_credentials_and_never_echo() {
        for rest in [
            "default?proxy=http://SECRET:SECRET@corp:3128",
            "SECRET?a=b@default",
            "SECRET",
        ] {
            let err = split(rest).unwrap_err();
            assert_eq!(err.field.as_deref(), Some("credentials"));
            assert!(!err.message.contains("SECRET"), "{}", err.message);
        }
    }
}
