//! Internal-politics dossiers (DB3) against the real server: officers over
//! the subject read them with a fresh second factor and a reason, everyone
//! else meets a 404 that says nothing, versions are never rewritten, and
//! nothing is stored in the clear.

use base64::Engine;
use chrono::Duration;
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

const REASON: &str = "Thẩm định tiêu chuẩn chính trị trước khi bổ nhiệm";
const SUMMARY: &str = "Có thân nhân định cư ở nước ngoài";
const CONTENT: &str = "Em ruột định cư tại Canada từ năm 1995, không tham gia tổ chức phản động.";

/// Two provinces, a profile managed in Hà Nội, and the people who meet it.
struct Setup {
    app: TestApp,
    official: Value,
    officer: Account,
}

fn setup() -> Setup {
    let app = TestApp::spawn();
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    let hanoi = t["HN"].clone();
    let (status, official) = json(app.post(
        "/api/v1/officials",
        &json!({
            "classification": "civil_servant",
            "managing_organization_id": id(&hanoi),
            "using_organization_id": id(&hanoi),
            "full_name": "Nguyễn Văn Bình",
            "sex": "male",
            "birth_date": "1975-04-02",
            "personal_identification_code": "001075012345",
        }),
    ));
    assert_eq!(status, 201, "{official}");
    let officer = app.account("officer.hn", Some("HN"), &["dossier_officer"]);
    app.use_token(Some(app.sign_in(&officer)));
    Setup {
        app,
        official,
        officer,
    }
}

fn statement(summary: &str, content: &str) -> Value {
    json!({"category": "overseas_relations", "summary": summary, "content": content})
}

/// Opens a dossier on the setup's profile as the signed-in caller.
fn open(s: &Setup) -> Value {
    let mut body = statement(SUMMARY, CONTENT);
    body["subject_id"] = s.official["id"].clone();
    let response = s.app.post("/api/v1/dossiers", &body);
    let location = response.headers().get("location").cloned();
    let (status, made) = json(response);
    assert_eq!(status, 201, "{made}");
    assert_eq!(
        location.unwrap(),
        format!("/api/v1/dossiers/{}", id(&made)).as_str()
    );
    made
}

fn read(app: &TestApp, dossier: &str, body: Value) -> Response {
    app.post(&format!("/api/v1/dossiers/{dossier}/read"), &body)
}

fn step_up(app: &TestApp, account: &Account) {
    let code = app.code(&account.totp_secret);
    let response = app.post("/api/v1/auth/step-up", &json!({"code": code}));
    assert_eq!(response.status(), 204);
}

/// The audit entries of `action`, read by the system administrator.
fn audited(app: &TestApp, action: &str) -> Vec<Value> {
    app.use_token(Some(app.sign_in(&app.admin)));
    let (status, page) = json(app.get(&format!("/api/v1/audit?action={action}")));
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[test]
fn an_officer_over_the_subject_writes_lists_and_reads_a_dossier_for_a_reason() {
    let s = setup();
    let made = open(&s);
    assert_eq!(made["category"], "overseas_relations");
    assert_eq!(made["version"], 1);
    assert_eq!(made["subject_kind"], "official");
    assert_eq!(made["subject_id"], s.official["id"]);
    assert!(made.get("summary").is_none() && made.get("content").is_none());

    let listed = format!("/api/v1/dossiers?subject_id={}", id(&s.official));
    let (status, list) = json(s.app.get(&listed));
    assert_eq!(status, 200, "{list}");
    assert_eq!(list["items"], json!([made]), "metadata only");
    let one = s.app.get(&format!("/api/v1/dossiers/{}", id(&made)));
    assert_eq!(one.headers()["etag"], "\"1\"");
    assert_eq!(json(one).1, made);

    let (status, shown) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["summary"], SUMMARY);
    assert_eq!(shown["content"], CONTENT);
    assert_eq!(shown["category"], "overseas_relations");
    assert_eq!(
        (shown["version"].clone(), shown["current_version"].clone()),
        (json!(1), json!(1))
    );
    assert_eq!(shown["versions"].as_array().unwrap().len(), 1);
    assert_eq!(shown["attachments"], json!([]));

    let reads = audited(&s.app, "dossier.read");
    assert_eq!(reads.len(), 1);
    let entry = &reads[0];
    assert_eq!(entry["actor"], "officer.hn");
    assert_eq!(entry["entity_type"], "dossier");
    assert_eq!(entry["entity_id"], made["id"]);
    assert_eq!(entry["details"]["reason"], REASON);
    assert_eq!(entry["details"]["subject_id"], s.official["id"]);
    assert_eq!(entry["details"]["version"], 1);
    assert_eq!(
        entry["organization_path"],
        Value::Null,
        "only auditors of the whole tree see dossier entries"
    );
    for action in ["dossier.create", "dossier.list", "dossier.view"] {
        assert_eq!(audited(&s.app, action).len(), 1, "{action}");
    }
    let whole = s.app.get("/api/v1/audit").text().unwrap();
    assert!(!whole.contains(CONTENT) && !whole.contains(SUMMARY));
}

