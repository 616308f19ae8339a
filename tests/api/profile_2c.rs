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
