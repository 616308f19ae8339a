//! The request path: what a request does when PostgreSQL has closed the
//! pooled connection it is handed (nothing tests a connection when it is
//! taken from the pool).

use diesel::RunQueryDsl;

use crate::helpers::*;

/// Ends every session the server holds on this test's database, as a
/// restart of PostgreSQL or an administrator would; returns how many.
fn close_the_servers_connections(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Ended {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        count: i64,
    }
    diesel::sql_query(
        "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) AS count \
         FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    )
    .get_result::<Ended>(&mut app.db.connect())
    .unwrap()
    .count
}

/// `requests` reads at once, so that every connection of the pool (three
/// in tests) is handed out; their statuses.
fn read_at_once(app: &TestApp, path: &str, requests: usize) -> Vec<u16> {
    std::thread::scope(|threads| {
        let reads: Vec<_> = (0..requests)
            .map(|_| threads.spawn(|| app.get(path).status().as_u16()))
            .collect();
        reads.into_iter().map(|r| r.join().unwrap()).collect()
    })
}

#[test]
fn connections_the_database_closed_are_replaced_and_every_request_answered() {
    let app = TestApp::spawn();
    let root = format!("/api/v1/organizations/{}", id(&app.root));
    assert_eq!(read_at_once(&app, &root, 6), [200; 6]);
    assert_eq!(close_the_servers_connections(&app), 3, "the pool's three");
    assert_eq!(read_at_once(&app, &root, 6), [200; 6]);
    // a sign-in (no caller yet) and changes with a body, on closed ones too
    assert_eq!(close_the_servers_connections(&app), 3);
    let auditor = app.account("auditor.one", None, &["auditor"]);
    app.sign_in(&auditor);
    app.create_org(org("A", "Tỉnh A", "province", Some(id(&app.root))));
    // (those requests came one after another, on one or two of the three)
    assert!(close_the_servers_connections(&app) > 0);
    app.create_org(org("B", "Tỉnh B", "province", Some(id(&app.root))));
    let (status, entries) = json(app.get("/api/v1/audit?action=organization.create"));
    assert_eq!(status, 200, "{entries}");
    let by_admin = entries["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|entry| entry["actor"] == "admin")
        .count();
    assert_eq!(by_admin, 2, "each change recorded once: {entries}");
}
