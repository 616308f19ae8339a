//! A compact JSON Schema (2020-12) validator for the keywords api/openapi.yaml
//! uses, with one rule of its own: objects are closed. A property that no
//! schema applying at its place names fails, unless one of them says
//! `additionalProperties` or `unevaluatedProperties` other than `false`; so a
//! field the server starts sending cannot slip past an outdated spec.
//!
//! Closedness is decided per place in the document, after every in-place
//! applicator (`$ref`, `allOf`, `oneOf`, `anyOf`, `if`/`then`/`else`) has
//! named its properties, so `allOf: [A, B]` accepts A's and B's properties.
//! A keyword it does not know is a panic, not a silent pass.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{Mutex, OnceLock};

use serde_json::{Map, Value};

/// One way a JSON value differs from its schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Mismatch {
    /// JSON pointer into the value, `""` for the value itself.
    pub pointer: String,
    pub problem: String,
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.pointer.is_empty() {
            "the top"
        } else {
            &self.pointer
        };
        write!(f, "at {at}: {}", self.problem)
    }
}

/// Validates against schemas of one document, in which `$ref`s resolve.
pub struct Validator<'a> {
    document: &'a Value,
}

/// What applying a schema in place found: mismatches, and the properties it
/// spoke of (for closedness).
#[derive(Default)]
struct Outcome {
    mismatches: Vec<Mismatch>,
    evaluated: BTreeSet<String>,
    describes_object: bool,
}

impl Outcome {
    fn fail(&mut self, pointer: &str, problem: impl Into<String>) {
        self.mismatches.push(Mismatch {
            pointer: pointer.to_owned(),
            problem: problem.into(),
        });
    }

    fn is_valid(&self) -> bool {
        self.mismatches.is_empty()
    }

    fn absorb(&mut self, mut other: Outcome) {
        self.mismatches.append(&mut other.mismatches);
        self.absorb_annotations(other);
    }

    /// What a passing branch named, without its (absent) mismatches.
    fn absorb_annotations(&mut self, other: Outcome) {
        self.evaluated.extend(other.evaluated);
        self.describes_object |= other.describes_object;
    }
}

/// Keywords that describe without constraining. (`discriminator`, OpenAPI's,
/// only steers `oneOf`: see `alternatives`.)
const ANNOTATIONS: [&str; 7] = [
    "description",
    "example",
    "examples",
    "default",
    "title",
    "deprecated",
    "discriminator",
];

impl<'a> Validator<'a> {
    pub fn new(document: &'a Value) -> Self {
        Validator { document }
    }

    /// Every way `value` differs from `schema`, objects closed.
    pub fn validate(&self, schema: &Value, value: &Value) -> Vec<Mismatch> {
        self.at_place(schema, value, "")
    }