#[test]
fn content_needs_a_second_factor_proved_within_five_minutes() {
    let s = setup();
    let made = open(&s);
    // the level policy allows 15 minutes; dossiers allow five
    s.app.clock.advance(Duration::minutes(6));
    let refused = assert_problem(
        read(&s.app, id(&made), json!({"reason": REASON})),
        403,
        "step-up-required",
    );
    assert!(refused["detail"].as_str().unwrap().contains("300 seconds"));
    let mut body = statement(SUMMARY, CONTENT);
    body["subject_id"] = s.official["id"].clone();
    assert_problem(
        s.app.post("/api/v1/dossiers", &body),
        403,
        "step-up-required",
    );
    // metadata needs no step-up
    let listed = format!("/api/v1/dossiers?subject_id={}", id(&s.official));
    assert_eq!(s.app.get(&listed).status(), 200);

    step_up(&s.app, &s.officer);
    let (status, shown) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["content"], CONTENT);
    assert_eq!(
        audited(&s.app, "dossier.read").len(),
        1,
        "the refused read read nothing"
    );
}

#[test]
fn content_needs_a_stated_reason_of_a_few_words() {
    let s = setup();
    let made = open(&s);
    for body in [
        json!({}),
        json!({"reason": ""}),
        json!({"reason": "   "}),
        json!({"reason": "xem"}),
        json!({"reason": "xem xem xem"}),
        json!({"reason": "x".repeat(501)}),
    ] {
        let problem = assert_problem(read(&s.app, id(&made), body.clone()), 422, "validation");
        let named = fields(&problem);
        assert!(
            !named.is_empty() && named.iter().all(|f| f == "reason"),
            "{body}: {named:?}"
        );
    }
    assert_problem(
        read(&s.app, id(&made), json!({"reason": REASON, "version": 2})),
        422,
        "validation",
    );
    assert!(audited(&s.app, "dossier.read").is_empty());
}

/// Every dossier route as one caller sees it, for a dossier and a subject.
fn every_route(app: &TestApp, dossier: &str, subject: &str) -> Vec<(u16, Value)> {
    let mut body = statement(SUMMARY, CONTENT);
    body["subject_id"] = json!(subject);
    let pdf = json!({"file_name": "a.pdf", "content_type": "application/pdf",
                     "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4")});
    let reason = json!({"reason": REASON});
    let correction = app
        .request(
            Method::POST,
            &format!("/api/v1/dossiers/{dossier}/versions"),
        )
        .header("If-Match", "\"1\"")
        .json(&statement("Đính chính", "Nội dung đính chính"))
        .send()
        .unwrap();
    vec![
        json(app.get(&format!("/api/v1/dossiers?subject_id={subject}"))),
        json(app.post("/api/v1/dossiers", &body)),
        json(app.get(&format!("/api/v1/dossiers/{dossier}"))),
        json(read(app, dossier, reason.clone())),
        json(correction),
        json(app.post(&format!("/api/v1/dossiers/{dossier}/attachments"), &pdf)),
        json(app.post(
            &format!("/api/v1/dossiers/{dossier}/attachments/1/read"),
            &reason,
        )),
    ]
}

