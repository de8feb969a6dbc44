//! Failover across providers: recipients move to the next provider only when the
//! previous one certainly did not send to them, so no recipient can reach two providers that
//! might both have acted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::config::ProviderId;
use crate::error::{Error, ErrorCode, Result};
use crate::message::{Message, PersonalizedItem, PersonalizedMessage};
use crate::phone;
use crate::report::{Accepted, RejectReason, Rejected, SendReport, Uncertain};
use crate::status::DeliveryReport;

/// How long a provider that failed for account reasons is skipped, by default.
pub const DEFAULT_COOLDOWN: Duration = Duration::from_secs(60);

/// An accepted recipient and the provider that took it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoutedAccepted {
    /// The accepted entry, as in a send report; in JSON its fields sit at the top level of
    /// this object.
    #[serde(flatten)]
    pub accepted: Accepted,
    /// The provider that took the recipient.
    pub provider: ProviderId,
}

/// A rejected recipient and the provider that rejected it (none when refused before sending).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoutedRejected {
    /// The rejected entry, as in a send report; in JSON its fields sit at the top level of
    /// this object.
    #[serde(flatten)]
    pub rejected: Rejected,
    /// The provider that last rejected the recipient; `None` when no provider was asked (an
    /// invalid number or a duplicate refused before sending, or every provider cooling down).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
}

/// An uncertain recipient and the provider that may have sent it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoutedUncertain {
    /// The uncertain entry, as in a send report; in JSON its fields sit at the top level of
    /// this object.
    #[serde(flatten)]
    pub uncertain: Uncertain,
    /// The provider that may have sent to the recipient.
    pub provider: ProviderId,
}

/// What one provider was asked to do and what came of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Attempt {
    /// The provider asked (or skipped).
    pub provider: ProviderId,
    /// The recipients handed to this provider.
    pub recipients: Vec<String>,
    /// Why the provider was not asked (cooling down), if it was not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped: Option<String>,
    /// The request-level error, if the provider failed as a whole.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
    /// Recipients this provider rejected (whether they moved on or not).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
    /// Recipients this provider may have sent to (never moved on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub uncertain: Vec<Uncertain>,
    /// Recipients that moved on to the next provider.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved_on: Vec<String>,
    /// HTTP requests made to this provider (retries included).
    #[serde(default)]
    pub requests: u32,
    /// The provider's id for the whole send (an SMS.by mailing), for `status_batch`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<String>,
}

/// The outcome of a routed send: every recipient in exactly one list, with its provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoutedReport {
    /// Recipients a provider took.
    pub accepted: Vec<RoutedAccepted>,
    /// Recipients no provider took and none may have sent to.
    pub rejected: Vec<RoutedRejected>,
    /// Recipients a provider may have sent to; they are never moved to another provider.
    pub uncertain: Vec<RoutedUncertain>,
    /// What each provider was asked and what came of it, in order.
    pub attempts: Vec<Attempt>,
    /// HTTP requests made to all providers, retries included.
    pub requests: u32,
}

impl RoutedReport {
    /// `(provider, message_id)` of every accepted recipient, for [`Router::status`].
    pub fn message_ids(&self) -> Vec<(ProviderId, String)> {
        self.accepted
            .iter()
            .filter_map(|a| Some((a.provider, a.accepted.message_id.clone()?)))
            .collect()
    }
}

/// A message id and the provider that issued it, as bindings pass them to [`Router::status`]
/// (an accepted entry of a routed report deserialises into one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RoutedId {
    /// The provider that issued the id.
    pub provider: ProviderId,
    /// The provider's message id.
    pub message_id: String,
}

impl From<RoutedId> for (ProviderId, String) {
    fn from(id: RoutedId) -> Self {
        (id.provider, id.message_id)
    }
}

/// Causes after which another provider may take the recipient: the first certainly did not
/// send (a rejection means nothing was acted on) and another provider may succeed.
fn fails_over(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Transport
            | ErrorCode::Auth
            | ErrorCode::PermissionDenied
            | ErrorCode::InsufficientFunds
            | ErrorCode::RateLimited
            | ErrorCode::Unsupported
    )
}

