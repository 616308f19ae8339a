use serde_json::{json, Value};

use crate::helpers::*;

fn codes(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_owned())
        .collect()
}

fn event_kinds(story: &Value) -> Vec<String> {
    story["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn merging_provinces_keeps_the_old_units_and_their_history() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("TQ", "province", "ROOT"),
        ("HG", "province", "ROOT"),
        ("DV", "district", "HG"),
        ("DV1", "commune", "DV"),
    ]);
    let response = app.post(
        "/api/v1/reorganizations/merge",
        &json!({
            "sources": [id(&t["TQ"]), id(&t["HG"])],
            "target_id": id(&t["TQ"]),
            "decision_number": "202/2025/QH15",
            "effective_date": "2025-07-01",
        }),
    );
    let (status, done) = json(response);
    assert_eq!(status, 201, "{done}");
    assert_eq!(done["kind"], "merge");

    let (_, hg) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["HG"]))));
    assert_eq!(hg["status"], "merged");
    assert_eq!(hg["dissolved_on"], "2025-07-01");
    assert_eq!(hg["dissolution_decision"], "202/2025/QH15");
    let (_, tq) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["TQ"]))));
    assert_eq!(tq["predecessor_ids"], json!([id(&t["HG"])]));

    // today: one province, the district and its commune under it
    let (_, provinces) = json(app.get("/api/v1/organizations?level=province"));
    assert_eq!(codes(&provinces), ["TQ"]);
    let (_, sub) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=3",
        id(&t["TQ"])
    )));
    assert_eq!(codes(&sub), ["TQ", "DV", "DV1"]);
    // the day before: both provinces, the district under the old one
    let (_, before) = json(app.get("/api/v1/organizations?level=province&as_of=2025-06-30"));
    assert_eq!(codes(&before).len(), 2);
    let (_, old_sub) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=3&as_of=2025-06-30",
        id(&t["HG"])
    )));
    assert_eq!(codes(&old_sub), ["HG", "DV", "DV1"]);
    let (_, merged) = json(app.get("/api/v1/organizations?status=merged"));
    assert_eq!(codes(&merged), ["HG"]);
    assert_eq!(
        merged["items"][0]["parent_id"], t["ROOT"]["id"],
        "a closed unit keeps its last parent, as docs/api.md says"
    );

    let (_, story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(&t["HG"]))));
    assert_eq!(event_kinds(&story), ["created", "merged_into"]);
    assert_eq!(story["successors"][0]["code"], "TQ");
    let (_, story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(&t["TQ"]))));
    assert_eq!(
        event_kinds(&story),
        ["created", "received_children", "absorbed"]
    );
    assert_eq!(story["predecessors"][0]["code"], "HG");
    let (_, dv_story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(&t["DV"]))));
    assert_eq!(event_kinds(&dv_story), ["created", "moved"]);

    // a merged unit cannot be moved or reactivated
    assert_problem(
        app.patch(
            &format!("/api/v1/organizations/{}", id(&t["HG"])),
            2,
            &json!({"status": "active"}),
        ),
        409,
        "organization-closed",
    );
}

#[test]
fn merging_into_a_new_unit_and_same_day_dissolution() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("P1", "province", "ROOT"),
        ("D1", "district", "P1"),
        ("W1", "commune", "D1"),
        ("W2", "commune", "D1"),
    ]);
    let mut new_ward = org("W12", "Phường Mới", "commune", Some(id(&t["D1"])));
    new_ward.as_object_mut().unwrap().remove("established_on");
    let (status, done) = json(app.post(
        "/api/v1/reorganizations/merge",
        &json!({
            "sources": [id(&t["W1"]), id(&t["W2"])],
            "new_organization": new_ward,
            "decision_number": "1656/NQ-UBTVQH15",
            "effective_date": "2025-07-01",
        }),
    ));
    assert_eq!(status, 201, "{done}");
    let new_unit = done["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["code"] == "W12")
        .unwrap()
        .clone();
    assert_eq!(
        new_unit["established_on"], "2025-07-01",
        "established by the decision"
    );
    assert_eq!(new_unit["establishment_decision"], "1656/NQ-UBTVQH15");
    let mut preds: Vec<String> = new_unit["predecessor_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    preds.sort();
    let mut expected = vec![id(&t["W1"]).to_owned(), id(&t["W2"]).to_owned()];
    expected.sort();
    assert_eq!(preds, expected);

    // the same day, the district level is abolished: its children go to the province
    let (status, done) = json(app.post(
        "/api/v1/reorganizations/dissolve",
        &json!({
            "organization_id": id(&t["D1"]),
            "successor_id": id(&t["P1"]),
            "decision_number": "203/2025/QH15",
            "effective_date": "2025-07-01",
        }),
    ));
    assert_eq!(status, 201, "{done}");
    let (_, children) = json(app.get(&format!("/api/v1/organizations/{}/children", id(&t["P1"]))));
    assert_eq!(codes(&children), ["W12"]);
    let (_, d1) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["D1"]))));
    assert_eq!(d1["status"], "dissolved");
    let (_, then) = json(app.get(&format!(
        "/api/v1/organizations/{}/children?as_of=2025-06-30",
        id(&t["D1"])
    )));
    assert_eq!(
        codes(&then).len(),
        2,
        "W1 and W2 were under D1 the day before"
    );
}

