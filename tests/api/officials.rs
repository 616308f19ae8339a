use chrono::Duration;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

pub fn profile(org: &str, name: &str, personal_code: &str) -> Value {
    json!({
        "classification": "civil_servant",
        "managing_organization_id": org,
        "using_organization_id": org,
        "full_name": name,
        "sex": "male",
        "birth_date": "1980-05-17",
        "identity_card_number": "012345678",
        "identity_card_issued_on": "2010-03-01",
        "identity_card_issued_place": "Công an Hà Nội",
        "personal_identification_code": personal_code,
        "social_insurance_number": "0123456789",
        "ethnic_group_code": "01",
        "religion_code": "00",
        "current_address": "Số 7 phố Tràng Thi, Hoàn Kiếm, Hà Nội",
        "phone": "0912345678",
        "rank_code": "01.003",
        "salary_step": 4,
        "salary_coefficient": 3.33,
        "first_recruited_on": "2005-09-01",
        "party_admitted_on": "2010-01-15",
        "party_official_on": "2011-01-15",
        "political_theory_code": "TRUNG_CAP",
        "foreign_languages": [{"language_code": "EN", "level": "B1"}],
    })
}

/// A province with an editor and a viewer of its own, and another province.
struct Setup {
    app: TestApp,
    hanoi: Value,
    hue: Value,
}

fn setup() -> Setup {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    Setup {
        hanoi: t["HN"].clone(),
        hue: t["HUE"].clone(),
        app,
    }
}

pub fn as_editor(app: &TestApp, username: &str, org: Option<&str>) -> Account {
    let account = app.account(username, org, &["personnel_editor"]);
    let token = app.sign_in(&account);
    app.use_token(Some(token));
    account
}

pub fn create(app: &TestApp, body: &Value) -> Value {
    let (status, made) = json(app.post("/api/v1/officials", body));
    assert_eq!(status, 201, "{made}");
    made
}

#[test]
fn a_profile_is_stored_sealed_and_shown_masked() {
    let s = setup();
    as_editor(&s.app, "editor.all", None);
    let made = create(
        &s.app,
        &profile(id(&s.hanoi), "Nguyễn Văn An", "001080012345"),
    );
    assert_eq!(made["full_name"], "Nguyễn Văn An");
    assert_eq!(made["personal_identification_code"], "0010******45");
    assert_eq!(made["identity_card_number"], "0123***78");
    assert_eq!(made["revealed"], false);
    assert_eq!(made["party_member"], true);
    assert_eq!(made["salary_coefficient"], 3.33);

    // no sensitive plaintext anywhere in the database, read as a superuser
    let mut superuser = s.app.db.connect();
    #[derive(QueryableByName)]
    struct Dump {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let tables = [
        "officials",
        "official_personal",
        "official_career",
        "official_records",
        "official_changes",
        "audit_log",
        "organization_events",
    ];
    let mut everything = String::new();
    for table in tables {
        let dump: Vec<Dump> = diesel::sql_query(format!("SELECT t::text AS text FROM {table} t"))
            .load(&mut superuser)
            .unwrap();
        everything.extend(dump.into_iter().map(|d| d.text));
    }
    assert!(everything.contains("Nguyễn Văn An"), "the dump is real");
    for secret in [
        "001080012345",
        "012345678",
        "0123456789",
        "Tràng Thi",
        "0912345678",
        "Công an Hà Nội",
    ] {
        assert!(
            !everything.contains(secret),
            "{secret} is stored in plaintext"
        );
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(
            !everything.contains(&hex),
            "{secret} is stored in plaintext bytes"
        );
    }
}

#[test]
fn revealing_identity_numbers_needs_a_fresh_second_factor_and_is_audited() {
    let s = setup();
    let editor = as_editor(&s.app, "editor.reveal", None);
    let made = create(
        &s.app,
        &profile(id(&s.hanoi), "Trần Thị Bình", "001180054321"),
    );
    let path = format!("/api/v1/officials/{}?reveal=true", id(&made));
    let (status, shown) = json(s.app.get(&path));
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["personal_identification_code"], "001180054321");
    assert_eq!(shown["identity_card_issued_place"], "Công an Hà Nội");

    s.app.clock.advance(Duration::minutes(20));
    s.app.use_token(Some(s.app.sign_in(&editor)));
    s.app.clock.advance(Duration::minutes(16));
    assert_problem(s.app.get(&path), 403, "step-up-required");
    let (_, masked) = json(s.app.get(&format!("/api/v1/officials/{}", id(&made))));
    assert_eq!(masked["personal_identification_code"], "0011******21");

    // a viewer may not reveal at all
    let viewer = s.app.account("viewer.reveal", None, &["personnel_viewer"]);
    s.app.use_token(Some(s.app.sign_in(&viewer)));
    assert_problem(s.app.get(&path), 403, "forbidden");

    s.app.use_token(Some(s.app.sign_in(&s.app.admin)));
    let (_, audit) = json(s.app.get("/api/v1/audit?action=official.reveal"));
    let reveals = audit["items"].as_array().unwrap();
    assert_eq!(reveals.len(), 1);
    assert_eq!(reveals[0]["actor"], "editor.reveal");
    assert_eq!(reveals[0]["entity_id"], made["id"]);
    assert!(
        !audit.to_string().contains("001180054321"),
        "the audit never holds the value"
    );
}

