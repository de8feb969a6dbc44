//! The one small HTTP/1.1 server behind the sandbox, the core's loopback tests
//! (`core/tests/common`) and the benchmarks' responder: one thread per connection on 127.0.0.1,
//! keep-alive, `Content-Length` and chunked request bodies read within fixed bounds, and a
//! [`Handler`] that answers each request with a [`Delivery`]: a response, a dropped connection,
//! a truncated or trickled body, or any of these after a delay. What each user does with a
//! request (recording, fault injection, scripted replies) lives in its own handler.
//!
//! Not part of vibergate's API: it is public (and hidden) only so the tests and the benchmarks
//! reach the same server the sandbox runs.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

pub use crate::transport::form_decode;

/// The largest request body the server reads; a larger one is answered 400.
pub const MAX_BODY: usize = 16 * 1024 * 1024;
/// The longest request line or header line, in bytes.
pub const MAX_LINE: usize = 64 * 1024;
/// The most header lines a request may have.
pub const MAX_HEADERS: usize = 100;
/// How long a connection may sit idle between requests before the server closes it.
const IDLE: Duration = Duration::from_secs(30);

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Request {
    /// `GET`, `POST`, …
    pub method: String,
    /// The target's path, without the query.
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Header names and values in the order received, values trimmed.
    pub headers: Vec<(String, String)>,
    /// The body (a chunked one already joined).
    pub body: Vec<u8>,
    /// Which TCP connection carried the request, numbered from 0 in accept order.
    pub connection: usize,
}

impl Request {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        header(&self.headers, name)
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// An answer. The server writes `Content-Length` itself; `headers` are the others.
#[derive(Debug, Clone)]
pub struct Response {
    /// The status code.
    pub status: u16,
    /// Headers other than `Content-Length`, written in this order.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Response {
    /// A JSON body.
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::raw(status, "application/json", value.to_string().into_bytes())
    }

    /// A body with this content type.
    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    /// The same response with one more header.
    pub fn with_header(mut self, name: &str, value: String) -> Response {
        self.headers.push((name.to_owned(), value));
        self
    }
}

/// How an answer goes on the wire.
#[derive(Debug, Clone)]
pub enum Delivery {
    /// Write the response; the connection stays open unless the request asked to close it.
    Respond(Response),
    /// Close the connection without answering.
    Drop,
    /// Write a head announcing `announced` bytes of body, then the response's body as it is
    /// (shorter than announced), then close.
    Truncated {
        /// Status, headers and the part of the body that is sent.
        response: Response,
        /// The `Content-Length` the head promises.
        announced: usize,
    },
    /// Write the head, then the body one byte at a time with this pause before each byte.
    Trickle(Response, Duration),
    /// Wait, then deliver. The wait ends early (closing the connection) when the server stops.
    After(Duration, Box<Delivery>),
}

impl Delivery {
    /// The status this delivery answers with (none when the connection is dropped).
    pub fn status(&self) -> Option<u16> {
        match self {
            Delivery::Respond(r) | Delivery::Trickle(r, _) => Some(r.status),
            Delivery::Truncated { response, .. } => Some(response.status),
            Delivery::After(_, next) => next.status(),
            Delivery::Drop => None,
        }
    }
}

/// What the application does with a connection's requests.
pub trait Handler: Send + Sync + 'static {
    /// Called when a request starts arriving, with the bytes already buffered (at least the
    /// start of the request line); `true` closes the connection without reading the request.
    /// An idle kept-alive connection never calls it.
    fn drop_before_read(&self, _peek: &[u8]) -> bool {
        false
    }

    /// Answers one request.
    fn handle(&self, request: Request) -> Delivery;
}

impl<F> Handler for F
where
    F: Fn(Request) -> Delivery + Send + Sync + 'static,
{
    fn handle(&self, request: Request) -> Delivery {
        self(request)
    }
}

/// A flag that wakes whoever waits on it, so delays end as soon as the server stops.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn is_set(&self) -> bool {
        *self.lock()
    }

    /// Sets the flag; `false` when it was already set.
    fn set(&self) -> bool {
        let was = std::mem::replace(&mut *self.lock(), true);
        self.wake.notify_all();
        !was
    }

    /// Waits `pause` or until the flag is set; `true` when it is set.
    fn wait(&self, pause: Duration) -> bool {
        let deadline = Instant::now() + pause;
        let mut stopped = self.lock();
        while !*stopped {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            stopped = match self.wake.wait_timeout(stopped, left) {
                Ok((guard, _)) => guard,
                Err(e) => e.into_inner().0,
            };
        }
        true
    }
}

/// Open connections: a handle to close each and its thread to join.
type Connections = Arc<Mutex<Vec<(TcpStream, thread::JoinHandle<()>)>>>;