/// Failures of the account rather than of a message: the provider is skipped for a while.
fn account_failure(code: ErrorCode) -> bool {
    matches!(
        code,
        ErrorCode::Auth | ErrorCode::PermissionDenied | ErrorCode::InsufficientFunds
    )
}

/// Per-recipient rejections another provider may still deliver.
fn moves_on(reason: RejectReason) -> bool {
    match reason {
        RejectReason::NoRoute | RejectReason::InsufficientFunds => true,
        RejectReason::Request(code) => fails_over(code),
        _ => false,
    }
}

/// Several clients in order of preference. `Send + Sync`.
///
/// Numbers are normalised once, by the router, with the `default_country` its clients set
/// (they must not set different ones); each client then receives full international numbers
/// (`+380…`), whose meaning does not depend on its own `default_country`, so a recipient is the
/// same number whichever provider takes it.
pub struct Router {
    clients: Vec<Arc<Client>>,
    default_country: Option<String>,
    cooldown: Duration,
    cooling_until: Mutex<HashMap<usize, Instant>>,
}

impl std::fmt::Debug for Router {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let chain: Vec<String> = self.clients.iter().map(|c| c.to_dsn()).collect();
        write!(f, "Router({})", chain.join(" || "))
    }
}

impl Router {
    /// A router over `clients`, tried in order.
    pub fn new(clients: Vec<Client>) -> Result<Self> {
        Router::from_shared(clients.into_iter().map(Arc::new).collect())
    }

    /// A router over clients shared with other code (the bindings hold theirs in `Arc`s).
    pub fn from_shared(clients: Vec<Arc<Client>>) -> Result<Self> {
        if clients.is_empty() {
            return Err(Error::invalid_config("a router needs at least one client"));
        }
        let default_country = chain_default_country(&clients)?;
        Ok(Router {
            clients,
            default_country,
            cooldown: DEFAULT_COOLDOWN,
            cooling_until: Mutex::new(HashMap::new()),
        })
    }

    /// A router from DSNs joined by `||`: `"smsclub://…@default || decisiontelecom://…@default"`.
    pub fn from_dsn(chain: &str) -> Result<Self> {
        let clients = crate::dsn::split_chain(chain)
            .map(Client::from_dsn)
            .collect::<Result<Vec<_>>>()?;
        Router::new(clients)
    }

    /// Sets how long a provider that failed with `auth`, `permission_denied` or
    /// `insufficient_funds` is skipped.
    pub fn with_cooldown(mut self, cooldown: Duration) -> Self {
        self.cooldown = cooldown;
        self
    }

    /// Forgets every cool-down, the shared ones of clients with `shared_state` included (for
    /// every worker of their accounts).
    pub fn reset_cooldowns(&self) {
        self.cooling().clear();
        for client in &self.clients {
            client.transport().reset_shared_cooldown();
        }
    }

    /// The clients, in the order they are tried.
    pub fn clients(&self) -> &[Arc<Client>] {
        &self.clients
    }

    /// The providers of the clients, in the order they are tried.
    pub fn providers(&self) -> Vec<ProviderId> {
        self.clients.iter().map(|c| c.provider()).collect()
    }

    /// The chain as DSNs with secrets replaced by `***`.
    pub fn to_dsn(&self) -> String {
        self.clients
            .iter()
            .map(|c| c.to_dsn())
            .collect::<Vec<_>>()
            .join(" || ")
    }

    fn cooling(&self) -> std::sync::MutexGuard<'_, HashMap<usize, Instant>> {
        self.cooling_until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The country of national numbers for the whole chain (the one its clients set).
    pub fn default_country(&self) -> Option<&str> {
        self.default_country.as_deref()
    }

    /// Sends `message`, moving recipients that were certainly not sent to the next provider.
    pub fn send(&self, message: &Message) -> Result<RoutedReport> {
        let (valid, invalid) = phone::normalize_all(&message.to, self.default_country());
        if message.chat_id.is_some() {
            // A chat reply belongs to the provider that owns the chat.
            return Err(Error::unsupported(
                self.clients[0].provider(),
                "chat_id",
                "chat replies through a router; use the client",
            ));
        }
        self.route(valid, invalid, |client, phones, deadline| {
            client.send_until(
                &Message {
                    to: phones.iter().map(|p| international(p)).collect(),
                    ..message.clone()
                },
                deadline,
            )
        })
    }

