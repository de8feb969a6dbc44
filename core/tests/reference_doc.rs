//! `docs/reference.md` cannot drift from the core: its checked tables are compared with the
//! core's own definitions (field and variant lists read from the types' serde derives, defaults,
//! bounds tried through a DSN, state mappings through each provider's `map_state`), and its
//! generated sections (the provider capability matrix, the command line's exit codes) are
//! rendered here. `VIBERGATE_BLESS=1 cargo test -p vibergate-core --test reference_doc`
//! rewrites the generated sections after a change.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::{self, Deserialize, Deserializer, Visitor};
use vibergate_core::internals::config::{NO_PROXY_ENV, PROXY_ENV};
use vibergate_core::internals::message::{MAX_BUTTON_TEXT_CHARS, MAX_TEXT_CHARS};
use vibergate_core::internals::providers::{decisiontelecom, inteltele, smsby, smsclub};
use vibergate_core::Attempt;
use vibergate_core::{
    capabilities, Accepted, Button, Capabilities, Config, DeliveryReport, DeliveryState, ErrorCode,
    ErrorDetails, EventKind, Message, PersonalizedItem, PersonalizedMessage, ProviderId,
    RejectReason, Rejected, RoutedReport, Schedule, SendReport, SmsFallback, Uncertain,
    WebhookEvent, DSN_ENV,
};

// ---- the names a type's serde derive knows ---------------------------------------------------

/// A deserializer that only records the field names (`deserialize_struct`) or variant names
/// (`deserialize_enum`) a derived `Deserialize` asks for, then stops.
struct Names<'a>(&'a mut Vec<&'static str>);

#[derive(Debug)]
struct Stop;

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stop")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<T: fmt::Display>(_: T) -> Self {
        Stop
    }
}

impl<'de> Deserializer<'de> for Names<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0.extend_from_slice(fields);
        Err(Stop)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        variants: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        self.0.extend_from_slice(variants);
        Err(Stop)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map identifier ignored_any
    }
}

/// The serialised field names of a struct, or the variant names of an enum, in declaration order.
fn names<T: for<'de> Deserialize<'de>>() -> Vec<String> {
    let mut out = Vec::new();
    let _ = T::deserialize(Names(&mut out));
    assert!(
        !out.is_empty(),
        "{} has no derived struct or enum names",
        std::any::type_name::<T>()
    );
    out.into_iter().map(str::to_owned).collect()
}

/// `fields` with each of `nested` (a field and its type's names) expanded after it, as
/// `parent.child` (`sep` ".") or `parent[].child` (`sep` "[].").
fn expand(fields: Vec<String>, sep: &str, nested: &[(&str, Vec<String>)]) -> Vec<String> {
    let mut out = Vec::new();
    for f in fields {
        out.push(f.clone());
        if let Some((_, children)) = nested.iter().find(|(n, _)| *n == f) {
            out.extend(children.iter().map(|c| format!("{f}{sep}{c}")));
        }
    }
    out
}

fn camel(name: &str) -> String {
    vibergate_core::suggest::camel_case(name)
}

// ---- the document ------------------------------------------------------------------------------

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_path_buf()
}

fn doc_path() -> PathBuf {
    repo().join("docs/reference.md")
}

/// The cells of a markdown row (`\|` is a `|` inside a cell).
fn cells(line: &str) -> Vec<String> {
    let inner = line.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().expect("a cell").push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            _ => out.last_mut().expect("a cell").push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_owned()).collect()
}

/// The rows (header and separator left out) of the table after `<!-- table: NAME -->`.
fn table(doc: &str, name: &str) -> Option<Vec<Vec<String>>> {
    let marker = format!("<!-- table: {name} -->");
    let start = doc.find(&marker)? + marker.len();
    let rows = doc[start..]
        .lines()
        .skip_while(|l| l.trim().is_empty())
        .take_while(|l| l.trim_start().starts_with('|'))
        .skip(2)
        .map(cells)
        .collect();
    Some(rows)
}

/// The text of every `code span` of a cell.
fn spans(cell: &str) -> Vec<String> {
    cell.split('`')
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, s)| s.to_owned())
        .collect()
}

/// The first code span of a cell (the key of a row).
fn key(row: &[String]) -> String {
    spans(&row[0])
        .into_iter()
        .next()
        .unwrap_or_else(|| row[0].clone())
}

/// Problems found, reported together.
#[derive(Default)]
struct Check(Vec<String>);

impl Check {
    fn fail(&mut self, what: impl Into<String>) {
        self.0.push(what.into());
    }

