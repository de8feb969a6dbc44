//! One error type for every layer, carrying the stable codes (docs/reference.md).

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::config::ProviderId;
use crate::report::Rejected;

/// Result alias used across the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The stable error codes. Their string forms (`code.as_str()`) cross every binding unchanged;
/// new codes are only ever appended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorCode {
    /// A bad DSN or option.
    InvalidConfig,
    /// The message failed client-side validation.
    InvalidMessage,
    /// A feature or operation that the provider lacks.
    Unsupported,
    /// Nothing was left to send after normalisation, or the provider found no valid number.
    NoValidRecipients,
    /// The provider refused the credentials.
    Auth,
    /// The account may not do this (disabled mailing, IP not allowed).
    PermissionDenied,
    /// The balance does not cover the message.
    InsufficientFunds,
    /// The provider refused the sender name.
    InvalidSender,
    /// The provider refused the text.
    InvalidText,
    /// The provider refused the request for another reason.
    InvalidRequest,
    /// Too many requests; see `retry_after_ms`.
    RateLimited,
    /// The provider failed on its side (5xx or its own system error).
    ProviderError,
    /// DNS, connect or TLS failure: the request never reached the provider.
    Transport,
    /// No complete answer came in time.
    Timeout,
    /// An answer that cannot be understood.
    Decode,
    /// A bug in vibergate (a caught panic).
    Internal,
}

impl ErrorCode {
    /// Every code, in the order of their numeric values in the C ABI.
    pub const ALL: [ErrorCode; 16] = [
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidMessage,
        ErrorCode::Unsupported,
        ErrorCode::NoValidRecipients,
        ErrorCode::Auth,
        ErrorCode::PermissionDenied,
        ErrorCode::InsufficientFunds,
        ErrorCode::InvalidSender,
        ErrorCode::InvalidText,
        ErrorCode::InvalidRequest,
        ErrorCode::RateLimited,
        ErrorCode::ProviderError,
        ErrorCode::Transport,
        ErrorCode::Timeout,
        ErrorCode::Decode,
        ErrorCode::Internal,
    ];

    /// The stable snake_case name of the code.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidMessage => "invalid_message",
            ErrorCode::Unsupported => "unsupported",
            ErrorCode::NoValidRecipients => "no_valid_recipients",
            ErrorCode::Auth => "auth",
            ErrorCode::PermissionDenied => "permission_denied",
            ErrorCode::InsufficientFunds => "insufficient_funds",
            ErrorCode::InvalidSender => "invalid_sender",
            ErrorCode::InvalidText => "invalid_text",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ProviderError => "provider_error",
            ErrorCode::Transport => "transport",
            ErrorCode::Timeout => "timeout",
            ErrorCode::Decode => "decode",
            ErrorCode::Internal => "internal",
        }
    }

    /// Parses the snake_case name of a code.
    pub fn parse(name: &str) -> Option<ErrorCode> {
        ErrorCode::ALL.into_iter().find(|c| c.as_str() == name)
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything an error says. Reached through [`Error`]'s `Deref`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ErrorDetails {
    /// What kind of error this is; stable, for programs to branch on.
    pub code: ErrorCode,
    /// What happened and, where it helps, what to do about it. Never contains a credential.
    pub message: String,
    /// The provider concerned; `None` when no provider is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderId>,
    /// The HTTP status of the provider's answer; `None` when no answer was involved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<u16>,
    /// The provider's own error code or status text, raw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_code: Option<String>,
    /// The offending field: a unified field name for client-side errors, the provider's own
    /// parameter name for errors the provider reported.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// How long to wait before trying again, in milliseconds (mostly with `rate_limited`): the
    /// provider's `Retry-After`, or Intel-Tele's block after `bruteforcing detected`; `None`
    /// when nothing says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// At most 2 KiB of the provider's answer, credentials removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Recipients already rejected when this error stopped the send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rejected: Vec<Rejected>,
    /// HTTP requests made before this error stopped a send (retries included).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub requests: u32,
    /// Every provider a router tried, when a routed send failed as a whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<crate::router::Attempt>,
}