#[test]
fn a_ciphertext_moved_to_another_row_fails_to_open() {
    let s = setup();
    as_editor(&s.app, "editor.move", None);
    let a = create(
        &s.app,
        &profile(id(&s.hanoi), "Lê Văn Cường", "001080099991"),
    );
    let b = create(
        &s.app,
        &profile(id(&s.hanoi), "Phạm Văn Dũng", "001080099992"),
    );
    diesel::sql_query(
        "UPDATE official_personal SET personal_identification_code = (SELECT personal_identification_code FROM official_personal WHERE official_id = $1) WHERE official_id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(id(&a)).unwrap())
    .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(id(&b)).unwrap())
    .execute(&mut s.app.db.connect())
    .unwrap();
    let response = s
        .app
        .get(&format!("/api/v1/officials/{}?reveal=true", id(&b)));
    let status = response.status();
    let body = response.text().unwrap();
    assert_eq!(status, 500, "a moved ciphertext is an error: {body}");
    assert!(
        !body.contains("001080099991"),
        "never another person's data"
    );
    // A is untouched
    assert_eq!(
        s.app.get(&format!("/api/v1/officials/{}", id(&a))).status(),
        200
    );
}

#[test]
fn one_person_has_one_profile() {
    let s = setup();
    as_editor(&s.app, "editor.dup", None);
    let first = create(
        &s.app,
        &profile(id(&s.hanoi), "Hoàng Văn Em", "001080077777"),
    );
    let problem = assert_problem(
        s.app.post(
            "/api/v1/officials",
            &profile(id(&s.hue), "Hoàng Văn Em", "001080077777"),
        ),
        409,
        "duplicate",
    );
    assert_eq!(
        problem["existing"],
        format!("/api/v1/officials/{}", id(&first))
    );
}

#[test]
fn a_duplicate_racing_the_first_profile_still_gets_the_pointer() {
    let s = setup();
    as_editor(&s.app, "editor.race", None);
    let first = create(
        &s.app,
        &profile(id(&s.hanoi), "Đỗ Văn Phúc", "001080011111"),
    );
    // Another writer takes the code inside a transaction that is still open:
    // the second create passes the service's check, then waits on the index.
    let code = "001080022222";
    let taken = Some(s.app.keyring.blind_index(
        "officials",
        "personal_identification_code",
        &odb::crypto::normalize_identifier(code),
        true,
    ));
    let mut other = s.app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut other).unwrap();
    diesel::sql_query("UPDATE officials SET personal_identification_index = $1 WHERE id = $2")
        .bind::<diesel::sql_types::Nullable<diesel::sql_types::Bytea>, _>(taken)
        .bind::<diesel::sql_types::Uuid, _>(uuid::Uuid::parse_str(id(&first)).unwrap())
        .execute(&mut other)
        .unwrap();
    std::thread::scope(|threads| {
        let second = threads.spawn(|| {
            s.app.post(
                "/api/v1/officials",
                &profile(id(&s.hue), "Đỗ Văn Phúc", code),
            )
        });
        assert!(
            s.app.db.someone_waits_for(&mut other),
            "the second create waits on the index"
        );
        assert!(!second.is_finished());
        diesel::sql_query("COMMIT").execute(&mut other).unwrap();
        let problem = assert_problem(second.join().unwrap(), 409, "duplicate");
        assert_eq!(
            problem["existing"],
            format!("/api/v1/officials/{}", id(&first))
        );
    });
    let (_, page) = json(s.app.get("/api/v1/officials?q=do%20van%20phuc"));
    assert_eq!(
        page["items"].as_array().unwrap().len(),
        1,
        "nothing half-written"
    );
}

