//! Every HTTP exchange of a client goes through here: one `ureq::Agent`, timeouts, proxy,
//! user agent, the rate limiter, retries, logging and credential redaction.

use std::fmt;
use std::io::{self, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode};
use crate::ratelimit::RateLimiter;
use crate::reach::{Reach, Said, Stage};
use crate::resolver::CachingResolver;
use crate::retry::{self, Idempotency, RetryPolicy};
use crate::shared_state::SharedState;
use crate::wire;

/// The most of an answer that is read; a larger one is a `decode` error.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;
/// A rate-limit wait at least this long is announced to the log hook (shorter ones are the
/// limiter's normal spacing).
const NOTICEABLE_WAIT: Duration = Duration::from_millis(100);
/// A request that wakes this late for its shared slot takes another one: the shared schedule
/// absorbs 70 ms of jitter per window at SMS Club's 9 per second (`SHARED_MARGIN`), half of it
/// is kept for what happens after the wake-up (the write, the provider's clock).
const LATE_FOR_SHARED_SLOT: Duration = Duration::from_millis(35);
/// Slots given up in a row before a late request goes anyway.
const MAX_LATE_SLOTS: u32 = 3;
/// Idle pooled connections are dropped sooner than providers usually close them.
const MAX_IDLE_AGE: Duration = Duration::from_secs(15);
/// Parameter names whose values are credentials.
const SECRET_PARAMS: [&str; 2] = ["token", "api_key"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
        }
    }
}

/// A request body, encoded by [`HttpRequest::body_bytes`].
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(String, String)>),
}

/// A request description built by a provider module's pure half.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpRequest {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    /// Extra headers (authorization); content type and accept are added from the body.
    pub headers: Vec<(String, String)>,
    pub body: Body,
    pub idempotency: Idempotency,
}

/// `application/x-www-form-urlencoded` escapes everything but `*-._` and alphanumerics.
const FORM: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'*')
    .remove(b'-')
    .remove(b'.')
    .remove(b'_');

pub(crate) fn form_encode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.extend(utf8_percent_encode(k, FORM));
        out.push('=');
        out.push_str(&utf8_percent_encode(v, FORM).to_string().replace("%20", "+"));
    }
    out
}

/// Decodes `application/x-www-form-urlencoded` pairs (also a query string), in order.
pub fn form_decode(bytes: &[u8]) -> Vec<(String, String)> {
    let decode = |s: &str| {
        percent_encoding::percent_decode_str(&s.replace('+', " "))
            .decode_utf8_lossy()
            .into_owned()
    };
    String::from_utf8_lossy(bytes)
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

impl HttpRequest {
    pub fn get(path: impl Into<String>) -> Self {
        HttpRequest {
            method: Method::Get,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body: Body::Empty,
            idempotency: Idempotency::Read,
        }
    }

    pub fn post(path: impl Into<String>, body: Body, idempotency: Idempotency) -> Self {
        HttpRequest {
            method: Method::Post,
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
            body,
            idempotency,
        }
    }

    pub fn header(mut self, name: &str, value: String) -> Self {
        self.headers.push((name.to_owned(), value));
        self
    }

    pub fn query(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.push((name.to_owned(), value.into()));
        self
    }

    pub fn content_type(&self) -> Option<&'static str> {
        match self.body {
            Body::Empty => None,
            Body::Json(_) => Some("application/json"),
            Body::Form(_) => Some("application/x-www-form-urlencoded"),
        }
    }

    /// The bytes on the wire.
    pub fn body_bytes(&self) -> Vec<u8> {
        match &self.body {
            Body::Empty => Vec::new(),
            Body::Json(v) => serde_json::to_vec(v).unwrap_or_default(),
            Body::Form(pairs) => form_encode(pairs).into_bytes(),
        }
    }

    /// Path and query string.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, form_encode(&self.query))
        }
    }

    /// Path and query with credential parameters replaced by `***`, for logs.
    pub fn redacted_path(&self) -> String {
        let query: Vec<(String, String)> = self
            .query
            .iter()
            .map(|(k, v)| {
                (
                    k.clone(),
                    if SECRET_PARAMS.contains(&k.as_str()) {
                        "***".into()
                    } else {
                        v.clone()
                    },
                )
            })
            .collect();
        if query.is_empty() {
            self.path.clone()
        } else {
            format!(
                "{}?{}",
                self.path,
                form_encode(&query).replace("%2A%2A%2A", "***")
            )
        }
    }
}