/// A running server. Stops (closing every connection and joining every thread) when dropped.
pub struct Server {
    port: u16,
    stop: Arc<Stop>,
    accept: Option<thread::JoinHandle<()>>,
    connections: Connections,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server").field("port", &self.port).finish()
    }
}

impl Server {
    /// Listens on `127.0.0.1:port` (0 picks a free port) and serves each connection on its own
    /// thread with `handler`.
    pub fn start(port: u16, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let stop = Arc::new(Stop::default());
        let connections: Connections = Arc::default();
        let accept = {
            let (stop, open) = (stop.clone(), connections.clone());
            thread::Builder::new()
                .name("vibergate-http".into())
                .spawn(move || accept_loop(&listener, &handler, &stop, &open))?
        };
        Ok(Server {
            port,
            stop,
            accept: Some(accept),
            connections,
        })
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Stops accepting, closes every open connection and waits for their threads.
    pub fn stop(&mut self) {
        if !self.stop.set() {
            return;
        }
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        let open = std::mem::take(&mut *lock(&self.connections));
        for (stream, thread) in open {
            let _ = stream.shutdown(Shutdown::Both);
            let _ = thread.join();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn accept_loop(
    listener: &TcpListener,
    handler: &Arc<dyn Handler>,
    stop: &Arc<Stop>,
    open: &Connections,
) {
    for (connection, stream) in listener.incoming().enumerate() {
        if stop.is_set() {
            return;
        }
        let Ok(stream) = stream else { continue };
        let Ok(closer) = stream.try_clone() else {
            continue;
        };
        let (handler, stop) = (handler.clone(), stop.clone());
        let spawned = thread::Builder::new()
            .name("vibergate-http-conn".into())
            .spawn(move || serve(stream, connection, &*handler, &stop));
        if let Ok(thread) = spawned {
            let mut open = lock(open);
            // Forget connections that have ended.
            open.retain(|(_, t)| !t.is_finished());
            open.push((closer, thread));
        }
    }
}

fn serve(stream: TcpStream, connection: usize, handler: &dyn Handler, stop: &Stop) {
    let Ok(closer) = stream.try_clone() else {
        return;
    };
    serve_requests(stream, connection, handler, stop);
    // The accept loop keeps a clone of every socket (to close it on stop): without this the
    // client would never see the end of a connection the server is done with.
    let _ = closer.shutdown(Shutdown::Both);
}

fn serve_requests(stream: TcpStream, connection: usize, handler: &dyn Handler, stop: &Stop) {
    let _ = stream.set_read_timeout(Some(IDLE));
    // Answers go out at once: with Nagle's algorithm a small body waits for the client's
    // delayed ACK of the head (tens of milliseconds).
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        if stop.is_set() {
            return;
        }
        // Wait for the next request line before asking the handler: a kept-alive idle
        // connection must not consume a fault.
        let peek = match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(bytes) => bytes.to_vec(),
        };
        if handler.drop_before_read(&peek) {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let Some((request, keep_alive)) = read_request(&mut reader, connection) else {
            let bad = Response::raw(400, "text/plain", b"bad request".to_vec());
            let _ = write_response(&mut writer, &bad);
            return;
        };
        if !deliver(&mut writer, handler.handle(request), stop) || !keep_alive {
            return;
        }
    }
}

/// Puts a delivery on the wire; `false` when the connection is (or must be) closed.
fn deliver(writer: &mut TcpStream, delivery: Delivery, stop: &Stop) -> bool {
    match delivery {
        Delivery::Respond(response) => write_response(writer, &response).is_ok(),
        Delivery::Drop => {
            let _ = writer.shutdown(Shutdown::Both);
            false
        }
        Delivery::Truncated {
            response,
            announced,
        } => {
            let _ = writer
                .write_all(head(&response, announced).as_bytes())
                .and_then(|_| writer.write_all(&response.body))
                .and_then(|_| writer.flush());
            let _ = writer.shutdown(Shutdown::Both);
            false
        }
        Delivery::Trickle(response, pause) => {
            if writer
                .write_all(head(&response, response.body.len()).as_bytes())
                .is_err()
            {
                return false;
            }
            for b in &response.body {
                if stop.wait(pause)
                    || writer
                        .write_all(&[*b])
                        .and_then(|_| writer.flush())
                        .is_err()
                {
                    return false;
                }
            }
            true
        }
        Delivery::After(pause, next) => !stop.wait(pause) && deliver(writer, *next, stop),
    }
}

/// Reads one line of at most [`MAX_LINE`] bytes; `None` at the end of the stream, on an error
/// or when the line is too long.
fn read_line(reader: &mut impl BufRead) -> Option<String> {
    let mut line = Vec::new();
    // One byte over the bound tells a line that is too long from one that fits exactly.
    let limit = u64::try_from(MAX_LINE)
        .unwrap_or(u64::MAX)
        .saturating_add(1);
    reader.take(limit).read_until(b'\n', &mut line).ok()?;
    if line.last() != Some(&b'\n') {
        return None;
    }
    String::from_utf8(line).ok()
}

/// One request, and whether the connection may carry another after it. `None` for anything
/// this server will not read unambiguously (RFC 9112 §6.3): a framing that two readers could
/// take differently is refused, never guessed.
fn read_request(reader: &mut impl BufRead, connection: usize) -> Option<(Request, bool)> {
    let line = read_line(reader)?;
    // `method SP target SP version`, nothing more, nothing less (RFC 9112 §3).
    let mut parts = line.trim_end_matches(['\r', '\n']).split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if method.is_empty() || target.is_empty() || !version.starts_with("HTTP/1.") {
        return None;
    }
    let (method, target, version) = (method.to_owned(), target.to_owned(), version.to_owned());
    let mut headers = Vec::new();
    loop {
        let line = read_line(reader)?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return None;
        }
        // No white space before the colon, no obsolete line folding (RFC 9112 §5.1, §5.2): a
        // header another reader would take differently is refused.
        let (k, v) = line.split_once(':')?;
        if k.is_empty() || k.bytes().any(|b| b.is_ascii_whitespace()) {
            return None;
        }
        headers.push((k.to_owned(), v.trim().to_owned()));
    }
    fn named<'h>(headers: &'h [(String, String)], name: &'static str) -> Vec<&'h str> {
        headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }
    let codings: Vec<&str> = named(&headers, "transfer-encoding")
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let lengths = named(&headers, "content-length");
    let body = match (codings.as_slice(), lengths.as_slice()) {
        ([], []) => Vec::new(),
        ([], [first, rest @ ..]) => {
            // Every length the same, each only digits (no sign, no spaces inside).
            if rest.iter().any(|l| l != first) || !first.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let length: usize = first.parse().ok()?;
            if length > MAX_BODY {
                return None;
            }
            let mut body = Vec::new();
            let wanted = u64::try_from(length).ok()?;
            reader.take(wanted).read_to_end(&mut body).ok()?;
            if body.len() != length {
                return None;
            }
            body
        }
        // Chunked must be the only (and so the last) coding, and never beside a length.
        ([only], []) if only.eq_ignore_ascii_case("chunked") => read_chunked(reader)?,
        _ => return None,
    };
    let tokens: Vec<String> = named(&headers, "connection")
        .into_iter()
        .flat_map(|v| v.split(','))
        .map(|t| t.trim().to_ascii_lowercase())
        .collect();
    let keep_alive = if tokens.iter().any(|t| t == "close") {
        false
    } else if version.eq_ignore_ascii_case("HTTP/1.1") {
        true
    } else {
        tokens.iter().any(|t| t == "keep-alive")
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    Some((
        Request {
            method,
            path,
            query,
            headers,
            body,
            connection,
        },
        keep_alive,
    ))
}

fn read_chunked(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let line = read_line(reader)?;
        // `chunk-size = 1*HEXDIG` (RFC 9112 §7.1): no sign, no white space before it.
        let digits = line
            .trim_end_matches(['\r', '\n'])
            .split(';')
            .next()?
            .trim_end();
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        let size = usize::from_str_radix(digits, 16).ok()?;
        if size > MAX_BODY.saturating_sub(body.len()) {
            return None;
        }
        if size == 0 {
            // Trailer lines, up to the empty line that ends the body.
            for _ in 0..=MAX_HEADERS {
                if read_line(reader)?.trim_end().is_empty() {
                    return Some(body);
                }
            }
            return None;
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..]).ok()?;
        if !matches!(read_line(reader)?.as_str(), "\r\n" | "\n") {
            return None;
        }
    }
}

fn head(response: &Response, length: usize) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {length}\r\n",
        response.status,
        reason(response.status)
    );
    for (k, v) in &response.headers {
        head.push_str(k);
        head.push_str(": ");
        head.push_str(v);
        head.push_str("\r\n");
    }
    head.push_str("\r\n");
    head
}