#[test]
fn profiles_follow_their_organization_when_it_moves() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("A", "province", "ROOT"),
        ("B", "province", "ROOT"),
        ("A1", "district", "A"),
        ("A11", "commune", "A1"),
    ]);
    let admin_token = app.sign_in(&app.admin);
    as_editor(&app, "editor.root", None);
    let person = create(&app, &profile(id(&t["A11"]), "Lý Thị Mai", "001080033333"));
    let path = format!("/api/v1/officials/{}", id(&person));
    let viewer_a = app.account("viewer.a", Some("A"), &["personnel_viewer"]);
    let viewer_b = app.account("viewer.b", Some("B"), &["personnel_viewer"]);
    let (token_a, token_b) = (app.sign_in(&viewer_a), app.sign_in(&viewer_b));
    let seen_by = |token: &String| {
        app.use_token(Some(token.clone()));
        let found = app.get(&path).status().as_u16();
        let (_, page) = json(app.get("/api/v1/officials?q=ly%20thi%20mai"));
        (found, page["items"].as_array().unwrap().len())
    };
    assert_eq!(seen_by(&token_a), (200, 1));
    assert_eq!(seen_by(&token_b), (404, 0));

    app.use_token(Some(admin_token));
    let moved = app.patch(
        &format!("/api/v1/organizations/{}", id(&t["A1"])),
        1,
        &json!({"parent_id": t["B"]["id"], "moved_on": "2024-01-01"}),
    );
    assert_eq!(moved.status(), 200);
    assert_eq!(
        seen_by(&token_a),
        (404, 0),
        "the old province no longer sees it"
    );
    assert_eq!(seen_by(&token_b), (200, 1), "the new province does");
}

#[test]
fn a_profile_created_during_a_move_takes_the_new_path() {
    let app = TestApp::spawn();
    let t = app.tree(&[
        ("A", "province", "ROOT"),
        ("B", "province", "ROOT"),
        ("A1", "district", "A"),
    ]);
    as_editor(&app, "editor.during.move", None);
    let uuid = |unit: &Value| uuid::Uuid::parse_str(id(unit)).unwrap();
    let mut mover = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut mover).unwrap();
    diesel::sql_query(
        "UPDATE organizations SET path = (SELECT path FROM organizations WHERE id = $1)
                                         || subpath(path, nlevel(path) - 1)
         WHERE id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid(&t["B"]))
    .bind::<diesel::sql_types::Uuid, _>(uuid(&t["A1"]))
    .execute(&mut mover)
    .unwrap();
    let made = std::thread::scope(|threads| {
        let create = threads.spawn(|| {
            app.post(
                "/api/v1/officials",
                &profile(id(&t["A1"]), "Tạ Văn Quý", "001080077771"),
            )
        });
        assert!(
            app.db.someone_waits_for(&mut mover),
            "the placement waits for the move"
        );
        assert!(!create.is_finished());
        diesel::sql_query("COMMIT").execute(&mut mover).unwrap();
        json(create.join().unwrap())
    });
    assert_eq!(made.0, 201, "{}", made.1);
    #[derive(QueryableByName)]
    struct Placed {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        under_b: bool,
    }
    let placed: Placed = diesel::sql_query(
        "SELECT p.managing_path <@ b.path AS under_b FROM officials p, organizations b
         WHERE p.id = $1 AND b.id = $2",
    )
    .bind::<diesel::sql_types::Uuid, _>(uuid(&made.1))
    .bind::<diesel::sql_types::Uuid, _>(uuid(&t["B"]))
    .get_result(&mut mover)
    .unwrap();
    assert!(
        placed.under_b,
        "the profile carries the organization's new path"
    );
}

