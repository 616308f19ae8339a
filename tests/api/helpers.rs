//! The test harness: one private PostgreSQL cluster per test run, a database
//! per test cloned from a migrated template, and the real server on port 0.

use std::net::TcpListener;
use std::sync::OnceLock;

use diesel::{Connection, PgConnection, RunQueryDsl};
use odb::clock::Clock;
use odb::context::Ctx;
use odb::db::launcher::{ClusterOptions, LocalPostgres};
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::Value;

use crate::openapi::{spec, Exchange};

const TEMPLATE: &str = "odb_template";
const TEST_DB_PREFIX: &str = "odb_test_";

struct Cluster {
    /// Stopped when the test binary exits (see `stop_at_exit`); its data
    /// directory stays, so the next run starts it again in a fraction of a
    /// second without `initdb`.
    postgres: std::sync::Mutex<LocalPostgres>,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
/// A second cluster, whose commits wait for a synchronous standby that never
/// connects (`synchronous_standby_names`, which only a whole cluster can
/// set): the durability tests' (tests/api/durability.rs). Its sessions do
/// not wait unless their database turns `synchronous_commit` on.
static STANDBY_CLUSTER: OnceLock<Cluster> = OnceLock::new();

/// A third cluster, with a streaming standby of its own (`REPLICA`): the
/// read-replica tests' (tests/api/replicas.rs).
static REPLICATED_CLUSTER: OnceLock<Cluster> = OnceLock::new();
static REPLICA: OnceLock<Cluster> = OnceLock::new();
/// The replica's replication slot on the third cluster: it keeps the WAL
/// the replica has not received, between runs too.
const REPLICA_SLOT: &str = "odb_test_replica";

/// Names the standby the second cluster's synchronous commits wait for.
pub const ABSENT_STANDBY: &str = "odb_absent_standby";

/// The test harness never drops statics, so the cluster is stopped by a
/// C `atexit` hook instead. A cluster this run found running (another run's,
/// or one left by a killed run) is not this run's to stop.
fn stop_at_exit() {
    extern "C" fn stop() {
        let clusters = [
            CLUSTER.get(),
            STANDBY_CLUSTER.get(),
            REPLICA.get(),
            REPLICATED_CLUSTER.get(),
        ];
        for cluster in clusters.into_iter().flatten() {
            if let Ok(mut postgres) = cluster.postgres.lock() {
                let _ = postgres.stop();
            }
        }
    }
    extern "C" {
        fn atexit(callback: extern "C" fn()) -> std::ffi::c_int;
    }
    // SAFETY: registers a function that takes and returns nothing, as atexit expects.
    unsafe {
        atexit(stop);
    }
}

fn cluster() -> &'static Cluster {
    CLUSTER.get_or_init(|| start_cluster("test-pg", |_| {}))
}

fn standby_cluster() -> &'static Cluster {
    STANDBY_CLUSTER.get_or_init(|| {
        start_cluster("test-pg-standby", |postgres| {
            let mut conn = admin(postgres);
            diesel::sql_query(format!(
                "ALTER SYSTEM SET synchronous_standby_names = '{ABSENT_STANDBY}'"
            ))
            .execute(&mut conn)
            .expect("name the absent standby");
            diesel::sql_query("SELECT pg_reload_conf()")
                .execute(&mut conn)
                .expect("reload");
        })
    })
}

fn replicated_cluster() -> &'static Cluster {
    REPLICATED_CLUSTER.get_or_init(|| {
        start_cluster("test-pg-replicated", |postgres| {
            diesel::sql_query(format!(
                "SELECT pg_create_physical_replication_slot('{REPLICA_SLOT}')
                  WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots
                                     WHERE slot_name = '{REPLICA_SLOT}')"
            ))
            .execute(&mut admin(postgres))
            .expect("the replica's slot");
        })
    })
}

/// The third cluster's streaming standby: copied with `pg_basebackup` on
/// the first run, started again (catching up from its slot) on later ones.
fn replica() -> &'static Cluster {
    REPLICA.get_or_init(|| {
        let primary = replicated_cluster();
        let data_dir = test_dir("test-pg-replica");
        let created = {
            let primary = primary.postgres.lock().unwrap();
            LocalPostgres::create_standby(&data_dir, &primary, REPLICA_SLOT)
        };
        // a cluster there already: the replica of an earlier run
        let postgres = match created {
            Err(odb::db::launcher::LauncherError::InvalidPath { .. }) => {
                LocalPostgres::start(&ClusterOptions {
                    data_dir,
                    ephemeral: true,
                    archive: None,
                })
            }
            made => made,
        };
        Cluster {
            postgres: std::sync::Mutex::new(postgres.expect("start the replica")),
        }
    })
}

