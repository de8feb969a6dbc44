//! Chaos: a seeded, property-based run of `Client` and `Router` against a loopback server that
//! answers every request with a fault drawn from everything a provider can do (issue 12).
//!
//! Each case draws, from its seed: a client or a router over a chain of 1–3 providers (two
//! accounts of one provider may both be in a chain), `max_retries`, `max_in_flight`, an
//! optional `deadline_ms`, a message (`send`) or personalised items (`send_personalized`) to
//! 1–1,200 recipients (larger counts rarer; now and then invalid or duplicate numbers), and a
//! fault profile. Its server (`chaos/server.rs`) speaks the four providers' send and status
//! protocols and, per request, either gives the documented success answer (issuing message
//! ids, refusing or leaving out some recipients) or a fault: any status 100–599, bodies that
//! are refusals in the provider's format, its internal errors, another provider's format,
//! truncated, empty, garbage, deep JSON nests, a few MiB or more than the client reads;
//! `Retry-After` of every shape (huge, negative, floats, `1e308`, HTTP dates with absurd
//! fields) on any answer, odd `Content-Type`s, `Location`s, headers that break the framing;
//! the connection closed before the request is read, after its head, after all of it, in the
//! answer's head or body; answers before the body is read; answers after the client's timeout.
//! After a send it asks for the statuses of the ids it got, through the same chaos.
//!
//! # Invariants
//!
//! A request *might have been acted on* for a recipient `r` when the server read the whole
//! request (every byte of its body), carrying `r`, and did **not** deliver, before the client's
//! timeout, one of:
//! - a complete, well-formed head with a 4xx status (429 included) — a refusal, whatever the
//!   body;
//! - a complete 2xx answer whose body is a request-level refusal in the provider's own error
//!   format (authentication, funds, rate limit, invalid request…), or a complete 2xx success
//!   answer that refuses `r` itself (SMS Club `incorrectPhones`/`blackList`, an Intel-Tele
//!   `error: …` entry for `r`).
//!
//! So no answer at all, an answer cut before its head was complete, one after the client's
//! timeout, one whose headers break the framing, 1xx, 3xx, 5xx, and a 2xx with a success, an
//! internal-error, a garbled or a foreign body all mean the provider may have acted. (SMS.by
//! has one error format, `{"error": …}`, for refusals and internal errors alike, so its
//! internal error is only ever sent with a 5xx. Headers that can break the framing are only
//! sent on answers that mean "may have acted" anyway, or on a success that refuses some of its
//! recipients, which the client may then read either way: no invariant hangs on how the client
//! copes with them, beyond not panicking.)
//!
//! After every call:
//! - **(a)** no panic: the call, run under `catch_unwind`, returns, and no thread panicked
//!   while it ran (also when the core caught the panic itself).
//! - **(b)** every valid recipient (normalised, first occurrence) is in exactly one of
//!   `accepted`, `uncertain` and `rejected` (excluding `duplicate` entries): of the report, of
//!   the `RoutedReport`, or of the error's `rejected` when the call failed; every input is
//!   accounted for by exactly one entry, and no entry names a phone that was not given. A call
//!   that refused the message as a whole before sending anything (`invalid_message`,
//!   `unsupported`, `invalid_config` with no request on the wire) is exempt.
//! - **(c)** every message id the server issued in a documented 2xx success answer that the
//!   client certainly received (written completely and well-framed, within the client's 8 MiB
//!   body limit, less than half its timeout after the request's first byte, or its
//!   connection's accept, and at least half a timeout before the call's deadline) is in the
//!   result as an accepted entry of that phone, with that id, from that provider; an SMS.by
//!   mailing `uuid` is in the result (`batch_id`, or anywhere in a routed report).
//! - **(d)** no recipient reached two provider accounts after one of them might have acted: once
//!   a request carrying `r` might have been acted on, no later request to another account
//!   carrying `r` is read in full.
//! - **(e)** no request is repeated after it might have been acted on: the same for the same
//!   account (the transport's retries).
//! - **(f)** no recipient a provider might have acted on is reported `rejected` (it is
//!   `accepted` or `uncertain`).
//! - **(g)** the `requests` of a report is at least the number of send requests the server
//!   received during the call (every attempt counts, failed providers' included).
//! - **(h)** a status read that succeeds answers every id asked, in the order asked.
//! - **(i)** a call with a `deadline_ms` (a router's send: the strictest of its chain; a
//!   router's status read, which asks each provider in turn: the sum of theirs) returns within
//!   it, give or take a second.
//!
//! # Running
//!
//! `cargo test -p vibergate-core --test chaos -- --nocapture` runs up to `VG_CHAOS_CASES`
//! cases (default 3000) for at most `VG_CHAOS_SECS` seconds (default 60). `VG_CHAOS_BASE`
//! changes the run's base seed (default fixed, so a run is reproducible). Every failure prints
//! its invariant, recipient, the requests involved and the case seed; `VG_CHAOS_SEED=<seed>`
//! replays that one case with the full request log (timing-dependent faults — deadlines, late
//! answers — may play out a little differently). At the end a line says what the run
//! exercised; `VG_CHAOS_SLOW_MS=<ms>` lists the cases slower than that.