#[test]
fn invalid_profiles_are_refused_field_by_field() {
    let s = setup();
    as_editor(&s.app, "editor.bad", None);
    let mut body = profile(id(&s.hanoi), "Vũ Thị Hoa", "001080066666");
    body["salary_coefficient"] = json!(13.5);
    body["personal_identification_code"] = json!("12345");
    let problem = assert_problem(s.app.post("/api/v1/officials", &body), 422, "validation");
    assert_eq!(
        fields(&problem),
        ["personal_identification_code", "salary_coefficient"]
    );

    let mut body = profile(id(&s.hanoi), "Vũ Thị Hoa", "001080066666");
    body["party_official_on"] = json!("2009-01-01");
    body["birth_date"] = json!("2015-01-01");
    body["first_recruited_on"] = json!(null);
    body["identity_card_issued_on"] = json!(null);
    let problem = assert_problem(s.app.post("/api/v1/officials", &body), 422, "validation");
    assert!(
        fields(&problem).contains(&"birth_date".to_owned()),
        "{problem}"
    );

    let mut body = profile(id(&s.hanoi), "Vũ Thị Hoa", "001080066666");
    body["party_official_on"] = json!("2009-01-01");
    let problem = assert_problem(s.app.post("/api/v1/officials", &body), 422, "validation");
    assert_eq!(fields(&problem), ["party_official_on"]);

    let mut body = profile(id(&s.hanoi), "Vũ Thị Hoa", "001080066666");
    body["ethnic_group_code"] = json!("99");
    let problem = assert_problem(s.app.post("/api/v1/officials", &body), 422, "validation");
    assert_eq!(fields(&problem), ["ethnic_group_code"]);

    let (_, page) = json(s.app.get("/api/v1/officials"));
    assert!(
        page["items"].as_array().unwrap().is_empty(),
        "nothing was stored"
    );
}

#[test]
fn editors_work_only_within_their_scope() {
    let s = setup();
    as_editor(&s.app, "editor.root", None);
    let in_hue = create(&s.app, &profile(id(&s.hue), "Đỗ Văn Giang", "001080055555"));
    as_editor(&s.app, "editor.hanoi", Some("HN"));
    assert_problem(
        s.app.get(&format!("/api/v1/officials/{}", id(&in_hue))),
        404,
        "not-found",
    );
    let problem = assert_problem(
        s.app.post(
            "/api/v1/officials",
            &profile(id(&s.hue), "Ngô Văn Hải", "001080044444"),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["managing_organization_id"]);
    let (_, page) = json(s.app.get("/api/v1/officials?q=giang"));
    assert!(
        page["items"].as_array().unwrap().is_empty(),
        "out-of-scope profiles are not listed"
    );
    let (_, found) = json(s.app.post(
        "/api/v1/officials/lookup",
        &json!({"personal_identification_code": "001080055555"}),
    ));
    assert!(found["items"].as_array().unwrap().is_empty());
}

#[test]
fn search_ignores_diacritics_and_pages_without_gaps() {
    let s = setup();
    as_editor(&s.app, "editor.search", None);
    let names = [
        "Nguyễn Văn An",
        "Nguyễn Thị An",
        "Trần Văn An",
        "Nguyễn Văn Anh",
        "Lê Thị Bình",
        "Nguyễn Văn Bình",
        "Phạm Minh An",
        "Đặng Văn An",
        "Nguyễn Hữu An",
        "Bùi Thị An",
    ];
    for (i, name) in names.iter().enumerate() {
        let mut body = profile(id(&s.hanoi), name, &format!("0010800{i:05}"));
        if i % 2 == 1 {
            body["managing_organization_id"] = s.hue["id"].clone();
            body["using_organization_id"] = s.hue["id"].clone();
            body["sex"] = json!("female");
            body["party_admitted_on"] = json!(null);
            body["party_official_on"] = json!(null);
        }
        create(&s.app, &body);
    }
    let full_names = |page: &Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["full_name"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, plain) = json(s.app.get("/api/v1/officials?q=nguyen%20van%20an"));
    assert_eq!(full_names(&plain), ["Nguyễn Văn An"]);
    let (_, accented) = json(
        s.app
            .get("/api/v1/officials?q=NGUY%E1%BB%84N%20V%C4%82N%20AN"),
    );
    assert_eq!(full_names(&accented), ["Nguyễn Văn An"]);
    let (_, given) = json(s.app.get("/api/v1/officials?q=an"));
    assert_eq!(full_names(&given).len(), 7, "{given}");
    let (_, family) = json(s.app.get("/api/v1/officials?q=nguyen"));
    assert_eq!(full_names(&family).len(), 5);
    assert!(
        full_names(&family)
            .windows(2)
            .all(|w| odb::text::fold(&w[0]) <= odb::text::fold(&w[1])),
        "sorted by name"
    );

    let (_, hue_only) = json(
        s.app
            .get(&format!("/api/v1/officials?organization_id={}", id(&s.hue))),
    );
    assert_eq!(full_names(&hue_only).len(), 5);
    let (_, party) = json(s.app.get("/api/v1/officials?party_member=true&sex=male"));
    assert_eq!(full_names(&party).len(), 5);
    let (_, ages) = json(s.app.get("/api/v1/officials?age_min=80"));
    assert!(full_names(&ages).is_empty());

    let mut seen = Vec::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = json(s.app.get(&format!("/api/v1/officials?limit=3{cursor}")));
        seen.extend(full_names(&page));
        if seen.len() == 3 {
            // a profile added mid-way, sorting before the cursor, is not repeated or skipped after it
            create(&s.app, &profile(id(&s.hanoi), "Ân Văn Zét", "001089999999"));
        }
        match page["next_cursor"].as_str() {
            Some(next) => cursor = format!("&cursor={next}"),
            None => break,
        }
    }
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "no profile repeated");
    assert_eq!(
        seen.len(),
        10,
        "every profile after the cursor seen once: {seen:?}"
    );
    assert_problem(s.app.get("/api/v1/officials?sex=other"), 422, "validation");
}

