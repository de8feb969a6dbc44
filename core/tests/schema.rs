//! `docs/schema.json` cannot drift from the core, nor lie about it:
//! - the file is `vibergate_core::schema::render()` (`VIBERGATE_BLESS=1 cargo test -p
//!   vibergate-core --test schema` rewrites it after a change);
//! - every row of the operation table has an argument and a result schema;
//! - real values fit: the golden vectors' inputs, results and errors, what every operation
//!   answers against the sandbox, and a value of every type with every field the schema declares
//!   (read by serde, written back, and checked again: a field serde writes that the schema does
//!   not declare fails, and so does one the schema declares that serde refuses);
//! - `bindings-node/index.d.ts` declares, in camelCase, every property of the schema's main
//!   types, so that a field added to the core fails here until the typings have it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Map, Value};
use vibergate_core::api::{self, Target, TargetKind, OPERATIONS};
use vibergate_core::sandbox::{Sandbox, SandboxConfig};
use vibergate_core::suggest::camel_case;
use vibergate_core::{schema, Client, ProviderId, Router};

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn document() -> Value {
    schema::document().unwrap_or_else(|e| panic!("the schema cannot be generated: {e}"))
}

// ---- a small validator ------------------------------------------------------------------------

/// Checks values against the document's schemas: the keywords schemars writes (`$ref` into
/// `$defs`, `type`, `enum`, `const`, `properties`, `required`, `additionalProperties`, `items`,
/// `prefixItems`, `anyOf`, `oneOf`, `allOf`, `minimum`, `maximum`, `minLength`, `minItems`,
/// `maxItems`).
/// Stricter than JSON Schema in one way, on purpose: an object key the schema does not declare
/// is an error even where `additionalProperties` is not `false` (outputs), because the point is
/// that every key vibergate writes is documented. A keyword it does not know fails the test
/// rather than being ignored.
struct Validator<'a> {
    defs: &'a Map<String, Value>,
}

const ANNOTATIONS: &[&str] = &[
    "description",
    "title",
    "default",
    "format",
    "examples",
    "deprecated",
    "$schema",
];

impl<'a> Validator<'a> {
    fn new(doc: &'a Value) -> Self {
        Validator {
            defs: doc["$defs"].as_object().expect("$defs"),
        }
    }

