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

#![warn(missing_docs)]
// With `internals`, items behind the public API become reachable too; the public API's docs are
// checked without it (`cargo clippy -p vibergate-core --features sandbox,schema` in
// scripts/test.sh).
#![cfg_attr(feature = "internals", allow(missing_docs))]

pub mod api;
#[cfg(feature = "sandbox")]
pub mod sandbox;
#[cfg(feature = "schema")]
pub mod schema;
pub mod suggest;

mod client;
mod config;
mod dsn;
mod error;
mod fanout;
#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
mod json;
mod message;
mod phone;
mod providers;
mod ratelimit;
mod reach;
mod redact;
mod report;
mod resolver;
mod retry;
mod router;
mod shared_state;
mod signing;
mod sms;
mod status;
mod time;
mod transport;
mod webhook;
mod wire;

pub use client::{dsn_from_env, Client, InboundQuery, DSN_ENV};
pub use config::{
    Config, ConfigSyntax, ProviderId, Secret, MAX_DEADLINE_MS, MAX_IN_FLIGHT_LIMIT, MAX_RATE_LIMIT,
    MAX_RETRIES, MAX_TIMEOUT_MS, MAX_USER_AGENT_LEN, MIN_RATE_LIMIT,
};
pub use dsn::{is_chain as is_dsn_chain, split_chain as split_dsn_chain};
pub use error::{Error, ErrorCode, ErrorDetails, Result, PANICKED};
pub use message::{
    Button, Category, Message, PersonalizedItem, PersonalizedMessage, Schedule, SmsFallback,
    MAX_BUTTON_TEXT_CHARS, MAX_TEXT_CHARS,
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
    DEFAULT_COOLDOWN,
};
pub use shared_state::{SharedStateFallback, MAX_WORKERS};
pub use signing::sign_callback_url;
pub use sms::{sms_info, SmsEncoding, SmsInfo};
pub use status::{DeliveryReport, DeliveryState};
pub use transport::{LogHook, LogRecord, Notice, Wait, WaitReason};
pub use webhook::{parse_webhook, EventKind, WebhookEvent, WebhookRequest};

/// The crate's internals, for its own integration tests, benchmarks and fuzz targets (cargo
/// feature `internals`): not part of the API, no promise of stability.
#[cfg(feature = "internals")]
#[doc(hidden)]
pub mod internals {
    pub mod config {
        pub use crate::config::*;
    }
    pub mod dsn {
        pub use crate::dsn::*;
    }
    pub mod json {
        pub use crate::json::*;
    }
    pub mod message {
        pub use crate::message::*;
    }
    pub mod phone {
        pub use crate::phone::*;
    }
    pub mod reach {
        pub use crate::reach::*;
    }
    pub mod retry {
        pub use crate::retry::*;
    }
    pub mod shared_state {
        pub use crate::shared_state::*;
    }
    pub mod signing {
        pub use crate::signing::*;
    }
    pub mod transport {
        pub use crate::transport::*;
    }
    pub mod providers {
        pub use crate::providers::*;
    }
}

/// The crate version, also sent in the user agent.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
