//! A local emulator of all four providers on one loopback port, for trying vibergate and
//! testing against it without an account, money or network.
//!
//! It checks credentials (any non-empty credential works, except one starting with `bad`, which
//! is refused in the provider's own format), validates requests as the documents say, issues ids,
//! lets delivery progress over time and POSTs callbacks. Statuses are the values the providers'
//! documents list; the one exception is Intel-Tele's synchronous status of a message still on
//! its way, which its document does not show (the sandbox says `enroute`, the SMPP word, which
//! the SDK reads as `unknown`). Phone numbers choose their fate by their last four digits:
//!
//! - `0000` never delivered: SMS Club `Undeliverable`, DecisionTelecom status 4, Intel-Tele
//!   `undeliv`; SMS.by documents no failure status, so the message stays `SENT`.
//! - `9999` blacklisted: SMS Club lists it in `blackList` (HTTP 463 when no other number is
//!   left), Intel-Tele answers `number is blacklisted`, DecisionTelecom reports status 3
//!   (rejected); SMS.by documents no black list, so the message stays `SENT`.
//! - `1111` no Viber: the Viber message is not delivered and the SMS fallback is. SMS Club
//!   (`smsStatus`) and DecisionTelecom (`sms_message_status`) report the SMS's own status;
//!   SMS.by and Intel-Tele document no status for it, so only the Viber message's shows (`SENT`,
//!   `undeliv`).
//! - `2222` read at once; any other number is delivered, then read one step later.
//!
//! Control endpoints: `GET /_sandbox/requests` (every request received), `POST /_sandbox/faults`
//! (a [`Fault`] or a list of them), `POST /_sandbox/reset`.

mod decisiontelecom;
#[doc(hidden)]
pub mod http;
mod inteltele;
mod sms;
mod smsby;
mod smsclub;
mod state;

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::config::ProviderId;
pub(crate) use crate::transport::form_decode;
use http::{Delivery, Handler, Request, Response};
use state::State;

/// How the sandbox behaves.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Time between delivery steps (pending → sent → delivered → read); 0 = final at once.
    pub step_ms: u64,
    /// SMS Club's limit per token and second (429 beyond it); 0 = off.
    pub smsclub_rate_limit: u32,
    /// Intel-Tele's starting balance; each message costs its country's rate.
    pub inteltele_balance: f64,
    /// Intel-Tele's credit: how far below zero sends may take the balance (`/credit/` reports it).
    pub inteltele_credit: f64,
    /// Where Intel-Tele status callbacks go (set in the account on the real service).
    pub inteltele_callback_url: Option<String>,
    /// `GET` or `POST`.
    pub inteltele_callback_method: String,
}

impl SandboxConfig {
    /// A configuration from JSON text (empty or `null`: the defaults); unknown keys are
    /// `invalid_config` naming the closest known one.
    pub fn from_json(json: &str) -> crate::Result<SandboxConfig> {
        let json = json.trim();
        if json.is_empty() || json == "null" {
            return Ok(SandboxConfig::default());
        }
        crate::suggest::parse_json(json).map_err(|e| {
            let field = e.field.clone().unwrap_or_else(|| "config".to_owned());
            crate::Error::invalid_config(format!("sandbox config: {}", e.message)).with_field(field)
        })
    }
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            step_ms: 0,
            smsclub_rate_limit: 9,
            inteltele_balance: 100.0,
            inteltele_credit: 0.0,
            inteltele_callback_url: None,
            inteltele_callback_method: "POST".into(),
        }
    }
}

/// A fault for the next `count` requests (of `provider`, or any provider).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fault {
    /// The provider whose requests it hits; none: the next request of any provider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    /// How many requests it hits (1 when not given).
    #[serde(default = "one")]
    pub count: u32,
    /// What goes wrong.
    #[serde(flatten)]
    pub kind: FaultKind,
}

