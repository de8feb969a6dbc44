//! Client configuration: the provider, its credentials and the options (docs/reference.md).

use std::fmt;
use std::net::IpAddr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

/// How a configuration text is written: [`Config::parse`] reads both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigSyntax {
    /// `smsclub://TOKEN@default?sender=Shop`: option names are snake_case in every language.
    Dsn,
    /// `{"provider":"smsclub",…}`: a binding may name the keys in its own case.
    Json,
}

impl ConfigSyntax {
    /// JSON when the text starts with `{` (after white space), else a DSN.
    pub fn of(text: &str) -> ConfigSyntax {
        if text.trim_start().starts_with('{') {
            ConfigSyntax::Json
        } else {
            ConfigSyntax::Dsn
        }
    }
}

/// The four providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum ProviderId {
    /// SMS Club (`smsclub`).
    #[serde(rename = "smsclub")]
    SmsClub,
    /// SMS.by (`smsby`).
    #[serde(rename = "smsby")]
    SmsBy,
    /// DecisionTelecom (`decisiontelecom`).
    #[serde(rename = "decisiontelecom")]
    DecisionTelecom,
    /// Intel-Tele (`inteltele`).
    #[serde(rename = "inteltele")]
    IntelTele,
}

impl ProviderId {
    /// Every provider, in the order the documentation lists them.
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

    /// The provider of an id (`smsclub`…), if it is one; [`str::parse`] says why not.
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

/// The one error for a provider name given as an argument (`parse_webhook`, a sandbox's `dsn`,
/// the CLI's `--provider`) that is not one: `invalid_message` on `provider` — bad input, as
/// every binding's `parse_webhook` has always said — naming the four ids and the closest one.
/// In a configuration the DSN or JSON parser reports the provider as `invalid_config`.
impl std::str::FromStr for ProviderId {
    type Err = Error;

    fn from_str(id: &str) -> Result<ProviderId> {
        ProviderId::parse(id).ok_or_else(|| {
            let names = ProviderId::ALL.map(ProviderId::as_str);
            let hint = crate::suggest::closest(id, names)
                .map(|s| format!(" (did you mean {s:?}?)"))
                .unwrap_or_default();
            Error::invalid_message(
                "provider",
                format!(
                    "unknown provider {:?}{hint}; expected smsclub, smsby, decisiontelecom or inteltele",
                    id.chars().take(64).collect::<String>()
                ),
            )
        })
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
    /// Wraps a credential.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The credential itself; never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether the credential is the empty string.
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
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The provider this client sends through.
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
    /// Whole request, 1 ms to [`MAX_TIMEOUT_MS`].
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// 1 ms to [`MAX_TIMEOUT_MS`].
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    /// 0 to [`MAX_RETRIES`].
    #[serde(default = "defaults::max_retries")]
    pub max_retries: u32,
    /// Requests per second shared by every thread; `None` takes the provider's default, 0 is
    /// off, otherwise [`MIN_RATE_LIMIT`] to [`MAX_RATE_LIMIT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<f64>,
    /// Parallel requests of one fan-out, 1 to [`MAX_IN_FLIGHT_LIMIT`].
    #[serde(default = "defaults::max_in_flight")]
    pub max_in_flight: usize,
    /// Allows plain `http://` to a host other than loopback (credentials would travel in clear
    /// text); default `false`.
    #[serde(default)]
    pub allow_insecure_http: bool,
    /// Product token appended to `vibergate/<version>`: visible ASCII and spaces, at most
    /// [`MAX_USER_AGENT_LEN`] bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// Proxy URL (`http://` or `https://`, optionally `user:password@`); `None` reads
    /// `HTTPS_PROXY`/`ALL_PROXY` (never `HTTP_PROXY`) with `NO_PROXY`; empty means no proxy.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<Secret>,
    /// The account's UTC offset in minutes, used for SMS.by's local times (default +180, Minsk).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utc_offset_minutes: Option<i32>,
    /// When set, `send` adds a `vg_token` to every `callback_url` so that `parse_webhook` can
    /// tell the provider's callbacks from forgeries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_secret: Option<Secret>,
    /// Bounds one whole call (retries, waits, rate-limit slots and fan-out included): when it
    /// runs out, recipients not yet sent are rejected `deadline`, those in flight stay uncertain.
    /// 1 ms to [`MAX_DEADLINE_MS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deadline_ms: Option<u64>,
    /// ISO 3166-1 alpha-2 country (`UA`, `BY`; any case in, upper case stored) whose national
    /// numbers (`063 611 11 12`, `8 029 …`) become international; without it a number that can
    /// only be national is rejected `invalid_number`.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "upper_case"
    )]
    pub default_country: Option<String>,
    /// Redis shared by every process sending through this account (`redis://host:6379/0`,
    /// `rediss://…` with TLS, `unix:///path/redis.sock`): the rate limit, `Retry-After` pauses
    /// and Router cool-downs become the account's, not the process's. `None`: this process
    /// alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shared_state: Option<Secret>,
    /// While `shared_state` cannot be reached: `local` (this process's own limiter at
    /// `rate_limit / workers`, with a WARNING) or `fail` (`transport`, nothing sent).
    #[serde(default)]
    pub shared_state_fallback: crate::shared_state::SharedStateFallback,
    /// How many processes share the account, for the `local` fallback; 1 to
    /// [`MAX_WORKERS`](crate::MAX_WORKERS).
    #[serde(default = "defaults::workers")]
    pub workers: u32,
}

