//! `vibergate-bench fleet`: issue 17's benchmark, many worker processes on one account.
//!
//! Eight worker processes (this binary again, as `fleet-worker`, each with its own `Client`)
//! send 10,000 SMS Club recipients each through ONE account of the sandbox, the product's own
//! emulator: it enforces SMS Club's rule (9 requests in any 1-second window per token, 429 with
//! `Retry-After` beyond) and a latency fault gives every request 100 ms. First with
//! `shared_state=redis://…&workers=8` (a private redis-server), then with every process on its
//! own limiter, as before issue 17. The emulator's request log, not the clients, says how many
//! requests and 429s there were and whether every recipient was taken exactly once.
//!
//! Then what the shared limiter costs one request on loopback: the round trip of the core's own
//! `reserve.lua` on the same redis-server, and whole single-recipient sends against the
//! benchmarks' responder without a limiter, with the local one and with `shared_state`.
//!
//! Prints one JSON object per measurement (scripts/bench.sh → benches/report.py) and a
//! PASS/FAIL line per target.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use vibergate_core::sandbox::{Fault, FaultKind, RecordedRequest, Sandbox, SandboxConfig};
use vibergate_core::{Client, LogRecord, Message, ProviderId};

/// Worker processes, recipients each, the emulator's latency per request.
const WORKERS: usize = 8;
const RECIPIENTS: usize = 10_000;
const LATENCY_MS: u64 = 100;
/// Timed calls of each kind in the overhead measurement (after a warm-up).
const OVERHEAD_CALLS: usize = 10_000;
/// The core's own GCRA step, measured as the client runs it.
/// The script as the core sends it: its prelude, then its body.
const RESERVE_LUA: &str = concat!(
    include_str!("../../core/src/shared_state/prelude.lua"),
    include_str!("../../core/src/shared_state/reserve.lua")
);

type Fallible<T> = Result<T, String>;

/// A count as a float (counts here are far below 2^32).
fn float(n: usize) -> f64 {
    u32::try_from(n).map_or(f64::from(u32::MAX), f64::from)
}

/// `vibergate-bench fleet [RUNS]`: every configuration RUNS times (default 2), interleaved.
pub fn run(args: &[String]) -> Fallible<()> {
    let runs = match args.first() {
        Some(n) => n
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=20).contains(n))
            .ok_or_else(|| format!("runs must be 1 to 20, not {n:?}"))?,
        None => 2,
    };
    let exe = std::env::current_exe().map_err(|e| format!("cannot find this program: {e}"))?;
    let redis = RedisServer::start()?;
    let mut checks: Vec<(String, bool)> = Vec::new();
    for run in 1..=runs {
        for shared in [true, false] {
            let url = shared.then(|| redis.url());
            let row = fleet_run(&exe, url.as_deref(), run)?;
            println!("{row}");
            if shared {
                let share = row["share"].as_f64().unwrap_or(0.0);
                let throttled = row["throttled"].as_u64().unwrap_or(u64::MAX);
                let once = row["exactly_once"].as_bool().unwrap_or(false);
                checks.push((
                    format!(
                        "fleet run {run} with shared_state: {:.1} % of the bound ≥ 90 %",
                        share * 100.0
                    ),
                    share >= 0.9,
                ));
                checks.push((
                    format!("fleet run {run} with shared_state: {throttled} 429s = 0"),
                    throttled == 0,
                ));
                checks.push((
                    format!(
                        "fleet run {run} with shared_state: every recipient accepted exactly once"
                    ),
                    once,
                ));
            }
        }
    }
    let overhead = overhead(&redis)?;
    for row in &overhead {
        println!("{row}");
    }
    if let Some(cost) = overhead
        .iter()
        .find(|r| r["name"] == "shared_state's cost per request")
        .and_then(|r| r["mean_us"].as_f64())
    {
        checks.push((
            format!(
                "shared_state's cost per request on loopback: {:.0} µs < 1 ms",
                cost
            ),
            cost < 1000.0,
        ));
    }
    for (label, ok) in &checks {
        println!("{}  {label}", if *ok { "PASS" } else { "FAIL" });
    }
    Ok(())
}

