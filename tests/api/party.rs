//! DB2 against the real server: the demo party tree, members and the
//! committees' workflows, transfers across scopes and their races, status
//! as of a date, statistics, and scope by the party tree.

use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, fields, id, json, Response, TestApp};

/// The demo with a party officer of Hà Nội and one of Bắc Ninh.
pub(crate) struct Demo {
    pub(crate) app: TestApp,
    pub(crate) hanoi: String,
    pub(crate) bacninh: String,
}

pub(crate) fn demo() -> Demo {
    let app = TestApp::with_demo();
    let hanoi = app.account("hanoi.party", Some("P01"), &["party_editor"]);
    let bacninh = app.account("bacninh.party", Some("P27"), &["party_editor"]);
    Demo {
        hanoi: app.sign_in(&hanoi),
        bacninh: app.sign_in(&bacninh),
        app,
    }
}

/// A request as the holder of `token`, with `If-Match` when a version is given.
pub(crate) fn call(
    app: &TestApp,
    token: &str,
    (method, path): (Method, &str),
    body: Option<&Value>,
    version: Option<i64>,
) -> Response {
    let mut request = app
        .anonymous(method, path)
        .header("Authorization", format!("Bearer {token}"));
    if let Some(version) = version {
        request = request.header("If-Match", format!("\"{version}\""));
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    request.send().expect("request")
}

pub(crate) fn get(app: &TestApp, token: &str, path: &str) -> (u16, Value) {
    json(call(app, token, (Method::GET, path), None, None))
}

pub(crate) fn post(
    app: &TestApp,
    token: &str,
    path: &str,
    body: &Value,
    version: Option<i64>,
) -> Response {
    call(app, token, (Method::POST, path), Some(body), version)
}

pub(crate) fn unit_id(app: &TestApp, code: &str) -> String {
    #[derive(QueryableByName)]
    struct Unit {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let unit: Unit =
        diesel::sql_query("SELECT id::text AS id FROM party_organizations WHERE code = $1")
            .bind::<diesel::sql_types::Text, _>(code)
            .get_result(&mut app.db.connect())
            .unwrap_or_else(|e| panic!("no party unit {code}: {e}"));
    unit.id
}

fn find_one(app: &TestApp, token: &str, query: &str) -> Value {
    let (status, page) = get(app, token, &format!("/api/v1/party-members?q={query}"));
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "one member named {query}: {page}");
    items[0].clone()
}

pub(crate) fn decision(on: &str) -> Value {
    json!({"effective_on": on, "decision_number": "01-QĐ/ĐU", "deciding_body": "Đảng ủy phường"})
}

pub(crate) fn admission(cell: &str, name: &str, code: &str, admitted_on: &str) -> Value {
    json!({
        "full_name": name,
        "birth_date": "1990-04-30",
        "sex": "female",
        "ethnic_group_code": "01",
        "personal_identification_code": code,
        "party_card_number": format!("C{code}"),
        "party_organization_id": cell,
        "admitted_on": admitted_on,
        "decision_number": "15-QĐ/ĐU",
        "deciding_body": "Đảng ủy phường Ba Đình",
    })
}

/// (open periods, periods) of a member, as stored.
fn periods(app: &TestApp, member: &str) -> (i64, i64) {
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        open: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        all: i64,
    }
    let count: Count = diesel::sql_query(
        "SELECT count(*) FILTER (WHERE valid_to IS NULL) AS open, count(*) AS all \
         FROM party_member_periods WHERE member_id = $1::uuid",
    )
    .bind::<diesel::sql_types::Text, _>(member)
    .get_result(&mut app.db.connect())
    .unwrap();
    (count.open, count.all)
}

