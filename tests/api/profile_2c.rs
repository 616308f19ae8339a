//! The profile as personnel officers keep it (issue 11): salaries by the
//! tables and from the history, coded items, and the 2C résumé's sections.

use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::officials::{as_editor, create, profile};

fn province(app: &TestApp) -> Value {
    let t = app.tree(&[("HN", "province", "ROOT")]);
    t["HN"].clone()
}

fn put(app: &TestApp, path: &str, version: i64, body: &Value) -> Response {
    app.request(Method::PUT, path)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .unwrap()
}

fn add(app: &TestApp, base: &str, record: &Value) -> Value {
    let (status, made) = json(app.post(&format!("{base}/records"), record));
    assert_eq!(status, 201, "{made}");
    made
}

fn kinds(app: &TestApp, base: &str, kind: &str) -> Vec<Value> {
    let (_, records) = json(app.get(&format!("{base}/records?kind={kind}")));
    records["items"].as_array().unwrap().clone()
}

#[test]
fn a_leaders_coefficient_up_to_13_is_recorded_and_checked_against_the_table() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.leader", None);
    let mut body = profile(id(&hn), "Lê Văn Lãnh", "001070012345");
    body["leadership_salary_code"] = json!("TW.UVBCT");
    body["salary_step"] = json!(2);
    body["salary_coefficient"] = json!(11.0);
    body["salary_step_since"] = json!("2021-07-01");
    let made = create(&app, &body);
    assert_eq!(made["salary_coefficient"], 11.0);
    assert_eq!(made["leadership_salary_code"], "TW.UVBCT");
    // the top step of a two-step table: no next raise
    assert_eq!(made["next_raise_on"], Value::Null);

    let base = format!("/api/v1/officials/{}", id(&made));
    let (_, read) = json(app.get(&base));
    assert_eq!(read["salary_coefficient"], 11.0);

    let mut top = profile(id(&hn), "Trần Văn Thủ", "001070012346");
    top["leadership_salary_code"] = json!("NN.TTG");
    top["salary_step"] = json!(1);
    top["salary_coefficient"] = json!(12.5);
    assert_eq!(create(&app, &top)["salary_coefficient"], 12.5);

    let mut beyond = top.clone();
    beyond["personal_identification_code"] = json!("001070012347");
    beyond["salary_coefficient"] = json!(13.5);
    let problem = assert_problem(app.post("/api/v1/officials", &beyond), 422, "validation");
    assert_eq!(fields(&problem), ["salary_coefficient"]);

    let mut off_table = top.clone();
    off_table["personal_identification_code"] = json!("001070012348");
    off_table["salary_coefficient"] = json!(12.0);
    let problem = assert_problem(app.post("/api/v1/officials", &off_table), 422, "validation");
    assert_eq!(fields(&problem), ["salary_coefficient"]);

    let mut unknown = top;
    unknown["personal_identification_code"] = json!("001070012349");
    unknown["leadership_salary_code"] = json!("NN.NOTHING");
    let problem = assert_problem(app.post("/api/v1/officials", &unknown), 422, "validation");
    assert_eq!(fields(&problem), ["leadership_salary_code"]);
}