/// `default_country` is case-insensitive: stored upper case.
fn upper_case<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| s.to_ascii_uppercase()))
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
    pub fn workers() -> u32 {
        1
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
            deadline_ms: None,
            default_country: None,
            shared_state: None,
            shared_state_fallback: Default::default(),
            workers: defaults::workers(),
        }
    }

    /// An SMS Club configuration with this token.
    pub fn smsclub(token: impl Into<Secret>) -> Self {
        Config::new(ProviderId::SmsClub).token(token)
    }

    /// An SMS.by configuration with this token.
    pub fn smsby(token: impl Into<Secret>) -> Self {
        Config::new(ProviderId::SmsBy).token(token)
    }

    /// A DecisionTelecom configuration with this API key.
    pub fn decisiontelecom(api_key: impl Into<Secret>) -> Self {
        Config::new(ProviderId::DecisionTelecom).api_key(api_key)
    }

    /// An Intel-Tele configuration with this user name and API key.
    pub fn inteltele(username: impl Into<String>, api_key: impl Into<Secret>) -> Self {
        let mut config = Config::new(ProviderId::IntelTele).api_key(api_key);
        config.username = Some(username.into());
        config
    }

    /// Parses a DSN such as `smsclub://TOKEN@default?sender=Shop` (docs/reference.md).
    pub fn from_dsn(dsn: &str) -> Result<Self> {
        crate::dsn::parse(dsn)
    }

    /// A configuration from a DSN or a JSON object (text starting with `{`): what every
    /// binding's constructor takes.
    pub fn parse(dsn_or_json: &str) -> Result<Self> {
        match ConfigSyntax::of(dsn_or_json) {
            ConfigSyntax::Json => Config::from_json(dsn_or_json.trim()),
            ConfigSyntax::Dsn => Config::from_dsn(dsn_or_json.trim()),
        }
    }

    /// Parses and validates a JSON configuration object; unknown keys are refused (with the
    /// closest known option when one is near). The message names keys and kinds, never a value.
    pub fn from_json(json: &str) -> Result<Self> {
        let config: Config = serde_json::from_str(json)
            .map_err(|e| crate::suggest::json_error(&e, json, crate::suggest::Noun::Option))?;
        config.validate()?;
        Ok(config)
    }

    /// Sets the token (SMS Club, SMS.by).
    pub fn token(mut self, token: impl Into<Secret>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Sets the API key (DecisionTelecom, Intel-Tele).
    pub fn api_key(mut self, key: impl Into<Secret>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// Sends requests to this base URL instead of the provider's production URL.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// Sets the default Viber sender; SMS.by: the numeric Viber name id.
    pub fn sender(mut self, sender: impl Into<String>) -> Self {
        self.sender = Some(sender.into());
        self
    }

    /// Sets the default SMS sender of the fallback; SMS.by: the numeric alpha name id.
    pub fn sms_sender(mut self, sender: impl Into<String>) -> Self {
        self.sms_sender = Some(sender.into());
        self
    }

    /// Sets the timeout of one whole request, in milliseconds (default 30000).
    pub fn timeout_ms(mut self, ms: u64) -> Self {
        self.timeout_ms = ms;
        self
    }

    /// Sets the timeout of opening a connection, in milliseconds (default 10000).
    pub fn connect_timeout_ms(mut self, ms: u64) -> Self {
        self.connect_timeout_ms = ms;
        self
    }

    /// Sets how many times one request is retried (default 2).
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = n;
        self
    }

    /// Sets the requests per second; 0 turns the limit off.
    pub fn rate_limit(mut self, per_second: f64) -> Self {
        self.rate_limit = Some(per_second);
        self
    }

    /// Sets how many requests one call runs in parallel (default 4).
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n;
        self
    }

    /// Allows plain `http://` to a host other than loopback.
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Sets the product token appended to `vibergate/<version>`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = Some(ua.into());
        self
    }

    /// Bounds each whole call to this many milliseconds.
    pub fn deadline_ms(mut self, ms: u64) -> Self {
        self.deadline_ms = Some(ms);
        self
    }

    /// The country of national numbers (ISO 3166-1 alpha-2, any case; stored upper case).
    pub fn default_country(mut self, code: impl Into<String>) -> Self {
        self.default_country = Some(code.into().to_ascii_uppercase());
        self
    }

    /// Sends every request through this proxy URL; an empty one means no proxy at all.
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

    /// Shares the rate limit, `Retry-After` pauses and Router cool-downs with every process using
    /// the account, through Redis at `url` (see [`Config::shared_state`](Config#structfield.shared_state)).
    pub fn shared_state(mut self, url: impl Into<Secret>) -> Self {
        self.shared_state = Some(url.into());
        self
    }

    /// What to do while the shared state cannot be reached.
    pub fn shared_state_fallback(
        mut self,
        fallback: crate::shared_state::SharedStateFallback,
    ) -> Self {
        self.shared_state_fallback = fallback;
        self
    }

    /// How many processes share the account (the `local` fallback's divisor).
    pub fn workers(mut self, n: u32) -> Self {
        self.workers = n;
        self
    }

    /// Requests per second after applying the provider's default; 0 means unlimited.
    pub fn effective_rate_limit(&self) -> f64 {
        self.rate_limit
            .unwrap_or_else(|| self.provider.default_rate_limit())
    }

    /// Checks credentials, option ranges, the base URL and the proxy, so that every value a
    /// client is built from is one the transport can use without failing or panicking later.
    /// Each refusal is `invalid_config` with `field` set to the option's name; no message
    /// echoes a credential, a URL or a value that could carry one.
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
        // Credentials travel in headers and form fields: a control character (a newline left
        // over from a file, typically) can only be a mistake, and would make every request fail.
        for (field, value) in [
            ("token", self.token.as_ref().map(Secret::expose)),
            ("api_key", self.api_key.as_ref().map(Secret::expose)),
            ("username", self.username.as_deref()),
        ] {
            if value.is_some_and(|v| v.chars().any(char::is_control)) {
                return Err(bad(
                    field,
                    "contains a control character (a line break or tab copied with it?)",
                ));
            }
        }
        check_range(
            "timeout_ms",
            self.timeout_ms,
            1,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?;
        check_range(
            "connect_timeout_ms",
            self.connect_timeout_ms,
            1,
            MAX_TIMEOUT_MS,
            "milliseconds",
        )?;
        check_range(
            "max_retries",
            u64::from(self.max_retries),
            0,
            MAX_RETRIES.into(),
            "retries",
        )?;
        // usize → u64 cannot fail on any supported target; a failure would be refused anyway.
        let in_flight = u64::try_from(self.max_in_flight).unwrap_or(u64::MAX);
        check_range(
            "max_in_flight",
            in_flight,
            1,
            MAX_IN_FLIGHT_LIMIT,
            "parallel requests",
        )?;
        if let Some(deadline) = self.deadline_ms {
            check_range(
                "deadline_ms",
                deadline,
                1,
                MAX_DEADLINE_MS,
                "milliseconds (leave it out for none)",
            )?;
        }
        if let Some(rate) = self.rate_limit {
            check_rate_limit(rate)?;
        }
        if let Some(offset) = self.utc_offset_minutes {
            if !(-14 * 60..=14 * 60).contains(&offset) {
                return Err(bad("utc_offset_minutes", "must be within ±840"));
            }
        }
        for (field, value) in [
            ("sender", self.sender.as_deref()),
            ("sms_sender", self.sms_sender.as_deref()),
        ] {
            if value.is_some_and(|v| v.chars().any(char::is_control)) {
                return Err(bad(field, "must not contain control characters"));
            }
        }
        if let Some(ua) = &self.user_agent {
            check_user_agent(ua)?;
        }
        if let Some(country) = &self.default_country {
            check_default_country(country)?;
        }
        if self.webhook_secret.as_ref().is_some_and(Secret::is_empty) {
            return Err(bad(
                "webhook_secret",
                "must not be empty (an empty key lets anyone sign callbacks)",
            ));
        }
        check_range(
            "workers",
            u64::from(self.workers),
            1,
            crate::shared_state::MAX_WORKERS.into(),
            "processes",
        )?;
        if let Some(url) = &self.shared_state {
            crate::shared_state::check_url(url.expose())?;
        }
        if let Some(proxy) = &self.proxy {
            if !proxy.is_empty() {
                proxy_from_url(proxy.expose(), None, "option proxy", "proxy")?;
            }
        }
        check_base_url(self.effective_base_url(), self.allow_insecure_http)
    }
}

