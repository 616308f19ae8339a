//! Agencies' messy spreadsheets (fixtures/imports/) imported: the dry run's
//! report by row and column, all-or-nothing per file or per row,
//! idempotence, and the command line.

use base64::Engine;
use serde_json::{json, Value};

use crate::helpers::*;
use crate::keys::{odb, Keys};

const CSV: &str = "fixtures/imports/so-noi-vu-p01.csv";
const XLSX: &str = "fixtures/imports/ubnd-p01.xlsx";

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn mapping(path: &str) -> Value {
    serde_json::from_slice(&fixture(
        &path
            .replace(".csv", ".mapping.json")
            .replace(".xlsx", ".mapping.json"),
    ))
    .unwrap()
}

/// Any unit's id, whoever is signed in.
fn org_id(app: &TestApp, code: &str) -> String {
    odb::org::repo::find_by_code(&mut app.db.connect(), code)
        .unwrap()
        .unwrap()
        .id
        .to_string()
}

fn import(app: &TestApp, file: &str, org: &str, options: Value) -> (u16, Value) {
    let mut body = json!({
        "kind": "officials",
        "organization_id": org,
        "file_name": file.rsplit('/').next().unwrap(),
        "content_base64": base64::engine::general_purpose::STANDARD.encode(fixture(file)),
        "mapping": mapping(file),
    });
    body.as_object_mut()
        .unwrap()
        .extend(options.as_object().unwrap().clone());
    json(app.post("/api/v1/imports", &body))
}

