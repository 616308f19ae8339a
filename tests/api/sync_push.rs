//! `odb sync push`, the reference sender, against the real server: the
//! example batch of fixtures/sync/ on the demo data, and a server killed in
//! the middle of a batch (SIGKILL) and restarted while the sender retries.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use serde_json::json;
use uuid::Uuid;

use crate::helpers::*;
use crate::keys::odb_command;

/// The binary under test: `ODB_TEST_BIN` when set (engineers building
/// several branches into one shared target directory copy theirs aside),
/// else the one cargo built with these tests.
fn odb() -> Command {
    let built = std::ffi::OsString::from(env!("CARGO_BIN_EXE_odb"));
    Command::new(std::env::var_os("ODB_TEST_BIN").unwrap_or(built))
}

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/fixtures/sync/moha-events.jsonl"
);

fn count(app: &TestApp, sql: &str) -> i64 {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<N>(&mut app.db.connect())
        .unwrap()
        .n
}

/// A client over `org`'s subtree and a file holding its secret.
fn client(app: &TestApp, org: &str) -> (String, PathBuf) {
    let input = odb::sync::clients::NewClient {
        name: "moha".into(),
        org_code: org.into(),
        xroad_client: None,
    };
    let issued = app.as_operator(|ctx| odb::sync::clients::create(ctx, input));
    let file = std::env::temp_dir().join(format!("odb-sync-secret-{}", Uuid::new_v4().simple()));
    std::fs::write(&file, format!("{}\n", issued.secret)).unwrap();
    (issued.id.to_string(), file)
}

fn push(base: &str, (client, secret): (&str, &Path), events: &Path) -> Command {
    let mut command = odb();
    command
        .args(["sync", "push", "--url", base, "--client", client])
        .arg("--secret-file")
        .arg(secret)
        .arg(events)
        .env("ODB_LOG", "error");
    command
}

/// Each printed line: sequence, event id, outcome, and why when rejected.
fn lines(output: &Output) -> Vec<Vec<String>> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

#[test]
fn the_example_batch_applies_on_the_demo_and_a_second_push_is_all_duplicates() {
    let app = TestApp::with_demo();
    let profiles = odb::fixtures::officials::DEMO_PROFILES;
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        profiles,
        odb::fixtures::officials::DEMO_SEED,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let (id, secret) = client(&app, "VN");
    let first = lines(
        &push(&app.base, (&id, &secret), Path::new(FIXTURE))
            .output()
            .unwrap(),
    );
    let outcomes: Vec<&str> = first.iter().map(|l| l[2].as_str()).collect();
    assert_eq!(
        outcomes,
        [
            "applied", "applied", "applied", "applied", "applied", "applied", "stale", "rejected",
            "rejected", "rejected", "applied", "applied", "applied", "applied", "rejected"
        ],
        "{first:?}"
    );
    assert_eq!(first[0][0], "4101", "the event's sequence first");
    assert!(first[7][3].contains("send its official.upserted first"));
    assert!(first[8][3].contains("only group 2"));
    assert!(first[9][3].contains("birth_date: must make a working age"));
    assert!(first[14][3].contains("makes a group 1 organization"));
    // two of the demo's people linked (not doubled), one person created
    let demo = i64::try_from(profiles).unwrap();
    assert_eq!(count(&app, "SELECT count(*) AS n FROM officials"), demo + 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(DISTINCT official_id) AS n FROM sync_entities WHERE version > 0"
        ),
        3
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM officials WHERE status <> 'active'"
        ),
        1,
        "the retirement"
    );
    // two units created, one updated, then the other merged into it
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM organizations \
             WHERE code = 'BNV-VTCCB' AND status = 'active' AND phone = '02437824456'"
        ),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) AS n FROM organizations WHERE code = 'BNV-VCCVC' AND status = 'merged'"
        ),
        1
    );

    let second = lines(
        &push(&app.base, (&id, &secret), Path::new(FIXTURE))
            .output()
            .unwrap(),
    );
    assert_eq!(second.len(), first.len());
    assert!(second.iter().all(|l| l[2] == "duplicate"), "{second:?}");
    assert_eq!(count(&app, "SELECT count(*) AS n FROM sync_events"), 15);
    std::fs::remove_file(secret).ok();
}

