//! Reading providers' JSON, which is not always JSON: Intel-Tele prints single-quoted objects,
//! and the documents' examples carry trailing commas and typographic quotes. Strict parsing is
//! tried first; only on failure is the text normalised and parsed again.

use serde_json::Value;

/// Parses `bytes` as JSON, tolerating single quotes, typographic quotes, trailing commas and
/// Python's `True`/`False`/`None`.
pub fn parse_relaxed(bytes: &[u8]) -> Option<Value> {
    if let Ok(v) = serde_json::from_slice(bytes) {
        return Some(v);
    }
    let text = std::str::from_utf8(bytes).ok()?;
    serde_json::from_str(&normalize(text)).ok()
}

fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' | '“' | '”' => {
                copy_string(&mut chars, &mut out, |c| matches!(c, '"' | '“' | '”'))
            }
            '\'' => copy_string(&mut chars, &mut out, |c| c == '\''),
            ',' => {
                // Drop a comma that only precedes a closing bracket.
                let mut look = chars.clone();
                while look.peek().is_some_and(|c| c.is_whitespace()) {
                    look.next();
                }
                if !matches!(look.peek(), Some('}' | ']')) {
                    out.push(',');
                }
            }
            c if c.is_ascii_alphabetic() => {
                let mut word = String::from(c);
                while let Some(&n) = chars.peek() {
                    if !n.is_ascii_alphanumeric() {
                        break;
                    }
                    word.push(n);
                    chars.next();
                }
                out.push_str(match word.as_str() {
                    "True" => "true",
                    "False" => "false",
                    "None" => "null",
                    w => w,
                });
            }
            c => out.push(c),
        }
    }
    out
}

/// Copies a string whose opening quote was consumed, re-quoting it with `"`.
fn copy_string(
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
    is_close: impl Fn(char) -> bool,
) {
    out.push('"');
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('\'') => out.push('\''),
                Some(n) => {
                    out.push('\\');
                    out.push(n);
                }
                None => out.push_str("\\\\"),
            },
            c if is_close(c) => break,
            '"' => out.push_str("\\\""),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON string or number as a string (providers send ids either way).
pub fn id_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// A JSON string, number or bool as text.
pub fn text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn single_quotes_and_mixed() {
        let v = parse_relaxed(br#"{'reply':[{'status': "error: can't send message"}]}"#).unwrap();
        assert_eq!(
            v,
            json!({"reply": [{"status": "error: can't send message"}]})
        );
        let v = parse_relaxed(br#"{'message': 'Invalid auth', 'error': true}"#).unwrap();
        assert_eq!(v, json!({"message": "Invalid auth", "error": true}));
    }

    #[test]
    fn typographic_quotes_and_trailing_commas() {
        let v = parse_relaxed("{“balance”: “-0.42”,}".as_bytes()).unwrap();
        assert_eq!(v, json!({"balance": "-0.42"}));
        let v = parse_relaxed(b"{\"a\": [1, 2, ], }").unwrap();
        assert_eq!(v, json!({"a": [1, 2]}));
    }

    #[test]
    fn commas_inside_strings_survive() {
        let v = parse_relaxed(b"{'a': 'x, ]', }").unwrap();
        assert_eq!(v, json!({"a": "x, ]"}));
    }

    #[test]
    fn garbage_is_none() {
        assert!(parse_relaxed(b"<html>").is_none());
        assert!(parse_relaxed(b"").is_none());
        assert!(parse_relaxed(b"{\"a\":").is_none());
    }
}