    fn def(&self, name: &str) -> &'a Value {
        self.defs
            .get(name)
            .unwrap_or_else(|| panic!("$defs has no {name}"))
    }

    fn check(&self, schema: &Value, value: &Value) -> Result<(), String> {
        self.at(schema, value, "")
    }

    fn at(&self, schema: &Value, value: &Value, path: &str) -> Result<(), String> {
        let schema = match schema {
            Value::Bool(true) => return Ok(()),
            Value::Bool(false) => return Err(format!("{path}: nothing is allowed here")),
            Value::Object(o) => o,
            other => return Err(format!("{path}: not a schema: {other}")),
        };
        let at = |p: &str| {
            if p.is_empty() {
                "(root)".to_owned()
            } else {
                p.to_owned()
            }
        };
        for key in schema.keys() {
            let known = ANNOTATIONS.contains(&key.as_str())
                || matches!(
                    key.as_str(),
                    "$ref"
                        | "type"
                        | "enum"
                        | "const"
                        | "properties"
                        | "required"
                        | "additionalProperties"
                        | "items"
                        | "prefixItems"
                        | "anyOf"
                        | "oneOf"
                        | "allOf"
                        | "minimum"
                        | "maximum"
                        | "minLength"
                        | "minItems"
                        | "maxItems"
                );
            assert!(known, "the validator does not know the keyword {key:?}");
        }
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r
                .strip_prefix("#/$defs/")
                .unwrap_or_else(|| panic!("a $ref outside $defs: {r}"));
            self.at(self.def(name), value, path)?;
        }
        if let Some(t) = schema.get("type") {
            let types: Vec<&str> = match t {
                Value::String(s) => vec![s.as_str()],
                Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
                other => panic!("bad type {other}"),
            };
            if !types.iter().any(|t| is_type(value, t)) {
                return Err(format!(
                    "{}: {value} is not {}",
                    at(path),
                    types.join(" or ")
                ));
            }
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            if !options.contains(value) {
                return Err(format!("{}: {value} is not one of {options:?}", at(path)));
            }
        }
        if let Some(c) = schema.get("const") {
            if c != value {
                return Err(format!("{}: {value} is not {c}", at(path)));
            }
        }
        if let Some(min) = schema.get("minimum").and_then(Value::as_f64) {
            if value.as_f64().is_some_and(|v| v < min) {
                return Err(format!("{}: {value} is below {min}", at(path)));
            }
        }
        if let Some(max) = schema.get("maximum").and_then(Value::as_f64) {
            if value.as_f64().is_some_and(|v| v > max) {
                return Err(format!("{}: {value} is above {max}", at(path)));
            }
        }
        if let Some(min) = schema.get("minLength").and_then(Value::as_u64) {
            if value
                .as_str()
                .is_some_and(|s| u64::try_from(s.chars().count()).is_ok_and(|n| n < min))
            {
                return Err(format!("{}: {value} is shorter than {min}", at(path)));
            }
        }
        for (key, cmp) in [("minItems", true), ("maxItems", false)] {
            if let (Some(n), Some(items)) =
                (schema.get(key).and_then(Value::as_u64), value.as_array())
            {
                let len = u64::try_from(items.len()).unwrap_or(u64::MAX);
                if (cmp && len < n) || (!cmp && len > n) {
                    return Err(format!("{}: {len} items ({key} {n})", at(path)));
                }
            }
        }
        if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
            for s in all {
                self.at(s, value, path)?;
            }
        }
        if let Some(any) = schema.get("anyOf").and_then(Value::as_array) {
            let errors: Vec<String> = any
                .iter()
                .filter_map(|s| self.at(s, value, path).err())
                .collect();
            if errors.len() == any.len() {
                return Err(format!("{}: no alternative fits: {errors:?}", at(path)));
            }
        }
        if let Some(one) = schema.get("oneOf").and_then(Value::as_array) {
            let fits = one
                .iter()
                .filter(|s| self.at(s, value, path).is_ok())
                .count();
            if fits != 1 {
                return Err(format!("{}: {value} fits {fits} of oneOf", at(path)));
            }
        }
        if let Value::Object(object) = value {
            let properties = schema.get("properties").and_then(Value::as_object);
            let additional = schema.get("additionalProperties");
            let typed_object = properties.is_some()
                || additional.is_some()
                || schema.get("type").is_some_and(|t| is_or_has(t, "object"));
            if typed_object {
                for (key, v) in object {
                    let p = format!("{path}.{key}");
                    match (properties.and_then(|p| p.get(key)), additional) {
                        (Some(s), _) => self.at(s, v, &p)?,
                        (None, Some(s @ Value::Object(_))) => self.at(s, v, &p)?,
                        _ => return Err(format!("{p}: not declared in the schema")),
                    }
                }
                for key in schema
                    .get("required")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                {
                    if !object.contains_key(key) {
                        return Err(format!("{}: required {key:?} is missing", at(path)));
                    }
                }
            }
        }
        if let Value::Array(items) = value {
            let prefix = schema
                .get("prefixItems")
                .and_then(Value::as_array)
                .map_or(&[][..], Vec::as_slice);
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                if let Some(s) = prefix.get(i) {
                    self.at(s, item, &p)?;
                } else if let Some(s) = schema.get("items") {
                    self.at(s, item, &p)?;
                }
            }
        }
        Ok(())
    }

    /// A value with every property the schema declares, each of its first allowed type: what
    /// serde must read, and what it writes must fit again. A type met again inside itself (an
    /// error's attempts carry errors) is left out there: `None`.
    fn sample(&self, schema: &Value) -> Value {
        self.sample_in(schema, &mut Vec::new())
            .unwrap_or(Value::Null)
    }

    fn sample_in(&self, schema: &Value, seen: &mut Vec<String>) -> Option<Value> {
        let Some(schema) = schema.as_object() else {
            return Some(Value::Null);
        };
        if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
            let name = r.trim_start_matches("#/$defs/").to_owned();
            if seen.contains(&name) {
                return None;
            }
            seen.push(name.clone());
            let out = self.sample_in(self.def(&name), seen);
            seen.pop();
            return out;
        }
        if let Some(options) = schema.get("enum").and_then(Value::as_array) {
            return Some(options[0].clone());
        }
        if let Some(c) = schema.get("const") {
            return Some(c.clone());
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
                // Prefer an alternative that is not `null`, to reach every nested field.
                return alternatives
                    .iter()
                    .filter(|s| s.get("type") != Some(&json!("null")))
                    .find_map(|s| self.sample_in(s, seen))
                    .or(Some(Value::Null));
            }
        }
        let kind = match schema.get("type") {
            Some(Value::String(s)) => s.as_str(),
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .find(|t| *t != "null")
                .unwrap_or("null"),
            _ => "null",
        };
        Some(match kind {
            "object" => {
                let mut out = Map::new();
                for (key, s) in schema
                    .get("properties")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                {
                    if let Some(v) = self.sample_in(s, seen) {
                        out.insert(key.clone(), v);
                    }
                }
                Value::Object(out)
            }
            "array" => match schema.get("prefixItems").and_then(Value::as_array) {
                Some(prefix) => Value::Array(
                    prefix
                        .iter()
                        .map(|s| self.sample_in(s, seen).unwrap_or(Value::Null))
                        .collect(),
                ),
                None => Value::Array(self.sample_in(&schema["items"], seen).into_iter().collect()),
            },
            "string" => json!("375291234567"),
            "integer" => json!(7),
            "number" => json!(1.5),
            "boolean" => json!(true),
            _ => Value::Null,
        })
    }
}

