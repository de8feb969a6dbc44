//! Client configuration (SPEC §2): the provider, its credentials and the options.

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// The four providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ProviderId {
    #[serde(rename = "smsclub")]
    SmsClub,
    #[serde(rename = "smsby")]
    SmsBy,
    #[serde(rename = "decisiontelecom")]
    DecisionTelecom,
    #[serde(rename = "inteltele")]
    IntelTele,
}

impl ProviderId {
    pub const ALL: [ProviderId; 4] = [
        ProviderId::SmsClub,
        ProviderId::SmsBy,
        ProviderId::DecisionTelecom,
        ProviderId::IntelTele,
    ];

    /// The id used in DSNs and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ProviderId::SmsClub => "smsclub",
            ProviderId::SmsBy => "smsby",
            ProviderId::DecisionTelecom => "decisiontelecom",
            ProviderId::IntelTele => "inteltele",
        }
    }

    /// The provider's own name, for messages.
    pub fn display_name(self) -> &'static str {
        match self {
            ProviderId::SmsClub => "SMS Club",
            ProviderId::SmsBy => "SMS.by",
            ProviderId::DecisionTelecom => "DecisionTelecom",
            ProviderId::IntelTele => "Intel-Tele",
        }
    }

    pub fn parse(id: &str) -> Option<ProviderId> {
        ProviderId::ALL.into_iter().find(|p| p.as_str() == id)
    }

    /// The production base URL, used for the DSN host `default`.
    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderId::SmsClub => "https://im.smsclub.mobi",
            ProviderId::SmsBy => "https://app.sms.by",
            ProviderId::DecisionTelecom => "https://web.it-decision.com",
            ProviderId::IntelTele => "https://api.sms.intel-tele.com",
        }
    }

    /// Requests per second when the configuration does not say (SMS Club documents 9).
    pub fn default_rate_limit(self) -> f64 {
        match self {
            ProviderId::SmsClub => 9.0,
            _ => 0.0,
        }
    }
}

impl fmt::Display for ProviderId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A credential. Its `Debug`, `Display` and serialised forms are `***`; only
/// [`Secret::expose`] gives the value, and only the provider modules call it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Serialize for Secret {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for Secret {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(d).map(Secret)
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Secret(s.to_owned())
    }
}

impl From<String> for Secret {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

/// Everything a client needs. Build it with [`Config::new`] and the setters, from a DSN
/// ([`Config::from_dsn`]) or from JSON (`{"provider":"smsclub","token":"…","sender":"Shop"}`).
/// Serialising it replaces every secret with `***`.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub provider: ProviderId,
    /// SMS Club and SMS.by token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<Secret>,
    /// DecisionTelecom and Intel-Tele API key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key: Option<Secret>,
    /// Intel-Tele user name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    /// Full override of the provider's base URL (e.g. the sandbox's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    /// Default Viber sender.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<String>,
    /// Default SMS sender of the SMS fallback.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_sender: Option<String>,
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// Requests per second shared by every thread; `None` takes the provider's default, 0 is off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Product token appended to `vibergate/<version>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Proxy URL; `None` reads `HTTPS_PROXY`/`ALL_PROXY`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Secret>,
    /// The account's UTC offset in minutes, used for SMS.by's local times (default +180, Minsk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// When set, `send` adds a `vg_token` to every `callback_url` so that `parse_webhook` can
    /// tell the provider's callbacks from forgeries (SPEC §6).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
}

mod defaults {
    pub fn timeout_ms() -> u64 {
        30_000
    }
    pub fn connect_timeout_ms() -> u64 {
        10_000
    }
    pub fn max_retries() -> u32 {
        2
    }
    pub fn max_in_flight() -> usize {
        4
    }
}

impl Config {
    /// A configuration with every option at its default and no credentials.
    pub fn new(provider: ProviderId) -> Self {
        Config {
            provider,
            token: None,
            api_key: None,
            username: None,
            base_url: None,
            sender: None,
            sms_sender: None,
            timeout_ms: defaults::timeout_ms(),
            connect_timeout_ms: defaults::connect_timeout_ms(),
            max_retries: defaults::max_retries(),
            rate_limit: None,
            max_in_flight: defaults::max_in_flight(),
            allow_insecure_http: false,
            user_agent: None,
            proxy: None,
            utc_offset_minutes: None,
            webhook_secret: None,
        }
    }

    pub fn smsclub(token: impl Into<Secret>) -> Self {
        Config::new(ProviderId::SmsClub).token(token)
    }

    pub fn smsby(token: impl Into<Secret>) -> Self {
        Config::new(ProviderId::SmsBy).token(token)
    }

    pub fn decisiontelecom(api_key: impl Into<Secret>) -> Self {
        Config::new(ProviderId::DecisionTelecom).api_key(api_key)
    }

