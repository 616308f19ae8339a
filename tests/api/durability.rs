//! No false success (docs/decisions/0028): a change whose wait for the
//! synchronous standby is cancelled is committed on the primary only, and
//! PostgreSQL says so with nothing but a WARNING. The API must answer 503
//! `durability-unknown` and audit it, never 2xx. The standby these tests'
//! cluster names never connects, so every waiting commit waits until
//! cancelled.

use diesel::sql_types::{Bool, Integer, Jsonb, Text};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use serde_json::Value;

use crate::helpers::{assert_problem, json, org, Response, TestApp, TestDatabase, ABSENT_STANDBY};

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Pid {
    #[diesel(sql_type = Integer)]
    pid: i32,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

#[derive(QueryableByName)]
struct Entry {
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = Jsonb)]
    details: Value,
}

/// Makes the service's sessions wait for the standby from now on: set on
/// the database, then the pool's sessions ended, so the reconnected ones
/// take it.
fn wait_for_standby(app: &TestApp) {
    let mut owner = app.db.connect();
    let name: Name = diesel::sql_query("SELECT current_database()::text AS name")
        .get_result(&mut owner)
        .unwrap();
    diesel::sql_query(format!(
        "ALTER DATABASE {} SET synchronous_commit = on",
        name.name
    ))
    .execute(&mut owner)
    .unwrap();
    diesel::sql_query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .execute(&mut owner)
    .unwrap();
}

/// Creates the unit `code` through the API while, in PostgreSQL, its commit
/// waiting for the standby is ended by `end` (`pg_cancel_backend` or
/// `pg_terminate_backend`), as an operator, a pooler's timeout or a fast
/// shutdown would.
fn create_while_ending_the_wait(app: &TestApp, code: &str, end: &str) -> Response {
    wait_for_standby(app);
    let root = app.root["id"].as_str().unwrap().to_owned();
    let mut owner = app.db.connect();
    std::thread::scope(|s| {
        let write = s.spawn(|| {
            app.post(
                "/api/v1/organizations",
                &org(code, &format!("Đơn vị {code}"), "province", Some(&root)),
            )
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let waiting = loop {
            let found: Vec<Pid> = diesel::sql_query(
                "SELECT pid FROM pg_stat_activity
                  WHERE datname = current_database() AND wait_event = 'SyncRep'",
            )
            .load(&mut owner)
            .unwrap();
            if let Some(pid) = found.first() {
                break pid.pid;
            }
            assert!(std::time::Instant::now() < deadline, "no commit waited");
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        diesel::sql_query(format!("SELECT {end}($1)"))
            .bind::<Integer, _>(waiting)
            .execute(&mut owner)
            .unwrap();
        write.join().unwrap()
    })
}

fn unconfirmed_entries(owner: &mut PgConnection) -> Vec<Entry> {
    diesel::sql_query(
        "SELECT outcome, details FROM audit_log WHERE action = 'commit.unconfirmed' ORDER BY id",
    )
    .load(owner)
    .unwrap()
}

/// The change is there on the primary, and the audit log names it.
fn assert_kept_and_audited(app: &TestApp, code: &str) {
    let (status, unit) = json(app.get(&format!("/api/v1/organizations/by-code/{code}")));
    assert_eq!(status, 200, "committed locally: {unit}");
    let entries = unconfirmed_entries(&mut app.db.connect());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].outcome, "failure");
    assert_eq!(
        entries[0].details["unconfirmed"][0]["action"],
        "organization.create"
    );
    assert_eq!(
        entries[0].details["unconfirmed"][0]["entity_id"],
        unit["id"]
    );
}

#[test]
fn a_commit_whose_standby_wait_is_cancelled_answers_503_and_is_audited() {
    let app = TestApp::on(TestDatabase::awaiting_standby());
    let response = create_while_ending_the_wait(&app, "T1", "pg_cancel_backend");
    let problem = assert_problem(response, 503, "durability-unknown");
    assert!(
        problem["detail"].as_str().unwrap().contains("standby"),
        "{problem}"
    );
    assert_kept_and_audited(&app, "T1");
}

#[test]
fn a_commit_whose_connection_ends_while_waiting_answers_503_and_is_audited() {
    let app = TestApp::on(TestDatabase::awaiting_standby());
    let response = create_while_ending_the_wait(&app, "T2", "pg_terminate_backend");
    assert_problem(response, 503, "durability-unknown");
    assert_kept_and_audited(&app, "T2");
}

#[test]
fn the_confirmation_asks_the_standbys_only_when_the_session_waits_for_them() {
    let db = TestDatabase::awaiting_standby();
    let mut conn = db.connect();
    let names: Name =
        diesel::sql_query("SELECT current_setting('synchronous_standby_names') AS name")
            .get_result(&mut conn)
            .unwrap();
    assert_eq!(names.name, ABSENT_STANDBY);
    let ask = |conn: &mut PgConnection| -> bool {
        diesel::sql_query("SELECT odb_commit_replicated(50) AS flag")
            .get_result::<Flag>(conn)
            .unwrap()
            .flag
    };
    // the test clusters commit with synchronous_commit = off: nothing to confirm
    assert!(ask(&mut conn));
    diesel::sql_query("SET synchronous_commit = on")
        .execute(&mut conn)
        .unwrap();
    assert!(!ask(&mut conn), "no standby is connected");
    diesel::sql_query("SET synchronous_commit = local")
        .execute(&mut conn)
        .unwrap();
    assert!(ask(&mut conn));
}

/// Takes the confirmation away from the service's role: a change that
/// asks for it can no longer be confirmed.
fn forbid_confirmation(app: &TestApp) {
    diesel::sql_query("REVOKE EXECUTE ON FUNCTION odb_commit_replicated(integer) FROM odb_app")
        .execute(&mut app.db.connect())
        .expect("revoke");
}

#[test]
fn a_change_is_confirmed_only_when_a_standby_is_named() {
    let unnamed = TestApp::spawn();
    forbid_confirmation(&unnamed);
    let root = unnamed.root["id"].as_str().unwrap().to_owned();
    let (status, made) = json(unnamed.post(
        "/api/v1/organizations",
        &org("HN", "Hà Nội", "province", Some(&root)),
    ));
    assert_eq!(status, 201, "no standby named, nothing asked: {made}");

    let named = TestApp::on(TestDatabase::awaiting_standby());
    forbid_confirmation(&named);
    let root = named.root["id"].as_str().unwrap().to_owned();
    let response = named.post(
        "/api/v1/organizations",
        &org("HN", "Hà Nội", "province", Some(&root)),
    );
    assert_problem(response, 503, "durability-unknown");
}
