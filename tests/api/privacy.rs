//! Least privilege on sealed data: what a viewer, an editor and an
//! administrator each see of one profile and its records, what an editor
//! of the using organization only and one outside the scope may do, and the
//! audit of every read that shows a sealed value.

use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::officials::{as_editor, create, profile};

/// Every sealed value the profile and its records hold, as stored.
const SECRETS: [&str; 14] = [
    "001080012345",
    "012345678",
    "0123456789",
    "876543210",
    "2010-03-01",
    "Công an Hà Nội",
    "Tràng Thi",
    "0912345678",
    "an.nguyen",
    "Khiển trách",
    "quy chế",
    "Tiền lương",
    "240000000",
    "Nhà ở",
];

/// The items a reveal of the whole profile shows, as its audit entry names them.
const PROFILE_ITEMS: [&str; 9] = [
    "identity_card_number",
    "identity_card_issued_on",
    "identity_card_issued_place",
    "personal_identification_code",
    "social_insurance_number",
    "party_card_number",
    "current_address",
    "phone",
    "email",
];

fn assert_no_secret(body: &Value) {
    let text = body.to_string();
    for secret in SECRETS {
        assert!(!text.contains(secret), "{secret} shown in {text}");
    }
}

/// A profile holding every sealed item, managed by `managing` and used by
/// `using`, with a salary, a discipline and an income record; written by
/// an editor over the whole tree. Returns the profile and its records.
fn sealed_profile(app: &TestApp, managing: &Value, using: &Value) -> (Value, Vec<Value>) {
    as_editor(app, "editor.writer", None);
    let mut body = profile(id(managing), "Nguyễn Văn An", "001080012345");
    body["using_organization_id"] = using["id"].clone();
    body["email"] = json!("an.nguyen@moha.gov.vn");
    body["party_card_number"] = json!("876543210");
    let made = create(app, &body);
    let records = [
        json!({"kind": "salary", "from_date": "2020-01-01", "to_date": "2022-12-31",
               "data": {"rank_code": "01.003", "salary_step": 3, "salary_coefficient": 3.0}}),
        json!({"kind": "discipline", "from_date": "2021-06-01",
               "data": {"form": "Khiển trách", "decided_by": "Sở Nội vụ", "reason": "Vi phạm quy chế làm việc"}}),
        json!({"kind": "income", "from_date": "2023-01-01", "to_date": "2023-12-31",
               "data": {"year": 2023, "amount": 240000000, "source": "Tiền lương"}}),
        json!({"kind": "property",
               "data": {"description": "Nhà ở tại Hoàn Kiếm", "value": 5000000000_i64}}),
    ];
    let base = format!("/api/v1/officials/{}", id(&made));
    let written = records
        .iter()
        .map(|record| {
            let (status, written) = json(app.post(&format!("{base}/records"), record));
            assert_eq!(status, 201, "{written}");
            written
        })
        .collect();
    (made, written)
}

/// The party card masked; a personnel viewer without a party grant sees
/// no party items at all (they belong to DB2).
const PARTY_CARD_MASKED: &str = "8765***10";

fn assert_masked(shown: &Value, party_card: Value) {
    assert_eq!(shown["revealed"], false);
    for (item, masked) in [
        ("personal_identification_code", json!("0010******45")),
        ("identity_card_number", json!("0123***78")),
        ("social_insurance_number", json!("0123****89")),
        ("party_card_number", party_card),
        ("phone", json!("0912****78")),
        ("email", json!("a***@moha.gov.vn")),
        ("current_address", json!("***")),
        ("identity_card_issued_on", Value::Null),
        ("identity_card_issued_place", Value::Null),
    ] {
        assert_eq!(shown[item], masked, "{item}");
    }
    // the rest is in the clear
    assert_eq!(shown["full_name"], "Nguyễn Văn An");
    assert_eq!(shown["salary_coefficient"], 3.33);
    assert_eq!(shown["hometown"], Value::Null);
    assert_no_secret(shown);
}

