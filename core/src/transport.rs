//! Every HTTP exchange of a client goes through here: one `ureq::Agent`, timeouts, proxy,
//! user agent, the rate limiter, retries, logging and credential redaction.

use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode};
use crate::ratelimit::RateLimiter;
use crate::resolver::CachingResolver;
use crate::retry::{self, AttemptFailure, Idempotency, RetryPolicy};

/// The most of an answer that is read; a larger one is a `decode` error.
pub const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;
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

impl HttpResponse {
    pub fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
        HttpResponse {
            status,
            content_type: None,
            retry_after: None,
            body: body.into(),
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
    /// The provider may have received and acted on the request.
    pub maybe_sent: bool,
}

/// The outcome of a request after retries, and how many attempts it took.
#[derive(Debug)]
pub struct Exchange {
    pub result: Result<HttpResponse, Failure>,
    pub attempts: u32,
}

/// What a log hook sees of each attempt. Credentials are never part of it.
#[derive(Debug, Clone)]
pub struct LogRecord {
    pub provider: ProviderId,
    pub method: &'static str,
    /// Full URL, credential parameters replaced by `***`.
    pub url: String,
    pub attempt: u32,
    pub status: Option<u16>,
    pub latency: Duration,
    /// The error code and message when the attempt failed before an answer.
    pub error: Option<String>,
}

/// A callback for every HTTP attempt.
pub type LogHook = Arc<dyn Fn(&LogRecord) + Send + Sync>;

/// Runs requests for one client. `Send + Sync`; shared by every thread using the client.
pub struct Transport {
    agent: ureq::Agent,
    provider: ProviderId,
    base_url: String,
    policy: RetryPolicy,
    limiter: Option<RateLimiter>,
    log_hook: Option<LogHook>,
    /// The client's credentials, scrubbed from every answer so that no error body can leak one
    /// a provider echoed back.
    secrets: Vec<Vec<u8>>,
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
        let user_agent = match &config.user_agent {
            Some(extra) if !extra.trim().is_empty() => {
                format!("vibergate/{} {}", crate::VERSION, extra.trim())
            }
            _ => format!("vibergate/{}", crate::VERSION),
        };
        let proxy = match &config.proxy {
            Some(url) => Some(ureq::Proxy::new(url.expose()).map_err(|_| {
                Error::invalid_config("option proxy is not a valid proxy URL").with_field("proxy")
            })?),
            None => ureq::Proxy::try_from_env(),
        };
        let agent_config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_millis(config.timeout_ms)))
            .timeout_connect(Some(Duration::from_millis(config.connect_timeout_ms)))
            .user_agent(user_agent)
            .max_idle_age(MAX_IDLE_AGE)
            .max_redirects(0)
            .proxy(proxy)
            .build();
        let agent = ureq::Agent::with_parts(
            agent_config,
            ureq::unversioned::transport::DefaultConnector::default(),
            CachingResolver::default(),
        );
        Ok(Transport {
            agent,
            provider: config.provider,
            base_url: config.effective_base_url().to_owned(),
            policy: RetryPolicy {
                max_retries: config.max_retries,
            },
            limiter: RateLimiter::new(config.effective_rate_limit()),
            log_hook: None,
            secrets: [&config.token, &config.api_key]
                .into_iter()
                .flatten()
                .map(|s| s.expose().as_bytes().to_vec())
                .filter(|s| s.len() >= 4)
                .collect(),
        })
    }

    pub fn set_log_hook(&mut self, hook: Option<LogHook>) {
        self.log_hook = hook;
    }

    /// Sends `request`, retrying as its idempotency allows.
    pub fn execute(&self, request: &HttpRequest) -> Exchange {
        let url = format!("{}{}", self.base_url, request.path_and_query());
        let body = request.body_bytes();
        let mut attempt = 0;
        loop {
            attempt += 1;
            if let Some(limiter) = &self.limiter {
                limiter.acquire();
            }
            let started = Instant::now();
            let outcome = self.attempt(request, &url, &body);
            self.log(request, attempt, started.elapsed(), &outcome);
            let (failure, retry_after) = match &outcome {
                Ok(r) if r.status == 429 => (AttemptFailure::RateLimited, r.retry_after),
                Ok(r) if r.status >= 500 => (AttemptFailure::ServerError, r.retry_after),
                Ok(_) => {
                    return Exchange {
                        result: outcome,
                        attempts: attempt,
                    }
                }
                // An answer came but cannot be read: asking again would not make it readable.
                Err(f) if f.error.code() == ErrorCode::Decode => {
                    return Exchange {
                        result: outcome,
                        attempts: attempt,
                    }
                }
                Err(f) if f.maybe_sent => (AttemptFailure::MaybeSent, None),
                Err(_) => (AttemptFailure::NotSent, None),
            };
            let too_long = retry_after.is_some_and(|d| d > retry::MAX_RETRY_AFTER);
            if too_long
                || !self
                    .policy
                    .should_retry(request.idempotency, failure, attempt)
            {
                return Exchange {
                    result: outcome,
                    attempts: attempt,
                };
            }
            std::thread::sleep(self.policy.delay(attempt, retry_after));
        }
    }

    fn attempt(
        &self,
        request: &HttpRequest,
        url: &str,
        body: &[u8],
    ) -> Result<HttpResponse, Failure> {
        let result = match request.method {
            Method::Get => {
                let mut builder = self.agent.get(url).header("Accept", "application/json");
                for (k, v) in &request.headers {
                    builder = builder.header(k, v);
                }
                builder.call()
            }
            Method::Post => {
                let mut builder = self.agent.post(url).header("Accept", "application/json");
                if let Some(ct) = request.content_type() {
                    builder = builder.header("Content-Type", ct);
                }
                for (k, v) in &request.headers {
                    builder = builder.header(k, v);
                }
                builder.send(body)
            }
        };
        let mut response = result.map_err(|e| self.failure(e))?;
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after")
            .and_then(|v| retry::parse_retry_after(&v, crate::time::now_unix()));
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BYTES)
            .read_to_vec()
            .map_err(|e| match e {
                ureq::Error::BodyExceedsLimit(_) => Failure {
                    error: Error::decode(format!(
                        "the answer is larger than {} MiB",
                        MAX_RESPONSE_BYTES >> 20
                    ))
                    .with_provider(self.provider)
                    .with_http_status(status),
                    maybe_sent: true,
                },
                ureq::Error::Timeout(_) => Failure {
                    error: Error::new(
                        ErrorCode::Timeout,
                        "the answer did not arrive completely within the timeout",
                    )
                    .with_provider(self.provider)
                    .with_http_status(status),
                    maybe_sent: true,
                },
                // The provider answered, so it has the request; the answer was cut short.
                other => Failure {
                    error: Error::decode(format!("the answer was cut short: {other}"))
                        .with_provider(self.provider)
                        .with_http_status(status),
                    maybe_sent: true,
                },
            })?;
        let body = scrub(body, &self.secrets);
        Ok(HttpResponse {
            status,
            content_type,
            retry_after,
            body,
        })
    }

    /// Classifies a ureq error: did the request possibly reach the provider?
    fn failure(&self, e: ureq::Error) -> Failure {
        use ureq::Timeout as T;
        let (code, maybe_sent, message) = match &e {
            ureq::Error::Timeout(T::Resolve | T::Connect) => (
                ErrorCode::Transport,
                false,
                "connecting timed out".to_owned(),
            ),
            ureq::Error::Timeout(_) => (
                ErrorCode::Timeout,
                true,
                "no complete answer within the timeout".to_owned(),
            ),
            ureq::Error::HostNotFound => (
                ErrorCode::Transport,
                false,
                "the host name did not resolve".to_owned(),
            ),
            ureq::Error::ConnectionFailed
            | ureq::Error::ConnectProxyFailed(_)
            | ureq::Error::InvalidProxyUrl => (
                ErrorCode::Transport,
                false,
                format!("could not connect: {e}"),
            ),
            ureq::Error::Tls(_)
            | ureq::Error::Rustls(_)
            | ureq::Error::Pem(_)
            | ureq::Error::TlsRequired => (ErrorCode::Transport, false, format!("TLS failed: {e}")),
            ureq::Error::BadUri(_) | ureq::Error::Http(_) => (
                ErrorCode::Transport,
                false,
                format!("bad request URL or header: {e}"),
            ),
            ureq::Error::Io(io) if not_connected(io) => (
                ErrorCode::Transport,
                false,
                format!("could not connect: {io}"),
            ),
            // EPIPE comes only from a write: the provider had closed the connection (a stale
            // keep-alive one, typically) before the request was complete, so it cannot have
            // acted on it, and a send may go out again on a fresh connection (SPEC §7).
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::BrokenPipe => (
                ErrorCode::Transport,
                false,
                format!("the connection closed before the request was sent: {io}"),
            ),
            ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => (
                ErrorCode::Timeout,
                true,
                "no complete answer within the timeout".to_owned(),
            ),
            // `transport` means the request never left; a connection that closed after it may
            // have been sent is a missing answer.
            ureq::Error::Io(io) => (
                ErrorCode::Timeout,
                true,
                format!("the connection closed before an answer came: {io}"),
            ),
            ureq::Error::Protocol(_) | ureq::Error::LargeResponseHeader(..) => (
                ErrorCode::Decode,
                true,
                format!("the answer is not valid HTTP: {e}"),
            ),
            _ => (ErrorCode::Timeout, true, format!("no answer: {e}")),
        };
        Failure {
            error: Error::new(code, message).with_provider(self.provider),
            maybe_sent,
        }
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
        };
        hook(&record);
    }
}

