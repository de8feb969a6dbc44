//! The four provider protocols. Each module has a pure half (build an [`HttpRequest`] from the
//! unified model, parse an [`HttpResponse`] into it; tested with golden vectors) and a thin half
//! that runs them through the client's [`Transport`].

pub mod decisiontelecom;
pub mod inteltele;
pub mod smsby;
pub mod smsclub;

use serde::Serialize;
use serde_json::Value;

use std::time::Instant;

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::fanout;
use crate::message::{Draft, Prepared, SmsFallback};
use crate::reach::{Reach, Said, Stage};
use crate::report::{RejectReason, Rejected, SendReport, Uncertain};
use crate::transport::{HttpRequest, HttpResponse, Transport};

/// What a provider can do; the validation and `capabilities()` read it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Capabilities {
    /// The provider these capabilities describe.
    pub provider: ProviderId,
    /// An image may go without text (SMS.by).
    pub image_without_text: bool,
    /// An image with text goes only together with a button.
    pub image_needs_button: bool,
    /// A message may have an `sms_fallback`.
    pub sms_fallback: bool,
    /// A message may have a `schedule`.
    pub schedule: bool,
    /// A schedule may have an `end` (SMS Club). Not serialised.
    #[serde(skip)]
    pub schedule_end: bool,
    /// A schedule needs an `end` (SMS Club). Not serialised.
    #[serde(skip)]
    pub schedule_end_required: bool,
    /// A message may open a 2-way chat (`two_way`).
    pub two_way: bool,
    /// A message may reply into an existing chat (`chat_id`).
    pub chat_id: bool,
    /// A message may carry its own `callback_url` for delivery reports.
    pub callback_url: bool,
    /// A message may carry a mailing `label`.
    pub label: bool,
    /// Recipients per request; 1 means one request per recipient; `None` means all in one
    /// request (SMS.by).
    pub max_recipients_per_request: Option<usize>,
    /// (minimum for one recipient, minimum for several, maximum), when a TTL can be set.
    pub ttl_seconds: Option<(u32, u32, u32)>,
    /// The only TTL a message with an SMS fallback may have, when the provider fixes one
    /// (DecisionTelecom: 40 s).
    #[serde(skip)]
    pub sms_fallback_ttl_seconds: Option<u32>,
    /// A message needs a Viber sender (its own or the client's `sender`). Not serialised.
    #[serde(skip)]
    pub sender_required: bool,
    /// The sender is a numeric id, not a name (SMS.by). Not serialised.
    #[serde(skip)]
    pub numeric_sender_id: bool,
    /// The longest sender, in characters; `None` when the provider sets no limit. Not
    /// serialised.
    #[serde(skip)]
    pub max_sender_chars: Option<usize>,
    /// An SMS fallback needs an SMS sender (`sms_fallback.sender` or the client's
    /// `sms_sender`). Not serialised.
    #[serde(skip)]
    pub sms_sender_required: bool,
    /// The longest `button.url`, in characters; `None` when the provider sets no limit. Not
    /// serialised.
    #[serde(skip)]
    pub max_button_url_chars: Option<usize>,
    /// The operations this provider has (`send`, `status`, … as the bindings name them).
    pub operations: Vec<&'static str>,
}

/// The capabilities of `provider`.
pub fn capabilities(provider: ProviderId) -> Capabilities {
    match provider {
        ProviderId::SmsClub => smsclub::capabilities(),
        ProviderId::SmsBy => smsby::capabilities(),
        ProviderId::DecisionTelecom => decisiontelecom::capabilities(),
        ProviderId::IntelTele => inteltele::capabilities(),
    }
}

/// The rules one provider's document adds to the shared checklist of `message::prepare`, run
/// once the content and the sender are known; each lives in that provider's module.
pub(crate) fn check_message(draft: &Draft<'_>) -> Result<()> {
    let content = draft.content;
    let has_image = content.image_url.is_some();
    let has_button = content.button.is_some();
    match draft.provider {
        ProviderId::DecisionTelecom => {
            decisiontelecom::check_message(draft.message, has_image || has_button)
        }
        ProviderId::SmsClub => smsclub::check_message(has_image, has_button),
        ProviderId::IntelTele => inteltele::check_message(content.image_url.as_deref()),
        ProviderId::SmsBy => Ok(()),
    }
}

/// The rules one provider adds for an SMS fallback, given the SMS sender it would go out from
/// (the fallback's, else the client's `sms_sender`).
pub(crate) fn check_sms_fallback(
    draft: &Draft<'_>,
    fallback: &SmsFallback,
    sms_sender: Option<&str>,
) -> Result<()> {
    match draft.provider {
        ProviderId::DecisionTelecom => decisiontelecom::check_sms_fallback(draft, fallback),
        ProviderId::SmsBy => smsby::check_sms_fallback(draft, fallback, sms_sender),
        ProviderId::IntelTele => inteltele::check_sms_sender(sms_sender),
        ProviderId::SmsClub => Ok(()),
    }
}