fn one() -> u32 {
    1
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Wait, then handle the request normally (it is acted on).
    Latency {
        /// The wait in milliseconds.
        ms: u64,
    },
    /// Answer this status and body without acting on the request.
    Status {
        /// The status code.
        status: u16,
        /// The body, as given (empty when not given).
        #[serde(default)]
        body: String,
        /// A `Retry-After` header's value, if one is wanted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// 429 with an optional `Retry-After`, without acting on the request.
    RateLimit {
        /// A `Retry-After` header's value, if one is wanted.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<String>,
    },
    /// Close the connection before reading the request (not acted on).
    DropBeforeRead,
    /// Read and act on the request, then close without answering.
    DropAfterRead,
    /// Act on the request, answer 200 with a body that is not JSON.
    Malformed,
    /// Act on the request, answer with half of the real body and close.
    Truncated,
    /// Act on the request, answer 200 with an empty body.
    Empty,
    /// Act on the request, answer 200 with `bytes` of filler.
    Large {
        /// The body's length.
        bytes: usize,
    },
    /// Act on the request, answer the real body with another content type.
    ContentType {
        /// The `Content-Type` sent instead.
        value: String,
    },
    /// Act on the request, send the real body one byte every `ms_per_byte`.
    SlowBody {
        /// The pause before each byte, in milliseconds.
        ms_per_byte: u64,
    },
    /// Act on the request and answer normally, with this extra header (a hostile
    /// `Retry-After` on a success, say).
    Header {
        /// The header's name.
        name: String,
        /// The header's value.
        value: String,
    },
}

/// A request the sandbox received, as `GET /_sandbox/requests` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// Its place in arrival order, from 1 (a reset does not restart it).
    pub seq: u64,
    /// The provider its path belongs to (none for an unknown path).
    pub provider: Option<ProviderId>,
    /// `GET`, `POST`, …
    pub method: String,
    /// The target's path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Header names and values in the order received.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossy UTF-8).
    pub body: String,
    /// Milliseconds since the sandbox started.
    pub at_ms: u64,
    /// The fault applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<FaultKind>,
    /// The status answered (none when the connection was dropped).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
}

/// The provider a path belongs to.
pub(crate) fn provider_of(path: &str) -> Option<ProviderId> {
    if path.starts_with("/vibers/") {
        Some(ProviderId::SmsClub)
    } else if path.starts_with("/api/v1/") || path.starts_with("/api/v2/") {
        Some(ProviderId::SmsBy)
    } else if path.starts_with("/v1/api/") {
        Some(ProviderId::DecisionTelecom)
    } else if path.starts_with("/im/")
        || ["/balance", "/credit", "/rates"]
            .iter()
            .any(|p| path.trim_end_matches('/') == *p)
    {
        Some(ProviderId::IntelTele)
    } else {
        None
    }
}

/// Everything the server threads share.
pub(crate) struct Shared {
    pub config: SandboxConfig,
    pub started: Instant,
    pub state: Mutex<State>,
    log: Mutex<Vec<RecordedRequest>>,
    faults: Mutex<VecDeque<Fault>>,
    seq: AtomicU64,
    stopping: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    pub fn state(&self) -> MutexGuard<'_, State> {
        lock(&self.state)
    }

    pub fn step(&self) -> Duration {
        Duration::from_millis(self.config.step_ms)
    }

    pub fn now_unix(&self) -> i64 {
        crate::time::now_unix()
    }

    /// Takes the next fault that applies to `provider`, if any.
    fn take_fault(
        &self,
        provider: Option<ProviderId>,
        only_drop_before_read: bool,
    ) -> Option<FaultKind> {
        provider?;
        let mut faults = lock(&self.faults);
        let i = faults
            .iter()
            .position(|f| f.provider.is_none_or(|p| Some(p) == provider))?;
        if only_drop_before_read != (faults[i].kind == FaultKind::DropBeforeRead) {
            return None;
        }
        let kind = faults[i].kind.clone();
        faults[i].count = faults[i].count.saturating_sub(1);
        if faults[i].count == 0 {
            faults.remove(i);
        }
        Some(kind)
    }

    /// Logs a request as it arrives (so a client that gave up waiting still sees it) and
    /// returns its sequence number for [`Shared::answered`].
    fn record(&self, request: &Request, fault: Option<FaultKind>) -> u64 {
        let seq = self.seq.fetch_add(1, Ordering::SeqCst) + 1;
        let entry = RecordedRequest {
            seq,
            provider: provider_of(&request.path),
            method: request.method.clone(),
            path: request.path.clone(),
            query: request.query.clone(),
            headers: request.headers.clone(),
            body: String::from_utf8_lossy(&request.body).into_owned(),
            at_ms: u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX),
            fault,
            status: None,
        };
        lock(&self.log).push(entry);
        seq
    }

    /// Notes the status a logged request was answered with.
    fn answered(&self, seq: u64, status: Option<u16>) {
        if let Some(entry) = lock(&self.log).iter_mut().rev().find(|e| e.seq == seq) {
            entry.status = status;
        }
    }

    fn reset(&self) {
        lock(&self.log).clear();
        lock(&self.faults).clear();
        *self.state() = State::new(self.config.inteltele_balance);
    }

    fn route(&self, request: &Request) -> Response {
        match provider_of(&request.path) {
            Some(ProviderId::SmsClub) => smsclub::handle(self, request),
            Some(ProviderId::SmsBy) => smsby::handle(self, request),
            Some(ProviderId::DecisionTelecom) => decisiontelecom::handle(self, request),
            Some(ProviderId::IntelTele) => inteltele::handle(self, request),
            None => Response::json(
                404,
                &json!({"error": format!("no such sandbox endpoint: {} {}", request.method, request.path)}),
            ),
        }
    }

    fn control(&self, request: &Request) -> Response {
        match (request.method.as_str(), request.path.as_str()) {
            ("GET", "/_sandbox/requests") => Response::json(
                200,
                &serde_json::to_value(&*lock(&self.log)).unwrap_or(Value::Null),
            ),
            ("POST", "/_sandbox/reset") => {
                self.reset();
                Response::json(200, &json!({"status": "OK"}))
            }
            ("POST", "/_sandbox/faults") => {
                let parsed = serde_json::from_slice::<Vec<Fault>>(&request.body)
                    .or_else(|_| serde_json::from_slice::<Fault>(&request.body).map(|f| vec![f]));
                match parsed {
                    Ok(faults) => {
                        let n = faults.len();
                        lock(&self.faults).extend(faults);
                        Response::json(200, &json!({"status": "OK", "queued": n}))
                    }
                    Err(e) => Response::json(400, &json!({"error": format!("bad fault: {e}")})),
                }
            }
            ("DELETE", "/_sandbox/faults") => {
                lock(&self.faults).clear();
                Response::json(200, &json!({"status": "OK"}))
            }
            _ => Response::json(404, &json!({"error": "unknown sandbox control endpoint"})),
        }
    }
}

