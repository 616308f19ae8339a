//! Keys an operator can replace: the master key rotated with an overlap and
//! retired, the blind-index key rotated with lookups working throughout;
//! and running `odb` as an operator does.

use crate::helpers::*;

use std::process::{Child, Command, Output, Stdio};

use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl};
use odb::crypto::{rotate_blind_index, status, CryptoError, Keyring, MasterKey};
use serde_json::{json, Value};
use uuid::Uuid;

/// The master keys an `odb` process is given: ODB_MASTER_KEY and, during a
/// master-key rotation, ODB_MASTER_KEY_PREVIOUS.
pub type Keys<'a> = (&'a str, Option<&'a str>);

pub fn odb_command(url: &str, (current, previous): Keys, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_odb"));
    command
        .args(args)
        .env("DATABASE_URL", url)
        .env("ODB_MASTER_KEY", current)
        .env("ODB_BIND", "127.0.0.1:0")
        .env("ODB_LOG", "error")
        // nowhere a key file could be found by default
        .env(
            "ODB_DATA_DIR",
            std::env::temp_dir().join(format!("odb-keys-none-{}", Uuid::new_v4().simple())),
        )
        .env_remove("ODB_MASTER_KEY_FILE")
        .env_remove("ODB_MASTER_KEY_PREVIOUS")
        .env_remove("ODB_MASTER_KEY_PREVIOUS_FILE");
    if let Some(previous) = previous {
        command.env("ODB_MASTER_KEY_PREVIOUS", previous);
    }
    command
}

pub fn odb(url: &str, keys: Keys, args: &[&str]) -> Output {
    odb_command(url, keys, args).output().unwrap()
}