fn assert_revealed(shown: &Value) {
    assert_eq!(shown["revealed"], true);
    for (item, value) in [
        ("personal_identification_code", "001080012345"),
        ("identity_card_number", "012345678"),
        ("social_insurance_number", "0123456789"),
        ("party_card_number", "876543210"),
        ("phone", "0912345678"),
        ("email", "an.nguyen@moha.gov.vn"),
        ("current_address", "Số 7 phố Tràng Thi, Hoàn Kiếm, Hà Nội"),
        ("identity_card_issued_on", "2010-03-01"),
        ("identity_card_issued_place", "Công an Hà Nội"),
    ] {
        assert_eq!(shown[item], value, "{item}");
    }
}

/// Sealed kinds withheld (kind and dates kept), the others in full.
fn assert_withheld(records: &Value) {
    let items = records["items"].as_array().unwrap();
    // the four written, and the salary stated on creation
    assert_eq!(items.len(), 5);
    for record in items {
        let sealed =
            ["discipline", "income", "property"].contains(&record["kind"].as_str().unwrap());
        assert_eq!(record["withheld"], sealed, "{record}");
        assert_eq!(record["data"].is_null(), sealed, "{record}");
    }
    let income = items.iter().find(|r| r["kind"] == "income").unwrap();
    assert_eq!(
        (income["from_date"].as_str(), income["to_date"].as_str()),
        (Some("2023-01-01"), Some("2023-12-31")),
        "kind and dates are shown"
    );
    assert_no_secret(records);
}

fn assert_opened(records: &Value) {
    let items = records["items"].as_array().unwrap();
    assert!(items.iter().all(|r| r["withheld"] == false), "{records}");
    let data = |kind: &str| items.iter().find(|r| r["kind"] == kind).unwrap()["data"].clone();
    assert_eq!(data("discipline")["form"], "Khiển trách");
    assert_eq!(data("income")["amount"], 240000000);
    assert_eq!(data("property")["description"], "Nhà ở tại Hoàn Kiếm");
}

/// The reveal entries of the audit log, as (actor, fields), oldest first.
fn reveals(app: &TestApp, official: &Value) -> Vec<(String, Vec<String>)> {
    app.use_token(Some(app.sign_in(&app.admin)));
    let (status, audit) = json(app.get("/api/v1/audit?action=official.reveal"));
    assert_eq!(status, 200, "{audit}");
    assert_no_secret(&audit);
    let mut entries: Vec<(String, Vec<String>)> = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| {
            assert_eq!(entry["entity_id"], official["id"]);
            assert!(entry["organization_path"].is_string(), "{entry}");
            let fields = entry["fields"].as_array().unwrap();
            let fields = fields.iter().map(|f| f.as_str().unwrap().to_owned());
            (
                entry["actor"].as_str().unwrap().to_owned(),
                fields.collect(),
            )
        })
        .collect();
    entries.reverse();
    entries
}

fn names(items: &[&str]) -> Vec<String> {
    items.iter().map(|i| i.to_string()).collect()
}

