//! Errors about a caller's JSON input (a message, a query, a configuration) in the caller's
//! words: the path of the offending field, the JSON kinds involved, and for a misspelt name the
//! closest known one (`unknown field "txt" (did you mean "text"?)`), never serde's type names
//! or positions, and never a value from the input (it may be a credential).
//!
//! The rule is written once here; the bindings only rename fields in their own idiom (Node's
//! camelCase, with [`input_field_names`]) and say which argument was meant.

use std::fmt::Write as _;
use std::sync::OnceLock;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

use crate::config::redact_data_message;
use crate::error::{Error, ErrorCode, Result};

/// Parses a JSON document a caller gave (a message, a query, ids…) into `T`. A document that
/// does not fit is `invalid_message` whose message names the field in the caller's words, with
/// `field` set to its path (`sms_fallback.text`, `to[0]`) when there is one.
pub fn parse_json<T: DeserializeOwned>(json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| json_error(&e, json, Noun::Field))
}

/// What the keys of the document are called in messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Noun {
    /// A message's fields: `invalid_message`.
    Field,
    /// A configuration's options: `invalid_config`.
    Option,
}

impl Noun {
    fn word(self) -> &'static str {
        match self {
            Noun::Field => "field",
            Noun::Option => "option",
        }
    }

    fn code(self) -> ErrorCode {
        match self {
            Noun::Field => ErrorCode::InvalidMessage,
            Noun::Option => ErrorCode::InvalidConfig,
        }
    }
}

/// The error for a serde failure on `json`.
pub(crate) fn json_error(e: &serde_json::Error, json: &str, noun: Noun) -> Error {
    let (message, field) = describe(e, json, noun);
    let error = Error::new(noun.code(), message);
    match field {
        Some(f) => error.with_field(f),
        None => error,
    }
}

/// The message and the field path for a serde failure on `json`.
fn describe(e: &serde_json::Error, json: &str, noun: Noun) -> (String, Option<String>) {
    let text = e.to_string();
    if e.classify() != serde_json::error::Category::Data {
        // Syntax and EOF messages are serde's fixed texts with a position, which is what a
        // person who wrote the JSON by hand needs; they never quote the input.
        return (format!("not valid JSON: {text}"), None);
    }
    let position = format!(" at line {} column {}", e.line(), e.column());
    let message = text.strip_suffix(position.as_str()).unwrap_or(&text);
    let path = path_at(json, e.line(), e.column());
    let noun_word = noun.word();

    if let Some(rest) = message.strip_prefix("unknown field ") {
        // The unknown key is the last step of the path; the path gives it only when every key
        // on the way is a plain name (anything else may be a secret and is not repeated).
        let (name, parent) = match &path {
            Some(p) => match p.split_last() {
                Some((Step::Key(k), parent)) => (Some(k.as_str()), Some(parent)),
                _ => (None, None),
            },
            None => (None, None),
        };
        let known = names_after_expected(rest);
        let mut out = match name {
            Some(n) => format!("unknown {noun_word} \"{n}\""),
            None => format!("unknown {noun_word}"),
        };
        if let Some(parent) = parent.filter(|p| !p.is_empty()) {
            let _ = write!(out, " in \"{}\"", format_path(parent));
        }
        match name.and_then(|n| closest(n, known.iter().copied())) {
            Some(best) => {
                let _ = write!(out, " (did you mean \"{best}\"?)");
            }
            None if !known.is_empty() => {
                let _ = write!(out, "; the {noun_word}s are {}", quoted_list(&known));
            }
            None => {
                let _ = write!(out, "; there are no {noun_word}s here");
            }
        }
        let field = path.as_deref().filter(|_| name.is_some()).map(format_path);
        return (out, field);
    }

    let field = path.as_deref().filter(|p| !p.is_empty()).map(format_path);
    let subject = match &field {
        Some(f) => format!("\"{f}\""),
        None => "the value".to_owned(),
    };
    if let Some(rest) = message.strip_prefix("unknown variant ") {
        // `unknown variant `promo`, expected `transactional` or `promotional``: the value is
        // compared, never repeated.
        let known = names_after_expected(rest);
        let given = rest
            .strip_prefix('`')
            .and_then(|r| r.split_once('`'))
            .map(|(v, _)| v);
        let mut out = format!("{subject} must be one of {}", quoted_list(&known));
        if let Some(best) = given.and_then(|g| closest(g, known.iter().copied())) {
            let _ = write!(out, " (did you mean \"{best}\"?)");
        }
        return (out, field);
    }
    if let Some(rest) = message.strip_prefix("invalid type: ") {
        let expected = rest.rsplit_once(", expected ").map(|(_, e)| e);
        let got = got_kind(rest);
        let out = match expected {
            Some(e) => format!("{subject} must be {}, not {got}", expected_kind(e)),
            None => format!("{subject} cannot be {got}"),
        };
        return (out, field);
    }
    if let Some(rest) = message.strip_prefix("invalid value: ") {
        let out = match rest.rsplit_once(", expected ") {
            Some((_, e)) => format!("{subject} must be {}", expected_kind(e)),
            None => format!("{subject} has an invalid value"),
        };
        return (out, field);
    }
    if let Some(rest) = message.strip_prefix("missing field ") {
        let name = rest.trim_matches('`');
        let out = match &field {
            Some(f) => format!("\"{f}\" needs the {noun_word} \"{name}\""),
            None => format!("the {noun_word} \"{name}\" is missing"),
        };
        let field = Some(match &field {
            Some(f) => format!("{f}.{name}"),
            None => name.to_owned(),
        });
        return (out, field);
    }
    if let Some(rest) = message.strip_prefix("duplicate field ") {
        let name = rest.trim_matches('`');
        return (format!("the {noun_word} \"{name}\" is given twice"), field);
    }
    // Anything else, said without values.
    let out = redact_data_message(message);
    match &field {
        Some(f) => (format!("\"{f}\": {out}"), field),
        None => (out, None),
    }
}

