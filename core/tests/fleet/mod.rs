//! What the shared_state tests share: a private redis-server, hostile stand-ins for one, the
//! sandbox's SMS Club account, and readers of its request log and of a client's notices.
//! Each test binary uses a part of it.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use vibergate_core::sandbox::{RecordedRequest, Sandbox, SandboxConfig};
use vibergate_core::{Client, LogRecord, Notice, ProviderId};

/// A redis-server of this test alone, killed when dropped.
pub struct Redis {
    child: Option<Child>,
    pub port: u16,
}

impl Redis {
    pub fn start() -> Redis {
        Redis::start_on(free_port())
    }

    pub fn start_on(port: u16) -> Redis {
        Redis::launch(port, None)
    }

    /// A server that wants `password` (AUTH) from its clients.
    pub fn start_on_with_password(port: u16, password: &str) -> Redis {
        Redis::launch(port, Some(password))
    }

    pub fn launch(port: u16, password: Option<&str>) -> Redis {
        let program =
            std::env::var("VIBERGATE_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let mut command = Command::new(&program);
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            // Nothing persists: a restart is a Redis that forgot everything.
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"]);
        if let Some(password) = password {
            command.args(["--requirepass", password]);
        }
        let child = command
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {program} ({e}): install Debian's redis-server \
                     (scripts/test.sh does) or set VIBERGATE_REDIS_SERVER"
                )
            });
        let redis = Redis {
            child: Some(child),
            port,
        };
        redis.wait_until_ready(password.is_some());
        redis
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }

    /// A plain connection for a test to read and poison the store with.
    pub fn connection(&self) -> redis::Connection {
        redis::Client::open(self.url())
            .unwrap()
            .get_connection()
            .unwrap()
    }

    /// Until PING is answered (`-NOAUTH…` counts when the server wants a password).
    pub fn wait_until_ready(&self, with_password: bool) {
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
                let mut answer = [0u8; 7];
                let expected: &[u8; 7] = if with_password {
                    b"-NOAUTH"
                } else {
                    b"+PONG\r\n"
                };
                if s.write_all(b"PING\r\n").is_ok()
                    && s.read_exact(&mut answer).is_ok()
                    && &answer == expected
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("redis-server on port {} did not answer PING", self.port);
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        self.stop();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

pub fn sandbox() -> Sandbox {
    Sandbox::start(SandboxConfig::default()).unwrap()
}

/// A client of the sandbox's SMS Club account (9 requests per second) through `redis_url`.
pub fn smsclub(sb: &Sandbox, options: &str) -> Client {
    Client::from_dsn(&format!("{}{options}", sb.dsn(ProviderId::SmsClub))).unwrap()
}

/// The sandbox's SMS Club send requests (the path the send uses).
pub fn smsclub_sends(sb: &Sandbox) -> Vec<RecordedRequest> {
    sb.requests()
        .into_iter()
        .filter(|r| r.provider == Some(ProviderId::SmsClub) && r.method == "POST")
        .collect()
}

/// Notices a client's log hook saw.
pub fn notices() -> (
    Arc<Mutex<Vec<Notice>>>,
    impl Fn(&LogRecord) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |r: &LogRecord| {
        if let Some(n) = &r.notice {
            sink.lock().unwrap().push(n.clone());
        }
    })
}

pub fn phone(worker: usize, i: usize) -> String {
    // +380 97 ww iii 12: a valid Ukrainian mobile number, never one the sandbox fails.
    format!("+38097{worker:02}{i:03}12")
}

/// The most requests in any one-second window.
pub fn busiest_second(requests: &[RecordedRequest]) -> usize {
    let mut at: Vec<u64> = requests.iter().map(|r| r.at_ms).collect();
    at.sort_unstable();
    (0..at.len())
        .map(|i| at[i..].iter().take_while(|t| **t < at[i] + 1000).count())
        .max()
        .unwrap_or(0)
}

/// What a hostile "Redis" does with every connection it accepts.
#[derive(Clone, Copy)]
pub enum Hostile {
    /// Reads and never answers (a stopped or black-holed server).
    Silent,
    /// Answers `+OK` to whatever it reads.
    Ok,
    /// Closes every connection as soon as it is accepted.
    Close,
    /// Starts an integer reply and adds one byte of it every 200 ms, forever.
    Drip,
}

/// A hostile server on a free port; returns the port and the count of connections accepted.
pub fn hostile(kind: Hostile) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                loop {
                    if let Hostile::Close = kind {
                        return;
                    }
                    match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(_) => {}
                    }
                    match kind {
                        Hostile::Silent | Hostile::Close => {}
                        Hostile::Ok => {
                            if stream.write_all(b"+OK\r\n+OK\r\n+OK\r\n").is_err() {
                                return;
                            }
                        }
                        Hostile::Drip => loop {
                            if stream.write_all(b":").is_err() {
                                return;
                            }
                            std::thread::sleep(Duration::from_millis(200));
                        },
                    }
                }
            });
        }
    });
    (port, accepted)
}