    fn eq<T: PartialEq + fmt::Debug>(&mut self, what: &str, doc: T, core: T) {
        if doc != core {
            self.fail(format!(
                "{what}:\n    docs/reference.md: {doc:?}\n    the core:          {core:?}"
            ));
        }
    }

    /// The table NAME: its key column must list `want`, in order, and (when `node` is set) its
    /// second column their camelCase Node names. Returns the rows by key.
    fn keyed(
        &mut self,
        doc: &str,
        name: &str,
        want: &[String],
        node: bool,
    ) -> BTreeMap<String, Vec<String>> {
        let Some(rows) = table(doc, name) else {
            self.fail(format!("docs/reference.md has no `<!-- table: {name} -->`"));
            return BTreeMap::new();
        };
        let keys: Vec<String> = rows.iter().map(|r| key(r)).collect();
        self.eq(&format!("rows of table {name}"), keys, want.to_vec());
        if node {
            for row in &rows {
                let want_node = camel(&key(row));
                let got = spans(row.get(1).map_or("", String::as_str));
                if got.first() != Some(&want_node) {
                    self.fail(format!(
                        "table {name}, row `{}`: the Node column must be `{want_node}`, is {:?}",
                        key(row),
                        row.get(1)
                    ));
                }
            }
        }
        rows.into_iter().map(|r| (key(&r), r)).collect()
    }
}

/// The options that take a number, whose bounds the reference must give.
const NUMERIC_OPTIONS: [&str; 7] = [
    "timeout_ms",
    "connect_timeout_ms",
    "max_retries",
    "rate_limit",
    "max_in_flight",
    "utc_offset_minutes",
    "deadline_ms",
];

/// A DSN with one option set.
fn with_option(option: &str, value: &str) -> Result<Config, vibergate_core::Error> {
    Config::from_dsn(&format!("smsclub://T@default?{option}={value}"))
}

// ---- generated sections ---------------------------------------------------------------------

fn yes_no(b: bool) -> &'static str {
    if b {
        "✓"
    } else {
        "–"
    }
}

fn render_capabilities() -> String {
    let all: Vec<Capabilities> = ProviderId::ALL.into_iter().map(capabilities).collect();
    let mut rows: Vec<(String, Vec<String>)> = Vec::new();
    let mut add = |feature: &str, cell: &dyn Fn(&Capabilities) -> String| {
        rows.push((feature.to_owned(), all.iter().map(cell).collect()));
    };
    // Every field is named, so that a new capability cannot be left out of the table.
    for c in &all {
        let Capabilities {
            provider: _,
            image_without_text: _,
            image_needs_button: _,
            sms_fallback: _,
            schedule: _,
            schedule_end: _,
            schedule_end_required: _,
            two_way: _,
            chat_id: _,
            callback_url: _,
            label: _,
            max_recipients_per_request: _,
            ttl_seconds: _,
            sms_fallback_ttl_seconds: _,
            sender_required: _,
            numeric_sender_id: _,
            max_sender_chars: _,
            sms_sender_required: _,
            max_button_url_chars: _,
            operations: _,
        } = c;
    }
    add("an image without text", &|c| {
        yes_no(c.image_without_text).into()
    });
    add("an image with text needs a button", &|c| {
        yes_no(c.image_needs_button).into()
    });
    add("`sms_fallback`", &|c| yes_no(c.sms_fallback).into());
    add("`sms_fallback` needs an SMS sender", &|c| {
        yes_no(c.sms_sender_required).into()
    });
    add("`schedule`", &|c| {
        match (c.schedule, c.schedule_end, c.schedule_end_required) {
            (false, _, _) => "–",
            (true, _, true) => "`start` and `end`, both needed",
            (true, true, false) => "`start`, `end` optional",
            (true, false, false) => "`start` only",
        }
        .into()
    });
    add("`two_way`", &|c| yes_no(c.two_way).into());
    add("`chat_id` (reply into a chat)", &|c| {
        yes_no(c.chat_id).into()
    });
    add("`callback_url`", &|c| yes_no(c.callback_url).into());
    add("`label`", &|c| yes_no(c.label).into());
    add("`ttl_seconds`", &|c| {
        let range = match c.ttl_seconds {
            None => "–".into(),
            Some((one, many, max)) if one == many => format!("{one}–{max}"),
            Some((one, many, max)) => {
                format!("{one}–{max} (one recipient), {many}–{max} (more)")
            }
        };
        match c.sms_fallback_ttl_seconds {
            Some(ttl) => format!("{range}; only {ttl} with `sms_fallback`"),
            None => range,
        }
    });
    add("a sender is needed", &|c| yes_no(c.sender_required).into());
    add("the sender is", &|c| {
        if c.numeric_sender_id {
            "a numeric id".into()
        } else {
            match c.max_sender_chars {
                Some(n) => format!("a name, at most {n} characters"),
                None => "a name".into(),
            }
        }
    });
    add(
        "the longest `button.url`",
        &|c| match c.max_button_url_chars {
            Some(n) => format!("{n} characters"),
            None => "no limit".into(),
        },
    );
    add(
        "recipients per request",
        &|c| match c.max_recipients_per_request {
            None => "all (one request)".into(),
            Some(1) => "1 (one request each)".into(),
            Some(n) => format!("{n} (more are sent in chunks)"),
        },
    );
    add("operations", &|c| {
        c.operations
            .iter()
            .map(|o| format!("`{o}`"))
            .collect::<Vec<_>>()
            .join(", ")
    });
    let mut out = String::from("| feature |");
    for p in ProviderId::ALL {
        out.push_str(&format!(" {} |", p.display_name()));
    }
    out.push_str("\n| --- |");
    out.push_str(&" --- |".repeat(ProviderId::ALL.len()));
    out.push('\n');
    for (feature, cells) in rows {
        out.push_str(&format!("| {feature} | {} |\n", cells.join(" | ")));
    }
    out
}

