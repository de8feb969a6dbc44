//! DSN strings: `provider://CREDENTIALS@host[:port][?option=value&…]` (SPEC §2).

use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};

use crate::config::{Config, ProviderId, Secret};
use crate::error::{Error, Result};

/// Parses a DSN into a validated [`Config`]. Errors name the bad part, never a secret.
pub fn parse(dsn: &str) -> Result<Config> {
    let dsn = dsn.trim();
    let (scheme, rest) = dsn.split_once("://").ok_or_else(|| {
        Error::invalid_config(
            "DSN must look like provider://CREDENTIALS@host (e.g. smsclub://TOKEN@default)",
        )
    })?;
    let provider = ProviderId::parse(&scheme.to_ascii_lowercase()).ok_or_else(|| {
        Error::invalid_config(format!(
            "unknown provider {scheme:?} in DSN; expected smsclub, smsby, decisiontelecom or inteltele"
        ))
        .with_field("provider")
    })?;
    // Credentials may contain '/', '?' or '#' when the user did not percent-encode them, so
    // split at the last '@' first; the host never contains one.
    let at = rest.rfind('@').ok_or_else(|| {
        Error::invalid_config(format!(
            "DSN has no credentials: expected {scheme}://CREDENTIALS@host"
        ))
        .with_field("credentials")
        .with_provider(provider)
    })?;
    let (userinfo, after) = (&rest[..at], &rest[at + 1..]);
    let (host, query) = match after.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (after, None),
    };
    let host = host.trim_end_matches('/');
    if host.is_empty() || host.contains('/') {
        return Err(
            Error::invalid_config("DSN host must be `default` or host[:port]")
                .with_field("host")
                .with_provider(provider),
        );
    }

    let mut config = Config::new(provider);
    set_credentials(&mut config, userinfo)?;
    if !host.eq_ignore_ascii_case("default") {
        config.base_url = Some(format!("https://{host}"));
    }
    for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, "option name")?;
        let value = decode(value, &key)?;
        apply_option(&mut config, &key, value)?;
    }
    config.validate()?;
    Ok(config)
}

fn decode(text: &str, what: &str) -> Result<String> {
    let plus_decoded = text.replace('+', " ");
    percent_decode_str(&plus_decoded)
        .decode_utf8()
        .map(|s| s.into_owned())
        .map_err(|_| {
            Error::invalid_config(format!("{what} in DSN is not valid percent-encoded UTF-8"))
                .with_field(what)
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
    fn number<T: std::str::FromStr>(key: &str, value: &str) -> Result<T> {
        value.parse().map_err(|_| {
            Error::invalid_config(format!("option {key} must be a number, got {value:?}"))
                .with_field(key)
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
        "utc_offset_minutes" => config.utc_offset_minutes = Some(number(key, &value)?),
        "allow_insecure_http" => {
            config.allow_insecure_http = match value.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" | "" => false,
                _ => {
                    return Err(Error::invalid_config(format!(
                        "option allow_insecure_http must be true or false, got {value:?}"
                    ))
                    .with_field(key))
                }
            }
        }
        "user_agent" => config.user_agent = Some(value),
        // A proxy URL may carry credentials: never echo it.
        "proxy" => config.proxy = Some(Secret::new(value)),
        "webhook_secret" => config.webhook_secret = Some(Secret::new(value)),
        _ => {
            return Err(Error::invalid_config(format!("unknown DSN option {key:?}"))
                .with_field(key.to_owned()))
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
    if config.proxy.is_some() {
        options.push(("proxy", "***".to_owned()));
    }
    if config.webhook_secret.is_some() {
        options.push(("webhook_secret", "***".to_owned()));
    }
    if let Some(o) = config.utc_offset_minutes {
        options.push(("utc_offset_minutes", o.to_string()));
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