#[test]
fn histories_transfers_and_retirement_keep_the_record() {
    let s = setup();
    as_editor(&s.app, "editor.history", None);
    let made = create(
        &s.app,
        &profile(id(&s.hanoi), "Dương Văn Khánh", "001080033333"),
    );
    let base = format!("/api/v1/officials/{}", id(&made));

    let salary = json!({"kind": "salary", "from_date": "2020-01-01", "to_date": "2022-12-31",
                        "data": {"rank_code": "01.003", "salary_step": 3, "salary_coefficient": 3.0}});
    assert_eq!(
        s.app.post(&format!("{base}/records"), &salary).status(),
        201
    );
    let discipline = json!({"kind": "discipline", "from_date": "2021-06-01",
                            "data": {"form": "Khiển trách", "decided_by": "Sở Nội vụ", "reason": "Vi phạm quy chế làm việc"}});
    assert_eq!(
        s.app.post(&format!("{base}/records"), &discipline).status(),
        201
    );
    let bad = json!({"kind": "salary", "data": {"rank_code": "01.003", "salary_step": 3, "salary_coefficient": 30.0}});
    let problem = assert_problem(
        s.app.post(&format!("{base}/records"), &bad),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["data.salary_coefficient"]);

    let (_, records) = json(s.app.get(&format!("{base}/records")));
    let kinds: Vec<&str> = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    // the salary stated on creation joined the history
    assert_eq!(kinds, ["discipline", "salary", "salary"]);
    // sealed details only on reveal, even for the editor who wrote them
    assert_eq!(records["items"][0]["withheld"], true);
    assert_eq!(records["items"][0]["data"], Value::Null);
    let (_, revealed) = json(s.app.get(&format!("{base}/records?reveal=true")));
    assert_eq!(revealed["items"][0]["data"]["form"], "Khiển trách");
    let stored: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM official_records WHERE data::text LIKE '%Khiển trách%' OR data::text LIKE '%quy chế%')",
    ))
    .get_result(&mut s.app.db.connect())
    .unwrap();
    assert_eq!(stored, 0, "discipline details are sealed");

    let transfer = s
        .app
        .request(Method::POST, &format!("{base}/transfer"))
        .header("If-Match", "\"1\"")
        .json(
            &json!({"managing_organization_id": id(&s.hue), "effective_date": "2024-03-01",
                      "decision_number": "45/QĐ-UBND", "position": "Phó Trưởng phòng"}),
        )
        .send()
        .unwrap();
    let (status, moved) = json(transfer);
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["managing_organization_id"], s.hue["id"]);
    let (_, careers) = json(s.app.get(&format!("{base}/records?kind=career")));
    assert_eq!(careers["items"][0]["data"]["position"], "Phó Trưởng phòng");

    let retire = s
        .app
        .request(Method::POST, &format!("{base}/retire"))
        .header("If-Match", format!("\"{}\"", moved["version"]))
        .json(&json!({"effective_date": "2025-01-01"}))
        .send()
        .unwrap();
    let (status, retired) = json(retire);
    assert_eq!((status, retired["status"].as_str()), (200, Some("retired")));
    assert_problem(
        s.app.patch(
            &base,
            retired["version"].as_i64().unwrap(),
            &json!({"phone": "0999999999"}),
        ),
        409,
        "profile-closed",
    );

    let (_, history) = json(s.app.get(&format!("{base}/history")));
    let actions: Vec<&str> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "created",
            "salary_added",
            "discipline_added",
            "updated",
            "transferred",
            "retired"
        ]
    );
    assert_eq!(history["items"][0]["actor"], "editor.history");
}