#[test]
fn to_everyone_else_a_dossier_does_not_exist() {
    let s = setup();
    let app = &s.app;
    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&viewer)));
    let profile = format!("/api/v1/officials/{}", id(&s.official));
    let before = app.get(&profile).text().unwrap();
    let history_before = app.get(&format!("{profile}/history")).text().unwrap();

    app.use_token(Some(app.sign_in(&s.officer)));
    let made = open(&s);
    let pdf = json!({"file_name": "a.pdf", "content_type": "application/pdf",
                     "content_base64": base64::engine::general_purpose::STANDARD.encode(b"%PDF-1.4")});
    let attached = app.post(&format!("/api/v1/dossiers/{}/attachments", id(&made)), &pdf);
    assert_eq!(attached.status(), 201);

    let strangers = [
        viewer.clone(),
        app.account("admin.hn", Some("HN"), &["org_admin"]),
        app.account("officer.hue", Some("HUE"), &["dossier_officer"]),
        app.admin.clone(),
    ];
    let nobody = uuid::Uuid::new_v4().to_string();
    for stranger in &strangers {
        app.use_token(Some(app.sign_in(stranger)));
        let hidden = every_route(app, id(&made), id(&s.official));
        let missing = every_route(app, &nobody, &nobody);
        for (route, answer) in hidden.iter().enumerate() {
            assert_eq!(
                answer.0, 404,
                "{} on route {route}: {}",
                stranger.username, answer.1
            );
        }
        assert_eq!(
            hidden, missing,
            "{}: a hidden dossier answers as a missing one",
            stranger.username
        );
    }
    let first = every_route(app, id(&made), id(&s.official));
    app.use_token(Some(app.sign_in(&strangers[0])));
    assert_eq!(
        first,
        every_route(app, id(&made), id(&s.official)),
        "the same for all"
    );

    // the profile and its history do not change for anyone else
    assert_eq!(app.get(&profile).text().unwrap(), before);
    assert_eq!(
        app.get(&format!("{profile}/history")).text().unwrap(),
        history_before
    );

    // nothing the strangers tried was written
    app.use_token(Some(app.sign_in(&s.officer)));
    step_up(app, &s.officer);
    let (_, shown) = json(read(app, id(&made), json!({"reason": REASON})));
    assert_eq!(
        (
            shown["current_version"].clone(),
            shown["attachments"].as_array().unwrap().len()
        ),
        (json!(1), 1)
    );
    let (_, list) = json(app.get(&format!("/api/v1/dossiers?subject_id={}", id(&s.official))));
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
}

#[test]
fn an_officer_above_the_subject_sees_it_and_one_beside_it_does_not() {
    let s = setup();
    let made = open(&s);
    let national = s.app.account("officer.root", None, &["dossier_officer"]);
    s.app.use_token(Some(s.app.sign_in(&national)));
    let (status, shown) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(status, 200, "{shown}");
    // a personnel grant over the subject adds nothing to a dossier grant elsewhere
    let beside = s
        .app
        .account("officer.hue2", Some("HUE"), &["dossier_officer"]);
    diesel::sql_query(
        "INSERT INTO grants (id, user_id, role, organization_id, granted_at) \
         SELECT gen_random_uuid(), u.id, 'personnel_editor', o.id, now() \
         FROM users u, organizations o WHERE u.username = 'officer.hue2' AND o.code = 'HN'",
    )
    .execute(&mut s.app.db.connect())
    .unwrap();
    s.app.use_token(Some(s.app.sign_in(&beside)));
    assert_problem(
        read(&s.app, id(&made), json!({"reason": REASON})),
        404,
        "not-found",
    );
}

