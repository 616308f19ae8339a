//! The groupware's correspondence register against the real server: numbers
//! per book and year with no gap under concurrent registration, party and
//! state number-and-symbol, the secret register seen only by the cleared
//! and the assigned with its files sealed, handling with its history and
//! overdue detection, and diacritic-insensitive search.

use base64::Engine;
use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

/// CCOP with one department; a clerk and a staff member with the groupware role.
struct Office {
    app: TestApp,
    ccop: Value,
    department: Value,
    clerk: Account,
    staff: Account,
}

fn office() -> Office {
    let app = TestApp::spawn();
    let t = app.tree(&[("CCOP", "central", "ROOT"), ("VU1", "central", "CCOP")]);
    let clerk = app.account("van.thu", Some("CCOP"), &["groupware_user"]);
    let staff = app.account("chuyen.vien", Some("VU1"), &["groupware_user"]);
    app.use_token(Some(app.sign_in(&clerk)));
    Office {
        ccop: t["CCOP"].clone(),
        department: t["VU1"].clone(),
        app,
        clerk,
        staff,
    }
}

fn incoming(unit: &Value, subject: &str) -> Value {
    json!({
        "organization_id": unit["id"],
        "direction": "incoming",
        "document_type": "decision",
        "form": "state",
        "document_number": 12,
        "issuer_code": "BNV",
        "document_date": "2026-01-05",
        "issuer": "Bộ Nội vụ",
        "subject": subject,
    })
}

fn register(app: &TestApp, body: &Value) -> Value {
    let (status, made) = json(app.post("/api/v1/groupware/documents", body));
    assert_eq!(status, 201, "{made}");
    made
}

fn as_user(app: &TestApp, account: &Account) {
    app.use_token(Some(app.sign_in(account)));
}

fn post_if_match(app: &TestApp, path: &str, version: &Value, body: &Value) -> Response {
    app.request(Method::POST, path)
        .header("If-Match", format!("\"{version}\""))
        .json(body)
        .send()
        .unwrap()
}

fn clear(app: &TestApp, username: &str, level: Value) {
    let user: uuid::Uuid = odb::db::schema::users::table
        .filter(odb::db::schema::users::username.eq(username))
        .select(odb::db::schema::users::id)
        .first(&mut app.db.connect())
        .unwrap();
    let response = app
        .request(Method::PUT, &format!("/api/v1/groupware/clearances/{user}"))
        .json(&json!({"level": level}))
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
}

pub(crate) fn user_id(app: &TestApp, username: &str) -> String {
    let id: uuid::Uuid = odb::db::schema::users::table
        .filter(odb::db::schema::users::username.eq(username))
        .select(odb::db::schema::users::id)
        .first(&mut app.db.connect())
        .unwrap();
    id.to_string()
}