#[path = "chaos/check.rs"]
mod check;
#[path = "chaos/rng.rs"]
mod rng;
#[path = "chaos/server.rs"]
mod server;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::thread;
use std::time::{Duration, Instant};

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use vibergate_core::{
    Category, Client, DeliveryReport, Message, PersonalizedItem, PersonalizedMessage, ProviderId,
    Router, SmsFallback,
};

use check::{SendView, Violation};
use rng::Rng;
use server::{Profile, Server};

const DEFAULT_BASE_SEED: u64 = 0x7669_6265_7267_6174; // "vibergat"
const DEFAULT_CASES: u64 = 3000;
const DEFAULT_SECS: u64 = 60;
const TIMEOUT_MS: u64 = 300;
/// How long past its `deadline_ms` a call may take to wind down (threads joining, a loaded
/// machine's scheduling).
const DEADLINE_SLACK: Duration = Duration::from_millis(1000);

// ---- panics ---------------------------------------------------------------------------------

static CAPTURING: AtomicBool = AtomicBool::new(false);
static PANICS: Mutex<Vec<(bool, String)>> = Mutex::new(Vec::new());

fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !CAPTURING.load(Ordering::SeqCst) {
                return default(info);
            }
            let thread = thread::current();
            let name = thread.name().unwrap_or("<unnamed>").to_owned();
            let payload = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic>".into());
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            PANICS.lock().unwrap_or_else(|e| e.into_inner()).push((
                server::is_server_thread(&name),
                format!("{payload} (thread {name}, at {at})"),
            ));
        }));
    });
}

/// What a guarded call did.
struct Guarded<T> {
    /// `None` when it panicked.
    value: Option<T>,
    /// Every panic while it ran (`true`: on a thread of the test's server).
    panics: Vec<(bool, String)>,
    started: Instant,
    took: Duration,
}

/// Runs `f`, catching a panic, timing it.
fn guarded<T>(f: impl FnOnce() -> T) -> Guarded<T> {
    PANICS.lock().unwrap_or_else(|e| e.into_inner()).clear();
    CAPTURING.store(true, Ordering::SeqCst);
    let started = Instant::now();
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    let took = started.elapsed();
    CAPTURING.store(false, Ordering::SeqCst);
    let panics = std::mem::take(&mut *PANICS.lock().unwrap_or_else(|e| e.into_inner()));
    Guarded {
        value: result.ok(),
        panics,
        started,
        took,
    }
}

/// (a) and (i) for one guarded call.
fn check_guarded<T>(
    violations: &mut Vec<Violation>,
    mode: &str,
    op: &str,
    call: &Guarded<T>,
    deadline_ms: Option<u64>,
) {
    note_panics(violations, mode, op, &call.panics);
    if let Some(ms) = deadline_ms {
        let bound = Duration::from_millis(ms) + DEADLINE_SLACK;
        if call.took > bound {
            violations.push(Violation {
                invariant: 'i',
                signature: format!("(i) {mode} {op}: the call outlasted its deadline_ms"),
                detail: format!(
                    "deadline_ms = {ms}, the call took {} ms",
                    call.took.as_millis()
                ),
            });
        }
    }
}

/// A panic message without its numbers, to group panics.
fn panic_signature(message: &str) -> String {
    let first = message.lines().next().unwrap_or("");
    let first = first.split(" (thread ").next().unwrap_or(first);
    let mut out = String::new();
    let mut last_digit = false;
    for c in first.chars().take(120) {
        if c.is_ascii_digit() {
            if !last_digit {
                out.push('#');
            }
            last_digit = true;
        } else {
            out.push(c);
            last_digit = false;
        }
    }
    let at = message
        .rsplit(" at ")
        .next()
        .and_then(|l| l.split(':').next())
        .unwrap_or("");
    format!("{out} [{at}]")
}

