//! api/openapi.yaml as the tests hold the server to it: every exchange the
//! test client makes is checked against the operation it reached.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use serde_json::{Map, Value};

use crate::schema::{Mismatch, Validator};

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// One request and its answer, as the test client saw them.
pub struct Exchange<'a> {
    pub method: &'a str,
    /// Without the query string.
    pub path: &'a str,
    pub request_body: Option<&'a [u8]>,
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub response_body: &'a [u8],
}

pub struct Spec {
    document: Value,
}

/// The spec, read once per test run.
pub fn spec() -> &'static Spec {
    static SPEC: OnceLock<Spec> = OnceLock::new();
    SPEC.get_or_init(|| {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/api/openapi.yaml");
        let text = std::fs::read_to_string(path).expect("read api/openapi.yaml");
        let document = serde_norway::from_str(&text).expect("api/openapi.yaml is YAML");
        Spec { document }
    })
}

/// Where a request landed in the spec.
enum Target<'a> {
    Operation {
        template: &'a str,
        operation: &'a Value,
    },
    /// The path exists, not with this method: 405.
    OtherMethod,
    /// No path matches: 404.
    Nowhere,
}

impl Spec {
    pub fn document(&self) -> &Value {
        &self.document
    }

    pub fn validator(&self) -> Validator<'_> {
        Validator::new(&self.document)
    }

    /// `#/components/schemas/{name}`.
    pub fn schema(&self, name: &str) -> &Value {
        self.validator()
            .resolve(&format!("#/components/schemas/{name}"))
    }

    /// (lower-case method, path) of every operation.
    pub fn routes(&self) -> BTreeSet<(String, String)> {
        self.paths()
            .iter()
            .flat_map(|(path, item)| {
                METHODS
                    .iter()
                    .filter(|method| item.get(**method).is_some())
                    .map(|method| ((*method).to_owned(), path.clone()))
            })
            .collect()
    }

    /// Every way the exchange strays from the spec, as one readable report.
    pub fn check(&self, exchange: &Exchange) -> Result<(), String> {
        let (template, mismatches) = match self.target(exchange.method, exchange.path) {
            Target::Operation {
                template,
                operation,
            } => (template, self.check_operation(operation, exchange)),
            Target::OtherMethod => ("(no such method)", self.check_problem(405, exchange)),
            Target::Nowhere => ("(no such path)", self.check_problem(404, exchange)),
        };
        if mismatches.is_empty() {
            return Ok(());
        }
        Err(format!(
            "{} {} (spec: {template}) answered {}, which api/openapi.yaml does not describe:\n  {}\nresponse body: {}",
            exchange.method,
            exchange.path,
            exchange.status,
            mismatches.join("\n  "),
            excerpt(exchange.response_body),
        ))
    }

    fn paths(&self) -> &Map<String, Value> {
        self.document["paths"]
            .as_object()
            .expect("api/openapi.yaml has paths")
    }

    /// Literal segments win over `{parameters}`, left to right, as in the
    /// route table (`/officials/lookup` before `/officials/{id}`).
    fn target(&self, method: &str, path: &str) -> Target<'_> {
        let best = self
            .paths()
            .iter()
            .filter_map(|(template, item)| {
                match_rank(template, path).map(|rank| (rank, template, item))
            })
            .max_by(|a, b| a.0.cmp(&b.0));
        match best {
            None => Target::Nowhere,
            Some((_, template, item)) => match item.get(method.to_lowercase()) {
                Some(operation) => Target::Operation {
                    template,
                    operation,
                },
                None => Target::OtherMethod,
            },
        }
    }

    fn check_operation(&self, operation: &Value, exchange: &Exchange) -> Vec<String> {
        let Some(response) = declared_response(operation, exchange.status) else {
            return vec![format!(
                "status {} is not among the declared responses",
                exchange.status
            )];
        };
        let mut mismatches = self.check_response(self.follow(response), exchange);
        if (200..300).contains(&exchange.status) {
            mismatches.extend(self.check_request(operation, exchange.request_body));
        }
        mismatches
    }

    /// Outside every operation the server answers with a problem.
    fn check_problem(&self, status: u16, exchange: &Exchange) -> Vec<String> {
        if exchange.status != status {
            return vec![format!(
                "expected {status}, the answer for a route the spec does not have"
            )];
        }
        let problem = serde_json::json!({"application/problem+json": {
            "schema": {"$ref": "#/components/schemas/Problem"}
        }});
        self.check_content(&problem, exchange)
    }

    fn check_response(&self, response: &Value, exchange: &Exchange) -> Vec<String> {
        match response.get("content") {
            Some(content) => self.check_content(content, exchange),
            None if exchange.response_body.is_empty() => vec![],
            None => vec!["a body, where the spec declares none".to_owned()],
        }
    }

    fn check_content(&self, content: &Value, exchange: &Exchange) -> Vec<String> {
        let media_type = exchange
            .content_type
            .map(|t| t.split(';').next().unwrap_or_default().trim())
            .unwrap_or_default();
        let Some(schema) = content.get(media_type).and_then(|c| c.get("schema")) else {
            return vec![format!(
                "content type `{media_type}` is not declared (declared: {})",
                keys(content)
            )];
        };
        if self.follow(schema).get("format").and_then(Value::as_str) == Some("binary") {
            // a file: the test reads it back with a CSV or XLSX reader
            return if exchange.response_body.is_empty() {
                vec!["an empty file".to_owned()]
            } else {
                vec![]
            };
        }
        if !media_type.ends_with("json") {
            // a text format (iCalendar): the body is its text, a string
            return match std::str::from_utf8(exchange.response_body) {
                Ok(text) => in_body(
                    "response body",
                    self.validator().validate(schema, &Value::from(text)),
                ),
                Err(e) => vec![format!("the response body is not UTF-8 text: {e}")],
            };
        }
        match serde_json::from_slice(exchange.response_body) {
            Ok(body) => in_body("response body", self.validator().validate(schema, &body)),
            Err(e) => vec![format!("the response body is not JSON: {e}")],
        }
    }

    /// What the server accepted must be what the spec says it accepts.
    fn check_request(&self, operation: &Value, body: Option<&[u8]>) -> Vec<String> {
        let declared = operation
            .get("requestBody")
            .map(|b| self.follow(b))
            .and_then(|b| b.pointer("/content/application~1json/schema"));
        let sent = body.filter(|b| !b.is_empty());
        match (declared, sent) {
            (None, None) => vec![],
            (None, Some(_)) => vec!["a request body, where the spec declares none".to_owned()],
            (Some(_), None) if operation["requestBody"]["required"] == true => {
                vec!["no request body, where the spec requires one".to_owned()]
            }
            (Some(_), None) => vec![],
            (Some(schema), Some(bytes)) => match serde_json::from_slice(bytes) {
                Ok(sent) => in_body("request body", self.validator().validate(schema, &sent)),
                Err(e) => vec![format!("the request body is not JSON: {e}")],
            },
        }
    }

    /// A response or request body object, through its `$ref` if it has one.
    fn follow<'a>(&'a self, object: &'a Value) -> &'a Value {
        match object.get("$ref") {
            Some(reference) => self
                .validator()
                .resolve(reference.as_str().expect("$ref is a string")),
            None => object,
        }
    }
}