/// One configuration: a fresh emulator (so a fresh account and request log), the workers
/// started and ready, then told to go together.
fn fleet_run(exe: &std::path::Path, shared_state: Option<&str>, run: usize) -> Fallible<Value> {
    let config = SandboxConfig::default();
    let per_second = config.smsclub_rate_limit;
    let per_request = vibergate_core::capabilities(ProviderId::SmsClub)
        .max_recipients_per_request
        .ok_or("SMS Club's capabilities name no recipients-per-request limit")?;
    let sb = Sandbox::start(config).map_err(|e| e.to_string())?;
    sb.inject(Fault {
        provider: Some(ProviderId::SmsClub),
        count: 1_000_000,
        kind: FaultKind::Latency { ms: LATENCY_MS },
    });
    let mut dsn = sb.dsn(ProviderId::SmsClub);
    if let Some(url) = shared_state {
        dsn.push_str(&format!("&shared_state={url}&workers={WORKERS}"));
    }

    let mut workers = Vec::new();
    for index in 0..WORKERS {
        workers.push(Worker::spawn(exe, &dsn, index)?);
    }
    for worker in &mut workers {
        worker.wait_ready()?;
    }
    let start = Instant::now();
    for worker in &mut workers {
        worker.go()?;
    }
    let mut results = Vec::new();
    for worker in workers {
        results.push(worker.finish()?);
    }
    let wall = start.elapsed().as_secs_f64();

    let sum = |key: &str| results.iter().filter_map(|r| r[key].as_u64()).sum::<u64>();
    let errors: Vec<String> = results
        .iter()
        .filter_map(|r| r["error"].as_str().map(str::to_owned))
        .collect();
    let log: Vec<RecordedRequest> = sb
        .requests()
        .into_iter()
        .filter(|r| r.path == "/vibers/send")
        .collect();
    let throttled = log.iter().filter(|r| r.status == Some(429)).count();
    let other_failures = log
        .iter()
        .filter(|r| r.status != Some(200) && r.status != Some(429))
        .count();

    // Exactly once, on the emulator's side: each recipient of the run in exactly one request it
    // answered 200, and nobody else.
    let mut taken: HashMap<String, u32> = HashMap::new();
    for request in log.iter().filter(|r| r.status == Some(200)) {
        let body: Value = serde_json::from_str(&request.body)
            .map_err(|e| format!("the emulator logged a send whose body is not JSON: {e}"))?;
        for phone in body["phones"].as_array().into_iter().flatten() {
            let phone = phone
                .as_str()
                .map_or_else(|| phone.to_string(), str::to_owned);
            *taken
                .entry(phone.trim_start_matches('+').to_owned())
                .or_default() += 1;
        }
    }
    let expected: Vec<String> = (0..WORKERS).flat_map(phones).collect();
    let missing = expected.iter().filter(|p| !taken.contains_key(*p)).count();
    let duplicates = taken.values().filter(|&&n| n > 1).count();
    let strangers = taken.len() + missing - expected.len();
    let clients_agree = sum("accepted") == u64::try_from(expected.len()).unwrap_or(u64::MAX)
        && results.iter().all(|r| r["accepted_match"] == true);
    let exactly_once = missing == 0 && duplicates == 0 && strangers == 0 && clients_agree;

    let accepted = sum("accepted");
    let rate = float(usize::try_from(accepted).unwrap_or(usize::MAX)) / wall;
    let bound = f64::from(per_second) * float(per_request);
    let at_ms = |filter: &dyn Fn(&RecordedRequest) -> bool| {
        log.iter()
            .filter(|r| filter(r))
            .map(|r| r.at_ms)
            .collect::<Vec<u64>>()
    };
    Ok(json!({
        "group": "fleet",
        "name": if shared_state.is_some() { "shared_state (Redis), workers=8" } else { "each process alone (no shared_state)" },
        "run": run,
        "workers": WORKERS,
        "recipients": expected.len(),
        "wall_s": wall,
        "recipients_per_s": rate,
        "bound_per_s": bound,
        "share": rate / bound,
        "requests": log.len(),
        "throttled": throttled,
        "other_failures": other_failures,
        "attempts_seen_by_clients": sum("attempts"),
        "retries": sum("retries"),
        "rate_limit_waits": sum("rate_limit_waits"),
        "retry_after_waits": sum("retry_after_waits"),
        "warnings": sum("warnings"),
        "accepted": accepted,
        "rejected": sum("rejected"),
        "uncertain": sum("uncertain"),
        "reject_reasons": results.iter().filter_map(|r| r["reject_reasons"].as_object()).fold(serde_json::Map::new(), |mut all, reasons| {
            for (reason, n) in reasons {
                let before = all.get(reason).and_then(Value::as_u64).unwrap_or(0);
                all.insert(reason.clone(), json!(before + n.as_u64().unwrap_or(0)));
            }
            all
        }),
        "missing": missing,
        "duplicates": duplicates,
        "exactly_once": exactly_once,
        "busiest_second_arrivals": busiest_second(&at_ms(&|_| true)),
        "busiest_second_accepted": busiest_second(&at_ms(&|r| r.status == Some(200))),
        "errors": errors,
        // Where the first 429s fell: each one's arrival and the nine accepted sends before it
        // (ms since the emulator started), to tell a late sender from a crowded schedule.
        "throttled_context_ms": log.iter().enumerate().filter(|(_, r)| r.status == Some(429)).take(3).map(|(i, r)| {
            let before: Vec<u64> = log[..i].iter().rev().filter(|b| b.status == Some(200)).take(9).map(|b| b.at_ms).collect();
            json!({"at_ms": r.at_ms, "accepted_before_ms": before})
        }).collect::<Vec<Value>>(),
    }))
}