/// The longest `timeout_ms` / `connect_timeout_ms`: one hour. Longer waits are a mistake (a
/// unit confusion, typically) and would hold a fan-out slot for that long.
pub const MAX_TIMEOUT_MS: u64 = 60 * 60 * 1000;
/// The most retries of one request (backoff is capped at 10 s, so 10 retries already
/// wait up to 100 s).
pub const MAX_RETRIES: u32 = 10;
/// The most parallel requests of one fan-out: each one is a thread and a connection.
pub const MAX_IN_FLIGHT_LIMIT: u64 = 256;
/// The longest `deadline_ms`: one day. It also keeps `Instant::now() + deadline` far from any
/// overflow.
pub const MAX_DEADLINE_MS: u64 = 24 * 60 * 60 * 1000;
/// The slowest positive `rate_limit`: one request every 1000 s. Anything slower is a mistake
/// (and `1/rate` would overflow a `Duration` for tiny values).
pub const MIN_RATE_LIMIT: f64 = 0.001;
/// The fastest `rate_limit`: a million requests per second (above that, use 0 = off).
pub const MAX_RATE_LIMIT: f64 = 1_000_000.0;
/// The longest `user_agent` product token.
pub const MAX_USER_AGENT_LEN: usize = 256;

fn check_range(option: &str, value: u64, min: u64, max: u64, unit: &str) -> Result<()> {
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(
            Error::invalid_config(format!("option {option} must be {min}–{max} {unit}"))
                .with_field(option),
        )
    }
}