/// An answer, whatever its status.
#[derive(Clone, PartialEq)]
pub struct HttpResponse {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

// `new` and `text` serve the integration tests (through `internals`).
#[cfg_attr(not(feature = "internals"), allow(dead_code))]
impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            content_type: None,
            retry_after: None,
            body: body.into(),
        }
    }

    /// An answer as the transport builds it from what came back: `Retry-After` (the header's
    /// text) is parsed at `now_unix`, clamped, never trusted.
    pub fn from_parts(
        status: u16,
        content_type: Option<String>,
        retry_after: Option<&str>,
        now_unix: i64,
        body: Vec<u8>,
    ) -> Self {
        HttpResponse {
            status,
            content_type,
            retry_after: retry_after.and_then(|v| retry::parse_retry_after(v, now_unix)),
            body,
        }
    }

    pub fn text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for HttpResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpResponse")
            .field("status", &self.status)
            .field("body_bytes", &self.body.len())
            .finish()
    }
}

/// A request that got no usable answer.
#[derive(Debug, Clone)]
pub struct Failure {
    pub error: Error,
    /// How far the request got; [`Reach::may_have_acted`] tells whether the provider may
    /// have acted on it.
    pub reach: Reach,
}

impl Failure {
    /// Whether the provider may have received and acted on the request.
    #[cfg_attr(not(feature = "internals"), allow(dead_code))] // the integration tests ask it
    pub fn may_have_acted(&self) -> bool {
        self.reach.may_have_acted()
    }
}

/// The outcome of a request after retries, and how many attempts it took.
#[derive(Debug)]
pub struct Exchange {
    pub result: Result<HttpResponse, Failure>,
    pub attempts: u32,
}

/// Why a call is about to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum WaitReason {
    /// For a slot of the client's rate limiter (`rate_limit`).
    RateLimit,
    /// For the time the provider asked for in `Retry-After`.
    RetryAfter,
    /// Backing off before a retry.
    Backoff,
}

impl WaitReason {
    /// The snake_case name: `rate_limit`, `retry_after` or `backoff`.
    pub fn as_str(self) -> &'static str {
        match self {
            WaitReason::RateLimit => "rate_limit",
            WaitReason::RetryAfter => "retry_after",
            WaitReason::Backoff => "backoff",
        }
    }
}

/// A wait a call is about to make, announced through the log hook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// What the call waits for.
    pub reason: WaitReason,
    /// How long it is about to sleep.
    pub duration: Duration,
}

/// Something about the client itself that its log should show, outside any one attempt: its
/// `shared_state` became unreachable (a warning: the limits are this process's own now) or
/// reachable again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// A warning; else information.
    pub warning: bool,
    /// What happened and what the client does about it; never a credential or a password.
    pub message: String,
}

/// What a log hook sees of each attempt, and of each wait before one (then `wait` is set and
/// `status`, `latency` and `error` say nothing), and of each [`Notice`] (then `notice` is set,
/// `method` and `url` are empty and `attempt` is 0). Credentials are never part of it.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// The client's provider.
    pub provider: ProviderId,
    /// The HTTP method: `GET` or `POST`.
    pub method: &'static str,
    /// Full URL, credential parameters replaced by `***`.
    pub url: String,
    /// The attempt's number for this request, from 1 (retries count up).
    pub attempt: u32,
    /// The answer's HTTP status; `None` when no answer came, and on a wait record.
    pub status: Option<u16>,
    /// How long the attempt took, until its answer or its failure; zero on a wait record.
    pub latency: Duration,
    /// The error code and message when the attempt failed before an answer.
    pub error: Option<String>,
    /// Set when this record announces a wait before attempt number `attempt`, not an attempt.
    pub wait: Option<Wait>,
    /// Set when this record is a notice about the client, not about an attempt.
    pub notice: Option<Notice>,
}