pub fn stdout_of(output: &Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    assert!(!output.status.success(), "it should have failed");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[derive(QueryableByName)]
pub struct Row {
    #[diesel(sql_type = Text)]
    pub row: String,
}

/// `odb serve` in a process of its own, given one master key.
pub struct Served {
    child: Child,
    base: String,
    data_dir: std::path::PathBuf,
}

impl Served {
    pub fn start(url: &str, key: &str) -> Served {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let data_dir = std::env::temp_dir().join(format!("odb-keys-{}", Uuid::new_v4().simple()));
        let child = odb_command(url, (key, None), &["serve"])
            .env("ODB_BIND", format!("127.0.0.1:{port}"))
            .env("ODB_DATA_DIR", &data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let served = Served {
            child,
            base: format!("http://127.0.0.1:{port}"),
            data_dir,
        };
        let client = reqwest::blocking::Client::new();
        for _ in 0..300 {
            if client
                .get(format!("{}/readyz", served.base))
                .send()
                .is_ok_and(|r| r.status() == 200)
            {
                return served;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("odb serve did not become ready");
    }

    /// Password, then a TOTP code by the real clock (the server's).
    fn sign_in(&self, account: &Account) -> Client {
        let client = reqwest::blocking::Client::new();
        let login: Value = client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&json!({"username": account.username, "password": account.password}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        let now = chrono::Utc::now().timestamp() as u64;
        let code = odb::auth::totp::code_at(&account.totp_secret, now).unwrap();
        let session: Value = client
            .post(format!("{}/api/v1/auth/mfa", self.base))
            .json(&json!({"mfa_token": login["mfa_token"], "code": code}))
            .send()
            .unwrap()
            .json()
            .unwrap();
        Client {
            client,
            base: self.base.clone(),
            token: session["access_token"].as_str().unwrap().to_owned(),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

struct Client {
    client: reqwest::blocking::Client,
    base: String,
    token: String,
}

impl Client {
    fn get(&self, path: &str) -> (u16, Value) {
        let builder = self
            .client
            .get(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        json(Request::new(&self.client, builder).send().unwrap())
    }

    fn post(&self, path: &str, body: &Value) -> (u16, Value) {
        let builder = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        json(
            Request::new(&self.client, builder)
                .json(body)
                .send()
                .unwrap(),
        )
    }
}

/// Every profile opens in full, with its records, and its personal
/// identification code finds it.
fn assert_every_profile_opens_and_is_found(
    get: impl Fn(&str) -> (u16, Value),
    lookup: impl Fn(&Value) -> (u16, Value),
) {
    let (status, page) = get("/api/v1/officials?limit=100");
    assert_eq!(status, 200, "{page}");
    let items = page["items"].as_array().unwrap();
    assert!(!items.is_empty());
    for item in items {
        let (status, full) = get(&format!("/api/v1/officials/{}?reveal=true", id(item)));
        assert_eq!(status, 200, "{full}");
        let (status, records) = get(&format!(
            "/api/v1/officials/{}/records?reveal=true",
            id(item)
        ));
        assert_eq!(status, 200, "{records}");
        let (status, found) = lookup(&json!({
            "personal_identification_code": full["personal_identification_code"]
        }));
        assert_eq!(status, 200, "{found}");
        assert_eq!(found["items"][0]["id"], item["id"]);
    }
}

#[test]
fn the_master_key_rotates_with_an_overlap_and_then_only_the_new_one_opens() {
    let app = TestApp::with_demo();
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        30,
        5,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let editor = app.account("editor.master", Some("VN"), &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&editor)));
    let (old, new) = (app.master_key.clone(), random_master_key());
    let url = app.db.url.clone();
    // a sealed record too, beside the sealed profile items and TOTP secrets
    let (_, page) = json(app.get("/api/v1/officials?limit=1"));
    let discipline = json!({"kind": "discipline", "from_date": "2021-06-01",
                            "data": {"form": "Khiển trách", "decided_by": "Sở Nội vụ", "reason": "Vi phạm quy chế"}});
    let records = format!("/api/v1/officials/{}/records", id(&page["items"][0]));
    assert_eq!(app.post(&records, &discipline).status(), 201);

    // the new key alone does not open the keyring yet
    let alone = stderr_of(&odb(&url, (&new, None), &["keys", "rotate-master"]));
    assert!(alone.contains("master key does not match"), "{alone}");
    // new as ODB_MASTER_KEY, the one in use as ODB_MASTER_KEY_PREVIOUS
    let rotated = stdout_of(&odb(&url, (&new, Some(&old)), &["keys", "rotate-master"]));
    assert!(
        rotated.contains("1 data key(s) and 1 blind-index key(s) re-wrapped"),
        "{rotated}"
    );
    let again = stdout_of(&odb(&url, (&new, Some(&old)), &["keys", "rotate-master"]));
    assert!(again.contains("nothing to do"), "{again}");

    // the overlap: a process given only the old key still starts
    let report: Value =
        serde_json::from_str(&stdout_of(&odb(&url, (&old, None), &["keys", "status"]))).unwrap();
    assert_eq!(report["master_key"]["previous_accepted"], true);
    assert!(report["master_key"]["rotated_at"].is_string());
    // a new data key must be wrapped under both keys, so it needs both
    let one_key = stderr_of(&odb(&url, (&new, None), &["keys", "rotate"]));
    assert!(one_key.contains("needs both master keys"), "{one_key}");
    stdout_of(&odb(
        &url,
        (&new, Some(&old)),
        &["keys", "rotate", "--batch", "25"],
    ));
    // the running service (old key) learns data key 2 through the old wrapping
    assert_every_profile_opens_and_is_found(
        |path| json(app.get(path)),
        |body| json(app.post("/api/v1/officials/lookup", body)),
    );

    // only the new key retires the old one
    let refused = stderr_of(&odb(&url, (&old, None), &["keys", "retire-master"]));
    assert!(refused.contains("only the new master key"), "{refused}");
    let retired = stdout_of(&odb(&url, (&new, None), &["keys", "retire-master"]));
    assert!(retired.contains("previous master key retired"), "{retired}");

    // now the old key opens nothing, the service starts only with the new one
    let wrong = stderr_of(&odb(&url, (&old, None), &["serve"]));
    assert!(wrong.contains("master key does not match"), "{wrong}");
    assert!(matches!(
        Keyring::open(&mut app.db.connect(), MasterKey::from_base64(&old).unwrap()),
        Err(CryptoError::WrongMasterKey)
    ));
    let served = Served::start(&url, &new);
    let reader = served.sign_in(&app.account("editor.new.key", Some("VN"), &["personnel_editor"]));
    assert_every_profile_opens_and_is_found(
        |path| reader.get(path),
        |body| reader.post("/api/v1/officials/lookup", body),
    );
    let (_, listed) = reader.get(&format!("{records}?reveal=true"));
    let forms: Vec<&Value> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| &r["data"]["form"])
        .collect();
    assert!(forms.contains(&&json!("Khiển trách")), "{listed}");
    // the database holds neither key, nor a wrapping under the old one
    let mut conn = app.db.connect();
    let dump: String = ["data_keys", "blind_index_keys", "keyring"]
        .iter()
        .flat_map(|t| {
            diesel::sql_query(format!("SELECT row_to_json(t)::text AS row FROM {t} t"))
                .load::<Row>(&mut conn)
                .unwrap()
        })
        .map(|r| r.row)
        .collect::<Vec<_>>()
        .join("\n");
    use base64::Engine;
    for key in [&old, &new] {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(key)
            .unwrap();
        assert!(
            !dump.contains(&hex::encode(&bytes[..8])),
            "a master key in the database"
        );
    }
    assert!(!dump.contains("\"wrapped_previous\":\"\\\\x"), "{dump}");
}

/// The other two numbers of the person with this code.
fn card(code: &str) -> String {
    format!("9{}", &code[1..])
}

fn insurance(code: &str) -> String {
    format!("1{}000{}", &code[2..3], &code[7..])
}

fn profile_body(org: &str, name: &str, code: &str) -> Value {
    json!({
        "classification": "civil_servant",
        "managing_organization_id": org,
        "using_organization_id": org,
        "full_name": name,
        "sex": "female",
        "birth_date": "1985-02-03",
        "identity_card_number": card(code),
        "personal_identification_code": code,
        "social_insurance_number": insurance(code),
    })
}

#[derive(QueryableByName)]
struct IndexVersion {
    #[diesel(sql_type = diesel::sql_types::Integer)]
    blind_index_version: i32,
}

/// The blind-index key each profile's indexes were computed with.
fn index_versions(app: &TestApp) -> Vec<i32> {
    diesel::sql_query("SELECT blind_index_version FROM officials")
        .load::<IndexVersion>(&mut app.db.connect())
        .unwrap()
        .into_iter()
        .map(|r| r.blind_index_version)
        .collect()
}

#[test]
fn the_blind_index_key_rotates_online_and_resumably_with_lookups_working_throughout() {
    let app = TestApp::spawn();
    let unit = app.tree(&[("HN", "province", "ROOT")])["HN"].clone();
    let editor = app.account("editor.blind", None, &["personnel_editor"]);
    app.use_token(Some(app.sign_in(&editor)));
    let codes: Vec<String> = (0..40).map(|i| format!("0010800{i:05}")).collect();
    for (i, code) in codes.iter().enumerate() {
        let (status, made) = json(app.post(
            "/api/v1/officials",
            &profile_body(id(&unit), &format!("Trần Thị Lan {i}"), code),
        ));
        assert_eq!(status, 201, "{made}");
    }
    let lookup = |field: &str, value: &str| {
        let (status, found) = json(app.post("/api/v1/officials/lookup", &json!({ field: value })));
        assert_eq!(status, 200, "{found}");
        found["items"].as_array().unwrap().len()
    };

    // the process dies right after its first batch committed
    let crashed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        rotate_blind_index(
            &mut [app.db.connect(), app.db.connect()],
            &app.keyring,
            5,
            chrono::Utc::now(),
            &mut |_, _| panic!("simulated crash"),
        )
    }));
    assert!(crashed.is_err());
    let keys = status(&mut app.db.connect()).unwrap().blind_index_keys;
    let states: Vec<(u32, &str, i64)> = keys
        .iter()
        .map(|k| (k.version, k.state.as_str(), k.profiles))
        .collect();
    assert_eq!(states, [(1, "retiring", 35), (2, "active", 5)]);

    // halfway, every number is found whichever key indexed its profile, and
    // one person still gets one profile
    for code in &codes {
        assert_eq!(lookup("personal_identification_code", code), 1, "{code}");
        assert_eq!(lookup("identity_card_number", &card(code)), 1);
    }
    for code in &codes {
        let body = profile_body(id(&unit), "Bản sao", code);
        assert_problem(app.post("/api/v1/officials", &body), 409, "duplicate");
    }

    // resumed while the service keeps writing; `odb keys rotate-blind-index` does the same
    let report = std::thread::scope(|threads| {
        let writer = threads.spawn(|| {
            for i in 0..10 {
                let code = format!("0020800{i:05}");
                let (status, made) = json(app.post(
                    "/api/v1/officials",
                    &profile_body(id(&unit), &format!("Lê Văn Minh {i}"), &code),
                ));
                assert_eq!(status, 201, "{made}");
            }
        });
        let report = rotate_blind_index(
            &mut [app.db.connect(), app.db.connect()],
            &app.keyring,
            4,
            chrono::Utc::now(),
            &mut |_, _| {},
        )
        .unwrap();
        writer.join().unwrap();
        report
    });
    assert_eq!((report.new_version, report.retired.clone()), (2, vec![1]));
    // the profiles written meanwhile were indexed under the new key at once
    assert_eq!(report.resealed, 35, "{report:?}");
    assert_eq!(index_versions(&app), vec![2; 50]);
    for code in codes.iter().chain(&["002080000009".to_owned()]) {
        assert_eq!(lookup("personal_identification_code", code), 1, "{code}");
    }

    let cli = stdout_of(&odb(
        &app.db.url,
        (&app.master_key, None),
        &["keys", "rotate-blind-index", "--batch", "7"],
    ));
    assert!(
        cli.contains(
            "blind-index key v3 active, 50 row(s) re-indexed (profiles and party members), retired: [2]"
        ),
        "{cli}"
    );
    for code in &codes {
        assert_eq!(lookup("social_insurance_number", &insurance(code)), 1);
    }
}
