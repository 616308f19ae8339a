//! The demo's CCOP department as its staff see it through the API: a month
//! of correspondence numbered without gaps, with party and state symbols,
//! marks, a reply, work done and overdue; tasks with progress; rooms booked
//! without overlap; the unit's calendar.

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use serde_json::Value;

use crate::helpers::*;

/// The demo tree with the groupware month loaded as `odb demo` loads it;
/// the staff accounts by username.
fn demo_office() -> (TestApp, BTreeMap<String, Account>) {
    let app = TestApp::with_demo();
    let mut conn = app.db.connect();
    let made = odb::context::Ctx::as_operator(
        &mut conn,
        &app.keyring,
        app.clock.now(),
        "odb demo",
        odb::fixtures::groupware_demo::load,
    )
    .unwrap();
    let accounts = made
        .into_iter()
        .map(|b| {
            let account = Account {
                username: b.username.clone(),
                password: b.password,
                totp_secret: b.totp_secret,
            };
            (b.username, account)
        })
        .collect();
    (app, accounts)
}

fn items(app: &TestApp, path: &str) -> Vec<Value> {
    let (status, body) = json(app.get(path));
    assert_eq!(status, 200, "{path}: {body}");
    assert!(body["next_cursor"].is_null(), "one page: {body}");
    body["items"].as_array().unwrap().clone()
}

fn list(app: &TestApp, path: &str) -> Vec<Value> {
    let (status, body) = json(app.get(path));
    assert_eq!(status, 200, "{path}: {body}");
    body.as_array()
        .or_else(|| body["items"].as_array())
        .unwrap()
        .clone()
}

fn rfc3339(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[test]
fn the_demo_gives_ccop_staff_a_month_of_numbered_correspondence() {
    let (app, staff) = demo_office();
    assert_eq!(staff.len(), 3);
    app.use_token(Some(app.sign_in(&staff["ccop.vanthu"])));
    let documents = items(&app, "/api/v1/groupware/documents?limit=500");
    assert!(documents.len() >= 15, "a month's mail: {}", documents.len());
    let mut books: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for d in &documents {
        let book = format!(
            "{} {} {} {}",
            d["organization_id"], d["direction"], d["register"], d["year"]
        );
        let number = d["registration_number"].as_i64().unwrap();
        books.entry(book).or_default().push(number);
    }
    for (book, mut numbers) in books.clone() {
        numbers.sort();
        let expected: Vec<i64> = (1..=numbers.len() as i64).collect();
        assert_eq!(numbers, expected, "gapless, from 1: {book}");
    }
    assert!(books.keys().any(|b| b.contains("\"secret\"")), "{books:?}");
    let symbols: Vec<&str> = documents
        .iter()
        .filter_map(|d| d["number_symbol"].as_str())
        .collect();
    for written in ["1820-TB/VPTW", "4512/BNV-TCBC", "1873/QĐ-TTg", "52-CT/TW"] {
        assert!(symbols.contains(&written), "{written} in {symbols:?}");
    }
    assert!(
        symbols.iter().any(|s| s.ends_with("-CV/BTCTW")),
        "an outgoing party công văn: {symbols:?}"
    );
    let with = |field: &str, value: &str| documents.iter().filter(|d| d[field] == value).count();
    assert!(with("status", "done") >= 3 && with("status", "in_progress") >= 2);
    assert!(with("urgency", "flash") >= 1 && with("secrecy", "secret") >= 1);
    let overdue = items(&app, "/api/v1/groupware/documents?overdue=true");
    assert!(!overdue.is_empty(), "some handling is late");
    for d in &overdue {
        assert_ne!(d["status"], "done");
        assert_eq!(d["overdue"], true, "{d}");
    }
    let reply = documents
        .iter()
        .find(|d| !d["reply_to_id"].is_null())
        .expect("a reply");
    let answered = documents
        .iter()
        .find(|d| d["id"] == reply["reply_to_id"])
        .expect("the letter it answers");
    assert_eq!(
        (&reply["direction"], &answered["direction"]),
        (&Value::from("outgoing"), &Value::from("incoming"))
    );

    app.use_token(Some(app.sign_in(&staff["ccop.chuyenvien"])));
    let seen = items(&app, "/api/v1/groupware/documents?limit=500");
    assert!(
        seen.iter().all(|d| d["register"] == "ordinary"),
        "not cleared"
    );
    assert!(seen.len() < documents.len());
}

#[test]
fn the_demo_gives_ccop_staff_tasks_rooms_and_meetings() {
    let (app, staff) = demo_office();
    app.use_token(Some(app.sign_in(&staff["ccop.chuyenvien"])));
    let tasks = items(&app, "/api/v1/groupware/tasks?limit=500");
    assert!(tasks.len() >= 5, "{tasks:?}");
    assert!(tasks.iter().any(|t| t["status"] == "done"));
    assert!(tasks.iter().any(|t| !t["document_id"].is_null()));
    let partly = tasks
        .iter()
        .find(|t| t["progress"].as_i64().is_some_and(|p| p > 0 && p < 100))
        .expect("work in progress");
    let reports = list(
        &app,
        &format!(
            "/api/v1/groupware/tasks/{}/reports",
            partly["id"].as_str().unwrap()
        ),
    );
    assert!(!reports.is_empty());
    assert!(!items(&app, "/api/v1/groupware/tasks?overdue=true").is_empty());

    let rooms = list(&app, "/api/v1/groupware/rooms");
    assert_eq!(rooms.len(), 3, "{rooms:?}");
    let now = app.clock.now();
    let (from, until) = (now - Duration::days(31), now + Duration::days(20));
    let window = format!("from={}&until={}", rfc3339(from), rfc3339(until));
    let bookings = list(&app, &format!("/api/v1/groupware/bookings?{window}"));
    assert!(bookings.len() >= 7, "{bookings:?}");
    let mut by_room: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
    for b in &bookings {
        let span = (
            b["starts_at"].as_str().unwrap().to_owned(),
            b["ends_at"].as_str().unwrap().to_owned(),
        );
        by_room
            .entry(b["room_id"].to_string())
            .or_default()
            .push(span);
    }
    for spans in by_room.values_mut() {
        spans.sort();
        for pair in spans.windows(2) {
            let end: DateTime<Utc> = pair[0].1.parse().unwrap();
            let next: DateTime<Utc> = pair[1].0.parse().unwrap();
            assert!(end <= next, "no overlap: {pair:?}");
        }
    }
    let events = list(&app, &format!("/api/v1/groupware/events?{window}"));
    assert!(
        events.len() >= 6,
        "the weekly briefing and the meetings: {events:?}"
    );
}