    /// Sends each item its own text, with the same failover.
    pub fn send_personalized(&self, message: &PersonalizedMessage) -> Result<RoutedReport> {
        let phones: Vec<&str> = message.items.iter().map(|i| i.to.as_str()).collect();
        let (valid, invalid) = phone::normalize_all(&phones, self.default_country());
        // Each item's number as normalised above (`None`: rejected there).
        let normalizer = phone::Normalizer::new(self.default_country()).ok();
        let numbers: Vec<Option<String>> = message
            .items
            .iter()
            .map(|i| normalizer.and_then(|n| n.normalize(&i.to).ok()))
            .collect();
        self.route(valid, invalid, |client, remaining, deadline| {
            let remaining: std::collections::HashSet<&str> =
                remaining.iter().map(String::as_str).collect();
            let mut seen = std::collections::HashSet::new();
            let items = message
                .items
                .iter()
                .zip(&numbers)
                .filter_map(|(item, number)| {
                    let number = number.as_deref()?;
                    (remaining.contains(number) && seen.insert(number)).then(|| PersonalizedItem {
                        to: international(number),
                        ..item.clone()
                    })
                })
                .collect();
            client.send_personalized_until(
                &PersonalizedMessage {
                    items,
                    ..message.clone()
                },
                deadline,
            )
        })
    }

    /// Hands `recipients` to each client in turn: a client's certain refusals that another
    /// provider may still deliver move on to the next one, everything else stays where it fell.
    fn route(
        &self,
        recipients: Vec<String>,
        invalid: Vec<Rejected>,
        send: impl Fn(&Client, &[String], Option<Instant>) -> Result<SendReport>,
    ) -> Result<RoutedReport> {
        let deadline = self.chain_deadline();
        let mut routing = Routing::new(invalid);
        if recipients.is_empty() {
            return Err(crate::message::no_valid_recipients(
                "to",
                routing
                    .report
                    .rejected
                    .into_iter()
                    .map(|r| r.rejected)
                    .collect(),
            ));
        }
        let mut remaining = recipients;
        for (index, client) in self.clients.iter().enumerate() {
            if remaining.is_empty() {
                break;
            }
            let mut attempt = Attempt::new(client.provider(), remaining.clone());
            if let Some(why) = self.cooling_down(index, deadline) {
                attempt.skipped = Some(why);
                routing.report.attempts.push(attempt);
                continue;
            }
            let sent = every_recipient_placed(send(client, &remaining, deadline), &mut attempt);
            if routing.place(sent, &mut attempt) {
                self.cool_down(index, deadline);
            }
            remaining = attempt.moved_on.clone();
            routing.report.attempts.push(attempt);
        }
        routing.finish(remaining)
    }

    /// The strictest `deadline_ms` of the chain, which bounds the whole routed call.
    fn chain_deadline(&self) -> Option<Instant> {
        let started = Instant::now();
        self.clients
            .iter()
            .filter_map(|c| c.config().deadline_ms)
            .min()
            .and_then(|ms| started.checked_add(Duration::from_millis(ms)))
    }

    /// Why the client at `index` is skipped, while it cools down after an account failure:
    /// this router's own, or one any worker of the account started (`shared_state`).
    fn cooling_down(&self, index: usize, deadline: Option<Instant>) -> Option<String> {
        let now = Instant::now();
        let own = self
            .cooling()
            .get(&index)
            .copied()
            .filter(|u| *u > now)
            .map(|until| until.duration_since(now));
        if let Some(left) = own {
            return Some(format!(
                "cooling down for {} ms after an account failure",
                left.as_millis()
            ));
        }
        let shared = self
            .clients
            .get(index)?
            .transport()
            .shared_cooldown(deadline)?;
        Some(format!(
            "cooling down for {} ms after an account failure another worker of the account met",
            shared.as_millis()
        ))
    }