#[test]
fn edits_need_the_current_version_and_name_changed_fields() {
    let s = setup();
    as_editor(&s.app, "editor.patch", None);
    let made = create(
        &s.app,
        &profile(id(&s.hanoi), "Lý Văn Long", "001080022222"),
    );
    let path = format!("/api/v1/officials/{}", id(&made));
    let (status, updated) = json(s.app.patch(
        &path,
        1,
        &json!({"phone": "0987654321", "full_name": "Lý Văn Lộc"}),
    ));
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["version"], 2);
    assert_problem(
        s.app.patch(&path, 1, &json!({"phone": "0900000000"})),
        412,
        "stale-version",
    );
    let problem = assert_problem(
        s.app.patch(&path, 2, &json!({"salary_coefficient": 0.5})),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["salary_coefficient"]);
    let problem = assert_problem(
        s.app.patch(&path, 2, &json!({"nickname": "x"})),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["nickname"]);
    let (_, history) = json(s.app.get(&format!("{path}/history")));
    let mut changed: Vec<String> = history["items"][1]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    changed.sort();
    assert_eq!(changed, ["full_name", "phone"]);
    let (_, found) = json(s.app.get("/api/v1/officials?q=ly%20van%20loc"));
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    let (_, looked_up) = json(s.app.post(
        "/api/v1/officials/lookup",
        &json!({"personal_identification_code": "0010 8002 2222"}),
    ));
    assert_eq!(looked_up["items"][0]["id"], made["id"]);
    // the lookup is audited at the profile, where that subtree's auditors look
    s.app.use_token(Some(s.app.sign_in(&s.app.admin)));
    let (_, audit) = json(s.app.get("/api/v1/audit?action=official.lookup"));
    let event = &audit["items"][0];
    assert_eq!(event["entity_id"], made["id"]);
    assert!(event["organization_path"].is_string(), "{event}");
    assert_eq!(event["details"]["matches"], 1);
    assert!(
        !audit.to_string().contains("08002"),
        "no number in the audit log"
    );
}

#[test]
fn catalogs_are_served() {
    let app = TestApp::spawn();
    let (status, ethnic) = json(app.get("/api/v1/catalogs/ethnic_group"));
    assert_eq!(status, 200);
    assert_eq!(ethnic["items"].as_array().unwrap().len(), 54);
    assert_eq!(ethnic["items"][0]["name"], "Kinh");
    assert_problem(app.get("/api/v1/catalogs/nothing"), 404, "not-found");
}

#[test]
fn generated_profiles_are_realistic_and_searchable() {
    let app = TestApp::with_demo();
    let written = odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        300,
        7,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(written, 300);
    let editor = app.account("editor.generated", Some("VN"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&editor)));
    let (_, page) = json(app.get("/api/v1/officials?limit=500"));
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 300);
    let with_marks = items
        .iter()
        .filter(|o| {
            o["full_name"].as_str().unwrap() != odb::text::fold(o["full_name"].as_str().unwrap())
        })
        .count();
    assert!(with_marks > 250, "Vietnamese names carry diacritics");
    let nguyen = items
        .iter()
        .filter(|o| o["full_name"].as_str().unwrap().starts_with("Nguyễn"))
        .count();
    assert!(
        (60..=170).contains(&nguyen),
        "Nguyễn is about four in ten: {nguyen}"
    );
    let one = items[0]["id"].as_str().unwrap();
    let (status, full) = json(app.get(&format!("/api/v1/officials/{one}?reveal=true")));
    assert_eq!(
        status, 200,
        "generated profiles open with the real keyring: {full}"
    );
    assert_eq!(
        full["personal_identification_code"].as_str().unwrap().len(),
        12
    );
    // the 2C items come coded, and the salary from its history
    assert!(full["hometown_province_code"].is_string(), "{full}");
    assert!(full["hometown_former_province_code"].is_string());
    assert_eq!(full["uncoded"], json!([]));
    assert!(full["salary_step_since"].is_string());
    let (_, records) = json(app.get(&format!("/api/v1/officials/{one}/records?reveal=true")));
    let kinds: Vec<&str> = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"family") && kinds.contains(&"salary"),
        "{kinds:?}"
    );
    let father = records["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["data"]["relation_code"] == "BO")
        .expect("a father in the family section");
    assert!(father["data"]["full_name"].is_string());
}

/// The profile tables' indexes, as PostgreSQL would create them again.
fn profile_indexes(conn: &mut diesel::PgConnection) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Index {
        #[diesel(sql_type = diesel::sql_types::Text)]
        definition: String,
    }
    diesel::sql_query(
        "SELECT indexdef AS definition FROM pg_indexes WHERE tablename IN \
         ('officials', 'official_personal', 'official_career', 'official_records') \
         ORDER BY indexname",
    )
    .load::<Index>(conn)
    .unwrap()
    .into_iter()
    .map(|i| i.definition)
    .collect()
}