// ---- cases ------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ClientSpec {
    provider: ProviderId,
    account: u8,
    max_retries: u32,
    max_in_flight: usize,
    deadline_ms: Option<u64>,
}

#[derive(Debug, Clone)]
enum Op {
    Send(Message),
    Personalized(PersonalizedMessage),
}

impl Op {
    fn name(&self) -> &'static str {
        match self {
            Op::Send(_) => "send",
            Op::Personalized(_) => "send_personalized",
        }
    }

    fn inputs(&self) -> Vec<String> {
        match self {
            Op::Send(m) => m.to.clone(),
            Op::Personalized(p) => p.items.iter().map(|i| i.to.clone()).collect(),
        }
    }

    fn summary(&self) -> String {
        let inputs = self.inputs();
        let mut s = format!("{} to {} recipients", self.name(), inputs.len());
        let shown: Vec<&String> = inputs.iter().take(4).collect();
        let _ = write!(s, " {shown:?}{}", if inputs.len() > 4 { "…" } else { "" });
        let fields = match self {
            Op::Send(m) => {
                let mut m = m.clone();
                m.to = Vec::new();
                m.text = m.text.map(|t| t.chars().take(40).collect());
                serde_json::to_string(&m).unwrap_or_default()
            }
            Op::Personalized(p) => {
                let mut p = p.clone();
                p.items.truncate(2);
                serde_json::to_string(&p).unwrap_or_default()
            }
        };
        let _ = write!(s, "; {fields}");
        s
    }
}

#[derive(Debug, Clone)]
struct Case {
    seed: u64,
    router: bool,
    clients: Vec<ClientSpec>,
    op: Op,
    /// Per recipient of `op`, the E.164 digits it stands for (`None`: invalid on purpose).
    canonical: Vec<Option<String>>,
    status_after: bool,
    profile: Profile,
}

fn gen_case(seed: u64) -> Case {
    let mut rng = Rng::new(seed);
    // A focused case mixes, within one call, a status that refuses (the provider did not act)
    // with one after which it may have acted: the mix that tells whether the client and the
    // Router decide per request and per recipient. Few recipients, a chain of two or three.
    let focused = rng.chance(0.3);
    let router = focused || rng.chance(0.4);
    let chain_len = if focused {
        2 + rng.weighted(&[3, 2])
    } else if router {
        1 + rng.weighted(&[2, 5, 3])
    } else {
        1
    };
    let clients = (0..chain_len)
        .map(|i| ClientSpec {
            provider: *rng.pick(&ProviderId::ALL),
            account: i as u8,
            max_retries: rng.weighted(&[3, 4, 3, 1]) as u32,
            max_in_flight: rng.range(1, 6) as usize,
            deadline_ms: match rng.below(10) {
                0..=5 => Some(8000),
                6 => Some(rng.range(50, 1500)),
                _ => None,
            },
        })
        .collect();
    let count = if focused && rng.chance(0.8) {
        rng.range(2, 6) as usize
    } else {
        recipient_count(&mut rng)
    };
    let (recipients, canonical): (Vec<String>, Vec<Option<String>>) =
        gen_recipients(&mut rng, count).into_iter().unzip();
    let op = if rng.chance(0.2) {
        Op::Personalized(gen_personalized(&mut rng, recipients))
    } else {
        Op::Send(gen_message(&mut rng, recipients))
    };
    let focus = if focused {
        let refused = *rng.pick(&[429, 429, 401, 402, 403, 400, 408]);
        let maybe_acted = *rng.pick(&[500, 502, 502, 503, 504, 302, 307]);
        let mut statuses = vec![refused, maybe_acted];
        if rng.chance(0.3) {
            statuses.push(200);
        }
        statuses
    } else {
        Vec::new()
    };
    let profile = Profile {
        fault_rate: if focus.is_empty() {
            *rng.pick(&[0.0, 0.05, 0.2, 0.5, 0.9, 1.0])
        } else {
            *rng.pick(&[0.3, 0.6, 0.9])
        },
        focus,
        reject_rate: *rng.pick(&[0.0, 0.0, 0.05, 0.3]),
        omit_rate: *rng.pick(&[0.0, 0.0, 0.02, 0.2]),
        late_budget: if rng.chance(0.2) {
            rng.range(1, 2) as u32
        } else {
            0
        },
        huge_budget: u32::from(rng.chance(0.1)),
        timeout: Duration::from_millis(TIMEOUT_MS),
    };
    let mut case = Case {
        seed,
        router,
        clients,
        op,
        canonical,
        status_after: rng.chance(0.6),
        profile,
    };
    // Many requests at a high fault rate mean many backoff waits: spread the same number of
    // faults over big sends instead, so that the run stays fast.
    let requests = expected_requests(&case);
    if requests > 40 {
        case.profile.fault_rate *= 40.0 / requests as f64;
    }
    case
}