/// The names serde lists after `expected` (`one of `a`, `b``, ``a` or `b``, ``a``): ours, from
/// the type being deserialised, never from the input.
fn names_after_expected(rest: &str) -> Vec<&str> {
    let Some((_, expected)) = rest.rsplit_once(", expected ") else {
        return Vec::new();
    };
    expected
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|n| !n.is_empty())
        .collect()
}

fn quoted_list(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("\"{n}\""))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The JSON kind of the value serde found, from its `invalid type` message.
fn got_kind(rest: &str) -> &'static str {
    const KINDS: [(&str, &str); 11] = [
        ("string", "a string"),
        ("integer", "a number"),
        ("floating point", "a number"),
        ("boolean", "a boolean"),
        ("sequence", "an array"),
        ("map", "an object"),
        ("null", "null"),
        ("unit value", "null"),
        ("Option value", "a value"),
        ("character", "a string"),
        ("byte array", "bytes"),
    ];
    KINDS
        .iter()
        .filter(|(k, _)| rest.starts_with(k))
        .max_by_key(|(k, _)| k.len())
        .map_or("a value of another kind", |(_, kind)| kind)
}

/// What serde's `expected …` text means in JSON's words.
fn expected_kind(expected: &str) -> String {
    let e = expected.trim();
    let kind = match e {
        "a string" | "a borrowed string" | "a character" => "a string",
        "a boolean" => "true or false",
        "u8" | "u16" | "u32" | "u64" | "u128" | "usize" => "a whole number, 0 or more",
        "i8" | "i16" | "i32" | "i64" | "i128" | "isize" => "a whole number",
        "f32" | "f64" => "a number",
        "a sequence" => "an array",
        "a map" => "an object",
        _ if e.starts_with("struct ") => "an object",
        _ if e.starts_with("a tuple of size ") || e.starts_with("a tuple ") => "an array",
        _ if e.starts_with("a sequence") => "an array",
        _ => return e.to_owned(),
    };
    kind.to_owned()
}

// ---- the path of the value an error points at ------------------------------------------------

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// `sms_fallback.text`, `items[1].text`, `to[0]`.
fn format_path(steps: &[Step]) -> String {
    let mut out = String::new();
    for step in steps {
        match step {
            Step::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
            Step::Index(i) => {
                let _ = write!(out, "[{i}]");
            }
        }
    }
    out
}