#[test]
fn the_demo_keeps_the_district_committees_as_dissolved_predecessors() {
    let app = TestApp::with_demo();
    let badinh = unit_id(&app, "DB-P01-BADINH");
    let (_, district) = json(app.get(&format!("/api/v1/party-organizations/{badinh}")));
    assert_eq!(district["status"], "merged");
    assert_eq!(district["dissolved_on"], "2025-07-01");
    assert_eq!(district["level"], "district");
    let (status, _) = json(app.get(&format!(
        "/api/v1/party-organizations/{badinh}?as_of=2025-07-01"
    )));
    assert_eq!(status, 404, "gone on the day of the reform");
    let (_, then) = json(app.get(&format!(
        "/api/v1/party-organizations/{badinh}?as_of=2025-06-30"
    )));
    assert_eq!(
        then["counts"]["members"], 6,
        "Trúc Bạch's and Ngọc Hà's members were under it: {then}"
    );
    let ward = unit_id(&app, "DU-P01-PHUONG-BADINH");
    let (_, story) = json(app.get(&format!("/api/v1/party-organizations/{ward}/history")));
    let predecessors = story["predecessor_ids"].as_array().unwrap();
    assert_eq!(predecessors.len(), 2, "Trúc Bạch and Quán Thánh: {story}");
    let (_, before) =
        json(app.get("/api/v1/party-organizations?level=district&as_of=2025-06-30&limit=500"));
    let (_, after) = json(app.get("/api/v1/party-organizations?level=district&as_of=2025-07-01"));
    assert_eq!(before["items"].as_array().unwrap().len(), 6, "{before}");
    assert_eq!(
        after["items"].as_array().unwrap().len(),
        0,
        "no district committee after 2025"
    );
    let hanoi = app
        .get("/api/v1/organizations/by-code/P01")
        .json::<Value>()
        .unwrap();
    let (_, org) = json(app.get(&format!("/api/v1/organizations/{}", id(&hanoi))));
    assert_eq!(
        org["party"]["members"], 8,
        "Table 25 on the organization: {org}"
    );
    assert_eq!(
        org["party"]["party_organizations_by_type"]["party_committee"], 1,
        "{org}"
    );
    let (_, before) = json(app.get(&format!(
        "/api/v1/organizations/{}?as_of=2025-06-30",
        id(&hanoi)
    )));
    assert_eq!(
        before["party"]["party_organizations_by_type"]["party_committee"], 3,
        "with its two district committees: {before}"
    );
    let (_, provinces) =
        json(app.get("/api/v1/party-organizations?level=province&status=active&limit=500"));
    assert_eq!(
        provinces["items"].as_array().unwrap().len(),
        34,
        "34 provincial committees since the merges"
    );
    let (_, an) = json(app.get("/api/v1/party-members?q=nguyen%20van%20an"));
    let an = &an["items"][0];
    let (_, old) = json(app.get(&format!(
        "/api/v1/party-members/{}?as_of=2025-06-30",
        id(an)
    )));
    assert_eq!(
        old["party_organization_id"],
        unit_id(&app, "CB-P01-BADINH-TRUCBACH-1")
    );
    assert_eq!(
        an["party_organization_id"],
        unit_id(&app, "CB-P01-PHUONG-BADINH-1"),
        "moved with the cell"
    );
    let (_, events) = json(app.get(&format!("/api/v1/party-members/{}/events", id(an))));
    let kinds: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["admitted", "recognized_official", "moved_with_cell"]
    );
}