fn test_dir(name: &str) -> std::path::PathBuf {
    match std::env::var_os("ODB_TEST_PG_DIR") {
        Some(dir) => {
            let mut dir = dir;
            dir.push(name.strip_prefix("test-pg").unwrap_or(name));
            std::path::PathBuf::from(dir)
        }
        None => std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name),
    }
}

/// Starts (or adopts) the cluster in `$ODB_TEST_PG_DIR` (which lets
/// checkouts sharing a target directory keep their clusters apart), suffixed
/// for any but the first, and migrates a fresh template in it.
fn start_cluster(name: &str, configure: impl FnOnce(&LocalPostgres)) -> Cluster {
    let data_dir = test_dir(name);
    let postgres = LocalPostgres::start(&ClusterOptions {
        data_dir,
        ephemeral: true,
        archive: None,
    })
    .unwrap_or_else(|e| panic!("cannot start the test PostgreSQL cluster: {e}"));
    configure(&postgres);
    prepare_template(&postgres);
    stop_at_exit();
    Cluster {
        postgres: std::sync::Mutex::new(postgres),
    }
}

/// A URL for `dbname` on the test cluster.
fn cluster_url(dbname: &str) -> String {
    cluster().url(dbname)
}

impl Cluster {
    fn url(&self, dbname: &str) -> String {
        self.postgres
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .url(dbname)
    }
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
        Self::clone_template(cluster())
    }

    /// A database on the cluster whose synchronous standby never connects
    /// (`STANDBY_CLUSTER`).
    pub fn awaiting_standby() -> Self {
        Self::clone_template(standby_cluster())
    }

    fn clone_template(cluster: &Cluster) -> Self {
        let name = format!("{TEST_DB_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::establish(&cluster.url("postgres")).expect("connect to the test cluster");
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {TEMPLATE} STRATEGY FILE_COPY"
        ))
        .execute(&mut admin)
        .expect("clone template");
        TestDatabase {
            url: cluster.url(&name),
        }
    }

    /// A database on the cluster with a streaming replica (`REPLICA`).
    pub fn replicated() -> Self {
        Self::clone_template(replicated_cluster())
    }

    /// The same database on the replica, once the replica has it.
    pub fn on_replica(&self) -> String {
        let name = self
            .url
            .split_once("@/")
            .unwrap()
            .1
            .split('?')
            .next()
            .unwrap();
        let url = replica().url(name);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while PgConnection::establish(&url).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "the replica never got {name}"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        url
    }

    /// Waits until the replica has replayed everything written here so far.
    pub fn replica_caught_up(&self) {
        #[derive(diesel::QueryableByName)]
        struct Lsn {
            #[diesel(sql_type = diesel::sql_types::Text)]
            lsn: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Reached {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            reached: bool,
        }
        let written: Lsn = diesel::sql_query("SELECT pg_current_wal_insert_lsn()::text AS lsn")
            .get_result(&mut self.connect())
            .expect("the primary's position");
        let mut replica = PgConnection::establish(&self.on_replica()).expect("the replica");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let now: Reached =
                diesel::sql_query("SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS reached")
                    .bind::<diesel::sql_types::Text, _>(&written.lsn)
                    .get_result(&mut replica)
                    .expect("the replica's position");
            if now.reached {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the replica did not catch up"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// An empty database in the test cluster, for a test that migrates it itself.
    pub fn empty() -> Self {
        let name = format!("{TEST_DB_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut admin =
            PgConnection::establish(&cluster_url("postgres")).expect("connect to the test cluster");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("create empty database");
        TestDatabase {
            url: cluster_url(&name),
        }
    }

    pub fn connect(&self) -> PgConnection {
        PgConnection::establish(&self.url).expect("connect to test database")
    }

    /// Waits until another session waits on a lock that `holder`'s open
    /// transaction holds (true), or a minute passes (false): a lock wait
    /// observed in PostgreSQL rather than guessed from a pause.
    pub fn someone_waits_for(&self, holder: &mut PgConnection) -> bool {
        #[derive(diesel::QueryableByName)]
        struct Pid {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            pid: i32,
        }
        #[derive(diesel::QueryableByName)]
        struct Waiting {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            waiting: bool,
        }
        let holder: Pid = diesel::sql_query("SELECT pg_backend_pid() AS pid")
            .get_result(holder)
            .expect("holder pid");
        // a connection of its own: pg_stat_activity is read once per transaction
        let mut watcher = self.connect();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while std::time::Instant::now() < deadline {
            let now: Waiting = diesel::sql_query(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity
                                 WHERE $1 = ANY (pg_blocking_pids(pid))) AS waiting",
            )
            .bind::<diesel::sql_types::Integer, _>(holder.pid)
            .get_result(&mut watcher)
            .expect("lock waits");
            if now.waiting {
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        false
    }
}

pub struct TestApp {
    pub base: String,
    pub db: TestDatabase,
    pub clock: Clock,
    /// The root organization and the signed-in administrator holding system_admin there.
    pub root: Value,
    pub admin: Account,
    pub keyring: std::sync::Arc<odb::crypto::Keyring>,
    /// base64, as ODB_MASTER_KEY takes it
    pub master_key: String,
    client: Client,
    token: std::sync::Mutex<Option<String>>,
    handle: actix_web::dev::ServerHandle,
}

/// What `odb user create` gives a person: enough to sign in.
#[derive(Debug, Clone)]
pub struct Account {
    pub username: String,
    pub password: String,
    pub totp_secret: String,
}

impl TestApp {
    /// A server on a database with a root organization `ROOT` and a signed-in system administrator.
    pub fn spawn() -> Self {
        Self::spawn_with(Self::seed_root)
    }

    fn seed_root(ctx: &mut Ctx) {
        let root = odb::org::model::CreateOrganization {
            code: "ROOT".into(),
            name: "Hệ thống chính trị".into(),
            abbreviation: None,
            level: odb::org::model::Level::Central,
            org_type: "party_committee".into(),
            group: 1,
            parent_id: None,
            executive_agency_id: None,
            number: None,
            status: None,
            accounting_method: None,
            address: None,
            phone: None,
            tax_code: None,
            social_insurance_office: None,
            bank_account: None,
            party_organization_name: None,
            party_organization_type: None,
            established_on: Some(chrono::NaiveDate::from_ymd_opt(1945, 9, 2).unwrap()),
            establishment_decision: None,
            awards: vec![],
            disciplines: vec![],
        };
        odb::org::service::create(ctx, root).unwrap();
    }

    /// The same on the demo dataset (root `VN`).
    pub fn with_demo() -> Self {
        Self::spawn_with(|ctx| {
            odb::fixtures::load_demo(ctx).unwrap();
        })
    }

    /// `spawn()` behind a reverse proxy at 127.0.0.1, the tests' own address.
    pub fn behind_proxy() -> Self {
        Self::spawn_seeded(Self::seed_root, "127.0.0.1".parse().unwrap())
    }

    fn spawn_with(seed: impl FnOnce(&mut Ctx)) -> Self {
        Self::spawn_seeded(seed, Default::default())
    }

    /// `spawn()` on the given database.
    pub fn on(db: TestDatabase) -> Self {
        Self::spawn_on(db, Self::seed_root, Default::default(), None)
    }

    /// `spawn()` on a database with a streaming replica, which serves the
    /// searches, lists and statistics while it lags at most `max_lag`.
    pub fn with_replica(max_lag: std::time::Duration) -> Self {
        let db = TestDatabase::replicated();
        let replica = Some((db.on_replica(), max_lag));
        Self::spawn_on(db, Self::seed_root, Default::default(), replica)
    }

    fn spawn_seeded(
        seed: impl FnOnce(&mut Ctx),
        trusted_proxies: odb::http::client_address::TrustedProxies,
    ) -> Self {
        Self::spawn_on(TestDatabase::new(), seed, trusted_proxies, None)
    }

    fn spawn_on(
        db: TestDatabase,
        seed: impl FnOnce(&mut Ctx),
        trusted_proxies: odb::http::client_address::TrustedProxies,
        replica: Option<(String, std::time::Duration)>,
    ) -> Self {
        init_logs();
        let clock = Clock::default();
        let master_key = random_master_key();
        let keyring = {
            let mut owner = db.connect();
            odb::catalogs::load(&mut owner).expect("catalogs");
            let master = odb::crypto::MasterKey::from_base64(&master_key).expect("master key");
            std::sync::Arc::new(
                odb::crypto::Keyring::initialize(&mut owner, master).expect("keyring"),
            )
        };
        Ctx::as_operator(&mut db.connect(), &keyring, clock.now(), "tests", |ctx| {
            seed(ctx);
            Ok(())
        })
        .expect("seed");
        let admin = create_account(&db, &keyring, ("admin", None, &["system_admin"]), &clock);
        let server_keyring = keyring.clone();
        let pool = odb::db::build_pool(&db.url, 3).expect("pool");
        let replica = replica.map(|(url, max_lag)| odb::db::ReadReplica {
            pool: odb::db::build_pool(&url, 3).expect("the replica's pool"),
            max_lag,
        });
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind port 0");
        let port = listener.local_addr().expect("local addr").port();
        let server_clock = clock.clone();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let app = odb::startup::Application::build(
                    listener,
                    odb::db::Db::new(pool, replica),
                    server_clock,
                    server_keyring,
                    Some(1),
                    trusted_proxies,
                )
                .expect("build app");
                tx.send(app.handle()).expect("send handle");
                app.run_until_stopped().await
            })
        });
        let handle = rx.recv().expect("server started");
        let mut app = TestApp {
            base: format!("http://127.0.0.1:{port}"),
            db,
            clock,
            root: Value::Null,
            admin: admin.clone(),
            keyring,
            master_key,
            client: Client::new(),
            token: std::sync::Mutex::new(None),
            handle,
        };
        let token = app.sign_in(&admin);
        app.use_token(Some(token));
        let root = odb::org::repo::root(&mut app.db.connect())
            .unwrap()
            .unwrap();
        app.root = app
            .get(&format!("/api/v1/organizations/{}", root.id))
            .json()
            .unwrap();
        app
    }

    /// Runs `work` as an operator's command on this test's database.
    pub fn as_operator<T>(&self, work: impl FnOnce(&mut Ctx) -> odb::error::AppResult<T>) -> T {
        Ctx::as_operator(
            &mut self.db.connect(),
            &self.keyring,
            self.clock.now(),
            "tests",
            work,
        )
        .unwrap()
    }

    /// Sends this bearer token with every later request (`None`: anonymous).
    pub fn use_token(&self, token: Option<String>) {
        *self.token.lock().unwrap() = token;
    }

    /// Creates an account with roles at the organization of `org_code` (the root when `None`).
    pub fn account(&self, username: &str, org_code: Option<&str>, roles: &[&str]) -> Account {
        create_account(
            &self.db,
            &self.keyring,
            (username, org_code, roles),
            &self.clock,
        )
    }

    /// The TOTP code an authenticator app shows now (by the server's clock).
    pub fn code(&self, secret: &str) -> String {
        odb::auth::totp::code_at(secret, self.clock.now().timestamp() as u64).unwrap()
    }

    /// Password then TOTP, as a person would; returns the access token. The
    /// clock moves past the time step so the next code is not a replay.
    pub fn sign_in(&self, account: &Account) -> String {
        let (status, login) = json(self.anonymous_post(
            "/api/v1/auth/login",
            &serde_json::json!({"username": account.username, "password": account.password}),
        ));
        assert_eq!(status, 200, "login: {login}");
        let (status, session) = json(self.anonymous_post(
            "/api/v1/auth/mfa",
            &serde_json::json!({"mfa_token": login["mfa_token"], "code": self.code(&account.totp_secret)}),
        ));
        assert_eq!(status, 200, "mfa: {session}");
        self.clock.advance(chrono::Duration::seconds(30));
        session["access_token"].as_str().unwrap().to_owned()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// A request with the bearer token set by `use_token`.
    pub fn request(&self, method: reqwest::Method, path: &str) -> Request<'_> {
        let request = self.anonymous(method, path);
        match self.token.lock().unwrap().as_ref() {
            Some(token) => Request {
                builder: request.builder.bearer_auth(token),
                ..request
            },
            None => request,
        }
    }

    pub fn get(&self, path: &str) -> Response {
        self.request(reqwest::Method::GET, path)
            .send()
            .expect("GET")
    }

    pub fn post(&self, path: &str, body: &Value) -> Response {
        self.request(reqwest::Method::POST, path)
            .json(body)
            .send()
            .expect("POST")
    }

    pub fn anonymous_post(&self, path: &str, body: &Value) -> Response {
        self.anonymous(reqwest::Method::POST, path)
            .json(body)
            .send()
            .expect("POST")
    }

    /// A request without the bearer token.
    pub fn anonymous(&self, method: reqwest::Method, path: &str) -> Request<'_> {
        Request {
            client: &self.client,
            builder: self.client.request(method, self.url(path)),
        }
    }

    pub fn patch(&self, path: &str, version: i64, body: &Value) -> Response {
        self.request(reqwest::Method::PATCH, path)
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
        made.insert("ROOT".to_owned(), self.root.clone());
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

/// A request being built; `send` holds the exchange to api/openapi.yaml.
pub struct Request<'a> {
    client: &'a Client,
    builder: RequestBuilder,
}