#[test]
fn the_current_salary_follows_the_history_and_the_next_raise_is_derived() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.salary", None);
    let mut body = profile(id(&hn), "Phạm Thị Lương", "001080055555");
    body["salary_step_since"] = json!("2023-07-01");
    body["next_raise_on"] = json!("2030-01-01");
    let made = create(&app, &body);
    // A1 (chuyên viên): 36 months between steps, whatever was typed in
    assert_eq!(made["next_raise_on"], "2026-07-01", "{made}");
    let base = format!("/api/v1/officials/{}", id(&made));
    let salaries = kinds(&app, &base, "salary");
    assert_eq!(salaries.len(), 1, "the stated salary joins the history");
    assert_eq!(salaries[0]["from_date"], "2023-07-01");
    assert_eq!(salaries[0]["to_date"], Value::Null);

    // the next step, early by decision, with its raise put off six months
    let raise = json!({"kind": "salary", "from_date": "2025-10-01",
        "data": {"rank_code": "01.003", "salary_step": 5, "salary_coefficient": 3.66,
                 "decision_number": "123/QĐ-SNV", "early_raise": true, "extension_months": 6}});
    add(&app, &base, &raise);
    let (_, now) = json(app.get(&base));
    assert_eq!(
        (&now["salary_step"], &now["salary_coefficient"]),
        (&json!(5), &json!(3.66))
    );
    assert_eq!(now["salary_step_since"], "2025-10-01");
    assert_eq!(now["next_raise_on"], "2029-04-01");
    assert_eq!(now["version"], made["version"].as_i64().unwrap() + 1);
    let salaries = kinds(&app, &base, "salary");
    let closed: Vec<&Value> = salaries.iter().map(|s| &s["to_date"]).collect();
    assert!(closed.contains(&&json!("2025-09-30")), "{salaries:?}");

    // an older, closed record is history only
    let old = json!({"kind": "salary", "from_date": "2019-07-01", "to_date": "2023-06-30",
        "data": {"rank_code": "01.003", "salary_step": 3, "salary_coefficient": 3.0}});
    add(&app, &base, &old);
    let (_, still) = json(app.get(&base));
    assert_eq!(still["salary_step"], 5);

    // a step stated on the profile goes to the history, from its date
    let version = still["version"].as_i64().unwrap();
    let (status, patched) = json(app.patch(
        &base,
        version,
        &json!({"salary_step": 6, "salary_coefficient": 3.99, "salary_step_since": "2026-04-01"}),
    ));
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["next_raise_on"], "2029-04-01");
    let open: Vec<Value> = kinds(&app, &base, "salary")
        .into_iter()
        .filter(|s| s["to_date"].is_null())
        .collect();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0]["data"]["salary_step"], 6);
}

#[test]
fn salary_records_check_the_rank_the_step_and_the_coefficient() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.scale", None);
    let made = create(&app, &profile(id(&hn), "Đỗ Văn Bậc", "001080066666"));
    let base = format!("/api/v1/officials/{}", id(&made));
    let salary = |data: Value| json!({"kind": "salary", "from_date": "2024-01-01", "data": data});
    let cases = [
        (
            json!({"rank_code": "99.999", "salary_step": 1, "salary_coefficient": 2.34}),
            "data.rank_code",
        ),
        (
            json!({"rank_code": "01.003", "salary_step": 10, "salary_coefficient": 4.98}),
            "data.salary_step",
        ),
        (
            json!({"rank_code": "01.003", "salary_step": 2, "salary_coefficient": 2.5}),
            "data.salary_coefficient",
        ),
        (
            json!({"salary_step": 1, "salary_coefficient": 2.34}),
            "data.rank_code",
        ),
        (
            json!({"leadership_salary_code": "XX", "salary_step": 1, "salary_coefficient": 9.7}),
            "data.leadership_salary_code",
        ),
    ];
    for (data, field) in cases {
        let problem = assert_problem(
            app.post(&format!("{base}/records"), &salary(data.clone())),
            422,
            "validation",
        );
        assert_eq!(fields(&problem), [field], "{data}");
    }
    // and the same on replacement
    let open = &kinds(&app, &base, "salary")[0];
    let bad = salary(json!({"rank_code": "99.999", "salary_step": 1, "salary_coefficient": 2.34}));
    let path = format!("{base}/records/{}", id(open));
    let problem = assert_problem(put(&app, &path, 1, &bad), 422, "validation");
    assert_eq!(fields(&problem), ["data.rank_code"]);
}

#[test]
fn evaluations_check_the_result_code_when_added_and_when_replaced() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.evaluation", None);
    let made = create(&app, &profile(id(&hn), "Ngô Thị Đánh", "001080077777"));
    let base = format!("/api/v1/officials/{}", id(&made));
    let evaluation = |year: i32, code: &str| {
        json!({"kind": "evaluation", "from_date": format!("{year}-12-31"),
               "data": {"year": year, "result_code": code, "evaluating_authority": "Giám đốc Sở"}})
    };
    let problem = assert_problem(
        app.post(&format!("{base}/records"), &evaluation(2022, "GIOI")),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["data.result_code"]);
    // Decree 56/2015's grade with limited capacity, for 2017 but not 2022
    add(&app, &base, &evaluation(2017, "HTNV_HCNL"));
    let problem = assert_problem(
        app.post(&format!("{base}/records"), &evaluation(2022, "HTNV_HCNL")),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["data.result_code"]);

    let record = add(&app, &base, &evaluation(2022, "HTTNV"));
    let path = format!("{base}/records/{}", id(&record));
    for bad in [evaluation(2022, "GIOI"), evaluation(2022, "HTNV_HCNL")] {
        let problem = assert_problem(put(&app, &path, 1, &bad), 422, "validation");
        assert_eq!(fields(&problem), ["data.result_code"], "{bad}");
    }
    let (status, replaced) = json(put(&app, &path, 1, &evaluation(2022, "HTXSNV")));
    assert_eq!(
        (status, &replaced["data"]["result_code"]),
        (200, &json!("HTXSNV"))
    );
}