fn request_line_path(peek: &[u8]) -> Option<String> {
    let line = peek.split(|b| *b == b'\n').next()?;
    let target = std::str::from_utf8(line).ok()?.split_whitespace().nth(1)?;
    Some(target.split('?').next().unwrap_or("").to_owned())
}

impl Handler for Shared {
    fn drop_before_read(&self, peek: &[u8]) -> bool {
        let Some(path) = request_line_path(peek) else {
            return false;
        };
        let provider = provider_of(&path);
        if self.take_fault(provider, true).is_some() {
            let method = std::str::from_utf8(peek)
                .ok()
                .and_then(|s| s.split_whitespace().next())
                .unwrap_or("")
                .to_owned();
            let request = Request {
                method,
                path,
                query: String::new(),
                headers: Vec::new(),
                body: Vec::new(),
                connection: 0,
            };
            self.record(&request, Some(FaultKind::DropBeforeRead));
            return true;
        }
        false
    }

    fn handle(&self, request: Request) -> Delivery {
        if request.path.starts_with("/_sandbox/") {
            return Delivery::Respond(self.control(&request));
        }
        let fault = self.take_fault(provider_of(&request.path), false);
        let seq = self.record(&request, fault.clone());
        let delivery = match &fault {
            None => Delivery::Respond(self.route(&request)),
            Some(FaultKind::Latency { ms }) => {
                thread::sleep(Duration::from_millis(*ms));
                Delivery::Respond(self.route(&request))
            }
            Some(FaultKind::Status {
                status,
                body,
                retry_after,
            }) => {
                let mut r = Response::raw(*status, "application/json", body.clone().into_bytes());
                if let Some(after) = retry_after {
                    r = r.with_header("Retry-After", after.clone());
                }
                Delivery::Respond(r)
            }
            Some(FaultKind::RateLimit { retry_after }) => {
                let mut r = Response::json(429, &json!({"error": "Too Many Requests"}));
                if let Some(after) = retry_after {
                    r = r.with_header("Retry-After", after.clone());
                }
                Delivery::Respond(r)
            }
            Some(FaultKind::DropBeforeRead) => Delivery::Drop,
            Some(FaultKind::DropAfterRead) => {
                self.route(&request);
                Delivery::Drop
            }
            Some(FaultKind::Malformed) => {
                self.route(&request);
                Delivery::Respond(Response::raw(
                    200,
                    "application/json",
                    b"{\"successfulRequest\": <oops".to_vec(),
                ))
            }
            Some(FaultKind::Truncated) => {
                // The full length announced (and then some), half the body sent.
                let mut response = self.route(&request);
                let announced = response.body.len() + 64;
                response.body.truncate(response.body.len() / 2);
                Delivery::Truncated {
                    response,
                    announced,
                }
            }
            Some(FaultKind::Empty) => {
                self.route(&request);
                Delivery::Respond(Response::raw(200, "application/json", Vec::new()))
            }
            Some(FaultKind::Large { bytes }) => {
                self.route(&request);
                Delivery::Respond(Response::raw(200, "application/json", vec![b' '; *bytes]))
            }
            Some(FaultKind::ContentType { value }) => {
                let mut r = self.route(&request);
                r.headers
                    .retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
                r.headers.push(("Content-Type".into(), value.clone()));
                Delivery::Respond(r)
            }
            Some(FaultKind::SlowBody { ms_per_byte }) => {
                Delivery::Trickle(self.route(&request), Duration::from_millis(*ms_per_byte))
            }
            Some(FaultKind::Header { name, value }) => {
                Delivery::Respond(self.route(&request).with_header(name, value.clone()))
            }
        };
        self.answered(seq, delivery.status());
        delivery
    }
}

