//! `vibergate-bench`: the Rust side of `make bench`. Prints one JSON object per measurement on
//! stdout; scripts/bench.sh collects them with the Python and Node measurements into
//! docs/benchmarks.md.
//!
//!   vibergate-bench responder          # serve the responder, print its URL, run until killed
//!   vibergate-bench rust               # core vs raw ureq, C ABI vs core (send and status)
//!   vibergate-bench bulk               # 10,000 via SMS Club, 1,000 via DecisionTelecom, 100 ms latency
//!   vibergate-bench footprint          # peak RSS of a 100,000-recipient SMS Club send
//!   vibergate-bench validate           # normalising 100,000 recipients (libphonenumber metadata)
//!   vibergate-bench fleet [RUNS]       # 8 worker processes on one SMS Club account, with and
//!                                      # without shared_state (a private redis-server), and the
//!                                      # shared limiter's cost per request

mod fleet;
mod responder;

use std::ffi::{CStr, CString};
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::json;
use vibergate_core::sandbox::{Fault, FaultKind, Sandbox, SandboxConfig};
use vibergate_core::{Client, Message, ProviderId};

/// Requests per run and runs per measurement (the median is reported).
const REQUESTS: usize = 1000;
const RUNS: usize = 7;

/// Median requests per second of each contender. Runs are interleaved (A, B, A, B, …) so that
/// noise from a shared machine hits every contender alike.
fn compare(contenders: &mut [&mut dyn FnMut()]) -> Vec<f64> {
    for f in contenders.iter_mut() {
        for _ in 0..50 {
            f(); // warm-up: open the keep-alive connection
        }
    }
    let mut rates = vec![Vec::new(); contenders.len()];
    for _ in 0..RUNS {
        for (i, f) in contenders.iter_mut().enumerate() {
            let start = Instant::now();
            for _ in 0..REQUESTS {
                f();
            }
            rates[i].push(REQUESTS as f64 / start.elapsed().as_secs_f64());
        }
    }
    rates
        .into_iter()
        .map(|mut r| {
            r.sort_by(|a, b| a.partial_cmp(b).unwrap());
            r[RUNS / 2]
        })
        .collect()
}

fn emit(group: &str, name: &str, operation: &str, rate: f64) {
    println!(
        "{}",
        json!({"group": group, "name": name, "operation": operation, "rps": rate})
    );
}