#[test]
fn a_hanoi_officer_transfers_a_member_to_bac_ninh_which_accepts() {
    let d = demo();
    let binh = find_one(&d.app, &d.hanoi, "tran%20thi%20binh");
    let binh_id = id(&binh).to_owned();
    let (status, _) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{binh_id}"),
    );
    assert_eq!(status, 404, "Bắc Ninh does not see Hà Nội's members");
    let issued = post(
        &d.app,
        &d.hanoi,
        "/api/v1/party-transfers",
        &json!({
            "member_id": binh_id,
            "to_party_organization_code": "CB-P27-TIENDU-PHATTICH-2025-2",
            "issued_on": "2026-01-05",
            "decision_number": "45-GGT/ĐU",
            "issuing_body": "Đảng ủy phường Hoàn Kiếm",
        }),
        None,
    );
    let (status, transfer) = json(issued);
    assert_eq!(status, 201, "{transfer}");
    assert_eq!(transfer["status"], "issued");
    assert_eq!(transfer["to_name"], "Chi bộ khu dân cư số 2");
    let (_, incoming) = get(
        &d.app,
        &d.bacninh,
        "/api/v1/party-transfers?direction=incoming&status=issued",
    );
    assert_eq!(
        incoming["items"][0]["id"], transfer["id"],
        "the receiving committee sees it"
    );
    let (status, pending) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{binh_id}"),
    );
    assert_eq!(status, 200, "and the member it is asked to receive");
    assert_eq!(
        pending["party_organization_id"],
        unit_id(&d.app, "CB-P01-PHUONG-HOANKIEM-1"),
        "still at home"
    );
    let accept = json!({"accepted_on": "2026-01-12", "decision_number": "3-TN/ĐU", "accepting_body": "Đảng ủy xã Phật Tích"});
    let wrong_side = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-transfers/{}/accept", id(&transfer)),
        &accept,
        Some(1),
    );
    assert_problem(wrong_side, 403, "forbidden");
    let (status, accepted) = json(post(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-transfers/{}/accept", id(&transfer)),
        &accept,
        Some(1),
    ));
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["transfer"]["status"], "accepted");
    let cell = unit_id(&d.app, "CB-P27-TIENDU-PHATTICH-2025-2");
    assert_eq!(accepted["member"]["party_organization_id"], cell);
    let (status, _) = get(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{binh_id}"),
    );
    assert_eq!(status, 404, "no longer Hà Nội's");
    let (_, before) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{binh_id}?as_of=2026-01-11"),
    );
    assert_eq!(
        before["party_organization_id"],
        unit_id(&d.app, "CB-P01-PHUONG-HOANKIEM-1"),
        "the day before acceptance"
    );
    assert_eq!(periods(&d.app, &binh_id).0, 1, "one open period");
    let (_, events) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{binh_id}/events"),
    );
    assert_eq!(
        events["items"].as_array().unwrap().last().unwrap()["kind"],
        "transferred"
    );
    let (_, audit) = json(d.app.get("/api/v1/audit?action=party_transfer.accept"));
    assert_eq!(audit["items"][0]["entity_id"], transfer["id"], "{audit}");
}

#[test]
fn racing_transfers_leave_the_member_in_exactly_one_cell() {
    let d = demo();
    let mai = find_one(&d.app, &d.hanoi, "le%20thi%20mai");
    let mai_id = id(&mai).to_owned();
    // hold the member row while two transfers are issued
    let mut holder = d.app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("SELECT 1 FROM party_members WHERE id = $1::uuid FOR UPDATE")
        .bind::<diesel::sql_types::Text, _>(&mai_id)
        .execute(&mut holder)
        .unwrap();
    let issue = |code: &str| {
        post(
            &d.app,
            &d.hanoi,
            "/api/v1/party-transfers",
            &json!({
                "member_id": mai_id, "to_party_organization_code": code, "issued_on": "2026-02-01",
                "decision_number": "7-GGT/ĐU", "issuing_body": "Đảng ủy phường Ngọc Hà",
            }),
            None,
        )
    };
    let outcomes = std::thread::scope(|threads| {
        let first = threads.spawn(|| json(issue("CB-P27-TIENDU-PHATTICH-2025-1")));
        let second = threads.spawn(|| json(issue("CB-P27-TIENDU-TTLIM-2025-1")));
        std::thread::sleep(std::time::Duration::from_millis(400));
        diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
        [first.join().unwrap(), second.join().unwrap()]
    });
    let mut statuses: Vec<u16> = outcomes.iter().map(|(s, _)| *s).collect();
    statuses.sort();
    assert_eq!(statuses, [201, 409], "{outcomes:?}");
    let transfer = outcomes.iter().find(|(s, _)| *s == 201).unwrap().1.clone();
    let loser = outcomes.iter().find(|(s, _)| *s == 409).unwrap();
    assert_eq!(loser.1["type"], "https://odb.gov.vn/problems/transfer-open");
    // two acceptances of it, and an expulsion by the sender, all at once
    let path = format!("/api/v1/party-transfers/{}/accept", id(&transfer));
    let accept = json!({"accepted_on": "2026-02-03", "decision_number": "9-TN/ĐU", "accepting_body": "Đảng ủy xã"});
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("SELECT 1 FROM party_transfers WHERE id = $1::uuid FOR UPDATE")
        .bind::<diesel::sql_types::Text, _>(id(&transfer))
        .execute(&mut holder)
        .unwrap();
    let results = std::thread::scope(|threads| {
        let a = threads.spawn(|| json(post(&d.app, &d.bacninh, &path, &accept, Some(1))));
        let b = threads.spawn(|| json(post(&d.app, &d.bacninh, &path, &accept, Some(1))));
        let expel = threads.spawn(|| {
            let (_, now) = get(&d.app, &d.hanoi, &format!("/api/v1/party-members/{mai_id}"));
            let version = now["version"].as_i64().unwrap_or(1);
            json(post(
                &d.app,
                &d.hanoi,
                &format!("/api/v1/party-members/{mai_id}/expel"),
                &decision("2026-02-04"),
                Some(version),
            ))
        });
        std::thread::sleep(std::time::Duration::from_millis(400));
        diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
        [a.join().unwrap(), b.join().unwrap(), expel.join().unwrap()]
    });
    let accepted = results[..2].iter().filter(|(s, _)| *s == 200).count();
    assert_eq!(accepted, 1, "one acceptance wins: {results:?}");
    assert!(
        results[..2].iter().any(|(s, _)| [409, 412].contains(s)),
        "{results:?}"
    );
    assert!(
        [403, 409].contains(&results[2].0),
        "the expulsion finds the transfer open or the member gone: {results:?}"
    );
    assert_eq!(
        periods(&d.app, &mai_id),
        (1, 4),
        "probationary, official, moved with the cell, transferred: one open"
    );
    let (_, now) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{mai_id}"),
    );
    assert_eq!(
        now["party_organization_id"], transfer["to_party_organization_id"],
        "in the cell of the transfer that won"
    );
    assert_eq!(now["status"], "official");
}