fn write_response(writer: &mut TcpStream, response: &Response) -> io::Result<()> {
    let mut bytes = head(response, response.body.len()).into_bytes();
    bytes.extend_from_slice(&response.body);
    writer.write_all(&bytes)?;
    writer.flush()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    fn parse(raw: &[u8]) -> Option<Request> {
        read_request(&mut Cursor::new(raw.to_vec()), 7).map(|(r, _)| r)
    }

    fn keeps_alive(raw: &[u8]) -> Option<bool> {
        read_request(&mut Cursor::new(raw.to_vec()), 7).map(|(_, k)| k)
    }

    #[test]
    fn refuses_framings_two_readers_could_take_differently() {
        // RFC 9112 §6.3: a length beside chunked, lengths that differ, a signed length, a
        // coding other than chunked alone.
        let both =
            b"POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        assert!(parse(both).is_none());
        assert!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab").is_none()
        );
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nab")
                .unwrap()
                .body,
            b"ab"
        );
        assert!(parse(b"POST / HTTP/1.1\r\nContent-Length: +2\r\n\r\nab").is_none());
        assert!(parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\nab").is_none());
        assert!(
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n")
                .is_none()
        );
        // Chunk sizes: hex digits only; the data ends with CRLF alone.
        for size in ["+3", " 3", "0x3", ""] {
            let raw = format!(
                "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc\r\n0\r\n\r\n"
            );
            assert!(parse(raw.as_bytes()).is_none(), "{size:?}");
        }
        assert!(parse(
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc  \r\n0\r\n\r\n"
        )
        .is_none());
        assert_eq!(
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n003\r\nabc\r\n0\r\n\r\n")
                .unwrap()
                .body,
            b"abc"
        );
        // Header and request-line syntax another reader could take differently.
        assert!(
            parse(b"POST / HTTP/1.1\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n").is_none()
        );
        assert!(parse(b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n").is_none());
        assert!(parse(b"GET /x HTTP/1.1 extra\r\n\r\n").is_none());
        assert!(parse(b"GET /x\r\n\r\n").is_none());
    }

    #[test]
    fn keep_alive_follows_the_version_and_every_connection_token() {
        assert_eq!(keeps_alive(b"GET / HTTP/1.1\r\n\r\n"), Some(true));
        assert_eq!(
            keeps_alive(b"GET / HTTP/1.1\r\nConnection: keep-alive, close\r\n\r\n"),
            Some(false)
        );
        assert_eq!(keeps_alive(b"GET / HTTP/1.0\r\n\r\n"), Some(false));
        assert_eq!(
            keeps_alive(b"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"),
            Some(true)
        );
    }

    #[test]
    fn a_connection_the_server_is_done_with_ends_for_the_client() {
        use std::io::{Read, Write};
        let server = Server::start(
            0,
            Arc::new(|_: Request| {
                Delivery::Respond(Response::raw(200, "text/plain", b"ok".to_vec()))
            }),
        )
        .unwrap();
        for request in [
            &b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"[..],
            b"GET / HTTP/1.0\r\n\r\n",
            b"POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        ] {
            let mut stream = std::net::TcpStream::connect(("127.0.0.1", server.port())).unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(20)))
                .unwrap();
            stream.write_all(request).unwrap();
            let mut answer = Vec::new();
            // read_to_end returns only at the end of the stream: a kept-open socket times out.
            stream.read_to_end(&mut answer).unwrap();
            assert!(answer.starts_with(b"HTTP/1.1 "), "{answer:?}");
        }
    }

    #[test]
    fn reads_a_request_with_a_length_body() {
        let r = parse(b"POST /a/b?x=1&y=2 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc")
            .unwrap();
        assert_eq!(
            (
                r.method.as_str(),
                r.path.as_str(),
                r.query.as_str(),
                r.connection
            ),
            ("POST", "/a/b", "x=1&y=2", 7)
        );
        assert_eq!(r.header("content-length"), Some("3"));
        assert_eq!(r.body, b"abc");
    }

    #[test]
    fn reads_a_chunked_body_with_extensions_and_trailers() {
        let raw = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n";
        assert_eq!(parse(raw).unwrap().body, b"abcde");
    }

    #[test]
    fn refuses_what_is_out_of_bounds_or_malformed() {
        let long = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(MAX_LINE));
        assert!(parse(long.as_bytes()).is_none());
        let many: String = (0..=MAX_HEADERS).map(|i| format!("H{i}: v\r\n")).collect();
        assert!(parse(format!("GET / HTTP/1.1\r\n{many}\r\n").as_bytes()).is_none());
        let big = format!(
            "POST / HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            MAX_BODY + 1
        );
        assert!(parse(big.as_bytes()).is_none());
        assert!(parse(b"POST / HTTP/1.1\r\nContent-Length: x\r\n\r\n").is_none());
        assert!(parse(b"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\nab").is_none());
        assert!(parse(b"GET / HTTP/1.1\r\nno colon\r\n\r\n").is_none());
        assert!(parse(b"GET / HTTP/1.1\r\nHost: h\r\n").is_none());
    }

    #[test]
    fn a_stopped_wait_ends_at_once() {
        let stop = Stop::default();
        assert!(!stop.wait(Duration::from_millis(1)));
        assert!(stop.set());
        assert!(!stop.set());
        assert!(stop.wait(Duration::from_secs(3600)));
    }
}