/// Issue 11's "done when": a leader's 12.50, a birthplace in a province
/// merged in 2025, an expiring term and a full 2C family section, created,
/// read back and listed by the relevant filters.
#[test]
fn a_leaders_2c_profile_is_created_read_back_and_listed_by_its_codes() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.2c", None);
    let mut body = profile(id(&hn), "Vũ Đức Lãnh", "001065012345");
    body["leadership_salary_code"] = json!("NN.CTQH");
    body["salary_step"] = json!(1);
    body["salary_coefficient"] = json!(12.5);
    body["position_code"] = json!("CHU_TICH_QH");
    body["birthplace"] = json!("xã Hải Anh, huyện Hải Hậu, tỉnh Nam Định");
    // Nam Định (36) is part of Ninh Bình (37) since 1 July 2025
    body["birthplace_former_province_code"] = json!("36");
    body["hometown_former_province_code"] = json!("36");
    body["term"] = json!("2021-2026");
    body["term_start_on"] = json!("2021-07-20");
    body["term_end_on"] = json!("2026-12-31");
    body["concurrent_posts"] = json!([{"position_code": "UV_BCT", "from_date": "2021-01-31"}]);
    body["it_level_code"] = json!("CB");
    body["party_position_code"] = json!("UV_BCT");
    body["foreign_languages"] = json!([{"language_code": "RU", "level_code": "C"}]);
    body["joined_revolution_on"] = json!("1985-03-26");
    body["policy_status_code"] = json!("CON_THUONG_BINH");
    let made = create(&app, &body);
    assert_eq!(made["salary_coefficient"], 12.5);
    assert_eq!(made["birthplace_province_code"], "37", "{made}");
    assert_eq!(made["hometown_province_code"], "37");
    assert_eq!(made["uncoded"], json!([]));
    let base = format!("/api/v1/officials/{}", id(&made));

    let family = [
        json!({"relation_code": "BO", "full_name": "Vũ Văn Cha", "birth_year": 1940,
               "occupation": "Nông dân", "residence": "Hải Hậu, Nam Định",
               "political_history": "Bộ đội chống Mỹ 1965-1975"}),
        json!({"relation_code": "ME", "full_name": "Trần Thị Mẹ", "birth_year": 1943}),
        json!({"relation_code": "VO", "full_name": "Lê Thị Vợ", "birth_year": 1968,
               "occupation": "Giáo viên"}),
        json!({"relation_code": "CON", "full_name": "Vũ Minh Con", "birth_year": 1995}),
        json!({"relation_code": "EM", "full_name": "Vũ Văn Em", "birth_year": 1970}),
        json!({"relation_code": "BO_VO", "full_name": "Lê Văn Nhạc", "birth_year": 1938}),
    ];
    for member in &family {
        add(&app, &base, &json!({"kind": "family", "data": member}));
    }
    add(
        &app,
        &base,
        &json!({"kind": "military_service", "from_date": "1983-02-01", "to_date": "1986-02-01",
                "data": {"military_rank": "Trung sĩ", "unit": "Sư đoàn 312"}}),
    );
    add(
        &app,
        &base,
        &json!({"kind": "health", "from_date": "2025-01-10",
                "data": {"status": "Tốt", "height_cm": 168, "weight_kg": 65, "blood_group": "O+"}}),
    );

    // the family section is sealed: withheld unless revealed
    let shown = kinds(&app, &base, "family");
    assert_eq!(shown.len(), 6);
    assert!(shown
        .iter()
        .all(|r| r["withheld"] == true && r["data"].is_null()));
    let (_, revealed) = json(app.get(&format!("{base}/records?kind=family&reveal=true")));
    let names: Vec<&str> = revealed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["data"]["full_name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"Vũ Văn Cha") && names.contains(&"Lê Văn Nhạc"));

    let listed = |query: &str| -> Vec<String> {
        let (status, page) = json(app.get(&format!("/api/v1/officials?{query}")));
        assert_eq!(status, 200, "{page}");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let me = vec![id(&made).to_owned()];
    assert_eq!(listed("birthplace_province_code=37"), me);
    assert_eq!(listed("hometown_province_code=37"), me);
    assert!(listed("birthplace_province_code=01").is_empty());
    assert_eq!(
        listed("term_ends_from=2026-12-01&term_ends_to=2027-01-31"),
        me
    );
    assert!(listed("term_ends_from=2027-01-01").is_empty());
    assert_eq!(listed("position_code=CHU_TICH_QH"), me);
    let problem = assert_problem(
        app.get("/api/v1/officials?term_ends_from=2027-01-01&term_ends_to=2026-01-01"),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["term_ends_to"]);
}

#[test]
fn raises_due_in_a_period_are_listed() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.raise", None);
    let mut due = profile(id(&hn), "Hoàng Văn Sắp", "001080088881");
    due["salary_step_since"] = json!("2024-03-01");
    let due = create(&app, &due);
    let mut later = profile(id(&hn), "Hoàng Văn Muộn", "001080088882");
    later["salary_step_since"] = json!("2026-03-01");
    create(&app, &later);
    let (_, page) = json(app.get(&format!(
        "/api/v1/officials?organization_id={}&raise_due_from=2027-01-01&raise_due_to=2027-06-30",
        id(&hn)
    )));
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [id(&due)]);
}