/// About how many send requests the first provider of a case needs.
fn expected_requests(case: &Case) -> usize {
    let n = case.op.inputs().len();
    let per_recipient = match (case.clients[0].provider, &case.op) {
        (ProviderId::DecisionTelecom, _) => true,
        (ProviderId::SmsBy, Op::Send(m)) => m.sms_fallback.is_some(),
        (ProviderId::SmsBy, Op::Personalized(_)) => false,
        (_, Op::Personalized(_)) => true,
        (_, Op::Send(_)) => false,
    };
    if per_recipient {
        n
    } else {
        n.div_ceil(500)
    }
}

/// 1–1,200, larger counts rarer.
fn recipient_count(rng: &mut Rng) -> usize {
    (match rng.weighted(&[60, 25, 11, 4]) {
        0 => rng.range(1, 3),
        1 => rng.range(4, 40),
        2 => rng.range(41, 520),
        _ => rng.range(521, 1200),
    }) as usize
}

/// Recipients as a caller writes them, each with the E.164 digits it stands for (`None` for a
/// number that is invalid on purpose). Valid numbers are Ukrainian and Belarusian mobile
/// numbers, which libphonenumber's metadata accepts.
fn gen_recipients(rng: &mut Rng, n: usize) -> Vec<(String, Option<String>)> {
    let invalid = rng.chance(0.1);
    let duplicates = rng.chance(0.1);
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<(String, Option<String>)> = Vec::with_capacity(n);
    while out.len() < n {
        if invalid && rng.chance(0.03) {
            let raw = *rng.pick(&[
                "12",
                "abc",
                "+",
                "380 98 x",
                "9999999999999999",
                "",
                "+380 98 936 11 2",
            ]);
            out.push((raw.to_owned(), None));
            continue;
        }
        if duplicates && !out.is_empty() && rng.chance(0.05) {
            let i = rng.below(out.len() as u64) as usize;
            let copy = out[i].clone();
            out.push(copy);
            continue;
        }
        let digits = if rng.chance(0.85) {
            const UA: &[&str] = &[
                "50", "63", "66", "67", "68", "73", "93", "95", "96", "97", "98", "99",
            ];
            format!("380{}{:07}", rng.pick(UA), rng.below(10_000_000))
        } else {
            const BY: &[&str] = &["255", "256", "257", "259", "291", "295", "299", "33", "44"];
            let code = rng.pick(BY);
            let rest = 10u64.pow(9 - code.len() as u32);
            format!("375{code}{:0w$}", rng.below(rest), w = 9 - code.len())
        };
        if !seen.insert(digits.clone()) {
            continue;
        }
        let raw = match rng.below(20) {
            0 => format!(
                "+{} {} {}-{}-{}",
                &digits[..3],
                &digits[3..5],
                &digits[5..8],
                &digits[8..10],
                &digits[10..]
            ),
            1 => format!("00{digits}"),
            2 => format!("+{} ({}) {}", &digits[..3], &digits[3..5], &digits[5..]),
            _ => digits.clone(),
        };
        out.push((raw, Some(digits)));
    }
    out
}

fn gen_text(rng: &mut Rng) -> String {
    const PIECES: &[&str] = &[
        "Hi",
        " ",
        "order",
        "42",
        "Привіт",
        "Ў",
        "😀",
        "€",
        "ß",
        "\"",
        "\\",
        "'",
        "&",
        "=",
        "+",
        "%20",
        "#",
        "?",
        "/",
        "\n",
        "\t",
        "<b>",
        "null",
        "{}",
        "acct9",
        "token=",
        "ü",
        "ﬁ",
        "\u{200d}",
        "日本",
    ];
    let len = match rng.weighted(&[70, 25, 4, 1]) {
        0 => rng.range(1, 12),
        1 => rng.range(12, 120),
        2 => rng.range(120, 600),
        _ => 1001,
    };
    let mut s = String::new();
    while s.chars().count() < len as usize {
        let piece: &&str = rng.pick(PIECES);
        s.push_str(piece);
    }
    if len == 1001 {
        s.chars().take(1001).collect()
    } else {
        s.chars().take(len as usize).collect()
    }
}