/// The error of every vibergate operation. Boxed so that `Result`s stay small.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(transparent)]
pub struct Error(Box<ErrorDetails>);

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The message of [`Error::from_panic`].
pub const PANICKED: &str = "vibergate panicked: this is a bug in vibergate, please report it (the panic message went to stderr)";

/// The most an error keeps of a provider's answer.
pub const MAX_ERROR_BODY: usize = 2048;

impl Error {
    /// A new error with a code and a message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error(Box::new(ErrorDetails {
            code,
            message: message.into(),
            provider: None,
            http_status: None,
            provider_code: None,
            field: None,
            retry_after_ms: None,
            body: None,
            rejected: Vec::new(),
            requests: 0,
            attempts: Vec::new(),
        }))
    }

    /// A bad DSN, option or JSON configuration (`invalid_config`).
    pub fn invalid_config(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidConfig, message)
    }

    /// A client-side validation error on `field`.
    pub fn invalid_message(field: &str, message: impl Into<String>) -> Self {
        Error::new(ErrorCode::InvalidMessage, message).with_field(field)
    }

    /// A feature (`field`) or operation that `provider` lacks.
    pub fn unsupported(provider: ProviderId, field: &str, what: &str) -> Self {
        Error::new(
            ErrorCode::Unsupported,
            format!("{} does not support {what}", provider.display_name()),
        )
        .with_provider(provider)
        .with_field(field)
    }

    /// An answer that cannot be understood.
    pub fn decode(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Decode, message)
    }

    /// A bug in vibergate.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(ErrorCode::Internal, message)
    }

    /// The error a binding's panic boundary returns for a caught panic. It never repeats the
    /// panic's payload, which may quote the input being parsed (a DSN with its token).
    pub fn from_panic() -> Self {
        Error::internal(PANICKED)
    }

    /// The error's code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// Sets the provider concerned.
    pub fn with_provider(mut self, provider: ProviderId) -> Self {
        self.0.provider = Some(provider);
        self
    }

    /// Sets the offending field.
    pub fn with_field(mut self, field: impl Into<String>) -> Self {
        self.0.field = Some(field.into());
        self
    }

    /// Sets the HTTP status of the provider's answer.
    pub fn with_http_status(mut self, status: u16) -> Self {
        self.0.http_status = Some(status);
        self
    }

    /// Sets the provider's own error code or status text.
    pub fn with_provider_code(mut self, code: impl Into<String>) -> Self {
        self.0.provider_code = Some(code.into());
        self
    }

    /// Sets how long to wait before trying again, in milliseconds.
    pub fn with_retry_after_ms(mut self, ms: Option<u64>) -> Self {
        self.0.retry_after_ms = ms;
        self
    }

    /// Keeps at most 2048 bytes (`MAX_ERROR_BODY`) of `body`, cut at a character boundary.
    pub fn with_body(mut self, body: &[u8]) -> Self {
        let text = String::from_utf8_lossy(body);
        let mut end = text.len().min(MAX_ERROR_BODY);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        self.0.body = Some(text[..end].to_owned());
        self
    }

    /// Sets the recipients already rejected when this error stopped the send.
    pub fn with_rejected(mut self, rejected: Vec<Rejected>) -> Self {
        self.0.rejected = rejected;
        self
    }

    /// Sets how many HTTP requests were made before this error stopped the send.
    pub fn with_requests(mut self, requests: u32) -> Self {
        self.0.requests = requests;
        self
    }

    /// The error as the JSON object that the C ABI and the CLI print.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| {
            format!(
                r#"{{"code":"{}","message":"unserialisable error"}}"#,
                self.code()
            )
        })
    }

    /// Everything the error says (also reached through `Deref`).
    pub fn details(&self) -> &ErrorDetails {
        &self.0
    }

    pub(crate) fn details_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

impl std::ops::Deref for Error {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.code)?;
        if let Some(p) = self.0.provider {
            write!(f, " ({p})")?;
        }
        write!(f, ": {}", self.0.message)?;
        if let Some(field) = &self.0.field {
            write!(f, " [field: {field}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for Error {}