    /// The schema at `#/...` (e.g. `#/components/schemas/Problem`).
    pub fn resolve(&self, reference: &str) -> &'a Value {
        let pointer = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $refs are supported: {reference}"));
        self.document
            .pointer(pointer)
            .unwrap_or_else(|| panic!("$ref to nothing: {reference}"))
    }

    /// A schema applied where a value stands: in place, then closed.
    fn at_place(&self, schema: &Value, value: &Value, pointer: &str) -> Vec<Mismatch> {
        let mut outcome = self.in_place(schema, value, pointer);
        if let (Value::Object(members), true) = (value, outcome.describes_object) {
            for name in members.keys() {
                if !outcome.evaluated.contains(name) {
                    outcome.fail(
                        &child(pointer, name),
                        format!("property `{name}` is not in the schema"),
                    );
                }
            }
        }
        outcome.mismatches
    }

    fn in_place(&self, schema: &Value, value: &Value, pointer: &str) -> Outcome {
        let mut outcome = Outcome::default();
        let keywords = match schema {
            Value::Bool(true) => return outcome,
            Value::Bool(false) => {
                outcome.fail(pointer, "no value is allowed here");
                return outcome;
            }
            Value::Object(keywords) => keywords,
            other => panic!("not a schema: {other}"),
        };
        for (keyword, argument) in keywords {
            self.keyword(keyword, argument, keywords, value, pointer, &mut outcome);
        }
        if let Some(rest) = keywords.get("unevaluatedProperties") {
            self.unevaluated(rest, value, pointer, &mut outcome);
        }
        outcome
    }

    fn keyword(
        &self,
        keyword: &str,
        argument: &Value,
        schema: &Map<String, Value>,
        value: &Value,
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        match keyword {
            "$ref" => {
                let target = self.resolve(as_str(argument));
                outcome.absorb(self.in_place(target, value, pointer));
            }
            "type" => check_type(argument, value, pointer, outcome),
            "enum" => {
                let allowed = as_array(argument);
                if !allowed.contains(value) {
                    outcome.fail(pointer, format!("{value} is not one of {argument}"));
                }
            }
            "const" => {
                if value != argument {
                    outcome.fail(pointer, format!("{value} is not {argument}"));
                }
            }
            "format" | "pattern" | "minLength" | "maxLength" => {
                if let Value::String(text) = value {
                    check_string(keyword, argument, text, pointer, outcome);
                }
            }
            "minimum" | "maximum" => check_bound(keyword, argument, value, pointer, outcome),
            "items" | "minItems" | "maxItems" | "uniqueItems" => {
                if let Value::Array(items) = value {
                    self.array(keyword, argument, items, pointer, outcome);
                }
            }
            "required" | "properties" | "additionalProperties" | "minProperties"
            | "maxProperties" => {
                outcome.describes_object = true;
                if let Value::Object(members) = value {
                    self.object(keyword, argument, schema, members, pointer, outcome);
                }
            }
            "allOf" => {
                for branch in as_array(argument) {
                    outcome.absorb(self.in_place(branch, value, pointer));
                }
            }
            "oneOf" => match self.chosen(schema, value) {
                Some(branch) => outcome.absorb(self.in_place(branch, value, pointer)),
                None => self.alternatives(keyword, argument, value, pointer, outcome),
            },
            "anyOf" => self.alternatives(keyword, argument, value, pointer, outcome),
            "if" => self.conditional(argument, schema, value, pointer, outcome),
            "then" | "else" | "unevaluatedProperties" => {} // with `if`, and last
            annotation if ANNOTATIONS.contains(&annotation) => {}
            unknown => panic!(
                "api/openapi.yaml uses the keyword `{unknown}`, which tests/api/schema.rs does not check"
            ),
        }
    }

    fn array(
        &self,
        keyword: &str,
        argument: &Value,
        items: &[Value],
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        match keyword {
            "items" => {
                for (index, item) in items.iter().enumerate() {
                    let place = child(pointer, &index.to_string());
                    outcome
                        .mismatches
                        .extend(self.at_place(argument, item, &place));
                }
            }
            "minItems" if (items.len() as u64) < as_u64(argument) => {
                outcome.fail(pointer, format!("fewer than {argument} items"));
            }
            "maxItems" if (items.len() as u64) > as_u64(argument) => {
                outcome.fail(pointer, format!("more than {argument} items"));
            }
            "uniqueItems" if argument == &Value::Bool(true) && has_duplicates(items) => {
                outcome.fail(pointer, "items are not unique");
            }
            _ => {}
        }
    }

    fn object(
        &self,
        keyword: &str,
        argument: &Value,
        schema: &Map<String, Value>,
        members: &Map<String, Value>,
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        match keyword {
            "required" => {
                for name in as_array(argument).iter().map(as_str) {
                    if !members.contains_key(name) {
                        outcome.fail(pointer, format!("required property `{name}` is missing"));
                    }
                }
            }
            "properties" => {
                for (name, property) in as_object(argument) {
                    if let Some(member) = members.get(name) {
                        let place = child(pointer, name);
                        outcome
                            .mismatches
                            .extend(self.at_place(property, member, &place));
                        outcome.evaluated.insert(name.clone());
                    }
                }
            }
            "additionalProperties" => {
                let named = schema.get("properties").map(as_object);
                let is_named = |name: &String| named.is_some_and(|n| n.contains_key(name));
                for (name, member) in members.iter().filter(|(name, _)| !is_named(name)) {
                    self.rest(argument, name, member, pointer, outcome);
                }
            }
            "minProperties" if (members.len() as u64) < as_u64(argument) => {
                outcome.fail(pointer, format!("fewer than {argument} properties"));
            }
            "maxProperties" if (members.len() as u64) > as_u64(argument) => {
                outcome.fail(pointer, format!("more than {argument} properties"));
            }
            _ => {}
        }
    }

    /// `unevaluatedProperties`: runs after the schema's other keywords.
    fn unevaluated(&self, rest: &Value, value: &Value, pointer: &str, outcome: &mut Outcome) {
        outcome.describes_object = true;
        let Value::Object(members) = value else {
            return;
        };
        for (name, member) in members {
            if !outcome.evaluated.contains(name) {
                self.rest(rest, name, member, pointer, outcome);
            }
        }
    }

    /// A property left to `additionalProperties` or `unevaluatedProperties`:
    /// refused by `false`, else checked; either way the schema spoke of it.
    fn rest(
        &self,
        schema: &Value,
        name: &str,
        member: &Value,
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        let place = child(pointer, name);
        if schema == &Value::Bool(false) {
            outcome.fail(&place, format!("property `{name}` is not allowed"));
        } else {
            let mismatches = self.at_place(schema, member, &place);
            outcome.mismatches.extend(mismatches);
        }
        outcome.evaluated.insert(name.to_owned());
    }

    fn alternatives(
        &self,
        keyword: &str,
        branches: &Value,
        value: &Value,
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        let (passed, failed): (Vec<Outcome>, Vec<Outcome>) = as_array(branches)
            .iter()
            .map(|branch| self.in_place(branch, value, pointer))
            .partition(Outcome::is_valid);
        match (keyword, passed.len()) {
            (_, 0) => {
                let closest = failed
                    .into_iter()
                    .min_by_key(|o| o.mismatches.len())
                    .map(|o| o.mismatches)
                    .unwrap_or_default();
                let reasons: Vec<String> = closest.iter().map(ToString::to_string).collect();
                outcome.fail(
                    pointer,
                    format!(
                        "matches no branch of {keyword}; closest: {}",
                        reasons.join("; ")
                    ),
                );
            }
            ("oneOf", count) if count > 1 => {
                outcome.fail(pointer, format!("matches {count} branches of oneOf"));
            }
            _ => {
                for branch in passed {
                    outcome.absorb_annotations(branch);
                }
            }
        }
    }

    /// The `oneOf` branch a `discriminator` names for this value, so that a
    /// mismatch is reported where it is, as a generated client would see it.
    fn chosen(&self, schema: &Map<String, Value>, value: &Value) -> Option<&'a Value> {
        let discriminator = schema.get("discriminator")?;
        let name = value
            .get(as_str(&discriminator["propertyName"]))?
            .as_str()?;
        let reference = discriminator.get("mapping")?.get(name)?;
        Some(self.resolve(as_str(reference)))
    }

    fn conditional(
        &self,
        condition: &Value,
        schema: &Map<String, Value>,
        value: &Value,
        pointer: &str,
        outcome: &mut Outcome,
    ) {
        let tested = self.in_place(condition, value, pointer);
        let branch = if tested.is_valid() {
            outcome.absorb_annotations(tested);
            schema.get("then")
        } else {
            schema.get("else")
        };
        if let Some(branch) = branch {
            outcome.absorb(self.in_place(branch, value, pointer));
        }
    }
}

