//! A small HTTP/1.1 server for the sandbox: one thread per connection, keep-alive, requests
//! with `Content-Length` bodies, and the faults tests ask for.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

/// The largest request body the sandbox reads.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A request as the sandbox read it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    /// Raw query string, without `?`.
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// An answer.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn json(status: u16, value: &serde_json::Value) -> Response {
        Response::raw(status, "application/json", value.to_string().into_bytes())
    }

    pub fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body,
        }
    }

    pub fn with_header(mut self, name: &str, value: String) -> Response {
        self.headers.push((name.to_owned(), value));
        self
    }
}

/// How a response goes on the wire (faults bend it).
#[derive(Debug, Clone)]
pub enum Delivery {
    Normal(Response),
    /// Close without answering.
    Drop,
    /// Announce the full length, send part of the body, close.
    Truncated(Response),
    /// Send the body a byte at a time with a pause between bytes.
    Trickle(Response, Duration),
}

/// What the application does with a connection's request.
pub trait Handler: Send + Sync + 'static {
    /// Called when a request starts arriving, with the bytes already buffered (at least the
    /// start of the request line); `true` closes the connection without reading the request.
    fn drop_before_read(&self, peek: &[u8]) -> bool;
    fn handle(&self, request: Request) -> Delivery;
}

/// Open connections: a handle to close each and its thread to join.
type Connections = Arc<std::sync::Mutex<Vec<(TcpStream, thread::JoinHandle<()>)>>>;

pub struct Server {
    pub port: u16,
    stopping: Arc<AtomicBool>,
    accept: Option<thread::JoinHandle<()>>,
    connections: Connections,
}

impl Server {
    pub fn start(port: u16, handler: Arc<dyn Handler>) -> io::Result<Server> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let port = listener.local_addr()?.port();
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = stopping.clone();
        let connections: Connections = Arc::default();
        let open = connections.clone();
        let accept = thread::Builder::new()
            .name("vibergate-sandbox".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let Ok(closer) = stream.try_clone() else {
                        continue;
                    };
                    let handler = handler.clone();
                    let stop = stop.clone();
                    let spawned = thread::Builder::new()
                        .name("vibergate-sandbox-conn".into())
                        .spawn(move || serve(stream, &*handler, &stop));
                    if let Ok(thread) = spawned {
                        let mut open = open.lock().unwrap_or_else(|e| e.into_inner());
                        // Forget connections that have ended.
                        open.retain(|(_, t)| !t.is_finished());
                        open.push((closer, thread));
                    }
                }
            })?;
        Ok(Server {
            port,
            stopping,
            accept: Some(accept),
            connections,
        })
    }

    pub fn stop(&mut self) {
        if self.stopping.swap(true, Ordering::SeqCst) {
            return;
        }
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
        // Close every open connection and wait for its thread.
        let open = std::mem::take(&mut *self.connections.lock().unwrap_or_else(|e| e.into_inner()));
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

fn serve(stream: TcpStream, handler: &dyn Handler, stopping: &AtomicBool) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    // Answers go out at once: with Nagle's algorithm a small body waits for the client's
    // delayed ACK of the head (tens of milliseconds).
    let _ = stream.set_nodelay(true);
    let Ok(read_half) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(read_half);
    let mut writer = stream;
    loop {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        // Wait for the next request line before deciding to drop: a kept-alive idle
        // connection must not consume a fault.
        let peek = match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(bytes) => bytes.to_vec(),
        };
        if handler.drop_before_read(&peek) {
            let _ = writer.shutdown(Shutdown::Both);
            return;
        }
        let Some(request) = read_request(&mut reader) else {
            let _ = write_response(
                &mut writer,
                &Response::raw(400, "text/plain", b"bad request".to_vec()),
            );
            return;
        };
        let close = request
            .header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"));
        match handler.handle(request) {
            Delivery::Normal(response) => {
                if write_response(&mut writer, &response).is_err() || close {
                    return;
                }
            }
            Delivery::Drop => {
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Delivery::Truncated(response) => {
                let head = head(&response, response.body.len() + 64);
                let half = &response.body[..response.body.len() / 2];
                let _ = writer
                    .write_all(head.as_bytes())
                    .and_then(|_| writer.write_all(half))
                    .and_then(|_| writer.flush());
                let _ = writer.shutdown(Shutdown::Both);
                return;
            }
            Delivery::Trickle(response, pause) => {
                let head = head(&response, response.body.len());
                if writer.write_all(head.as_bytes()).is_err() {
                    return;
                }
                for b in &response.body {
                    thread::sleep(pause);
                    if writer
                        .write_all(&[*b])
                        .and_then(|_| writer.flush())
                        .is_err()
                    {
                        return;
                    }
                }
            }
        }
    }
}

fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Request> {
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_owned();
    let target = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).ok()? == 0 {
            return None;
        }
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (k, v) = h.split_once(':')?;
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
        if headers.len() > 100 {
            return None;
        }
    }
    let find = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let body = if find("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        read_chunked(reader)?
    } else {
        let length: usize = find("content-length")
            .map(|v| v.parse().ok())
            .unwrap_or(Some(0))?;
        if length > MAX_BODY {
            return None;
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (target, String::new()),
    };
    Some(Request {
        method,
        path,
        query,
        headers,
        body,
    })
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim().split(';').next()?, 16).ok()?;
        if body.len() + size > MAX_BODY {
            return None;
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}

fn head(response: &Response, length: usize) -> String {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {length}\r\n",
        response.status,
        reason(response.status)
    );
    for (k, v) in &response.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
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
