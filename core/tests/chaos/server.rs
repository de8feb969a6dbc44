//! The chaos server: one loopback HTTP/1.1 server per case that speaks enough of the four
//! providers' protocols to accept sends and status reads and to issue message ids, and that
//! draws, for every request, a fault from everything a provider can do. It logs per request
//! what it read, what it answered and every id it issued; the invariants are checked against
//! that log.
//!
//! The fault of a request is a pure function of the case seed, the request's path and body,
//! and how many identical requests came before it, so that a seed replays the same faults
//! whatever the interleaving of the client's threads (only the budgets of slow and huge
//! answers are consumed in arrival order).

use std::collections::HashMap;
use std::fmt;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Map, Value};
use vibergate_core::ProviderId;

use crate::rng::{fnv, mix, Rng};

/// The most of an answer the transport reads (`vibergate_core::internals::transport::MAX_RESPONSE_BYTES`).
pub const CLIENT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// How far past the client's timeout a late answer comes.
pub const LATE_MARGIN: Duration = Duration::from_millis(250);

/// One provider account: the provider and the index of the client in the case's chain (each
/// client of a chain has its own credentials, `acct<N>`, so that two accounts of the same
/// provider are told apart).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub provider: ProviderId,
    pub account: u8,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.account == u8::MAX {
            write!(f, "{}[?]", self.provider)
        } else {
            write!(f, "{}[acct{}]", self.provider, self.account)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqKind {
    Send,
    Status,
    Other,
}

/// How much chaos a case's server makes.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Probability that a request gets a fault instead of the documented success answer.
    pub fault_rate: f64,
    /// Per recipient, in success answers that can say so: refused (blacklisted, no route…).
    pub reject_rate: f64,
    /// Per recipient, in success answers that list recipients: not mentioned at all.
    pub omit_rate: f64,
    /// Answers that come after the client's timeout.
    pub late_budget: u32,
    /// Answers of several MiB.
    pub huge_budget: u32,
    /// The clients' `timeout_ms`.
    pub timeout: Duration,
    /// When not empty, faults are answers with only these statuses (and a few dropped
    /// connections), so that mixes like 429 + 502 within one call are frequent.
    pub focus: Vec<u16>,
}

/// What the connection does with one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conn {
    /// Read the request, answer it.
    Answer,
    /// Close without reading anything (the client's bytes are left unread: a reset).
    DropBeforeRead,
    /// Read the head only, close.
    DropAfterHeaders,
    /// Read the whole request, close without a byte of answer.
    DropAfterRead,
    /// Read the head only, answer (4xx/5xx), close.
    EarlyAnswer,
    /// Read everything, send part of the answer's head, close.
    CutInHead,
    /// Read everything, send the head and part of the body, close.
    CutInBody,
    /// Read everything, answer after the client's timeout.
    Late,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// The documented success answer (ids issued).
    Success,
    /// The success answer behind a few MiB of whitespace.
    SuccessPadded,
    /// The success answer behind 9 MiB of whitespace: more than the client reads.
    Oversize,
    /// A well-formed request-level refusal in the provider's error format.
    Refusal,
    /// The provider's own "internal error" answer.
    SystemError,
    /// Another provider's success format.
    WrongFormat,
    /// The success answer cut short (the framing says it is complete).
    TruncatedJson,
    Garbage,
    Html,
    Empty,
    /// A JSON value of the wrong shape (`null`, `[]`, a deep nest…).
    JsonScalar,
    /// No body at all (1xx, 204, 304).
    None,
}

/// The fault drawn for one request.
#[derive(Debug, Clone)]
pub struct Plan {
    pub conn: Conn,
    pub status: u16,
    pub reason: String,
    pub body: BodyKind,
    /// Extra header lines, raw.
    pub headers: Vec<Vec<u8>>,
    /// The server writes no `Content-Length` of its own (a header above frames the answer).
    pub own_length: bool,
    /// Some header may break the answer's framing or parsing: the client may not see it.
    pub hostile_framing: bool,
    pub delay: Duration,
    /// Close the connection after answering (keep-alive connection closed while idle).
    pub close_after: bool,
    /// A short description for the log.
    pub label: String,
}

/// What the server did with one request.
#[derive(Debug, Clone)]
pub struct Event {
    pub call: usize,
    pub index: usize,
    pub endpoint: Option<Endpoint>,
    pub path: String,
    pub kind: ReqKind,
    /// Recipients the request carried (when its body could be read or peeked).
    pub recipients: Vec<String>,
    /// Message ids a status request asked about.
    pub ids: Vec<String>,
    /// The server read the whole request: the provider may have acted on it.
    pub fully_read: bool,
    /// Order in which requests were completely read (0 when never).
    pub seq: u64,
    pub conn: Conn,
    pub body_kind: BodyKind,
    pub label: String,
    pub status: u16,
    pub late: bool,
    /// No header that could break the framing.
    pub clean: bool,
    /// The whole head of the answer was written.
    pub head_done: bool,
    /// The whole answer was written.
    pub complete: bool,
    /// The body is a request-level refusal in the provider's format.
    pub refusal: bool,
    /// Recipients the (success) answer refused one by one.
    pub refused: Vec<String>,
    /// `(phone, message id)` the success answer issued.
    pub issued: Vec<(String, String)>,
    /// A mailing id (SMS.by `uuid`) the success answer issued.
    pub batch: Option<String>,
    /// The answer is the documented success.
    pub valid_success: bool,
    pub body_len: usize,
    /// From the request's first byte (its connection's accept, for a new connection) to the
    /// answer's last byte written.
    pub elapsed: Option<Duration>,
    /// When the answer's last byte was written.
    pub answered_at: Option<Instant>,
    /// The server is done with the request.
    pub settled: bool,
}

impl Event {
    /// Whether the provider may have acted on this request for `phone`: it read the whole
    /// request, and did not deliver (a complete, well-framed head in time) a 4xx, nor (a
    /// complete answer in time) a 2xx whose body refuses the request, or this recipient, in the
    /// provider's own format. (Headers that may break the framing are never sent with a 4xx or
    /// a request-level refusal; on a success that refuses some recipients the client may or may
    /// not read them, and either reading is right for those recipients.)
    pub fn might_have_acted(&self, phone: &str) -> bool {
        if !self.fully_read {
            return false;
        }
        if self.late || !self.head_done {
            return true;
        }
        if (400..500).contains(&self.status) && self.clean {
            return false;
        }
        if (200..300).contains(&self.status)
            && self.complete
            && (self.refusal || self.refused.iter().any(|r| r == phone))
        {
            return false;
        }
        true
    }