/// A callback for every HTTP attempt.
pub type LogHook = Arc<dyn Fn(&LogRecord) + Send + Sync>;

/// Runs requests for one client. `Send + Sync`; shared by every thread using the client.
pub struct Transport {
    agent: ureq::Agent,
    provider: ProviderId,
    base_url: String,
    policy: RetryPolicy,
    /// Each attempt's whole-request timeout (shortened by a call's deadline).
    timeout: Duration,
    limiter: Option<RateLimiter>,
    /// The account's limits shared with other processes (`shared_state`); when set, it paces
    /// requests instead of `limiter`.
    shared: Option<SharedState>,
    log_hook: Option<LogHook>,
    /// The client's credentials, scrubbed from every answer so that no error body can leak one
    /// a provider echoed back.
    redactor: crate::redact::Redactor,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("provider", &self.provider)
            .field("base_url", &self.base_url)
            .finish()
    }
}

impl Transport {
    pub fn new(config: &Config) -> Result<Self, Error> {
        config.validate()?;
        let user_agent = match &config.user_agent {
            Some(extra) if !extra.trim().is_empty() => {
                format!("vibergate/{} {}", crate::VERSION, extra.trim())
            }
            _ => format!("vibergate/{}", crate::VERSION),
        };
        let proxy = crate::config::effective_proxy(config)?;
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
            .timeout_connect(Some(Duration::from_millis(config.connect_timeout_ms)))
            .user_agent(user_agent)
            .max_idle_age(MAX_IDLE_AGE)
            .max_redirects(0)
            .proxy(proxy)
            .build();
        let agent =
            ureq::Agent::with_parts(agent_config, wire::connector(), CachingResolver::default());
        Ok(Transport {
            agent,
            provider: config.provider,
            base_url: config.effective_base_url().to_owned(),
            policy: RetryPolicy {
                max_retries: config.max_retries,
            },
            timeout: Duration::from_millis(config.timeout_ms),
            limiter: RateLimiter::new(config.effective_rate_limit()),
            shared: SharedState::new(config)?,
            log_hook: None,
            redactor: crate::redact::Redactor::new(config),
        })
    }

    pub fn set_log_hook(&mut self, hook: Option<LogHook>) {
        self.log_hook = hook;
    }

    /// Sends `request`, retrying as its idempotency allows, and never past `deadline`: a
    /// request whose slot would come after it is not sent, and one in flight is cut off at it.
    pub fn execute(&self, request: &HttpRequest, deadline: Option<Instant>) -> Exchange {
        let url = format!("{}{}", self.base_url, request.path_and_query());
        let body = request.body_bytes();
        let mut attempt: u32 = 0;
        loop {
            if let Err(failure) = self.take_slot(request, attempt.saturating_add(1), deadline) {
                return Exchange {
                    result: Err(failure),
                    attempts: attempt,
                };
            }
            let timeout = match remaining(deadline) {
                Some(left) if left.is_zero() => return self.deadline_exchange(attempt),
                Some(left) => self.timeout.min(left),
                None => self.timeout,
            };
            attempt = attempt.saturating_add(1);
            let started = Instant::now();
            let outcome = self.attempt(request, &url, &body, timeout);
            self.log(request, attempt, started.elapsed(), &outcome);
            let (reach, retry_after) = match &outcome {
                Ok(r) => (
                    Reach::Answered {
                        status: r.status,
                        said: Said::Unknown,
                    },
                    r.retry_after,
                ),
                Err(f) => (f.reach, None),
            };
            if let Ok(answer) = &outcome {
                self.share_pause(answer);
            }
            let too_long = retry_after.is_some_and(|d| d > retry::MAX_RETRY_AFTER);
            if too_long
                || !self
                    .policy
                    .should_retry(request.idempotency, reach, attempt)
            {
                return Exchange {
                    result: outcome,
                    attempts: attempt,
                };
            }
            let delay = self.policy.delay(attempt, retry_after);
            if remaining(deadline).is_some_and(|left| left <= delay) {
                // Waiting would outlast the call: the last real cause is the answer.
                return Exchange {
                    result: outcome,
                    attempts: attempt,
                };
            }
            let reason = if retry_after.is_some() {
                WaitReason::RetryAfter
            } else {
                WaitReason::Backoff
            };
            self.wait(request, attempt.saturating_add(1), reason, delay);
        }
    }