#[test]
fn concurrent_registrations_take_every_number_of_the_book_once() {
    let o = office();
    let clerks = 12;
    let numbers: Vec<i64> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..clerks)
            .map(|i| {
                let body = incoming(&o.ccop, &format!("Công văn số {i}"));
                let app = &o.app;
                s.spawn(move || {
                    register(app, &body)["registration_number"]
                        .as_i64()
                        .unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let mut sorted = numbers.clone();
    sorted.sort_unstable();
    assert_eq!(
        sorted,
        (1..=clerks).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );

    // other books count on their own
    let mut outgoing = incoming(&o.ccop, "Báo cáo tình hình biên chế");
    outgoing["direction"] = json!("outgoing");
    outgoing["document_type"] = json!("report");
    outgoing["form"] = json!("party");
    outgoing["issuer_code"] = json!("VPTW");
    outgoing.as_object_mut().unwrap().remove("document_number");
    let made = register(&o.app, &outgoing);
    assert_eq!(made["registration_number"], 1);
    assert_eq!(made["registration_label"], "01");
    assert_eq!(
        made["document_number"], 1,
        "an outgoing number is its registration number"
    );
    assert_eq!(made["number_symbol"], "01-BC/VPTW");
    let department = register(&o.app, &incoming(&o.department, "Giấy mời họp"));
    assert_eq!(department["registration_number"], 1);

    // a failed registration gives its number back
    let mut unknown_reply = incoming(&o.ccop, "Trả lời");
    unknown_reply["reply_to_id"] = json!(uuid::Uuid::new_v4());
    let refused = o.app.post("/api/v1/groupware/documents", &unknown_reply);
    assert_problem(refused, 422, "validation");
    let next = register(&o.app, &incoming(&o.ccop, "Tiếp theo"));
    assert_eq!(next["registration_number"], clerks + 1);

    // the database holds every number it counted, whatever the service does
    let mut conn = o.app.db.connect();
    let raised = diesel::sql_query(
        "UPDATE correspondence_counters SET last_number = last_number + 1 WHERE direction = 'incoming'",
    )
    .execute(&mut conn);
    assert!(raised.is_err(), "a counted number without its document");
}

#[test]
fn numbers_restart_at_01_on_the_first_of_january() {
    let o = office();
    let first = register(&o.app, &incoming(&o.ccop, "Cuối năm"));
    let second = register(&o.app, &incoming(&o.ccop, "Cuối năm nữa"));
    assert_eq!(second["registration_number"], 2);
    let today = o.app.clock.today();
    let new_year = NaiveDate::from_ymd_opt(today.year() + 1, 1, 1).unwrap();
    o.app
        .clock
        .advance(Duration::days((new_year - today).num_days()));
    as_user(&o.app, &o.clerk);
    let made = register(&o.app, &incoming(&o.ccop, "Đầu năm"));
    assert_eq!(made["registration_label"], "01");
    assert_eq!(made["year"], first["year"].as_i64().unwrap() + 1);
    assert_eq!(made["registered_on"], new_year.to_string());
}

#[test]
fn party_and_state_bodies_write_their_number_and_symbol_each_their_way() {
    let o = office();
    let mut party = incoming(&o.ccop, "Quy định về công tác cán bộ");
    party["form"] = json!("party");
    party["issuer_code"] = json!("TW");
    let made = register(&o.app, &party);
    assert_eq!(made["number_symbol"], "12-QĐ/TW");
    let state = register(&o.app, &incoming(&o.ccop, "Giao biên chế"));
    assert_eq!(state["number_symbol"], "12/QĐ-BNV");
    let mut letter = incoming(&o.ccop, "Đôn đốc báo cáo");
    letter["document_type"] = json!("official_letter");
    letter["drafting_unit_code"] = json!("TCBC");
    letter["document_number"] = json!(4521);
    assert_eq!(register(&o.app, &letter)["number_symbol"], "4521/BNV-TCBC");

    let (_, found) = json(
        o.app
            .get("/api/v1/groupware/documents?number_symbol=12-Q%C4%90/TW"),
    );
    assert_eq!(found["items"].as_array().unwrap().len(), 1);
    assert_eq!(found["items"][0]["id"], made["id"]);
}

#[test]
fn the_subject_is_found_without_its_diacritics() {
    let o = office();
    let made = register(
        &o.app,
        &incoming(&o.ccop, "Về việc tuyển dụng công chức năm 2027"),
    );
    register(&o.app, &incoming(&o.ccop, "Giấy mời dự hội nghị"));
    for q in ["tuyen dung", "TUYỂN DỤNG cong", "công chức"] {
        let (status, page) = json(o.app.get(&format!("/api/v1/groupware/documents?q={q}")));
        assert_eq!(status, 200, "{page}");
        let ids: Vec<&Value> = page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| &d["id"])
            .collect();
        assert_eq!(ids, [&made["id"]], "{q}");
    }
    let (_, page) = json(o.app.get("/api/v1/groupware/documents?limit=1"));
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    let cursor = page["next_cursor"].as_str().unwrap();
    let (_, rest) = json(o.app.get(&format!(
        "/api/v1/groupware/documents?limit=1&cursor={cursor}"
    )));
    assert_eq!(rest["items"][0]["id"], made["id"], "newest first");
    assert_eq!(rest["next_cursor"], Value::Null);
}

#[test]
fn handling_moves_on_with_its_history_and_overdue_documents_are_found() {
    let o = office();
    let mut body = incoming(&o.ccop, "Đề nghị góp ý dự thảo");
    body["urgency"] = json!("very_urgent");
    body["handling_deadline"] = json!((o.app.clock.today() + Duration::days(3)).to_string());
    let made = register(&o.app, &body);
    let path = format!("/api/v1/groupware/documents/{}", id(&made));
    let staff = user_id(&o.app, "chuyen.vien");

    let no_match = o
        .app
        .post(&format!("{path}/status"), &json!({"status": "in_progress"}));
    assert_problem(no_match, 428, "if-match-required");
    let early = post_if_match(
        &o.app,
        &format!("{path}/status"),
        &json!(1),
        &json!({"status": "in_progress"}),
    );
    assert_problem(early, 409, "status-transition");

    let two_leads = json!({"assignees": [{"user_id": staff, "lead": true}, {"user_id": user_id(&o.app, "van.thu"), "lead": true}]});
    let refused = post_if_match(&o.app, &format!("{path}/assignment"), &json!(1), &two_leads);
    assert_problem(refused, 422, "validation");
    let assignment = json!({
        "handling_unit_id": o.department["id"],
        "assignees": [{"user_id": staff, "lead": true}],
        "note": "Vụ 1 chủ trì",
    });
    let (status, assigned) = json(post_if_match(
        &o.app,
        &format!("{path}/assignment"),
        &json!(1),
        &assignment,
    ));
    assert_eq!(status, 200, "{assigned}");
    assert_eq!(assigned["status"], "assigned");
    assert_eq!(assigned["version"], 2);
    assert_eq!(assigned["assignees"][0]["user_id"], staff.as_str());
    let stale = post_if_match(
        &o.app,
        &format!("{path}/status"),
        &json!(1),
        &json!({"status": "in_progress"}),
    );
    assert_problem(stale, 412, "stale-version");

    let mine = format!("/api/v1/groupware/documents?assignee_id={staff}&overdue=true");
    assert_eq!(json(o.app.get(&mine)).1["items"], json!([]));
    o.app.clock.advance(Duration::days(4));
    as_user(&o.app, &o.staff);
    let (_, late) = json(o.app.get(&mine));
    assert_eq!(late["items"].as_array().unwrap().len(), 1);
    assert_eq!(late["items"][0]["overdue"], true);

    as_user(&o.app, &o.clerk);
    let (status, working) = json(post_if_match(
        &o.app,
        &format!("{path}/status"),
        &json!(2),
        &json!({"status": "in_progress"}),
    ));
    assert_eq!(status, 200, "{working}");
    let (_, done) = json(post_if_match(
        &o.app,
        &format!("{path}/status"),
        &json!(3),
        &json!({"status": "done", "note": "Đã gửi góp ý"}),
    ));
    assert_eq!(done["status"], "done");
    assert_eq!(done["done_on"], o.app.clock.today().to_string());
    assert_eq!(done["overdue"], false);
    let again = post_if_match(
        &o.app,
        &format!("{path}/status"),
        &json!(4),
        &json!({"status": "done"}),
    );
    assert_problem(again, 409, "document-done");

    let (_, history) = json(o.app.get(&format!("{path}/history")));
    let kinds: Vec<(&str, &str)> = history["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["kind"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("registered", "registered"),
            ("assigned", "assigned"),
            ("status", "in_progress"),
            ("status", "done")
        ]
    );

    // a reply links to the document it answers
    let mut reply = incoming(&o.ccop, "Góp ý dự thảo");
    reply["direction"] = json!("outgoing");
    reply.as_object_mut().unwrap().remove("document_number");
    reply["reply_to_id"] = made["id"].clone();
    let answered = register(&o.app, &reply);
    let (_, replies) = json(o.app.get(&format!(
        "/api/v1/groupware/documents?reply_to_id={}",
        id(&made)
    )));
    assert_eq!(replies["items"][0]["id"], answered["id"]);
}

#[test]
fn marked_documents_are_seen_only_by_the_cleared_and_the_assigned_and_their_files_are_sealed() {
    let o = office();
    let mut body = incoming(&o.ccop, "Kế hoạch bảo vệ bí mật nhà nước");
    body["secrecy"] = json!("secret");
    let refused = o.app.post("/api/v1/groupware/documents", &body);
    assert_problem(refused, 403, "forbidden");

    as_user(&o.app, &o.app.admin);
    clear(&o.app, "van.thu", json!("secret"));
    clear(&o.app, "chuyen.vien", json!("confidential"));
    as_user(&o.app, &o.clerk);
    let made = register(&o.app, &body);
    assert_eq!(made["register"], "secret");
    assert_eq!(
        made["registration_number"], 1,
        "the secret register counts on its own"
    );
    let path = format!("/api/v1/groupware/documents/{}", id(&made));
    let pdf = b"%PDF-1.7 noi dung mat".to_vec();
    let file = json!({
        "file_name": "ke-hoach-mat.pdf",
        "content_type": "application/pdf",
        "content_base64": base64::engine::general_purpose::STANDARD.encode(&pdf),
    });
    let (status, attached) = json(o.app.post(&format!("{path}/attachments"), &file));
    assert_eq!(status, 201, "{attached}");
    assert_eq!(attached["sealed"], true);

    // nothing of it is stored in the clear
    let mut conn = o.app.db.connect();
    let stored: Vec<u8> = odb::db::schema::correspondence_attachments::table
        .select(odb::db::schema::correspondence_attachments::sealed_content.assume_not_null())
        .first(&mut conn)
        .unwrap();
    assert!(!stored.windows(pdf.len()).any(|w| w == pdf.as_slice()));

    // a lower clearance does not reach it: it does not exist
    as_user(&o.app, &o.staff);
    assert_problem(o.app.get(&path), 404, "not-found");
    let (_, listed) = json(o.app.get("/api/v1/groupware/documents?register=secret"));
    assert_eq!(listed["items"], json!([]));

    // assigned, the staff member sees it and its file
    as_user(&o.app, &o.clerk);
    let staff = user_id(&o.app, "chuyen.vien");
    let assignment = json!({"assignees": [{"user_id": staff, "lead": true}]});
    let response = post_if_match(
        &o.app,
        &format!("{path}/assignment"),
        &json!(1),
        &assignment,
    );
    assert_eq!(response.status(), 200);
    as_user(&o.app, &o.staff);
    let (status, seen) = json(o.app.get(&path));
    assert_eq!(status, 200, "{seen}");
    let (_, content) = json(o.app.get(&format!("{path}/attachments/1")));
    assert_eq!(content["file_name"], "ke-hoach-mat.pdf");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(content["content_base64"].as_str().unwrap())
        .unwrap();
    assert_eq!(bytes, pdf);

    // the reads are audited; the subject never is
    as_user(&o.app, &o.app.admin);
    let (_, views) = json(o.app.get("/api/v1/audit?action=correspondence.view"));
    assert_eq!(views["items"].as_array().unwrap().len(), 1);
    let (_, reads) = json(
        o.app
            .get("/api/v1/audit?action=correspondence.read_attachment"),
    );
    assert_eq!(reads["items"][0]["actor"], "chuyen.vien");
    let whole = o.app.get("/api/v1/audit").text().unwrap();
    assert!(!whole.contains("bảo vệ bí mật"));

    // outside the groupware there is no register at all
    let outsider = o.app.account("can.bo", Some("CCOP"), &["personnel_viewer"]);
    as_user(&o.app, &outsider);
    assert_problem(o.app.get("/api/v1/groupware/documents"), 403, "forbidden");
}

#[test]
fn tasks_are_given_reported_on_and_found_overdue() {
    let o = office();
    let document = register(&o.app, &incoming(&o.ccop, "Chuẩn bị hội nghị tổng kết"));
    let staff = user_id(&o.app, "chuyen.vien");
    let deadline = (o.app.clock.today() + Duration::days(2)).to_string();
    let (status, task) = json(o.app.post(
        "/api/v1/groupware/tasks",
        &json!({
            "organization_id": o.ccop["id"],
            "title": "Dự thảo báo cáo tổng kết năm",
            "document_id": document["id"],
            "priority": "high",
            "deadline": deadline,
            "assignee_ids": [staff],
        }),
    ));
    assert_eq!(status, 201, "{task}");
    assert_eq!(
        (task["status"].as_str(), task["progress"].as_i64()),
        (Some("open"), Some(0))
    );
    let path = format!("/api/v1/groupware/tasks/{}", id(&task));

    let mut marked = incoming(&o.ccop, "Mật");
    marked["secrecy"] = json!("confidential");
    as_user(&o.app, &o.app.admin);
    // the mark must be said: a body without it does not revoke by accident
    let unsaid = o
        .app
        .request(
            Method::PUT,
            &format!(
                "/api/v1/groupware/clearances/{}",
                user_id(&o.app, "van.thu")
            ),
        )
        .json(&json!({}))
        .send()
        .unwrap();
    assert_eq!(
        fields(&assert_problem(unsaid, 422, "validation")),
        ["level"]
    );
    clear(&o.app, "van.thu", json!("confidential"));
    as_user(&o.app, &o.clerk);
    let marked = register(&o.app, &marked);
    let from_marked = json!({"organization_id": o.ccop["id"], "title": "x", "document_id": marked["id"], "assignee_ids": [staff]});
    assert_problem(
        o.app.post("/api/v1/groupware/tasks", &from_marked),
        422,
        "validation",
    );

    // the assignee, in another unit, sees it and reports on it
    o.app.clock.advance(Duration::days(3));
    as_user(&o.app, &o.staff);
    let overdue = format!("/api/v1/groupware/tasks?assignee_id={staff}&overdue=true");
    let (_, late) = json(o.app.get(&overdue));
    assert_eq!(late["items"].as_array().unwrap().len(), 1);
    assert_eq!(late["items"][0]["overdue"], true);
    let (status, half) = json(post_if_match(
        &o.app,
        &format!("{path}/reports"),
        &json!(1),
        &json!({"progress": 50, "note": "Xong phần một"}),
    ));
    assert_eq!(status, 200, "{half}");
    assert_eq!(half["status"], "in_progress");
    let (_, done) = json(post_if_match(
        &o.app,
        &format!("{path}/reports"),
        &json!(2),
        &json!({"progress": 100}),
    ));
    assert_eq!(done["status"], "done");
    assert_eq!(done["completed_on"], o.app.clock.today().to_string());
    assert_eq!(done["overdue"], false);
    assert_eq!(json(o.app.get(&overdue)).1["items"], json!([]));
    let closed = post_if_match(
        &o.app,
        &format!("{path}/reports"),
        &json!(3),
        &json!({"progress": 100}),
    );
    assert_problem(closed, 409, "task-closed");
    let (_, reports) = json(o.app.get(&format!("{path}/reports")));
    let progress: Vec<i64> = reports["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["progress"].as_i64().unwrap())
        .collect();
    assert_eq!(progress, [50, 100]);

    // someone neither assigned nor over the unit does not see it
    let other = o
        .app
        .account("nguoi.khac", Some("VU1"), &["groupware_user"]);
    as_user(&o.app, &other);
    assert_problem(o.app.get(&path), 404, "not-found");
}

fn tomorrow_at(app: &TestApp, hour: u32) -> String {
    let day = app.clock.today() + Duration::days(1);
    format!("{day}T{hour:02}:00:00+07:00")
}

#[test]
fn a_room_is_never_booked_twice_even_when_two_requests_race() {
    let o = office();
    let (status, room) = json(o.app.post(
        "/api/v1/groupware/rooms",
        &json!({"organization_id": o.ccop["id"], "name": "Phòng họp 301", "capacity": 20,
                "equipment": ["projector", "video_conference"], "location": "Tầng 3"}),
    ));
    assert_eq!(status, 201, "{room}");
    let small = json!({"organization_id": o.ccop["id"], "name": "Phòng 105", "capacity": 8, "equipment": ["projector"]});
    assert_eq!(o.app.post("/api/v1/groupware/rooms", &small).status(), 201);

    let booking = |title: &str, from: u32, until: u32| {
        json!({"room_id": room["id"], "title": title, "attendees": 12,
               "starts_at": tomorrow_at(&o.app, from), "ends_at": tomorrow_at(&o.app, until)})
    };
    let (status, first) = json(
        o.app
            .post("/api/v1/groupware/bookings", &booking("Giao ban", 14, 16)),
    );
    assert_eq!(status, 201, "{first}");
    let clash = assert_problem(
        o.app
            .post("/api/v1/groupware/bookings", &booking("Họp chi bộ", 15, 17)),
        409,
        "booking-clash",
    );
    assert_eq!(
        clash["existing"],
        format!("/api/v1/groupware/bookings/{}", id(&first)).as_str()
    );
    let (status, _) = json(
        o.app
            .post("/api/v1/groupware/bookings", &booking("Nối tiếp", 16, 17)),
    );
    assert_eq!(status, 201, "a booking may start when another ends");
    let too_many = json!({"room_id": room["id"], "title": "Đông", "attendees": 30,
                          "starts_at": tomorrow_at(&o.app, 8), "ends_at": tomorrow_at(&o.app, 9)});
    assert_problem(
        o.app.post("/api/v1/groupware/bookings", &too_many),
        422,
        "validation",
    );

    // two racing requests for the same morning: exactly one wins
    let statuses: Vec<u16> = std::thread::scope(|s| {
        let racers: Vec<_> = (0..4)
            .map(|i| {
                let body = booking(&format!("Họp {i}"), 8, 10);
                let app = &o.app;
                s.spawn(move || {
                    app.post("/api/v1/groupware/bookings", &body)
                        .status()
                        .as_u16()
                })
            })
            .collect();
        racers.into_iter().map(|r| r.join().unwrap()).collect()
    });
    let mut sorted = statuses.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, [201, 409, 409, 409], "{statuses:?}");

    // the database refuses an overlap whatever the service does
    let mut conn = o.app.db.connect();
    let overlap = diesel::sql_query(format!(
        "INSERT INTO room_bookings SELECT gen_random_uuid(), 1, room_id, 'x', 1, starts_at, ends_at, \
         'confirmed', NULL, now(), now() FROM room_bookings WHERE id = '{}'",
        id(&first)
    ))
    .execute(&mut conn);
    assert!(
        overlap.is_err(),
        "the exclusion constraint is the last word"
    );

    // a room for 12 with a projector, tomorrow afternoon: not 301 until 17:00
    let search = |from: u32, until: u32| {
        let (status, page) = json(o.app.get(&format!(
            "/api/v1/groupware/rooms?capacity=12&equipment=projector&free_from={}&free_until={}",
            tomorrow_at(&o.app, from).replace('+', "%2B"),
            tomorrow_at(&o.app, until).replace('+', "%2B")
        )));
        assert_eq!(status, 200, "{page}");
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(search(13, 17), Vec::<String>::new());
    assert_eq!(search(17, 18), ["Phòng họp 301"]);
    let none = assert_problem(
        o.app.get("/api/v1/groupware/rooms?capacity=0"),
        422,
        "validation",
    );
    assert_eq!(fields(&none), ["capacity"]);

    // the occupancy view, and a cancelled booking frees its time
    let (_, day) = json(o.app.get(&format!(
        "/api/v1/groupware/bookings?room_id={}&from={}&until={}",
        id(&room),
        tomorrow_at(&o.app, 0).replace('+', "%2B"),
        tomorrow_at(&o.app, 23).replace('+', "%2B")
    )));
    let titles: Vec<&str> = day["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert_eq!(&titles[1..], ["Giao ban", "Nối tiếp"]);
    let cancel = format!("/api/v1/groupware/bookings/{}/cancel", id(&first));
    let cancelled = o
        .app
        .request(Method::POST, &cancel)
        .header("If-Match", "\"1\"")
        .send()
        .unwrap();
    let (status, cancelled) = json(cancelled);
    assert_eq!(status, 200, "{cancelled}");
    assert_eq!(cancelled["status"], "cancelled");
    let (status, _) = json(
        o.app
            .post("/api/v1/groupware/bookings", &booking("Họp chi bộ", 14, 16)),
    );
    assert_eq!(status, 201);
}

#[test]
fn notices_show_what_is_due_and_statistics_count_handling_on_time_and_late() {
    let o = office();
    let staff = user_id(&o.app, "chuyen.vien");
    let today = o.app.clock.today();
    let assign = |subject: &str, days: i64| {
        let mut body = incoming(&o.ccop, subject);
        body["handling_deadline"] = json!((today + Duration::days(days)).to_string());
        let made = register(&o.app, &body);
        let path = format!("/api/v1/groupware/documents/{}/assignment", id(&made));
        let response = post_if_match(
            &o.app,
            &path,
            &json!(1),
            &json!({"assignees": [{"user_id": staff, "lead": true}]}),
        );
        assert_eq!(response.status(), 200);
        made
    };
    let due_today = assign("Hạn hôm nay", 0);
    let later = assign("Hạn tuần sau", 7);
    let (status, task) = json(o.app.post(
        "/api/v1/groupware/tasks",
        &json!({"organization_id": o.ccop["id"], "title": "Tổng hợp số liệu", "deadline": today.to_string(), "assignee_ids": [staff]}),
    ));
    assert_eq!(status, 201, "{task}");

    as_user(&o.app, &o.staff);
    let (status, notices) = json(o.app.get("/api/v1/groupware/notices"));
    assert_eq!(status, 200, "{notices}");
    assert_eq!(notices["documents"]["count"], 2);
    assert_eq!(notices["documents"]["due_today"], 1);
    assert_eq!(notices["documents"]["overdue"], 0);
    assert_eq!(
        notices["documents"]["items"][0]["id"], due_today["id"],
        "nearest deadline first"
    );
    assert_eq!(
        (
            notices["tasks"]["count"].as_i64(),
            notices["tasks"]["due_today"].as_i64()
        ),
        (Some(1), Some(1))
    );

    // two days on: the first is late; handling it late counts as late
    o.app.clock.advance(Duration::days(2));
    as_user(&o.app, &o.staff);
    let (_, notices) = json(o.app.get("/api/v1/groupware/notices"));
    assert_eq!(notices["documents"]["overdue"], 1);
    assert_eq!(notices["tasks"]["overdue"], 1);
    let late = format!("/api/v1/groupware/documents/{}/status", id(&due_today));
    assert_eq!(
        post_if_match(&o.app, &late, &json!(2), &json!({"status": "done"})).status(),
        200
    );
    let on_time = format!("/api/v1/groupware/documents/{}/status", id(&later));
    assert_eq!(
        post_if_match(&o.app, &on_time, &json!(2), &json!({"status": "done"})).status(),
        200
    );
    let (_, notices) = json(o.app.get("/api/v1/groupware/notices"));
    assert_eq!(notices["documents"]["count"], 0);

    as_user(&o.app, &o.clerk);
    let (status, stats) = json(o.app.get(&format!(
        "/api/v1/groupware/statistics?organization_id={}&from={}&until={}",
        id(&o.ccop),
        today,
        o.app.clock.today()
    )));
    assert_eq!(status, 200, "{stats}");
    let books = stats["documents"].as_array().unwrap();
    assert_eq!(books.len(), 1, "{stats}");
    assert_eq!(
        (
            books[0]["registered"].as_i64(),
            books[0]["done_on_time"].as_i64(),
            books[0]["done_late"].as_i64()
        ),
        (Some(2), Some(1), Some(1))
    );
    assert_eq!(stats["tasks"][0]["overdue"], 1);
}

#[test]
fn a_weekly_meeting_recurs_across_the_month_without_its_exception_and_exports_as_icalendar() {
    let o = office();
    let staff = user_id(&o.app, "chuyen.vien");
    let (status, event) = json(o.app.post(
        "/api/v1/groupware/events",
        &json!({
            "organization_id": o.ccop["id"],
            "title": "Giao ban đầu tuần, Văn phòng",
            "location": "Phòng họp 301",
            "starts_at": "2027-01-25T08:00:00+07:00",
            "ends_at": "2027-01-25T09:30:00+07:00",
            "recurrence": "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=4",
            "invitee_ids": [staff],
        }),
    ));
    assert_eq!(status, 201, "{event}");
    assert_eq!(event["recurrence"], "FREQ=WEEKLY;COUNT=4;BYDAY=MO");
    let path = format!("/api/v1/groupware/events/{}", id(&event));
    let bad = o.app.post(
        "/api/v1/groupware/events",
        &json!({
        "organization_id": o.ccop["id"], "title": "x", "starts_at": "2027-01-25T08:00:00+07:00",
        "ends_at": "2027-01-25T09:00:00+07:00", "recurrence": "FREQ=HOURLY"}),
    );
    assert_problem(bad, 422, "validation");

    let not_an_occurrence = post_if_match(
        &o.app,
        &format!("{path}/exceptions"),
        &json!(1),
        &json!({"date": "2027-02-02"}),
    );
    assert_problem(not_an_occurrence, 422, "validation");
    let (status, excepted) = json(post_if_match(
        &o.app,
        &format!("{path}/exceptions"),
        &json!(1),
        &json!({"date": "2027-02-01"}),
    ));
    assert_eq!(status, 200, "{excepted}");
    assert_eq!(excepted["exceptions"], json!(["2027-02-01"]));

    // the invitee sees the occurrences across the month boundary and answers
    as_user(&o.app, &o.staff);
    let window = "from=2027-01-20T00:00:00%2B07:00&until=2027-02-20T00:00:00%2B07:00";
    let (status, page) = json(o.app.get(&format!("/api/v1/groupware/events?{window}")));
    assert_eq!(status, 200, "{page}");
    let starts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["starts_at"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2027-01-25T01:00:00Z",
            "2027-02-08T01:00:00Z",
            "2027-02-15T01:00:00Z"
        ]
    );
    let (status, answered) = json(
        o.app
            .post(&format!("{path}/answer"), &json!({"answer": "accepted"})),
    );
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["invitees"][0]["answer"], "accepted");
    let staff_calendar = format!("/api/v1/groupware/calendars/{staff}.ics");
    let response = o.app.get(&staff_calendar);
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = response.text().unwrap();
    for line in [
        "BEGIN:VCALENDAR\r\n",
        "TZID:Asia/Ho_Chi_Minh\r\n",
        "DTSTART;TZID=Asia/Ho_Chi_Minh:20270125T080000\r\n",
        "RRULE:FREQ=WEEKLY;COUNT=4;BYDAY=MO\r\n",
        "EXDATE;TZID=Asia/Ho_Chi_Minh:20270201T080000\r\n",
        "SUMMARY:Giao ban đầu tuần\\, Văn phòng\r\n",
        "PARTSTAT=ACCEPTED",
    ] {
        assert!(ics.contains(line), "{line:?} in {ics}");
    }

    // someone neither in the unit nor invited sees none of it
    let other = o
        .app
        .account("nguoi.khac", Some("VU1"), &["groupware_user"]);
    as_user(&o.app, &other);
    assert_problem(o.app.get(&path), 404, "not-found");
    let (_, page) = json(o.app.get(&format!("/api/v1/groupware/events?{window}")));
    assert_eq!(page["items"], json!([]));
    let refused = o
        .app
        .post(&format!("{path}/answer"), &json!({"answer": "declined"}));
    assert_problem(refused, 404, "not-found");
}

#[test]
fn a_business_trip_is_approved_by_someone_other_than_its_travellers() {
    let o = office();
    let invitation = register(
        &o.app,
        &incoming(&o.ccop, "Giấy mời dự hội nghị tại Đà Nẵng"),
    );
    let clerk = user_id(&o.app, "van.thu");
    let staff = user_id(&o.app, "chuyen.vien");
    let starts = o.app.clock.today() + Duration::days(10);
    let (status, trip) = json(o.app.post(
        "/api/v1/groupware/trips",
        &json!({
            "organization_id": o.ccop["id"],
            "purpose": "Dự hội nghị tổng kết công tác tổ chức",
            "destination": "Đà Nẵng",
            "starts_on": starts.to_string(),
            "ends_on": (starts + Duration::days(2)).to_string(),
            "member_ids": [clerk, staff],
            "document_ids": [invitation["id"]],
        }),
    ));
    assert_eq!(status, 201, "{trip}");
    assert_eq!(trip["status"], "proposed");
    assert_eq!(trip["document_ids"], json!([invitation["id"]]));
    let path = format!("/api/v1/groupware/trips/{}/decision", id(&trip));
    let own = post_if_match(&o.app, &path, &json!(1), &json!({"approve": true}));
    assert_problem(own, 403, "forbidden");

    let head = o
        .app
        .account("chanh.van.phong", Some("CCOP"), &["groupware_user"]);
    as_user(&o.app, &head);
    let (status, approved) = json(post_if_match(
        &o.app,
        &path,
        &json!(1),
        &json!({"approve": true, "note": "Đồng ý"}),
    ));
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    let again = post_if_match(&o.app, &path, &json!(2), &json!({"approve": false}));
    assert_problem(again, 409, "trip-decided");

    // the traveller from another unit finds their trip
    as_user(&o.app, &o.staff);
    let (_, mine) = json(o.app.get(&format!(
        "/api/v1/groupware/trips?member_id={staff}&from={starts}"
    )));
    assert_eq!(mine["items"].as_array().unwrap().len(), 1);
}

/// Sets an account's display name, as an administrator would have typed it.
pub(crate) fn name(app: &TestApp, username: &str, display_name: &str) {
    diesel::update(odb::db::schema::users::table)
        .filter(odb::db::schema::users::username.eq(username))
        .set(odb::db::schema::users::display_name.eq(display_name))
        .execute(&mut app.db.connect())
        .unwrap();
}

fn people(app: &TestApp, query: &str) -> (Vec<String>, Value) {
    let (status, page) = json(app.get(&format!("/api/v1/groupware/people?{query}")));
    assert_eq!(status, 200, "{page}");
    let usernames = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["username"].as_str().unwrap().to_owned())
        .collect();
    (usernames, page["next_cursor"].clone())
}