fn is_type(value: &Value, t: &str) -> bool {
    match t {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.is_i64() || value.is_u64(),
        other => panic!("unknown JSON type {other}"),
    }
}

fn is_or_has(t: &Value, name: &str) -> bool {
    match t {
        Value::String(s) => s == name,
        Value::Array(a) => a.iter().any(|v| v == name),
        _ => false,
    }
}

fn def_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/$defs/{name}") })
}

// ---- the file ---------------------------------------------------------------------------------

#[test]
fn docs_schema_json_is_generated_from_the_core() {
    let want = schema::render().unwrap_or_else(|e| panic!("{e}"));
    let path = workspace().join(schema::FILE);
    if std::env::var_os("VIBERGATE_BLESS").is_some() {
        std::fs::write(&path, &want).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        return;
    }
    let got = std::fs::read_to_string(&path).unwrap_or_default();
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(got.lines().count().min(want.lines().count()), |i| i)
            + 1;
        panic!(
            "{} is stale (first difference at line {line}); run VIBERGATE_BLESS=1 cargo test \
             -p vibergate-core --test schema and commit the file",
            schema::FILE
        );
    }
}

#[test]
fn every_row_of_the_operation_table_has_arguments_and_a_result() {
    let doc = document();
    let operations = doc["operations"].as_object().expect("operations");
    let names: Vec<&str> = operations.keys().map(String::as_str).collect();
    let rows: Vec<&str> = OPERATIONS.iter().map(|o| o.name).collect();
    assert_eq!(
        names, rows,
        "the schema's operations are the table's, in order"
    );
    for row in OPERATIONS {
        for kind in [TargetKind::Client, TargetKind::Router] {
            let side = if kind == TargetKind::Client {
                "client"
            } else {
                "router"
            };
            let entry = operations[row.name].get(side);
            assert_eq!(
                entry.is_some(),
                row.on.contains(&kind),
                "{} on a {side}",
                row.name
            );
            if let Some(entry) = entry {
                for part in ["arguments", "result"] {
                    assert!(entry[part].is_object(), "{}.{side}.{part}", row.name);
                }
            }
        }
        assert_eq!(operations[row.name]["summary"], row.summary);
    }
}

