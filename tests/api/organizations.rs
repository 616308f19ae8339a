use serde_json::{json, Value};

use crate::helpers::*;

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn health_and_readiness() {
    let app = TestApp::spawn();
    assert_eq!(app.get("/healthz").status(), 200);
    let (status, body) = json(app.get("/readyz"));
    assert_eq!((status, body["status"].as_str()), (200, Some("ready")));
}

#[test]
fn create_read_and_list_with_filters() {
    let app = TestApp::spawn();
    let tree = app.tree(&[
        ("HN", "province", "ROOT"),
        ("DN", "province", "ROOT"),
        ("BD", "district", "HN"),
    ]);
    let hn = &tree["HN"];
    assert_eq!(hn["level"], "province");
    assert_eq!(hn["status"], "active");
    assert_eq!(hn["version"], 1);

    let response = app.get(&format!("/api/v1/organizations/{}", id(hn)));
    assert_eq!(response.headers()["etag"], "\"1\"");
    let (_, read) = json(response);
    assert_eq!(read["code"], "HN");
    assert_eq!(read["parent_id"], tree["ROOT"]["id"]);

    let (_, by_code) = json(app.get("/api/v1/organizations/by-code/BD"));
    assert_eq!(by_code["id"], tree["BD"]["id"]);

    let (_, provinces) = json(app.get("/api/v1/organizations?level=province"));
    assert_eq!(names(&provinces), ["DN", "HN"]);
    let (_, children) = json(app.get(&format!("/api/v1/organizations/{}/children", id(hn))));
    assert_eq!(names(&children), ["BD"]);
    let (_, under) = json(app.get(&format!("/api/v1/organizations?under={}", id(hn))));
    assert_eq!(
        names(&under),
        ["BD", "HN"],
        "the subtree of HN, sorted by name"
    );
}

#[test]
fn name_search_ignores_diacritics_and_case() {
    let app = TestApp::spawn();
    let root = app.root.clone();
    app.create_org(org("DL", "Tỉnh Đắk Lắk", "province", Some(id(&root))));
    app.create_org(org("HN", "Thành phố Hà Nội", "province", Some(id(&root))));
    for query in ["dak%20lak", "%C4%90%E1%BA%AEK", "DAK"] {
        let (_, page) = json(app.get(&format!("/api/v1/organizations?q={query}")));
        assert_eq!(names(&page), ["DL"], "query {query}");
    }
    let (_, page) = json(app.get("/api/v1/organizations?q=ha%20noi"));
    assert_eq!(names(&page), ["HN"]);
    let (_, page) = json(app.get("/api/v1/organizations?q=100%25"));
    assert!(names(&page).is_empty(), "LIKE wildcards are literal");
}

#[test]
fn keyset_pagination_skips_and_repeats_nothing() {
    let app = TestApp::spawn();
    let root = app.root.clone();
    let mut expected: Vec<String> = Vec::new();
    for i in 0..11 {
        let code = format!("U{i:02}");
        app.create_org(org(
            &code,
            &format!("Ủy ban {}", (b'A' + (i * 7 % 11) as u8) as char),
            "province",
            Some(id(&root)),
        ));
        expected.push(code);
    }
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(c) => format!("/api/v1/organizations?level=province&limit=4&cursor={c}"),
            None => "/api/v1/organizations?level=province&limit=4".to_owned(),
        };
        let (status, page) = json(app.get(&path));
        assert_eq!(status, 200, "{page}");
        seen.extend(names(&page));
        pages += 1;
        // a unit added mid-way sorts after everything seen so far
        if pages == 1 {
            app.create_org(org("LATE", "Ủy ban Z", "province", Some(id(&root))));
            expected.push("LATE".into());
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let mut sorted_seen = seen.clone();
    sorted_seen.sort();
    sorted_seen.dedup();
    assert_eq!(
        sorted_seen.len(),
        seen.len(),
        "a unit was repeated: {seen:?}"
    );
    expected.sort();
    assert_eq!(sorted_seen, expected, "a unit was skipped");
}

