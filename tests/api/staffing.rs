use serde_json::json;

use crate::helpers::*;

#[test]
fn quotas_are_versioned_and_deviations_are_listed_within_a_subtree() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("A", "province", "ROOT"),
        ("A1", "district", "A"),
        ("B", "province", "ROOT"),
    ]);
    let put = |org: &str, category: &str, assigned: i64, current: i64, version: Option<i64>| {
        let mut request = app
            .request(reqwest::Method::PUT, &format!("/api/v1/organizations/{}/quotas/2025/{category}", id(&t[org])))
            .json(&json!({"assigned": assigned, "current": current, "assigned_decision_number": "12/QĐ-BNV"}));
        if let Some(v) = version {
            request = request.header("If-Match", format!("\"{v}\""));
        }
        request.send().unwrap()
    };
    let created = put("A", "civil_servant", 100, 120, None);
    assert_eq!(created.status(), 201);
    assert_eq!(created.headers()["etag"], "\"1\"");
    assert_eq!(put("A1", "civil_servant", 50, 40, None).status(), 201);
    assert_eq!(put("A1", "cadre", 10, 10, None).status(), 201);
    assert_eq!(put("B", "civil_servant", 10, 99, None).status(), 201);

    assert_problem(
        put("A", "civil_servant", 100, 121, None),
        428,
        "if-match-required",
    );
    assert_problem(
        put("A", "civil_servant", 100, 121, Some(7)),
        412,
        "stale-version",
    );
    let (status, updated) = json(put("A", "civil_servant", 100, 121, Some(1)));
    assert_eq!(
        (
            status,
            updated["version"].as_i64(),
            updated["current"].as_i64()
        ),
        (200, Some(2), Some(121))
    );

    let (_, a) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["A"]))));
    assert_eq!(
        (
            a["assigned_headcount"].as_i64(),
            a["current_headcount"].as_i64()
        ),
        (Some(100), Some(121))
    );

    let (_, all) = json(app.get(&format!(
        "/api/v1/staffing/deviations?under={}&period=2025",
        id(&t["A"])
    )));
    let rows: Vec<(String, i64)> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap().to_owned(),
                d["difference"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [("A".to_owned(), 21), ("A1".to_owned(), -10)],
        "B is outside the subtree; equal quotas are not listed"
    );
    let (_, over) = json(app.get(&format!(
        "/api/v1/staffing/deviations?under={}&period=2025&direction=over",
        id(&t["ROOT"])
    )));
    let over_codes: Vec<&str> = over["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert_eq!(over_codes, ["B", "A"]);

    let (_, listed) = json(app.get(&format!(
        "/api/v1/organizations/{}/quotas?period=2025",
        id(&t["A1"])
    )));
    assert_eq!(listed["items"].as_array().unwrap().len(), 2);
    let problem = assert_problem(put("A", "soldier", 1, 1, None), 422, "validation");
    assert_eq!(fields(&problem), ["category"]);
    let problem = assert_problem(
        app.get(&format!(
            "/api/v1/staffing/deviations?under={}&period=25",
            id(&t["A"])
        )),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["period"]);
}
