//! "Could the provider have acted on this request?" — decided here, once, from what was written
//! and what came back. The transport's retries, the send report's buckets and the Router's
//! failover all ask [`Reach::may_have_acted`]; nothing else guesses.

use std::fmt;

/// Where an attempt stopped before its request was completely on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// Looking the host name up.
    Lookup,
    /// Opening the connection (TCP, proxy tunnel).
    Connect,
    /// The TLS handshake.
    Tls,
    /// Writing the request: a part of it never left, so the provider has no complete request.
    Write,
    /// Checking the configuration of the request (URL, headers) before any I/O.
    Prepare,
    /// The call's deadline ran out before the attempt started.
    Deadline,
    /// Asking the shared state (`shared_state`) for a slot: Redis could not be reached and
    /// `shared_state_fallback` is `fail`.
    SharedState,
}

impl Stage {
    /// The stage's snake_case name (`lookup`, `connect`, `tls`, `write`, `prepare`, `deadline`,
    /// `shared_state`).
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Lookup => "lookup",
            Stage::Connect => "connect",
            Stage::Tls => "tls",
            Stage::Write => "write",
            Stage::Prepare => "prepare",
            Stage::Deadline => "deadline",
            Stage::SharedState => "shared_state",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an answer's body said about the request as a whole, as far as its parser could tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Said {
    /// Not parsed yet, unreadable, or not about the request as a whole.
    Unknown,
    /// The provider's own error format, refusing the request (credentials, funds, a bad
    /// field, a rate limit): it did not act.
    Refused,
    /// The provider's own error format, saying it failed on its side ("system error"): it may
    /// have acted before failing.
    Failed,
}

/// How far one HTTP attempt got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The request never completely left.
    NotWritten(Stage),
    /// The whole request was written and no complete answer came back: a timeout, a cut
    /// connection, bytes that are not HTTP.
    NoAnswer,
    /// An answer with this status came back, and its body said this of the whole request.
    Answered {
        /// The answer's HTTP status code.
        status: u16,
        /// What its body said of the whole request.
        said: Said,
    },
}

impl Reach {
    /// Whether the provider may have acted on the request (sent a message, charged for it).
    ///
    /// - Nothing complete was written: it cannot have.
    /// - Written, no answer: it may have read the request and acted before the connection died.
    /// - 429: the provider did not act.
    /// - Other 4xx: it did not act, unless its body says it failed on its side.
    /// - 2xx: it acted, unless the body is its explicit refusal (some providers refuse with
    ///   200). A 2xx whose body cannot be read may carry ids; one that reports a system error
    ///   may come after the provider acted: both may have acted.
    /// - 1xx, 3xx, 5xx and anything else: a gateway or the provider failed after reading the
    ///   request; it may have acted.
    pub fn may_have_acted(self) -> bool {
        match self {
            Reach::NotWritten(_) => false,
            Reach::NoAnswer => true,
            Reach::Answered { status, said } => match status {
                200..=299 => said != Said::Refused,
                429 => false,
                400..=499 => said == Said::Failed,
                _ => true,
            },
        }
    }

    /// Whether trying again could help: the request never left, no answer came, the provider
    /// is rate limiting, or it failed on its side. Whether a retry is *allowed* is
    /// the retry policy's question (`RetryPolicy` in the crate's `retry` module).
    pub fn is_transient(self) -> bool {
        match self {
            Reach::NotWritten(Stage::Prepare | Stage::Deadline) => false,
            Reach::NotWritten(_) | Reach::NoAnswer => true,
            Reach::Answered { status, .. } => status == 429 || (500..=599).contains(&status),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_was_written_and_not_refused_may_have_been_acted_on() {
        for stage in [Stage::Lookup, Stage::Connect, Stage::Tls, Stage::Write] {
            assert!(!Reach::NotWritten(stage).may_have_acted());
        }
        assert!(Reach::NoAnswer.may_have_acted());
        let answered = |status, said| Reach::Answered { status, said };
        for status in [200, 201, 204, 299] {
            assert!(answered(status, Said::Unknown).may_have_acted(), "{status}");
            assert!(answered(status, Said::Failed).may_have_acted(), "{status}");
            assert!(
                !answered(status, Said::Refused).may_have_acted(),
                "{status}"
            );
        }
        for status in [400, 401, 402, 403, 404, 408, 429, 463, 499] {
            assert!(
                !answered(status, Said::Unknown).may_have_acted(),
                "{status}"
            );
            assert!(
                !answered(status, Said::Refused).may_have_acted(),
                "{status}"
            );
        }
        assert!(answered(465, Said::Failed).may_have_acted());
        assert!(!answered(429, Said::Failed).may_have_acted());
        for status in [
            100, 101, 199, 300, 301, 304, 399, 500, 502, 503, 504, 599, 600, 999,
        ] {
            for said in [Said::Unknown, Said::Refused, Said::Failed] {
                assert!(answered(status, said).may_have_acted(), "{status}");
            }
        }
    }

    #[test]
    fn transient_failures() {
        assert!(Reach::NotWritten(Stage::Connect).is_transient());
        assert!(!Reach::NotWritten(Stage::Prepare).is_transient());
        assert!(!Reach::NotWritten(Stage::Deadline).is_transient());
        assert!(Reach::NoAnswer.is_transient());
        for status in [429, 500, 502, 599] {
            assert!(Reach::Answered {
                status,
                said: Said::Unknown
            }
            .is_transient());
        }
        for status in [200, 302, 400, 401, 404] {
            assert!(!Reach::Answered {
                status,
                said: Said::Unknown
            }
            .is_transient());
        }
    }
}