    /// Skips the client at `index` for the cool-down, in this router and, with
    /// `shared_state`, in every worker of the account. An absurd cool-down is "until further
    /// notice", never an overflow.
    fn cool_down(&self, index: usize, deadline: Option<Instant>) {
        let now = Instant::now();
        let until = now
            .checked_add(self.cooldown)
            .or_else(|| now.checked_add(Duration::from_secs(365 * 86_400)))
            .unwrap_or(now);
        self.cooling().insert(index, until);
        if let Some(client) = self.clients.get(index) {
            client
                .transport()
                .start_shared_cooldown(self.cooldown, deadline);
        }
    }

    /// Delivery states of routed ids: each provider is asked about its own.
    pub fn status(&self, ids: &[(ProviderId, String)]) -> Result<Vec<DeliveryReport>> {
        let mut by_provider: Vec<(usize, Vec<String>)> = Vec::new();
        for (provider, id) in ids {
            let index = self
                .clients
                .iter()
                .position(|c| c.provider() == *provider)
                .ok_or_else(|| {
                    Error::invalid_message("ids", format!("the router has no {provider} client"))
                })?;
            match by_provider.iter_mut().find(|(i, _)| *i == index) {
                Some((_, list)) => list.push(id.clone()),
                None => by_provider.push((index, vec![id.clone()])),
            }
        }
        let mut answers: HashMap<(ProviderId, String), DeliveryReport> = HashMap::new();
        for (index, list) in by_provider {
            let client = &self.clients[index];
            for report in client.status(&list)? {
                answers.insert((client.provider(), report.message_id.clone()), report);
            }
        }
        Ok(ids.iter().filter_map(|key| answers.remove(key)).collect())
    }
}

impl Attempt {
    /// `provider` asked to take `recipients`, before anything came of it.
    fn new(provider: ProviderId, recipients: Vec<String>) -> Self {
        Attempt {
            provider,
            recipients,
            skipped: None,
            error: None,
            rejected: Vec::new(),
            uncertain: Vec::new(),
            moved_on: Vec::new(),
            requests: 0,
            batch_id: None,
        }
    }
}

/// A client's send as a report in which every recipient handed over has its bucket: a failed
/// send accepted nothing and left nothing uncertain, so every recipient was rejected, each with
/// its own cause when the error lists it, else with the error's. The error itself is kept on
/// the attempt.
fn every_recipient_placed(sent: Result<SendReport>, attempt: &mut Attempt) -> SendReport {
    let error = match sent {
        Ok(sent) => return sent,
        Err(error) => error,
    };
    let mut rejected = error.rejected.clone();
    for phone in &attempt.recipients {
        if !rejected.iter().any(|r| &r.phone == phone) {
            rejected.push(Rejected::new(
                phone.clone(),
                error.code().into(),
                error.message.clone(),
            ));
        }
    }
    let requests = error.requests;
    attempt.error = Some(error.with_rejected(Vec::new()).with_requests(0));
    SendReport {
        rejected,
        requests,
        ..SendReport::new(attempt.provider)
    }
}

/// A routed send in progress: the report so far, and the last reason each recipient that moved
/// on was given, for when no later provider takes it.
struct Routing {
    report: RoutedReport,
    last_reasons: HashMap<String, Rejected>,
}

impl Routing {
    /// Starts with the recipients refused before any provider (`provider` none).
    fn new(invalid: Vec<Rejected>) -> Self {
        Routing {
            report: RoutedReport {
                accepted: Vec::new(),
                rejected: invalid
                    .into_iter()
                    .map(|r| RoutedRejected {
                        rejected: r,
                        provider: None,
                    })
                    .collect(),
                uncertain: Vec::new(),
                attempts: Vec::new(),
                requests: 0,
            },
            last_reasons: HashMap::new(),
        }
    }