/// A running sandbox. Stops when dropped.
pub struct Sandbox {
    shared: Arc<Shared>,
    server: http::Server,
    ticker: Option<thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.base_url())
            .finish()
    }
}

impl Sandbox {
    /// Starts the server on 127.0.0.1 and the thread that sends callbacks. A port that cannot
    /// be bound (or a thread that cannot start) is `transport`, saying which port.
    pub fn start(config: SandboxConfig) -> crate::Result<Sandbox> {
        let port = config.port;
        Sandbox::start_io(config).map_err(|e| {
            crate::Error::new(
                crate::ErrorCode::Transport,
                format!("cannot start the sandbox on 127.0.0.1:{port}: {e}"),
            )
        })
    }

    fn start_io(config: SandboxConfig) -> std::io::Result<Sandbox> {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::new(config.inteltele_balance)),
            config,
            started: Instant::now(),
            log: Mutex::new(Vec::new()),
            faults: Mutex::new(VecDeque::new()),
            seq: AtomicU64::new(0),
            stopping: AtomicBool::new(false),
        });
        let server = http::Server::start(shared.config.port, shared.clone())?;
        let ticking = shared.clone();
        let ticker = thread::Builder::new()
            .name("vibergate-sandbox-callbacks".into())
            .spawn(move || {
                while !ticking.stopping.load(Ordering::SeqCst) {
                    callbacks::deliver_due(&ticking);
                    thread::sleep(Duration::from_millis(25));
                }
            })?;
        Ok(Sandbox {
            shared,
            server,
            ticker: Some(ticker),
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    /// The port on 127.0.0.1 it listens on.
    pub fn port(&self) -> u16 {
        self.server.port()
    }

    /// A DSN for `provider` pointing at this sandbox.
    pub fn dsn(&self, provider: ProviderId) -> String {
        let credentials = match provider {
            ProviderId::IntelTele => "sandbox:sandbox-key",
            ProviderId::DecisionTelecom => "sandbox-key",
            _ => "sandbox-token",
        };
        let sender = match provider {
            ProviderId::SmsBy => "&sender=1&sms_sender=2",
            ProviderId::IntelTele => "&sender=Sandbox&sms_sender=Sandbox",
            _ => "&sender=Sandbox&sms_sender=Sandbox",
        };
        let base = percent_encoding::utf8_percent_encode(
            &self.base_url(),
            percent_encoding::NON_ALPHANUMERIC,
        )
        .to_string();
        format!("{provider}://{credentials}@default?base_url={base}{sender}")
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.shared.log).clone()
    }

    /// Queues a fault.
    pub fn inject(&self, fault: Fault) {
        lock(&self.shared.faults).push_back(fault);
    }

    /// Forgets requests, faults and every message.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Stops the server and the callback thread.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.shared.stopping.store(true, Ordering::SeqCst);
        self.server.stop();
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.shutdown();
    }
}

mod callbacks;

/// Query parameters, then form parameters of the body.
pub(crate) fn params(request: &Request) -> Vec<(String, String)> {
    let mut all = form_decode(request.query.as_bytes());
    let is_json = request
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    if !is_json {
        all.extend(form_decode(&request.body));
    }
    all
}

pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.is_empty())
}

/// Whether a credential is one the sandbox refuses.
pub(crate) fn refused(credential: Option<&str>) -> bool {
    credential.is_none_or(|c| c.trim().is_empty() || c.starts_with("bad"))
}

/// A phone as digits, if it is one.
pub(crate) fn digits(phone: &str) -> Option<String> {
    let d: String = phone
        .chars()
        .filter(|c| !matches!(c, ' ' | '+' | '-'))
        .collect();
    ((7..=15).contains(&d.len()) && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)
}