#[test]
fn status_and_cell_on_any_date_come_from_the_dated_events() {
    let d = demo();
    let cell = unit_id(&d.app, "CB-P01-PHUONG-BADINH-2");
    let (status, made) = json(post(
        &d.app,
        &d.hanoi,
        "/api/v1/party-members",
        &admission(&cell, "Ngô Thị Lan", "001190000123", "2025-07-10"),
        None,
    ));
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["status"], "probationary");
    assert_eq!(made["official_id"], Value::Null);
    let member = id(&made).to_owned();
    let too_early = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{member}/recognize"),
        &json!({"official_on": "2026-01-10", "decision_number": "2-QĐ/ĐU", "deciding_body": "Đảng ủy phường"}),
        Some(1),
    );
    assert_eq!(
        fields(&assert_problem(too_early, 422, "validation")),
        ["official_on"]
    );
    let (status, official) = json(post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{member}/recognize"),
        &json!({"official_on": "2026-07-10", "decision_number": "2-QĐ/ĐU", "deciding_body": "Đảng ủy phường"}),
        Some(1),
    ));
    assert_eq!(status, 200, "{official}");
    let version = official["version"].as_i64().unwrap();
    let (status, removed) = json(post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{member}/remove"),
        &decision("2026-10-01"),
        Some(version),
    ));
    assert_eq!(status, 200, "{removed}");
    assert_eq!(removed["status"], "left");
    let on = |date: &str| {
        get(
            &d.app,
            &d.hanoi,
            &format!("/api/v1/party-members/{member}?as_of={date}"),
        )
    };
    assert_eq!(on("2025-07-09").0, 404, "not yet a member");
    assert_eq!(on("2025-07-10").1["status"], "probationary");
    assert_eq!(on("2026-07-09").1["official_on"], Value::Null);
    assert_eq!(on("2026-07-10").1["status"], "official");
    assert_eq!(on("2026-09-30").1["status"], "official");
    assert_eq!(on("2026-10-01").1["status"], "left");
    let search = |date: &str| {
        get(
            &d.app,
            &d.hanoi,
            &format!("/api/v1/party-members?q=ngo%20thi%20lan&as_of={date}&status=official"),
        )
        .1["items"]
            .as_array()
            .unwrap()
            .len()
    };
    assert_eq!(
        (
            search("2026-01-01"),
            search("2026-08-01"),
            search("2026-10-15")
        ),
        (0, 1, 0)
    );
    let stale = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{member}/expel"),
        &decision("2026-10-15"),
        Some(version),
    );
    assert_problem(stale, 412, "stale-version");
    let ended = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{member}/expel"),
        &decision("2026-10-15"),
        Some(removed["version"].as_i64().unwrap()),
    );
    assert_problem(ended, 409, "not-a-member");
}