/// How `template` matches `path`, segment by segment (`true` literal,
/// `false` parameter), as a ranking key; `None` when it does not match.
fn match_rank(template: &str, path: &str) -> Option<Vec<bool>> {
    let wanted: Vec<&str> = template.split('/').collect();
    let given: Vec<&str> = path.split('/').collect();
    if wanted.len() != given.len() {
        return None;
    }
    wanted
        .iter()
        .zip(&given)
        .map(|(wanted, given)| match_segment(wanted, given))
        .collect()
}

fn match_segment(wanted: &str, given: &str) -> Option<bool> {
    if wanted.starts_with('{') {
        (!given.is_empty()).then_some(false)
    } else {
        (wanted == given).then_some(true)
    }
}

/// The response for `status`: exact, then its range (`4XX`), then `default`.
fn declared_response(operation: &Value, status: u16) -> Option<&Value> {
    let responses = &operation["responses"];
    responses
        .get(status.to_string())
        .or_else(|| responses.get(format!("{}XX", status / 100)))
        .or_else(|| responses.get("default"))
}

fn in_body(part: &str, mismatches: Vec<Mismatch>) -> Vec<String> {
    mismatches.iter().map(|m| format!("{part} {m}")).collect()
}

/// The start of a body: enough to recognise it in a failure report.
fn excerpt(body: &[u8]) -> String {
    String::from_utf8_lossy(body).chars().take(2000).collect()
}

fn keys(object: &Value) -> String {
    object
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>().join(", "))
        .unwrap_or_default()
}