#[test]
fn a_correction_is_a_new_version_and_versions_are_never_rewritten() {
    let s = setup();
    let made = open(&s);
    let versions = format!("/api/v1/dossiers/{}/versions", id(&made));
    let correct = |if_match: Option<&str>, summary: &str| {
        let request = s.app.request(Method::POST, &versions);
        let request = match if_match {
            Some(tag) => request.header("If-Match", tag),
            None => request,
        };
        request
            .json(&statement(
                summary,
                "Đã xác minh lại: không có thân nhân ở nước ngoài.",
            ))
            .send()
            .unwrap()
    };
    assert_problem(correct(None, "Đính chính"), 428, "if-match-required");
    let corrected = correct(Some("\"1\""), "Đính chính");
    assert_eq!(corrected.headers()["etag"], "\"2\"");
    let (status, view) = json(corrected);
    assert_eq!((status, view["version"].clone()), (201, json!(2)));
    assert_problem(
        correct(Some("\"1\""), "Đính chính lần nữa"),
        412,
        "stale-version",
    );

    let (_, latest) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(latest["summary"], "Đính chính");
    assert_eq!(latest["versions"].as_array().unwrap().len(), 2);
    let (_, first) = json(read(
        &s.app,
        id(&made),
        json!({"reason": REASON, "version": 1}),
    ));
    assert_eq!(
        (first["summary"].as_str(), first["version"].as_i64()),
        (Some(SUMMARY), Some(1))
    );

    // the service's role may not change or remove a version, nor a dossier
    let mut conn = s.app.db.connect();
    let mut as_app = |sql: &str| -> String {
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            diesel::sql_query("SET LOCAL ROLE odb_app").execute(c)?;
            diesel::sql_query(sql).execute(c).map(drop)
        })
        .unwrap_err()
        .to_string()
    };
    for sql in [
        "UPDATE dossier_versions SET summary = content",
        "DELETE FROM dossier_versions",
        "UPDATE dossier_attachments SET size = 1",
        "DELETE FROM dossiers",
        "UPDATE dossiers SET subject_id = gen_random_uuid()",
    ] {
        assert!(as_app(sql).contains("permission denied"), "{sql}");
    }
    // nor may the owner, but by re-sealing under another key
    let mut owner = s.app.db.connect();
    for sql in [
        "UPDATE dossier_versions SET summary = content",
        "UPDATE dossier_versions SET number = number + 10",
        "DELETE FROM dossier_versions",
        "TRUNCATE dossier_versions CASCADE",
        "DELETE FROM dossiers",
        "UPDATE dossiers SET version = 1",
    ] {
        let refused = diesel::sql_query(sql)
            .execute(&mut owner)
            .unwrap_err()
            .to_string();
        assert!(
            refused.contains("append-only") || refused.contains("only a new version"),
            "{sql}: {refused}"
        );
    }
    let (_, again) = json(read(
        &s.app,
        id(&made),
        json!({"reason": REASON, "version": 1}),
    ));
    assert_eq!(again["summary"], SUMMARY);
}

#[test]
fn only_the_dossier_service_sets_the_scope_that_shows_dossiers() {
    let s = setup();
    open(&s);
    let mut conn = s.app.db.connect();
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut count = |settings: &[&str]| -> i64 {
        conn.transaction::<_, diesel::result::Error, _>(|c| {
            for setting in settings {
                diesel::sql_query(format!(
                    "SELECT set_config('{setting}', '{{' || path::text || '}}', true) \
                     FROM organizations WHERE code = 'ROOT'"
                ))
                .execute(c)?;
            }
            diesel::sql_query("SET LOCAL ROLE odb_app").execute(c)?;
            Ok(diesel::sql_query("SELECT count(*) AS n FROM dossiers")
                .get_result::<Count>(c)?
                .n)
        })
        .unwrap()
    };
    let everything = ["odb.read_scope", "odb.write_scope"];
    assert_eq!(
        count(&everything),
        0,
        "a scope over the whole tree shows none"
    );
    assert_eq!(
        count(&[everything[0], everything[1], "odb.dossier_scope"]),
        1
    );
}