fn check_type(expected: &Value, value: &Value, pointer: &str, outcome: &mut Outcome) {
    let names: Vec<&str> = match expected {
        Value::String(name) => vec![name.as_str()],
        Value::Array(names) => names.iter().map(as_str).collect(),
        other => panic!("not a type: {other}"),
    };
    outcome.describes_object |= names.contains(&"object");
    if !names.iter().any(|name| has_type(name, value)) {
        outcome.fail(pointer, format!("{value} is not of type {expected}"));
    }
}

fn has_type(name: &str, value: &Value) -> bool {
    match name {
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "number" => value.is_number(),
        "integer" => value.as_f64().is_some_and(|n| n.fract() == 0.0),
        other => panic!("unknown type `{other}`"),
    }
}

fn check_string(keyword: &str, argument: &Value, text: &str, pointer: &str, outcome: &mut Outcome) {
    let length = text.chars().count() as u64;
    let fits = match keyword {
        "format" => has_format(as_str(argument), text),
        "pattern" => matches_pattern(as_str(argument), text),
        "minLength" => length >= as_u64(argument),
        "maxLength" => length <= as_u64(argument),
        _ => unreachable!("string keywords only"),
    };
    if !fits {
        outcome.fail(
            pointer,
            format!("{text:?} does not satisfy {keyword}: {argument}"),
        );
    }
}

/// Compiled once per pattern: the suite checks thousands of bodies.
fn matches_pattern(pattern: &str, text: &str) -> bool {
    static COMPILED: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let mut compiled = COMPILED.get_or_init(Default::default).lock().unwrap();
    compiled
        .entry(pattern.to_owned())
        .or_insert_with(|| {
            regex::Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
        })
        .is_match(text)
}

/// Formats checked loosely: the shape, not every calendar rule.
fn has_format(format: &str, text: &str) -> bool {
    match format {
        "date" => chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_ok(),
        "date-time" => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
        "uuid" => text.len() == 36 && uuid::Uuid::parse_str(text).is_ok(),
        "email" => text.contains('@'),
        "uri" => text
            .split_once(':')
            .is_some_and(|(scheme, _)| scheme.starts_with(|c: char| c.is_ascii_alphabetic())),
        other => panic!("unknown format `{other}`"),
    }
}

fn check_bound(keyword: &str, bound: &Value, value: &Value, pointer: &str, outcome: &mut Outcome) {
    let (Some(number), Some(limit)) = (value.as_f64(), bound.as_f64()) else {
        return;
    };
    let fits = if keyword == "minimum" {
        number >= limit
    } else {
        number <= limit
    };
    if !fits {
        outcome.fail(pointer, format!("{value} is outside {keyword} {bound}"));
    }
}

fn has_duplicates(items: &[Value]) -> bool {
    items
        .iter()
        .enumerate()
        .any(|(i, item)| items[i + 1..].contains(item))
}

fn child(pointer: &str, name: &str) -> String {
    format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1"))
}

fn as_str(value: &Value) -> &str {
    value
        .as_str()
        .unwrap_or_else(|| panic!("expected a string in the schema: {value}"))
}

fn as_u64(value: &Value) -> u64 {
    value
        .as_u64()
        .unwrap_or_else(|| panic!("expected a count in the schema: {value}"))
}

fn as_array(value: &Value) -> &Vec<Value> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("expected a list in the schema: {value}"))
}

fn as_object(value: &Value) -> &Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("expected a map in the schema: {value}"))
}