/// What a provider module needs to run requests.
pub(crate) struct Ctx<'a> {
    pub config: &'a Config,
    pub transport: &'a Transport,
    /// When the whole call must be over (`deadline_ms`).
    pub deadline: Option<Instant>,
}

/// One send request and the recipients it carries.
pub(crate) struct Batch {
    pub phones: Vec<String>,
    pub request: HttpRequest,
}

impl Batch {
    /// The numbers to report the batch's outcome under. A request without recipients of its
    /// own (an SMS Club chat reply) is still reported, under an unknown number (`""`), never
    /// as a plain error that would invite a resend.
    fn reported_phones(self) -> Vec<String> {
        if self.phones.is_empty() {
            vec![String::new()]
        } else {
            self.phones
        }
    }
}

/// Parses a send answer into a partial report for `phones`, or the request-level error.
pub(crate) type ParseSend<'p> = dyn Fn(&HttpResponse, &[String]) -> Result<SendReport> + Sync + 'p;

impl Ctx<'_> {
    pub fn provider(&self) -> ProviderId {
        self.config.provider
    }

    /// Runs a read, mapping the answer with `parse`.
    pub fn read<T>(
        &self,
        request: &HttpRequest,
        parse: impl Fn(&HttpResponse) -> Result<T>,
    ) -> Result<T> {
        let exchange = self.transport.execute(request, self.deadline);
        match exchange.result {
            Ok(response) => parse(&response),
            Err(failure) => Err(failure.error),
        }
    }

    /// Runs `read` over `items`, `max_in_flight` at a time, keeping order; the first error wins
    /// (a panic in one read is an `internal` error).
    pub fn read_all<I: Send, T: Send>(
        &self,
        items: Vec<I>,
        read: impl Fn(I) -> Result<T> + Sync,
    ) -> Result<Vec<T>> {
        fanout::map_ordered(items, self.config.max_in_flight, read)
            .into_iter()
            .map(|r| r.map_err(fanout::Panicked::into_error)?)
            .collect()
    }

    /// Reads `ids` in chunks of `chunk`, `max_in_flight` requests at a time, keeping order;
    /// the first error wins.
    pub fn read_chunked<T: Send>(
        &self,
        ids: &[String],
        chunk: usize,
        build: impl Fn(&Config, &[String]) -> HttpRequest,
        parse: impl Fn(&HttpResponse, &[String]) -> Result<Vec<T>> + Sync,
    ) -> Result<Vec<T>> {
        let work: Vec<(HttpRequest, &[String])> = ids
            .chunks(chunk)
            .map(|c| (build(self.config, c), c))
            .collect();
        let parts = self.read_all(work, |(request, c)| self.read(&request, |r| parse(r, c)))?;
        Ok(parts.into_iter().flatten().collect())
    }

    /// Sends each prepared message with its own requests (`build`), all of them built before
    /// any is sent, as one fan-out folded into one [`SendReport`].
    pub fn send_each<'m>(
        &self,
        pre_rejected: Vec<Rejected>,
        messages: impl Iterator<Item = &'m Prepared>,
        build: impl Fn(&Config, &Prepared) -> Result<Vec<Batch>>,
        parse: &ParseSend<'_>,
    ) -> Result<SendReport> {
        let mut batches = Vec::new();
        for m in messages {
            batches.extend(build(self.config, m)?);
        }
        self.send_batches(pre_rejected, batches, parse)
    }

    /// Runs send batches `max_in_flight` at a time and folds them into one [`SendReport`].
    /// Each batch's recipients land in exactly one bucket, decided by [`Reach::may_have_acted`]:
    /// a request the provider cannot have acted on rejects them with its cause; one it may have
    /// acted on (no answer, 1xx/3xx/5xx, an unreadable success, a panic) leaves them uncertain.
    /// The call fails only when a request-level error left nothing accepted or uncertain and no
    /// per-recipient answer came; the error then carries the rejections and the request count.
    pub fn send_batches(
        &self,
        pre_rejected: Vec<Rejected>,
        batches: Vec<Batch>,
        parse: &ParseSend<'_>,
    ) -> Result<SendReport> {
        let provider = self.provider();
        let outcomes = fanout::map_ordered(
            batches.iter().collect(),
            self.config.max_in_flight,
            |batch: &Batch| {
                let exchange = self.transport.execute(&batch.request, self.deadline);
                let outcome = match exchange.result {
                    Ok(response) => parse(&response, &batch.phones).map_err(|e| {
                        let reach = Reach::Answered {
                            status: response.status,
                            said: said_by(&e),
                        };
                        (e, reach)
                    }),
                    Err(failure) => Err((failure.error, failure.reach)),
                };
                (outcome, exchange.attempts)
            },
        );

        let mut report = SendReport::new(provider);
        report.rejected = pre_rejected;
        let mut first_error: Option<Error> = None;
        let mut answered = false;
        for (batch, outcome) in batches.into_iter().zip(outcomes) {
            let (outcome, attempts) = match outcome {
                Ok(done) => done,
                Err(panicked) => {
                    let error = panicked.into_error().with_provider(provider);
                    let detail = format!(
                        "{}: {}; the request may have been sent",
                        error.code(),
                        error.message
                    );
                    report
                        .uncertain
                        .extend(batch.reported_phones().into_iter().map(|phone| Uncertain {
                            phone,
                            detail: detail.clone(),
                        }));
                    first_error.get_or_insert(error);
                    continue;
                }
            };
            report.requests = report.requests.saturating_add(attempts);
            match outcome {
                Ok(part) => {
                    answered = true;
                    report.merge_batch(part, &batch.phones);
                }
                Err((error, reach)) if reach.may_have_acted() => {
                    let detail = format!("{}: {}", error.code(), error.message);
                    report
                        .uncertain
                        .extend(batch.reported_phones().into_iter().map(|phone| Uncertain {
                            phone,
                            detail: detail.clone(),
                        }));
                    first_error.get_or_insert(error);
                }
                Err((error, reach)) => {
                    let reason = match reach {
                        Reach::NotWritten(Stage::Deadline) => RejectReason::Deadline,
                        _ => error.code().into(),
                    };
                    let detail = error.message.clone();
                    report.rejected.extend(
                        batch
                            .phones
                            .into_iter()
                            .map(|p| Rejected::new(p, reason, detail.clone())),
                    );
                    first_error.get_or_insert(error);
                }
            }
        }
        match first_error {
            Some(error)
                if !answered && report.accepted.is_empty() && report.uncertain.is_empty() =>
            {
                Err(error
                    .with_rejected(report.rejected)
                    .with_requests(report.requests))
            }
            _ => Ok(report),
        }
    }
}

