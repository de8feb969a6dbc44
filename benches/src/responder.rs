//! A minimal loopback responder: answers every provider path at once with a documented success
//! body, keep-alive, so the benchmarks measure the clients, not the server.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

/// The success body for a path (single recipient `380989361121` / DecisionTelecom id 429).
fn body_for(path: &str) -> &'static str {
    match path {
        "/vibers/send" => {
            r#"{"successfulRequest":{"requestData":{"messages":[{"number":"380989361121","id":"5769"}]}}}"#
        }
        "/vibers/status" => {
            r#"{"successfulRequest":{"requestData":{"5769":{"status":"Delivered","additionStatus":null,"smsStatus":null}}}}"#
        }
        "/v1/api/send-viber" => r#"{"message_id":429}"#,
        "/v1/api/receive-viber" => r#"{"message_id":429,"status":1}"#,
        "/im/send/" => {
            r#"{"reply":[{"status":"OK","cost":"0.2","number":"380989361121","message_id":"m1"}]}"#
        }
        _ => r#"{"status":"OK","result":{"message_id":8484}}"#,
    }
}

fn serve(stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .split('?')
            .next()
            .unwrap_or("/")
            .to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            if header.trim().is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                if k.eq_ignore_ascii_case("content-length") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answer = body_for(&path);
        let response = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}", answer.len());
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}

/// Starts the responder on a free loopback port; returns its base URL.
pub fn start() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().unwrap());
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            thread::spawn(move || serve(stream));
        }
    });
    url
}