    pub fn inteltele(username: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        let mut config = Config::new(ProviderId::IntelTele).api_key(api_key);
        config.username = Some(username.into());
        config
    }

    /// Parses a DSN such as `smsclub://TOKEN@default?sender=Shop` (SPEC §2).
    pub fn from_dsn(dsn: &str) -> Result<Self> {
        crate::dsn::parse(dsn)
    }

    /// Parses a JSON configuration object; unknown keys are refused.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Config = serde_json::from_str(json).map_err(|e| {
            // serde's message names the key or the type, never the value of a string.
            Error::invalid_config(format!("bad JSON configuration: {}", redact_serde(&e)))
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    pub fn sms_sender(mut self, sender: impl Into<String>) -> Self {
        self.sms_sender = Some(sender.into());
        self
    }

    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }

    pub fn connect_timeout_ms(mut self, ms: u64) -> Self {
        self.connect_timeout_ms = ms;
        self
    }

    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }

    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    pub fn proxy(mut self, url: impl Into<Secret>) -> Self {
        self.proxy = Some(url.into());
        self
    }

    /// The base URL requests go to: the override, or the provider's production URL.
    pub fn effective_base_url(&self) -> &str {
        self.base_url
            .as_deref()
            .unwrap_or_else(|| self.provider.default_base_url())
            .trim_end_matches('/')
    }

    /// Requests per second after applying the provider's default; 0 means unlimited.
    pub fn effective_rate_limit(&self) -> f64 {
        self.rate_limit
            .unwrap_or_else(|| self.provider.default_rate_limit())
    }

    /// Checks credentials, option ranges and the base URL's scheme. Errors never echo a secret.
    pub fn validate(&self) -> Result<()> {
        let missing = |what: &str| {
            Error::invalid_config(format!("{} needs {what}", self.provider.display_name()))
                .with_field(what)
                .with_provider(self.provider)
        };
        let present = |s: &Option<Secret>| s.as_ref().is_some_and(|s| !s.is_empty());
        match self.provider {
            ProviderId::SmsClub | ProviderId::SmsBy => {
                if !present(&self.token) {
                    return Err(missing("token"));
                }
            }
            ProviderId::DecisionTelecom => {
                if !present(&self.api_key) {
                    return Err(missing("api_key"));
                }
            }
            ProviderId::IntelTele => {
                if self.username.as_deref().is_none_or(str::is_empty) {
                    return Err(missing("username"));
                }
                if !present(&self.api_key) {
                    return Err(missing("api_key"));
                }
            }
        }
        let bad = |option: &str, why: &str| {
            Error::invalid_config(format!("option {option}: {why}")).with_field(option)
        };
        if self.timeout_ms == 0 {
            return Err(bad("timeout_ms", "must be greater than 0"));
        }
        if self.connect_timeout_ms == 0 {
            return Err(bad("connect_timeout_ms", "must be greater than 0"));
        }
        if self.max_in_flight == 0 {
            return Err(bad("max_in_flight", "must be at least 1"));
        }
        if let Some(rate) = self.rate_limit {
            if !rate.is_finite() || rate < 0.0 {
                return Err(bad("rate_limit", "must be a number ≥ 0 (0 = off)"));
            }
        }
        if let Some(offset) = self.utc_offset_minutes {
            if !(-14 * 60..=14 * 60).contains(&offset) {
                return Err(bad("utc_offset_minutes", "must be within ±840"));
            }
        }
        check_base_url(self.effective_base_url(), self.allow_insecure_http)
    }
}

/// Refuses anything but `https://`, or `http://` to a loopback host unless insecure HTTP is allowed.
fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<()> {
    let bad = |why: String| Error::invalid_config(why).with_field("base_url");
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad(format!("base_url {url:?} has no scheme (use https://host)")))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(bad("base_url must not carry credentials".into()));
    }
    let host = host_of(authority);
    if host.is_empty() {
        return Err(bad(format!("base_url {url:?} has no host")));
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(host) => Ok(()),
        "http" => Err(bad(format!(
            "plain http:// to {host} would send credentials in clear text; use https:// or set allow_insecure_http"
        ))),
        other => Err(bad(format!("base_url scheme {other:?} is not http or https"))),
    }
}

/// The host part of `host[:port]` or `[v6]:port`.
pub(crate) fn host_of(authority: &str) -> &str {
    if let Some(rest) = authority.strip_prefix('[') {
        return rest.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

pub(crate) fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// serde_json errors quote unexpected string values; keep only the part that names the problem.
pub(crate) fn redact_serde(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.find("invalid value: string") {
        Some(i) => format!(
            "{}invalid string value at line {} column {}",
            &text[..i],
            e.line(),
            e.column()
        ),
        None => text,
    }
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::dsn::format_redacted(self))
    }
}