#[test]
fn dossiers_are_sealed_at_rest() {
    let s = setup();
    let made = open(&s);
    let text = "Biên bản xác minh số 17-BB/BVCT ngày 02/9/2025";
    let file = json!({"file_name": "bien-ban-xac-minh.txt", "content_type": "text/plain",
                      "content_base64": base64::engine::general_purpose::STANDARD.encode(text)});
    let attached = s.app.post(
        &format!("/api/v1/dossiers/{}/attachments", id(&made)),
        &file,
    );
    assert_eq!(attached.status(), 201);

    let mut superuser = s.app.db.connect();
    #[derive(QueryableByName)]
    struct Dump {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    let mut everything = String::new();
    for table in [
        "dossiers",
        "dossier_versions",
        "dossier_attachments",
        "audit_log",
    ] {
        let rows: Vec<Dump> = diesel::sql_query(format!("SELECT t::text AS text FROM {table} t"))
            .load(&mut superuser)
            .unwrap();
        everything.extend(rows.into_iter().map(|r| r.text));
    }
    assert!(everything.contains(id(&made)), "the dump is real");
    for secret in [
        SUMMARY,
        CONTENT,
        text,
        "bien-ban-xac-minh",
        "overseas_relations",
    ] {
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(
            !everything.contains(secret) && !everything.contains(&hex),
            "{secret} is stored in the clear"
        );
    }
}

#[test]
fn attachments_are_checked_sealed_and_read_for_a_reason() {
    let s = setup();
    let made = open(&s);
    let attachments = format!("/api/v1/dossiers/{}/attachments", id(&made));
    let encode = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let mut pdf = b"%PDF-1.7\n".to_vec();
    pdf.resize(300 * 1024, b'x'); // above the 256 KiB of other bodies
    let (status, first) = json(s.app.post(
        &attachments,
        &json!({"file_name": "ban-khai.pdf", "content_type": "application/pdf", "content_base64": encode(&pdf)}),
    ));
    assert_eq!(status, 201, "{first}");
    assert_eq!(
        (first["number"].clone(), first["size"].clone()),
        (json!(1), json!(pdf.len()))
    );

    for (body, field) in [
        (
            json!({"file_name": "a.png", "content_type": "image/png", "content_base64": encode(b"%PDF-1.7")}),
            "content_base64",
        ),
        (
            json!({"file_name": "a.exe", "content_type": "application/x-msdownload", "content_base64": encode(b"MZ")}),
            "content_type",
        ),
        (
            json!({"file_name": "../a.pdf", "content_type": "application/pdf", "content_base64": encode(b"%PDF-1.7")}),
            "file_name",
        ),
        (
            json!({"file_name": "a.pdf", "content_type": "application/pdf", "content_base64": "not base64!"}),
            "content_base64",
        ),
    ] {
        let problem = assert_problem(s.app.post(&attachments, &body), 422, "validation");
        assert_eq!(fields(&problem), [field], "{body}");
    }
    let mut huge = b"%PDF-".to_vec();
    huge.resize(5 * 1024 * 1024 + 1, b'x');
    let problem = assert_problem(
        s.app.post(
            &attachments,
            &json!({"file_name": "a.pdf", "content_type": "application/pdf", "content_base64": encode(&huge)}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["content_base64"]);

    let one = format!("{attachments}/1/read");
    assert_eq!(
        fields(&assert_problem(
            s.app.post(&one, &json!({"reason": "xem"})),
            422,
            "validation"
        )),
        ["reason"]
    );
    assert_problem(
        s.app
            .post(&format!("{attachments}/2/read"), &json!({"reason": REASON})),
        404,
        "not-found",
    );
    let (status, opened) = json(s.app.post(&one, &json!({"reason": REASON})));
    assert_eq!(status, 200, "{opened}");
    assert_eq!(opened["file_name"], "ban-khai.pdf");
    assert_eq!(opened["content_type"], "application/pdf");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(opened["content_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, pdf);
    let (_, shown) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(shown["attachments"][0]["file_name"], "ban-khai.pdf");

    let reads = audited(&s.app, "dossier.read_attachment");
    assert_eq!(reads.len(), 1);
    assert_eq!(reads[0]["details"]["reason"], REASON);
    assert_eq!(reads[0]["details"]["attachment"], 1);
    assert_eq!(
        audited(&s.app, "dossier.attach").len(),
        1,
        "refused uploads left nothing"
    );
}

#[test]
fn key_rotation_reseals_dossiers_and_they_still_read() {
    let s = setup();
    let made = open(&s);
    let file = json!({"file_name": "ghi-chu.txt", "content_type": "text/plain",
                      "content_base64": base64::engine::general_purpose::STANDARD.encode("Ghi chú")});
    let attachments = format!("/api/v1/dossiers/{}/attachments", id(&made));
    assert_eq!(s.app.post(&attachments, &file).status(), 201);

    let mut owners = [s.app.db.connect(), s.app.db.connect()];
    let report = odb::crypto::rotate(
        &mut owners,
        &s.app.keyring,
        10,
        s.app.clock.now(),
        &mut |_, _| {},
    )
    .unwrap();
    assert_eq!(report.retired, [1]);
    assert!(report.resealed >= 5, "{report:?}");

    let (status, shown) = json(read(&s.app, id(&made), json!({"reason": REASON})));
    assert_eq!(status, 200, "{shown}");
    assert_eq!(shown["content"], CONTENT);
    let (_, file) = json(
        s.app
            .post(&format!("{attachments}/1/read"), &json!({"reason": REASON})),
    );
    assert_eq!(file["file_name"], "ghi-chu.txt");
}

#[test]
fn the_demo_gives_its_dossier_officer_two_dossiers_to_read() {
    use odb::fixtures::officials::{DEMO_PROFILES, DEMO_SEED};
    let app = TestApp::with_demo();
    let mut conn = app.db.connect();
    let now = chrono::Utc::now();
    odb::fixtures::officials::generate(
        &mut conn,
        &app.keyring,
        DEMO_PROFILES,
        DEMO_SEED,
        now,
        &mut |_| {},
    )
    .unwrap();
    let made = odb::context::Ctx::as_operator(&mut conn, &app.keyring, now, "odb demo", |ctx| {
        odb::fixtures::dossier_demo::load(ctx, "P01")
    })
    .unwrap();
    assert_eq!(made, 2, "as `odb demo` makes them");
    #[derive(QueryableByName)]
    struct Subject {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id: String,
    }
    let subjects: Vec<Subject> =
        diesel::sql_query("SELECT subject_id::text AS id FROM dossiers ORDER BY created_at, id")
            .load(&mut conn)
            .unwrap();
    let officer = app.account("hanoi.dossiers", Some("P01"), &["dossier_officer"]);
    app.use_token(Some(app.sign_in(&officer)));
    for subject in &subjects {
        let (status, list) = json(app.get(&format!("/api/v1/dossiers?subject_id={}", subject.id)));
        assert_eq!(status, 200, "{list}");
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        let (status, shown) = json(read(&app, id(&items[0]), json!({"reason": REASON})));
        assert_eq!(status, 200, "{shown}");
        assert!(
            shown["content"].as_str().unwrap().contains("không có thật"),
            "says it is made up: {shown}"
        );
    }
    let outsider = app.account("bacninh.dossiers", Some("P27"), &["dossier_officer"]);
    app.use_token(Some(app.sign_in(&outsider)));
    let (status, _) = json(app.get(&format!("/api/v1/dossiers?subject_id={}", subjects[0].id)));
    assert_eq!(status, 404, "outside Bắc Ninh's officer's scope");
}