fn check_rate_limit(rate: f64) -> Result<()> {
    // `rate == 0.0` also takes -0.0: off.
    let ok = rate == 0.0 || (rate.is_finite() && (MIN_RATE_LIMIT..=MAX_RATE_LIMIT).contains(&rate));
    if ok {
        Ok(())
    } else {
        Err(Error::invalid_config(format!(
            "option rate_limit must be 0 (off) or {MIN_RATE_LIMIT}–{MAX_RATE_LIMIT} requests per second"
        ))
        .with_field("rate_limit"))
    }
}

/// `default_country` must be a country libphonenumber has numbering metadata for. The value is
/// echoed only when it looks like a country code.
fn check_default_country(country: &str) -> Result<()> {
    if crate::phone::is_known_country(country) {
        return Ok(());
    }
    let shown = if country.len() == 2 && country.bytes().all(|b| b.is_ascii_alphabetic()) {
        format!(" {country:?}")
    } else {
        String::new()
    };
    Err(Error::invalid_config(format!(
        "option default_country{shown} is not a known ISO 3166-1 alpha-2 country code (e.g. UA, BY)"
    ))
    .with_field("default_country"))
}

/// The user agent becomes a header value: visible ASCII and spaces only (the HTTP library
/// would fail, or panic, on a line break or a control character).
fn check_user_agent(ua: &str) -> Result<()> {
    let bad = |why: &str| {
        Error::invalid_config(format!("option user_agent {why}")).with_field("user_agent")
    };
    if ua.len() > MAX_USER_AGENT_LEN {
        return Err(bad(&format!(
            "is longer than {MAX_USER_AGENT_LEN} characters"
        )));
    }
    if !ua.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(bad(
            "may hold only visible ASCII characters and spaces (no line breaks or control characters)",
        ));
    }
    Ok(())
}

/// The parts of `host[:port]` or `[v6][:port]`, checked: a DNS name (ASCII letters, digits,
/// `-`, `_`, `.`), an IPv4 address or a bracketed IPv6 address, and a port 1–65535. The error
/// says what is wrong without repeating the text, which may be part of a credential.
pub(crate) fn check_authority(authority: &str) -> std::result::Result<(), &'static str> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (v6, after) = rest
            .split_once(']')
            .ok_or("an IPv6 address must be closed by ']'")?;
        if v6.parse::<std::net::Ipv6Addr>().is_err() {
            return Err("is not a valid IPv6 address");
        }
        let port = match after {
            "" => None,
            p => Some(p.strip_prefix(':').ok_or("must be [IPv6]:port")?),
        };
        (None, port)
    } else {
        match authority.split_once(':') {
            Some((h, p)) => (Some(h), Some(p)),
            None => (Some(authority), None),
        }
    };
    if let Some(host) = host {
        if host.is_empty() {
            return Err("has no host");
        }
        if host.len() > 253 {
            return Err("has a host name longer than 253 characters");
        }
        if !host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        {
            return Err(
                "has a host with characters other than letters, digits, '-', '_' and '.' \
                 (IPv6 needs [brackets]; international names need their xn-- form)",
            );
        }
        if host.starts_with(['.', '-']) || host.contains("..") {
            return Err("has a malformed host name");
        }
    }
    if let Some(port) = port {
        let valid = !port.is_empty()
            && port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u16>().is_ok_and(|p| p != 0);
        if !valid {
            return Err("has a port that is not a number from 1 to 65535");
        }
    }
    Ok(())
}

