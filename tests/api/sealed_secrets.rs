//! TOTP secrets at rest: sealed to their account, re-sealed by a data-key
//! rotation, and sealed at the first start after an upgrade from a release
//! that kept them in plaintext.

use crate::helpers::*;
use crate::keys::{odb, odb_command, stdout_of, Row};

use diesel::sql_types::{Bytea, Nullable, Text, Uuid as SqlUuid};
use diesel::{PgConnection, QueryableByName, RunQueryDsl};
use diesel_migrations::MigrationHarness;
use odb::context::Ctx;
use odb::crypto::{key_version, CryptoError, Keyring, MasterKey};
use serde_json::{json, Value};
use uuid::Uuid;

#[derive(QueryableByName)]
struct Sealed {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    #[diesel(sql_type = Nullable<Bytea>)]
    totp_secret: Option<Vec<u8>>,
}

fn sealed_secret(conn: &mut PgConnection, username: &str) -> Sealed {
    diesel::sql_query("SELECT id, totp_secret FROM users WHERE username = $1")
        .bind::<Text, _>(username)
        .get_result(conn)
        .unwrap()
}

/// Every column of every account, as text, read as a superuser.
fn users_dump(conn: &mut PgConnection) -> String {
    diesel::sql_query("SELECT row_to_json(u)::text AS row FROM users u")
        .load::<Row>(conn)
        .unwrap()
        .into_iter()
        .map(|r| r.row.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_no_plaintext_secret(conn: &mut PgConnection, secret: &str) {
    let dump = users_dump(conn);
    assert!(dump.contains("totp_secret"), "the dump is real: {dump}");
    for form in [secret.to_lowercase(), hex::encode(secret.as_bytes())] {
        assert!(!dump.contains(&form), "found the TOTP secret in users");
    }
}

#[test]
fn totp_secrets_are_sealed_to_their_account_and_sign_in_survives_a_rotation() {
    let app = TestApp::spawn();
    let account = app.account("sealed.totp", None, &["personnel_viewer"]);
    let mut conn = app.db.connect();
    assert_no_plaintext_secret(&mut conn, &account.totp_secret);
    let stored = sealed_secret(&mut conn, "sealed.totp");
    let sealed = stored.totp_secret.unwrap();
    assert_eq!(key_version(&sealed), Some(1));
    let opened = app
        .keyring
        .open_string(&mut conn, "users", "totp_secret", stored.id, &sealed)
        .unwrap();
    assert_eq!(opened, account.totp_secret);
    // bound to its account: on another row it does not open
    let admin = sealed_secret(&mut conn, "admin");
    assert!(matches!(
        app.keyring
            .open_value(&mut conn, "users", "totp_secret", admin.id, &sealed),
        Err(CryptoError::Open)
    ));

    // `odb keys rotate` re-seals them, and `odb keys status` counts them
    stdout_of(&odb(
        &app.db.url,
        (&app.master_key, None),
        &["keys", "rotate"],
    ));
    let report: Value = serde_json::from_str(&stdout_of(&odb(
        &app.db.url,
        (&app.master_key, None),
        &["keys", "status"],
    )))
    .unwrap();
    assert_eq!(report["versions"][1]["state"], "active");
    assert_eq!(report["versions"][1]["columns"]["users.totp_secret"], 2);
    assert!(report["versions"][0]["columns"]
        .as_object()
        .unwrap()
        .is_empty());
    let resealed = sealed_secret(&mut conn, "sealed.totp").totp_secret.unwrap();
    assert_eq!(key_version(&resealed), Some(2));
    assert_no_plaintext_secret(&mut conn, &account.totp_secret);

    // sign-in and step-up still work, the server learning the new key
    app.use_token(Some(app.sign_in(&account)));
    assert_eq!(app.get("/api/v1/auth/me").status(), 200);
    let code = app.code(&account.totp_secret);
    assert_eq!(
        app.post("/api/v1/auth/step-up", &json!({ "code": code }))
            .status(),
        204
    );
}

#[test]
fn accounts_made_and_reset_from_the_command_line_enroll_with_sealed_secrets() {
    let app = TestApp::spawn();
    let keys = (app.master_key.as_str(), None);
    let created: Value = serde_json::from_str(&stdout_of(&odb(
        &app.db.url,
        keys,
        &[
            "user",
            "create",
            "--username",
            "cli.user",
            "--role",
            "auditor",
            "--json",
        ],
    )))
    .unwrap();
    let account = Account {
        username: "cli.user".into(),
        password: created["password"].as_str().unwrap().into(),
        totp_secret: created["totp_secret"].as_str().unwrap().into(),
    };
    let mut conn = app.db.connect();
    assert_no_plaintext_secret(&mut conn, &account.totp_secret);
    app.sign_in(&account);

    stdout_of(&odb(
        &app.db.url,
        keys,
        &["user", "reset-mfa", "--username", "cli.user"],
    ));
    assert!(sealed_secret(&mut conn, "cli.user").totp_secret.is_none());
    let (status, login) = json(app.anonymous_post(
        "/api/v1/auth/login",
        &json!({"username": "cli.user", "password": account.password}),
    ));
    assert_eq!((status, login["mfa"].as_str()), (200, Some("enroll")));
    let secret = login["enrollment"]["secret"].as_str().unwrap();
    assert_ne!(secret, account.totp_secret);
    // the enrollment's secret is stored sealed too, before it is confirmed
    let pending = sealed_secret(&mut conn, "cli.user").totp_secret.unwrap();
    assert_eq!(key_version(&pending), Some(1));
    assert_no_plaintext_secret(&mut conn, secret);
    let (status, _) = json(app.anonymous_post(
        "/api/v1/auth/mfa",
        &json!({"mfa_token": login["mfa_token"], "code": app.code(secret)}),
    ));
    assert_eq!(status, 200);
}

/// The migrations before this change, as a database from the previous
/// release has them.
fn migrate_up_to_before_sealed_secrets(conn: &mut PgConnection) {
    loop {
        let pending = conn.pending_migrations(odb::db::MIGRATIONS).unwrap();
        let next = pending.first().unwrap().name().version().to_string();
        if next.as_str() >= "20261129000008" {
            return;
        }
        conn.run_next_migration(odb::db::MIGRATIONS).unwrap();
    }
}

#[test]
fn secrets_left_in_plaintext_by_an_older_release_are_sealed_at_the_first_start_with_the_key() {
    let db = TestDatabase::empty();
    let mut conn = db.connect();
    migrate_up_to_before_sealed_secrets(&mut conn);
    let (id, secret, password) = (
        Uuid::new_v4(),
        odb::auth::totp::new_secret(),
        "an old release's password",
    );
    diesel::sql_query(
        "WITH root AS (INSERT INTO organizations (id, code, name, name_folded, level, org_type, \
         org_group, path, created_at, updated_at) VALUES (gen_random_uuid(), 'ROOT', 'Gốc', 'goc', \
         'central', 'party_committee', 1, 'root', now(), now()) RETURNING id) \
         INSERT INTO users (id, username, display_name, home_organization_id, password_hash, \
         totp_secret, totp_confirmed, created_at, updated_at) \
         SELECT $1, 'old.account', 'Old account', root.id, $2, $3, true, now(), now() FROM root",
    )
    .bind::<SqlUuid, _>(id)
    .bind::<Text, _>(odb::auth::password::hash(password).unwrap())
    .bind::<Text, _>(&secret)
    .execute(&mut conn)
    .unwrap();

    // without the key, `odb migrate` cannot seal, and says so
    let master = random_master_key();
    let mut without_key = odb_command(&db.url, (&master, None), &["migrate"]);
    without_key.env_remove("ODB_MASTER_KEY");
    let output = without_key.output().unwrap();
    assert!(output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("1 TOTP secret(s) are still in plaintext")
    );
    assert!(users_dump(&mut conn).contains(&secret.to_lowercase()));

    // with it, the secret is sealed and the plaintext column is gone
    stdout_of(&odb(&db.url, (&master, None), &["migrate"]));
    assert_no_plaintext_secret(&mut conn, &secret);
    assert!(!users_dump(&mut conn).contains("totp_secret_plaintext"));
    let keyring = Keyring::open(&mut conn, MasterKey::from_base64(&master).unwrap()).unwrap();
    let sealed = sealed_secret(&mut conn, "old.account").totp_secret.unwrap();
    assert_eq!(
        keyring
            .open_string(&mut conn, "users", "totp_secret", id, &sealed)
            .unwrap(),
        secret
    );
    // a second start finds nothing left to do
    stdout_of(&odb(&db.url, (&master, None), &["keys", "status"]));

    // and the account signs in with the secret it always had
    let signed_in = Ctx::as_operator(&mut conn, &keyring, chrono::Utc::now(), "tests", |ctx| {
        let login = odb::auth::sign_in::login(
            ctx,
            odb::auth::sign_in::LoginRequest {
                username: "old.account".into(),
                password: password.into(),
            },
        )?
        .unwrap();
        let code = odb::auth::totp::code_at(&secret, ctx.now.timestamp() as u64).unwrap();
        odb::auth::sign_in::complete_mfa(
            ctx,
            odb::auth::sign_in::MfaRequest {
                mfa_token: login.mfa_token,
                code,
            },
        )
    })
    .unwrap();
    assert!(signed_in.is_ok());
}