/// The operation table (`vibergate_core::api::OPERATIONS`): its arguments and what each
/// language calls it.
fn render_operations() -> String {
    use vibergate_core::api::{TargetKind, OPERATIONS};
    let mut out = String::from(
        "| operation | on | arguments | C | Python | Node | what it does |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for op in OPERATIONS {
        let on: Vec<&str> = op
            .on
            .iter()
            .map(|k| match k {
                TargetKind::Client => "client",
                TargetKind::Router => "router",
            })
            .collect();
        let args = if op.args.is_empty() {
            if op.input == "message" {
                "the message".to_owned()
            } else {
                "none".to_owned()
            }
        } else {
            op.args
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut c = vec![format!("`vg_{}`", op.name)];
        if op.on.contains(&TargetKind::Router) {
            c.push(format!("`vg_router_{}`", op.name));
        }
        out.push_str(&format!(
            "| `{}` | {} | {} | {} | `{}` | `{}` | {} |\n",
            op.name,
            on.join(", "),
            args,
            c.join(", "),
            op.name,
            camel(op.name),
            op.summary
        ));
    }
    out
}

/// The `exit` module of the command line: `/// doc` lines before each `pub const NAME: u8 = N;`.
fn render_exit_codes() -> Result<String, String> {
    let path = repo().join("cli/src/main.rs");
    let source = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = source
        .find("pub mod exit {")
        .ok_or("cli/src/main.rs has no `pub mod exit {`")?;
    let mut out = String::from("| exit code | meaning |\n| --- | --- |\n");
    let mut doc: Vec<String> = Vec::new();
    let mut count = 0;
    for line in source[start..].lines().skip(1) {
        let line = line.trim();
        if line == "}" {
            break;
        }
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_owned());
        } else if let Some(rest) = line.strip_prefix("pub const ") {
            let value = rest
                .split_once(": u8 = ")
                .and_then(|(_, v)| v.strip_suffix(';'))
                .ok_or_else(|| format!("cli/src/main.rs: cannot read `{line}`"))?;
            if doc.is_empty() {
                return Err(format!(
                    "cli/src/main.rs: exit code `{line}` has no doc comment"
                ));
            }
            out.push_str(&format!("| {value} | {} |\n", doc.join(" ")));
            doc.clear();
            count += 1;
        } else if !line.is_empty() {
            doc.clear();
        }
    }
    if count == 0 {
        return Err("cli/src/main.rs: no exit codes found in `mod exit`".into());
    }
    Ok(out)
}

/// Compares (or, with VIBERGATE_BLESS, rewrites) the section between `<!-- generated: NAME -->`
/// and `<!-- end: NAME -->`.
fn generated(check: &mut Check, doc: &mut String, name: &str, want: &str, bless: bool) {
    let (open, close) = (
        format!("<!-- generated: {name} -->\n"),
        format!("<!-- end: {name} -->"),
    );
    let (Some(start), Some(end)) = (doc.find(&open), doc.find(&close)) else {
        check.fail(format!(
            "docs/reference.md has no `{}` … `{close}` section",
            open.trim()
        ));
        return;
    };
    let start = start + open.len();
    if doc[start..end] == *want {
        return;
    }
    if bless {
        doc.replace_range(start..end, want);
    } else {
        check.fail(format!(
            "the generated section {name} is stale; run VIBERGATE_BLESS=1 cargo test -p \
             vibergate-core --test reference_doc, or write:\n{want}"
        ));
    }
}