#[test]
fn a_large_load_builds_the_indexes_afterwards_and_a_failed_one_leaves_nothing() {
    let app = TestApp::with_demo();
    let mut conn = app.db.connect();
    let before = profile_indexes(&mut conn);
    assert!(before.len() > 8, "{before:?}");
    let generate = |conn: &mut diesel::PgConnection, seed| {
        odb::fixtures::officials::generate(
            conn,
            &app.keyring,
            50_000,
            seed,
            app.clock.now(),
            &mut |_| {},
        )
    };
    assert_eq!(generate(&mut conn, 11).unwrap(), 50_000);
    assert_eq!(profile_indexes(&mut conn), before, "every index is back");
    // the same seed again: the personal codes repeat, the unique index (kept
    // during the load) refuses them, and the whole run rolls back
    assert!(generate(&mut conn, 11).is_err());
    assert_eq!(profile_indexes(&mut conn), before);
    assert_eq!(odb::officials::repo::count(&mut conn).unwrap(), 50_000);
    // the rebuilt name indexes answer a search
    let viewer = app.account("viewer.large", Some("VN"), &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&viewer)));
    let (status, page) = json(app.get("/api/v1/officials?q=nguyen&limit=5"));
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 5);
}

#[test]
fn the_master_key_must_fit_and_keys_rotate_from_the_command_line() {
    let app = TestApp::with_demo();
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        50,
        3,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let run = |key: &str, args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_odb"))
            .args(args)
            .env("DATABASE_URL", &app.db.url)
            .env("ODB_MASTER_KEY", key)
            .env("ODB_BIND", "127.0.0.1:0")
            .env("ODB_LOG", "error")
            .output()
            .unwrap()
    };
    let wrong = run(&random_master_key(), &["serve"]);
    assert!(!wrong.status.success());
    let message = String::from_utf8_lossy(&wrong.stderr);
    assert!(message.contains("master key does not match"), "{message}");

    let rotated = run(&app.master_key, &["keys", "rotate", "--batch", "20"]);
    assert!(
        rotated.status.success(),
        "{}",
        String::from_utf8_lossy(&rotated.stderr)
    );
    let status = run(&app.master_key, &["keys", "status"]);
    let report: Value = serde_json::from_slice(&status.stdout).unwrap();
    let versions = report["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(
        (
            versions[0]["state"].as_str(),
            versions[0]["values"].as_i64()
        ),
        (Some("retired"), Some(0))
    );
    assert_eq!(versions[1]["state"], "active");
    assert!(versions[1]["values"].as_i64().unwrap() >= 100);

    // the running service learns the new key and still opens every profile
    let editor = app.account("editor.rotation", Some("VN"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&editor)));
    let (_, page) = json(app.get("/api/v1/officials?limit=100"));
    for item in page["items"].as_array().unwrap() {
        let (status, _) = json(app.get(&format!("/api/v1/officials/{}?reveal=true", id(item))));
        assert_eq!(status, 200);
    }
}