#[test]
fn dissolving_a_unit_with_children_needs_a_successor() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("P1", "province", "ROOT"),
        ("D1", "district", "P1"),
        ("W1", "commune", "D1"),
    ]);
    let body = json!({"organization_id": id(&t["D1"]), "decision_number": "1/QĐ", "effective_date": "2025-07-01"});
    let problem = assert_problem(
        app.post("/api/v1/reorganizations/dissolve", &body),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["successor_id"]);
    // nothing was half-written
    let (_, d1) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["D1"]))));
    assert_eq!(
        (d1["status"].as_str(), d1["version"].as_i64()),
        (Some("active"), Some(1))
    );
    let (_, story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(&t["D1"]))));
    assert_eq!(event_kinds(&story), ["created"]);
    // a leaf dissolves without one
    let leaf = json!({"organization_id": id(&t["W1"]), "decision_number": "2/QĐ", "effective_date": "2025-07-01"});
    assert_eq!(
        app.post("/api/v1/reorganizations/dissolve", &leaf).status(),
        201
    );
}

#[test]
fn splitting_assigns_every_child() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("S", "province", "ROOT"),
        ("Y", "province", "ROOT"),
        ("C1", "district", "S"),
        ("C2", "district", "S"),
    ]);
    let incomplete = json!({
        "source_id": id(&t["S"]),
        "parts": [
            {"target_id": id(&t["Y"]), "children": [id(&t["C1"])]},
            {"new_organization": org("X", "Tỉnh X", "province", Some(id(&t["ROOT"]))), "children": []},
        ],
        "decision_number": "5/NQ",
        "effective_date": "2024-01-01",
    });
    let problem = assert_problem(
        app.post("/api/v1/reorganizations/split", &incomplete),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["parts"]);
    let (_, none) = json(app.get("/api/v1/organizations/by-code/X"));
    assert_eq!(
        none["status"], 404,
        "the new unit of a refused split is not kept"
    );

    let mut complete = incomplete.clone();
    complete["parts"][1]["children"] = json!([id(&t["C2"])]);
    let (status, done) = json(app.post("/api/v1/reorganizations/split", &complete));
    assert_eq!(status, 201, "{done}");
    let (_, s) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["S"]))));
    assert_eq!(s["status"], "split");
    let (_, x) = json(app.get("/api/v1/organizations/by-code/X"));
    assert_eq!(x["predecessor_ids"], json!([id(&t["S"])]));
    let (_, x_children) = json(app.get(&format!("/api/v1/organizations/{}/children", id(&x))));
    assert_eq!(codes(&x_children), ["C2"]);
    let (_, story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(&t["S"]))));
    assert_eq!(story["successors"].as_array().unwrap().len(), 2);
}

#[test]
fn back_dated_moves_cannot_rewrite_history() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("A", "province", "ROOT"),
        ("B", "province", "ROOT"),
        ("C", "province", "ROOT"),
        ("A1", "district", "A"),
    ]);
    let path = format!("/api/v1/organizations/{}", id(&t["A1"]));
    assert_eq!(
        app.patch(
            &path,
            1,
            &json!({"parent_id": id(&t["B"]), "moved_on": "2020-01-01"})
        )
        .status(),
        200
    );
    let problem = assert_problem(
        app.patch(
            &path,
            2,
            &json!({"parent_id": id(&t["C"]), "moved_on": "2019-01-01"}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["moved_on"]);
}
