//! The test harness: one private PostgreSQL cluster per test run, a database
//! per test cloned from a migrated template, and the real server on port 0.

use std::net::TcpListener;
use std::sync::OnceLock;

use diesel::{Connection, PgConnection, RunQueryDsl};
use odb::clock::Clock;
use odb::db::launcher::{ClusterOptions, LocalPostgres};
use reqwest::blocking::{Client, RequestBuilder, Response};
use serde_json::Value;

const TEMPLATE: &str = "odb_template";
const TEST_DB_PREFIX: &str = "odb_test_";

struct Cluster {
    /// Never dropped: the cluster outlives the tests and is reused next run.
    postgres: LocalPostgres,
}

fn cluster() -> &'static Cluster {
    static CLUSTER: OnceLock<Cluster> = OnceLock::new();
    CLUSTER.get_or_init(|| {
        let data_dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("test-pg");
        let postgres = LocalPostgres::start(&ClusterOptions {
            data_dir,
            ephemeral: true,
        })
        .unwrap_or_else(|e| panic!("cannot start the test PostgreSQL cluster: {e}"));
        prepare_template(&postgres);
        Cluster { postgres }
    })
}

fn admin(postgres: &LocalPostgres) -> PgConnection {
    PgConnection::establish(&postgres.url("postgres")).expect("connect to the test cluster")
}

/// Drops what earlier runs left and migrates a fresh template.
fn prepare_template(postgres: &LocalPostgres) {
    let mut conn = admin(postgres);
    #[derive(diesel::QueryableByName)]
    struct Name {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let stale: Vec<Name> = diesel::sql_query(format!(
        "SELECT datname FROM pg_database WHERE datname LIKE '{TEST_DB_PREFIX}%' OR datname = '{TEMPLATE}'"
    ))
    .load(&mut conn)
    .expect("list databases");
    for db in stale {
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            db.datname
        ))
        .execute(&mut conn)
        .expect("drop stale database");
    }
    diesel::sql_query(format!("CREATE DATABASE {TEMPLATE}"))
        .execute(&mut conn)
        .expect("create template");
    odb::db::run_migrations(&postgres.url(TEMPLATE)).expect("migrate template");
}

/// A fresh, migrated database of its own for one test.
pub struct TestDatabase {
    pub url: String,
}

impl TestDatabase {
    pub fn new() -> Self {
        let cluster = cluster();
        let name = format!("{TEST_DB_PREFIX}{}", uuid::Uuid::new_v4().simple());
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"
        ))
        .execute(&mut admin(&cluster.postgres))
        .expect("clone template");
        TestDatabase {
            url: cluster.postgres.url(&name),
        }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to test database")
    }
}

pub struct TestApp {
    pub base: String,
    pub db: TestDatabase,
    pub clock: Clock,
    client: Client,
    handle: actix_web::dev::ServerHandle,
}

impl TestApp {
    pub fn spawn() -> Self {
        let db = TestDatabase::new();
        let pool = odb::db::build_pool(&db.url, 3).expect("pool");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let port = listener.local_addr().expect("local addr").port();
        let clock = Clock::default();
        let server_clock = clock.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = odb::startup::Application::build(listener, pool, server_clock, Some(1))
                    .expect("build app");
                tx.send(app.handle()).expect("send handle");
                app.run_until_stopped().await
            })
        });
        let handle = rx.recv().expect("server started");
        TestApp {
            base: format!("http://127.0.0.1:{port}"),
            db,
            clock,
            client: Client::new(),
            handle,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().expect("GET")
    }

    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.client
            .post(self.url(path))
            .json(body)
            .send()
            .expect("POST")
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> RequestBuilder {
        self.client.request(method, self.url(path))
    }

    pub fn patch(&self, path: &str, version: i64, body: &Value) -> Response {
        self.client
            .patch(self.url(path))
            .header("If-Match", format!("\"{version}\""))
            .json(body)
            .send()
            .expect("PATCH")
    }

    /// Creates an organization and returns its JSON.
    pub fn create_org(&self, body: Value) -> Value {
        let response = self.post("/api/v1/organizations", &body);
        let status = response.status();
        let json: Value = response.json().expect("json");
        assert_eq!(status, 201, "create failed: {json}");
        json
    }

    /// The root and, under it, the given (code, level, parent code) units.
    pub fn tree(&self, units: &[(&str, &str, &str)]) -> std::collections::HashMap<String, Value> {
        let mut made = std::collections::HashMap::new();
        let root = self.create_org(org("ROOT", "Hệ thống chính trị", "central", None));
        made.insert("ROOT".to_owned(), root);
        for (code, level, parent) in units {
            let parent_id = made[*parent]["id"].as_str().map(str::to_owned);
            let json = self.create_org(org(
                code,
                &format!("Đơn vị {code}"),
                level,
                parent_id.as_deref(),
            ));
            made.insert((*code).to_owned(), json);
        }
        made
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ =
            std::thread::spawn(move || actix_web::rt::System::new().block_on(handle.stop(false)))
                .join();
    }
}

pub fn org(code: &str, name: &str, level: &str, parent: Option<&str>) -> Value {
    serde_json::json!({
        "code": code,
        "name": name,
        "level": level,
        "type": "administrative_unit",
        "group": 2,
        "parent_id": parent,
        "established_on": "2000-01-01",
    })
}

pub fn json(response: Response) -> (u16, Value) {
    let status = response.status().as_u16();
    (status, response.json().unwrap_or(Value::Null))
}

/// Asserts an RFC 9457 problem with the given status and type code.
pub fn assert_problem(response: Response, status: u16, code: &str) -> Value {
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let (actual, body) = json(response);
    assert_eq!(actual, status, "unexpected status; body: {body}");
    assert_eq!(content_type, "application/problem+json", "body: {body}");
    assert_eq!(
        body["type"],
        format!("https://odb.gov.vn/problems/{code}"),
        "body: {body}"
    );
    assert_eq!(body["status"], status);
    assert!(
        body["title"].is_string() && body["detail"].is_string(),
        "body: {body}"
    );
    body
}

pub fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .filter_map(|e| e["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

pub fn id(value: &Value) -> &str {
    value["id"].as_str().expect("id")
}
