//! A scripted HTTP/1.1 server on loopback for the integration tests: it records every request
//! and answers from a list of replies (or a handler), so tests see exactly what went on the wire.
//! It runs on the sandbox's server (`vibergate_core::sandbox::http`); only the recording and the
//! scripting live here.

#![allow(dead_code)]

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use vibergate_core::sandbox::http::{self, Delivery, Response};

/// A request as the server read it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Which TCP connection carried the request (numbered from 0 in accept order).
    pub connection: usize,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with one request.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Answer with a status, extra headers and a body.
    Http {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering, after reading the request.
    Drop,
    /// Wait, then answer.
    Delay(Duration, Box<Reply>),
    /// Send a status line and headers promising more body than is sent, then close.
    Truncated { status: u16, body: Vec<u8> },
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Reply {
        Reply::Http {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    fn delivery(self) -> Delivery {
        match self {
            Reply::Http {
                status,
                headers,
                body,
            } => Delivery::Respond(Response {
                status,
                headers,
                body,
            }),
            Reply::Drop => Delivery::Drop,
            Reply::Delay(wait, next) => Delivery::After(wait, Box::new(next.delivery())),
            Reply::Truncated { status, body } => Delivery::Truncated {
                announced: body.len() + 100,
                response: Response {
                    status,
                    headers: Vec::new(),
                    body,
                },
            },
        }
    }
}

/// The loopback server; stops (closing its connections) when dropped.
pub struct Server {
    pub base_url: String,
    recorded: Arc<Mutex<Vec<Recorded>>>,
    _server: http::Server,
}

impl Server {
    /// Answers requests with `replies` in order; after the last, with 599 "no scripted reply".
    pub fn scripted(replies: Vec<Reply>) -> Server {
        let queue = Mutex::new(VecDeque::from(replies));
        Server::with_handler(move |_| {
            queue
                .lock()
                .unwrap()
                .pop_front()
                .unwrap_or_else(|| Reply::json(599, r#"{"test":"no scripted reply left"}"#))
        })
    }

    pub fn with_handler(handler: impl Fn(&Recorded) -> Reply + Send + Sync + 'static) -> Server {
        let recorded = Arc::new(Mutex::new(Vec::new()));
        let log = recorded.clone();
        let serve = move |request: http::Request| {
            let request = Recorded {
                method: request.method,
                path: request.path,
                query: request.query,
                headers: request.headers,
                body: request.body,
                connection: request.connection,
            };
            log.lock().unwrap().push(request.clone());
            handler(&request).delivery()
        };
        let server = http::Server::start(0, Arc::new(serve)).expect("bind loopback");
        Server {
            base_url: server.base_url(),
            recorded,
            _server: server,
        }
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.recorded.lock().unwrap().clone()
    }
}

/// Decodes `application/x-www-form-urlencoded` pairs.
pub fn form_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    http::form_decode(bytes)
}
