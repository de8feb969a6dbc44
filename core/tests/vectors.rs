//! Golden vectors (`tests/vectors/<provider>/*.json`): each drives one operation through the
//! public API against a loopback server, then checks the exact requests sent (method, path,
//! query, credentials, body) and the unified result parsed from the documents' own answers.

mod common;

use std::path::{Path, PathBuf};

use common::{form_pairs, Recorded, Reply, Server};
use serde_json::Value;
use vibergate_core::api::{self, Target};
use vibergate_core::Client;

/// Credentials used by every vector; the expected headers spell them out.
const TOKEN: &str = "TEST-TOKEN";
const API_KEY: &str = "TEST-KEY";
const USERNAME: &str = "user";

fn vector_files() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/vectors");
    let mut files = Vec::new();
    for dir in std::fs::read_dir(&root).expect("tests/vectors exists") {
        let dir = dir.unwrap().path();
        if dir.is_dir() {
            for f in std::fs::read_dir(&dir).unwrap() {
                let f = f.unwrap().path();
                if f.extension().is_some_and(|e| e == "json") {
                    files.push(f);
                }
            }
        }
    }
    files.sort();
    files
}

fn client_for(provider: &str, base_url: &str, options: &str) -> Client {
    let credentials = match provider {
        "inteltele" => format!("{USERNAME}:{API_KEY}"),
        "decisiontelecom" => API_KEY.to_owned(),
        _ => TOKEN.to_owned(),
    };
    let mut dsn = format!("{provider}://{credentials}@default?base_url={base_url}&max_in_flight=1&max_retries=0&rate_limit=0");
    if !options.is_empty() {
        dsn.push('&');
        dsn.push_str(options);
    }
    Client::from_dsn(&dsn).unwrap_or_else(|e| panic!("bad DSN {dsn}: {e}"))
}

/// Runs the vector's operation through the operation table, as every binding does: argument
/// defaults and result shapes are the table's.
fn run(client: &Client, operation: &str, input: &Value) -> Result<Value, vibergate_core::Error> {
    let text = api::call(Target::Client(client), operation, &input.to_string())?;
    Ok(serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{operation}: result is not JSON: {e}")))
}

fn check_request(name: &str, i: usize, got: &Recorded, want: &Value) {
    let ctx = format!("{name}: request {i}");
    assert_eq!(
        got.method,
        want["method"].as_str().unwrap(),
        "{ctx}: method"
    );
    assert_eq!(got.path, want["path"].as_str().unwrap(), "{ctx}: path");
    let want_query: Vec<(String, String)> = match want.get("query") {
        Some(q) => serde_json::from_value(q.clone()).unwrap(),
        None => Vec::new(),
    };
    assert_eq!(form_pairs(got.query.as_bytes()), want_query, "{ctx}: query");
    if let Some(headers) = want.get("headers").and_then(Value::as_object) {
        for (k, v) in headers {
            assert_eq!(got.header(k), v.as_str(), "{ctx}: header {k}");
        }
    }
    if let Some(body) = want.get("json") {
        assert_eq!(
            got.header("content-type"),
            Some("application/json"),
            "{ctx}: content type"
        );
        let sent: Value = serde_json::from_slice(&got.body)
            .unwrap_or_else(|e| panic!("{ctx}: body is not JSON: {e}"));
        assert_eq!(&sent, body, "{ctx}: JSON body");
    } else if let Some(form) = want.get("form") {
        assert_eq!(
            got.header("content-type"),
            Some("application/x-www-form-urlencoded"),
            "{ctx}: content type"
        );
        let want_form: Vec<(String, String)> = serde_json::from_value(form.clone()).unwrap();
        assert_eq!(form_pairs(&got.body), want_form, "{ctx}: form body");
    } else {
        assert!(got.body.is_empty(), "{ctx}: unexpected body");
    }
}

#[test]
fn golden_vectors() {
    let files = vector_files();
    assert!(
        files.len() >= 40,
        "expected the full vector set, found {}",
        files.len()
    );
    for file in files {
        let name = file
            .strip_prefix(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
            .unwrap_or(&file)
            .display()
            .to_string();
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let replies = v["responses"]
            .as_array()
            .map(|rs| {
                rs.iter()
                    .map(|r| {
                        let mut headers: Vec<(String, String)> = vec![(
                            "Content-Type".into(),
                            r.get("content_type")
                                .and_then(Value::as_str)
                                .unwrap_or("application/json")
                                .into(),
                        )];
                        if let Some(h) = r.get("headers").and_then(Value::as_object) {
                            headers.extend(
                                h.iter()
                                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned())),
                            );
                        }
                        Reply::Http {
                            status: r["status"].as_u64().unwrap() as u16,
                            headers,
                            body: r["body"].as_str().unwrap().as_bytes().to_vec(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let server = Server::scripted(replies);
        let provider = v["provider"].as_str().unwrap();
        let client = client_for(
            provider,
            &server.base_url,
            v.get("options").and_then(Value::as_str).unwrap_or(""),
        );
        let result = run(&client, v["operation"].as_str().unwrap(), &v["input"]);

        let sent = server.requests();
        let want: &[Value] = v["requests"].as_array().map(Vec::as_slice).unwrap_or(&[]);
        assert_eq!(sent.len(), want.len(), "{name}: number of requests");
        for (i, (got, want)) in sent.iter().zip(want).enumerate() {
            check_request(&name, i, got, want);
        }
        match (result, v.get("expected"), v.get("error")) {
            (Ok(got), Some(expected), _) => assert_eq!(&got, expected, "{name}: result"),
            (Err(e), _, Some(expected)) => {
                let got = serde_json::to_value(&e).unwrap();
                for (k, want) in expected.as_object().unwrap() {
                    assert_eq!(
                        got.get(k).unwrap_or(&Value::Null),
                        want,
                        "{name}: error.{k} (error was {e})"
                    );
                }
            }
            (Ok(got), None, _) => panic!("{name}: expected an error, got {got}"),
            (Err(e), _, None) => panic!("{name}: expected a result, got error {e}"),
        }
    }
}