#[test]
fn the_validator_refuses_what_the_schema_does_not_declare() {
    let doc = document();
    let v = Validator::new(&doc);
    let accepted = json!({"phone": "375291234567", "message_id": "1"});
    v.check(&def_ref("Accepted"), &accepted).unwrap();
    let mut extra = accepted.clone();
    extra["price"] = json!("1");
    assert!(v.check(&def_ref("Accepted"), &extra).is_err());
    assert!(v
        .check(&def_ref("Accepted"), &json!({"message_id": "1"}))
        .is_err());
    assert!(v
        .check(&def_ref("DeliveryState"), &json!("on_its_way"))
        .is_err());
    assert!(v
        .check(&def_ref("Message"), &json!({"to": ["1"], "txt": "Hi"}))
        .is_err());
    assert!(v.check(&def_ref("RejectReason"), &json!("timeout")).is_ok());
}

// ---- values of every type ---------------------------------------------------------------------

/// A value with every declared field is read by serde (an input's unknown keys are refused, so
/// every declared key is one serde knows), written back, and fits the schema.
fn round_trip<T: Serialize + DeserializeOwned>(v: &Validator<'_>, name: &str) {
    let sample = v.sample(v.def(name));
    let value: T = serde_json::from_value(sample.clone())
        .unwrap_or_else(|e| panic!("{name}: serde refuses the schema's sample {sample}: {e}"));
    let written = serde_json::to_value(&value).unwrap();
    v.check(&def_ref(name), &written)
        .unwrap_or_else(|e| panic!("{name}: {e}\n{written}"));
    // Every declared key the sample filled is written back (none is silently dropped), unless
    // serde's rule drops it when empty, which a sample never is.
    if let (Some(a), Some(b)) = (sample.as_object(), written.as_object()) {
        let missing: Vec<&String> = a.keys().filter(|k| !b.contains_key(*k)).collect();
        assert!(missing.is_empty(), "{name}: written without {missing:?}");
    }
}

/// An input has no `Serialize` worth checking (secrets are written `***`): serde must read the
/// schema's sample, and refuse a key the schema does not declare.
fn reads<T: DeserializeOwned>(v: &Validator<'_>, name: &str) {
    let sample = v.sample(v.def(name));
    if let Err(e) = serde_json::from_value::<T>(sample.clone()) {
        panic!("{name}: serde refuses the schema's sample {sample}: {e}");
    }
    if v.def(name)["additionalProperties"] == json!(false) {
        let mut extra = sample;
        extra["not_a_field"] = json!(1);
        assert!(
            serde_json::from_value::<T>(extra).is_err(),
            "{name}: the schema says unknown keys are refused, serde took one"
        );
    }
}

