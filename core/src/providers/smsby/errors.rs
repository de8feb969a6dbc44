//! SMS.by's answers as errors: `{"error": …}`, a status that is not `OK`, or anything else
//! that is not the documented success.

use serde_json::Value;

use super::{clip, MAX_DETAIL_CHARS, P};
use crate::error::{Error, ErrorCode, Result};
use crate::json::text;
use crate::providers::{parse_json, retry_after_ms, status_error};
use crate::transport::HttpResponse;

/// The provider's own words beside a status that is not `OK`: `message`, else a text `result`.
pub(super) fn refusal_detail(value: &Value) -> Option<String> {
    ["message", "result", "description"]
        .iter()
        .find_map(|k| value.get(*k).and_then(text))
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
}

/// Whether an answer carries no error (`"error": null` is none).
pub(super) fn no_error(value: &Value) -> bool {
    value.get("error").is_none_or(Value::is_null)
}

/// The error an answer stands for. `{"error": …}` is the documented error; an object whose
/// `status` is not `OK` is an explicit refusal too (the provider said no, so the code is the
/// HTTP status's, `invalid_request` for a 2xx, with `provider_code` = that status). Anything
/// else in a 2xx is `decode`.
pub(super) fn error_from(response: &HttpResponse, value: Option<&Value>) -> Error {
    let detail = value
        .and_then(|v| v.get("error"))
        .filter(|e| !e.is_null())
        .map(|e| match e {
            Value::Object(o) => o
                .get("message")
                .and_then(text)
                .unwrap_or_else(|| e.to_string()),
            other => text(other).unwrap_or_else(|| other.to_string()),
        });
    // Only SMS.by's own shape, a status word, is a refusal; `{"status": 1}` is not its format.
    let refused_status = value
        .filter(|v| v.is_object())
        .and_then(|v| v.get("status"))
        .and_then(Value::as_str)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && !s.eq_ignore_ascii_case("ok"));
    let (detail, status_code) = match (detail, refused_status) {
        (Some(detail), _) => (detail, None),
        (None, Some(status)) => {
            let words = value.and_then(refusal_detail);
            let detail = match words {
                Some(w) => format!("{w} (status {status})"),
                None => format!("the answer's status is {status}, not OK"),
            };
            (detail, Some(status))
        }
        (None, None) => {
            return match response.status {
                200..=299 => {
                    Error::decode("SMS.by's answer is neither the documented success nor an error")
                        .with_provider(P)
                        .with_http_status(response.status)
                        .with_body(&response.body)
                }
                _ => status_error(P, response),
            };
        }
    };
    let detail = clip(&detail, MAX_DETAIL_CHARS);
    let code = match response.status {
        401 | 403 => ErrorCode::Auth,
        402 => ErrorCode::InsufficientFunds,
        429 => ErrorCode::RateLimited,
        500..=599 => ErrorCode::ProviderError,
        _ => ErrorCode::InvalidRequest,
    };
    let provider_code = value
        .and_then(|v| v.get("error"))
        .and_then(|e| e.get("code"))
        .and_then(text)
        .or(status_code)
        .map(|c| clip(&c, 64));
    let mut error = Error::new(code, format!("SMS.by: {detail}"))
        .with_provider(P)
        .with_http_status(response.status)
        .with_retry_after_ms(retry_after_ms(response))
        .with_body(&response.body);
    if let Some(c) = provider_code {
        error = error.with_provider_code(c);
    }
    error
}

/// `result` of a v2 answer `{"status":"OK","result":…}` (`null` when absent).
/// The `message_id` of a v2 `result` (a quick message or a mailing); its absence is `decode`.
pub(super) fn v2_message_id(result: &Value, response: &HttpResponse) -> Result<String> {
    result
        .get("message_id")
        .and_then(crate::json::id_string)
        .ok_or_else(|| {
            Error::decode("SMS.by's answer has no message_id")
                .with_provider(P)
                .with_body(&response.body)
        })
}

pub(super) fn v2_result(response: &HttpResponse) -> Result<Value> {
    let value = parse_json(P, response)?;
    let ok = value
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| s.eq_ignore_ascii_case("ok"));
    if ok && no_error(&value) && (200..300).contains(&response.status) {
        return Ok(value.get("result").cloned().unwrap_or(Value::Null));
    }
    Err(error_from(response, Some(&value)))
}