    /// Whether the client certainly received this answer's issued ids: a documented success,
    /// written completely and well-framed, within the client's body limit, in well under its
    /// timeout and well before the call's deadline.
    pub fn ids_delivered(&self, timeout: Duration, deadline: Option<Instant>) -> bool {
        self.fully_read
            && self.valid_success
            && !self.late
            && self.clean
            && self.complete
            && (200..300).contains(&self.status)
            && self.body_len <= CLIENT_BODY_LIMIT
            && self.elapsed.is_some_and(|e| e < timeout / 2)
            && match (deadline, self.answered_at) {
                (None, _) => true,
                (Some(d), Some(at)) => at + timeout / 2 <= d,
                (Some(_), None) => false,
            }
    }

    /// A coarse description of what happened, for grouping failures.
    pub fn coarse(&self) -> String {
        let class = match self.status {
            100..=199 => "1xx".to_owned(),
            200..=299 => "2xx".to_owned(),
            300..=399 => "3xx".to_owned(),
            429 => "429".to_owned(),
            400..=499 => "4xx".to_owned(),
            500..=599 => "5xx".to_owned(),
            s => s.to_string(),
        };
        match self.conn {
            Conn::DropBeforeRead => "the connection closed before reading".into(),
            Conn::DropAfterHeaders => "the connection closed after the head".into(),
            Conn::DropAfterRead => "no answer (closed after reading)".into(),
            Conn::EarlyAnswer => format!("{class} before the body was read"),
            Conn::Late => "an answer after the client's timeout".into(),
            Conn::CutInHead => "an answer cut inside its head".into(),
            Conn::CutInBody => format!("{class} cut inside its body"),
            Conn::Answer if !self.clean => format!("{class} with a framing-breaking header"),
            Conn::Answer if (200..300).contains(&self.status) => {
                format!("{class} {:?}", self.body_kind)
            }
            Conn::Answer => class,
        }
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let endpoint = self
            .endpoint
            .map(|e| e.to_string())
            .unwrap_or_else(|| "?".into());
        let read = if self.fully_read {
            format!("read#{}", self.seq)
        } else {
            "not fully read".into()
        };
        let written = match (self.head_done, self.complete) {
            (_, true) => "answer complete",
            (true, false) => "answer cut after head",
            (false, false) => "no complete head",
        };
        let carried = match self.recipients.as_slice() {
            [one] => one.clone(),
            many => format!("{} recipients", many.len()),
        };
        write!(
            f,
            "req {} {endpoint} {} [{carried}] {read}; plan: {}; {written}",
            self.index, self.path, self.label
        )?;
        if let Some(e) = self.elapsed {
            write!(f, " in {} ms", e.as_millis())?;
        }
        if !self.issued.is_empty() {
            write!(f, "; issued {} ids", self.issued.len())?;
        }
        if let Some(b) = &self.batch {
            write!(f, "; issued batch {b}")?;
        }
        if !self.refused.is_empty() {
            write!(f, "; refused {} recipients", self.refused.len())?;
        }
        Ok(())
    }
}