/// Refuses anything but `https://`, or `http://` to a loopback host unless insecure HTTP is
/// allowed. The URL is never echoed: a misplaced one may carry a credential.
fn check_base_url(url: &str, allow_insecure_http: bool) -> Result<()> {
    let bad = |why: String| Error::invalid_config(why).with_field("base_url");
    if !url.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(bad(
            "base_url must be printable ASCII without spaces (percent-encode the rest)".into(),
        ));
    }
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad("base_url has no scheme (write https://host[:port])".into()))?;
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => rest.split_at_checked(i).unwrap_or((rest, "")),
        None => (rest, ""),
    };
    if authority.contains('@') {
        return Err(bad(
            "base_url must not carry credentials (user:password@); give them as token/api_key"
                .into(),
        ));
    }
    if path.contains(['?', '#']) {
        return Err(bad(
            "base_url must not have a query or a fragment: request paths are appended to it".into(),
        ));
    }
    check_authority(authority).map_err(|why| bad(format!("base_url {why}")))?;
    let host = host_of(authority);
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if allow_insecure_http || is_loopback(host) => Ok(()),
        "http" => Err(bad(
            "plain http:// to a host other than loopback would send credentials in clear text; \
             use https:// or set allow_insecure_http"
                .into(),
        )),
        _ => Err(bad("base_url scheme must be http or https".into())),
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

/// The environment variables a proxy is read from, in order. `HTTP_PROXY`/`http_proxy` are
/// never read: under CGI a request's `Proxy:` header becomes `HTTP_PROXY` ("httpoxy").
pub const PROXY_ENV: [&str; 4] = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"];
/// The environment variables listing hosts that bypass a proxy read from [`PROXY_ENV`].
pub const NO_PROXY_ENV: [&str; 2] = ["NO_PROXY", "no_proxy"];

/// The proxy of `config`: its `proxy` option, or else the environment ([`proxy_from_env`]).
/// An explicit empty `proxy` means a direct connection, whatever the environment says.
pub(crate) fn effective_proxy(config: &Config) -> Result<Option<ureq::Proxy>> {
    match &config.proxy {
        Some(url) if url.is_empty() => Ok(None),
        Some(url) => proxy_from_url(url.expose(), None, "option proxy", "proxy").map(Some),
        None => proxy_from_env(),
    }
}

/// The proxy named by the first non-empty variable of [`PROXY_ENV`], honouring `NO_PROXY` /
/// `no_proxy` (comma-separated host names, `.suffix` / `*.suffix`, or `*`). An unusable value
/// is `invalid_config` naming the variable, never echoing its value (it may hold a password).
pub(crate) fn proxy_from_env() -> Result<Option<ureq::Proxy>> {
    proxy_from_lookup(&|name| std::env::var(name))
}

/// [`proxy_from_env`] over any variable lookup (tests pass a map).
fn proxy_from_lookup(
    lookup: &dyn Fn(&str) -> std::result::Result<String, std::env::VarError>,
) -> Result<Option<ureq::Proxy>> {
    let read = |name: &str| -> Result<Option<String>> {
        match lookup(name) {
            Ok(v) if v.trim().is_empty() => Ok(None),
            Ok(v) => Ok(Some(v.trim().to_owned())),
            Err(std::env::VarError::NotPresent) => Ok(None),
            Err(std::env::VarError::NotUnicode(_)) => Err(Error::invalid_config(format!(
                "environment variable {name} is not valid UTF-8"
            ))
            .with_field("proxy")),
        }
    };
    let mut no_proxy = None;
    for name in NO_PROXY_ENV {
        if let Some(v) = read(name)? {
            no_proxy = Some(v);
            break;
        }
    }
    for name in PROXY_ENV {
        if let Some(url) = read(name)? {
            let what = format!("environment variable {name}");
            return proxy_from_url(&url, no_proxy.as_deref(), &what, "proxy").map(Some);
        }
    }
    Ok(None)
}