    /// Waits for the slot of attempt number `attempt`. A request woken too late for a shared
    /// slot (a loaded machine) takes another one: sent late, it could join the next second's
    /// requests in the provider's window, and another slot costs a slot where a 429 would cost
    /// the whole fleet a pause. It goes late after `MAX_LATE_SLOTS` retakes, or when another
    /// slot would come after the deadline (the one it had was within it).
    fn take_slot(
        &self,
        request: &HttpRequest,
        attempt: u32,
        deadline: Option<Instant>,
    ) -> Result<(), Failure> {
        let mut late_slots: u32 = 0;
        loop {
            let wait = match self.reserve(deadline) {
                Ok(Some(wait)) => wait,
                Ok(None) if late_slots > 0 => return Ok(()),
                Ok(None) => return Err(self.deadline_failure()),
                Err(_) if late_slots > 0 => return Ok(()),
                Err(error) => {
                    return Err(Failure {
                        error,
                        reach: Reach::NotWritten(Stage::SharedState),
                    })
                }
            };
            let slot = Instant::now().checked_add(wait);
            self.wait(request, attempt, WaitReason::RateLimit, wait);
            let late = slot.map(|s| Instant::now().saturating_duration_since(s));
            let retake = self.shared.is_some()
                && late.is_some_and(|l| l > LATE_FOR_SHARED_SLOT)
                && late_slots < MAX_LATE_SLOTS;
            if !retake {
                return Ok(());
            }
            late_slots = late_slots.saturating_add(1);
        }
    }

    /// The caller's slot: from the account's shared schedule when there is one, else from
    /// this client's limiter. `Ok(None)`: it would come after `deadline` (nothing reserved);
    /// `Err`: the shared state is unreachable and `shared_state_fallback=fail`.
    fn reserve(&self, deadline: Option<Instant>) -> Result<Option<Duration>, Error> {
        match (&self.shared, &self.limiter) {
            (Some(shared), _) => shared.reserve(deadline, &|n| self.notice(n)),
            (None, Some(limiter)) => Ok(limiter.reserve(deadline)),
            (None, None) => Ok(Some(Duration::ZERO)),
        }
    }

    /// A provider that asks to wait (429, or 503 with `Retry-After`) asks every worker of the
    /// account: the pause goes to the shared state.
    fn share_pause(&self, answer: &HttpResponse) {
        let Some(shared) = &self.shared else { return };
        match (answer.status, answer.retry_after) {
            (429, after) => shared.pause(after, &|n| self.notice(n)),
            (503, Some(after)) => shared.pause(Some(after), &|n| self.notice(n)),
            _ => {}
        }
    }

    /// The account's Router cool-down shared by every worker: how long it still runs, if
    /// one does (`None` too without `shared_state`, or when it cannot be reached).
    /// Asking it takes at most half of what `deadline` leaves.
    pub(crate) fn shared_cooldown(&self, deadline: Option<Instant>) -> Option<Duration> {
        self.shared
            .as_ref()
            .and_then(|s| s.cooling_down(deadline, &|n| self.notice(n)))
    }

    /// Starts the account's shared cool-down (nothing without `shared_state`), taking at
    /// most half of what `deadline` leaves.
    pub(crate) fn start_shared_cooldown(&self, length: Duration, deadline: Option<Instant>) {
        if let Some(shared) = &self.shared {
            shared.cool_down(length, deadline, &|n| self.notice(n));
        }
    }

    /// Ends the account's shared cool-down (nothing without `shared_state`).
    pub(crate) fn reset_shared_cooldown(&self) {
        if let Some(shared) = &self.shared {
            shared.reset_cooldown(&|n| self.notice(n));
        }
    }

