//! # vibergate-core
//!
//! One client for Viber business messages (with SMS fallback) through SMS Club, SMS.by,
//! DecisionTelecom and Intel-Tele.
//!
//! ```no_run
//! use vibergate_core::{Client, Message};
//! let client = Client::from_dsn("smsclub://TOKEN@default")?;
//! let report = client.send(&Message::to(["+380 98 936 11 21"]).sender("Shop").text("Hi"))?;
//! let states = client.status(&["5769", "5770"])?;
//! # Ok::<(), vibergate_core::Error>(())
//! ```
//!
//! Every rule (limits, mappings, retry decisions) lives here once; the C, Python and Node
//! bindings wrap this crate.

pub mod api;
pub mod client;
pub mod config;
pub mod dsn;
pub mod error;
mod fanout;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
pub mod json;
pub mod message;
pub mod phone;
pub mod providers;
pub mod ratelimit;
pub mod reach;
mod redact;
pub mod report;
mod resolver;
pub mod retry;
pub mod router;
#[cfg(feature = "sandbox")]
pub mod sandbox;
#[cfg(feature = "schema")]
pub mod schema;
pub mod signing;
pub mod sms;
pub mod status;
pub mod suggest;
mod time;
pub mod transport;
pub mod webhook;
mod wire;

pub use client::{Client, InboundQuery, DSN_ENV};
pub use config::{Config, ProviderId, Secret};
pub use error::{Error, ErrorCode, ErrorDetails, Result};
pub use message::{
    Button, Category, Message, PersonalizedItem, PersonalizedMessage, Schedule, SmsFallback,
};
pub use providers::smsby::ListMessage;
pub use providers::{capabilities, Capabilities};
pub use reach::{Reach, Said, Stage};
pub use report::{
    Accepted, Balance, BatchStatus, Chat, ChatMessage, ChatThread, Direction, InboundMessage,
    ListSend, Mailing, MailingStatus, Rate, RejectReason, Rejected, SendReport, Uncertain,
};
pub use router::{
    Attempt, RoutedAccepted, RoutedId, RoutedRejected, RoutedReport, RoutedUncertain, Router,
};
pub use sms::{sms_info, SmsEncoding, SmsInfo};
pub use status::{DeliveryReport, DeliveryState};
pub use transport::{LogHook, LogRecord, Wait, WaitReason};
pub use webhook::{parse_webhook, EventKind, WebhookEvent, WebhookRequest};

/// The crate version, also sent in the user agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