/// What a parser's request-level error says of the request: the provider's own error format
/// refuses it, unless it reports a failure on the provider's side; an answer that could not be
/// read says nothing.
pub(crate) fn said_by(error: &Error) -> Said {
    match error.code() {
        ErrorCode::Decode | ErrorCode::Timeout | ErrorCode::Internal => Said::Unknown,
        ErrorCode::ProviderError => Said::Failed,
        _ => Said::Refused,
    }
}

/// Parses an answer body as (relaxed) JSON. A body that is not JSON is the HTTP status's error
/// for a non-2xx answer (a 401 page, a proxy's 502), else a `decode` error that keeps the body.
pub(crate) fn parse_json(provider: ProviderId, response: &HttpResponse) -> Result<Value> {
    crate::json::parse_relaxed(&response.body).ok_or_else(|| {
        if !(200..300).contains(&response.status) {
            return status_error(provider, response);
        }
        let what = if response.body.is_empty() {
            "an empty answer"
        } else {
            "an answer that is not JSON"
        };
        Error::decode(format!(
            "{} sent {what} (HTTP {})",
            provider.display_name(),
            response.status
        ))
        .with_provider(provider)
        .with_http_status(response.status)
        .with_body(&response.body)
    })
}

/// The error for an HTTP status that the provider's own error format did not explain.
pub(crate) fn status_error(provider: ProviderId, response: &HttpResponse) -> Error {
    let status = response.status;
    let code = match status {
        401 | 403 => ErrorCode::Auth,
        402 => ErrorCode::InsufficientFunds,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::ProviderError,
        400..=499 => ErrorCode::InvalidRequest,
        _ => ErrorCode::Decode,
    };
    let message = match code {
        ErrorCode::Auth => format!(
            "{} refused the credentials (HTTP {status})",
            provider.display_name()
        ),
        ErrorCode::RateLimited => format!(
            "{} is rate limiting requests; retry later",
            provider.display_name()
        ),
        ErrorCode::ProviderError => format!(
            "{} failed on its side (HTTP {status})",
            provider.display_name()
        ),
        ErrorCode::Decode => format!(
            "{} sent an answer vibergate does not understand (HTTP {status})",
            provider.display_name()
        ),
        _ => format!(
            "{} refused the request (HTTP {status})",
            provider.display_name()
        ),
    };
    Error::new(code, message)
        .with_provider(provider)
        .with_http_status(status)
        .with_retry_after_ms(retry_after_ms(response))
        .with_body(&response.body)
}

pub(crate) fn retry_after_ms(response: &HttpResponse) -> Option<u64> {
    response
        .retry_after
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The ids as strings, refusing empty ones.
pub(crate) fn check_ids<S: AsRef<str>>(ids: &[S]) -> Result<Vec<String>> {
    if ids.is_empty() {
        return Err(Error::invalid_message(
            "ids",
            "at least one message id is needed",
        ));
    }
    ids.iter()
        .map(|id| {
            let id = id.as_ref().trim();
            if id.is_empty() {
                Err(Error::invalid_message("ids", "a message id is empty"))
            } else {
                Ok(id.to_owned())
            }
        })
        .collect()
}