// ---- the test ---------------------------------------------------------------------------------

#[test]
fn the_reference_matches_the_core() {
    let path = doc_path();
    let mut doc = std::fs::read_to_string(&path).expect("docs/reference.md");
    let bless = std::env::var_os("VIBERGATE_BLESS").is_some();
    let mut check = Check::default();

    // Generated sections.
    generated(
        &mut check,
        &mut doc,
        "capabilities",
        &render_capabilities(),
        bless,
    );
    generated(
        &mut check,
        &mut doc,
        "operations",
        &render_operations(),
        bless,
    );
    match render_exit_codes() {
        Ok(table) => generated(&mut check, &mut doc, "exit-codes", &table, bless),
        Err(e) => check.fail(e),
    }
    if bless {
        std::fs::write(&path, &doc).expect("write docs/reference.md");
    }

    // Providers.
    let ids: Vec<String> = ProviderId::ALL
        .iter()
        .map(|p| p.as_str().to_owned())
        .collect();
    let providers = check.keyed(&doc, "providers", &ids, false);
    for p in ProviderId::ALL {
        let Some(row) = providers.get(p.as_str()) else {
            continue;
        };
        check.eq(&format!("name of {p}"), row[1].as_str(), p.display_name());
        let dsn = spans(&row[2]).into_iter().next().unwrap_or_default();
        if !dsn.starts_with(&format!("{p}://")) || Config::from_dsn(&dsn).is_err() {
            check.fail(format!("the DSN of {p} ({dsn:?}) is not a valid {p} DSN"));
        }
        check.eq(
            &format!("production base URL of {p}"),
            spans(&row[4]).join(""),
            p.default_base_url().to_owned(),
        );
        let rate = p.default_rate_limit();
        let want = if rate == 0.0 {
            "0 (off)".to_owned()
        } else {
            format!("{rate}")
        };
        check.eq(&format!("default rate_limit of {p}"), row[5].clone(), want);
    }

    // Options: the configuration's fields, less the provider and the credentials.
    let options: Vec<String> = names::<Config>()
        .into_iter()
        .filter(|f| !["provider", "token", "api_key", "username"].contains(&f.as_str()))
        .collect();
    let rows = check.keyed(&doc, "options", &options, true);
    let defaults = serde_json::to_value(Config::new(ProviderId::SmsClub)).expect("config JSON");
    for (option, row) in &rows {
        let default = &row[2];
        match defaults.get(option) {
            Some(value) => {
                let want = match value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                if default.split_whitespace().next() != Some(want.as_str()) {
                    check.fail(format!(
                        "default of {option}: the core's is {want}, the reference says {default:?}"
                    ));
                }
            }
            None if option == "rate_limit" => {
                for p in ProviderId::ALL {
                    let rate = p.default_rate_limit();
                    if rate != 0.0 && !default.contains(&format!("{} {rate}", p.display_name())) {
                        check.fail(format!(
                            "default of rate_limit must name {} {rate}",
                            p.display_name()
                        ));
                    }
                }
            }
            None if option == "utc_offset_minutes" => {
                if !default.contains(&smsby::DEFAULT_UTC_OFFSET_MINUTES.to_string()) {
                    check.fail("default of utc_offset_minutes must name SMS.by's default offset");
                }
            }
            None if option == "base_url" => {}
            None => {
                if !default.starts_with("none") {
                    check.fail(format!(
                        "default of {option}: the core has none, the reference says {default:?}"
                    ));
                }
            }
        }
        // Bounds of the numeric options: the numbers in code spans of "accepted values", tried
        // through a DSN.
        if !NUMERIC_OPTIONS.contains(&option.as_str()) {
            continue;
        }
        let numbers: Vec<f64> = spans(&row[3])
            .iter()
            .filter_map(|s| s.parse::<f64>().ok())
            .collect();
        let (zero_allowed, min, max) = match numbers.as_slice() {
            [] => continue,
            [min, max] => (false, *min, *max),
            [zero, min, max] if *zero == 0.0 => (true, *min, *max),
            _ => {
                check.fail(format!(
                    "accepted values of {option}: cannot read {:?}",
                    row[3]
                ));
                continue;
            }
        };
        let integer = min.fract() == 0.0 && max.fract() == 0.0 && option != "rate_limit";
        let text = |v: f64| {
            if integer {
                format!("{}", v as i64)
            } else {
                format!("{v}")
            }
        };
        let (below, above) = if integer {
            (min - 1.0, max + 1.0)
        } else {
            (min / 2.0, max * 2.0)
        };
        let mut accepted = vec![min, max];
        if zero_allowed {
            accepted.push(0.0);
        }
        for v in accepted {
            if let Err(e) = with_option(option, &text(v)) {
                check.fail(format!(
                    "{option}={} is in the reference's bounds but refused: {e}",
                    text(v)
                ));
            }
        }
        for v in [below, above] {
            if v < 0.0 && !integer {
                continue;
            }
            if (integer && v < 0.0 && min == 0.0) || (v == 0.0 && zero_allowed) {
                continue;
            }
            match with_option(option, &text(v)) {
                Ok(_) => check.fail(format!(
                    "{option}={} is outside the reference's bounds but accepted",
                    text(v)
                )),
                Err(e) => {
                    if e.field.as_deref() != Some(option.as_str()) {
                        check.fail(format!(
                            "{option}={}: the error names {:?}",
                            text(v),
                            e.field
                        ));
                    }
                }
            }
        }
    }
    for numeric in NUMERIC_OPTIONS {
        if let Some(row) = rows.get(numeric) {
            if !spans(&row[3]).iter().any(|s| s.parse::<f64>().is_ok()) {
                check.fail(format!("accepted values of {numeric} give no bounds"));
            }
        }
    }

    // Environment.
    let mut env: Vec<String> = vec![DSN_ENV.to_owned()];
    env.extend(PROXY_ENV.iter().map(|s| (*s).to_owned()));
    env.extend(NO_PROXY_ENV.iter().map(|s| (*s).to_owned()));
    check.keyed(&doc, "environment", &env, false);

    // Message fields.
    let message = expand(
        names::<Message>(),
        ".",
        &[
            ("button", names::<Button>()),
            ("sms_fallback", names::<SmsFallback>()),
            ("schedule", names::<Schedule>()),
        ],
    );
    let rows = check.keyed(&doc, "message-fields", &message, true);
    for (field, limit) in [
        ("text", MAX_TEXT_CHARS),
        ("button.text", MAX_BUTTON_TEXT_CHARS),
    ] {
        if let Some(row) = rows.get(field) {
            if !row[3].contains(&limit.to_string()) {
                check.fail(format!("the rules of {field} must give its limit, {limit}"));
            }
        }
    }
    for p in ProviderId::ALL {
        if let Some(max) = capabilities(p).max_button_url_chars {
            if !rows
                .get("button.url")
                .is_some_and(|r| r[3].contains(&format!("{}: at most {max}", p.display_name())))
            {
                check.fail(format!(
                    "the rules of button.url must say {}: at most {max}",
                    p.display_name()
                ));
            }
        }
    }

    let personalized = expand(
        names::<PersonalizedMessage>(),
        "[].",
        &[("items", names::<PersonalizedItem>())],
    );
    check.keyed(&doc, "personalized-fields", &personalized, true);

    // Results.
    let report = expand(
        names::<SendReport>(),
        "[].",
        &[
            ("accepted", names::<Accepted>()),
            ("rejected", names::<Rejected>()),
            ("uncertain", names::<Uncertain>()),
        ],
    );
    check.keyed(&doc, "send-report", &report, true);
    let routed = expand(
        names::<RoutedReport>(),
        "[].",
        &[("attempts", names::<Attempt>())],
    );
    check.keyed(&doc, "routed-report", &routed, true);
    check.keyed(&doc, "delivery-report", &names::<DeliveryReport>(), true);
    check.keyed(&doc, "error-fields", &names::<ErrorDetails>(), true);
    check.keyed(&doc, "webhook-event", &names::<WebhookEvent>(), true);
    check.keyed(&doc, "event-kinds", &names::<EventKind>(), false);

    // Reject reasons: every per-recipient cause (the core's unit test keeps CAUSES complete).
    let reasons = RejectReason::CAUSES;
    let reason_names: Vec<String> = reasons.iter().map(|r| r.as_str().to_owned()).collect();
    for name in &reason_names {
        check.eq(
            &format!("reject reason {name} round-trips"),
            RejectReason::parse(name).map(|r| r.as_str().to_owned()),
            Some(name.clone()),
        );
    }
    check.keyed(&doc, "reject-reasons", &reason_names, false);

    // States, and whether each is final.
    let states = names::<DeliveryState>();
    let rows = check.keyed(&doc, "states", &states, false);
    for (name, row) in &rows {
        let Ok(state) = serde_json::from_value::<DeliveryState>(serde_json::json!(name)) else {
            continue;
        };
        let want = if state.is_final() { "yes" } else { "no" };
        check.eq(&format!("whether {name} is final"), row[1].as_str(), want);
    }
    match table(&doc, "state-mapping") {
        None => check.fail("docs/reference.md has no `<!-- table: state-mapping -->`"),
        Some(rows) => {
            let mut seen: Vec<String> = Vec::new();
            for row in rows {
                let provider = key(&row);
                let raw = spans(&row[1]).join("");
                let doc_state = spans(&row[2]).join("");
                let core_state = match provider.as_str() {
                    "smsclub" => smsclub::map_state(&raw),
                    "smsby" => smsby::map_state(&raw),
                    "decisiontelecom" => decisiontelecom::map_state(raw.parse().ok()),
                    "inteltele" => inteltele::map_state(&raw),
                    other => {
                        check.fail(format!("state-mapping: unknown provider {other}"));
                        continue;
                    }
                };
                check.eq(
                    &format!("the state of {provider}'s {raw:?}"),
                    doc_state,
                    core_state.as_str().to_owned(),
                );
                if !seen.contains(&provider) {
                    seen.push(provider);
                }
            }
            let ids: Vec<String> = ProviderId::ALL
                .iter()
                .map(|p| p.as_str().to_owned())
                .collect();
            check.eq("providers of the state mapping", seen, ids);
        }
    }

    // Error codes, with their C values and the Python and PHP classes.
    let codes: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|c| c.as_str().to_owned())
        .collect();
    let rows = check.keyed(&doc, "error-codes", &codes, false);
    let header = std::fs::read_to_string(repo().join("include/vibergate.h")).unwrap_or_default();
    let python = std::fs::read_to_string(repo().join("bindings-python/python/vibergate/errors.py"))
        .unwrap_or_default();
    // The PHP package: one class per file (PSR-4) under bindings-php/src/.
    let php_class = |name: &str| {
        std::fs::read_to_string(repo().join(format!("bindings-php/src/{name}.php")))
            .unwrap_or_default()
    };
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        let Some(row) = rows.get(code.as_str()) else {
            continue;
        };
        let c_name = format!("VG_{}", code.as_str().to_ascii_uppercase());
        let value = i + 1;
        check.eq(
            &format!("the C column of {code}"),
            row[1].clone(),
            format!("`{c_name}` = {value}"),
        );
        if !header.contains(&format!("{c_name} = {value},")) {
            check.fail(format!("include/vibergate.h has no `{c_name} = {value},`"));
        }
        let classes = spans(&row[2]);
        match classes.as_slice() {
            [py, ph] => {
                let declared = python
                    .split(&format!("\nclass {py}("))
                    .nth(1)
                    .and_then(|rest| rest.split("\nclass ").next())
                    .is_some_and(|body| body.contains(&format!("code = \"{code}\"")));
                if !declared {
                    check.fail(format!("errors.py has no class {py} with code \"{code}\""));
                }
                if !php_class(ph).contains(&format!("class {ph} extends")) {
                    check.fail(format!("bindings-php/src/{ph}.php has no class {ph}"));
                }
            }
            _ => check.fail(format!(
                "error code {code}: the class column must be `Python` / `PHP`"
            )),
        }
    }

    // No checked table the test does not know.
    let known = [
        "providers",
        "options",
        "environment",
        "message-fields",
        "personalized-fields",
        "send-report",
        "reject-reasons",
        "routed-report",
        "delivery-report",
        "states",
        "state-mapping",
        "error-fields",
        "error-codes",
        "event-kinds",
        "webhook-event",
    ];
    for marker in doc.match_indices("<!-- table: ") {
        let name: String = doc[marker.0 + 12..]
            .chars()
            .take_while(|c| *c != ' ')
            .collect();
        if !known.contains(&name.as_str()) {
            check.fail(format!("table {name} is marked but not checked"));
        }
    }

    assert!(
        check.0.is_empty(),
        "docs/reference.md does not match the core:\n- {}",
        check.0.join("\n- ")
    );
}