#[test]
fn narrow_and_wide_scopes_give_the_same_pages_by_either_scan() {
    use odb::ids::OrganizationId;
    use odb::officials::model::ProfileStatus;
    use odb::officials::repo::{self, ScanOrder, Search};
    let app = TestApp::with_demo();
    let mut conn = app.db.connect();
    odb::fixtures::officials::generate(
        &mut conn,
        &app.keyring,
        400,
        11,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    #[derive(QueryableByName)]
    struct Unit {
        #[diesel(sql_type = diesel::sql_types::Uuid)]
        id: OrganizationId,
        #[diesel(sql_type = diesel::sql_types::Text)]
        path: String,
    }
    // the busiest province and the busiest commune
    let mut busiest = |level: &str| -> Unit {
        diesel::sql_query(
            "SELECT o.id, o.path::text AS path FROM organizations o JOIN officials p
               ON p.managing_path <@ o.path WHERE o.level = $1
             GROUP BY o.id ORDER BY count(*) DESC, o.id LIMIT 1",
        )
        .bind::<diesel::sql_types::Text, _>(level)
        .get_result(&mut conn)
        .unwrap()
    };
    let (province, commune) = (busiest("province"), busiest("commune"));
    let root: Unit = diesel::sql_query(
        "SELECT id, path::text AS path FROM organizations WHERE nlevel(path) = 1",
    )
    .get_result(&mut conn)
    .unwrap();
    let root = odb::db::ltree::TreePath(root.path);
    let path = |unit: &Unit| odb::db::ltree::TreePath(unit.path.clone());
    let scopes = [
        (vec![path(&province)], None),
        (vec![path(&commune)], None),
        (
            vec![root.clone()],
            Some((commune.id, path(&commune), false)),
        ),
        (
            vec![root.clone()],
            Some((province.id, path(&province), true)),
        ),
    ];
    let names: [&[&str]; 5] = [
        &[],
        &["nguyen"],
        &["anh"],
        &["nguyen", "anh"],
        &["tran", "thi"],
    ];
    let mut pages = |roots: &[odb::db::ltree::TreePath],
                     organization: &Option<(OrganizationId, odb::db::ltree::TreePath, bool)>,
                     words: &[&str],
                     scan: ScanOrder| {
        let scope = odb::context::Scope::Paths {
            read: roots.to_vec(),
            write: Vec::new(),
        };
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let search = Search {
                name_words: words.iter().map(|w| w.to_string()).collect(),
                organization: organization.clone(),
                status: Some(ProfileStatus::Active),
                roots: Some(roots.to_vec()),
                scan,
                after: after.take(),
                limit: 7,
                ..Search::default()
            };
            let rows = conn
                .transaction::<_, diesel::result::Error, _>(|c| {
                    diesel::sql_query("SET LOCAL ROLE odb_app").execute(c)?;
                    scope.apply(c, &[])?;
                    repo::search(c, &search)
                })
                .unwrap();
            seen.extend(rows.iter().map(|r| (r.name_folded.clone(), r.id)));
            match rows.last() {
                Some(last) if rows.len() == 7 => {
                    after = Some(odb::pagination::NameKey(
                        last.name_folded.clone(),
                        last.id.0,
                    ))
                }
                _ => return seen,
            }
        }
    };
    let mut found = 0;
    for (roots, organization) in &scopes {
        for words in names {
            let by_name = pages(roots, organization, words, ScanOrder::NameFirst);
            let by_scope = pages(roots, organization, words, ScanOrder::ScopeFirst);
            assert_eq!(by_name, by_scope, "{words:?} in {roots:?} {organization:?}");
            assert!(
                by_name.windows(2).all(|w| w[0] < w[1]),
                "in name order, no repeats"
            );
            assert_eq!(
                pages(roots, organization, words, ScanOrder::ByScopeSize),
                by_name
            );
            assert!(
                !words.is_empty() || !by_name.is_empty(),
                "{roots:?} holds profiles"
            );
            found += by_name.len();
        }
    }
    assert!(found > 100, "pages to compare: {found}");
}

#[test]
fn a_record_is_replaced_and_a_profile_ends_in_death_then_archive() {
    let s = setup();
    as_editor(&s.app, "editor.ending", None);
    let made = create(
        &s.app,
        &profile(id(&s.hanoi), "Trịnh Văn Sơn", "001080044444"),
    );
    let base = format!("/api/v1/officials/{}", id(&made));
    let career = json!({"kind": "career", "from_date": "2005-09-01",
                        "data": {"organization_name": "Sở Nội vụ", "position": "Chuyên viên"}});
    let (status, record) = json(s.app.post(&format!("{base}/records"), &career));
    assert_eq!(status, 201, "{record}");
    let mut promoted = career;
    promoted["data"]["position"] = json!("Phó Trưởng phòng");
    let (status, replaced) = json(
        s.app
            .request(Method::PUT, &format!("{base}/records/{}", id(&record)))
            .header("If-Match", "\"1\"")
            .json(&promoted)
            .send()
            .unwrap(),
    );
    assert_eq!(
        (status, replaced["version"].as_i64()),
        (200, Some(2)),
        "{replaced}"
    );

    let event = |name: &str, version: i64| {
        json(
            s.app
                .request(Method::POST, &format!("{base}/{name}"))
                .header("If-Match", format!("\"{version}\""))
                .json(&json!({"effective_date": "2025-01-01"}))
                .send()
                .unwrap(),
        )
    };
    let (status, deceased) = event("death", made["version"].as_i64().unwrap());
    assert_eq!(
        (status, deceased["status"].as_str()),
        (200, Some("deceased")),
        "{deceased}"
    );
    let (status, archived) = event("archive", deceased["version"].as_i64().unwrap());
    assert_eq!(
        (status, archived["status"].as_str()),
        (200, Some("archived")),
        "{archived}"
    );
}
