//! What fuzzing the API against its contract found (scripts/fuzz-contract),
//! kept fixed: NUL refused at the edge, `Allow` on 405, the inputs the spec
//! describes taken and refused as it says, and the 409s it had left out.

use reqwest::Method;
use serde_json::json;

use crate::helpers::*;

#[test]
fn nul_in_any_string_input_is_refused_naming_it() {
    let app = TestApp::spawn();
    for (path, field) in [
        ("/api/v1/audit?action=a%00b", "action"),
        ("/api/v1/audit?entity_type=%00", "entity_type"),
        ("/api/v1/audit?limit=5&entity_id=a%00", "entity_id"),
        ("/api/v1/catalogs/a%00b", "name"),
        ("/api/v1/organizations/by-code/A%00", "code"),
        ("/api/v1/organizations?q=x&unknown=%00", "unknown"),
    ] {
        let problem = assert_problem(app.get(path), 422, "validation");
        assert_eq!(fields(&problem), [field], "{path}");
    }
    // `%2500` is the text "%00", not a NUL; an address nobody serves stays 404
    assert_problem(
        app.get("/api/v1/organizations/by-code/A%2500"),
        404,
        "not-found",
    );
    assert_problem(app.get("/api/v1/nowhere/a%00b"), 404, "not-found");

    let mut body = org("NUL", "Tên", "province", Some(id(&app.root)));
    body["awards"] = json!([{"domain": "state", "name": "Huân chương\u{0}"}]);
    let problem = assert_problem(app.post("/api/v1/organizations", &body), 422, "validation");
    assert_eq!(fields(&problem), ["awards[0].name"]);
}

#[test]
fn a_405_says_which_methods_the_path_allows() {
    let app = TestApp::spawn();
    let root = format!("/api/v1/organizations/{}", id(&app.root));
    for (method, path, allowed) in [
        (
            Method::DELETE,
            "/api/v1/organizations".to_owned(),
            "GET, POST",
        ),
        (Method::PUT, root, "GET, PATCH"),
        (Method::POST, "/healthz".to_owned(), "GET"),
    ] {
        let response = app.request(method.clone(), &path).send().unwrap();
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        assert_problem(response, 405, "method-not-allowed");
        let mut methods: Vec<&str> = allow.split(',').map(str::trim).collect();
        methods.sort();
        assert_eq!(methods.join(", "), allowed, "{method} {path}");
    }
}

#[test]
fn if_match_names_one_version_in_a_documented_form() {
    let app = TestApp::spawn();
    let path = format!("/api/v1/organizations/{}", id(&app.root));
    let patch = |if_match: &str, name: &str| {
        app.request(Method::PATCH, &path)
            .header("If-Match", if_match)
            .json(&json!({ "name": name }))
            .send()
            .unwrap()
    };
    for any in ["*", "\"1\", \"2\"", "W/1", "\"\""] {
        let problem = assert_problem(patch(any, "Tên mới"), 422, "validation");
        assert_eq!(fields(&problem), ["If-Match"], "{any}");
    }
    let (status, changed) = json(patch("W/\"1\"", "Tên mới"));
    assert_eq!((status, changed["version"].as_i64()), (200, Some(2)));
    assert_eq!(json(patch("2", "Tên khác")).0, 200);
}

#[test]
fn an_integer_may_be_written_with_a_zero_fraction() {
    let app = TestApp::spawn();
    let quota = format!(
        "/api/v1/organizations/{}/quotas/2025/civil_servant",
        id(&app.root)
    );
    let (status, created) = json(
        app.request(Method::PUT, &quota)
            .json(&json!({"assigned": 40.0, "current": 42}))
            .send()
            .unwrap(),
    );
    assert_eq!((status, created["assigned"].as_i64()), (201, Some(40)));
    let problem = assert_problem(
        app.request(Method::PUT, &quota)
            .header("If-Match", "\"1\"")
            .json(&json!({"assigned": 40.5, "current": 42}))
            .send()
            .unwrap(),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["assigned"]);

    assert_eq!(app.get("/api/v1/organizations?limit=2.0").status(), 200);
    let problem = assert_problem(
        app.get("/api/v1/organizations?limit=2.5"),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["limit"]);
}