impl<'a> Request<'a> {
    /// A request to a server the test started some other way (`odb serve`).
    pub fn new(client: &'a Client, builder: RequestBuilder) -> Self {
        Request { client, builder }
    }

    pub fn header(self, name: &str, value: impl AsRef<str>) -> Self {
        Request {
            builder: self.builder.header(name, value.as_ref()),
            ..self
        }
    }

    pub fn json(self, body: &Value) -> Self {
        Request {
            builder: self.builder.json(body),
            ..self
        }
    }

    pub fn body(self, body: Vec<u8>) -> Self {
        Request {
            builder: self.builder.body(body),
            ..self
        }
    }

    /// Sends the request and panics when the request, the status or the
    /// response body strays from the spec.
    pub fn send(self) -> reqwest::Result<Response> {
        let request = self.builder.build()?;
        let method = request.method().to_string();
        let path = request.url().path().to_owned();
        let sent = request
            .body()
            .and_then(|b| b.as_bytes())
            .map(<[u8]>::to_vec);
        let answer = self.client.execute(request)?;
        let response = Response {
            status: answer.status(),
            headers: answer.headers().clone(),
            body: answer.bytes()?.to_vec(),
        };
        let exchange = Exchange {
            method: &method,
            path: &path,
            request_body: sent.as_deref(),
            status: response.status.as_u16(),
            content_type: response.header("content-type"),
            response_body: &response.body,
        };
        if let Err(report) = spec().check(&exchange) {
            panic!("{report}");
        }
        Ok(response)
    }
}

