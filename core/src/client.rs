//! The client: one provider, one configuration, one transport; every operation of the bindings.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::{Config, ProviderId};
use crate::error::{Error, ErrorCode, Result};
use crate::message::{self, Message, PersonalizedMessage};
use crate::providers::{self, decisiontelecom, inteltele, smsby, smsclub, Capabilities, Ctx};
use crate::report::{
    Balance, BatchStatus, Chat, ChatThread, InboundMessage, ListSend, Mailing, Rate, RejectReason,
    Rejected, SendReport,
};
use crate::status::DeliveryReport;
use crate::transport::{LogRecord, Transport};

/// The environment variable `Client::from_env` reads.
pub const DSN_ENV: &str = "VIBERGATE_DSN";

/// The DSN in `VIBERGATE_DSN`, the one meaning every binding's `from_env` has: unset, empty or
/// white space only are all "not set" (`invalid_config` on `VIBERGATE_DSN`), as is text that is
/// not UTF-8.
pub fn dsn_from_env() -> Result<String> {
    match std::env::var(DSN_ENV) {
        Ok(dsn) if !dsn.trim().is_empty() => Ok(dsn),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(Error::invalid_config(format!(
            "{DSN_ENV} is not set: set it to a DSN such as smsclub://TOKEN@default"
        ))
        .with_field(DSN_ENV)),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Error::invalid_config(format!("{DSN_ENV} is not UTF-8")).with_field(DSN_ENV))
        }
    }
}

/// What `inbound` reads: SMS Club reads one page of a chat, SMS.by the new replies to a mailing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct InboundQuery {
    /// SMS Club chat.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chat_id: Option<String>,
    /// SMS.by mailing (the `message_id` of a mailing or a quick message).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mailing_id: Option<String>,
    /// Page of the chat, from 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page: Option<u32>,
}

/// A client of one provider. `Send + Sync` and meant to be shared (e.g. in an `Arc`): its
/// connection pool and rate limiter serve every thread.
pub struct Client {
    config: Config,
    transport: Transport,
    capabilities: Capabilities,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Client({})", self.to_dsn())
    }
}

