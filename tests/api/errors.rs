use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[test]
fn unknown_routes_and_methods_answer_problem_json() {
    let app = TestApp::spawn();
    assert_problem(app.get("/api/v1/nowhere"), 404, "not-found");
    assert_problem(
        app.get("/api/v1/organizations/not-a-uuid"),
        404,
        "not-found",
    );
    assert_problem(
        app.get(&format!("/api/v1/organizations/{}", uuid::Uuid::new_v4())),
        404,
        "not-found",
    );
    let delete = app
        .request(Method::DELETE, "/api/v1/organizations")
        .send()
        .unwrap();
    assert_problem(delete, 405, "method-not-allowed");
}

#[test]
fn malformed_wrong_type_and_oversized_bodies() {
    let app = TestApp::spawn();
    let send = |content_type: &str, body: Vec<u8>| {
        app.request(Method::POST, "/api/v1/organizations")
            .header("content-type", content_type)
            .body(body)
            .send()
            .unwrap()
    };
    assert_problem(
        send("application/json", b"{\"code\": ".to_vec()),
        400,
        "malformed-body",
    );
    assert_problem(
        send("text/plain", b"{}".to_vec()),
        415,
        "unsupported-media-type",
    );
    let huge = format!("{{\"name\": \"{}\"}}", "a".repeat(400 * 1024));
    assert_problem(
        send("application/json", huge.into_bytes()),
        413,
        "payload-too-large",
    );
}

#[test]
fn validation_errors_name_each_field() {
    let app = TestApp::spawn();
    let root = app.root.clone();
    let mut body = org("bad code", "", "province", Some(id(&root)));
    body["group"] = json!(3);
    body["tax_code"] = json!("12");
    let problem = assert_problem(app.post("/api/v1/organizations", &body), 422, "validation");
    assert_eq!(fields(&problem), ["code", "group", "name", "tax_code"]);

    let problem = assert_problem(
        app.post(
            "/api/v1/organizations",
            &json!({"code": "X", "name": "X", "level": "galaxy", "type": "t", "group": 1}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["level"]);
    let mut typo = org("OK", "Tên", "province", Some(id(&root)));
    typo["adress"] = json!("Hà Nội");
    let problem = assert_problem(app.post("/api/v1/organizations", &typo), 422, "validation");
    assert_eq!(fields(&problem), ["adress"]);

    for (query, field) in [
        ("level=galaxy", "level"),
        ("status=gone", "status"),
        ("group=9", "group"),
        ("as_of=yesterday", "as_of"),
        ("limit=0", "limit"),
        ("cursor=%%%", "cursor"),
        ("parent_id=nope", "parent_id"),
    ] {
        let problem = assert_problem(
            app.get(&format!("/api/v1/organizations?{query}")),
            422,
            "validation",
        );
        assert_eq!(fields(&problem), [field], "{query}");
    }
    let (_, list) = json(app.get("/api/v1/organizations"));
    assert_eq!(
        list["items"].as_array().unwrap().len(),
        1,
        "nothing was stored"
    );
}

#[test]
fn hostile_input_never_produces_a_server_error() {
    let app = TestApp::spawn();
    let root = app.root.clone();
    let root_id = id(&root).to_owned();
    let values = [
        json!(null),
        json!(-1),
        json!(2147483648i64),
        json!(""),
        json!("x".repeat(5000)),
        json!([]),
        json!({}),
        json!("0000-00-00"),
        json!("9999-12-31"),
        json!("\u{0000}"),
        json!("'; DROP TABLE organizations; --"),
        json!(1.5),
        json!(true),
        json!(root_id.clone()),
    ];
    let fields = [
        "code",
        "name",
        "level",
        "type",
        "group",
        "parent_id",
        "established_on",
        "awards",
        "executive_agency_id",
    ];
    for field in fields {
        for (i, value) in values.iter().enumerate() {
            // a fresh code each time, so a refusal is about the field under test
            let mut body = org(&format!("FUZZ{i}"), "Tên", "province", Some(&root_id));
            body[field] = value.clone();
            let status = app.post("/api/v1/organizations", &body).status();
            assert!(status.as_u16() < 500, "{field} = {value} gave {status}");
            // the current version, so the value reaches the write path
            // rather than stopping at the version check
            let (_, current) = json(app.get(&format!("/api/v1/organizations/{root_id}")));
            let patch = app
                .patch(
                    &format!("/api/v1/organizations/{root_id}"),
                    current["version"].as_i64().unwrap(),
                    &json!({ field: value }),
                )
                .status();
            assert!(patch.as_u16() < 500, "PATCH {field} = {value} gave {patch}");
            assert_ne!(patch, 412, "PATCH {field} = {value} met a stale version");
        }
    }
    for path in [
        "/api/v1/organizations?as_of=99999-01-01",
        "/api/v1/organizations?limit=99999999999999999999",
        "/api/v1/organizations?q=%00",
        "/api/v1/organizations?type=%00",
        "/api/v1/organizations/by-code/%00",
        "/api/v1/organizations/by-code/%FF",
        "/api/v1/organizations/by-code/%C4%90",
        "/api/v1/organizations/00000000-0000-0000-0000-000000000000/subtree?depth=-1",
        "/api/v1/staffing/deviations?under=00000000-0000-0000-0000-000000000000&period=2025",
    ] {
        let status = app.get(path).status();
        assert!(status.as_u16() < 500, "{path} gave {status}");
    }
}