#[test]
fn moving_carries_the_subtree_and_keeps_the_past() {
    let app = TestApp::spawn();
    let tree = app.tree(&[
        ("A", "province", "ROOT"),
        ("B", "province", "ROOT"),
        ("A1", "district", "A"),
        ("A11", "commune", "A1"),
    ]);
    let a1 = &tree["A1"];
    let response = app.patch(
        &format!("/api/v1/organizations/{}", id(a1)),
        1,
        &json!({"parent_id": tree["B"]["id"], "moved_on": "2024-01-01"}),
    );
    let (status, moved) = json(response);
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["parent_id"], tree["B"]["id"]);
    assert_eq!(moved["version"], 2);

    let (_, b_sub) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=2",
        id(&tree["B"])
    )));
    assert_eq!(names(&b_sub), ["B", "A1", "A11"]);
    let depths: Vec<i64> = b_sub["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["depth"].as_i64().unwrap())
        .collect();
    assert_eq!(depths, [0, 1, 2]);
    let (_, a_sub) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=5",
        id(&tree["A"])
    )));
    assert_eq!(names(&a_sub), ["A"]);

    // the tree as it stood before the move
    let (_, past) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=5&as_of=2023-12-31",
        id(&tree["A"])
    )));
    assert_eq!(names(&past), ["A", "A1", "A11"]);
    let (_, then) = json(app.get(&format!(
        "/api/v1/organizations/{}?as_of=2023-06-01",
        id(a1)
    )));
    assert_eq!(then["parent_id"], tree["A"]["id"]);
    let (_, under_b) = json(app.get(&format!("/api/v1/organizations?under={}", id(&tree["B"]))));
    assert_eq!(names(&under_b).len(), 3);

    let (_, story) = json(app.get(&format!("/api/v1/organizations/{}/history", id(a1))));
    let kinds: Vec<&str> = story["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["created", "moved", "updated"]);
}

#[test]
fn a_move_into_its_own_subtree_is_refused() {
    let app = TestApp::spawn();
    let tree = app.tree(&[
        ("A", "province", "ROOT"),
        ("A1", "district", "A"),
        ("A11", "commune", "A1"),
    ]);
    let problem = assert_problem(
        app.patch(
            &format!("/api/v1/organizations/{}", id(&tree["A1"])),
            1,
            &json!({"parent_id": tree["A11"]["id"]}),
        ),
        409,
        "cycle",
    );
    assert!(problem["detail"].as_str().unwrap().contains("A11"));
    // nothing moved, nothing changed
    let (_, a1) = json(app.get(&format!("/api/v1/organizations/{}", id(&tree["A1"]))));
    assert_eq!(
        (a1["parent_id"].clone(), a1["version"].clone()),
        (tree["A"]["id"].clone(), json!(1))
    );
    let (_, sub) = json(app.get(&format!(
        "/api/v1/organizations/{}/subtree?depth=3",
        id(&tree["A"])
    )));
    assert_eq!(names(&sub), ["A", "A1", "A11"]);
    // and a unit cannot sit below a lower tier than its own
    let b = app.create_org(org("B", "Tỉnh B", "province", Some(id(&tree["ROOT"]))));
    let problem = assert_problem(
        app.patch(
            &format!("/api/v1/organizations/{}", id(&b)),
            1,
            &json!({"parent_id": tree["A11"]["id"]}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["parent_id"]);
}

#[test]
fn stale_and_missing_versions_are_refused() {
    let app = TestApp::spawn();
    let tree = app.tree(&[("A", "province", "ROOT")]);
    let path = format!("/api/v1/organizations/{}", id(&tree["A"]));
    let (status, updated) = json(app.patch(
        &path,
        1,
        &json!({"name": "Tỉnh Mới", "phone": "024 3823 4567"}),
    ));
    assert_eq!(status, 200);
    assert_eq!(updated["version"], 2);
    assert_eq!(updated["name"], "Tỉnh Mới");

    assert_problem(
        app.patch(&path, 1, &json!({"name": "Lost update"})),
        412,
        "stale-version",
    );
    let missing = app
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"name": "x"}))
        .send()
        .unwrap();
    assert_problem(missing, 428, "if-match-required");

    let (_, now) = json(app.get(&path));
    assert_eq!(
        (now["name"].as_str(), now["version"].as_i64()),
        (Some("Tỉnh Mới"), Some(2))
    );
    // null clears an optional field; absent fields stay
    let (_, cleared) = json(app.patch(&path, 2, &json!({"phone": null})));
    assert_eq!(
        (cleared["phone"].clone(), cleared["name"].clone()),
        (Value::Null, json!("Tỉnh Mới"))
    );
}

