//! The read replica (decision 0033): searches, lists and statistics go to a
//! streaming standby under the caller's scope, a caller reads its own
//! changes at once, and a replica that lags past the bound is not read.
//! The replica here is a real standby of a test cluster (`helpers::replica`);
//! pausing its replay (`pg_wal_replay_pause`) makes it lag.

use std::sync::Mutex;
use std::time::Duration;

use diesel::{Connection, PgConnection, RunQueryDsl};
use serde_json::Value;

use crate::helpers::*;
use crate::officials::{create, profile};

/// The tests share one replica, and pausing it pauses it for all of them.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// Replay paused on the replica until this is dropped (a failed test too).
struct Paused(PgConnection);

impl Paused {
    fn replay(app: &TestApp) -> Paused {
        let mut replica = PgConnection::establish(&app.db.on_replica()).expect("the replica");
        diesel::sql_query("SELECT pg_wal_replay_pause()")
            .execute(&mut replica)
            .expect("pause replay");
        Paused(replica)
    }
}

impl Drop for Paused {
    fn drop(&mut self) {
        let _ = diesel::sql_query("SELECT pg_wal_replay_resume()").execute(&mut self.0);
    }
}

/// Two provinces with a profile each, and a viewer of the first.
fn provinces(app: &TestApp) -> (Value, String) {
    let t = app.tree(&[("HN", "province", "ROOT"), ("HUE", "province", "ROOT")]);
    create(app, &profile(id(&t["HN"]), "Nguyễn Văn An", "001080012345"));
    create(
        app,
        &profile(id(&t["HUE"]), "Nguyễn Văn Bình", "001080012346"),
    );
    let viewer = app.account("viewer.hn", Some("HN"), &["personnel_viewer"]);
    (t["HN"].clone(), app.sign_in(&viewer))
}

/// Waits until the replica has replayed everything so far, and the service
/// has seen that it did (it looks every 50 ms).
fn settled(app: &TestApp) {
    app.db.replica_caught_up();
    std::thread::sleep(Duration::from_millis(300));
}

fn names(app: &TestApp, token: &str) -> Vec<String> {
    app.use_token(Some(token.to_owned()));
    let (status, page) = json(app.get("/api/v1/officials?q=nguyen"));
    assert_eq!(status, 200, "{page}");
    let mut names: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["full_name"].as_str().unwrap().to_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn the_replica_answers_searches_in_scope_and_a_writer_reads_its_own_change() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let app = TestApp::with_replica(Duration::from_secs(3600));
    let admin = app.sign_in(&app.admin);
    let (hanoi, viewer) = provinces(&app);
    settled(&app);
    assert_eq!(
        names(&app, &viewer),
        ["Nguyễn Văn An"],
        "the viewer's scope only"
    );

    let paused = Paused::replay(&app);
    app.use_token(Some(admin.clone()));
    create(
        &app,
        &profile(id(&hanoi), "Nguyễn Văn Cường", "001080012347"),
    );
    assert_eq!(
        names(&app, &admin),
        ["Nguyễn Văn An", "Nguyễn Văn Bình", "Nguyễn Văn Cường"],
        "the writer reads its change at once, from the primary"
    );
    assert_eq!(
        names(&app, &viewer),
        ["Nguyễn Văn An"],
        "another caller reads the replica, which has not replayed it yet"
    );
    let (status, units) = json(app.get("/api/v1/organizations"));
    assert_eq!(status, 200, "{units}");
    assert_eq!(units["items"].as_array().unwrap().len(), 1, "{units}");

    drop(paused);
    settled(&app);
    assert_eq!(
        names(&app, &viewer),
        ["Nguyễn Văn An", "Nguyễn Văn Cường"],
        "replayed, and still in scope"
    );
}

#[test]
fn a_replica_lagging_past_the_bound_is_not_read() {
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let app = TestApp::with_replica(Duration::from_millis(300));
    let (hanoi, viewer) = provinces(&app);
    settled(&app);
    assert_eq!(names(&app, &viewer), ["Nguyễn Văn An"]);

    let _paused = Paused::replay(&app);
    // written by an operator's command: nobody's own change to wait for
    app.as_operator(|ctx| {
        let body: odb::officials::model::ProfileData =
            serde_json::from_value(profile(id(&hanoi), "Nguyễn Văn Cường", "001080012347"))
                .unwrap();
        odb::officials::service::create(ctx, body)
    });
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(
        names(&app, &viewer),
        ["Nguyễn Văn An", "Nguyễn Văn Cường"],
        "read from the primary"
    );
}