/// A key that may appear in a message: a plain name. Anything else (a value used as a key by
/// mistake) may be a secret.
/// Field names are short words (`sms_fallback`, `imageUrl`); an API token is long, or full of
/// digits and capitals, so a key shaped like one is never repeated.
fn plain_name(key: &str) -> bool {
    let count = |f: fn(&u8) -> bool| key.bytes().filter(f).count();
    key.len() <= 40
        && key.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && count(u8::is_ascii_digit) <= 3
        && count(u8::is_ascii_uppercase) <= 4
}

/// The path to where serde stopped (`line` and `column` as serde counts them: from 1, columns
/// in bytes), or `None` when a key on the way is not a plain name. A scan of the text up to that
/// point, enough for a document serde has read that far.
fn path_at(json: &str, line: usize, column: usize) -> Option<Vec<Step>> {
    enum Frame {
        Object { key: Option<String>, want_key: bool },
        Array { index: usize },
    }
    let mut end = 0;
    for (n, text) in json.split_inclusive('\n').enumerate() {
        if n + 1 == line {
            end += column.min(text.len());
            break;
        }
        end += text.len();
    }
    let bytes = &json.as_bytes()[..end.min(json.len())];
    let mut stack: Vec<Frame> = Vec::new();
    // Inside a string: the key being read, if the string is a key.
    let mut in_string = false;
    let mut escaped = false;
    let mut key: Option<Vec<u8>> = None;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
                if let Some(k) = key.as_mut() {
                    k.push(b);
                }
            } else if b == b'\\' {
                escaped = true;
                if let Some(k) = key.as_mut() {
                    k.push(b);
                }
            } else if b == b'"' {
                in_string = false;
                if let (Some(k), Some(Frame::Object { key: slot, .. })) =
                    (key.take(), stack.last_mut())
                {
                    *slot = Some(String::from_utf8_lossy(&k).into_owned());
                }
            } else if let Some(k) = key.as_mut() {
                k.push(b);
            }
            continue;
        }
        match b {
            b'"' => {
                in_string = true;
                if let Some(Frame::Object { want_key: true, .. }) = stack.last() {
                    key = Some(Vec::new());
                }
            }
            b'{' => stack.push(Frame::Object {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Array { index: 0 }),
            b'}' | b']' => {
                stack.pop();
            }
            b':' => {
                if let Some(Frame::Object { want_key, .. }) = stack.last_mut() {
                    *want_key = false;
                }
            }
            b',' => match stack.last_mut() {
                Some(Frame::Object { want_key, key }) => {
                    *want_key = true;
                    *key = None;
                }
                Some(Frame::Array { index }) => *index += 1,
                None => {}
            },
            _ => {}
        }
    }
    // A key still being read (serde stopped inside it) counts as read.
    if let (Some(k), Some(Frame::Object { key: slot, .. })) = (key, stack.last_mut()) {
        *slot = Some(String::from_utf8_lossy(&k).into_owned());
    }
    let mut steps = Vec::new();
    for frame in stack {
        match frame {
            Frame::Object { key: Some(k), .. } if plain_name(&k) => steps.push(Step::Key(k)),
            Frame::Object { key: Some(_), .. } => return None,
            Frame::Object { key: None, .. } => break,
            Frame::Array { index } => steps.push(Step::Index(index)),
        }
    }
    Some(steps)
}

// ---- "did you mean" ------------------------------------------------------------------------

/// The optimal-string-alignment distance (Levenshtein with swaps of neighbours, the commonest
/// typo) between two names, in characters.
pub fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows: two back (for swaps), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current: Vec<usize> = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        current[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(before[j - 2] + 1);
            }
            current[j] = d;
        }
        std::mem::swap(&mut before, &mut previous);
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