#[test]
fn admission_refuses_bad_input_and_a_second_record_of_one_person() {
    let d = demo();
    let cell = unit_id(&d.app, "CB-P01-PHUONG-NGOCHA-1");
    let mut bad = admission(&cell, "Phan Văn Tú", "12", "2099-01-01");
    bad["party_card_number"] = Value::Null;
    let problem = assert_problem(
        post(&d.app, &d.hanoi, "/api/v1/party-members", &bad, None),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["personal_identification_code"]);
    let future = admission(&cell, "Phan Văn Tú", "001090000777", "2099-01-01");
    assert_eq!(
        fields(&assert_problem(
            post(&d.app, &d.hanoi, "/api/v1/party-members", &future, None),
            422,
            "validation"
        )),
        ["admitted_on"]
    );
    let mut young = admission(&cell, "Phan Văn Tú", "001090000777", "2025-10-01");
    young["birth_date"] = json!("2010-01-01");
    assert_eq!(
        fields(&assert_problem(
            post(&d.app, &d.hanoi, "/api/v1/party-members", &young, None),
            422,
            "validation"
        )),
        ["admitted_on"]
    );
    let (_, none) = get(&d.app, &d.hanoi, "/api/v1/party-members?q=phan%20van%20tu");
    assert_eq!(
        none["items"].as_array().unwrap().len(),
        0,
        "nothing half-written"
    );
    let good = admission(&cell, "Phan Văn Tú", "001090000777", "2025-10-01");
    let (status, first) = json(post(&d.app, &d.hanoi, "/api/v1/party-members", &good, None));
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        first["personal_identification_code"], "0010******77",
        "masked"
    );
    let elsewhere = admission(
        &unit_id(&d.app, "CB-P27-TIENDU-TTLIM-2025-1"),
        "Phan Văn Tú",
        "001090000777",
        "2025-10-02",
    );
    let problem = assert_problem(
        post(
            &d.app,
            &d.bacninh,
            "/api/v1/party-members",
            &elsewhere,
            None,
        ),
        409,
        "duplicate",
    );
    assert_eq!(
        problem["existing"],
        format!("/api/v1/party-members/{}", id(&first))
    );
    let (_, found) = json(post(
        &d.app,
        &d.hanoi,
        "/api/v1/party-members/lookup",
        &json!({"party_card_number": "C001090000777"}),
        None,
    ));
    assert_eq!(
        found["items"][0]["id"], first["id"],
        "exact card lookup by blind index"
    );
    let (_, not_theirs) = json(post(
        &d.app,
        &d.bacninh,
        "/api/v1/party-members/lookup",
        &json!({"party_card_number": "C001090000777"}),
        None,
    ));
    assert_eq!(
        not_theirs["items"].as_array().unwrap().len(),
        0,
        "outside Bắc Ninh's scope"
    );
    let (_, by_name) = get(&d.app, &d.hanoi, "/api/v1/party-members?q=PHAN%20tu");
    assert_eq!(
        by_name["items"][0]["id"], first["id"],
        "diacritic-insensitive, family and given name"
    );
}

#[test]
fn temporary_attendance_and_exemption_show_in_both_cells_and_count_apart() {
    let d = demo();
    let hoa = find_one(&d.app, &d.hanoi, "bui%20thi%20hoa");
    let host = unit_id(&d.app, "DU-P27-TIENDU-PHATTICH-2025");
    let (_, in_host) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members?party_organization_id={host}"),
    );
    assert!(
        in_host["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["id"] == hoa["id"]),
        "the host cell sees her: {in_host}"
    );
    let (_, read) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{}", id(&hoa)),
    );
    assert_eq!(
        read["attending"]["party_organization_id"],
        unit_id(&d.app, "CB-P27-TIENDU-PHATTICH-2025-1")
    );
    let hanoi = unit_id(&d.app, "DB-P01");
    let (_, home) = get(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-statistics?party_organization_id={hanoi}"),
    );
    let (_, host_stats) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-statistics?party_organization_id={host}"),
    );
    assert_eq!(host_stats["total"], 0, "counted at home only: {host_stats}");
    assert_eq!(
        home["exempted"], 1,
        "Đỗ Văn Khánh, exempted for age: {home}"
    );
    assert_eq!(home["by_status"]["probationary"], 1, "{home}");
    let total = home["total"].as_i64().unwrap();
    let (_, before) = get(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-statistics?party_organization_id={hanoi}&as_of=2025-09-01"),
    );
    assert_eq!(before["exempted"], 0, "not yet exempted then");
    assert_eq!(
        before["total"].as_i64().unwrap(),
        total,
        "Em arrived on 10 September, Hải died on 1 October"
    );
    let ended = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-members/{}/attendance/end", id(&hoa)),
        &decision("2026-03-01"),
        Some(hoa["version"].as_i64().unwrap()),
    );
    assert_eq!(ended.status(), 200);
    let (status, _) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{}", id(&hoa)),
    );
    assert_eq!(status, 404, "the host no longer sees her");
}

