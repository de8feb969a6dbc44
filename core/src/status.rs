//! Delivery states. Each provider module maps its raw values onto [`DeliveryState`].

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a message is on its way to the recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeliveryState {
    /// Accepted, waiting to be sent (JSON `pending`).
    Pending,
    /// Sent to the recipient's device, not yet confirmed delivered.
    Sent,
    /// Delivered; final, though it may still become `Read`.
    Delivered,
    /// Seen by the recipient; final.
    Read,
    /// Not delivered within its lifetime; final.
    Expired,
    /// Cannot be delivered (no Viber, unreachable); final.
    Undeliverable,
    /// Refused by the provider or the operator; final.
    Rejected,
    /// Failed or deleted; final.
    Failed,
    /// A raw value vibergate does not know (kept in `provider_status`), or no status at all;
    /// not final.
    Unknown,
}

impl DeliveryState {
    /// Every state, in the order of SPEC §5.
    pub const ALL: [DeliveryState; 9] = [
        DeliveryState::Pending,
        DeliveryState::Sent,
        DeliveryState::Delivered,
        DeliveryState::Read,
        DeliveryState::Expired,
        DeliveryState::Undeliverable,
        DeliveryState::Rejected,
        DeliveryState::Failed,
        DeliveryState::Unknown,
    ];

    /// The name used in JSON and every binding.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryState::Pending => "pending",
            DeliveryState::Sent => "sent",
            DeliveryState::Delivered => "delivered",
            DeliveryState::Read => "read",
            DeliveryState::Expired => "expired",
            DeliveryState::Undeliverable => "undeliverable",
            DeliveryState::Rejected => "rejected",
            DeliveryState::Failed => "failed",
            DeliveryState::Unknown => "unknown",
        }
    }

    /// True when the state will not change any more (`read` aside, which can follow `delivered`).
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            DeliveryState::Pending | DeliveryState::Sent | DeliveryState::Unknown
        )
    }
}

impl fmt::Display for DeliveryState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The delivery status of one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeliveryReport {
    /// The id asked about.
    pub message_id: String,
    /// The recipient, when the provider says (SMS.by); `None` otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Where the message is.
    pub state: DeliveryState,
    /// The recipient has read the message.
    pub read: bool,
    /// State of the SMS fallback, when one was sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_state: Option<DeliveryState>,
    /// The provider's raw status value.
    pub provider_status: String,
    /// More, in words: an id the answer did not mention, a provider's error code, a status time
    /// that could not be read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// When the state last changed, in RFC 3339 (SMS.by, Intel-Tele; SMS.by's time is kept as
    /// written when it cannot be read); `None` when the provider does not say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

impl DeliveryReport {
    /// The report for an id the provider's status answer did not mention.
    pub(crate) fn not_mentioned(
        message_id: impl Into<String>,
        provider: crate::config::ProviderId,
    ) -> Self {
        let mut report = DeliveryReport::new(message_id, DeliveryState::Unknown, "");
        report.detail = Some(format!(
            "{}'s answer does not mention this id",
            provider.display_name()
        ));
        report
    }

    pub(crate) fn new(
        message_id: impl Into<String>,
        state: DeliveryState,
        provider_status: impl Into<String>,
    ) -> Self {
        DeliveryReport {
            message_id: message_id.into(),
            phone: None,
            state,
            read: state == DeliveryState::Read,
            sms_state: None,
            provider_status: provider_status.into(),
            detail: None,
            updated_at: None,
        }
    }
}