#[test]
fn a_value_of_every_type_with_every_field_fits() {
    use vibergate_core::api::{Confirmed, Marked};
    use vibergate_core::Attempt;
    use vibergate_core::*;
    let doc = document();
    let v = Validator::new(&doc);
    round_trip::<SendReport>(&v, "SendReport");
    round_trip::<RoutedReport>(&v, "RoutedReport");
    round_trip::<Attempt>(&v, "Attempt");
    round_trip::<RoutedId>(&v, "RoutedId");
    round_trip::<DeliveryReport>(&v, "DeliveryReport");
    round_trip::<ErrorDetails>(&v, "ErrorDetails");
    round_trip::<Error>(&v, "Error");
    round_trip::<WebhookEvent>(&v, "WebhookEvent");
    round_trip::<BatchStatus>(&v, "BatchStatus");
    round_trip::<Balance>(&v, "Balance");
    round_trip::<Rate>(&v, "Rate");
    round_trip::<Chat>(&v, "Chat");
    round_trip::<ChatThread>(&v, "ChatThread");
    round_trip::<InboundMessage>(&v, "InboundMessage");
    round_trip::<Mailing>(&v, "Mailing");
    round_trip::<ListSend>(&v, "ListSend");
    round_trip::<Confirmed>(&v, "Confirmed");
    round_trip::<Marked>(&v, "Marked");
    round_trip::<Message>(&v, "Message");
    round_trip::<PersonalizedMessage>(&v, "PersonalizedMessage");
    round_trip::<ListMessage>(&v, "ListMessage");
    round_trip::<InboundQuery>(&v, "InboundQuery");
    reads::<Config>(&v, "Config");
    reads::<WebhookRequest>(&v, "WebhookRequest");
    for code in ErrorCode::ALL {
        v.check(&def_ref("ErrorCode"), &serde_json::to_value(code).unwrap())
            .unwrap();
        let reason = RejectReason::from(code);
        v.check(
            &def_ref("RejectReason"),
            &serde_json::to_value(reason).unwrap(),
        )
        .unwrap();
    }
    for state in DeliveryState::ALL {
        v.check(
            &def_ref("DeliveryState"),
            &serde_json::to_value(state).unwrap(),
        )
        .unwrap();
    }
    for reason in v.def("RejectReason")["enum"].as_array().unwrap() {
        let parsed = RejectReason::parse(reason.as_str().unwrap());
        assert_eq!(
            parsed.map(RejectReason::as_str),
            reason.as_str(),
            "RejectReason {reason} is not one serde reads back"
        );
    }
    for provider in ProviderId::ALL {
        v.check(
            &def_ref("Capabilities"),
            &serde_json::to_value(capabilities(provider)).unwrap(),
        )
        .unwrap_or_else(|e| panic!("{provider}: {e}"));
    }
}

// ---- the golden vectors -----------------------------------------------------------------------

#[test]
fn the_golden_vectors_fit_their_operation() {
    let doc = document();
    let v = Validator::new(&doc);
    let root = workspace().join("tests/vectors");
    let mut seen = 0;
    for dir in std::fs::read_dir(&root).expect("tests/vectors") {
        for file in std::fs::read_dir(dir.unwrap().path()).unwrap() {
            let path = file.unwrap().path();
            if path.extension().is_none_or(|e| e != "json") {
                continue;
            }
            let name = path.display().to_string();
            let vector: Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            let op = vector["operation"].as_str().expect("operation");
            let entry = &doc["operations"][op]["client"];
            assert!(entry.is_object(), "{name}: no operation {op} in the schema");
            let input = match &vector["input"] {
                Value::Null => json!({}),
                other => other.clone(),
            };
            // A vector that shows a validation error sends what the schema refuses: only the
            // ones with a result must fit.
            if let Some(expected) = vector.get("expected") {
                v.check(&entry["arguments"], &input)
                    .unwrap_or_else(|e| panic!("{name}: input: {e}"));
                v.check(&entry["result"], expected)
                    .unwrap_or_else(|e| panic!("{name}: expected: {e}"));
            }
            if let Some(error) = vector.get("error").and_then(Value::as_object) {
                // The vector lists the fields it pins, not all the required ones.
                let details = v.def("ErrorDetails");
                for (key, value) in error {
                    let s = &details["properties"][key];
                    assert!(s.is_object(), "{name}: error.{key} is not declared");
                    v.check(s, value)
                        .unwrap_or_else(|e| panic!("{name}: error.{key}: {e}"));
                }
            }
            seen += 1;
        }
    }
    assert!(seen > 50, "expected the vector set, found {seen}");
}

// ---- the sandbox ------------------------------------------------------------------------------

/// Runs operations through the table and checks every answer: a result against the operation's
/// result schema, an error against `ErrorDetails`.
struct Runner<'a> {
    v: Validator<'a>,
    doc: &'a Value,
    succeeded: BTreeSet<(&'static str, String)>,
}

