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
    // RecordView: allOf of the kind-dependent content and the record's own fields
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
    assert!(
        problems("RecordView", &wrong_kind)
            .contains(&"at /data: required property `year` is missing".to_owned()),
        "career data under kind income"
    );
    // withheld: only a sealed kind, and without its data
    let mut withheld = record;
    withheld["withheld"] = json!(true);
    let problems_of = problems("RecordView", &withheld);
    assert!(
        problems_of.len() == 2
            && problems_of[0].ends_with("is not of type \"null\"")
            && problems_of[1].starts_with("at /kind: \"career\" is not one of"),
        "career withheld: {problems_of:?}"
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