impl Client {
    /// A client for a validated configuration.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        let transport = Transport::new(&config)?;
        let capabilities = providers::capabilities(config.provider);
        Ok(Client {
            config,
            transport,
            capabilities,
        })
    }

    /// A client from a DSN such as `smsclub://TOKEN@default?sender=Shop`.
    pub fn from_dsn(dsn: &str) -> Result<Self> {
        Client::new(Config::from_dsn(dsn)?)
    }

    /// A client from the DSN in `VIBERGATE_DSN` ([`dsn_from_env`]).
    pub fn from_env() -> Result<Self> {
        Client::from_dsn(&dsn_from_env()?)
    }

    /// Calls `hook` for every HTTP attempt (method, redacted URL, status, latency).
    pub fn with_log_hook(mut self, hook: impl Fn(&LogRecord) + Send + Sync + 'static) -> Self {
        self.transport.set_log_hook(Some(Arc::new(hook)));
        self
    }

    /// The configuration the client was built with (its `Debug` form hides the secrets).
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The provider this client sends through.
    pub fn provider(&self) -> ProviderId {
        self.config.provider
    }

    /// The configuration as a DSN with every secret replaced by `***`.
    pub fn to_dsn(&self) -> String {
        crate::dsn::format_redacted(&self.config)
    }

    /// The client's transport (the Router reaches the account's shared cool-down through it).
    pub(crate) fn transport(&self) -> &Transport {
        &self.transport
    }

    /// What this provider can do.
    pub fn capabilities(&self) -> Capabilities {
        self.capabilities.clone()
    }

    /// The context of one call, with its deadline (`deadline_ms` from now, or the caller's
    /// if that is sooner).
    fn ctx(&self) -> Ctx<'_> {
        self.ctx_until(None)
    }

    fn ctx_until(&self, deadline: Option<Instant>) -> Ctx<'_> {
        let own = self
            .config
            .deadline_ms
            .and_then(|ms| Instant::now().checked_add(Duration::from_millis(ms)));
        let deadline = match (own, deadline) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ctx {
            config: &self.config,
            transport: &self.transport,
            deadline,
        }
    }

    /// The error of an operation this provider does not have. Each operation names the
    /// providers without it rather than using a catch-all arm, so a new provider cannot reach an
    /// operation through another provider's code: every dispatch must say what it does.
    fn unsupported<T>(&self, operation: &str) -> Result<T> {
        Err(Error::unsupported(
            self.provider(),
            "operation",
            &format!("the {operation} operation"),
        ))
    }

    /// Validates and sends a message. Returns the report whenever anything was accepted or is
    /// uncertain, or the provider answered per recipient; fails only when a request-level error
    /// left nothing accepted or uncertain (the error then lists the rejected recipients).
    pub fn send(&self, message: &Message) -> Result<SendReport> {
        self.send_until(message, None)
    }

    /// [`Client::send`] that also ends by `deadline` (the Router's, for the whole chain).
    pub(crate) fn send_until(
        &self,
        message: &Message,
        deadline: Option<Instant>,
    ) -> Result<SendReport> {
        let prepared = message::prepare(message, &self.config, &self.capabilities)?;
        let ctx = self.ctx_until(deadline);
        match self.provider() {
            ProviderId::SmsClub => smsclub::send(&ctx, prepared),
            ProviderId::SmsBy => smsby::send(&ctx, prepared),
            ProviderId::DecisionTelecom => decisiontelecom::send(&ctx, prepared),
            ProviderId::IntelTele => inteltele::send(&ctx, prepared),
        }
    }

    /// Sends each item its own text (and button link). SMS.by sends one `personal` mailing;
    /// the other providers one request per item, `max_in_flight` at a time.
    pub fn send_personalized(&self, message: &PersonalizedMessage) -> Result<SendReport> {
        self.send_personalized_until(message, None)
    }

    /// [`Client::send_personalized`] that also ends by `deadline`.
    pub(crate) fn send_personalized_until(
        &self,
        message: &PersonalizedMessage,
        deadline: Option<Instant>,
    ) -> Result<SendReport> {
        if message.items.is_empty() {
            return Err(Error::invalid_message(
                "items",
                "send_personalized needs at least one item",
            )
            .with_provider(self.provider()));
        }
        // Validate every item before anything is sent: number problems become rejections,
        // any other problem fails the call with the item's index in `field`.
        let mut rejected = Vec::new();
        let mut valid = Vec::with_capacity(message.items.len());
        let mut seen = std::collections::HashSet::new();
        for (i, item) in message.items.iter().enumerate() {
            match message::prepare(&message.message_for(item), &self.config, &self.capabilities) {
                Ok(mut p) => {
                    rejected.append(&mut p.rejected);
                    let phone = p.recipients.first().cloned().unwrap_or_default();
                    if seen.insert(phone.clone()) {
                        valid.push((i, p));
                    } else {
                        rejected.push(Rejected::new(
                            phone,
                            RejectReason::Duplicate,
                            "the number appears in an earlier item",
                        ));
                    }
                }
                Err(e) if e.code() == ErrorCode::NoValidRecipients => {
                    rejected.extend(e.rejected.iter().cloned())
                }
                Err(mut e) => {
                    let field = e
                        .field
                        .clone()
                        .map(|f| format!("items[{i}].{f}"))
                        .unwrap_or_else(|| format!("items[{i}]"));
                    e.details_mut().field = Some(field);
                    return Err(e);
                }
            }
        }
        if valid.is_empty() {
            return Err(
                message::no_valid_recipients("items", rejected).with_provider(self.provider())
            );
        }
        let ctx = self.ctx_until(deadline);
        // SMS.by sends the items as one mailing; the others one request per item.
        let items = || valid.iter().map(|(_, p)| p);
        match self.provider() {
            ProviderId::SmsBy => smsby::send_personalized(&ctx, message, rejected, valid),
            ProviderId::SmsClub => ctx.send_each(
                rejected,
                items(),
                |c, p| Ok(smsclub::build_send(c, p)),
                &smsclub::parse_send,
            ),
            ProviderId::DecisionTelecom => ctx.send_each(
                rejected,
                items(),
                decisiontelecom::build_send,
                &decisiontelecom::parse_send,
            ),
            ProviderId::IntelTele => ctx.send_each(
                rejected,
                items(),
                |c, p| Ok(inteltele::build_send(c, p)),
                &inteltele::parse_send,
            ),
        }
    }

    /// Delivery states of message ids, in the order asked.
    pub fn status<S: AsRef<str>>(&self, ids: &[S]) -> Result<Vec<DeliveryReport>> {
        let ctx = self.ctx();
        match self.provider() {
            ProviderId::SmsClub => smsclub::status(&ctx, ids),
            ProviderId::SmsBy => smsby::status(&ctx, ids),
            ProviderId::DecisionTelecom => decisiontelecom::status(&ctx, ids),
            ProviderId::IntelTele => inteltele::status(&ctx, ids),
        }
    }

    /// Statuses of an SMS.by mailing batch (the `batch_id` of a send report).
    pub fn status_batch(&self, batch_id: &str) -> Result<BatchStatus> {
        match self.provider() {
            ProviderId::SmsBy => smsby::status_batch(&self.ctx(), batch_id),
            ProviderId::SmsClub | ProviderId::DecisionTelecom | ProviderId::IntelTele => {
                self.unsupported("status_batch")
            }
        }
    }

    /// Intel-Tele balance and credit.
    pub fn balance(&self) -> Result<Balance> {
        match self.provider() {
            ProviderId::IntelTele => inteltele::balance(&self.ctx()),
            ProviderId::SmsClub | ProviderId::SmsBy | ProviderId::DecisionTelecom => {
                self.unsupported("balance")
            }
        }
    }

    /// Intel-Tele price list.
    pub fn rates(&self) -> Result<Vec<Rate>> {
        match self.provider() {
            ProviderId::IntelTele => inteltele::rates(&self.ctx()),
            ProviderId::SmsClub | ProviderId::SmsBy | ProviderId::DecisionTelecom => {
                self.unsupported("rates")
            }
        }
    }

    /// One page (30 per page, from 1) of SMS Club 2-way chats.
    pub fn chats(&self, page: u32) -> Result<Vec<Chat>> {
        match self.provider() {
            ProviderId::SmsClub => smsclub::chats(&self.ctx(), page.max(1)),
            ProviderId::SmsBy | ProviderId::DecisionTelecom | ProviderId::IntelTele => {
                self.unsupported("chats")
            }
        }
    }

    /// One page (30 messages, from 1) of an SMS Club chat.
    pub fn chat(&self, chat_id: &str, page: u32) -> Result<ChatThread> {
        match self.provider() {
            ProviderId::SmsClub => smsclub::chat(&self.ctx(), chat_id, page.max(1)),
            ProviderId::SmsBy | ProviderId::DecisionTelecom | ProviderId::IntelTele => {
                self.unsupported("chat")
            }
        }
    }

    /// Replies from recipients: SMS Club chat messages, SMS.by new incoming messages.
    pub fn inbound(&self, query: &InboundQuery) -> Result<Vec<InboundMessage>> {
        let ctx = self.ctx();
        match self.provider() {
            ProviderId::SmsClub => smsclub::inbound(
                &ctx,
                query.chat_id.as_deref(),
                query.page.unwrap_or(1).max(1),
            ),
            ProviderId::SmsBy => smsby::inbound(&ctx, query.mailing_id.as_deref()),
            ProviderId::DecisionTelecom | ProviderId::IntelTele => self.unsupported("inbound"),
        }
    }

    fn smsby(&self, operation: &str) -> Result<Ctx<'_>> {
        match self.provider() {
            ProviderId::SmsBy => Ok(self.ctx()),
            ProviderId::SmsClub | ProviderId::DecisionTelecom | ProviderId::IntelTele => {
                self.unsupported(operation)
            }
        }
    }

    /// SMS.by: creates a mailing to a stored subscriber list; it waits for `confirm_mailing`.
    pub fn send_to_list(&self, message: &smsby::ListMessage) -> Result<ListSend> {
        let ctx = self.smsby("send_to_list")?;
        ctx.read(
            &smsby::build_send_to_list(&self.config, message)?,
            smsby::parse_send_to_list,
        )
    }

    /// SMS.by: confirms a mailing (the money is debited).
    pub fn confirm_mailing(&self, mailing_id: &str) -> Result<()> {
        let ctx = self.smsby("confirm_mailing")?;
        ctx.read(
            &smsby::build_confirm(&self.config, mailing_id)?,
            smsby::parse_ok,
        )
    }

    /// SMS.by: the account's mailings, `limit` from `offset`.
    pub fn mailings(&self, offset: u32, limit: u32) -> Result<Vec<Mailing>> {
        let ctx = self.smsby("mailings")?;
        ctx.read(
            &smsby::build_mailings(&self.config, offset, limit),
            smsby::parse_mailings,
        )
    }

    /// SMS.by: one mailing.
    pub fn mailing(&self, mailing_id: &str) -> Result<Mailing> {
        let ctx = self.smsby("mailing")?;
        ctx.read(
            &smsby::build_mailing(&self.config, mailing_id)?,
            smsby::parse_mailing,
        )
    }

    /// SMS.by: the phones of a mailing and their states.
    pub fn delivery_list(&self, mailing_id: &str) -> Result<Vec<DeliveryReport>> {
        let ctx = self.smsby("delivery_list")?;
        let offset = smsby::utc_offset(&self.config);
        ctx.read(
            &smsby::build_delivery_list(&self.config, mailing_id)?,
            |r| smsby::parse_delivery_list(r, offset),
        )
    }

    /// SMS.by: marks incoming messages read; returns the count SMS.by reports, when it does.
    pub fn mark_inbound_read<S: AsRef<str>>(&self, ids: &[S]) -> Result<Option<u64>> {
        let ctx = self.smsby("mark_inbound_read")?;
        ctx.read(
            &smsby::build_mark_read(&self.config, ids)?,
            smsby::parse_mark_read,
        )
    }
}