impl Runner<'_> {
    fn run(&mut self, target: Target<'_>, op: &str, args: Value) -> Option<Value> {
        let side = match target.kind() {
            TargetKind::Client => "client",
            TargetKind::Router => "router",
        };
        let entry = &self.doc["operations"][op][side];
        self.v
            .check(&entry["arguments"], &args)
            .unwrap_or_else(|e| panic!("{op} arguments {args}: {e}"));
        match api::call(target, op, &args.to_string()) {
            Ok(text) => {
                let result: Value = serde_json::from_str(&text).unwrap();
                self.v
                    .check(&entry["result"], &result)
                    .unwrap_or_else(|e| panic!("{op} on a {side}: {e}\n{result}"));
                self.succeeded.insert((side_name(side), op.to_owned()));
                Some(result)
            }
            Err(error) => {
                let value = serde_json::to_value(&error).unwrap();
                self.v
                    .check(&def_ref("Error"), &value)
                    .unwrap_or_else(|e| panic!("{op} error: {e}\n{value}"));
                None
            }
        }
    }
}

fn side_name(side: &str) -> &'static str {
    if side == "client" {
        "client"
    } else {
        "router"
    }
}

fn ids_of(report: &Option<Value>) -> Vec<Value> {
    report
        .as_ref()
        .and_then(|r| r["accepted"].as_array())
        .into_iter()
        .flatten()
        .filter_map(|a| a.get("message_id").cloned())
        .collect()
}