#[test]
fn badges_fall_due_by_years_of_membership() {
    let app = TestApp::with_demo();
    let hanoi = unit_id(&app, "DB-P01");
    let (_, due) = json(app.get(&format!("/api/v1/party-members/badges-due?party_organization_id={hanoi}&from=2025-09-02&by=2026-02-03")));
    let items = due["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{due}");
    assert_eq!(items[0]["member"]["full_name"], "Phạm Thị Dung");
    assert_eq!(
        items[0]["badge"],
        json!({"years": 30, "due_on": "2026-02-03"})
    );
    let (_, dung) = json(app.get(&format!(
        "/api/v1/party-members/{}?as_of=2026-02-02",
        items[0]["member"]["id"].as_str().unwrap()
    )));
    assert_eq!(dung["badges"], json!([]));
    assert_eq!(dung["next_badge"]["years"], 30);
    let missing = app.get(&format!(
        "/api/v1/party-members/badges-due?party_organization_id={hanoi}"
    ));
    assert_eq!(fields(&assert_problem(missing, 422, "validation")), ["by"]);
}

#[test]
fn party_data_needs_a_party_grant_even_on_a_profile() {
    let app = TestApp::with_demo();
    let hanoi = app
        .get("/api/v1/organizations/by-code/P01")
        .json::<Value>()
        .unwrap();
    let profile = json!({
        "classification": "civil_servant",
        "managing_organization_id": hanoi["id"],
        "using_organization_id": hanoi["id"],
        "full_name": "Trịnh Văn Sơn",
        "sex": "male",
        "birth_date": "1980-02-02",
        "personal_identification_code": "001080055555",
        "party_admitted_on": "2025-08-15",
    });
    let (status, made) = json(app.post("/api/v1/officials", &profile));
    assert_eq!(status, 201, "{made}");
    let cell = unit_id(&app, "CB-P01-PHUONG-HOANKIEM-1");
    let mut member = admission(&cell, "Trịnh Văn Sơn", "001080055555", "2025-08-15");
    member["birth_date"] = json!("1980-02-02");
    let (status, admitted) = json(app.post("/api/v1/party-members", &member));
    assert_eq!(status, 201, "{admitted}");
    assert_eq!(
        admitted["official_id"], made["id"],
        "linked by the personal code's blind index"
    );
    let personnel = app.account("hanoi.personnel", Some("P01"), &["personnel_viewer"]);
    let personnel = app.sign_in(&personnel);
    let both = app.account(
        "hanoi.both",
        Some("P01"),
        &["personnel_viewer", "party_viewer"],
    );
    let both = app.sign_in(&both);
    let path = format!("/api/v1/officials/{}", id(&made));
    let (_, seen) = get(&app, &personnel, &path);
    assert_eq!(seen["party"], Value::Null);
    assert_eq!(seen["party_member"], false);
    assert_eq!(
        seen["party_admitted_on"],
        Value::Null,
        "no party data without a party grant"
    );
    let (status, _) = get(&app, &personnel, "/api/v1/party-members?q=son");
    assert_eq!(status, 403);
    let (status, _) = get(&app, &personnel, "/api/v1/officials?party_member=true");
    assert_eq!(status, 403, "nor filter profiles by it");
    let (_, with_grant) = get(&app, &both, &path);
    assert_eq!(with_grant["party"]["member_id"], admitted["id"]);
    assert_eq!(with_grant["party_admitted_on"], "2025-08-15");
    let viewer_admits = post(
        &app,
        &both,
        "/api/v1/party-members",
        &admission(&cell, "Lý Thị Hạnh", "001085000321", "2025-09-01"),
        None,
    );
    assert_problem(viewer_admits, 403, "forbidden");
}