#[test]
fn a_viewer_an_editor_and_an_administrator_each_see_what_their_grant_allows() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let (made, written) = sealed_profile(&app, &t["HN"], &t["HN"]);
    // what the writer gets back is no more than a read shows
    assert_masked(&made, json!(PARTY_CARD_MASKED));
    assert_eq!(
        written
            .iter()
            .map(|r| r["withheld"] == true)
            .collect::<Vec<_>>(),
        [false, true, true, true]
    );
    assert_no_secret(&Value::Array(written));
    let base = format!("/api/v1/officials/{}", id(&made));
    let sight = |account: &Account| {
        app.use_token(Some(app.sign_in(account)));
        let (status, profile) = json(app.get(&base));
        assert_eq!(status, 200, "{profile}");
        let (status, records) = json(app.get(&format!("{base}/records")));
        assert_eq!(status, 200, "{records}");
        (profile, records)
    };

    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_viewer"]);
    let (profile, records) = sight(&viewer);
    assert_masked(&profile, Value::Null);
    assert_withheld(&records);
    assert_problem(app.get(&format!("{base}?reveal=true")), 403, "forbidden");
    let path = format!("{base}/records?reveal=true");
    assert_problem(app.get(&path), 403, "forbidden");

    let editor = app.account("editor.hn", Some("HN"), &["personnel_editor"]);
    let (profile, records) = sight(&editor);
    assert_masked(&profile, json!(PARTY_CARD_MASKED));
    assert_withheld(&records);
    let (status, profile) = json(app.get(&format!("{base}?reveal=true")));
    assert_eq!(status, 200, "{profile}");
    assert_revealed(&profile);
    let (status, records) = json(app.get(&format!("{base}/records?reveal=true")));
    assert_eq!(status, 200, "{records}");
    assert_opened(&records);

    let (profile, records) = sight(&app.admin);
    assert_masked(&profile, json!(PARTY_CARD_MASKED));
    assert_withheld(&records);
    assert_revealed(&json(app.get(&format!("{base}?reveal=true"))).1);
    assert_opened(&json(app.get(&format!("{base}/records?reveal=true"))).1);

    let kinds = names(&["records.discipline", "records.income", "records.property"]);
    assert_eq!(
        reveals(&app, &made),
        [
            ("editor.hn".to_owned(), names(&PROFILE_ITEMS)),
            ("editor.hn".to_owned(), kinds.clone()),
            ("admin".to_owned(), names(&PROFILE_ITEMS)),
            ("admin".to_owned(), kinds),
        ],
        "each reveal audited, naming what it showed; plain reads show nothing sealed"
    );
}

#[test]
fn reveals_need_a_fresh_second_factor_and_name_only_the_items_held() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let editor = as_editor(&app, "editor.sparse", Some("HN"));
    let mut body = profile(id(&t["HN"]), "Trần Văn Sơn", "001080055511");
    for item in ["current_address", "phone", "identity_card_number"] {
        body[item] = Value::Null;
    }
    body["identity_card_issued_on"] = Value::Null;
    body["identity_card_issued_place"] = Value::Null;
    let made = create(&app, &body);
    let base = format!("/api/v1/officials/{}", id(&made));
    let (_, shown) = json(app.get(&base));
    assert_eq!(
        (&shown["phone"], &shown["current_address"]),
        (&Value::Null, &Value::Null),
        "nothing recorded stays null"
    );
    let (status, _) = json(app.get(&format!("{base}?reveal=true")));
    assert_eq!(status, 200);
    let (status, _) = json(app.get(&format!("{base}/records?reveal=true&kind=salary")));
    assert_eq!(status, 200);

    app.clock.advance(Duration::minutes(16));
    assert_problem(
        app.get(&format!("{base}/records?reveal=true")),
        403,
        "step-up-required",
    );
    let stale_viewer = app.account("viewer.stale", Some("HN"), &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&stale_viewer)));
    app.clock.advance(Duration::minutes(16));
    assert_problem(
        app.get(&format!("{base}?reveal=true")),
        403,
        "forbidden", // no fresh code would help a viewer
    );
    app.use_token(Some(app.sign_in(&editor)));
    assert_eq!(
        reveals(&app, &made),
        [
            (
                "editor.sparse".to_owned(),
                names(&["personal_identification_code", "social_insurance_number"])
            ),
            ("editor.sparse".to_owned(), Vec::new()),
        ],
        "every reveal is audited, with the items it showed"
    );
}

#[test]
fn masked_values_copied_back_into_a_patch_are_refused() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT")]);
    let (made, _) = sealed_profile(&app, &t["HN"], &t["HN"]);
    let path = format!("/api/v1/officials/{}", id(&made));
    let copied = json!({"phone": made["phone"], "email": made["email"],
                        "current_address": made["current_address"],
                        "social_insurance_number": made["social_insurance_number"]});
    let problem = assert_problem(app.patch(&path, 1, &copied), 422, "validation");
    assert_eq!(
        fields(&problem),
        [
            "current_address",
            "email",
            "phone",
            "social_insurance_number"
        ]
    );
    assert_revealed(&json(app.get(&format!("{path}?reveal=true"))).1);
}