/// (row, column, severity) of every finding.
fn findings(report: &Value) -> Vec<(u64, String, String)> {
    report["report"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["row"].as_u64().unwrap(),
                f["column"].as_str().unwrap_or("").to_owned(),
                f["severity"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn profiles(app: &TestApp) -> Vec<Value> {
    let (_, page) = json(app.get("/api/v1/officials?limit=500"));
    page["items"].as_array().unwrap().clone()
}

/// The demo tree and a personnel editor of Hà Nội (P01), signed in.
fn editor_of_p01() -> TestApp {
    let app = TestApp::with_demo();
    let editor = app.account("editor.p01", Some("P01"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&editor)));
    app
}

fn counts(report: &Value) -> (i64, i64, i64, bool) {
    (
        report["created"].as_i64().unwrap(),
        report["updated"].as_i64().unwrap(),
        report["rejected"].as_i64().unwrap(),
        report["written"].as_bool().unwrap(),
    )
}

#[test]
fn a_dry_run_reports_every_fault_by_row_and_column_and_writes_nothing() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let (status, report) = import(&app, CSV, &p01, json!({"dry_run": true}));
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["rows_total"], 8);
    // rows 2-4 new, row 8 the person of row 2 again (updated), four refused
    assert_eq!(counts(&report), (3, 1, 4, false));
    let expected: Vec<(u64, String, String)> = [
        (1, "STT", "warning"),
        (1, "Ghi chú", "warning"),
        (3, "Dân tộc", "warning"),
        (4, "Ngày sinh", "warning"),
        (5, "Ngày sinh", "error"),
        (6, "Ngạch", "error"),
        (7, "Số định danh cá nhân", "error"),
        (9, "Phụ cấp thâm niên", "error"),
    ]
    .iter()
    .map(|(r, c, s)| (*r, c.to_string(), s.to_string()))
    .collect();
    assert_eq!(findings(&report), expected, "{:#}", report["report"]);
    assert!(profiles(&app).is_empty(), "a dry run writes nothing");

    let (status, again) = json(app.get(&format!("/api/v1/imports/{}", id(&report))));
    assert_eq!(status, 200);
    assert_eq!(again["report"], report["report"]);

    // another province is not this editor's to import into
    let p02 = org_id(&app, "P02");
    let problem = assert_problem(
        app.post(
            "/api/v1/imports",
            &json!({"kind": "officials", "organization_id": p02, "file_name": "a.csv",
                    "content_base64": "YQ==", "mapping": [{"column": "a", "field": "full_name"}]}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["organization_id"]);
    let problem = assert_problem(
        app.post(
            "/api/v1/imports",
            &json!({"kind": "officials", "organization_id": p01, "file_name": "a.csv",
                    "content_base64": base64::engine::general_purpose::STANDARD.encode(fixture(CSV)),
                    "mapping": [{"column": "Họ và tên", "field": "full_name"},
                                {"column": "Lương", "field": "salary_coefficient"}]}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["mapping"], "no such column: {problem}");
}

#[test]
fn a_file_is_all_or_nothing_or_row_by_row_and_a_rerun_updates() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let (_, whole) = import(&app, CSV, &p01, json!({}));
    assert_eq!(
        counts(&whole),
        (3, 1, 4, false),
        "one fault refuses the file"
    );
    assert!(profiles(&app).is_empty());

    let (_, rows) = import(&app, CSV, &p01, json!({"atomicity": "row"}));
    assert_eq!(counts(&rows), (3, 1, 4, true));
    let held = profiles(&app);
    let mut names: Vec<&str> = held
        .iter()
        .map(|p| p["full_name"].as_str().unwrap())
        .collect();
    names.sort();
    // composed (NFC) and with the stray spaces gone, whatever the file held
    assert_eq!(
        names,
        ["Lê Hoàng Nam", "Nguyễn Văn An", "Trần Thị Bích Ngọc"]
    );
    let an = held
        .iter()
        .find(|p| p["full_name"] == "Nguyễn Văn An")
        .unwrap();
    assert_eq!(an["rank_code"], "01.002", "row 8 updated row 2's person");
    let nam = held
        .iter()
        .find(|p| p["full_name"] == "Lê Hoàng Nam")
        .unwrap();
    assert_eq!(nam["birth_date"], "1980-07-05", "an Excel serial date");
    let (_, ngoc) = json(app.get(&format!(
        "/api/v1/officials/{}",
        id(held.iter().find(|p| p["full_name"] == "Trần Thị Bích Ngọc").unwrap())
    )));
    assert_eq!(
        (
            &ngoc["ethnic_group_code"],
            &ngoc["salary_coefficient"],
            &ngoc["seniority_allowance_percent"]
        ),
        (&json!("02"), &json!(4.98), &json!(7)),
        "a name without diacritics, a decimal comma, a percent sign"
    );

    let (_, rerun) = import(&app, CSV, &p01, json!({"atomicity": "row"}));
    assert_eq!(counts(&rerun), (0, 4, 4, true), "the same people, updated");
    assert_eq!(profiles(&app).len(), 3, "nobody twice");
}

#[test]
fn a_workbook_with_a_title_row_number_cells_and_date_cells_imports() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let (status, report) = import(&app, XLSX, &p01, json!({}));
    assert_eq!(status, 201, "{report}");
    assert_eq!(counts(&report), (3, 0, 0, true), "{:#}", report["report"]);
    let warned: Vec<(u64, String, String)> = findings(&report)
        .into_iter()
        .filter(|(_, c, _)| c == "Số ĐDCN")
        .collect();
    assert_eq!(
        warned.len(),
        3,
        "leading zeros restored, with a warning each"
    );
    let (_, found) = json(app.post(
        "/api/v1/officials/lookup",
        &json!({"personal_identification_code": "001188000201"}),
    ));
    assert_eq!(found["items"][0]["full_name"], "Bùi Thị Hồng");
    assert_eq!(found["items"][0]["birth_date"], "1988-04-02", "a date cell");
    let (_, stats) = json(app.get(&format!(
        "/api/v1/statistics/sex_and_ethnicity?organization_id={p01}"
    )));
    let muong = stats["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["dimension"] == "ethnic_group" && r["code"] == "06")
        .unwrap();
    assert_eq!(
        (muong["count"].as_i64(), muong["female"].as_i64()),
        (Some(1), Some(1))
    );
}

#[test]
fn the_command_line_imports_with_a_mapping_file() {
    let app = TestApp::with_demo();
    let keys: Keys = (app.master_key.as_str(), None);
    let path = |p: &str| format!("{}/{p}", env!("CARGO_MANIFEST_DIR"));
    let mapping = path("fixtures/imports/so-noi-vu-p01.mapping.json");
    let args = [
        "import",
        &path(CSV),
        "--mapping",
        &mapping,
        "--organization",
        "p01",
    ];
    let dry = odb(
        &app.db.url,
        keys,
        &[&args[..], &["--dry-run", "--atomicity", "row"]].concat(),
    );
    assert_eq!(dry.status.code(), Some(2), "rows were refused");
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(said.contains("row 5, Ngày sinh: error"), "{said}");
    assert!(
        said.contains("3 created, 1 updated, 4 refused (not written)"),
        "{said}"
    );
    let real = odb(
        &app.db.url,
        keys,
        &[&args[..], &["--atomicity", "row"]].concat(),
    );
    let said = String::from_utf8_lossy(&real.stdout);
    assert!(
        said.contains("(written)"),
        "{said} {}",
        String::from_utf8_lossy(&real.stderr)
    );
    assert_eq!(profiles(&app).len(), 3);
}

#[test]
fn a_mapping_saved_by_a_unit_is_named_by_its_next_imports() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let options = json!({"dry_run": true, "save_mapping_as": " Sở Nội vụ "});
    let (status, first) = import(&app, CSV, &p01, options.clone());
    assert_eq!(status, 201, "{first}");
    // saved again under the same name: replaced, not doubled
    assert_eq!(import(&app, CSV, &p01, options).0, 201);
    let listed = |org: &str| {
        let (status, page) =
            json(app.get(&format!("/api/v1/imports/mappings?organization_id={org}")));
        assert_eq!(status, 200, "{page}");
        page["items"].as_array().unwrap().clone()
    };
    let saved = listed(&p01);
    assert_eq!(saved.len(), 1, "{saved:?}");
    assert_eq!(saved[0]["name"], "Sở Nội vụ");
    assert_eq!(saved[0]["organization_id"], p01.as_str());
    let sent = mapping(CSV);
    assert_eq!(
        saved[0]["mapping"].as_array().unwrap().len(),
        sent.as_array().unwrap().len()
    );

    let by_name = |name: Value, more: Value| {
        let mut body = json!({
            "kind": "officials", "organization_id": p01, "file_name": "so-noi-vu-p01.csv",
            "content_base64": base64::engine::general_purpose::STANDARD.encode(fixture(CSV)),
            "dry_run": true, "mapping_name": name,
        });
        body.as_object_mut()
            .unwrap()
            .extend(more.as_object().unwrap().clone());
        app.post("/api/v1/imports", &body)
    };
    let (status, named) = json(by_name(json!("Sở Nội vụ"), json!({})));
    assert_eq!(status, 201, "{named}");
    assert_eq!(
        findings(&named),
        findings(&first),
        "the same mapping, the same report"
    );
    assert_eq!(counts(&named), counts(&first));

    let problem = assert_problem(by_name(json!("Phòng Nội vụ"), json!({})), 422, "validation");
    assert_eq!(fields(&problem), ["mapping_name"]);
    let problem = assert_problem(
        by_name(json!("Sở Nội vụ"), json!({"mapping": sent})),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["mapping_name"]);
    let problem = assert_problem(
        by_name(json!("Sở Nội vụ"), json!({"save_mapping_as": "x"})),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["save_mapping_as"]);

    // another province neither sees nor uses it
    let other = app.account("editor.p02", Some("P02"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&other)));
    assert!(listed(&org_id(&app, "P02")).is_empty());
    assert_problem(
        app.get(&format!("/api/v1/imports/mappings?organization_id={p01}")),
        422,
        "validation",
    );
}

/// A file of `rows` new people, the one at `faulty` (a data row's index)
/// with a date that does not exist.
pub fn long_file(rows: usize, faulty: usize) -> String {
    let mut csv = String::from(
        "Họ và tên;Giới tính;Ngày sinh;Số định danh cá nhân;Dân tộc;Ngạch;Phân loại;Hệ số lương;Phụ cấp thâm niên;Đơn vị\n",
    );
    for i in 0..rows {
        let born = if i == faulty {
            "31/02/1980"
        } else {
            "15/03/1980"
        };
        csv.push_str(&format!(
            "Người Số {i};Nam;{born};{:012};Kinh;Chuyên viên;Công chức;3,33;5%;P01\n",
            1_080_100_000 + i
        ));
    }
    csv
}

#[test]
fn a_long_file_shows_its_progress_and_a_fault_mid_file_keeps_none_of_it() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let body = json!({
        "kind": "officials",
        "organization_id": p01,
        "file_name": "long.csv",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(long_file(3000, 2500)),
        "mapping": mapping(CSV),
    });
    let response = app.post("/api/v1/imports", &body);
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let (status, started) = json(response);
    assert_eq!(status, 202, "answered while running: {started}");
    assert_eq!(started["status"], "running");
    assert_eq!(location, format!("/api/v1/imports/{}", id(&started)));

    let mut seen = Vec::new();
    let ended = loop {
        let (status, now) = json(app.get(&location));
        assert_eq!(status, 200);
        if now["status"] != "running" {
            break now;
        }
        seen.push(now["rows_done"].as_i64().unwrap());
        assert!(
            profiles(&app).is_empty(),
            "no row is seen before the file ends"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(
        seen.iter().any(|done| (1..3000).contains(done)),
        "progress between the first row and the last: {seen:?}"
    );
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(ended["status"], "done");
    assert_eq!(
        (ended["rows_total"].as_i64(), ended["rows_done"].as_i64()),
        (Some(3000), Some(3000))
    );
    assert_eq!(
        counts(&ended),
        (2999, 0, 1, false),
        "one fault refuses the file"
    );
    assert_eq!(
        findings(&ended),
        [(2502, "Ngày sinh".to_owned(), "error".to_owned())]
    );
    assert!(profiles(&app).is_empty(), "nothing of the file was kept");
}

/// The imports recorded as running: (id, rows done), read as the owner
/// (which settles nothing).
fn running(app: &TestApp) -> Vec<(uuid::Uuid, i32)> {
    use diesel::prelude::*;
    use odb::db::schema::imports;
    imports::table
        .filter(imports::status.eq("running"))
        .select((imports::id, imports::rows_done))
        .load(&mut app.db.connect())
        .unwrap()
}

/// An import's stored (status, failure, operator), read as the owner.
fn stored(app: &TestApp, id: uuid::Uuid) -> (String, Option<String>, Option<String>) {
    use diesel::prelude::*;
    use odb::db::schema::imports;
    imports::table
        .find(id)
        .select((imports::status, imports::failure, imports::operator))
        .first(&mut app.db.connect())
        .unwrap()
}

/// Waits (up to three minutes: the machine may be busy) for `found` to
/// give something.
fn wait_for<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    let until = std::time::Instant::now() + std::time::Duration::from_secs(180);
    loop {
        if let Some(it) = found() {
            return it;
        }
        assert!(
            std::time::Instant::now() < until,
            "no {what} within three minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_command_line_records_its_progress_and_a_killed_import_is_stored_failed() {
    let app = editor_of_p01();
    let dir = std::env::temp_dir().join(format!("odb-import-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("long.csv");
    std::fs::write(&file, long_file(3000, 3000)).unwrap();
    let mapping = format!(
        "{}/fixtures/imports/so-noi-vu-p01.mapping.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let args = [
        "import",
        file.to_str().unwrap(),
        "--mapping",
        &mapping,
        "--organization",
        "P01",
    ];
    let (mut process, id) = started(&app, &args, &dir.join("stderr"));
    // the API shows the command line's import while it runs
    let location = format!("/api/v1/imports/{id}");
    let (status, seen) = json(app.get(&location));
    assert_eq!(status, 200);
    assert_eq!(
        (
            &seen["status"],
            &seen["kind"],
            &seen["file_name"],
            &seen["rows_total"]
        ),
        (
            &json!("running"),
            &json!("officials"),
            &json!("long.csv"),
            &json!(3000)
        ),
        "{seen}"
    );
    assert!(seen["rows_done"].as_i64().unwrap() > 0, "{seen}");
    assert_eq!(seen["failure"], Value::Null);
    assert_eq!(stored(&app, id).2.as_deref(), Some("odb import"));

    process.kill().unwrap();
    process.wait().unwrap();
    // its backend ends once it finds its client gone; the next reader
    // then marks the import failed, in the table and not only in the answer
    let ended = wait_for("end of the killed import", || {
        let (_, now) = json(app.get(&location));
        (now["status"] != "running").then_some(now)
    });
    assert_eq!(
        (&ended["status"], &ended["failure"], &ended["written"]),
        (&json!("failed"), &json!("abandoned"), &json!(false)),
        "{ended}"
    );
    assert_eq!(
        stored(&app, id),
        (
            "failed".to_owned(),
            Some("abandoned".to_owned()),
            Some("odb import".to_owned())
        )
    );
    assert!(profiles(&app).is_empty(), "nothing of the file was kept");

    // killed again, and read by nobody: `odb serve` marks it as it starts
    let (mut again, second) = started(&app, &args, &dir.join("stderr-again"));
    again.kill().unwrap();
    again.wait().unwrap();
    wait_for("its backend's end", || {
        lock_free(&app, second).then_some(())
    });
    assert_eq!(stored(&app, second).0, "running", "not marked yet");
    let _served = crate::keys::Served::start(&app.db.url, &app.master_key);
    assert_eq!(
        stored(&app, second),
        (
            "failed".to_owned(),
            Some("abandoned".to_owned()),
            Some("odb import".to_owned())
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// `odb import` with `args`, started, once its progress is recorded: the
/// process and the import's id. Its stderr goes to `said`.
fn started(
    app: &TestApp,
    args: &[&str],
    said: &std::path::Path,
) -> (std::process::Child, uuid::Uuid) {
    let keys: Keys = (app.master_key.as_str(), None);
    let mut process = crate::keys::odb_command(&app.db.url, keys, args)
        .stdout(std::process::Stdio::null())
        .stderr(std::fs::File::create(said).unwrap())
        .spawn()
        .unwrap();
    let id = wait_for("recorded progress", || {
        let found = running(app)
            .into_iter()
            .find(|(_, done)| *done > 0)
            .map(|(id, _)| id);
        if found.is_none() {
            if let Some(ended) = process.try_wait().unwrap() {
                let said = std::fs::read_to_string(said).unwrap();
                panic!("odb import ended ({ended}) before its progress was seen: {said}");
            }
        }
        found
    });
    (process, id)
}

/// Whether no transaction holds the import's lock.
fn lock_free(app: &TestApp, id: uuid::Uuid) -> bool {
    use diesel::RunQueryDsl;
    diesel::select(
        diesel::dsl::sql::<diesel::sql_types::Bool>(
            "pg_try_advisory_xact_lock_shared(hashtextextended(",
        )
        .bind::<diesel::sql_types::Text, _>(id.to_string())
        .sql(", 0))"),
    )
    .get_result(&mut app.db.connect())
    .unwrap()
}

#[derive(diesel::QueryableByName)]
struct Terminated {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    terminated: bool,
}

#[test]
fn an_import_whose_backend_is_terminated_is_stored_failed_by_its_server() {
    use diesel::RunQueryDsl;
    let app = editor_of_p01();
    let body = json!({
        "kind": "officials",
        "organization_id": org_id(&app, "P01"),
        "file_name": "long.csv",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(long_file(3000, 3000)),
        "mapping": mapping(CSV),
    });
    let (status, started) = json(app.post("/api/v1/imports", &body));
    assert_eq!(status, 202, "answered while running: {started}");
    let location = format!("/api/v1/imports/{}", id(&started));
    // the data transaction is the one holding the import's lock
    let terminated: Vec<Terminated> = diesel::sql_query(
        "SELECT pg_terminate_backend(pid) AS terminated FROM pg_locks \
         WHERE locktype = 'advisory' AND mode = 'ExclusiveLock' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND (classid::bigint << 32 | objid::bigint) = hashtextextended($1, 0)",
    )
    .bind::<diesel::sql_types::Text, _>(id(&started))
    .load(&mut app.db.connect())
    .unwrap();
    assert_eq!(
        terminated.iter().map(|t| t.terminated).collect::<Vec<_>>(),
        [true],
        "one import's transaction was running"
    );
    // the server, alive, says why, even if a reader found it first
    let ended = wait_for("aborted import", || {
        let (_, now) = json(app.get(&location));
        (now["failure"] == "aborted").then_some(now)
    });
    assert_eq!(
        (&ended["status"], &ended["written"]),
        (&json!("failed"), &json!(false))
    );
    let stored = stored(&app, id(&started).parse().unwrap());
    assert_eq!(
        (stored.0.as_str(), stored.1.as_deref(), stored.2),
        ("failed", Some("aborted"), None)
    );
    assert!(profiles(&app).is_empty(), "nothing of the file was kept");
}

const UNITS: &str = "fixtures/imports/to-chuc-p01.csv";

fn unit(app: &TestApp, code: &str) -> Option<odb::org::model::Organization> {
    odb::org::repo::find_by_code(&mut app.db.connect(), code).unwrap()
}

#[test]
fn organizations_import_under_the_callers_subtree_and_a_rerun_updates() {
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    let kind = json!({"kind": "organizations", "dry_run": true});
    let (status, report) = import(&app, UNITS, &p01, kind);
    assert_eq!(status, 201, "{report}");
    assert_eq!(
        (report["kind"].as_str(), report["rows_total"].as_i64()),
        (Some("organizations"), Some(6))
    );
    // two new units (the second under the first), one held already, three refused
    assert_eq!(counts(&report), (2, 1, 3, false), "{:#}", report["report"]);
    let expected: Vec<(u64, String, String)> = [
        (1, "Ghi chú", "warning"),
        (4, "Ngày hiệu lực", "error"),
        (5, "Cấp", "error"),
        // another province: not a unit this editor sees
        (6, "Mã đơn vị cấp trên", "error"),
    ]
    .iter()
    .map(|(r, c, s)| (*r, c.to_string(), s.to_string()))
    .collect();
    assert_eq!(findings(&report), expected, "{:#}", report["report"]);
    assert!(
        unit(&app, "P01-SNV-TC").is_none(),
        "a dry run writes nothing"
    );

    let (status, ran) = import(
        &app,
        UNITS,
        &p01,
        json!({"kind": "organizations", "atomicity": "row"}),
    );
    assert_eq!(status, 201, "{ran}");
    assert_eq!(counts(&ran), (2, 1, 3, true));
    let tc = unit(&app, "P01-SNV-TC").expect("the code upper-cased");
    assert_eq!(tc.name, "Phòng Tổ chức công chức");
    assert_eq!(
        tc.established_on.map(|d| d.to_string()).as_deref(),
        Some("2025-07-01")
    );
    assert_eq!(tc.org_group, 2, "the parent's group");
    let kh = unit(&app, "P01-SNV-KH").unwrap();
    assert_eq!(
        kh.parent_id,
        Some(tc.id),
        "under the unit the row above created"
    );
    assert!(
        unit(&app, "P01-SNV-X3").is_none(),
        "not under another province"
    );
    let history = format!("/api/v1/organizations/{}/history", kh.id);
    let (status, before) = json(app.get(&history));
    assert_eq!(status, 200, "{before}");

    let (_, rerun) = import(
        &app,
        UNITS,
        &p01,
        json!({"kind": "organizations", "atomicity": "row"}),
    );
    assert_eq!(counts(&rerun), (0, 3, 3, true), "the same units, updated");
    assert_eq!(
        unit(&app, "P01-SNV-KH").unwrap().version,
        kh.version,
        "nothing changed"
    );
    assert_eq!(
        json(app.get(&history)).1,
        before,
        "no new event in the history"
    );
}

#[test]
fn the_command_line_imports_organizations() {
    let app = TestApp::with_demo();
    let keys: Keys = (app.master_key.as_str(), None);
    let path = |p: &str| format!("{}/{p}", env!("CARGO_MANIFEST_DIR"));
    let mapping = path("fixtures/imports/to-chuc-p01.mapping.json");
    let file = path(UNITS);
    let args = [
        "import",
        &file,
        "--mapping",
        &mapping,
        "--organization",
        "P01",
        "--kind",
        "organizations",
        "--dry-run",
    ];
    let dry = odb(&app.db.url, keys, &args);
    assert_eq!(dry.status.code(), Some(2), "rows were refused");
    let said = String::from_utf8_lossy(&dry.stdout);
    assert!(said.contains("row 5, Cấp: error"), "{said}");
    // the operator sees every province, but P02 merged into another in 2025
    assert!(
        said.contains("row 6, Mã đơn vị cấp trên: error: P02 is no longer in the tree"),
        "{said}"
    );
    assert!(
        said.contains("2 created, 1 updated, 3 refused (not written)"),
        "{said}"
    );
    assert!(unit(&app, "P01-SNV-TC").is_none());
}

/// The positions in the audit log of the entries of `action`.
fn audit_ids(app: &TestApp, action: &str) -> Vec<i64> {
    use diesel::prelude::*;
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    diesel::sql_query("SELECT id FROM audit_log WHERE action = $1 ORDER BY id")
        .bind::<diesel::sql_types::Text, _>(action)
        .load::<Row>(&mut app.db.connect())
        .unwrap()
        .into_iter()
        .map(|r| r.id)
        .collect()
}

#[test]
fn a_long_import_does_not_hold_other_audited_actions_back() {
    use diesel::RunQueryDsl;
    let app = editor_of_p01();
    let p01 = org_id(&app, "P01");
    // the third row's person is held already: updating them waits below
    let third = crate::officials::create(
        &app,
        &crate::officials::profile(&p01, "Người Số 2", "001080100002"),
    );
    let other = app.account("viewer.p01", Some("P01"), &["personnel_viewer"]);
    let mut holder = app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query(format!(
        "SELECT 1 FROM officials WHERE id = '{}' FOR UPDATE",
        id(&third)
    ))
    .execute(&mut holder)
    .unwrap();
    let body = json!({
        "kind": "officials",
        "organization_id": p01,
        "file_name": "ba-dong.csv",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(long_file(3, usize::MAX)),
        "mapping": mapping(CSV),
    });
    let response = app.post("/api/v1/imports", &body);
    assert_eq!(response.status(), 202, "still running");
    let location = response.headers()["location"].to_str().unwrap().to_owned();
    let until = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while json(app.get(&location)).1["rows_done"] != 2 {
        assert!(std::time::Instant::now() < until, "two rows never done");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    // two profiles written and audited, the third waiting: a sign-in goes through
    let (sent, signed) = std::sync::mpsc::channel();
    let (url, username, password) = (
        app.url("/api/v1/auth/login"),
        other.username.clone(),
        other.password.clone(),
    );
    // a thread of its own: were it held back, the test must not hang on it
    std::thread::spawn(move || {
        let answer = reqwest::blocking::Client::new()
            .post(url)
            .json(&json!({"username": username, "password": password}))
            .send()
            .map(|r| r.status().as_u16());
        sent.send(answer.ok()).ok();
    });
    let signed_in = signed.recv_timeout(std::time::Duration::from_secs(20));
    diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
    assert_eq!(signed_in, Ok(Some(200)), "a sign-in waited for the import");
    let done = loop {
        let (_, view) = json(app.get(&location));
        if view["status"] != "running" {
            break view;
        }
        assert!(std::time::Instant::now() < until, "the import never ended");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(
        (&done["status"], &done["created"], &done["updated"]),
        (&json!("done"), &json!(2), &json!(1)),
        "{done}"
    );
    // the import's entries were appended at its end, after the sign-in's
    let sign_in = *audit_ids(&app, "auth.password").last().unwrap();
    let created = audit_ids(&app, "official.create");
    let imported = &created[created.len() - 2..];
    assert!(
        imported.iter().all(|id| *id > sign_in),
        "{imported:?} after {sign_in}"
    );
}
