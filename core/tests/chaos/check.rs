//! The invariants of a chaos case (see the crate documentation of `chaos.rs` for their exact
//! statement), checked against the server's log.

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, Instant};

use vibergate_core::{
    DeliveryReport, Error, ErrorCode, ProviderId, RejectReason, RoutedReport, SendReport,
};

use crate::server::{Event, ReqKind};

/// One broken invariant.
#[derive(Debug, Clone)]
pub struct Violation {
    /// `a` … `h`.
    pub invariant: char,
    /// What kind of failure this is, without case-specific numbers: failures are grouped by it.
    pub signature: String,
    /// Everything needed to understand this instance.
    pub detail: String,
}

/// A send's result as the invariants see it, whether it came from a client or a router, as a
/// report or as an error.
#[derive(Debug, Clone)]
pub struct SendView {
    pub accepted: Vec<(String, Option<String>, ProviderId)>,
    pub rejected: Vec<(String, RejectReason, Option<ProviderId>, String)>,
    pub uncertain: Vec<(String, ProviderId, String)>,
    /// Batch ids the result carries (SMS.by mailings: `SendReport::batch_id`).
    pub batch_ids: Vec<String>,
    /// `requests` of an `Ok` result.
    pub requests: Option<u32>,
    pub error: Option<Error>,
    /// The whole result as JSON, to look for ids that have no field of their own.
    pub json: String,
}

impl SendView {
    pub fn from_report(report: &SendReport) -> Self {
        let p = report.provider;
        SendView {
            accepted: report
                .accepted
                .iter()
                .map(|a| (a.phone.clone(), a.message_id.clone(), p))
                .collect(),
            rejected: report
                .rejected
                .iter()
                .map(|r| (r.phone.clone(), r.reason, Some(p), r.detail.clone()))
                .collect(),
            uncertain: report
                .uncertain
                .iter()
                .map(|u| (u.phone.clone(), p, u.detail.clone()))
                .collect(),
            batch_ids: report.batch_id.iter().cloned().collect(),
            requests: Some(report.requests),
            error: None,
            json: serde_json::to_string(report).unwrap_or_default(),
        }
    }

    pub fn from_routed(report: &RoutedReport) -> Self {
        SendView {
            accepted: report
                .accepted
                .iter()
                .map(|a| {
                    (
                        a.accepted.phone.clone(),
                        a.accepted.message_id.clone(),
                        a.provider,
                    )
                })
                .collect(),
            rejected: report
                .rejected
                .iter()
                .map(|r| {
                    (
                        r.rejected.phone.clone(),
                        r.rejected.reason,
                        r.provider,
                        r.rejected.detail.clone(),
                    )
                })
                .collect(),
            uncertain: report
                .uncertain
                .iter()
                .map(|u| {
                    (
                        u.uncertain.phone.clone(),
                        u.provider,
                        u.uncertain.detail.clone(),
                    )
                })
                .collect(),
            batch_ids: Vec::new(),
            requests: Some(report.requests),
            error: None,
            json: serde_json::to_string(report).unwrap_or_default(),
        }
    }

    pub fn from_error(error: &Error) -> Self {
        // A routed failure lists every attempt, each with the requests it made.
        let json = serde_json::to_value(error).unwrap_or_default();
        let requests = json["attempts"].as_array().and_then(|attempts| {
            attempts
                .iter()
                .map(|a| a["requests"].as_u64())
                .sum::<Option<u64>>()
                .filter(|_| !attempts.is_empty())
                .map(|n| n.min(u64::from(u32::MAX)) as u32)
        });
        SendView {
            accepted: Vec::new(),
            rejected: error
                .rejected
                .iter()
                .map(|r| (r.phone.clone(), r.reason, error.provider, r.detail.clone()))
                .collect(),
            uncertain: Vec::new(),
            batch_ids: Vec::new(),
            requests,
            error: Some(error.clone()),
            json: serde_json::to_string(error).unwrap_or_default(),
        }
    }

    fn outcome(&self) -> String {
        match &self.error {
            Some(e) => format!("Err({})", e.code()),
            None => "Ok report".into(),
        }
    }

    /// Where `phone` ended, for the failure output.
    pub fn buckets_of(&self, phone: &str) -> String {
        let mut out = Vec::new();
        for (p, id, provider) in &self.accepted {
            if p == phone {
                out.push(format!("accepted by {provider} id {id:?}"));
            }
        }
        for (p, reason, provider, detail) in &self.rejected {
            if p == phone {
                let by = provider.map(|p| p.to_string()).unwrap_or_default();
                out.push(format!("rejected `{reason}` {by}: {detail}"));
            }
        }
        for (p, provider, detail) in &self.uncertain {
            if p == phone {
                out.push(format!("uncertain at {provider}: {detail}"));
            }
        }
        if out.is_empty() {
            "in no bucket".into()
        } else {
            out.join(" | ")
        }
    }
}