#[test]
fn an_editor_of_the_using_organization_only_reads_but_may_not_change_or_reveal() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    let (made, written) = sealed_profile(&app, &t["HN"], &t["HUE"]);
    let base = format!("/api/v1/officials/{}", id(&made));
    let salary = &written[0];
    as_editor(&app, "editor.hue", Some("HUE"));

    let (status, shown) = json(app.get(&base));
    assert_eq!(status, 200, "it works here: {shown}");
    assert_masked(&shown, json!(PARTY_CARD_MASKED));
    let (status, records) = json(app.get(&format!("{base}/records")));
    assert_eq!(status, 200);
    assert_withheld(&records);

    for response in changes_to(&app, &base, salary, &t["HUE"]) {
        let problem = assert_problem(response, 403, "forbidden");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("managed elsewhere"),
            "{problem}"
        );
    }
    assert_problem(app.get(&format!("{base}?reveal=true")), 403, "forbidden");
    let path = format!("{base}/records?reveal=true");
    assert_problem(app.get(&path), 403, "forbidden");

    as_editor(&app, "editor.check", None);
    let (_, now) = json(app.get(&base));
    assert_eq!(
        (now["version"].as_i64(), &now["managing_organization_id"]),
        (Some(1), &t["HN"]["id"]),
        "nothing changed"
    );
    let (_, records) = json(app.get(&format!("{base}/records")));
    assert_eq!(records["items"].as_array().unwrap().len(), 5);
    assert!(reveals(&app, &made).is_empty());
}

#[test]
fn an_editor_outside_the_scope_gets_404_as_if_the_profile_did_not_exist() {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    let (made, written) = sealed_profile(&app, &t["HN"], &t["HN"]);
    let base = format!("/api/v1/officials/{}", id(&made));
    as_editor(&app, "editor.hue", Some("HUE"));
    let nobody = format!("/api/v1/officials/{}", uuid::Uuid::new_v4());
    let missing = assert_problem(app.get(&nobody), 404, "not-found");

    let mut answers = changes_to(&app, &base, &written[0], &t["HUE"]);
    for path in [
        "",
        "/records",
        "/history",
        "?reveal=true",
        "/records?reveal=true",
    ] {
        answers.push(app.get(&format!("{base}{path}")));
    }
    for response in answers {
        let problem = assert_problem(response, 404, "not-found");
        assert_eq!(problem["detail"], missing["detail"], "no existence oracle");
    }
}

/// Every change an editor may ask of a profile: PATCH, a new record, a
/// replaced record, a transfer (to `to`) and a retirement.
fn changes_to(app: &TestApp, base: &str, record: &Value, to: &Value) -> Vec<Response> {
    let with_version = |method: Method, path: String, body: Value| {
        app.request(method, &path)
            .header("If-Match", "\"1\"")
            .json(&body)
            .send()
            .unwrap()
    };
    let career = json!({"kind": "career", "data": {"organization_name": "Sở Nội vụ", "position": "Chuyên viên"}});
    let salary = json!({"kind": "salary", "from_date": "2020-01-01",
                        "data": {"rank_code": "01.003", "salary_step": 4, "salary_coefficient": 3.33}});
    vec![
        app.patch(base, 1, &json!({"phone": "0987654321"})),
        app.post(&format!("{base}/records"), &career),
        with_version(
            Method::PUT,
            format!("{base}/records/{}", id(record)),
            salary,
        ),
        with_version(
            Method::POST,
            format!("{base}/transfer"),
            json!({"managing_organization_id": id(to), "effective_date": "2024-03-01",
                   "decision_number": "45/QĐ-UBND", "position": "Chuyên viên"}),
        ),
        with_version(Method::POST, format!("{base}/retire"), json!({})),
    ]
}