fn gen_message(rng: &mut Rng, to: Vec<String>) -> Message {
    let mut m = Message::to(to).text(gen_text(rng));
    if rng.chance(0.03) {
        m.text = None;
    }
    if rng.chance(0.25) {
        m = m.button("Open", "https://shop.example/p?id=1&x=ü");
        if rng.chance(0.7) {
            m = m.image_url("https://img.example/x.png");
        }
    }
    if rng.chance(0.15) {
        m = m.ttl_seconds(rng.range(3600, 21_600) as u32);
    }
    if rng.chance(0.15) {
        m = m.sms_fallback(SmsFallback::new("Fallback text"));
    }
    if rng.chance(0.03) {
        m = m.two_way(true);
    }
    if rng.chance(0.05) {
        m = m.callback_url("https://hooks.example/vg?src=chaos");
    }
    if rng.chance(0.03) {
        m = m.schedule(4_102_444_800, None);
    }
    if rng.chance(0.05) {
        m = m.label("chaos mailing");
    }
    if rng.chance(0.1) {
        m = m.category(*rng.pick(&[Category::Transactional, Category::Promotional]));
    }
    if rng.chance(0.02) {
        m = m.sender("Other sender");
    }
    m
}

fn gen_personalized(rng: &mut Rng, to: Vec<String>) -> PersonalizedMessage {
    let button = rng.chance(0.3);
    let items = to
        .into_iter()
        .map(|to| PersonalizedItem {
            to,
            text: gen_text(rng),
            button_url: button.then(|| format!("https://shop.example/o/{}", rng.below(1000))),
        })
        .collect();
    PersonalizedMessage {
        items,
        button_text: button.then(|| "Open".to_owned()),
        image_url: (button && rng.chance(0.5)).then(|| "https://img.example/p.png".to_owned()),
        ttl_seconds: rng.chance(0.1).then(|| rng.range(3600, 21_600) as u32),
        callback_url: rng
            .chance(0.05)
            .then(|| "https://hooks.example/p".to_owned()),
        label: rng.chance(0.05).then(|| "chaos".to_owned()),
        ..PersonalizedMessage::default()
    }
}

fn dsn(spec: &ClientSpec, base_url: &str) -> String {
    let base = utf8_percent_encode(base_url, NON_ALPHANUMERIC);
    let credentials = match spec.provider {
        ProviderId::IntelTele => format!("acct{0}:key{0}", spec.account),
        _ => format!("acct{}", spec.account),
    };
    let senders = match spec.provider {
        ProviderId::SmsBy => "&sender=1&sms_sender=2",
        _ => "&sender=Shop&sms_sender=Shop",
    };
    let mut dsn = format!(
        "{}://{credentials}@default?base_url={base}{senders}&timeout_ms={TIMEOUT_MS}\
         &connect_timeout_ms=1000&max_retries={}&rate_limit=0&max_in_flight={}",
        spec.provider, spec.max_retries, spec.max_in_flight
    );
    if let Some(ms) = spec.deadline_ms {
        let _ = write!(dsn, "&deadline_ms={ms}");
    }
    dsn
}

// ---- running a case ---------------------------------------------------------------------

/// What a case did, for the statistics.
#[derive(Default)]
struct Tally {
    calls: u64,
    ok: u64,
    err: u64,
    accepted: u64,
    uncertain: u64,
    rejected: u64,
    requests: u64,
    status_calls: u64,
    /// Send requests the provider may have acted on (for some recipient).
    maybe_acted: u64,
    /// Recipients read in full by two provider accounts (failover after a refusal).
    failovers: u64,
    /// Recipients read in full twice by one account (a retry after a refusal).
    resends: u64,
    /// Issued ids the client certainly received, checked by (c).
    ids_checked: u64,
}

/// What a case sends through: one client, or a router over its chain.
enum Sender {
    Client(Box<Client>),
    Router(Router),
}

impl Sender {
    fn send(&self, op: &Op) -> SendView {
        match (self, op) {
            (Sender::Client(c), Op::Send(m)) => view_of(c.send(m), SendView::from_report),
            (Sender::Client(c), Op::Personalized(p)) => {
                view_of(c.send_personalized(p), SendView::from_report)
            }
            (Sender::Router(r), Op::Send(m)) => view_of(r.send(m), SendView::from_routed),
            (Sender::Router(r), Op::Personalized(p)) => {
                view_of(r.send_personalized(p), SendView::from_routed)
            }
        }
    }