/// The context of the checks.
pub struct Ctx<'a> {
    /// `client` or `router`.
    pub mode: &'static str,
    /// `send` or `send_personalized`.
    pub op: &'static str,
    /// The recipients as the caller wrote them.
    pub inputs: &'a [String],
    /// Per input, the E.164 digits it stands for (`None`: invalid on purpose).
    pub canonical: &'a [Option<String>],
    /// The server's events of this call.
    pub events: &'a [Event],
    pub timeout: Duration,
    /// When the call's `deadline_ms` ran out, if it had one.
    pub deadline: Option<Instant>,
}

impl Ctx<'_> {
    fn sends(&self) -> impl Iterator<Item = &Event> {
        self.events.iter().filter(|e| e.kind == ReqKind::Send)
    }

    fn carrying<'e>(&'e self, phone: &'e str) -> impl Iterator<Item = &'e Event> + 'e {
        self.sends()
            .filter(move |e| e.recipients.iter().any(|r| r == phone))
    }

    fn lines<'e>(events: impl Iterator<Item = &'e Event>) -> String {
        events
            .map(|e| format!("\n      {e}"))
            .collect::<Vec<_>>()
            .join("")
    }
}

fn provider_of(e: &Event) -> String {
    e.endpoint
        .map(|p| p.provider.to_string())
        .unwrap_or_else(|| "?".into())
}