#[test]
fn a_cell_merges_into_another_and_its_members_move_with_it() {
    let d = demo();
    let from = unit_id(&d.app, "CB-P01-PHUONG-NGOCHA-1");
    let into = unit_id(&d.app, "CB-P01-PHUONG-NGOCHA-2");
    let (_, cell) = get(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-organizations/{from}"),
    );
    assert_eq!(cell["counts"]["members"], 1, "Lê Văn Cường: {cell}");
    let version = cell["version"].as_i64().unwrap();
    let empty_handed = post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-organizations/{from}/dissolve"),
        &json!({"dissolved_on": "2026-04-01", "decision_number": "5-QĐ/ĐU"}),
        Some(version),
    );
    assert_problem(empty_handed, 409, "unit-has-members");
    let merge =
        json!({"dissolved_on": "2026-04-01", "decision_number": "5-QĐ/ĐU", "successor_id": into});
    let (status, merged) = json(post(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-organizations/{from}/dissolve"),
        &merge,
        Some(version),
    ));
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["status"], "merged");
    let cuong = find_one(&d.app, &d.hanoi, "le%20van%20cuong");
    assert_eq!(cuong["party_organization_id"], into);
    let foreign = unit_id(&d.app, "CB-P27-TIENDU-TTLIM-2025-1");
    let (status, _) = get(
        &d.app,
        &d.hanoi,
        &format!("/api/v1/party-organizations/{foreign}"),
    );
    assert_eq!(
        status, 404,
        "another province's unit does not exist for Hà Nội"
    );
}

#[test]
fn generated_members_link_profiles_resume_and_keep_one_cell_each() {
    let app = TestApp::with_demo();
    let now = app.clock.now();
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        200,
        3,
        now,
        &mut |_| {},
    )
    .unwrap();
    let mut seen = Vec::new();
    let first = odb::fixtures::party_members::generate(
        &mut app.db.connect(),
        &app.keyring,
        (1_000, 5),
        now,
        &mut |done| seen.push(done),
    )
    .unwrap();
    assert_eq!((first, seen.as_slice()), (1_000, &[1_000][..]));
    // a rerun with the same seed finds the run done; a larger count goes on
    let again = odb::fixtures::party_members::generate(
        &mut app.db.connect(),
        &app.keyring,
        (1_000, 5),
        now,
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(again, 1_000);
    odb::fixtures::party_members::generate(
        &mut app.db.connect(),
        &app.keyring,
        (6_000, 5),
        now,
        &mut |_| {},
    )
    .unwrap();
    #[derive(QueryableByName)]
    struct Shape {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        members: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        linked: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        profiles_with_party: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        without_one_open_period: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        row_not_its_period: i64,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        cells: i64,
    }
    let shape: Shape = diesel::sql_query(
        "SELECT (SELECT count(*) FROM party_members) AS members,
                (SELECT count(*) FROM party_members WHERE official_id IS NOT NULL) AS linked,
                (SELECT count(*) FROM officials WHERE party_admitted_on IS NOT NULL) AS profiles_with_party,
                (SELECT count(*) FROM party_members m WHERE (SELECT count(*) FROM party_member_periods p
                    WHERE p.member_id = m.id AND p.valid_to IS NULL) <> 1) AS without_one_open_period,
                (SELECT count(*) FROM party_members m JOIN party_member_periods p ON p.member_id = m.id
                    AND p.valid_to IS NULL WHERE p.path <> m.path OR p.status <> m.status) AS row_not_its_period,
                (SELECT count(*) FROM party_organizations WHERE code LIKE 'G-%') AS cells",
    )
    .get_result(&mut app.db.connect())
    .unwrap();
    assert_eq!(
        shape.members,
        6_000 + 10,
        "the demo's ten and the generated"
    );
    assert_eq!(
        crate::party_counts::mismatches(&app),
        Vec::<String>::new(),
        "the generator counts what it writes with the triggers off"
    );
    let since = (now.date_naive() - chrono::Duration::days(20)).to_string();
    assert_eq!(
        crate::party_counts::history_mismatches(&app, &since, ("1975-01-01", 400)),
        Vec::<String>::new(),
        "and the changes of past dates"
    );
    assert_eq!(
        shape.linked, shape.profiles_with_party,
        "every profile with a party admission is a member"
    );
    assert!(
        shape.linked < shape.members / 10,
        "most members are not officials"
    );
    assert_eq!(
        (shape.without_one_open_period, shape.row_not_its_period),
        (0, 0)
    );
    assert!(
        shape.cells > 100,
        "party units under every organization: {}",
        shape.cells
    );
    let (_, page) = json(app.get("/api/v1/party-members?q=nguyen&limit=500"));
    let all = page["items"].as_array().unwrap().len();
    assert!(all > 100, "searchable by name");
    let (mut paged, mut cursor) = (std::collections::HashSet::new(), String::new());
    loop {
        let (_, page) = json(app.get(&format!("/api/v1/party-members?q=nguyen&limit=50{cursor}")));
        for member in page["items"].as_array().unwrap() {
            assert!(paged.insert(member["id"].clone()), "no member twice");
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let named: Named = diesel::sql_query(
        "SELECT count(*) AS n FROM party_members WHERE status IN ('probationary', 'official') \
         AND 'nguyen' IN (given_name_folded, family_name_folded)",
    )
    .get_result(&mut app.db.connect())
    .unwrap();
    assert_eq!(paged.len() as i64, named.n, "pages without gaps");
    let hanoi = unit_id(&app, "DB-P01");
    let (_, stats) = json(app.get(&format!(
        "/api/v1/party-statistics?party_organization_id={hanoi}"
    )));
    assert!(stats["total"].as_i64().unwrap() > 100, "{stats}");
    assert!(
        stats["by_age_band"]["70_and_over"].as_i64().unwrap_or(0) > 0,
        "{stats}"
    );
}

/// Every member id the search finds, page by page, as the holder of `token`.
fn every_id(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let mut ids = Vec::new();
    let mut path = format!("/api/v1/party-members?limit=3{query}");
    loop {
        let (status, page) = get(app, token, &path);
        assert_eq!(status, 200, "{page}");
        ids.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["id"].as_str().unwrap().to_owned()),
        );
        match page["next_cursor"].as_str() {
            Some(cursor) => {
                path = format!("/api/v1/party-members?limit=100{query}&cursor={cursor}")
            }
            None => return ids,
        }
    }
}