    fn status(&self, ids: &[(ProviderId, String)]) -> vibergate_core::Result<Vec<DeliveryReport>> {
        match self {
            Sender::Client(c) => {
                let ids: Vec<&str> = ids.iter().map(|(_, id)| id.as_str()).collect();
                c.status(&ids)
            }
            Sender::Router(r) => r.status(ids),
        }
    }
}

fn view_of<T>(result: vibergate_core::Result<T>, view: impl Fn(&T) -> SendView) -> SendView {
    match result {
        Ok(report) => view(&report),
        Err(e) => SendView::from_error(&e),
    }
}

fn run_case(case: &Case, verbose: bool, tally: &mut Tally) -> Vec<Violation> {
    let server = Server::start(case.seed, case.profile.clone());
    let dsns: Vec<String> = case
        .clients
        .iter()
        .map(|c| dsn(c, &server.base_url))
        .collect();
    let mut violations = Vec::new();
    let mode = if case.router { "router" } else { "client" };
    let setup = |why: &str, detail: String| Violation {
        invariant: '!',
        signature: format!("setup: {why}"),
        detail,
    };
    let clients = match dsns
        .iter()
        .map(|d| Client::from_dsn(d))
        .collect::<vibergate_core::Result<Vec<Client>>>()
    {
        Ok(c) => c,
        Err(e) => {
            violations.push(setup(
                "the chaos test's DSN is refused",
                format!("{e}: {dsns:?}"),
            ));
            return violations;
        }
    };
    let sender = if case.router {
        match Router::new(clients) {
            Ok(r) => Sender::Router(r),
            Err(e) => {
                violations.push(setup("the chaos test's router is refused", e.to_string()));
                return violations;
            }
        }
    } else {
        Sender::Client(Box::new(clients.into_iter().next().expect("one client")))
    };
    if verbose {
        println!(
            "case {:#018x}: {mode} {}\n  {}\n  profile {:?}",
            case.seed,
            case.op.summary(),
            dsns.join("\n  "),
            case.profile
        );
    }

    // The send. A client's own deadline_ms bounds it; a router's strictest of its chain.
    let deadline = case.clients.iter().filter_map(|c| c.deadline_ms).min();
    server.set_call(0);
    let call = guarded(|| sender.send(&case.op));
    check_guarded(&mut violations, mode, case.op.name(), &call, deadline);
    let deadline_at = deadline.map(|ms| call.started + Duration::from_millis(ms));
    let view = check_call(
        case,
        &server,
        call.value,
        (call.took, deadline_at),
        verbose,
        &mut violations,
        tally,
    );

    // The statuses of the ids it got.
    let ids: Vec<(ProviderId, String)> = view
        .iter()
        .flat_map(|v| &v.accepted)
        .filter_map(|(_, id, p)| Some((*p, id.clone()?)))
        .take(30)
        .collect();
    if case.status_after && !ids.is_empty() {
        server.set_call(1);
        tally.status_calls += 1;
        let call = guarded(|| sender.status(&ids));
        // A router asks each provider in turn, each within its own deadline.
        let bound = if case.router {
            let each: Option<Vec<u64>> = case.clients.iter().map(|c| c.deadline_ms).collect();
            each.map(|d| d.iter().sum())
        } else {
            deadline
        };
        check_guarded(&mut violations, mode, "status", &call, bound);
        if let Some(Ok(list)) = &call.value {
            let asked: Vec<String> = ids.iter().map(|(_, id)| id.clone()).collect();
            violations.extend(check::check_status(mode, &asked, list, case.router));
        }
        if verbose {
            print_status(&server, &call.value.map(|r| r.map(|l| l.len())));
        }
    }

    tally.calls += 1;
    if let Some(v) = &view {
        if v.error.is_some() {
            tally.err += 1;
        } else {
            tally.ok += 1;
        }
        tally.accepted += v.accepted.len() as u64;
        tally.uncertain += v.uncertain.len() as u64;
        tally.rejected += v.rejected.len() as u64;
    }
    tally.requests += server.all_events().len() as u64;
    violations
}

fn print_status(server: &Server, result: &Option<vibergate_core::Result<usize>>) {
    println!("  status: {result:?}");
    for e in server.events(1, Duration::from_secs(3)) {
        println!("    {e}");
    }
}

fn note_panics(violations: &mut Vec<Violation>, mode: &str, op: &str, panics: &[(bool, String)]) {
    for (server_thread, message) in panics {
        if *server_thread {
            eprintln!("chaos: the test's own server panicked (a bug of the test): {message}");
            continue;
        }
        violations.push(Violation {
            invariant: 'a',
            signature: format!("(a) panic: {}", panic_signature(message)),
            detail: format!("{mode} {op} panicked: {message}"),
        });
    }
}