/// (b) (c) (d) (e) (f) (g) for one send.
pub fn check_send(ctx: &Ctx<'_>, view: &SendView) -> Vec<Violation> {
    let mut out = Vec::new();
    let (mode, op) = (ctx.mode, ctx.op);
    // Each valid recipient once (its first occurrence), with every form it may be named by.
    let mut valid: Vec<(&str, &str)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (raw, canonical) in ctx.inputs.iter().zip(ctx.canonical) {
        if let Some(c) = canonical {
            if seen.insert(c.as_str()) {
                valid.push((c, raw));
            }
        }
    }
    let outcome = view.outcome();

    // (b) every valid recipient in exactly one bucket.
    let refused_whole = view.error.as_ref().is_some_and(|e| {
        matches!(
            e.code(),
            ErrorCode::InvalidMessage | ErrorCode::Unsupported | ErrorCode::InvalidConfig
        ) && ctx.sends().next().is_none()
    });
    if !refused_whole {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for (p, _, _) in &view.accepted {
            *counts.entry(p).or_default() += 1;
        }
        for (p, _, _) in &view.uncertain {
            *counts.entry(p).or_default() += 1;
        }
        for (p, reason, _, _) in &view.rejected {
            if *reason != RejectReason::Duplicate {
                *counts.entry(p).or_default() += 1;
            }
        }
        for (phone, raw) in &valid {
            let mut n = counts.get(phone).copied().unwrap_or(0);
            if raw != phone {
                // Refused before sending, it is named as written.
                n += counts.get(raw).copied().unwrap_or(0);
            }
            if n != 1 {
                out.push(Violation {
                    invariant: 'b',
                    signature: format!(
                        "(b) {mode}: a recipient is in {} buckets ({})",
                        if n == 0 {
                            "no".to_owned()
                        } else {
                            n.to_string()
                        },
                        if view.error.is_some() {
                            "error"
                        } else {
                            "report"
                        }
                    ),
                    detail: format!(
                        "{op} ({outcome}): recipient {phone} ({raw:?}): {}{}",
                        view.buckets_of(phone),
                        Ctx::lines(ctx.carrying(phone))
                    ),
                });
            }
        }
        let total = view.accepted.len() + view.uncertain.len() + view.rejected.len();
        if total != ctx.inputs.len() && out.is_empty() {
            out.push(Violation {
                invariant: 'b',
                signature: format!(
                    "(b) {mode}: the result lists a different number of entries than recipients were given"
                ),
                detail: format!(
                    "{op} ({outcome}): {} recipients given, {} entries in the result",
                    ctx.inputs.len(),
                    total
                ),
            });
        }
        // A phone the result names is one given: as written, as its E.164 digits, or as the
        // bare digits of what was written (a number the test meant as invalid may be taken).
        let digits = |raw: &str| {
            let d: String = raw.chars().filter(char::is_ascii_digit).collect();
            match d.strip_prefix("00") {
                Some(rest) if raw.trim_start().starts_with("00") => rest.to_owned(),
                _ => d,
            }
        };
        let given: std::collections::HashSet<String> = ctx
            .inputs
            .iter()
            .flat_map(|i| [i.clone(), digits(i)])
            .chain(ctx.canonical.iter().flatten().cloned())
            .collect();
        let known = |p: &str| given.contains(p);
        for p in view
            .accepted
            .iter()
            .map(|(p, _, _)| p)
            .chain(view.uncertain.iter().map(|(p, _, _)| p))
        {
            if !known(p) {
                out.push(Violation {
                    invariant: 'b',
                    signature: format!("(b) {mode}: the result names a phone nobody sent to"),
                    detail: format!("{op} ({outcome}): phone {p:?}: {}", view.buckets_of(p)),
                });
            }
        }
    }

    // (c) every id the server issued in a success answer the client received is reported.
    for e in ctx
        .sends()
        .filter(|e| e.ids_delivered(ctx.timeout, ctx.deadline))
    {
        let provider = e.endpoint.map(|p| p.provider);
        for (phone, id) in &e.issued {
            let found = view.accepted.iter().any(|(p, mid, prov)| {
                p == phone && mid.as_deref() == Some(id.as_str()) && Some(*prov) == provider
            });
            if !found {
                out.push(Violation {
                    invariant: 'c',
                    signature: format!(
                        "(c) {mode} {}: an issued message id is missing from the {}",
                        provider_of(e),
                        if view.error.is_some() {
                            "error"
                        } else {
                            "report"
                        }
                    ),
                    detail: format!(
                        "{op} ({outcome}): id {id} for {phone} issued by{}\n    {phone} ended {}{}",
                        Ctx::lines(std::iter::once(e)),
                        view.buckets_of(phone),
                        error_note(view)
                    ),
                });
                break;
            }
        }
        if let Some(batch) = &e.batch {
            let found = view.batch_ids.iter().any(|b| b == batch) || view.json.contains(batch);
            if !found {
                out.push(Violation {
                    invariant: 'c',
                    signature: format!(
                        "(c) {mode} {}: an issued mailing id (uuid) is missing from the {}",
                        provider_of(e),
                        if view.error.is_some() {
                            "error"
                        } else {
                            "report"
                        }
                    ),
                    detail: format!(
                        "{op} ({outcome}): uuid {batch} issued by{}{}",
                        Ctx::lines(std::iter::once(e)),
                        error_note(view)
                    ),
                });
            }
        }
    }

    // (d) (e) nothing sent again after a provider might have acted.
    let mut by_phone: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in ctx.sends().filter(|e| e.fully_read) {
        for r in &e.recipients {
            by_phone.entry(r).or_default().push(e);
        }
    }
    for (phone, mut list) in by_phone {
        list.sort_by_key(|e| e.seq);
        'pairs: for (i, first) in list.iter().enumerate() {
            if !first.might_have_acted(phone) {
                continue;
            }
            if let Some(second) = list[i + 1..].first() {
                let same = first.endpoint == second.endpoint;
                let (inv, signature) = if same {
                    (
                        'e',
                        format!(
                            "(e) {mode} {}: a send was repeated after {}",
                            provider_of(first),
                            first.coarse()
                        ),
                    )
                } else {
                    (
                        'd',
                        format!(
                            "(d) {mode}: a recipient went on from {} to {} after {}",
                            provider_of(first),
                            provider_of(second),
                            first.coarse()
                        ),
                    )
                };
                out.push(Violation {
                    invariant: inv,
                    signature,
                    detail: format!(
                        "{op} ({outcome}): recipient {phone} ({}) was read by{}",
                        view.buckets_of(phone),
                        Ctx::lines(list.iter().copied())
                    ),
                });
                break 'pairs;
            }
        }
    }

    // (f) a recipient the provider may have acted on is not `rejected`.
    for (phone, reason, _, detail) in &view.rejected {
        if *reason == RejectReason::Duplicate {
            continue;
        }
        if let Some(e) = ctx.carrying(phone).find(|e| e.might_have_acted(phone)) {
            out.push(Violation {
                invariant: 'f',
                signature: format!(
                    "(f) {mode} {}: a recipient is rejected after {}",
                    provider_of(e),
                    e.coarse()
                ),
                detail: format!(
                    "{op} ({outcome}): recipient {phone} rejected `{reason}`: {detail}{}",
                    Ctx::lines(ctx.carrying(phone))
                ),
            });
        }
    }

    // (g) `requests` counts every request the provider received.
    if let Some(n) = view.requests {
        let seen = ctx.sends().count();
        if (n as usize) < seen {
            out.push(Violation {
                invariant: 'g',
                signature: format!(
                    "(g) {mode}: `requests` is smaller than the number of requests received ({})",
                    if view.error.is_some() {
                        "error"
                    } else {
                        "report"
                    }
                ),
                detail: format!(
                    "{op} ({outcome}): requests = {n}, the server received {seen}:{}",
                    Ctx::lines(ctx.sends())
                ),
            });
        }
    }
    out
}

fn error_note(view: &SendView) -> String {
    match &view.error {
        Some(e) => format!("\n    the call failed: {}: {}", e.code(), e.message),
        None => String::new(),
    }
}

/// (h) a successful status read answers every id asked, in order.
pub fn check_status(
    mode: &'static str,
    asked: &[String],
    result: &[DeliveryReport],
    exact: bool,
) -> Vec<Violation> {
    let got: Vec<&str> = result.iter().map(|r| r.message_id.as_str()).collect();
    let ok = if exact {
        got.len() == asked.len() && got.iter().zip(asked).all(|(g, a)| g == a)
    } else {
        got.len() >= asked.len() && got.iter().zip(asked).all(|(g, a)| g == a)
    };
    if ok {
        return Vec::new();
    }
    vec![Violation {
        invariant: 'h',
        signature: format!("(h) {mode} status: the answer does not list the ids asked, in order"),
        detail: format!("asked {asked:?}\n    got {got:?}"),
    }]
}