    /// Puts each recipient of one provider's report in its bucket, decided per recipient, and
    /// the ones that move on in `attempt.moved_on`. Returns whether the provider failed for
    /// account reasons (and so cools down).
    fn place(&mut self, sent: SendReport, attempt: &mut Attempt) -> bool {
        let provider = attempt.provider;
        attempt.requests = sent.requests;
        attempt.batch_id = sent.batch_id.clone();
        self.report.requests = self.report.requests.saturating_add(sent.requests);
        let mut cool = attempt
            .error
            .as_ref()
            .is_some_and(|e| account_failure(e.code()));
        self.report
            .accepted
            .extend(sent.accepted.into_iter().map(|a| RoutedAccepted {
                accepted: a,
                provider,
            }));
        attempt.uncertain = sent.uncertain.clone();
        self.report
            .uncertain
            .extend(sent.uncertain.into_iter().map(|u| RoutedUncertain {
                uncertain: u,
                provider,
            }));
        for rejected in sent.rejected {
            attempt.rejected.push(rejected.clone());
            cool |= match rejected.reason {
                RejectReason::InsufficientFunds => true,
                RejectReason::Request(c) => account_failure(c),
                _ => false,
            };
            let handed_over = attempt.recipients.contains(&rejected.phone);
            // A number this provider also accepted or may have sent never moves on.
            let placed = self
                .report
                .accepted
                .iter()
                .any(|a| a.provider == provider && a.accepted.phone == rejected.phone)
                || attempt.uncertain.iter().any(|u| u.phone == rejected.phone);
            if moves_on(rejected.reason)
                && handed_over
                && !placed
                && !attempt.moved_on.contains(&rejected.phone)
            {
                attempt.moved_on.push(rejected.phone.clone());
                self.last_reasons.insert(rejected.phone.clone(), rejected);
            } else {
                self.report.rejected.push(RoutedRejected {
                    rejected,
                    provider: Some(provider),
                });
            }
        }
        cool
    }

    /// The report, once recipients no provider could take are rejected with the last reason
    /// they were given; an error when no provider took or answered anything.
    fn finish(mut self, remaining: Vec<String>) -> Result<RoutedReport> {
        for phone in remaining {
            let rejected = self.last_reasons.remove(&phone).unwrap_or_else(|| {
                Rejected::new(
                    phone,
                    RejectReason::Request(ErrorCode::Unsupported),
                    "every provider was cooling down",
                )
            });
            let provider = self
                .report
                .attempts
                .iter()
                .rev()
                .find(|a| a.skipped.is_none())
                .map(|a| a.provider);
            self.report
                .rejected
                .push(RoutedRejected { rejected, provider });
        }
        let report = self.report;
        let answered = report
            .attempts
            .iter()
            .any(|a| a.skipped.is_none() && a.error.is_none());
        if report.accepted.is_empty() && report.uncertain.is_empty() && !answered {
            return Err(total_failure(report));
        }
        Ok(report)
    }
}

/// A normalised number (E.164 digits) as handed to a client: with `+`, so that the client's own
/// `default_country` can never read it as a national number.
fn international(number: &str) -> String {
    format!("+{number}")
}

/// The chain's `default_country`: the one its clients set. Clients that set none take part
/// (they receive international numbers); two different ones are refused, since a national
/// number would then depend on which provider takes it.
fn chain_default_country(clients: &[Arc<Client>]) -> Result<Option<String>> {
    let mut chosen: Option<&str> = None;
    for client in clients {
        let Some(country) = client.config().default_country.as_deref() else {
            continue;
        };
        match chosen {
            Some(c) if !c.eq_ignore_ascii_case(country) => {
                return Err(Error::invalid_config(format!(
                    "the router's clients set different default_country values ({c} and \
                     {country}): a national number would mean a different number at each \
                     provider; set the same one on every client, or none"
                ))
                .with_field("default_country"))
            }
            Some(_) => {}
            None => chosen = Some(country),
        }
    }
    Ok(chosen.map(str::to_ascii_uppercase))
}

/// The error of a send no provider took, carrying every attempt.
fn total_failure(report: RoutedReport) -> Error {
    let causes: Vec<String> = report
        .attempts
        .iter()
        .map(|a| match (&a.skipped, &a.error) {
            (Some(why), _) => format!("{}: skipped, {why}", a.provider),
            (None, Some(e)) => format!("{}: {}", a.provider, e),
            (None, None) => format!("{}: rejected every recipient", a.provider),
        })
        .collect();
    let code = report
        .attempts
        .iter()
        .rev()
        .find_map(|a| a.error.as_ref().map(Error::code))
        .unwrap_or(ErrorCode::Unsupported);
    let mut error = Error::new(
        code,
        format!("no provider sent the message: {}", causes.join("; ")),
    )
    .with_rejected(report.rejected.into_iter().map(|r| r.rejected).collect());
    error.details_mut().attempts = report.attempts;
    error
}