/// `odb serve` on `url` at `port`, in a process of its own.
fn serve(app: &TestApp, port: u16, data_dir: &Path) -> Child {
    let template = odb_command(&app.db.url, (&app.master_key, None), &["serve"]);
    let mut command = odb();
    command.args(template.get_args());
    for (key, value) in template.get_envs() {
        match value {
            Some(value) => command.env(key, value),
            None => command.env_remove(key),
        };
    }
    let mut child = command
        .env("ODB_BIND", format!("127.0.0.1:{port}"))
        .env("ODB_DATA_DIR", data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let ready = format!("http://127.0.0.1:{port}/readyz");
    let http = reqwest::blocking::Client::new();
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(60) {
        if http.get(&ready).send().is_ok_and(|r| r.status() == 200) {
            return child;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.kill().ok();
    child.wait().ok();
    panic!("odb serve did not become ready");
}

/// `n` new people, MOHA's ids `CRASH-<k>`, in organization `org`.
fn people(n: usize, org: &str) -> PathBuf {
    let file = std::env::temp_dir().join(format!("odb-sync-crash-{}.jsonl", Uuid::new_v4()));
    let mut text = String::new();
    for k in 0..n {
        let code = format!("079{:09}", 500_000 + k);
        let event = json!({
            "event_id": Uuid::new_v4(),
            "sequence": k + 1,
            "occurred_at": "2026-11-28T08:00:00Z",
            "type": "official.upserted",
            "entity": {"moha_id": format!("CRASH-{k}"), "personal_identification_code": code},
            "version": 1,
            "data": {
                "classification": "civil_servant", "managing_organization_code": org,
                "using_organization_code": org, "full_name": format!("Nguyễn Văn Bền {k}"),
                "sex": "male", "birth_date": "1980-05-17", "personal_identification_code": code,
            },
        });
        text.push_str(&event.to_string());
        text.push('\n');
    }
    std::fs::write(&file, text).unwrap();
    file
}

/// Waits until the server holds a batch's transaction open after `done`
/// events were stored: the moment to kill it.
fn in_the_middle_of_a_batch(app: &TestApp, done: i64) {
    let began = Instant::now();
    while began.elapsed() < Duration::from_secs(300) {
        let stored = count(app, "SELECT count(*) AS n FROM sync_events");
        let open = count(
            app,
            "SELECT count(*) AS n FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid() \
             AND backend_type = 'client backend' AND xact_start IS NOT NULL",
        );
        if stored >= done && open > 0 {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("no batch in flight after {done} events");
}

#[test]
fn a_server_killed_in_the_middle_of_a_batch_applies_every_event_exactly_once_after_the_sender_retries(
) {
    let app = TestApp::spawn();
    let root = id(&app.root).to_owned();
    app.create_org(org("BNV", "Bộ Nội vụ", "central", Some(&root)));
    let (client, secret) = client(&app, "ROOT");
    let events = people(1200, "BNV");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data_dir = std::env::temp_dir().join(format!("odb-sync-crash-{}", Uuid::new_v4().simple()));
    let mut server = serve(&app, port, &data_dir);
    let base = format!("http://127.0.0.1:{port}");
    let said = events.with_extension("stderr");
    let mut sender = push(&base, (&client, &secret), &events)
        .args(["--batch", "400", "--tries", "12"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&said).unwrap())
        .spawn()
        .unwrap();
    // read as it comes, so a full pipe never stalls the sender
    let stdout = sender.stdout.take().unwrap();
    let printed = std::thread::spawn(move || {
        BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
            .map(|l| l.split('\t').map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    });

    // the first batch stored, the second in flight: kill -9
    in_the_middle_of_a_batch(&app, 400);
    server.kill().unwrap();
    server.wait().unwrap();
    let stored_at_the_kill = count(&app, "SELECT count(*) AS n FROM sync_events");
    assert!(stored_at_the_kill < 1200, "killed before the end");
    let mut restarted = serve(&app, port, &data_dir);

    let status = sender.wait().unwrap();
    let printed = printed.join().unwrap();
    restarted.kill().unwrap();
    restarted.wait().unwrap();
    let said = std::fs::read_to_string(&said).unwrap();
    assert!(status.success(), "{said}");
    assert!(
        said.contains("sending the batch again"),
        "the sender saw the server go: {said}"
    );
    assert_eq!(printed.len(), 1200);
    assert!(
        printed
            .iter()
            .all(|l| l[2] == "applied" || l[2] == "duplicate"),
        "{printed:?}"
    );

    // every event once: stored, applied, a profile each, one audit entry each
    let once = |sql: &str| assert_eq!(count(&app, sql), 1200, "{sql}");
    once("SELECT count(*) AS n FROM sync_events WHERE outcome = 'applied'");
    once("SELECT count(DISTINCT entity_key) AS n FROM sync_events");
    once("SELECT count(*) AS n FROM officials");
    once("SELECT count(DISTINCT official_id) AS n FROM sync_entities WHERE version = 1");
    once(
        "SELECT count(*) AS n FROM audit_log \
         WHERE action = 'official.create' AND actor = 'sync-client:moha'",
    );
    assert_eq!(
        count(
            &app,
            "SELECT coalesce(sum((details->>'applied')::bigint), 0)::bigint AS n \
             FROM audit_log WHERE action = 'sync.receive'"
        ),
        1200,
        "the batches' own entries count each event once"
    );
    std::fs::remove_file(&events).ok();
    std::fs::remove_file(events.with_extension("stderr")).ok();
    std::fs::remove_file(secret).ok();
    std::fs::remove_dir_all(data_dir).ok();
}
