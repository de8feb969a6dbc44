//! Phone number normalisation (SPEC §3).

use std::collections::HashSet;

use crate::report::{RejectReason, Rejected};

/// Removes spaces, `-`, `(`, `)`, `.` and a leading `+` or `00`; the rest must be 7–15 digits.
/// Returns the digits, or `None` for a number that cannot be valid.
pub fn normalize(raw: &str) -> Option<String> {
    let mut digits: String = raw
        .chars()
        .filter(|c| !(c.is_whitespace() || matches!(c, '-' | '(' | ')' | '.')))
        .collect();
    if let Some(rest) = digits.strip_prefix('+') {
        digits = rest.to_owned();
    } else if let Some(rest) = digits.strip_prefix("00") {
        digits = rest.to_owned();
    }
    let valid = (7..=15).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit());
    valid.then_some(digits)
}

/// Normalises every recipient, keeping order: the valid, unique numbers to send to, and the
/// rejected ones (`invalid_number`, or `duplicate` for a later copy of a number).
pub fn normalize_all<S: AsRef<str>>(raw: &[S]) -> (Vec<String>, Vec<Rejected>) {
    let mut seen = HashSet::with_capacity(raw.len());
    let mut valid = Vec::with_capacity(raw.len());
    let mut rejected = Vec::new();
    for phone in raw {
        let phone = phone.as_ref();
        match normalize(phone) {
            None => rejected.push(Rejected::new(
                phone,
                RejectReason::InvalidNumber,
                "not 7–15 digits after removing spaces, -, (, ), . and a leading + or 00",
            )),
            Some(n) if !seen.insert(n.clone()) => rejected.push(Rejected::new(
                n,
                RejectReason::Duplicate,
                "the number appears earlier in the list",
            )),
            Some(n) => valid.push(n),
        }
    }
    (valid, rejected)
}