    /// Hands a notice to the log hook; without one, it goes to standard error, where a fleet's
    /// operators look (notices are rare: one when Redis goes, one when it is back). A standard
    /// error that cannot be written (a closed pipe) loses the line, never the call.
    fn notice(&self, notice: Notice) {
        match &self.log_hook {
            Some(hook) => {
                let record = LogRecord {
                    provider: self.provider,
                    method: "",
                    url: String::new(),
                    attempt: 0,
                    status: None,
                    latency: Duration::ZERO,
                    error: None,
                    wait: None,
                    notice: Some(notice),
                };
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&record)));
            }
            None => {
                let level = if notice.warning { "WARNING: " } else { "" };
                let _ = writeln!(
                    io::stderr(),
                    "vibergate: {level}{}: {}",
                    self.provider.display_name(),
                    notice.message
                );
            }
        }
    }

    /// Announces a wait to the log hook (rate-limit slots only when they are noticeable), then
    /// sleeps.
    fn wait(&self, request: &HttpRequest, attempt: u32, reason: WaitReason, duration: Duration) {
        if duration.is_zero() {
            return;
        }
        // The hook's own time is part of the wait, not added to it.
        let until = Instant::now().checked_add(duration);
        let noticeable = reason != WaitReason::RateLimit || duration >= NOTICEABLE_WAIT;
        if let (Some(hook), true) = (&self.log_hook, noticeable) {
            let record = LogRecord {
                provider: self.provider,
                method: request.method.as_str(),
                url: format!("{}{}", self.base_url, request.redacted_path()),
                attempt,
                status: None,
                latency: Duration::ZERO,
                error: None,
                wait: Some(Wait { reason, duration }),
                notice: None,
            };
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&record)));
        }
        std::thread::sleep(until.map_or(duration, |u| u.saturating_duration_since(Instant::now())));
    }

    /// The answer for a request the deadline stopped before it was sent.
    fn deadline_exchange(&self, attempts: u32) -> Exchange {
        Exchange {
            result: Err(self.deadline_failure()),
            attempts,
        }
    }

    fn deadline_failure(&self) -> Failure {
        Failure {
            error: Error::new(
                ErrorCode::Timeout,
                "the call's deadline (deadline_ms) ran out before this request was sent",
            )
            .with_provider(self.provider)
            .with_field("deadline_ms"),
            reach: Reach::NotWritten(Stage::Deadline),
        }
    }

    fn attempt(
        &self,
        request: &HttpRequest,
        url: &str,
        body: &[u8],
        timeout: Duration,
    ) -> Result<HttpResponse, Failure> {
        wire::begin_attempt(body.len());
        let result = match request.method {
            Method::Get => {
                let mut builder = self
                    .agent
                    .get(url)
                    .config()
                    .timeout_global(Some(timeout))
                    .build()
                    .header("Accept", "application/json");
                for (k, v) in &request.headers {
                    builder = builder.header(k, v);
                }
                builder.call()
            }
            Method::Post => {
                let mut builder = self
                    .agent
                    .post(url)
                    .config()
                    .timeout_global(Some(timeout))
                    .build()
                    .header("Accept", "application/json");
                if let Some(ct) = request.content_type() {
                    builder = builder.header("Content-Type", ct);
                }
                for (k, v) in &request.headers {
                    builder = builder.header(k, v);
                }
                builder.send(body)
            }
        };
        let mut response = result.map_err(|e| self.failure(e, wire::progress()))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after");
        let read = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec();
        let body = match read {
            Ok(body) => body,
            // Outside 2xx the status is the answer; a body cut short adds nothing to it.
            Err(_) if !(200..300).contains(&status) => Vec::new(),
            Err(ureq::Error::BodyExceedsLimit(_)) => {
                // A success too large to read may still carry ids: the provider has acted.
                return Err(Failure {
                    error: Error::decode(format!(
                        "the answer is larger than {} MiB",
                        MAX_RESPONSE_BYTES >> 20
                    ))
                    .with_provider(self.provider)
                    .with_http_status(status),
                    reach: Reach::Answered {
                        status,
                        said: Said::Unknown,
                    },
                });
            }
            Err(e) => {
                // The answer began but never completed: the provider has the request (a send
                // may have been acted on); a read may be asked again.
                let (code, message) = match e {
                    ureq::Error::Timeout(_) => (
                        ErrorCode::Timeout,
                        "the answer did not arrive completely within the timeout".to_owned(),
                    ),
                    other => (
                        ErrorCode::Timeout,
                        format!(
                            "the answer was cut short: {}",
                            self.scrub_text(&other.to_string())
                        ),
                    ),
                };
                return Err(Failure {
                    error: Error::new(code, message)
                        .with_provider(self.provider)
                        .with_http_status(status),
                    reach: Reach::NoAnswer,
                });
            }
        };
        let body = self.redactor.scrub(body);
        Ok(HttpResponse::from_parts(
            status,
            content_type,
            retry_after.as_deref(),
            crate::time::now_unix(),
            body,
        ))
    }

    /// Classifies a ureq error by how far the attempt got ([`wire::Progress`]): before the
    /// request was complete it cannot have reached the provider (`transport`, safe to send
    /// again); after, it may have (`timeout` or `decode`, never resent).
    fn failure(&self, e: ureq::Error, progress: wire::Progress) -> Failure {
        let text = self.scrub_text(&e.to_string());
        let (code, reach, message) = match (&e, progress.unwritten_stage()) {
            (
                ureq::Error::BadUri(_)
                | ureq::Error::Http(_)
                | ureq::Error::InvalidProxyUrl
                | ureq::Error::RequireHttpsOnly(_)
                | ureq::Error::TlsRequired,
                Some(_),
            ) => (
                ErrorCode::Transport,
                Reach::NotWritten(Stage::Prepare),
                format!("the request could not be made: {text}"),
            ),
            (_, Some(stage)) => {
                let what = match stage {
                    Stage::Lookup => "the host name could not be looked up",
                    Stage::Connect => "could not connect",
                    Stage::Tls => "the TLS handshake failed",
                    _ => "the connection failed before the request was completely sent",
                };
                // What to do about it; nothing was sent, so trying again (or another provider) is safe.
                let hint = match stage {
                    Stage::Lookup => {
                        " (check the host in the DSN or base_url, and this machine's DNS; nothing was sent)"
                    }
                    Stage::Connect => {
                        " (check the host and port, a firewall, or the proxy; nothing was sent)"
                    }
                    Stage::Tls if self.base_url.starts_with("https://") => {
                        " (if this host serves only plain HTTP, set base_url=http://… with allow_insecure_http=true; nothing was sent)"
                    }
                    _ => " (nothing complete was sent; it is safe to try again)",
                };
                (
                    ErrorCode::Transport,
                    Reach::NotWritten(stage),
                    format!("{what}: {text}{hint}"),
                )
            }
            (ureq::Error::Timeout(_), None) => (
                ErrorCode::Timeout,
                Reach::NoAnswer,
                "the request was sent, but no complete answer came within the timeout".to_owned(),
            ),
            (ureq::Error::Io(io), None) if io.kind() == io::ErrorKind::TimedOut => (
                ErrorCode::Timeout,
                Reach::NoAnswer,
                "the request was sent, but no complete answer came within the timeout".to_owned(),
            ),
            (ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..), None) => (
                ErrorCode::Decode,
                Reach::NoAnswer,
                format!("the request was sent, but the answer is not valid HTTP: {text}"),
            ),
            (_, None) => (
                ErrorCode::Timeout,
                Reach::NoAnswer,
                format!(
                    "the request was sent, but the connection closed before an answer came: {text}"
                ),
            ),
        };
        Failure {
            error: Error::new(code, message).with_provider(self.provider),
            reach,
        }
    }

    fn scrub_text(&self, text: &str) -> String {
        self.redactor.scrub_str(text)
    }

    fn log(
        &self,
        request: &HttpRequest,
        attempt: u32,
        latency: Duration,
        outcome: &Result<HttpResponse, Failure>,
    ) {
        let Some(hook) = &self.log_hook else { return };
        let record = LogRecord {
            provider: self.provider,
            method: request.method.as_str(),
            url: format!("{}{}", self.base_url, request.redacted_path()),
            attempt,
            status: outcome.as_ref().ok().map(|r| r.status),
            latency,
            error: outcome
                .as_ref()
                .err()
                .map(|f| format!("{}: {}", f.error.code(), f.error.message)),
            wait: None,
            notice: None,
        };
        // A panicking hook must not lose the answer it was shown.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| hook(&record)));
    }
}