struct Shared {
    seed: u64,
    profile: Profile,
    log: Mutex<Vec<Event>>,
    seq: AtomicU64,
    call: AtomicUsize,
    occurrences: Mutex<HashMap<u64, u32>>,
    late_left: AtomicU32,
    huge_left: AtomicU32,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

pub struct Server {
    pub base_url: String,
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Arc<AtomicBool>,
}

impl Server {
    pub fn start(seed: u64, profile: Profile) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().expect("local address");
        let shared = Arc::new(Shared {
            seed,
            late_left: AtomicU32::new(profile.late_budget),
            huge_left: AtomicU32::new(profile.huge_budget),
            profile,
            log: Mutex::new(Vec::new()),
            seq: AtomicU64::new(1),
            call: AtomicUsize::new(0),
            occurrences: Mutex::new(HashMap::new()),
        });
        let stop = Arc::new(AtomicBool::new(false));
        let (sh, st) = (shared.clone(), stop.clone());
        thread::Builder::new()
            .name("chaos-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if st.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let accepted = Instant::now();
                    let sh = sh.clone();
                    let spawned = thread::Builder::new()
                        .name("chaos-server-conn".into())
                        .spawn(move || serve(stream, &sh, accepted));
                    if spawned.is_err() {
                        // Out of threads: the connection is dropped, as an overloaded provider would.
                        continue;
                    }
                }
            })
            .expect("spawn the server thread");
        Server {
            base_url: format!("http://{addr}"),
            addr,
            shared,
            stop,
        }
    }

    /// Events from now on belong to call `call`.
    pub fn set_call(&self, call: usize) {
        self.shared.call.store(call, Ordering::SeqCst);
    }

    /// The events of `call`, once every answer that is not deliberately late was written
    /// (waiting at most `patience`).
    pub fn events(&self, call: usize, patience: Duration) -> Vec<Event> {
        let until = Instant::now() + patience;
        loop {
            let log = lock(&self.shared.log);
            let pending = log.iter().any(|e| e.call == call && !e.settled && !e.late);
            if !pending || Instant::now() >= until {
                return log.iter().filter(|e| e.call == call).cloned().collect();
            }
            drop(log);
            thread::sleep(Duration::from_millis(1));
        }
    }

    pub fn all_events(&self) -> Vec<Event> {
        lock(&self.shared.log).clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

// ---- reading requests ----------------------------------------------------------------------

struct Head {
    path: String,
    query: String,
    headers: Vec<(String, String)>,
    head_len: usize,
    content_length: usize,
}

impl Head {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(bytes: &[u8]) -> Option<Head> {
    let end = find(bytes, b"\r\n\r\n")? + 4;
    let text = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = text.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let _method = request_line.next()?;
    let target = request_line.next()?.to_owned();
    let mut headers = Vec::new();
    for line in lines {
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_owned(), v.trim().to_owned()));
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    let mut head = Head {
        path,
        query,
        headers,
        head_len: end,
        content_length: 0,
    };
    head.content_length = head
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    Some(head)
}

enum Peeked {
    Closed,
    /// The head and the first bytes of the body are in the socket's buffer (all of it when it
    /// fits), and when the request's first bytes arrived.
    Request(Head, Vec<u8>, Instant),
}

/// Waits for the next request on `stream` and looks at it without consuming it, so that the
/// fault can still be "closed without reading".
fn peek_request(stream: &TcpStream) -> Peeked {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut buf = vec![0u8; 64 * 1024];
    let mut last = 0;
    let mut last_progress = Instant::now();
    let mut arrived = None;
    loop {
        let n = match stream.peek(&mut buf) {
            Ok(0) | Err(_) => return Peeked::Closed,
            Ok(n) => n,
        };
        let arrived = *arrived.get_or_insert_with(Instant::now);
        if n != last {
            last = n;
            last_progress = Instant::now();
        }
        if let Some(head) = parse_head(&buf[..n]) {
            let want = head.head_len + head.content_length;
            if n >= want {
                let bytes = buf[..want].to_vec();
                return Peeked::Request(head, bytes, arrived);
            }
            if buf.len() < want && buf.len() < 16 * 1024 * 1024 {
                buf.resize(want.min(16 * 1024 * 1024), 0);
                continue;
            }
            // More than the socket buffers: go on with what is there.
            if last_progress.elapsed() > Duration::from_millis(30) {
                let bytes = buf[..n].to_vec();
                return Peeked::Request(head, bytes, arrived);
            }
        } else if n == buf.len() || last_progress.elapsed() > Duration::from_secs(3) {
            // A head larger than 64 KiB, or a client that stopped mid-head: give up.
            return Peeked::Closed;
        }
        thread::sleep(Duration::from_micros(300));
    }
}

/// What a request is: its endpoint, kind, recipients and ids.
struct Parsed {
    endpoint: Option<Endpoint>,
    kind: ReqKind,
    recipients: Vec<String>,
    ids: Vec<String>,
    /// SMS.by mailings (`sendBulkViber`) answer with a uuid.
    bulk: bool,
}

fn provider_of(path: &str) -> Option<ProviderId> {
    if path.starts_with("/vibers/") {
        Some(ProviderId::SmsClub)
    } else if path.starts_with("/api/") {
        Some(ProviderId::SmsBy)
    } else if path.starts_with("/v1/api/") {
        Some(ProviderId::DecisionTelecom)
    } else if path.starts_with("/im/") {
        Some(ProviderId::IntelTele)
    } else {
        None
    }
}

fn account_of(head: &Head, body: &[u8]) -> u8 {
    let parse = |s: &str| {
        s.strip_prefix("acct")
            .and_then(|n| n.parse::<u8>().ok())
            .unwrap_or(u8::MAX)
    };
    if let Some(auth) = head.header("authorization") {
        if let Some(token) = auth.strip_prefix("Bearer ") {
            return parse(token.trim());
        }
        if let Some(b64) = auth.strip_prefix("Basic ") {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .unwrap_or_default();
            return parse(&String::from_utf8_lossy(&decoded));
        }
    }
    let body_text = String::from_utf8_lossy(body);
    for (needle, from) in [
        ("token=acct", &body_text),
        ("username=acct", &body_text),
        ("\"token\":\"acct", &body_text),
    ] {
        if let Some(i) = from.find(needle) {
            let rest = &from[i + needle.len() - 4..];
            let end = rest[4..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest.len(), |e| e + 4);
            return parse(&rest[..end]);
        }
    }
    if let Some(i) = head.query.find("token=acct") {
        let rest = &head.query[i + 6..];
        let end = rest.find('&').unwrap_or(rest.len());
        return parse(&rest[..end]);
    }
    u8::MAX
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    vibergate_core::internals::transport::form_decode(body)
}

fn form_get(body: &[u8], key: &str) -> Option<String> {
    form(body)
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

fn json_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn parse_request(head: &Head, body: &[u8]) -> Parsed {
    let provider = provider_of(&head.path);
    let endpoint = provider.map(|provider| Endpoint {
        provider,
        account: account_of(head, body),
    });
    let json: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let mut parsed = Parsed {
        endpoint,
        kind: ReqKind::Other,
        recipients: Vec::new(),
        ids: Vec::new(),
        bulk: false,
    };
    match head.path.as_str() {
        "/vibers/send" => {
            parsed.kind = ReqKind::Send;
            parsed.recipients = json["phones"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(json_string)
                .collect();
        }
        "/api/v2/sendQuickViberMessage" => {
            parsed.kind = ReqKind::Send;
            parsed.recipients = form_get(body, "phone").into_iter().collect();
        }
        "/api/v1/sendBulkViber" => {
            parsed.kind = ReqKind::Send;
            parsed.bulk = true;
            for mailing in json["messages"].as_array().into_iter().flatten() {
                for entry in mailing["delivery_list"].as_array().into_iter().flatten() {
                    if let Some(p) = json_string(entry).or_else(|| json_string(&entry["phone"])) {
                        parsed.recipients.push(p);
                    }
                }
            }
        }
        "/v1/api/send-viber" => {
            parsed.kind = ReqKind::Send;
            parsed.recipients = json_string(&json["destination_addr"]).into_iter().collect();
        }
        "/im/send/" => {
            parsed.kind = ReqKind::Send;
            parsed.recipients = form_get(body, "to")
                .map(|to| {
                    to.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
        }
        "/vibers/status" => {
            parsed.kind = ReqKind::Status;
            parsed.ids = json["messageIds"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(json_string)
                .collect();
        }
        "/api/v2/getViberDeliveryData" => {
            parsed.kind = ReqKind::Status;
            parsed.ids = form_get(body, "message_id").into_iter().collect();
        }
        "/v1/api/receive-viber" => {
            parsed.kind = ReqKind::Status;
            parsed.ids = json_string(&json["message_id"]).into_iter().collect();
        }
        "/im/status/" => {
            parsed.kind = ReqKind::Status;
            parsed.ids = form_get(body, "requests")
                .map(|r| {
                    r.split(',')
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
        }
        _ => {}
    }
    parsed
}

// ---- choosing the fault ------------------------------------------------------------------

/// `Retry-After` values that are harmless to honour (≤ 50 ms), or longer than any retry waits
/// for, or nonsense: safe on answers that trigger a retry.
fn retry_after_safe(rng: &mut Rng) -> String {
    const VALUES: &[&str] = &[
        "0",
        "0.0",
        "-0",
        "+0",
        "-1",
        "-1.5",
        "-99999999999999999999",
        "99999999999999999999",
        "18446744073709551615",
        "18446744073709551616",
        "9223372036854775807",
        "-9223372036854775808",
        "4294967296",
        "1e308",
        "1e309",
        "-1e308",
        "1e19",
        "4e18",
        "3.4e38",
        "1.7976931348623157e308",
        "NaN",
        "nan",
        "inf",
        "-inf",
        "Infinity",
        "0.001",
        "0.04",
        "1e-300",
        "5e-324",
        "0x10",
        "",
        "   ",
        "soon",
        "1_000",
        "1,5",
        "5, 6",
        "3600",
        "86400",
        "31",
        "1.5e3",
        "Sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 1994 9999999999999999:00:00 GMT",
        "Sun, 06 Nov 1994 08:9999999999999999:00 GMT",
        "Sun, 06 Nov 1994 08:49:9999999999999999 GMT",
        "Sun, 9999999999 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
        "Sun, 06 Nov 9223372036854775807 08:49:37 GMT",
        "Sun, 06 Nov -9223372036854775808 08:49:37 GMT",
        "Sun, 06 Nov -5 08:49:37 GMT",
        "Sun, 99 Nov 1994 08:49:37 GMT",
        "Sun, 00 Nov 1994 08:49:37 GMT",
        "Sun, 06 Foo 1994 08:49:37 GMT",
        "Fri, 31 Dec 9999 23:59:59 GMT",
        "Thu, 01 Jan 1970 00:00:00 GMT",
        "Sun, 06 Nov 1994 24:60:61 GMT",
        "Sun, 06 Nov 1994 -1:-1:-1 GMT",
        "Sun, 06 Nov 1994 08:49 GMT",
        "Sun, 06 Nov 1994 08:49:37:00 GMT",
        "Sun, 06 Nov 1994 08:49:37",
        "Sunday, 06-Nov-94 08:49:37 GMT",
        "Sun Nov  6 08:49:37 1994",
        "Sat, 29 Feb 2100 00:00:00 GMT",
        ", , ,",
        "Sun,",
    ];
    match rng.below(12) {
        0 => "9".repeat(rng.range(20, 400) as usize),
        1 => format!("-{}", "9".repeat(rng.range(20, 60) as usize)),
        2 => format!("1e{}", rng.range(20, 400)),
        3 => format!(
            "Sun, 06 Nov {} {}:{}:{} GMT",
            rng.next_u64() as i64,
            rng.next_u64() % 100_000_000_000,
            rng.next_u64() % 1000,
            rng.next_u64() % 1000
        ),
        _ => (*rng.pick(VALUES)).to_owned(),
    }
}

/// `Retry-After` values a client that honours them waits out for a while: only on answers that
/// trigger no retry, so that the run stays fast.
fn retry_after_sleepy(rng: &mut Rng) -> String {
    const VALUES: &[&str] = &[
        "1", "2", "5", "1.5", "+5", "30", "29.999", "0.5", " 1 ", "10",
    ];
    (*rng.pick(VALUES)).to_owned()
}

fn content_type(rng: &mut Rng) -> Option<String> {
    match rng.below(10) {
        0..=4 => Some("application/json".into()),
        5 | 6 => None,
        _ => Some(
            (*rng.pick(&[
                "text/html; charset=utf-8",
                "application/json; charset=utf-16",
                "text/plain",
                "application/octet-stream",
                "application/x-www-form-urlencoded",
                "x/y;;;=",
                "",
                "application/json;charset=\"utf-8\";q=0.5, text/*",
            ]))
            .to_owned(),
        )
        .map(|s| {
            if rng.chance(0.1) {
                format!("{s}; {}", "a=b; ".repeat(400))
            } else {
                s
            }
        }),
    }
}

/// Header lines that may break the answer's framing or parsing.
fn hostile_header(rng: &mut Rng) -> (Vec<Vec<u8>>, bool) {
    // (lines, the server must not write its own Content-Length)
    match rng.below(11) {
        0 => (
            vec![
                b"Content-Length: 3".to_vec(),
                b"Content-Length: 70000".to_vec(),
            ],
            true,
        ),
        1 => (vec![b"Transfer-Encoding: chunked".to_vec()], true),
        2 => (vec![b"Content-Length: -1".to_vec()], true),
        3 => (
            vec![b"Content-Length: 99999999999999999999999".to_vec()],
            true,
        ),
        4 => {
            let mut line = b"X-Padding: ".to_vec();
            line.extend(std::iter::repeat_n(
                b'a',
                rng.range(60_000, 200_000) as usize,
            ));
            (vec![line], false)
        }
        5 => (
            (0..rng.range(100, 400))
                .map(|i| format!("X-Many-{i}: {i}").into_bytes())
                .collect(),
            false,
        ),
        6 => (vec![b"Retry-After: \x01\x02\x7f".to_vec()], false),
        7 => (vec![b"Retry-After: \xff\xfe\xd9\xa3".to_vec()], false),
        8 => (vec![b"Content-Type: application/json\x00".to_vec()], false),
        9 => (vec![b"no colon in this header line".to_vec()], false),
        _ => (vec![b" Folded: continuation".to_vec()], false),
    }
}

fn pick_status(rng: &mut Rng, provider: Option<ProviderId>, early: bool) -> u16 {
    if early {
        return *rng.pick(&[400, 401, 403, 413, 429, 431, 500, 502, 503]);
    }
    let weights = [20, 3, 1, 2, 5, 4, 4, 3, 3, 3, 12, 3, 4, 5, 4, 4, 4];
    match rng.weighted(&weights) {
        0 => 200,
        1 => *rng.pick(&[201, 202, 203, 206, 226, 299]),
        2 => 204,
        3 => *rng.pick(&[100, 101, 102, 103, 199]),
        4 => *rng.pick(&[300, 301, 302, 303, 304, 305, 307, 308, 399]),
        5 => 400,
        6 => 401,
        7 => 402,
        8 => 403,
        9 => *rng.pick(&[404, 405, 408, 409, 410, 413, 415, 418, 422, 451, 499]),
        10 => 429,
        11 if provider == Some(ProviderId::SmsClub) => rng.range(460, 468) as u16,
        11 => 400,
        12 => 500,
        13 => 502,
        14 => 503,
        15 => 504,
        _ => rng.range(100, 599) as u16,
    }
}

fn pick_body(rng: &mut Rng, provider: Option<ProviderId>, status: u16, huge_ok: bool) -> BodyKind {
    use BodyKind::*;
    if (100..200).contains(&status) || status == 204 || status == 304 {
        return None;
    }
    let (kinds, weights): (&[BodyKind], &[u32]) = match status {
        200..=299 => (
            &[
                Success,
                SuccessPadded,
                Oversize,
                Refusal,
                SystemError,
                WrongFormat,
                TruncatedJson,
                Garbage,
                Html,
                Empty,
                JsonScalar,
            ],
            &[25, 3, 1, 10, 6, 5, 6, 5, 3, 5, 6],
        ),
        300..=399 => (
            &[Empty, Html, Garbage, JsonScalar, SystemError],
            &[4, 4, 2, 1, 1],
        ),
        400..=499 => (
            &[
                Refusal,
                Garbage,
                Html,
                Empty,
                JsonScalar,
                Success,
                SystemError,
            ],
            &[10, 3, 3, 4, 2, 2, 1],
        ),
        _ => (
            &[
                SystemError,
                Html,
                Empty,
                Garbage,
                TruncatedJson,
                Success,
                JsonScalar,
            ],
            &[8, 4, 4, 3, 2, 1, 1],
        ),
    };
    let kind = kinds[rng.weighted(weights)];
    match kind {
        SuccessPadded | Oversize if !huge_ok => Success,
        // SMS.by's errors are all `{"error": …}`: in a 2xx an internal error looks exactly like
        // a refusal, so no client can tell them apart; send it as a 5xx only.
        SystemError if provider == Some(ProviderId::SmsBy) && (200..300).contains(&status) => {
            Refusal
        }
        k => k,
    }
}

fn plan(rng: &mut Rng, shared: &Shared, provider: Option<ProviderId>, kind: ReqKind) -> Plan {
    let profile = &shared.profile;
    let faulty = rng.chance(profile.fault_rate);
    let mut plan = Plan {
        conn: Conn::Answer,
        status: 200,
        reason: "OK".into(),
        body: BodyKind::Success,
        headers: Vec::new(),
        own_length: true,
        hostile_framing: false,
        delay: Duration::ZERO,
        close_after: false,
        label: String::new(),
    };
    // Benign variety even without a fault.
    if let Some(ct) = content_type(rng) {
        plan.headers
            .push(format!("Content-Type: {ct}").into_bytes());
    }
    if rng.chance(0.05) {
        plan.close_after = true;
    }
    if rng.chance(0.05) {
        plan.headers.push(b"Connection: close".to_vec());
        plan.close_after = true;
    }
    if rng.chance(0.2) {
        plan.delay = Duration::from_millis(rng.range(1, 15));
    }
    if !faulty {
        if profile.focus.is_empty() && rng.chance(0.15) {
            // A Retry-After on a success: it must be ignored, whatever its shape.
            let v = if rng.chance(0.5) {
                retry_after_safe(rng)
            } else {
                retry_after_sleepy(rng)
            };
            plan.headers.push(format!("Retry-After: {v}").into_bytes());
        }
        plan.label = format!("200 success{}", header_note(&plan));
        return plan;
    }
    let conns = [
        Conn::Answer,
        Conn::DropBeforeRead,
        Conn::DropAfterHeaders,
        Conn::DropAfterRead,
        Conn::EarlyAnswer,
        Conn::CutInHead,
        Conn::CutInBody,
        Conn::Late,
    ];
    if profile.focus.is_empty() {
        plan.conn = conns[rng.weighted(&[60, 6, 4, 8, 3, 3, 6, 3])];
        if plan.conn == Conn::Late && !take(&shared.late_left) {
            plan.conn = Conn::DropAfterRead;
        }
        plan.status = pick_status(rng, provider, plan.conn == Conn::EarlyAnswer);
    } else {
        plan.conn = conns[rng.weighted(&[85, 5, 0, 10, 0, 0, 0, 0])];
        plan.status = *rng.pick(&profile.focus);
    }
    plan.reason = match rng.below(8) {
        0 => String::new(),
        1 => "X".into(),
        _ => "Whatever".into(),
    };
    let huge_ok = shared.huge_left.load(Ordering::SeqCst) > 0;
    plan.body = pick_body(rng, provider, plan.status, huge_ok);
    if plan.conn == Conn::EarlyAnswer && plan.body == BodyKind::Success {
        plan.body = BodyKind::Refusal;
    }
    if matches!(plan.body, BodyKind::SuccessPadded | BodyKind::Oversize) && !take(&shared.huge_left)
    {
        plan.body = BodyKind::Success;
    }
    let _ = kind;
    // Retry-After: safe shapes where a retry may follow (429 and 5xx), any shape elsewhere. A
    // focused case mixes statuses only, so that what they do is not hidden behind a header.
    let retry_prone = plan.status == 429 || plan.status >= 500;
    let p = if !profile.focus.is_empty() {
        0.0
    } else if matches!(plan.status, 429 | 503) {
        0.6
    } else {
        0.2
    };
    if rng.chance(p) {
        // A body-level refusal may be retried too (a provider's "too many requests" in a 200).
        let v = if retry_prone || plan.body == BodyKind::Refusal || rng.chance(0.5) {
            retry_after_safe(rng)
        } else {
            retry_after_sleepy(rng)
        };
        plan.headers.push(format!("Retry-After: {v}").into_bytes());
        if rng.chance(0.1) {
            // Two of them.
            let v = retry_after_safe(rng);
            plan.headers.push(format!("Retry-After: {v}").into_bytes());
        }
    }
    if (300..400).contains(&plan.status) && rng.chance(0.7) {
        let target = *rng.pick(&[
            "/vibers/send",
            "/v1/api/send-viber",
            "/im/send/",
            "/api/v2/sendQuickViberMessage",
            "http://127.0.0.1:1/elsewhere",
            "//evil.example/x",
        ]);
        plan.headers
            .push(format!("Location: {target}").into_bytes());
    }
    // Headers that can break the framing only where the provider may have acted anyway, so
    // that the client's reading of them never decides an invariant.
    let hostile_ok = !(400..500).contains(&plan.status)
        && plan.body != BodyKind::Refusal
        && profile.focus.is_empty();
    if hostile_ok && rng.chance(0.12) {
        let (lines, replaces_length) = hostile_header(rng);
        plan.headers.extend(lines);
        plan.own_length &= !replaces_length;
        plan.hostile_framing = true;
    }
    if plan.conn == Conn::Answer && hostile_ok && rng.chance(0.03) {
        plan.reason = "Ok\u{1F600}\x07".into();
        plan.hostile_framing = true;
    }
    plan.label = format!(
        "{:?} {} {:?}{}",
        plan.conn,
        plan.status,
        plan.body,
        header_note(&plan)
    );
    plan
}

fn take(counter: &AtomicU32) -> bool {
    counter
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok()
}

fn header_note(plan: &Plan) -> String {
    let mut notes = Vec::new();
    for h in &plan.headers {
        let text = String::from_utf8_lossy(h);
        if text.starts_with("Retry-After") || text.starts_with("Location") {
            let short: String = text.chars().take(70).collect();
            notes.push(short);
        }
    }
    if plan.hostile_framing {
        notes.push("framing-breaking header".into());
    }
    if !plan.delay.is_zero() {
        notes.push(format!("delay {} ms", plan.delay.as_millis()));
    }
    if plan.close_after {
        notes.push("close after".into());
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join(", "))
    }
}

// ---- answers -----------------------------------------------------------------------------

struct Built {
    body: Arc<Vec<u8>>,
    issued: Vec<(String, String)>,
    batch: Option<String>,
    refused: Vec<String>,
    refusal: bool,
    valid_success: bool,
}

fn numeric_id(rng: &mut Rng) -> String {
    rng.range(100_000_000_000, 999_999_999_999).to_string()
}

fn hex_id(rng: &mut Rng) -> String {
    format!("{:016x}{:08x}", rng.next_u64(), rng.next_u64() as u32)
}

fn uuid(rng: &mut Rng) -> String {
    let a = rng.next_u64();
    let b = rng.next_u64();
    format!(
        "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xffff,
        b >> 48,
        b & 0xffff_ffff_ffff
    )
}

/// The documented success answer for a parsed request, and what it issued.
fn success(rng: &mut Rng, profile: &Profile, req: &Parsed, path: &str) -> (Value, Built) {
    let mut built = Built {
        body: Arc::new(Vec::new()),
        issued: Vec::new(),
        batch: None,
        refused: Vec::new(),
        refusal: false,
        valid_success: true,
    };
    let provider = req.endpoint.map(|e| e.provider);
    #[derive(Clone, Copy)]
    enum Fate {
        Take,
        Refuse,
        Omit,
    }
    let fate = |rng: &mut Rng| {
        if rng.chance(profile.reject_rate) {
            Fate::Refuse
        } else if rng.chance(profile.omit_rate) {
            Fate::Omit
        } else {
            Fate::Take
        }
    };
    let value = match (req.kind, provider) {
        (ReqKind::Send, Some(ProviderId::SmsClub)) => {
            let mut messages = Vec::new();
            let mut incorrect = Vec::new();
            let mut black = Vec::new();
            for phone in &req.recipients {
                match fate(rng) {
                    Fate::Take => {
                        let id = numeric_id(rng);
                        let id_value = if rng.chance(0.5) {
                            json!(id)
                        } else {
                            json!(id.parse::<u64>().unwrap_or(0))
                        };
                        let mut m = json!({"number": phone, "id": id_value});
                        if rng.chance(0.2) {
                            m["chat_id"] = json!(rng.range(1000, 9999).to_string());
                        }
                        messages.push(m);
                        built.issued.push((phone.clone(), id));
                    }
                    Fate::Refuse => {
                        if rng.chance(0.5) {
                            incorrect.push(json!(phone));
                        } else {
                            black.push(json!(phone));
                        }
                        built.refused.push(phone.clone());
                    }
                    Fate::Omit => {}
                }
            }
            let info = if incorrect.is_empty() && black.is_empty() && rng.chance(0.5) {
                json!([])
            } else {
                json!({"incorrectPhones": incorrect, "blackList": black})
            };
            json!({"successfulRequest": {"requestData": {"messages": messages, "additionalInfo": info}}})
        }
        (ReqKind::Send, Some(ProviderId::IntelTele)) => {
            let mut reply = Vec::new();
            for phone in &req.recipients {
                match fate(rng) {
                    Fate::Take => {
                        let id = hex_id(rng);
                        reply.push(json!({"status": "OK", "cost": "0.2", "country": "UA", "mcc": "255", "number": phone, "message_id": id}));
                        built.issued.push((phone.clone(), id));
                    }
                    Fate::Refuse => {
                        let why = *rng.pick(&[
                            "number is blacklisted",
                            "repeat detected",
                            "can't determine country",
                            "no route to country",
                            "low balance",
                            "something unexpected",
                        ]);
                        reply.push(json!({"number": phone, "status": format!("error: {why}")}));
                        built.refused.push(phone.clone());
                    }
                    Fate::Omit => {}
                }
            }
            json!({ "reply": reply })
        }
        (ReqKind::Send, Some(ProviderId::DecisionTelecom)) => {
            let id = numeric_id(rng);
            for phone in &req.recipients {
                built.issued.push((phone.clone(), id.clone()));
            }
            if rng.chance(0.5) {
                json!({"message_id": id.parse::<u64>().unwrap_or(0)})
            } else {
                json!({"message_id": id.parse::<u64>().unwrap_or(0), "status": 0})
            }
        }
        (ReqKind::Send, Some(ProviderId::SmsBy)) if req.bulk => {
            let id = uuid(rng);
            built.batch = Some(id.clone());
            json!({"uuid": id, "success": "OK"})
        }
        (ReqKind::Send, Some(ProviderId::SmsBy)) => {
            let id = numeric_id(rng);
            for phone in &req.recipients {
                built.issued.push((phone.clone(), id.clone()));
            }
            json!({"status": "OK", "result": {"message_id": id.parse::<u64>().unwrap_or(0)}})
        }
        (ReqKind::Status, Some(p)) => status_success(rng, p, &req.ids),
        _ => {
            built.valid_success = false;
            json!({"error": format!("no such method: {path}")})
        }
    };
    (value, built)
}

fn status_success(rng: &mut Rng, provider: ProviderId, ids: &[String]) -> Value {
    match provider {
        ProviderId::SmsClub => {
            let mut data = Map::new();
            for id in ids {
                let status = *rng.pick(&[
                    "Pending",
                    "Sent",
                    "Delivered",
                    "Expired",
                    "Read",
                    "Weird",
                    "",
                ]);
                let extra = rng
                    .pick(&[Value::Null, json!("Read"), json!("Clicked"), json!(3)])
                    .clone();
                let sms = rng
                    .pick(&[Value::Null, json!("Delivered"), json!("")])
                    .clone();
                let key = if rng.chance(0.5) {
                    "additionalStatus"
                } else {
                    "additionStatus"
                };
                data.insert(
                    id.clone(),
                    json!({"status": status, key: extra, "smsStatus": sms}),
                );
            }
            json!({"successfulRequest": {"requestData": data}})
        }
        ProviderId::SmsBy => {
            let id = ids.first().cloned().unwrap_or_default();
            let status = *rng.pick(&["NEW", "SENT", "DELIVERED", "READ", "UNKNOWN", ""]);
            let time = *rng.pick(&[
                "2024-02-01 10:10:35",
                "2024-13-45 99:99:99",
                "",
                "01-02-2024 10:10:35",
            ]);
            json!({"status": "OK", "result": {"message_id": id.parse::<u64>().map(Value::from).unwrap_or(json!(id)), "status": status, "status_time": time, "error_code": rng.below(3)}})
        }
        ProviderId::DecisionTelecom => {
            let id = ids.first().cloned().unwrap_or_default();
            let status = rng
                .pick(&[
                    json!(0),
                    json!(1),
                    json!(2),
                    json!(5),
                    json!(6),
                    json!(20),
                    json!(99),
                    json!("x"),
                    json!(-1),
                    json!(1e300),
                ])
                .clone();
            let mut v = json!({"message_id": id.parse::<u64>().map(Value::from).unwrap_or(json!(id)), "status": status});
            if rng.chance(0.3) {
                v["sms_message_id"] = json!(rng.below(100_000));
                v["sms_message_status"] = json!(rng.below(7));
            }
            v
        }
        ProviderId::IntelTele => {
            let mut data = Map::new();
            for id in ids {
                let status = *rng.pick(&["delivrd", "undeliv", "expired", "rejectd", "wat", ""]);
                let date = *rng.pick(&[
                    "2024-02-01 10:10:35",
                    "17-02-2013 12:08:29",
                    "99-99-99999 99:99:99",
                    "",
                ]);
                data.insert(
                    id.clone(),
                    json!({"status": status, "date": date, "time_zone": "UTC"}),
                );
            }
            Value::Object(data)
        }
    }
}

fn refusal(rng: &mut Rng, provider: Option<ProviderId>) -> Value {
    match provider {
        Some(ProviderId::SmsClub) => {
            let key = *rng.pick(&[
                "account",
                "noMoney",
                "sender",
                "text",
                "anyCorrectPhones",
                "phones",
                "auth",
                "lifetime",
            ]);
            json!({"errorRequest": {"errors": {key: ["Refused by the chaos server"]}}})
        }
        Some(ProviderId::DecisionTelecom) => {
            let (name, code, status) = rng
                .pick(&[
                    ("Unauthorized", json!(null), 401),
                    ("Invalid Parameter: destination_addr", json!(1), 400),
                    ("Invalid Parameter: source_addr", json!("1"), 400),
                    ("Too many requests", json!(0), 429),
                    ("Payment required", json!(3), 402),
                ])
                .clone();
            let mut v =
                json!({"name": name, "message": "Refused by the chaos server", "status": status});
            if !code.is_null() {
                v["code"] = code;
            }
            v
        }
        Some(ProviderId::SmsBy) => match rng.below(3) {
            0 => json!({"error": "Token is invalid"}),
            1 => json!({"error": {"code": 5, "message": "Not enough money"}}),
            _ => json!({"error": "Wrong parameter: phone"}),
        },
        Some(ProviderId::IntelTele) => {
            let why = *rng.pick(&[
                "wrong api key",
                "wrong username/api_key",
                "Invalid auth",
                "ip not allowed",
                "low balance",
                "sender is banned",
                "message is too long",
                "can't send message",
                "bruteforcing detected",
            ]);
            if rng.chance(0.2) {
                json!({"error": true, "message": why})
            } else {
                json!({"reply": [{"status": format!("error: {why}")}]})
            }
        }
        None => json!({"error": "refused"}),
    }
}

fn system_error(rng: &mut Rng, provider: Option<ProviderId>) -> Value {
    match provider {
        Some(ProviderId::SmsClub) => {
            json!({"errorRequest": {"errors": {"systemError": ["Sorry, a system error has occurred, please contact support."]}}})
        }
        Some(ProviderId::DecisionTelecom) => {
            json!({"name": "Internal server error", "message": "The server encountered an unexpected condition", "code": 2, "status": 500})
        }
        Some(ProviderId::SmsBy) => json!({"error": "Internal server error"}),
        Some(ProviderId::IntelTele) => {
            let why = *rng.pick(&["internal error", "database is down", "try again later"]);
            json!({"reply": [{"status": format!("error: {why}")}]})
        }
        None => json!({"error": "internal"}),
    }
}

fn wrong_format(rng: &mut Rng, provider: Option<ProviderId>) -> Vec<u8> {
    // DecisionTelecom's send and status answers; the status one has a numeric `status`, which
    // is no SMS.by status word.
    let decisiontelecom = if rng.chance(0.5) {
        json!({"message_id": 1})
    } else {
        json!({"message_id": 1, "status": 1})
    };
    let options: [Value; 4] = [
        json!({"successfulRequest": {"requestData": {"messages": [{"number": "380000000001", "id": "1"}]}}}),
        json!({"status": "OK", "result": {"message_id": 1}}),
        decisiontelecom,
        json!({"reply": [{"status": "OK", "number": "380000000001", "message_id": "m1"}]}),
    ];
    let mine = match provider {
        Some(ProviderId::SmsClub) => 0,
        Some(ProviderId::SmsBy) => 1,
        Some(ProviderId::DecisionTelecom) => 2,
        Some(ProviderId::IntelTele) => 3,
        None => 4,
    };
    let mut i = rng.below(4) as usize;
    if i == mine {
        i = (i + 1) % 4;
    }
    let mut body = serde_json::to_vec(&options[i]).unwrap_or_default();
    if rng.chance(0.3) {
        // In the form the Intel-Tele documents print: single quotes.
        body = String::from_utf8_lossy(&body)
            .replace('"', "'")
            .into_bytes();
    }
    body
}

fn padded(body: &[u8], size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + body.len());
    out.resize(size, b' ');
    // Sprinkle newlines so that it is whitespace of every kind.
    for i in (0..size).step_by(4096) {
        out[i] = b'\n';
    }
    out.extend_from_slice(body);
    out
}

fn build(rng: &mut Rng, plan: &Plan, profile: &Profile, req: &Parsed, path: &str) -> Built {
    let provider = req.endpoint.map(|e| e.provider);
    let (success_value, mut built) = success(rng, profile, req, path);
    let success_bytes = serde_json::to_vec(&success_value).unwrap_or_default();
    let keep_ids = |built: &mut Built, keep: bool| {
        if !keep {
            built.issued.clear();
            built.batch = None;
            built.refused.clear();
            built.valid_success = false;
        }
    };
    let body: Vec<u8> = match plan.body {
        BodyKind::Success => {
            let keep = built.valid_success;
            keep_ids(&mut built, keep);
            success_bytes
        }
        BodyKind::SuccessPadded => {
            let size = rng.range(1 << 20, 4 << 20) as usize;
            padded(&success_bytes, size)
        }
        BodyKind::Oversize => {
            let size = CLIENT_BODY_LIMIT + rng.range(1 << 10, 1 << 20) as usize;
            padded(&success_bytes, size)
        }
        other => {
            keep_ids(&mut built, false);
            match other {
                BodyKind::Refusal => {
                    built.refusal = true;
                    serde_json::to_vec(&refusal(rng, provider)).unwrap_or_default()
                }
                BodyKind::SystemError => {
                    serde_json::to_vec(&system_error(rng, provider)).unwrap_or_default()
                }
                BodyKind::WrongFormat => wrong_format(rng, provider),
                BodyKind::TruncatedJson => {
                    let cut = rng.below(success_bytes.len().max(1) as u64) as usize;
                    success_bytes[..cut].to_vec()
                }
                BodyKind::Garbage => {
                    let n = rng.range(1, 3000) as usize;
                    (0..n).map(|_| rng.next_u64() as u8).collect()
                }
                BodyKind::Html => {
                    format!("<html><head><title>{0}</title></head><body><h1>{0} Whatever</h1><hr>nginx</body></html>", plan.status).into_bytes()
                }
                BodyKind::JsonScalar => match rng.below(14) {
                    0 => b"null".to_vec(),
                    1 => b"[]".to_vec(),
                    2 => b"{}".to_vec(),
                    3 => b"\"OK\"".to_vec(),
                    4 => b"0".to_vec(),
                    5 => b"true".to_vec(),
                    6 => b"{\"reply\":null}".to_vec(),
                    7 => b"{\"successfulRequest\":{\"requestData\":null}}".to_vec(),
                    8 => b"{\"status\":\"OK\",\"result\":null}".to_vec(),
                    9 => b"{\"message_id\":null}".to_vec(),
                    10 => b"{\"uuid\":[],\"success\":\"OK\"}".to_vec(),
                    11 => {
                        let depth = rng.range(100, 100_000) as usize;
                        let mut v = "[".repeat(depth).into_bytes();
                        v.extend("]".repeat(depth).into_bytes());
                        v
                    }
                    12 => {
                        let depth = rng.range(100, 50_000) as usize;
                        let mut v = "{'a':".repeat(depth).into_bytes();
                        v.extend(b"1");
                        v.extend("}".repeat(depth).into_bytes());
                        v
                    }
                    _ => "\u{feff}{\"message_id\":\u{201c}1\u{201d}}".as_bytes().to_vec(),
                },
                BodyKind::Empty | BodyKind::None => Vec::new(),
                BodyKind::Success | BodyKind::SuccessPadded | BodyKind::Oversize => {
                    unreachable!()
                }
            }
        }
    };
    built.body = Arc::new(body);
    built
}

// ---- the connection loop -----------------------------------------------------------------

fn update(shared: &Shared, index: usize, f: impl FnOnce(&mut Event)) {
    if let Some(e) = lock(&shared.log).get_mut(index) {
        f(e);
    }
}

fn serve(mut stream: TcpStream, shared: &Shared, accepted: Instant) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(Duration::from_secs(5)));
    // The client's clock for a request starts before its connection exists.
    let mut connected = Some(accepted);
    loop {
        let (head, peeked, arrived) = match peek_request(&stream) {
            Peeked::Closed => return,
            Peeked::Request(head, bytes, arrived) => (head, bytes, arrived),
        };
        let arrived = connected.take().unwrap_or(arrived);
        if head
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
        {
            // Never sent by the transport; a server bug if it ever is.
            eprintln!("chaos server: a chunked request body, not supported");
            return;
        }
        let complete_peek = peeked.len() >= head.head_len + head.content_length;
        let prefix_end = peeked.len().min(head.head_len + 16 * 1024);
        let key = fnv(&[
            head.path.as_bytes(),
            head.content_length.to_string().as_bytes(),
            &peeked[head.head_len.min(prefix_end)..prefix_end],
        ]);
        let occurrence = {
            let mut occ = lock(&shared.occurrences);
            let n = occ.entry(key).or_insert(0);
            *n += 1;
            *n
        };
        let mut rng = Rng::new(mix(shared.seed
            ^ key
            ^ u64::from(occurrence).rotate_left(40)));
        let peeked_body = &peeked[head.head_len.min(peeked.len())..];
        let guess = parse_request(&head, if complete_peek { peeked_body } else { &[] });
        let provider = provider_of(&head.path);
        let mut plan = plan(&mut rng, shared, provider, guess.kind);
        if plan.conn == Conn::DropBeforeRead && !complete_peek {
            plan.conn = Conn::DropAfterHeaders;
        }
        let index = {
            let mut log = lock(&shared.log);
            let index = log.len();
            log.push(Event {
                call: shared.call.load(Ordering::SeqCst),
                index,
                endpoint: guess.endpoint,
                path: head.path.clone(),
                kind: guess.kind,
                recipients: guess.recipients.clone(),
                ids: guess.ids.clone(),
                fully_read: false,
                seq: 0,
                conn: plan.conn,
                body_kind: plan.body,
                label: plan.label.clone(),
                status: plan.status,
                late: false,
                clean: !plan.hostile_framing,
                head_done: false,
                complete: false,
                refusal: false,
                refused: Vec::new(),
                issued: Vec::new(),
                batch: None,
                valid_success: false,
                body_len: 0,
                elapsed: None,
                answered_at: None,
                settled: false,
            });
            index
        };
        let settle = |f: &dyn Fn(&mut Event)| {
            update(shared, index, |e| {
                f(e);
                e.settled = true;
            })
        };
        if plan.conn == Conn::DropBeforeRead {
            // Unread bytes: closing resets the connection.
            drop(stream);
            settle(&|_| {});
            return;
        }
        let mut head_bytes = vec![0; head.head_len];
        if stream.read_exact(&mut head_bytes).is_err() {
            settle(&|_| {});
            return;
        }
        if plan.conn == Conn::DropAfterHeaders {
            drop(stream);
            settle(&|_| {});
            return;
        }
        if plan.conn == Conn::EarlyAnswer {
            let built = build(&mut rng, &plan, &shared.profile, &guess, &head.path);
            let _ = write_answer(&mut stream, &plan, &built, &mut rng, shared, index);
            drop(stream);
            settle(&|_| {});
            return;
        }
        let mut body = vec![0; head.content_length];
        if stream.read_exact(&mut body).is_err() {
            settle(&|_| {});
            return;
        }
        let parsed = parse_request(&head, &body);
        let seq = shared.seq.fetch_add(1, Ordering::SeqCst);
        update(shared, index, |e| {
            e.fully_read = true;
            e.seq = seq;
            e.endpoint = parsed.endpoint;
            e.kind = parsed.kind;
            e.recipients = parsed.recipients.clone();
            e.ids = parsed.ids.clone();
        });
        match plan.conn {
            Conn::DropAfterRead => {
                drop(stream);
                settle(&|_| {});
                return;
            }
            Conn::Late => {
                update(shared, index, |e| e.late = true);
                thread::sleep(shared.profile.timeout + LATE_MARGIN);
            }
            _ => thread::sleep(plan.delay),
        }
        let built = build(&mut rng, &plan, &shared.profile, &parsed, &head.path);
        let written = write_answer(&mut stream, &plan, &built, &mut rng, shared, index);
        let elapsed = arrived.elapsed();
        update(shared, index, |e| {
            e.elapsed = Some(elapsed);
            e.answered_at = Some(Instant::now());
            e.settled = true;
        });
        if !written || plan.close_after || matches!(plan.conn, Conn::CutInHead | Conn::CutInBody) {
            return;
        }
        if (100..200).contains(&plan.status) {
            return;
        }
    }
}

/// Writes the answer as `plan` says; true when the connection can carry another request.
fn write_answer(
    stream: &mut TcpStream,
    plan: &Plan,
    built: &Built,
    rng: &mut Rng,
    shared: &Shared,
    index: usize,
) -> bool {
    let no_body = (100..200).contains(&plan.status) || plan.status == 204 || plan.status == 304;
    let body: &[u8] = if no_body { &[] } else { &built.body };
    let mut head = format!("HTTP/1.1 {} {}\r\n", plan.status, plan.reason).into_bytes();
    if plan.own_length && !no_body {
        head.extend(format!("Content-Length: {}\r\n", body.len()).into_bytes());
    }
    for line in &plan.headers {
        head.extend_from_slice(line);
        head.extend_from_slice(b"\r\n");
    }
    head.extend_from_slice(b"\r\n");
    update(shared, index, |e| {
        e.refusal = built.refusal;
        e.refused = built.refused.clone();
        e.issued = built.issued.clone();
        e.batch = built.batch.clone();
        e.valid_success = built.valid_success;
        e.body_len = body.len();
    });
    if plan.conn == Conn::CutInHead {
        let cut = rng.range(1, head.len() as u64 - 3) as usize;
        let _ = stream.write_all(&head[..cut]);
        let _ = stream.flush();
        return false;
    }
    if stream.write_all(&head).is_err() {
        return false;
    }
    update(shared, index, |e| e.head_done = true);
    if plan.conn == Conn::CutInBody {
        if body.is_empty() {
            // Nothing to cut: the answer is complete, then the connection closes.
            update(shared, index, |e| e.complete = true);
        } else {
            let cut = rng.below(body.len() as u64) as usize;
            let _ = stream.write_all(&body[..cut]);
        }
        let _ = stream.flush();
        return false;
    }
    if stream.write_all(body).and_then(|_| stream.flush()).is_err() {
        return false;
    }
    update(shared, index, |e| e.complete = true);
    true
}

/// Whether a thread is one of the server's (their panics are bugs of the test, not the SDK).
pub fn is_server_thread(name: &str) -> bool {
    name.starts_with("chaos-server")
}