#[test]
fn codes_are_unique_and_the_tree_has_one_root() {
    let app = TestApp::spawn();
    let tree = app.tree(&[("A", "province", "ROOT")]);
    assert_problem(
        app.post(
            "/api/v1/organizations",
            &org("A", "Trùng", "province", Some(id(&tree["ROOT"]))),
        ),
        409,
        "code-taken",
    );
    let problem = assert_problem(
        app.post(
            "/api/v1/organizations",
            &org("R2", "Gốc khác", "central", None),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["parent_id"]);
    let (_, list) = json(app.get("/api/v1/organizations"));
    assert_eq!(list["items"].as_array().unwrap().len(), 2);
}

#[test]
fn the_demo_dataset_has_34_provinces_today_and_63_before_the_merger() {
    let app = TestApp::with_demo();
    assert_eq!(
        app.as_operator(odb::fixtures::load_demo),
        odb::fixtures::Outcome::AlreadyLoaded
    );
    let count = |path: &str| json(app.get(path)).1["items"].as_array().unwrap().len();
    assert_eq!(count("/api/v1/organizations?level=province&limit=500"), 34);
    assert_eq!(
        count("/api/v1/organizations?level=province&limit=500&as_of=2025-06-30"),
        63
    );
    let (_, merged) = json(app.get("/api/v1/organizations?level=province&status=merged&limit=500"));
    assert_eq!(merged["items"].as_array().unwrap().len(), 29);
    assert!(merged["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["name"] == "Tỉnh Hà Giang"));
    let (_, tuyen_quang) = json(app.get("/api/v1/organizations/by-code/P08"));
    let (_, ha_giang) = json(app.get("/api/v1/organizations/by-code/P02"));
    assert!(tuyen_quang["predecessor_ids"]
        .as_array()
        .unwrap()
        .contains(&ha_giang["id"]));
    assert!(tuyen_quang["assigned_headcount"].as_i64().unwrap() > 0);
    let (_, districts) =
        json(app.get("/api/v1/organizations?level=district&type=administrative_unit"));
    assert!(
        districts["items"].as_array().unwrap().is_empty(),
        "the district level was abolished"
    );
    let (_, districts_then) = json(
        app.get("/api/v1/organizations?level=district&type=administrative_unit&as_of=2025-06-30"),
    );
    assert_eq!(districts_then["items"].as_array().unwrap().len(), 6);
}

#[test]
fn changes_and_reorganizations_are_audited_at_the_units() {
    let app = TestApp::spawn();
    let t = app.tree(&[("A", "province", "ROOT"), ("B", "province", "ROOT")]);
    let label = |unit: &Value| id(unit).replace('-', "");
    let path_of = |code: &str| format!("{}.{}", label(&t["ROOT"]), label(&t[code]));
    let entries = |action: &str| {
        let (status, page) = json(app.get(&format!("/api/v1/audit?action={action}")));
        assert_eq!(status, 200, "{page}");
        page["items"].as_array().unwrap().clone()
    };
    let of = |entries: &[Value], unit: &Value| -> Value {
        entries
            .iter()
            .find(|e| e["entity_id"] == unit["id"])
            .cloned()
            .unwrap_or_else(|| panic!("no entry for {unit}"))
    };

    let created = of(&entries("organization.create"), &t["A"]);
    assert_eq!(created["entity_type"], "organization");
    assert_eq!(created["organization_path"], path_of("A"));
    assert_eq!(created["fields"], json!([]));

    let (status, _) = json(app.patch(
        &format!("/api/v1/organizations/{}", id(&t["A"])),
        1,
        &json!({"name": "Tỉnh A mới", "phone": "024 1234 5678"}),
    ));
    assert_eq!(status, 200);
    let updated = of(&entries("organization.update"), &t["A"]);
    assert_eq!(updated["organization_path"], path_of("A"));
    let mut fields: Vec<String> = serde_json::from_value(updated["fields"].clone()).unwrap();
    fields.sort();
    assert_eq!(fields, ["name", "phone"]);

    let (status, done) = json(app.post(
        "/api/v1/reorganizations/merge",
        &json!({
            "sources": [id(&t["A"]), id(&t["B"])],
            "target_id": id(&t["A"]),
            "decision_number": "1/2025",
            "effective_date": "2025-07-01",
        }),
    ));
    assert_eq!(status, 201, "{done}");
    let merged = entries("reorganization.merge");
    assert_eq!(merged.len(), 2, "one entry per unit touched");
    for code in ["A", "B"] {
        let entry = of(&merged, &t[code]);
        assert_eq!(entry["organization_path"], path_of(code));
        assert_eq!(entry["fields"], json!(["status", "parent_id"]));
        assert_eq!(entry["details"]["reorganization_id"], done["id"]);
    }
}

#[test]
fn a_move_keeps_the_other_changes_of_its_patch() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("A", "province", "ROOT"),
        ("B", "province", "ROOT"),
        ("A1", "district", "A"),
    ]);
    let (status, moved) = json(app.patch(
        &format!("/api/v1/organizations/{}", id(&t["A1"])),
        1,
        &json!({"parent_id": id(&t["B"]), "name": "Huyện mới", "phone": "0210 123"}),
    ));
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["parent_id"], t["B"]["id"]);
    assert_eq!(
        (moved["name"].as_str(), moved["phone"].as_str()),
        (Some("Huyện mới"), Some("0210 123"))
    );
    let (_, read) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["A1"]))));
    assert_eq!(
        (read["name"].as_str(), read["version"].as_i64()),
        (Some("Huyện mới"), Some(2))
    );
}

