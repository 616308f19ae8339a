//! api/openapi.yaml must describe exactly the routes the application
//! registers, and its schemas must reject what they do not describe (every
//! exchange of the other tests is checked against them in helpers.rs).

use std::collections::BTreeSet;

use serde_json::json;

use crate::openapi::{spec, Exchange};

fn served_routes() -> BTreeSet<(String, String)> {
    odb::routes::route_list()
        .into_iter()
        .map(|(method, path)| (method.to_lowercase(), path))
        .collect()
}

#[test]
fn the_openapi_document_lists_exactly_the_served_routes() {
    let served = served_routes();
    let described = spec().routes();
    assert!(served.len() > 40, "the route table: {served:?}");
    let missing: Vec<_> = served.difference(&described).collect();
    let stale: Vec<_> = described.difference(&served).collect();
    assert!(
        missing.is_empty() && stale.is_empty(),
        "not in api/openapi.yaml: {missing:?}\nin the spec but not served: {stale:?}"
    );
}

fn user_view() -> serde_json::Value {
    json!({
        "id": "5d2c5cdf-7b6e-4e43-9d1e-0d6f1d0a1b01",
        "username": "can.bo",
        "display_name": "Cán bộ",
        "home_organization_id": "3f6c2a9e-1b7d-4c1e-9a55-7d2e8f0b4c11",
        "status": "active",
        "mfa_enrolled": true,
        "locked_until": null,
        "version": 1,
        "created_at": "2026-11-28T06:00:00Z",
        "updated_at": "2026-11-28T06:00:00Z",
    })
}

fn problems(schema: &str, value: &serde_json::Value) -> Vec<String> {
    spec()
        .validator()
        .validate(spec().schema(schema), value)
        .iter()
        .map(ToString::to_string)
        .collect()
}

#[test]
fn a_body_as_the_spec_describes_it_passes() {
    assert_eq!(problems("UserView", &user_view()), Vec::<String>::new());
}

#[test]
fn a_field_the_spec_lacks_fails() {
    let mut user = user_view();
    user["nickname"] = json!("Ba");
    assert_eq!(
        problems("UserView", &user),
        ["at /nickname: property `nickname` is not in the schema"]
    );
}

#[test]
fn a_missing_required_field_fails() {
    let mut user = user_view();
    user.as_object_mut().unwrap().remove("version");
    assert_eq!(
        problems("UserView", &user),
        ["at the top: required property `version` is missing"]
    );
}

#[test]
fn nested_and_composed_schemas_are_closed_too() {
    // RecordView: a oneOf of kind-specific objects under a discriminator
    let record = json!({
        "id": "5d2c5cdf-7b6e-4e43-9d1e-0d6f1d0a1b01",
        "kind": "career",
        "from_date": "2020-01-01",
        "to_date": null,
        "data": {"organization_id": null, "organization_name": "Sở Nội vụ",
                 "position": "Chuyên viên", "decision_number": null},
        "withheld": false,
        "version": 1,
        "created_at": "2026-11-28T06:00:00Z",
        "updated_at": "2026-11-28T06:00:00Z",
    });
    assert_eq!(problems("RecordView", &record), Vec::<String>::new());
    let mut extra = record.clone();
    extra["colour"] = json!("red");
    extra["data"]["salary_step"] = json!(3);
    assert_eq!(
        problems("RecordView", &extra),
        [
            "at /data/salary_step: property `salary_step` is not allowed",
            "at /colour: property `colour` is not in the schema",
        ]
    );
    let mut wrong_kind = record.clone();
    wrong_kind["kind"] = json!("income");
    // income's data is nullable (withheld), so neither branch fits
    let refused = problems("RecordView", &wrong_kind);
    assert!(
        refused.len() == 1 && refused[0].starts_with("at /data: matches no branch of oneOf"),
        "career data under kind income: {refused:?}"
    );
    // withheld: only a sealed kind, and without its data
    let mut withheld = record;
    withheld["withheld"] = json!(true);
    assert_eq!(
        problems("RecordView", &withheld),
        ["at /withheld: true is not false"],
        "career withheld"
    );
    withheld["kind"] = json!("income");
    withheld["data"] = json!(null);
    assert_eq!(problems("RecordView", &withheld), Vec::<String>::new());
}

fn exchange<'a>(method: &'a str, path: &'a str, status: u16, body: &'a [u8]) -> Exchange<'a> {
    Exchange {
        method,
        path,
        request_body: None,
        status,
        content_type: Some("application/json"),
        response_body: body,
    }
}

#[test]
fn a_status_the_operation_does_not_declare_fails() {
    let report = spec()
        .check(&exchange("GET", "/api/v1/auth/me", 418, b"{}"))
        .unwrap_err();
    assert!(
        report.contains("status 418 is not among the declared responses"),
        "{report}"
    );
}

#[test]
fn an_accepted_request_body_the_spec_refuses_fails() {
    let sent = json!({"code": "A", "name": "A", "level": "province", "type": "ministry",
                      "group": 2, "colour": "red"})
    .to_string();
    let created = json!({"id": "not checked here"}).to_string();
    let mut accepted = exchange("POST", "/api/v1/organizations", 201, created.as_bytes());
    accepted.request_body = Some(sent.as_bytes());
    let report = spec().check(&accepted).unwrap_err();
    assert!(
        report.contains("request body at /colour: property `colour` is not allowed"),
        "{report}"
    );
}

#[test]
fn a_route_the_spec_lacks_must_answer_404() {
    let report = spec()
        .check(&exchange("GET", "/api/v1/nowhere", 200, b"{}"))
        .unwrap_err();
    assert!(report.contains("expected 404"), "{report}");
}