#[test]
fn every_operation_answers_within_its_schema() {
    let doc = document();
    let mut r = Runner {
        v: Validator::new(&doc),
        doc: &doc,
        succeeded: BTreeSet::new(),
    };
    let sb = Sandbox::start(SandboxConfig::default()).unwrap();
    let client = |p: ProviderId| Client::from_dsn(&sb.dsn(p)).unwrap();

    // SMS Club: a two-way send opens a chat.
    let c = client(ProviderId::SmsClub);
    let sent = r.run(
        Target::Client(&c),
        "send",
        json!({"to": ["380989361121", "380989360000"], "text": "Hi", "two_way": true}),
    );
    let ids = ids_of(&sent);
    r.run(Target::Client(&c), "status", json!({ "ids": ids }));
    let chat_id = sent
        .as_ref()
        .and_then(|s| s["accepted"][0]["chat_id"].as_str().map(str::to_owned));
    r.run(Target::Client(&c), "chats", json!({}));
    if let Some(chat_id) = chat_id {
        r.run(Target::Client(&c), "chat", json!({ "chat_id": chat_id }));
        r.run(Target::Client(&c), "inbound", json!({ "chat_id": chat_id }));
    }
    r.run(Target::Client(&c), "capabilities", json!({}));
    r.run(Target::Client(&c), "balance", json!({}));

    // SMS.by: a bulk send, a personalised one, a list mailing and its replies.
    let c = client(ProviderId::SmsBy);
    let bulk = r.run(
        Target::Client(&c),
        "send",
        json!({"to": ["375291234567", "375292222222"], "text": "Sale", "label": "October"}),
    );
    if let Some(batch) = bulk.as_ref().and_then(|b| b["batch_id"].as_str()) {
        r.run(
            Target::Client(&c),
            "status_batch",
            json!({ "batch_id": batch }),
        );
    }
    r.run(
        Target::Client(&c),
        "send_personalized",
        json!({"items": [{"to": "375291111111", "text": "Hi Ann", "button_url": "https://x.example/1"}],
               "button_text": "Open"}),
    );
    let list = r.run(
        Target::Client(&c),
        "send_to_list",
        json!({"list_id": "1", "text": "News"}),
    );
    if let Some(mailing) = list.as_ref().and_then(|l| l["mailing_id"].as_str()) {
        let m = json!({ "mailing_id": mailing });
        r.run(Target::Client(&c), "confirm_mailing", m.clone());
        r.run(Target::Client(&c), "delivery_list", m.clone());
        r.run(Target::Client(&c), "mailing", m.clone());
        r.run(Target::Client(&c), "mailings", json!({}));
        let inbound = r.run(Target::Client(&c), "inbound", m);
        let ids: Vec<Value> = inbound
            .as_ref()
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|i| i.get("id").cloned())
            .collect();
        r.run(
            Target::Client(&c),
            "mark_inbound_read",
            json!({ "ids": ids }),
        );
    }

    // Intel-Tele: the account.
    let c = client(ProviderId::IntelTele);
    r.run(Target::Client(&c), "balance", json!({}));
    r.run(Target::Client(&c), "rates", json!({}));

    // DecisionTelecom: a send and its status; an operation it lacks is an error that fits.
    let c = client(ProviderId::DecisionTelecom);
    let sent = r.run(
        Target::Client(&c),
        "send",
        json!({"to": ["972512222221"], "text": "Hi"}),
    );
    r.run(
        Target::Client(&c),
        "status",
        json!({ "ids": ids_of(&sent) }),
    );
    r.run(Target::Client(&c), "chats", json!({}));

    // A router over two providers.
    let chain = format!(
        "{} || {}",
        sb.dsn(ProviderId::DecisionTelecom),
        sb.dsn(ProviderId::SmsClub)
    );
    let router = Router::from_dsn(&chain).unwrap();
    let routed = r.run(
        Target::Router(&router),
        "send",
        json!({"to": ["380989361121"], "text": "Hi"}),
    );
    r.run(
        Target::Router(&router),
        "send_personalized",
        json!({"items": [{"to": "380989361121", "text": "Hi"}]}),
    );
    let routed_ids: Vec<Value> = routed
        .as_ref()
        .and_then(|r| r["accepted"].as_array())
        .into_iter()
        .flatten()
        .map(|a| json!({"provider": a["provider"], "message_id": a["message_id"]}))
        .collect();
    r.run(
        Target::Router(&router),
        "status",
        json!({ "ids": routed_ids }),
    );
    sb.stop();

    let mut missing = Vec::new();
    for row in OPERATIONS {
        for &kind in row.on {
            let side = if kind == TargetKind::Client {
                "client"
            } else {
                "router"
            };
            if !r.succeeded.contains(&(side, row.name.to_owned())) {
                missing.push(format!("{} on a {side}", row.name));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "no answer of these was checked (add them to this test): {missing:?}"
    );
}

// ---- the Node typings -------------------------------------------------------------------------

/// The interfaces and classes of a `.d.ts`: name → (own property names, what it extends).
fn typings(text: &str) -> BTreeMap<String, (BTreeSet<String>, Vec<String>)> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let head = line.trim_start();
        let rest = head
            .strip_prefix("export interface ")
            .or_else(|| head.strip_prefix("export declare class "));
        let Some(rest) = rest else { continue };
        if !rest.trim_end().ends_with('{') {
            continue;
        }
        let rest = rest.trim_end().trim_end_matches('{').trim();
        let (name, parents) = match rest.split_once(" extends ") {
            Some((n, p)) => (n, p.split(',').map(|s| s.trim().to_owned()).collect()),
            None => (rest, Vec::new()),
        };
        // Drop generic parameters (`LateResult<T = …>`).
        let name = name.split('<').next().unwrap_or(name).trim().to_owned();
        let mut props = BTreeSet::new();
        let mut depth = 1usize;
        for body in lines.by_ref() {
            let t = body.trim();
            if depth == 1 && !t.starts_with("/*") && !t.starts_with('*') {
                let t = t.strip_prefix("readonly ").unwrap_or(t);
                let ident: String = t
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '$')
                    .collect();
                let after = t[ident.len()..].trim_start();
                if !ident.is_empty() && (after.starts_with(':') || after.starts_with("?:")) {
                    props.insert(ident);
                }
            }
            depth = (depth + t.matches('{').count()).saturating_sub(t.matches('}').count());
            if depth == 0 {
                break;
            }
        }
        out.insert(name, (props, parents));
    }
    out
}