#[test]
fn the_organizations_list_exports_every_unit_not_a_page() {
    use crate::reports::{csv_rows, download, xlsx_rows};
    let app = TestApp::with_demo();
    let mut codes = Vec::new();
    let mut path = "/api/v1/organizations?limit=50".to_owned();
    loop {
        let (_, page) = json(app.get(&path));
        codes.extend(names(&page));
        match page["next_cursor"].as_str() {
            Some(cursor) => path = format!("/api/v1/organizations?limit=50&cursor={cursor}"),
            None => break,
        }
    }
    assert!(codes.len() > 50, "more than one page of the listing");
    let (disposition, csv) = download(&app, "/api/v1/organizations?format=csv&limit=5", None);
    assert!(
        disposition.contains("danh-sach-don-vi.csv"),
        "{disposition}"
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows[0][1], "Mã đơn vị");
    let exported: Vec<String> = rows[1..].iter().map(|r| r[1].clone()).collect();
    assert_eq!(exported, codes, "every unit, in the listing's order");
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (_, xlsx) = download(
        &app,
        "/api/v1/organizations?level=province",
        Some(xlsx_type),
    );
    let sheet = xlsx_rows(xlsx);
    assert_eq!(sheet.len() - 1, 34, "the provinces of today");
    assert!(sheet[1..].iter().all(|r| r[4] == "province"));
}