/// Every catalog-coded field refuses an unknown code with a 422 naming it,
/// on creation and on change alike.
#[test]
fn every_coded_field_refuses_an_unknown_code_on_every_write() {
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.codes", None);
    let made = create(&app, &profile(id(&hn), "Mai Văn Mã", "001080099990"));
    let base = format!("/api/v1/officials/{}", id(&made));
    let cases = [
        ("ethnic_group_code", json!("X"), "ethnic_group_code"),
        ("religion_code", json!("X"), "religion_code"),
        ("position_code", json!("X"), "position_code"),
        ("education_level_code", json!("X"), "education_level_code"),
        ("political_theory_code", json!("X"), "political_theory_code"),
        ("state_management_code", json!("X"), "state_management_code"),
        ("academic_title_code", json!("X"), "academic_title_code"),
        ("degree_code", json!("X"), "degree_code"),
        (
            "hometown_province_code",
            json!("36"),
            "hometown_province_code",
        ),
        (
            "hometown_former_province_code",
            json!("99"),
            "hometown_former_province_code",
        ),
        (
            "birthplace_province_code",
            json!("99"),
            "birthplace_province_code",
        ),
        (
            "birthplace_former_province_code",
            json!("99"),
            "birthplace_former_province_code",
        ),
        ("party_position_code", json!("X"), "party_position_code"),
        ("it_level_code", json!("X"), "it_level_code"),
        ("defence_training_code", json!("X"), "defence_training_code"),
        ("policy_status_code", json!("X"), "policy_status_code"),
        (
            "leadership_salary_code",
            json!("X"),
            "leadership_salary_code",
        ),
        (
            "foreign_languages",
            json!([{"language_code": "EN", "level_code": "Z9"}]),
            "foreign_languages[0].level_code",
        ),
        (
            "concurrent_posts",
            json!([{"position_code": "X"}]),
            "concurrent_posts[0].position_code",
        ),
    ];
    for (i, (key, value, field)) in cases.iter().enumerate() {
        let mut body = profile(id(&hn), "Mai Văn Sai", &format!("0010800{i:05}"));
        body[*key] = value.clone();
        let problem = assert_problem(app.post("/api/v1/officials", &body), 422, "validation");
        assert_eq!(fields(&problem), [*field], "create {key}");
        let problem = assert_problem(
            app.patch(&base, 1, &json!({ *key: value })),
            422,
            "validation",
        );
        assert_eq!(fields(&problem), [*field], "patch {key}");
    }

    let records = [
        (
            json!({"kind": "allowance", "data": {"allowance_type": "Chức vụ", "allowance_type_code": "X"}}),
            "data.allowance_type_code",
        ),
        (
            json!({"kind": "reward", "data": {"form": "Bằng khen", "form_code": "X", "decided_by": "UBND"}}),
            "data.form_code",
        ),
        (
            json!({"kind": "discipline", "data": {"form": "Khiển trách", "form_code": "HC_LD1", "decided_by": "UBND"}}),
            "data.form_code",
        ),
        (
            json!({"kind": "family", "data": {"relation_code": "X", "full_name": "Ai Đó"}}),
            "data.relation_code",
        ),
        (
            json!({"kind": "mass_organization", "from_date": "1998-03-26", "data": {"organization_code": "X"}}),
            "data.organization_code",
        ),
        (
            json!({"kind": "evaluation", "data": {"year": 2024, "result_code": "X", "evaluating_authority": "Sở"}}),
            "data.result_code",
        ),
    ];
    for (record, field) in &records {
        let problem = assert_problem(
            app.post(&format!("{base}/records"), record),
            422,
            "validation",
        );
        assert_eq!(fields(&problem), [*field], "add {record}");
        // a valid one of the kind, then replaced with the unknown code
        let mut valid = record.clone();
        let key = field.trim_start_matches("data.");
        valid["data"][key] = json!(match key {
            "allowance_type_code" => "CHUC_VU",
            "form_code" if record["kind"] == "reward" => "BK_TTG",
            "form_code" => "KHIEN_TRACH",
            "relation_code" => "BO",
            "organization_code" => "DOAN_TN",
            _ => "HTTNV",
        });
        let written = add(&app, &base, &valid);
        let path = format!("{base}/records/{}", id(&written));
        let problem = assert_problem(put(&app, &path, 1, record), 422, "validation");
        assert_eq!(fields(&problem), [*field], "replace {record}");
    }
}