fn all_properties(
    types: &BTreeMap<String, (BTreeSet<String>, Vec<String>)>,
    name: &str,
) -> BTreeSet<String> {
    let Some((own, parents)) = types.get(name) else {
        // JavaScript's own `Error` gives `message` and `name`.
        return if name == "Error" {
            ["message", "name", "stack"].map(String::from).into()
        } else {
            BTreeSet::new()
        };
    };
    let mut all = own.clone();
    for p in parents {
        all.extend(all_properties(types, p));
    }
    all
}

#[test]
fn index_d_ts_declares_every_property_of_the_schema() {
    let doc = document();
    let v = Validator::new(&doc);
    let text = std::fs::read_to_string(workspace().join("bindings-node/index.d.ts"))
        .expect("bindings-node/index.d.ts");
    let types = typings(&text);
    // (schema type, TypeScript type, properties the TypeScript type takes elsewhere, why).
    let pairs: &[(&str, &str, &[&str])] = &[
        ("Message", "Message", &[]),
        ("Button", "Button", &[]),
        ("SmsFallback", "SmsFallback", &[]),
        ("Schedule", "Schedule", &[]),
        ("PersonalizedItem", "PersonalizedItem", &[]),
        ("PersonalizedMessage", "PersonalizedMessage", &[]),
        ("ListMessage", "ListMessage", &[]),
        ("InboundQuery", "InboundQuery", &[]),
        ("SendReport", "SendReport", &[]),
        ("Accepted", "Accepted", &[]),
        ("Rejected", "Rejected", &[]),
        ("Uncertain", "Uncertain", &[]),
        ("RoutedReport", "RoutedReport", &[]),
        ("RoutedAccepted", "RoutedAccepted", &[]),
        ("RoutedRejected", "RoutedRejected", &[]),
        ("RoutedUncertain", "RoutedUncertain", &[]),
        ("RoutedId", "RoutedId", &[]),
        ("Attempt", "Attempt", &[]),
        ("DeliveryReport", "DeliveryReport", &[]),
        ("BatchStatus", "BatchStatus", &[]),
        ("MailingStatus", "MailingStatus", &[]),
        ("Mailing", "Mailing", &[]),
        ("ListSend", "ListSend", &[]),
        ("Balance", "Balance", &[]),
        ("Rate", "Rate", &[]),
        ("Chat", "Chat", &[]),
        ("ChatThread", "ChatThread", &[]),
        ("ChatMessage", "ChatMessage", &[]),
        ("InboundMessage", "InboundMessage", &[]),
        ("Capabilities", "Capabilities", &[]),
        ("WebhookEvent", "WebhookEvent", &[]),
        ("WebhookRequest", "WebhookRequest", &[]),
        ("ErrorDetails", "VibergateError", &[]),
        // The provider is the factory's name and the credentials its first argument
        // (`Client.smsclub({ token, …options })`).
        (
            "Config",
            "ClientOptions",
            &["provider", "token", "api_key", "username"],
        ),
    ];
    let mut missing = Vec::new();
    for (schema_name, ts_name, elsewhere) in pairs {
        let declared = all_properties(&types, ts_name);
        if !types.contains_key(*ts_name) {
            missing.push(format!("{ts_name} (for {schema_name}) is not declared"));
            continue;
        }
        let properties = v.def(schema_name)["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{schema_name} has no properties"));
        for key in properties.keys() {
            if elsewhere.contains(&key.as_str()) {
                continue;
            }
            let camel = camel_case(key);
            if !declared.contains(&camel) {
                missing.push(format!("{ts_name}.{camel} (from {schema_name}.{key})"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "bindings-node/index.d.ts lacks properties the core writes or reads:\n{}",
        missing.join("\n")
    );
}