fn rust(base: &str) {
    let dsn = format!("decisiontelecom://KEY@default?base_url={base}&sender=Shop&max_retries=0");
    let client = Client::from_dsn(&dsn).unwrap();
    let message = Message::to(["380989361121"]).text("Hi");

    // The same requests written by hand with ureq, keep-alive, as a user would.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .timeout_connect(Some(Duration::from_secs(10)))
        .build()
        .into();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode("KEY")
    );
    let send_url = format!("{base}/v1/api/send-viber");
    let status_url = format!("{base}/v1/api/receive-viber");

    // The C ABI: the same calls through vg_send / vg_status (JSON in and out, panic boundary).
    let c_dsn = CString::new(dsn.clone()).unwrap();
    let mut err = std::ptr::null_mut();
    let c = vibergate::vg_client_new(c_dsn.as_ptr(), &mut err);
    let msg = CString::new(r#"{"to":["380989361121"],"text":"Hi"}"#).unwrap();
    let ids = CString::new(r#"["429"]"#).unwrap();

    let mut core_send = || {
        client.send(&message).unwrap();
    };
    let mut raw_send = || {
        let body = json!({"source_addr": "Shop", "destination_addr": 380989361121u64, "message_type": 106, "text": "Hi", "source_type": 2});
        let mut r = agent
            .post(&send_url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(body.to_string())
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
        assert!(v.get("message_id").is_some());
    };
    let mut c_send = || {
        let out = vibergate::vg_send(c, msg.as_ptr(), &mut err);
        assert!(!out.is_null());
        // SAFETY: a string the library returned, freed once.
        assert!(unsafe { CStr::from_ptr(out) }.to_bytes().starts_with(b"{"));
        vibergate::vg_string_free(out);
    };
    let rates = compare(&mut [&mut core_send, &mut raw_send, &mut c_send]);
    emit("Rust", "vibergate-core", "send", rates[0]);
    emit("Rust", "raw ureq (keep-alive)", "send", rates[1]);
    emit("C ABI", "vg_send", "send", rates[2]);

    let mut core_status = || {
        client.status(&["429"]).unwrap();
    };
    let mut raw_status = || {
        let mut r = agent
            .post(&status_url)
            .header("Authorization", &auth)
            .header("Content-Type", "application/json")
            .send(r#"{"message_id":429}"#)
            .unwrap();
        let v: serde_json::Value =
            serde_json::from_slice(&r.body_mut().read_to_vec().unwrap()).unwrap();
        assert!(v.get("status").is_some());
    };
    let mut c_status = || {
        let out = vibergate::vg_status(c, ids.as_ptr(), &mut err);
        assert!(!out.is_null());
        vibergate::vg_string_free(out);
    };
    let rates = compare(&mut [&mut core_status, &mut raw_status, &mut c_status]);
    emit("Rust", "vibergate-core", "status", rates[0]);
    emit("Rust", "raw ureq (keep-alive)", "status", rates[1]);
    emit("C ABI", "vg_status", "status", rates[2]);
    vibergate::vg_client_free(c);
}

fn bulk() {
    let sb = Sandbox::start(SandboxConfig {
        smsclub_rate_limit: 9,
        ..SandboxConfig::default()
    })
    .unwrap();
    // SMS Club: 10,000 recipients = 20 requests of 500, in slots spaced 1.02/9 s apart; the
    // last one then takes 100 ms.
    bulk_send(
        &sb,
        "SMS Club 10,000 recipients",
        ProviderId::SmsClub,
        (0..10_000).map(|i| format!("38098{:07}", i)).collect(),
        19.0 / 9.0 + 0.1,
    );
    // DecisionTelecom: 1,000 recipients, one request each, max_in_flight 4, 100 ms each.
    sb.reset();
    bulk_send(
        &sb,
        "DecisionTelecom 1,000 recipients",
        ProviderId::DecisionTelecom,
        (0..1000).map(|i| format!("97251{:07}", i)).collect(),
        1000.0 / 4.0 * 0.1,
    );
}

/// One bulk send through `provider` with 100 ms of latency on every request; prints the wall
/// time against `best_s`, the send requests made and the 429s received.
fn bulk_send(sb: &Sandbox, name: &str, provider: ProviderId, phones: Vec<String>, best_s: f64) {
    sb.inject(Fault {
        provider: Some(provider),
        count: 2000,
        kind: FaultKind::Latency { ms: 100 },
    });
    let client = Client::from_dsn(&sb.dsn(provider)).unwrap();
    let start = Instant::now();
    let report = client.send(&Message::to(phones).text("Hi")).unwrap();
    let wall = start.elapsed().as_secs_f64();
    let log = sb.requests(); // only this send's requests: the log was empty before it
    let requests = log.len();
    let throttled = log.iter().filter(|r| r.status == Some(429)).count();
    println!(
        "{}",
        json!({"group": "bulk", "name": name, "wall_s": wall, "best_s": best_s, "requests": requests, "accepted": report.accepted.len(), "throttled": throttled})
    );
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn footprint(base: &str) {
    let before = peak_rss_kib();
    let client = Client::from_dsn(&format!(
        "smsclub://T@default?base_url={base}&sender=Shop&rate_limit=0"
    ))
    .unwrap();
    let phones: Vec<String> = (0..100_000).map(|i| format!("38098{:07}", i)).collect();
    let start = Instant::now();
    let report = client.send(&Message::to(phones).text("Hi")).unwrap();
    println!(
        "{}",
        json!({"group": "footprint", "name": "SMS Club 100,000 recipients", "peak_rss_mib": peak_rss_kib() as f64 / 1024.0, "rss_before_mib": before as f64 / 1024.0, "requests": report.requests, "wall_s": start.elapsed().as_secs_f64()})
    );
}

/// Normalising and validating 100,000 recipients, offline: the first call (which loads
/// libphonenumber's metadata and compiles the patterns of the countries it meets) and the
/// median of 7 later calls, for international numbers, national ones with `default_country`,
/// and a mix of countries and shapes; and the `phonenumber` crate's own parser on the
/// international numbers, for scale.
fn validate() {
    use vibergate_core::internals::phone;
    const N: u64 = 100_000;
    let ua: Vec<String> = (0..N).map(|i| format!("+38098{i:07}")).collect();
    let national: Vec<String> = (0..N)
        .map(|i| format!("098 {:03} {:02} {:02}", i / 10_000, i / 100 % 100, i % 100))
        .collect();
    let mixed: Vec<String> = (0..N)
        .map(|i| match i % 5 {
            0 => format!("380 63 {i:07}"),
            1 => format!("+375 29 1{:06}", i % 1_000_000),
            2 => format!("+44 7911 {:06}", i % 1_000_000),
            3 => format!("0049 151 {i:08}"),
            _ => format!("+1 (202) {}-{:04}", 200 + i / 10_000, i % 10_000),
        })
        .collect();
    let time = |phones: &[String], country: Option<&str>| {
        let start = Instant::now();
        let (valid, rejected) = phone::normalize_all(phones, country);
        (start.elapsed().as_secs_f64(), valid.len(), rejected.len())
    };
    let (cold_s, _, _) = time(&ua[..1000], None);
    println!(
        "{}",
        json!({"group": "validation", "name": "first validation (loads the metadata), 1,000 numbers", "s": cold_s})
    );
    for (name, phones, country) in [
        ("100,000 international numbers (+380…)", &ua, None),
        (
            "100,000 national numbers (098 …, default_country=UA)",
            &national,
            Some("UA"),
        ),
        ("100,000 numbers of 5 countries", &mixed, None),
    ] {
        time(phones, country); // warm-up: every country's patterns compiled
        let mut runs: Vec<(f64, usize, usize)> = (0..RUNS).map(|_| time(phones, country)).collect();
        runs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (s, valid, rejected) = runs[RUNS / 2];
        println!(
            "{}",
            json!({"group": "validation", "name": name, "s": s, "valid": valid, "rejected": rejected})
        );
    }
    let start = Instant::now();
    let valid = ua
        .iter()
        .filter(|p| phonenumber::parse(None, p.as_str()).is_ok_and(|n| phonenumber::is_valid(&n)))
        .count();
    println!(
        "{}",
        json!({"group": "validation", "name": "100,000 international numbers, phonenumber crate's parser (for scale)", "s": start.elapsed().as_secs_f64(), "valid": valid})
    );
}

fn main() {
    let mode = std::env::args().nth(1).unwrap_or_else(|| "rust".into());
    match mode.as_str() {
        "responder" => {
            let server = responder::start();
            println!("{}", server.base_url());
            loop {
                std::thread::sleep(Duration::from_secs(3600));
            }
        }
        "rust" => {
            let server = responder::start();
            rust(&server.base_url());
        }
        "bulk" => bulk(),
        "footprint" => {
            let server = responder::start();
            footprint(&server.base_url());
        }
        "validate" => validate(),
        "fleet" | "fleet-worker" => {
            let args: Vec<String> = std::env::args().skip(2).collect();
            let outcome = if mode == "fleet" {
                fleet::run(&args)
            } else {
                fleet::worker(&args)
            };
            if let Err(e) = outcome {
                eprintln!("vibergate-bench {mode}: {e}");
                std::process::exit(1);
            }
        }
        other => {
            eprintln!(
                "unknown mode {other}; use responder, rust, bulk, footprint, validate or fleet"
            );
            std::process::exit(2);
        }
    }
}