/// The most timestamps (ms) in any window of 1 s.
fn busiest_second(at_ms: &[u64]) -> usize {
    let mut sorted = at_ms.to_vec();
    sorted.sort_unstable();
    let mut first = 0;
    let mut best = 0;
    for (last, &t) in sorted.iter().enumerate() {
        while t.saturating_sub(sorted[first]) >= 1000 {
            first += 1;
        }
        best = best.max(last + 1 - first);
    }
    best
}

/// The recipients of worker `index`: 10,000 Ukrainian mobile numbers no other worker has,
/// none ending in 9999 (the emulator's black list: those would be rejected, not sent).
fn phones(index: usize) -> Vec<String> {
    (index * 20_000..)
        .filter(|n| n % 10_000 != 9999)
        .take(RECIPIENTS)
        .map(|n| format!("38098{n:07}"))
        .collect()
}

/// A worker process, its stdin (the start signal) and its stdout (ready, then the result).
struct Worker {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    index: usize,
}

impl Worker {
    fn spawn(exe: &std::path::Path, dsn: &str, index: usize) -> Fallible<Worker> {
        let mut child = Command::new(exe)
            .args(["fleet-worker", dsn, &index.to_string()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start worker {index}: {e}"))?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            return Err(format!("worker {index} has no pipes"));
        };
        Ok(Worker {
            child,
            stdin: Some(stdin),
            stdout: BufReader::new(stdout),
            index,
        })
    }

    fn line(&mut self) -> Fallible<String> {
        let mut line = String::new();
        match self.stdout.read_line(&mut line) {
            Ok(0) => Err(format!("worker {} ended without a word", self.index)),
            Ok(_) => Ok(line.trim().to_owned()),
            Err(e) => Err(format!("cannot read worker {}: {e}", self.index)),
        }
    }

    fn wait_ready(&mut self) -> Fallible<()> {
        match self.line()?.as_str() {
            "ready" => Ok(()),
            other => Err(format!("worker {} said {other:?}, not ready", self.index)),
        }
    }

    fn go(&mut self) -> Fallible<()> {
        let mut stdin = self.stdin.take().ok_or("worker told twice")?;
        stdin
            .write_all(b"go\n")
            .map_err(|e| format!("cannot start worker {}: {e}", self.index))
    }

    fn finish(mut self) -> Fallible<Value> {
        let line = self.line()?;
        let status = self
            .child
            .wait()
            .map_err(|e| format!("worker {}: {e}", self.index))?;
        if !status.success() {
            return Err(format!("worker {} failed ({status})", self.index));
        }
        serde_json::from_str(&line).map_err(|e| format!("worker {} said {line:?}: {e}", self.index))
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // A worker still running here was abandoned by an error: it must not outlive the run.
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// What a worker's log hook counts.
#[derive(Default)]
struct Counters {
    attempts: AtomicU64,
    retries: AtomicU64,
    throttled: AtomicU64,
    rate_limit_waits: AtomicU64,
    retry_after_waits: AtomicU64,
    warnings: AtomicU64,
}

impl Counters {
    fn count(&self, record: &LogRecord) {
        let bump = |c: &AtomicU64| {
            c.fetch_add(1, Ordering::Relaxed);
        };
        if let Some(notice) = &record.notice {
            if notice.warning {
                bump(&self.warnings);
            }
        } else if let Some(wait) = &record.wait {
            match wait.reason {
                vibergate_core::WaitReason::RateLimit => bump(&self.rate_limit_waits),
                vibergate_core::WaitReason::RetryAfter => bump(&self.retry_after_waits),
                _ => {}
            }
        } else {
            bump(&self.attempts);
            if record.attempt > 1 {
                bump(&self.retries);
            }
            if record.status == Some(429) {
                bump(&self.throttled);
            }
        }
    }
}

/// `vibergate-bench fleet-worker DSN INDEX`: says `ready`, waits for a line on stdin, sends its
/// recipients in one call and prints what came of it as one JSON line.
pub fn worker(args: &[String]) -> Fallible<()> {
    let (Some(dsn), Some(index)) = (args.first(), args.get(1)) else {
        return Err("usage: vibergate-bench fleet-worker DSN INDEX".into());
    };
    let index: usize = index
        .parse()
        .map_err(|_| format!("worker index {index:?} is not a number"))?;
    let counters = Arc::new(Counters::default());
    let hook = counters.clone();
    let client = Client::from_dsn(dsn)
        .map_err(|e| e.to_string())?
        .with_log_hook(move |r| hook.count(r));
    let phones = phones(index);
    let message = Message::to(phones.clone()).text("Hi");
    let mut out = std::io::stdout();
    writeln!(out, "ready")
        .and_then(|()| out.flush())
        .map_err(|e| e.to_string())?;
    let mut go = String::new();
    std::io::stdin()
        .read_line(&mut go)
        .map_err(|e| e.to_string())?;

    let start = Instant::now();
    let outcome = client.send(&message);
    let wall = start.elapsed().as_secs_f64();
    let n = |c: &AtomicU64| c.load(Ordering::Relaxed);
    let mut row = json!({
        "worker": index,
        "wall_s": wall,
        "attempts": n(&counters.attempts),
        "retries": n(&counters.retries),
        "throttled_seen": n(&counters.throttled),
        "rate_limit_waits": n(&counters.rate_limit_waits),
        "retry_after_waits": n(&counters.retry_after_waits),
        "warnings": n(&counters.warnings),
    });
    match outcome {
        Ok(report) => {
            let mut reasons: HashMap<String, u64> = HashMap::new();
            for r in &report.rejected {
                *reasons.entry(r.reason.as_str().to_owned()).or_default() += 1;
            }
            let mut got: Vec<&str> = report
                .accepted
                .iter()
                .map(|a| a.phone.trim_start_matches('+'))
                .collect();
            got.sort_unstable();
            let mut sent: Vec<&str> = phones.iter().map(String::as_str).collect();
            sent.sort_unstable();
            row["accepted"] = json!(report.accepted.len());
            row["rejected"] = json!(report.rejected.len());
            row["uncertain"] = json!(report.uncertain.len());
            row["requests"] = json!(report.requests);
            row["reject_reasons"] = json!(reasons);
            // Every recipient of this worker in its report's accepted list, once.
            row["accepted_match"] = json!(got == sent);
        }
        Err(e) => {
            row["error"] = json!(e.to_string());
            row["accepted"] = json!(0);
            row["accepted_match"] = json!(false);
        }
    }
    writeln!(out, "{row}").map_err(|e| e.to_string())
}

/// The shared limiter's cost per request on loopback.
fn overhead(redis: &RedisServer) -> Fallible<Vec<Value>> {
    let mut rows = Vec::new();

    // The core's reserve.lua, as the client calls it (EVALSHA, one round trip), on a key of
    // its own, with a 1 µs interval (a rate of a million per second): the script reads, writes
    // and expires the key as it does under a real rate, but no call ever has to wait.
    let mut con = Resp::connect(redis.port)?;
    let sha = match con.command(&[b"SCRIPT", b"LOAD", RESERVE_LUA.as_bytes()])? {
        Reply::Bulk(sha) => sha,
        other => return Err(format!("SCRIPT LOAD answered {other:?}")),
    };
    let reserve = |con: &mut Resp| -> Fallible<i64> {
        match con.command(&[
            b"EVALSHA",
            &sha,
            b"1",
            b"vibergate-bench:overhead",
            // interval 1 µs, no deadline, no hold, the horizon (30 s: the core's smallest).
            b"1",
            b"-1",
            b"0",
            b"30000000",
        ])? {
            Reply::Int(wait) => Ok(wait),
            other => Err(format!("reserve.lua answered {other:?}")),
        }
    };
    for _ in 0..500 {
        reserve(&mut con)?;
    }
    let mut times = Vec::with_capacity(OVERHEAD_CALLS);
    let mut waited = 0usize;
    for _ in 0..OVERHEAD_CALLS {
        let start = Instant::now();
        let wait = reserve(&mut con)?;
        times.push(start.elapsed());
        if wait > 0 {
            waited += 1;
        }
    }
    let mut row = stats(
        "reserve.lua round trip (EVALSHA on loopback redis-server)",
        &mut times,
    );
    row["calls_that_waited"] = json!(waited);
    rows.push(row);

    // Whole single-recipient SMS Club sends to the loopback responder: no limiter, the local
    // limiter, shared_state. The rate is a million per second so that pacing never waits: what
    // remains is the cost of asking. Interleaved rounds, so the machine's noise hits all three.
    let server = crate::responder::start();
    let base = server.base_url();
    let dsn = |extra: &str| {
        format!("smsclub://T@default?base_url={base}&sender=Shop&max_retries=0{extra}")
    };
    let contenders = [
        ("send, no limiter (rate_limit=0)", dsn("&rate_limit=0")),
        ("send, local limiter", dsn("&rate_limit=1000000")),
        (
            "send, shared_state limiter",
            dsn(&format!("&rate_limit=1000000&shared_state={}", redis.url())),
        ),
    ];
    let clients = contenders
        .iter()
        .map(|(_, dsn)| Client::from_dsn(dsn).map_err(|e| e.to_string()))
        .collect::<Fallible<Vec<Client>>>()?;
    let message = Message::to(["380989361121"]).text("Hi");
    let send = |client: &Client| -> Fallible<Duration> {
        let start = Instant::now();
        let report = client.send(&message).map_err(|e| e.to_string())?;
        let took = start.elapsed();
        if report.accepted.len() != 1 {
            return Err(format!("the responder did not accept the send: {report:?}"));
        }
        Ok(took)
    };
    for client in &clients {
        for _ in 0..200 {
            send(client)?; // warm-up: connections, phone metadata, the script cached in Redis
        }
    }
    let rounds = 10;
    let mut times = vec![Vec::with_capacity(OVERHEAD_CALLS); clients.len()];
    for _ in 0..rounds {
        for (i, client) in clients.iter().enumerate() {
            for _ in 0..OVERHEAD_CALLS / rounds {
                times[i].push(send(client)?);
            }
        }
    }
    let mut means = Vec::new();
    for ((name, _), times) in contenders.iter().zip(times.iter_mut()) {
        let row = stats(name, times);
        means.push(row["mean_us"].as_f64().unwrap_or(f64::NAN));
        rows.push(row);
    }
    rows.push(json!({
        "group": "fleet-overhead",
        "name": "local limiter's cost per request",
        "mean_us": means[1] - means[0],
    }));
    rows.push(json!({
        "group": "fleet-overhead",
        "name": "shared_state's cost per request",
        "mean_us": means[2] - means[1],
    }));
    Ok(rows)
}

/// Mean, median and 99th percentile, in µs.
fn stats(name: &str, times: &mut [Duration]) -> Value {
    times.sort_unstable();
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    // Nearest rank of a fraction given in thousandths.
    let at = |permille: usize| {
        let last = times.len().saturating_sub(1);
        times
            .get((last * permille + 500) / 1000)
            .copied()
            .map_or(f64::NAN, us)
    };
    let mean = times.iter().map(|&d| us(d)).sum::<f64>() / float(times.len().max(1));
    json!({
        "group": "fleet-overhead",
        "name": name,
        "n": times.len(),
        "mean_us": mean,
        "p50_us": at(500),
        "p99_us": at(990),
    })
}

/// A redis-server of this benchmark alone, on a free loopback port, killed when dropped.
struct RedisServer {
    child: Child,
    port: u16,
}

impl RedisServer {
    fn start() -> Fallible<RedisServer> {
        let program =
            std::env::var("VIBERGATE_REDIS_SERVER").unwrap_or_else(|_| "redis-server".into());
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port on 127.0.0.1: {e}"))?
            .port();
        let child = Command::new(&program)
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--daemonize", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| {
                format!(
                    "cannot start {program} ({e}): install Debian's redis-server \
                     (scripts/bench.sh does) or set VIBERGATE_REDIS_SERVER"
                )
            })?;
        let server = RedisServer { child, port };
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(20) {
            if let Ok(mut con) = Resp::connect(port) {
                if matches!(con.command(&[b"PING"]), Ok(Reply::Simple(s)) if s == "PONG") {
                    return Ok(server);
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!("{program} on port {port} did not answer PING"))
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/0", self.port)
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Just enough of Redis's protocol (RESP2) to time one script call without a client library's
/// own work in the way.
struct Resp {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

#[derive(Debug)]
enum Reply {
    Simple(String),
    Int(i64),
    Bulk(Vec<u8>),
}

impl Resp {
    fn connect(port: u16) -> Fallible<Resp> {
        let stream = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
        stream.set_nodelay(true).map_err(|e| e.to_string())?;
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .map_err(|e| e.to_string())?;
        let writer = stream.try_clone().map_err(|e| e.to_string())?;
        Ok(Resp {
            reader: BufReader::new(stream),
            writer,
        })
    }

    fn command(&mut self, args: &[&[u8]]) -> Fallible<Reply> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            out.extend_from_slice(arg);
            out.extend_from_slice(b"\r\n");
        }
        self.writer
            .write_all(&out)
            .map_err(|e| format!("redis: {e}"))?;
        let mut line = String::new();
        self.reader
            .read_line(&mut line)
            .map_err(|e| format!("redis: {e}"))?;
        let line = line.trim_end();
        let (kind, rest) = line.split_at(line.len().min(1));
        match kind {
            "+" => Ok(Reply::Simple(rest.to_owned())),
            "-" => Err(format!("redis: {rest}")),
            ":" => rest
                .parse()
                .map(Reply::Int)
                .map_err(|_| format!("redis: bad integer {rest:?}")),
            "$" => {
                let len: usize = rest
                    .parse()
                    .map_err(|_| format!("redis: bad length {rest:?}"))?;
                let mut bulk = vec![0; len + 2]; // the bytes and their CRLF
                self.reader
                    .read_exact(&mut bulk)
                    .map_err(|e| format!("redis: {e}"))?;
                bulk.truncate(len);
                Ok(Reply::Bulk(bulk))
            }
            _ => Err(format!("redis answered {line:?}")),
        }
    }
}