/// A ureq proxy for `url` (an `http://` or `https://` CONNECT proxy, optionally with
/// `user:password@`), bypassed for the hosts of `no_proxy`. `what` names the source in errors.
fn proxy_from_url(
    url: &str,
    no_proxy: Option<&str>,
    what: &str,
    field: &str,
) -> Result<ureq::Proxy> {
    let bad = |why: &str| Error::invalid_config(format!("{what} {why}")).with_field(field);
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(bad("must not contain spaces or control characters"));
    }
    // ureq accepts some malformed authorities (a port above 65535 becomes the default port):
    // check host and port first.
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = after_scheme
        .split(['/', '?', '#'])
        .next()
        .unwrap_or(after_scheme);
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    check_authority(host_port).map_err(|why| bad(&format!("URL {why}")))?;
    let proxy = ureq::Proxy::new(url).map_err(|_| {
        bad("is not a valid proxy URL (http://[user:password@]host:port; percent-encode '@' as %40)")
    })?;
    match proxy.protocol() {
        ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https => {}
        // This build has no SOCKS support; ureq would panic on a configured SOCKS proxy.
        _ => {
            return Err(bad(
                "must be an http:// or https:// proxy (SOCKS is not supported)",
            ))
        }
    }
    let entries: Vec<&str> = no_proxy
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return Ok(proxy);
    }
    // ureq takes NO_PROXY entries only through its builder: rebuild the same proxy with them.
    let mut builder = ureq::Proxy::builder(proxy.protocol())
        .host(proxy.host())
        .port(proxy.port())
        .resolve_target(proxy.resolve_target());
    if let Some(user) = proxy.username() {
        builder = builder.username(user);
        if let Some(password) = proxy.password() {
            builder = builder.password(password);
        }
    }
    for entry in entries {
        builder = builder.no_proxy(entry);
    }
    builder
        .build()
        .map_err(|_| bad("is not a valid proxy URL (http://[user:password@]host:port)"))
}

/// The kinds of value serde names in `invalid type`/`invalid value` messages.
const VALUE_KINDS: [&str; 17] = [
    "boolean",
    "integer",
    "floating point",
    "character",
    "string",
    "byte array",
    "unit value",
    "Option value",
    "newtype struct",
    "sequence",
    "map",
    "enum",
    "unit variant",
    "newtype variant",
    "tuple variant",
    "struct variant",
    "null",
];

/// Rewrites one serde data-error message so that it names kinds and fields, never values: a
/// wrong-typed or unknown value (`invalid type: integer `12345`, expected a string`) may be a
/// credential, so only its kind is kept ([`crate::suggest`] words the rest for users).
pub(crate) fn redact_data_message(message: &str) -> String {
    // What follows ", expected " is written by the type being deserialised (ours), never
    // by the input; take the last one, since a quoted value may itself contain the words.
    let expected = |rest: &str| {
        rest.rsplit_once(", expected ")
            .map(|(_, e)| format!(", expected {e}"))
            .unwrap_or_default()
    };
    for prefix in ["invalid type: ", "invalid value: "] {
        if let Some(rest) = message.strip_prefix(prefix) {
            let kind = VALUE_KINDS
                .iter()
                .filter(|k| rest.starts_with(*k))
                .max_by_key(|k| k.len())
                .copied()
                .unwrap_or("a value");
            return format!("{prefix}{kind}{}", expected(rest));
        }
    }
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        return format!("unknown value{}", expected(rest));
    }
    if let Some(rest) = message.strip_prefix("unknown field ") {
        let (quoted, tail) = rest.rsplit_once(", expected ").map_or_else(
            || {
                rest.rsplit_once(", there are no fields")
                    .map_or((rest, String::new()), |(q, _)| (q, String::new()))
            },
            |(q, e)| (q, format!(", expected {e}")),
        );
        let name = quoted
            .strip_prefix('`')
            .and_then(|q| q.strip_suffix('`'))
            .filter(|n| {
                n.len() <= 64
                    && n.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
                    && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            });
        return match name {
            Some(n) => format!("unknown field `{n}`{tail}"),
            None => format!("unknown field{tail}"),
        };
    }
    // Messages that quote only our own field names, or a count.
    for prefix in ["missing field `", "duplicate field `", "invalid length "] {
        if message.starts_with(prefix) {
            return message.to_owned();
        }
    }
    "invalid value".to_owned()
}

impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::dsn::format_redacted(self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::env::VarError;

    fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> std::result::Result<String, VarError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned().ok_or(VarError::NotPresent)
    }

    fn env_proxy(vars: &[(&str, &str)]) -> Result<Option<ureq::Proxy>> {
        proxy_from_lookup(&lookup(vars))
    }

    fn uri(s: &str) -> ureq::http::Uri {
        s.parse().unwrap()
    }

    #[test]
    fn http_proxy_is_never_read() {
        let p = env_proxy(&[
            ("HTTP_PROXY", "http://evil.example:8080"),
            ("http_proxy", "http://evil.example:8080"),
        ])
        .unwrap();
        assert!(p.is_none());
        // Even an unusable HTTP_PROXY is ignored, not an error.
        assert!(env_proxy(&[("HTTP_PROXY", "::::")]).unwrap().is_none());
    }

    #[test]
    fn https_and_all_proxy_are_read_in_order() {
        for (vars, host) in [
            (vec![("HTTPS_PROXY", "http://a.example:1")], "a.example"),
            (vec![("https_proxy", "http://b.example:2")], "b.example"),
            (vec![("ALL_PROXY", "http://c.example:3")], "c.example"),
            (vec![("all_proxy", "http://d.example:4")], "d.example"),
            (
                vec![
                    ("ALL_PROXY", "http://c.example:3"),
                    ("HTTPS_PROXY", "http://a.example:1"),
                    ("HTTP_PROXY", "http://evil.example:1"),
                ],
                "a.example",
            ),
            // An empty variable is unset (a common way to switch a proxy off).
            (
                vec![("HTTPS_PROXY", " "), ("ALL_PROXY", "http://c.example:3")],
                "c.example",
            ),
        ] {
            let p = env_proxy(&vars).unwrap().expect("a proxy");
            assert_eq!(p.host(), host, "{vars:?}");
        }
        assert!(env_proxy(&[]).unwrap().is_none());
    }

    #[test]
    fn a_bad_proxy_variable_names_the_variable_not_the_value() {
        for value in [
            "socks5://SECRETUSER:SECRETPASS@proxy.example:1080",
            "ftp://SECRETUSER:SECRETPASS@proxy.example",
            "http://SECRETUSER:SECRET PASS@proxy.example",
            "http://SECRETUSER:SECRETPASS@proxy.example:99999",
        ] {
            let err = env_proxy(&[("HTTPS_PROXY", value)]).unwrap_err();
            assert_eq!(err.code(), crate::ErrorCode::InvalidConfig, "{value}");
            assert_eq!(err.field.as_deref(), Some("proxy"));
            let text = format!("{err} {err:?} {}", err.to_json());
            assert!(text.contains("HTTPS_PROXY"), "{text}");
            assert!(!text.contains("SECRET"), "{text}");
        }
    }

    #[test]
    fn no_proxy_is_honoured_and_credentials_survive() {
        let p = env_proxy(&[
            ("HTTPS_PROXY", "http://us%40er:p%3Ass@corp-proxy:3128"),
            ("NO_PROXY", "localhost, .internal.example ,api.example.com,"),
        ])
        .unwrap()
        .expect("a proxy");
        assert_eq!((p.host(), p.port()), ("corp-proxy", 3128));
        assert_eq!((p.username(), p.password()), (Some("us@er"), Some("p:ss")));
        assert!(p.is_no_proxy(&uri("https://localhost/x")));
        assert!(p.is_no_proxy(&uri("https://a.internal.example/x")));
        assert!(p.is_no_proxy(&uri("https://api.example.com/x")));
        assert!(!p.is_no_proxy(&uri("https://im.smsclub.mobi/x")));
        // Lower-case no_proxy, an IPv6 proxy.
        let p = env_proxy(&[("ALL_PROXY", "http://[::1]:3128"), ("no_proxy", "*")])
            .unwrap()
            .expect("a proxy");
        assert_eq!(p.port(), 3128);
        assert!(p.is_no_proxy(&uri("https://im.smsclub.mobi/x")));
        // Without NO_PROXY nothing bypasses it.
        let p = env_proxy(&[("HTTPS_PROXY", "corp-proxy:3128")])
            .unwrap()
            .expect("a proxy");
        assert!(!p.is_no_proxy(&uri("https://localhost/x")));
    }

    #[test]
    fn the_proxy_option_wins_and_empty_means_direct() {
        let mut config = Config::smsclub("T");
        config.proxy = Some(Secret::new(""));
        assert!(effective_proxy(&config).unwrap().is_none());
        config.proxy = Some(Secret::new("https://u:p@proxy.example:8443"));
        let p = effective_proxy(&config).unwrap().expect("a proxy");
        assert_eq!((p.host(), p.port()), ("proxy.example", 8443));
        assert_eq!(p.protocol(), ureq::ProxyProtocol::Https);
        config.proxy = Some(Secret::new("socks5://proxy.example"));
        let err = effective_proxy(&config).unwrap_err();
        assert_eq!(err.field.as_deref(), Some("proxy"));
    }

    #[test]
    fn serde_messages_keep_kinds_and_names_never_values() {
        let cases = [
            (
                "invalid type: integer `12345`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "invalid type: floating point `98765.5`, expected a string",
                "invalid type: floating point, expected a string",
            ),
            (
                "invalid type: boolean `true`, expected a string",
                "invalid type: boolean, expected a string",
            ),
            (
                "invalid type: string \"SECRET, expected x\", expected u64",
                "invalid type: string, expected u64",
            ),
            (
                "invalid value: string \"SECRET\", expected a valid thing",
                "invalid value: string, expected a valid thing",
            ),
            (
                "invalid type: map, expected a string",
                "invalid type: map, expected a string",
            ),
            (
                "invalid type: sequence, expected a string",
                "invalid type: sequence, expected a string",
            ),
            ("invalid type: SECRET", "invalid type: a value"),
            (
                "unknown variant `SECRET`, expected one of `smsclub`, `smsby`",
                "unknown value, expected one of `smsclub`, `smsby`",
            ),
            (
                "unknown field `sendr`, expected one of `provider`, `token`",
                "unknown field `sendr`, expected one of `provider`, `token`",
            ),
            (
                "unknown field `SECRET value`, expected one of `provider`",
                "unknown field, expected one of `provider`",
            ),
            (
                "unknown field `x`, there are no fields",
                "unknown field `x`",
            ),
            ("missing field `token`", "missing field `token`"),
            ("duplicate field `token`", "duplicate field `token`"),
            (
                "invalid length 3, expected fewer elements",
                "invalid length 3, expected fewer elements",
            ),
            ("SECRET custom message", "invalid value"),
            ("", "invalid value"),
            ("invalid type: é", "invalid type: a value"),
        ];
        for (input, want) in cases {
            assert_eq!(redact_data_message(input), want, "{input}");
        }
    }

    #[test]
    fn serde_errors_from_real_json_never_echo_values() {
        for json in [
            r#"{"provider":"smsclub","token":12345}"#,
            r#"{"provider":"smsclub","token":-12345}"#,
            r#"{"provider":"decisiontelecom","api_key":12345.25}"#,
            r#"{"provider":"smsclub","token":true}"#,
            r#"{"provider":"smsclub","token":["12345"]}"#,
            r#"{"provider":"smsclub","token":"T","timeout_ms":"12345"}"#,
            r#"{"provider":"smsclub","token":"T","timeout_ms":-12345}"#,
            r#"{"provider":"smsclub","token":"T","max_retries":123456789012345}"#,
            r#"{"provider":"smsclub","token":"T","allow_insecure_http":"12345"}"#,
            r#"{"provider":"12345","token":"T"}"#,
            r#"{"provider":"smsclub","token":"T","12345":1}"#,
        ] {
            let err = match serde_json::from_str::<Config>(json) {
                Ok(_) => panic!("{json} must not deserialise"),
                Err(e) => e,
            };
            assert!(err.is_data(), "{json}: {err}");
            let err = Config::from_json(json).unwrap_err();
            assert!(!err.message.contains("12345"), "{json}: {err}");
            assert!(!err.message.contains(" at line "), "{json}: {err}");
            assert_eq!(err.code(), crate::ErrorCode::InvalidConfig);
        }
        let err =
            Config::from_json(r#"{"provider":"smsclub","token":"T","sendr":"Shop"}"#).unwrap_err();
        assert_eq!(
            err.message,
            r#"unknown option "sendr" (did you mean "sender"?)"#
        );
        assert_eq!(err.field.as_deref(), Some("sendr"));
        // Syntax errors stay as serde says them, with their position.
        let err = Config::from_json("{").unwrap_err();
        assert!(
            err.message.starts_with("not valid JSON: EOF while parsing"),
            "{err}"
        );
    }

    #[test]
    fn authorities() {
        for good in [
            "a",
            "api.example.com",
            "api.example.com:443",
            "127.0.0.1:1",
            "[::1]",
            "[::1]:65535",
            "[2001:db8::1]:8080",
            "my_host-1.local.",
        ] {
            assert_eq!(check_authority(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            ":80",
            "host:",
            "host:0",
            "host:65536",
            "host:099999",
            "host:+80",
            "host:80a",
            "host:8080:1",
            "host: 80",
            "ho st",
            "hôst",
            "host/path",
            "host#f",
            "host?q",
            "[::1",
            "[::1]x",
            "[zz]:1",
            "[]",
            "::1",
            ".host",
            "-host",
            "a..b",
            "user@host",
        ] {
            assert!(check_authority(bad).is_err(), "{bad}");
        }
        assert!(check_authority(&"a".repeat(254)).is_err());
    }
}