/// The time left before `deadline`, if there is one.
fn remaining(deadline: Option<Instant>) -> Option<Duration> {
    deadline.map(|d| d.saturating_duration_since(Instant::now()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wire::Progress;

    fn classify(error: ureq::Error, progress: Progress) -> Failure {
        let config = Config::from_dsn("smsclub://TOKEN@default").unwrap();
        Transport::new(&config).unwrap().failure(error, progress)
    }

    fn io(kind: io::ErrorKind) -> ureq::Error {
        ureq::Error::Io(io::Error::from(kind))
    }

    #[test]
    fn failures_before_the_request_was_complete_are_transport_and_not_acted_on() {
        let cases = [
            (io(io::ErrorKind::Other), Progress::Lookup, Stage::Lookup),
            (ureq::Error::HostNotFound, Progress::Lookup, Stage::Lookup),
            (
                io(io::ErrorKind::ConnectionRefused),
                Progress::Connect,
                Stage::Connect,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Connect),
                Progress::Connect,
                Stage::Connect,
            ),
            // rustls reports a bad certificate or a failed handshake as InvalidData.
            (io(io::ErrorKind::InvalidData), Progress::Tls, Stage::Tls),
            (ureq::Error::Tls("handshake"), Progress::Tls, Stage::Tls),
            (
                io(io::ErrorKind::ConnectionReset),
                Progress::Tls,
                Stage::Tls,
            ),
            (
                io(io::ErrorKind::BrokenPipe),
                Progress::Writing,
                Stage::Write,
            ),
            (
                io(io::ErrorKind::ConnectionReset),
                Progress::Writing,
                Stage::Write,
            ),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                Progress::Writing,
                Stage::Write,
            ),
            (
                io(io::ErrorKind::BrokenPipe),
                Progress::Connected,
                Stage::Write,
            ),
        ];
        for (error, progress, stage) in cases {
            let label = format!("{error} at {progress:?}");
            let f = classify(error, progress);
            assert_eq!(f.error.code(), ErrorCode::Transport, "{label}");
            assert_eq!(f.reach, Reach::NotWritten(stage), "{label}");
            assert!(!f.may_have_acted(), "{label}");
        }
    }

    #[test]
    fn failures_after_the_request_was_complete_may_have_been_acted_on() {
        for (error, code) in [
            (io(io::ErrorKind::ConnectionReset), ErrorCode::Timeout),
            (io(io::ErrorKind::UnexpectedEof), ErrorCode::Timeout),
            (io(io::ErrorKind::TimedOut), ErrorCode::Timeout),
            (io(io::ErrorKind::InvalidData), ErrorCode::Timeout),
            (
                ureq::Error::Timeout(ureq::Timeout::Global),
                ErrorCode::Timeout,
            ),
            (ureq::Error::LargeResponseHeader(1, 1), ErrorCode::Decode),
        ] {
            let label = error.to_string();
            let f = classify(error, Progress::Written);
            assert_eq!(f.error.code(), code, "{label}");
            assert_eq!(f.reach, Reach::NoAnswer, "{label}");
            assert!(f.may_have_acted(), "{label}");
        }
    }

    #[test]
    fn a_bad_request_is_not_retried() {
        let f = classify(ureq::Error::BadUri("x".into()), Progress::Lookup);
        assert_eq!(f.reach, Reach::NotWritten(Stage::Prepare));
        assert!(!f.reach.is_transient());
    }
}