#[test]
fn colleagues_are_found_by_name_without_diacritics_within_the_callers_units() {
    let o = office();
    let app = &o.app;
    app.use_token(Some(app.sign_in(&app.admin)));
    app.tree(&[("P01", "province", "ROOT")]);
    as_user(app, &o.clerk);
    app.account("tinh.p01", Some("P01"), &["groupware_user"]);
    app.account("da.nghi", Some("VU1"), &["groupware_user"]);
    diesel::update(odb::db::schema::users::table)
        .filter(odb::db::schema::users::username.eq("da.nghi"))
        .set(odb::db::schema::users::status.eq("disabled"))
        .execute(&mut app.db.connect())
        .unwrap();
    name(app, "van.thu", "Lê Thị Hoa");
    name(app, "chuyen.vien", "Nguyễn Văn Đoàn");
    name(app, "tinh.p01", "Nguyễn Văn Ngoài");
    name(app, "da.nghi", "Nguyễn Văn Nghỉ");

    assert_eq!(people(app, "q=doan").0, ["chuyen.vien"]);
    assert_eq!(
        people(app, "q=NGUY%E1%BB%84N").0,
        ["chuyen.vien"],
        "NGUYỄN: the province's and the disabled account are not listed"
    );
    assert_eq!(people(app, "q=thi%20hoa").0, ["van.thu"]);
    assert_eq!(people(app, "q=chuyen").0, ["chuyen.vien"]);
    assert!(people(app, "q=%25").0.is_empty(), "% is a literal");
    let (first, cursor) = people(app, "limit=1");
    assert_eq!(first, ["chuyen.vien"]);
    let (rest, end) = people(app, &format!("limit=1&cursor={}", cursor.as_str().unwrap()));
    assert_eq!((rest, end), (vec!["van.thu".to_owned()], Value::Null));
    let (_, page) = json(app.get("/api/v1/groupware/people?q=hoa"));
    assert_eq!(
        page["items"][0],
        json!({"id": user_id(app, "van.thu"), "username": "van.thu",
               "display_name": "Lê Thị Hoa", "home_organization_id": o.ccop["id"]})
    );

    let long = "a".repeat(101);
    let problem = assert_problem(
        app.get(&format!("/api/v1/groupware/people?q={long}")),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["q"]);
    let viewer = app.account("chi.xem", Some("CCOP"), &["personnel_viewer"]);
    as_user(app, &viewer);
    assert_problem(app.get("/api/v1/groupware/people"), 403, "forbidden");
}