/// What the run exercised, so that a passing run shows it tried the hard cases.
fn count_coverage(events: &[server::Event], deadline: Option<Instant>, tally: &mut Tally) {
    let timeout = Duration::from_millis(TIMEOUT_MS);
    let mut reads: HashMap<&str, Vec<server::Endpoint>> = HashMap::new();
    for e in events.iter().filter(|e| e.kind == server::ReqKind::Send) {
        if e.recipients.iter().any(|r| e.might_have_acted(r)) {
            tally.maybe_acted += 1;
        }
        if e.ids_delivered(timeout, deadline) {
            tally.ids_checked += e.issued.len() as u64 + u64::from(e.batch.is_some());
        }
        if e.fully_read {
            for r in &e.recipients {
                reads.entry(r).or_default().extend(e.endpoint);
            }
        }
    }
    for endpoints in reads.values() {
        let mut distinct = endpoints.clone();
        distinct.dedup();
        if distinct.len() > 1 {
            tally.failovers += 1;
        }
        if endpoints.len() > distinct.len() {
            tally.resends += 1;
        }
    }
}

/// Checks one send call; returns the view for the statistics.
fn check_call(
    case: &Case,
    server: &Server,
    view: Option<SendView>,
    (took, deadline): (Duration, Option<Instant>),
    verbose: bool,
    violations: &mut Vec<Violation>,
    tally: &mut Tally,
) -> Option<SendView> {
    let events = server.events(0, Duration::from_secs(3));
    count_coverage(&events, deadline, tally);
    let mode = if case.router { "router" } else { "client" };
    if verbose {
        match &view {
            None => println!("  {}: panicked", case.op.name()),
            Some(v) => println!(
                "  {} ({} ms): {} — {} accepted, {} uncertain, {} rejected, requests {:?}",
                case.op.name(),
                took.as_millis(),
                match &v.error {
                    Some(e) => format!("Err({}: {})", e.code(), e.message),
                    None => "Ok".into(),
                },
                v.accepted.len(),
                v.uncertain.len(),
                v.rejected.len(),
                v.requests
            ),
        }
        for e in &events {
            println!("    {e}");
        }
    }
    let v = view?;
    let inputs = case.op.inputs();
    let ctx = check::Ctx {
        mode,
        op: case.op.name(),
        inputs: &inputs,
        canonical: &case.canonical,
        events: &events,
        timeout: Duration::from_millis(TIMEOUT_MS),
        deadline,
    };
    violations.extend(check::check_send(&ctx, &v));
    Some(v)
}

// ---- the run ------------------------------------------------------------------------------

fn env_u64(name: &str) -> Option<u64> {
    let raw = std::env::var(name).ok()?;
    let raw = raw.trim();
    let parsed = match raw.strip_prefix("0x").or_else(|| raw.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16),
        None => raw.parse(),
    };
    match parsed {
        Ok(v) => Some(v),
        Err(_) => panic!("{name}={raw:?} is not a number"),
    }
}

fn chain(case: &Case) -> String {
    case.clients
        .iter()
        .map(|c| c.provider.as_str())
        .collect::<Vec<_>>()
        .join(" || ")
}

fn replay_command(seed: u64) -> String {
    format!("VG_CHAOS_SEED={seed:#018x} cargo test -p vibergate-core --test chaos -- --nocapture")
}

struct Group {
    invariant: char,
    cases: u64,
    instances: u64,
    first_seed: u64,
    first_detail: String,
}

/// Tells, while a case runs too long, which one it is.
struct Watchdog {
    current: Arc<Mutex<Option<(u64, Instant)>>>,
    done: Arc<AtomicBool>,
}

impl Watchdog {
    fn start() -> Watchdog {
        let current: Arc<Mutex<Option<(u64, Instant)>>> = Arc::new(Mutex::new(None));
        let done = Arc::new(AtomicBool::new(false));
        let (c, d) = (current.clone(), done.clone());
        thread::spawn(move || {
            let mut warned = None;
            while !d.load(Ordering::SeqCst) {
                thread::sleep(Duration::from_millis(500));
                let now = *c.lock().unwrap_or_else(|e| e.into_inner());
                if let Some((seed, started)) = now {
                    if started.elapsed() > Duration::from_secs(20) && warned != Some(seed) {
                        warned = Some(seed);
                        eprintln!(
                            "chaos: case {seed:#018x} has run for 20 s (a wait that is too long?); replay: {}",
                            replay_command(seed)
                        );
                    }
                }
            }
        });
        Watchdog { current, done }
    }