#[test]
fn what_the_spec_refuses_the_server_refuses() {
    let app = TestApp::spawn();
    app.use_token(Some(app.sign_in(&app.account(
        "viewer.edges",
        None,
        &["personnel_viewer"],
    ))));
    for (path, field) in [
        ("/api/v1/officials?include_subtree=AAA", "include_subtree"),
        ("/api/v1/officials?cursor=", "cursor"),
        ("/api/v1/organizations?cursor=", "cursor"),
    ] {
        let problem = assert_problem(app.get(path), 422, "validation");
        assert_eq!(fields(&problem), [field], "{path}");
    }
    for number in ["", " - ", "0010/8002", "00108002_2222", "０１２３"] {
        let problem = assert_problem(
            app.post(
                "/api/v1/officials/lookup",
                &json!({ "personal_identification_code": number }),
            ),
            422,
            "validation",
        );
        assert_eq!(
            fields(&problem),
            ["personal_identification_code"],
            "{number:?}"
        );
    }
    let problem = assert_problem(
        app.post(
            "/api/v1/officials/lookup",
            &json!({"personal_identification_code": "001080012345", "social_insurance_number": null}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["social_insurance_number"]);
    let (status, _) = json(app.post(
        "/api/v1/officials/lookup",
        &json!({"social_insurance_number": "01.2345-6789"}),
    ));
    assert_eq!(status, 200);
}

fn profile(org: &str) -> serde_json::Value {
    json!({
        "classification": "civil_servant",
        "managing_organization_id": org,
        "using_organization_id": org,
        "full_name": "Hoàng Văn Đóng",
        "sex": "male",
        "birth_date": "1970-02-03",
        "personal_identification_code": "001070055555",
    })
}

#[test]
fn a_retired_profile_keeps_its_records_as_they_are() {
    let app = TestApp::spawn();
    let (status, made) = json(app.post("/api/v1/officials", &profile(id(&app.root))));
    assert_eq!(status, 201, "{made}");
    let base = format!("/api/v1/officials/{}", id(&made));
    let career = json!({"kind": "career", "data": {"organization_name": "Sở Nội vụ", "position": "Chuyên viên"}});
    let (status, record) = json(app.post(&format!("{base}/records"), &career));
    assert_eq!(status, 201, "{record}");
    let retired = app
        .request(Method::POST, &format!("{base}/retire"))
        .header("If-Match", "\"1\"")
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(retired.status(), 200);

    assert_problem(
        app.post(&format!("{base}/records"), &career),
        409,
        "profile-closed",
    );
    let replace = app
        .request(Method::PUT, &format!("{base}/records/{}", id(&record)))
        .header("If-Match", "\"1\"")
        .json(&career)
        .send()
        .unwrap();
    assert_problem(replace, 409, "profile-closed");
    let (_, records) = json(app.get(&format!("{base}/records")));
    assert_eq!(records["items"].as_array().unwrap().len(), 1);
}

#[test]
fn a_merged_unit_keeps_its_quotas_as_they_were() {
    let app = TestApp::spawn();
    let t = app.tree(&[("OLD", "province", "ROOT"), ("NEW", "province", "ROOT")]);
    let quota = format!(
        "/api/v1/organizations/{}/quotas/2025/civil_servant",
        id(&t["OLD"])
    );
    let put = |body: serde_json::Value| app.request(Method::PUT, &quota).json(&body).send();
    assert_eq!(
        put(json!({"assigned": 10, "current": 9})).unwrap().status(),
        201
    );
    let merged = app.post(
        "/api/v1/reorganizations/merge",
        &json!({"sources": [id(&t["OLD"]), id(&t["NEW"])], "target_id": id(&t["NEW"]),
                "decision_number": "1/NQ", "effective_date": "2025-07-01"}),
    );
    assert_eq!(merged.status(), 201);

    let replace = app
        .request(Method::PUT, &quota)
        .header("If-Match", "\"1\"")
        .json(&json!({"assigned": 0, "current": 0}))
        .send()
        .unwrap();
    assert_problem(replace, 409, "organization-closed");
    let (_, quotas) = json(app.get(&format!("/api/v1/organizations/{}/quotas", id(&t["OLD"]))));
    assert_eq!(quotas["items"][0]["assigned"], 10);
}