/// Every place in the document: (JSON pointer, value).
fn places(value: &serde_json::Value, pointer: String, out: &mut Vec<(String, serde_json::Value)>) {
    out.push((pointer.clone(), value.clone()));
    match value {
        serde_json::Value::Object(members) => {
            for (name, member) in members {
                places(
                    member,
                    format!("{pointer}/{}", name.replace('~', "~0").replace('/', "~1")),
                    out,
                );
            }
        }
        serde_json::Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                places(item, format!("{pointer}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn every_place() -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    places(spec().document(), String::new(), &mut out);
    out
}

/// Client generators (openapi-python-client was tried) typed record `data`
/// under `if`/`then` as an untyped dict and dropped the required fields of
/// a body built with `allOf` and `unevaluatedProperties`: the spec says the
/// same with plain objects and `oneOf` under a `discriminator`.
#[test]
fn the_schemas_use_only_what_client_generators_understand() {
    let unwelcome = [
        "allOf",
        "anyOf",
        "if",
        "then",
        "else",
        "unevaluatedProperties",
        "not",
    ];
    let found: Vec<String> = every_place()
        .into_iter()
        .filter(|(pointer, _)| {
            pointer.starts_with("/components/schemas") || pointer.starts_with("/paths")
        })
        .filter(|(pointer, _)| {
            unwelcome
                .iter()
                .any(|k| pointer.ends_with(&format!("/{k}")))
        })
        .map(|(pointer, _)| pointer)
        .collect();
    assert!(
        found.is_empty(),
        "constructs generators mistype: {found:#?}"
    );

    for (pointer, schema) in every_place() {
        let Some(branches) = schema.get("oneOf").and_then(|b| b.as_array()) else {
            continue;
        };
        let alternatives: Vec<&str> = branches
            .iter()
            .filter(|b| b.get("type") != Some(&json!("null")))
            .map(|b| b["$ref"].as_str().unwrap_or("(inline)"))
            .collect();
        if alternatives.len() < 2 {
            continue; // a nullable reference
        }
        let mapping = &schema["discriminator"]["mapping"];
        let mut named: Vec<&str> = mapping
            .as_object()
            .unwrap_or_else(|| panic!("{pointer}: a oneOf of objects needs a discriminator"))
            .values()
            .map(|r| r.as_str().unwrap())
            .collect();
        named.sort();
        named.dedup();
        let mut listed = alternatives.clone();
        listed.sort();
        assert_eq!(
            named, listed,
            "{pointer}: the discriminator names every branch"
        );
    }
}

/// What a request body may hold is closed at every level, so that a client
/// generated from the spec refuses an unknown field as the server does.
#[test]
fn request_bodies_are_closed_objects() {
    let validator = spec().validator();
    let mut open = Vec::new();
    let mut seen = std::collections::BTreeSet::new();
    let mut stack: Vec<(String, serde_json::Value)> = every_place()
        .into_iter()
        .filter(|(pointer, _)| pointer.ends_with("/requestBody/content/application~1json/schema"))
        .collect();
    while let Some((pointer, schema)) = stack.pop() {
        if let Some(reference) = schema.get("$ref").and_then(|r| r.as_str()) {
            if seen.insert(reference.to_owned()) {
                stack.push((reference.to_owned(), validator.resolve(reference).clone()));
            }
            continue;
        }
        let describes_object =
            schema.get("properties").is_some() || schema.get("type") == Some(&json!("object"));
        if describes_object && schema.get("additionalProperties") != Some(&json!(false)) {
            open.push(pointer.clone());
        }
        for (name, member) in schema
            .get("properties")
            .and_then(|p| p.as_object())
            .into_iter()
            .flatten()
        {
            stack.push((format!("{pointer}/properties/{name}"), member.clone()));
        }
        for keyword in ["items", "oneOf"] {
            match schema.get(keyword) {
                Some(serde_json::Value::Array(branches)) => {
                    for (i, branch) in branches.iter().enumerate() {
                        stack.push((format!("{pointer}/{keyword}/{i}"), branch.clone()));
                    }
                }
                Some(single) => stack.push((format!("{pointer}/{keyword}"), single.clone())),
                None => {}
            }
        }
    }
    assert!(
        open.is_empty(),
        "request objects without additionalProperties: false: {open:#?}"
    );
}

/// The examples beside a schema (a media type's, a parameter's, or the
/// schema's own), each with the schema it illustrates.
fn examples() -> Vec<(String, serde_json::Value, serde_json::Value)> {
    let mut found = Vec::new();
    for (pointer, place) in every_place() {
        let beside = place.get("schema").cloned();
        let own = pointer
            .starts_with("/components/schemas/")
            .then(|| place.clone());
        let Some(schema) = beside.or(own) else {
            continue;
        };
        if let Some(example) = place.get("example") {
            found.push((pointer.clone(), schema.clone(), example.clone()));
        }
        for (name, named) in place
            .get("examples")
            .and_then(|e| e.as_object())
            .into_iter()
            .flatten()
        {
            found.push((
                format!("{pointer}/examples/{name}"),
                schema.clone(),
                named["value"].clone(),
            ));
        }
    }
    found
}

/// The examples are what integrators copy: each must pass its own schema.
#[test]
fn every_example_fits_its_schema() {
    let validator = spec().validator();
    let examples = examples();
    assert!(
        examples.len() > 40,
        "only {} examples found",
        examples.len()
    );
    let wrong: Vec<String> = examples
        .iter()
        .flat_map(|(pointer, schema, example)| {
            validator
                .validate(schema, example)
                .into_iter()
                .map(move |problem| format!("{pointer}: {problem}"))
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "examples that break their schema:\n{}",
        wrong.join("\n")
    );
}