#[test]
fn the_members_search_exports_every_member_it_finds_within_the_callers_scope() {
    use crate::reports::{csv_rows, download, xlsx_rows};
    let d = demo();
    let ids = every_id(&d.app, &d.hanoi, "");
    assert!(ids.len() > 3, "more than one page of 3: {}", ids.len());
    d.app.use_token(Some(d.hanoi.clone()));
    let (disposition, csv) = download(&d.app, "/api/v1/party-members?format=csv&limit=2", None);
    assert!(
        disposition.contains("danh-sach-dang-vien.csv"),
        "{disposition}"
    );
    let rows = csv_rows(&csv);
    assert_eq!(rows[0][1], "Họ và tên");
    let exported: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    assert_eq!(exported, ids, "every member, in the search's order");

    let official = every_id(&d.app, &d.hanoi, "&status=official");
    let xlsx_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    let (_, xlsx) = download(
        &d.app,
        "/api/v1/party-members?status=official",
        Some(xlsx_type),
    );
    let sheet = xlsx_rows(xlsx);
    assert_eq!(sheet.len() - 1, official.len());
    assert!(sheet[1..].iter().all(|r| r[4] == "official"));

    d.app.use_token(Some(d.bacninh.clone()));
    let (_, theirs) = download(&d.app, "/api/v1/party-members?format=csv", None);
    let theirs: Vec<String> = csv_rows(&theirs)[1..]
        .iter()
        .map(|r| r[0].clone())
        .collect();
    assert_eq!(
        theirs,
        every_id(&d.app, &d.bacninh, ""),
        "what Bắc Ninh's search shows, no more"
    );
    assert_ne!(theirs, ids);

    // each whole list leaving ODB is audited: who, which list, how many rows
    d.app.use_token(Some(d.app.sign_in(&d.app.admin)));
    let (_, audit) = json(d.app.get("/api/v1/audit?action=list.export"));
    let entries = audit["items"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{audit}");
    assert_eq!(entries[2]["actor"], "hanoi.party");
    assert_eq!(entries[2]["entity_id"], "danh-sach-dang-vien");
    assert_eq!(
        entries[2]["details"],
        json!({"format": "csv", "rows": ids.len()})
    );
    assert_eq!(entries[1]["details"]["format"], "xlsx");
    assert_eq!(entries[0]["actor"], "bacninh.party");
}