/// A name without case or separators: `smsFallback`, `SMS-fallback` and `sms_fallback` are one.
fn folded(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// The known name that `name` most likely misspells: the same name in another case or
/// spelling (`smsFallback`), else the nearest one within a typo or two (one per four
/// characters, at least one), else the only known name that starts with it (`ttl` →
/// `ttl_seconds`). Ties go to the name listed first.
pub fn closest<'a>(name: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let wanted = folded(name);
    if wanted.is_empty() {
        return None;
    }
    let known: Vec<(&'a str, String)> = known.into_iter().map(|k| (k, folded(k))).collect();
    if let Some((k, _)) = known.iter().find(|(_, f)| *f == wanted) {
        return Some(k);
    }
    let allowed = (wanted.chars().count() / 4).max(1);
    let nearest = known
        .iter()
        .map(|(k, f)| (distance(&wanted, f), *k))
        .filter(|(d, _)| *d <= allowed)
        .min_by_key(|(d, _)| *d);
    if let Some((_, k)) = nearest {
        return Some(k);
    }
    let mut prefixed = known
        .iter()
        .filter(|(_, f)| wanted.chars().count() >= 3 && f.starts_with(&wanted));
    match (prefixed.next(), prefixed.next()) {
        (Some((k, _)), None) => Some(k),
        _ => None,
    }
}

// ---- names a binding may rename ------------------------------------------------------------

/// A snake_case name in camelCase (`sms_fallback` → `smsFallback`), the names Node uses.
pub fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// The field names of `T` as serde reads them (for a struct deriving `Deserialize`; empty for
/// anything else).
pub fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    /// Answers the first `deserialize_struct` with its field list, and fails.
    struct Probe(Option<&'static [&'static str]>);

    impl<'de> Deserializer<'de> for &mut Probe {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(
            self,
            _: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            Err(de::Error::custom("probe"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _visitor: V,
        ) -> std::result::Result<V::Value, Self::Error> {
            self.0 = Some(fields);
            Err(de::Error::custom("probe"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map enum
            identifier ignored_any
        }
    }

    let mut probe = Probe(None);
    let _ = T::deserialize(&mut probe);
    probe.0.unwrap_or(&[])
}

/// Every field name of every input a binding passes to the core as JSON (messages and their
/// parts, queries, routed ids, webhook requests, configurations, the sandbox's options): the
/// names a binding whose idiom is not snake_case (Node) renames in error messages and fields.
pub fn input_field_names() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let lists = [
            field_names::<crate::Message>(),
            field_names::<crate::Button>(),
            field_names::<crate::SmsFallback>(),
            field_names::<crate::Schedule>(),
            field_names::<crate::PersonalizedMessage>(),
            field_names::<crate::PersonalizedItem>(),
            field_names::<crate::ListMessage>(),
            field_names::<crate::InboundQuery>(),
            field_names::<crate::RoutedId>(),
            field_names::<crate::WebhookRequest>(),
            field_names::<crate::Config>(),
            #[cfg(feature = "sandbox")]
            field_names::<crate::sandbox::SandboxConfig>(),
        ];
        let mut names: Vec<&'static str> = Vec::new();
        for name in lists.into_iter().flatten() {
            if !names.contains(name) {
                names.push(name);
            }
        }
        names
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Config, Message, PersonalizedMessage};

    #[test]
    fn distances() {
        assert_eq!(distance("", ""), 0);
        assert_eq!(distance("txt", "text"), 1);
        assert_eq!(distance("sendr", "sender"), 1);
        assert_eq!(distance("sedner", "sender"), 1); // a swap
        assert_eq!(distance("abc", ""), 3);
        assert_eq!(distance("kitten", "sitting"), 3);
        assert_eq!(distance("текст", "тескт"), 1);
    }

    #[test]
    fn closest_names() {
        let known = [
            "to",
            "sender",
            "text",
            "image_url",
            "ttl_seconds",
            "sms_fallback",
            "two_way",
        ];
        assert_eq!(closest("txt", known), Some("text"));
        assert_eq!(closest("sendr", known), Some("sender"));
        assert_eq!(closest("smsFallback", known), Some("sms_fallback"));
        assert_eq!(closest("imageUrl", known), Some("image_url"));
        assert_eq!(closest("ttl", known), Some("ttl_seconds"));
        assert_eq!(closest("colour", known), None);
        assert_eq!(closest("", known), None);
        assert_eq!(closest("x", known), None);
    }

    #[test]
    fn field_names_come_from_serde() {
        let names = field_names::<Message>();
        assert!(
            names.contains(&"sms_fallback") && names.contains(&"to"),
            "{names:?}"
        );
        assert!(field_names::<Config>().contains(&"timeout_ms"));
        assert!(field_names::<String>().is_empty());
        let all = input_field_names();
        for name in [
            "button_url",
            "list_id",
            "mailing_id",
            "message_id",
            "content_type",
            "api_key",
        ] {
            assert!(all.contains(&name), "{name} missing from {all:?}");
        }
    }

    fn err<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> Error {
        parse_json::<T>(json).expect_err(json)
    }

    #[test]
    fn unknown_fields_say_what_was_meant() {
        let e = err::<Message>(r#"{"to":["380989361121"],"txt":"Hi"}"#);
        assert_eq!(e.message, r#"unknown field "txt" (did you mean "text"?)"#);
        assert_eq!(e.field.as_deref(), Some("txt"));
        assert_eq!(e.code(), ErrorCode::InvalidMessage);

        let e = err::<Message>(r#"{"to":["1"],"sms_fallback":{"txt":"Hi"}}"#);
        assert_eq!(
            e.message,
            r#"unknown field "txt" in "sms_fallback" (did you mean "text"?)"#
        );
        assert_eq!(e.field.as_deref(), Some("sms_fallback.txt"));

        let e = err::<PersonalizedMessage>(
            r#"{"items":[{"to":"1","text":"a"},{"to":"2","txet":"b"}]}"#,
        );
        assert_eq!(
            e.message,
            r#"unknown field "txet" in "items[1]" (did you mean "text"?)"#
        );
        assert_eq!(e.field.as_deref(), Some("items[1].txet"));

        let e = err::<Message>("{\n  \"to\": [\"1\"],\n  \"colour\": \"red\"\n}");
        assert!(
            e.message
                .starts_with(r#"unknown field "colour"; the fields are "to", "sender""#),
            "{}",
            e.message
        );
        assert!(!e.message.contains("line"), "{}", e.message);
    }

    #[test]
    fn kinds_are_json_words_and_values_are_never_repeated() {
        let e = err::<Message>(r#"{"to":"380989361121","text":"x"}"#);
        assert_eq!(e.message, r#""to" must be an array, not a string"#);
        assert_eq!(e.field.as_deref(), Some("to"));

        let e = err::<Message>(r#"{"to":[380989361121]}"#);
        assert_eq!(e.message, r#""to[0]" must be a string, not a number"#);

        let e = err::<Message>(r#"{"to":["1"],"ttl_seconds":-12345}"#);
        assert_eq!(
            e.message,
            r#""ttl_seconds" must be a whole number, 0 or more"#
        );

        let e = err::<Message>(r#"{"to":["1"],"category":"promotinal"}"#);
        assert_eq!(
            e.message,
            r#""category" must be one of "transactional", "promotional" (did you mean "promotional"?)"#
        );
        assert!(!e.message.contains("promotinal"));

        let e = err::<Message>(r#"{"to":["1"],"button":{"text":"Open"}}"#);
        assert_eq!(e.message, r#""button" needs the field "url""#);
        assert_eq!(e.field.as_deref(), Some("button.url"));

        let e = err::<Message>(r#""380989361121""#);
        assert_eq!(e.message, "the value must be an object, not a string");
        assert_eq!(e.field, None);

        let e = err::<Message>(r#"{"to":"#);
        assert!(
            e.message.starts_with("not valid JSON: EOF while parsing"),
            "{}",
            e.message
        );
    }

    #[test]
    fn secrets_used_as_keys_are_not_repeated() {
        let e = err::<Message>(r#"{"to":["1"],"SECRET value":"x"}"#);
        assert!(!e.message.contains("SECRET"), "{}", e.message);
        assert!(e.message.starts_with("unknown field;"), "{}", e.message);
        assert_eq!(e.field, None);
    }
}