/// Profiles written before the 2C items were coded keep their free text;
/// the migration codes what names a province or a level, puts the current
/// salary into the history, and flags what it cannot code.
#[test]
fn existing_free_text_is_coded_where_it_can_be_and_flagged_where_not() {
    use diesel::connection::SimpleConnection;
    use diesel_migrations::MigrationHarness;
    let app = TestApp::spawn();
    let hn = province(&app);
    as_editor(&app, "editor.legacy", None);
    let made = create(&app, &profile(id(&hn), "Đinh Văn Cũ", "001080011110"));
    let base = format!("/api/v1/officials/{}", id(&made));

    let mut owner = app.db.connect();
    // back to before 000016, the later migrations reverted on the way
    while !owner
        .revert_last_migration(odb::db::MIGRATIONS)
        .expect("revert")
        .to_string()
        .contains("000016")
    {}
    owner
        .batch_execute(&format!(
            "UPDATE official_personal SET hometown = 'xã Hải Anh, huyện Hải Hậu, tỉnh Nam Định', \
         birthplace = 'Làng Thượng, vùng núi phía Bắc' WHERE official_id = '{0}';
         UPDATE official_career SET it_level = 'B', term = 'khóa XV', \
         foreign_languages = '[{{\"language_code\": \"EN\", \"level\": \"c\"}}, \
                                {{\"language_code\": \"FR\", \"level\": \"giao tiếp\"}}]' \
         WHERE official_id = '{0}';
         DELETE FROM official_records WHERE official_id = '{0}' AND kind = 'salary';",
            id(&made)
        ))
        .expect("legacy data");
    owner
        .run_pending_migrations(odb::db::MIGRATIONS)
        .expect("migrate again");
    odb::catalogs::load(&mut owner).expect("catalogs");

    let (_, read) = json(app.get(&base));
    assert_eq!(read["hometown"], "xã Hải Anh, huyện Hải Hậu, tỉnh Nam Định");
    assert_eq!(read["hometown_former_province_code"], "36");
    assert_eq!(read["hometown_province_code"], "37");
    assert_eq!(read["birthplace"], "Làng Thượng, vùng núi phía Bắc");
    assert_eq!(read["birthplace_province_code"], Value::Null);
    assert_eq!(read["it_level_code"], "B");
    assert_eq!(read["foreign_languages"][0]["level_code"], "C");
    assert_eq!(read["foreign_languages"][1]["level_code"], Value::Null);
    assert_eq!(read["foreign_languages"][1]["level"], "giao tiếp");
    assert_eq!(
        read["uncoded"],
        json!(["birthplace", "term", "foreign_languages"])
    );
    let salaries = kinds(&app, &base, "salary");
    assert_eq!(salaries.len(), 1);
    assert_eq!(salaries[0]["data"]["salary_coefficient"], 3.33);
}