    fn enter(&self, seed: u64) {
        *self.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((seed, Instant::now()));
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.done.store(true, Ordering::SeqCst);
    }
}

#[test]
fn chaos() {
    install_panic_hook();
    let mut tally = Tally::default();
    if let Some(seed) = env_u64("VG_CHAOS_SEED") {
        let case = gen_case(seed);
        let violations = run_case(&case, true, &mut tally);
        for v in &violations {
            println!("\n({}) {}\n    {}", v.invariant, v.signature, v.detail);
        }
        if !violations.is_empty() {
            let _ = panic::take_hook();
            panic!(
                "case {seed:#018x} broke {} invariant(s); see above",
                violations.len()
            );
        }
        return;
    }
    let cases = env_u64("VG_CHAOS_CASES").unwrap_or(DEFAULT_CASES);
    let budget = Duration::from_secs(env_u64("VG_CHAOS_SECS").unwrap_or(DEFAULT_SECS));
    let mut base = Rng::new(env_u64("VG_CHAOS_BASE").unwrap_or(DEFAULT_BASE_SEED));
    let started = Instant::now();
    let watchdog = Watchdog::start();
    let mut groups: BTreeMap<String, Group> = BTreeMap::new();
    let mut run = 0;
    let mut slowest = (Duration::ZERO, 0u64);
    while run < cases && started.elapsed() < budget {
        let seed = base.next_u64();
        let case = gen_case(seed);
        watchdog.enter(seed);
        let case_started = Instant::now();
        let requests_before = tally.requests;
        let violations = run_case(&case, false, &mut tally);
        let took = case_started.elapsed();
        if let Some(ms) = env_u64("VG_CHAOS_SLOW_MS") {
            if took >= Duration::from_millis(ms) {
                println!(
                    "chaos: slow case {:#018x}: {} ms, {} {} recipients, {} requests, via {}",
                    seed,
                    took.as_millis(),
                    case.op.name(),
                    case.op.inputs().len(),
                    tally.requests - requests_before,
                    chain(&case)
                );
            }
        }
        if took > slowest.0 {
            slowest = (took, seed);
        }
        run += 1;
        let mut seen_here = std::collections::HashSet::new();
        for v in violations {
            let group = groups.entry(v.signature.clone()).or_insert_with(|| {
                println!(
                    "chaos: NEW FAILURE {}\n    case {seed:#018x} ({} {} via {}): {}\n    replay: {}",
                    v.signature,
                    if case.router { "router" } else { "client" },
                    case.op.name(),
                    chain(&case),
                    v.detail,
                    replay_command(seed)
                );
                Group {
                    invariant: v.invariant,
                    cases: 0,
                    instances: 0,
                    first_seed: seed,
                    first_detail: v.detail.clone(),
                }
            });
            group.instances += 1;
            if seen_here.insert(v.signature.clone()) {
                group.cases += 1;
            }
        }
    }
    drop(watchdog);
    println!(
        "chaos: {run} cases in {:.1} s (slowest {:.1} s: {:#018x}); {} calls: {} Ok, {} Err; \
         {} accepted, {} uncertain, {} rejected; {} requests ({} the provider may have acted on); \
         {} issued ids checked; {} recipients failed over, {} sent again after a refusal; \
         {} status reads",
        started.elapsed().as_secs_f64(),
        slowest.0.as_secs_f64(),
        slowest.1,
        tally.calls,
        tally.ok,
        tally.err,
        tally.accepted,
        tally.uncertain,
        tally.rejected,
        tally.requests,
        tally.maybe_acted,
        tally.ids_checked,
        tally.failovers,
        tally.resends,
        tally.status_calls
    );
    if groups.is_empty() {
        return;
    }
    let mut summary = format!(
        "{} distinct failures in {run} cases (each replays with its seed):\n",
        groups.len()
    );
    for (signature, g) in &groups {
        let _ = writeln!(
            summary,
            "\n[{}] {signature}\n    {} cases, {} instances; first: {}\n    {}\n    replay: {}",
            g.invariant,
            g.cases,
            g.instances,
            format_args!("{:#018x}", g.first_seed),
            g.first_detail.replace('\n', "\n    "),
            replay_command(g.first_seed)
        );
    }
    let _ = panic::take_hook();
    panic!("{summary}");
}