/// `body` with every occurrence of a secret replaced by `***`.
fn scrub(body: Vec<u8>, secrets: &[Vec<u8>]) -> Vec<u8> {
    let mut body = body;
    for secret in secrets {
        if !body.windows(secret.len()).any(|w| w == secret.as_slice()) {
            continue;
        }
        let mut out = Vec::with_capacity(body.len());
        let mut i = 0;
        while i < body.len() {
            if body[i..].starts_with(secret) {
                out.extend_from_slice(b"***");
                i += secret.len();
            } else {
                out.push(body[i]);
                i += 1;
            }
        }
        body = out;
    }
    body
}

/// I/O errors that happen before a connection exists.
fn not_connected(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::AddrNotAvailable
            | io::ErrorKind::NetworkUnreachable
            | io::ErrorKind::HostUnreachable
            | io::ErrorKind::AddrInUse
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify(kind: io::ErrorKind) -> Failure {
        let config = Config::from_dsn("smsclub://TOKEN@default").unwrap();
        Transport::new(&config)
            .unwrap()
            .failure(ureq::Error::Io(io::Error::from(kind)))
    }

    #[test]
    fn only_failures_before_the_request_was_complete_are_not_sent() {
        for kind in [io::ErrorKind::ConnectionRefused, io::ErrorKind::BrokenPipe] {
            let f = classify(kind);
            assert_eq!(
                (f.error.code(), f.maybe_sent),
                (ErrorCode::Transport, false),
                "{kind:?}"
            );
        }
        // A reset or an early end may come after the provider read the whole request.
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::TimedOut,
        ] {
            let f = classify(kind);
            assert_eq!(
                (f.error.code(), f.maybe_sent),
                (ErrorCode::Timeout, true),
                "{kind:?}"
            );
        }
    }
}