/// A whole response, read before the tests see it so it could be checked.
pub struct Response {
    status: reqwest::StatusCode,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Response {
    pub fn status(&self) -> reqwest::StatusCode {
        self.status
    }

    pub fn headers(&self) -> &reqwest::header::HeaderMap {
        &self.headers
    }

    pub fn json<T: serde::de::DeserializeOwned>(self) -> serde_json::Result<T> {
        serde_json::from_slice(&self.body)
    }

    pub fn bytes(self) -> Vec<u8> {
        self.body
    }

    pub fn text(self) -> Result<String, std::string::FromUtf8Error> {
        String::from_utf8(self.body)
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn random_master_key() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Server errors are logged (with their cause) to stderr; other levels stay quiet.
fn init_logs() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("error"))
            .with_test_writer()
            .try_init();
    });
}

fn create_account(
    db: &TestDatabase,
    keyring: &odb::crypto::Keyring,
    (username, org_code, roles): (&str, Option<&str>, &[&str]),
    clock: &Clock,
) -> Account {
    let account = odb::auth::admin::NewOperatorAccount {
        username: username.to_owned(),
        org_code: org_code.map(str::to_owned),
        roles: roles
            .iter()
            .map(|r| odb::auth::model::Role::parse(r).expect("role"))
            .collect(),
    };
    let made = Ctx::as_operator(
        &mut db.connect(),
        keyring,
        clock.now(),
        "odb user create",
        |ctx| odb::auth::admin::bootstrap_user(ctx, account),
    )
    .unwrap_or_else(|e| panic!("create account {username}: {e:?}"));
    Account {
        username: made.username,
        password: made.password,
        totp_secret: made.totp_secret,
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

/// The first sign-in step: a password.
pub fn login(app: &TestApp, username: &str, password: &str) -> Response {
    app.anonymous_post(
        "/api/v1/auth/login",
        &serde_json::json!({"username": username, "password": password}),
    )
}

/// The second sign-in step: a code for the first step's token.
pub fn mfa(app: &TestApp, token: &Value, code: &str) -> Response {
    app.anonymous_post(
        "/api/v1/auth/mfa",
        &serde_json::json!({"mfa_token": token, "code": code}),
    )
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
