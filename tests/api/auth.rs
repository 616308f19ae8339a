use chrono::Duration;
use reqwest::Method;
use serde_json::{json, Value};

use crate::helpers::*;

#[test]
fn nothing_but_health_and_sign_in_answers_without_two_factors() {
    let app = TestApp::spawn();
    app.use_token(None);
    assert_problem(app.get("/api/v1/organizations"), 401, "unauthenticated");
    assert_problem(app.get("/api/v1/audit"), 401, "unauthenticated");
    assert_eq!(app.get("/healthz").status(), 200);
    // a password alone is not a session
    let (_, step_one) = json(login(&app, &app.admin.username, &app.admin.password));
    app.use_token(step_one["mfa_token"].as_str().map(str::to_owned));
    assert_problem(app.get("/api/v1/organizations"), 401, "unauthenticated");
}

#[test]
fn a_bad_token_is_refused_before_anything_else_is_checked() {
    let app = TestApp::spawn();
    let unknown_org = "/api/v1/organizations/00000000-0000-4000-8000-000000000000";
    // without a token, and with one no session holds: the answer must not
    // tell a stranger which ids, fields or values the API would accept
    for token in [None, Some("not-a-session-token".to_owned())] {
        app.use_token(token);
        assert_problem(
            app.get("/api/v1/officials/not-a-uuid"),
            401,
            "unauthenticated",
        );
        assert_problem(app.get(unknown_org), 401, "unauthenticated");
        assert_problem(
            app.get("/api/v1/organizations?limit=many"),
            401,
            "unauthenticated",
        );
        let malformed = app
            .request(Method::PATCH, unknown_org)
            .header("If-Match", "\"1\"")
            .header("Content-Type", "application/json")
            .body(b"{not json".to_vec())
            .send()
            .expect("PATCH");
        assert_problem(malformed, 401, "unauthenticated");
    }
    // NUL is refused for everyone before routing; a presented token is
    // checked before even that
    assert_problem(
        app.get("/api/v1/organizations?q=a%00b"),
        401,
        "unauthenticated",
    );
}

#[test]
fn wrong_credentials_answer_alike_whether_or_not_the_user_exists() {
    let app = TestApp::spawn();
    let unknown = assert_problem(
        login(&app, "nobody.here", "a-long-password-123"),
        401,
        "unauthenticated",
    );
    let wrong = assert_problem(
        login(&app, &app.admin.username, "a-long-password-123"),
        401,
        "unauthenticated",
    );
    assert_eq!(unknown, wrong);
}

#[test]
fn a_new_account_enrolls_totp_and_gets_recovery_codes() {
    let app = TestApp::spawn();
    let (status, created) = json(app.post(
        "/api/v1/users",
        &json!({"username": "new.officer", "display_name": "Nguyễn Văn An", "home_organization_id": id(&app.root)}),
    ));
    assert_eq!(status, 201, "{created}");
    let password = created["initial_password"].as_str().unwrap().to_owned();
    assert!(password.chars().count() >= 12);

    let (_, step_one) = json(login(&app, "new.officer", &password));
    assert_eq!(step_one["mfa"], "enroll");
    let secret = step_one["enrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let url = step_one["enrollment"]["otpauth_url"].as_str().unwrap();
    assert!(
        url.starts_with("otpauth://totp/") && url.contains(&secret),
        "{url}"
    );
    assert!(!step_one["enrollment"]["qr_png_base64"]
        .as_str()
        .unwrap()
        .is_empty());

    assert_problem(
        mfa(&app, &step_one["mfa_token"], "000000"),
        401,
        "unauthenticated",
    );
    let (status, session) = json(mfa(&app, &step_one["mfa_token"], &app.code(&secret)));
    assert_eq!(status, 200, "{session}");
    let codes = session["recovery_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 10);
    assert!(session["expires_at"].is_string());

    // a recovery code works once
    app.clock.advance(Duration::seconds(31));
    let recovery = codes[0].as_str().unwrap();
    let (_, again) = json(login(&app, "new.officer", &password));
    assert_eq!(again["mfa"], "totp");
    assert_eq!(mfa(&app, &again["mfa_token"], recovery).status(), 200);
    let (_, third) = json(login(&app, "new.officer", &password));
    assert_problem(
        mfa(&app, &third["mfa_token"], recovery),
        401,
        "unauthenticated",
    );
}

#[test]
fn a_code_is_accepted_once() {
    let app = TestApp::spawn();
    let account = app.account("replay.check", None, &["personnel_viewer"]);
    let code = app.code(&account.totp_secret);
    let (_, first) = json(login(&app, &account.username, &account.password));
    assert_eq!(mfa(&app, &first["mfa_token"], &code).status(), 200);
    let (_, second) = json(login(&app, &account.username, &account.password));
    assert_problem(
        mfa(&app, &second["mfa_token"], &code),
        401,
        "unauthenticated",
    );
    // the next time step's code is fine
    app.clock.advance(Duration::seconds(30));
    assert_eq!(
        mfa(&app, &second["mfa_token"], &app.code(&account.totp_secret)).status(),
        200
    );
}

#[test]
fn repeated_failures_lock_the_account_until_the_lock_ends() {
    let app = TestApp::spawn();
    let account = app.account("lock.check", None, &["personnel_viewer"]);
    for _ in 0..4 {
        assert_problem(
            login(&app, &account.username, "wrong-password-1234"),
            401,
            "unauthenticated",
        );
    }
    let locked = assert_problem(
        login(&app, &account.username, "wrong-password-1234"),
        423,
        "account-locked",
    );
    assert!(locked["detail"].as_str().unwrap().contains("locked until"));
    let until = locked["detail"]
        .as_str()
        .unwrap()
        .rsplit("locked until ")
        .next()
        .unwrap();
    let until = chrono::DateTime::parse_from_rfc3339(until)
        .unwrap_or_else(|e| panic!("{until:?} is not RFC 3339: {e}"));
    let lock = until.with_timezone(&chrono::Utc) - app.clock.now();
    assert!(
        (Duration::minutes(14)..=Duration::minutes(15)).contains(&lock),
        "locked for 15 minutes: {lock}"
    );
    // even the right password is refused while locked
    assert_problem(
        login(&app, &account.username, &account.password),
        423,
        "account-locked",
    );
    let (_, audit) = json(app.get("/api/v1/audit?action=auth.lock"));
    assert_eq!(
        audit["items"][0]["actor"], "lock.check",
        "the lock is audited: {audit}"
    );
    assert_eq!(audit["items"][0]["outcome"], "locked");

    app.clock.advance(Duration::minutes(16));
    let (status, _) = json(login(&app, &account.username, &account.password));
    assert_eq!(status, 200, "the lock has ended");
}

#[test]
fn a_province_user_sees_and_changes_only_its_own_subtree() {
    let app = TestApp::with_demo();
    let hanoi_admin = app.account("hanoi.admin", Some("P01"), &["org_admin"]);
    let (_, hanoi) = json(app.get("/api/v1/organizations/by-code/P01"));
    let (_, hue) = json(app.get("/api/v1/organizations/by-code/P46"));
    let token = app.sign_in(&hanoi_admin);
    app.use_token(Some(token));

    assert_eq!(
        app.get(&format!("/api/v1/organizations/{}", id(&hanoi)))
            .status(),
        200
    );
    assert_problem(
        app.get(&format!("/api/v1/organizations/{}", id(&hue))),
        404,
        "not-found",
    );
    assert_problem(
        app.get(&format!("/api/v1/organizations/{}/subtree", id(&hue))),
        404,
        "not-found",
    );
    assert_problem(
        app.get("/api/v1/organizations/by-code/P46"),
        404,
        "not-found",
    );
    assert_problem(
        app.patch(
            &format!("/api/v1/organizations/{}", id(&hue)),
            1,
            &json!({"name": "x"}),
        ),
        404,
        "not-found",
    );
    let (_, provinces) = json(app.get("/api/v1/organizations?level=province&limit=100"));
    let codes: Vec<&str> = provinces["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["P01"]);
    // a child of Hà Nội can be created; one under Huế cannot
    let mut ward = org("HN-NEW", "Phường Thử", "commune", Some(id(&hanoi)));
    assert_eq!(app.post("/api/v1/organizations", &ward).status(), 201);
    ward["code"] = json!("HUE-NEW");
    ward["parent_id"] = hue["id"].clone();
    let problem = assert_problem(app.post("/api/v1/organizations", &ward), 422, "validation");
    assert_eq!(fields(&problem), ["parent_id"]);

    // no self-promotion: a role not held, or a scope wider than one's own
    let (_, me) = json(app.get("/api/v1/auth/me"));
    let me_id = me["user"]["id"].as_str().unwrap().to_owned();
    assert_problem(
        app.post(
            &format!("/api/v1/users/{me_id}/grants"),
            &json!({"role": "system_admin", "organization_id": id(&hanoi)}),
        ),
        403,
        "forbidden",
    );
    let problem = assert_problem(
        app.post(
            &format!("/api/v1/users/{me_id}/grants"),
            &json!({"role": "org_admin", "organization_id": id(&app.root)}),
        ),
        422,
        "validation",
    );
    assert_eq!(fields(&problem), ["organization_id"]);
}

#[test]
fn removing_a_grant_or_disabling_an_account_takes_effect_at_once() {
    let app = TestApp::spawn();
    let admin_token = app.sign_in(&app.admin);
    let viewer = app.account("viewer.one", None, &["personnel_viewer"]);
    let viewer_token = app.sign_in(&viewer);
    app.use_token(Some(viewer_token.clone()));
    assert_eq!(app.get("/api/v1/organizations").status(), 200);
    let (_, me) = json(app.get("/api/v1/auth/me"));
    let viewer_id = me["user"]["id"].as_str().unwrap().to_owned();
    let grant_id = me["grants"][0]["id"].as_str().unwrap().to_owned();

    app.use_token(Some(admin_token.clone()));
    let removed = app
        .request(
            Method::DELETE,
            &format!("/api/v1/users/{viewer_id}/grants/{grant_id}"),
        )
        .send()
        .unwrap();
    assert_eq!(removed.status(), 204);
    app.use_token(Some(viewer_token.clone()));
    assert_problem(app.get("/api/v1/organizations"), 403, "forbidden");

    app.use_token(Some(admin_token));
    let (_, user) = json(app.get(&format!("/api/v1/users/{viewer_id}")));
    let disabled = app.patch(
        &format!("/api/v1/users/{viewer_id}"),
        user["version"].as_i64().unwrap(),
        &json!({"status": "disabled"}),
    );
    assert_eq!(disabled.status(), 200);
    app.use_token(Some(viewer_token));
    assert_problem(app.get("/api/v1/auth/me"), 401, "unauthenticated");
    assert_problem(
        login(&app, &viewer.username, &viewer.password),
        401,
        "unauthenticated",
    );
}

#[test]
fn a_stale_second_factor_must_be_stepped_up_for_sensitive_actions() {
    let app = TestApp::spawn();
    let t = app.tree(&[("A", "province", "ROOT"), ("B", "province", "ROOT")]);
    let body = json!({"sources": [id(&t["A"]), id(&t["B"])], "target_id": id(&t["A"]),
                      "decision_number": "1/NQ", "effective_date": "2025-07-01"});
    // the admin's second factor is 30 s old; the policy allows 15 minutes
    app.clock.advance(Duration::minutes(16));
    let problem = assert_problem(
        app.post("/api/v1/reorganizations/merge", &body),
        403,
        "step-up-required",
    );
    assert!(problem["detail"].as_str().unwrap().contains("step-up"));
    // an ordinary read still works, and nothing was merged
    let (_, b) = json(app.get(&format!("/api/v1/organizations/{}", id(&t["B"]))));
    assert_eq!(b["status"], "active");

    let replay = app.code(&app.admin.totp_secret);
    assert_eq!(
        app.post("/api/v1/auth/step-up", &json!({"code": replay}))
            .status(),
        204
    );
    assert_problem(
        app.post("/api/v1/auth/step-up", &json!({"code": replay})),
        401,
        "unauthenticated",
    );
    assert_eq!(
        app.post("/api/v1/reorganizations/merge", &body).status(),
        201
    );
}

#[test]
fn sessions_expire_when_idle_and_can_be_listed_and_revoked() {
    let app = TestApp::spawn();
    let (_, sessions) = json(app.get("/api/v1/auth/sessions"));
    let mine = sessions["items"].as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["current"], true);
    assert!(mine[0].get("token_hash").is_none());

    app.clock.advance(Duration::minutes(31));
    assert_problem(app.get("/api/v1/organizations"), 401, "unauthenticated");

    let token = app.sign_in(&app.admin);
    app.use_token(Some(token));
    let logout = app.request(Method::POST, "/api/v1/auth/logout").send();
    assert_eq!(logout.unwrap().status(), 204);
    assert_problem(app.get("/api/v1/organizations"), 401, "unauthenticated");
}

#[test]
fn use_keeps_a_session_alive_past_the_idle_timeout() {
    let app = TestApp::spawn();
    // the idle timeout is 30 minutes: 4 x 20 minutes of steady use outlast it
    for _ in 0..4 {
        app.clock.advance(Duration::minutes(20));
        assert_eq!(app.get("/api/v1/auth/me").status(), 200);
    }
    // uses less than a minute apart need not be recorded, yet never stretch
    // idleness: 29.5 minutes after the last recorded use it is still alive,
    // 31 minutes after, it is gone
    app.clock.advance(Duration::seconds(30));
    assert_eq!(app.get("/api/v1/auth/me").status(), 200);
    app.clock.advance(Duration::seconds(29 * 60));
    assert_eq!(app.get("/api/v1/auth/me").status(), 200);
    app.clock.advance(Duration::minutes(31));
    assert_problem(app.get("/api/v1/auth/me"), 401, "unauthenticated");
}

#[test]
fn commune_level_accounts_cannot_sign_in_until_approved() {
    let app = TestApp::spawn();
    app.tree(&[("P", "province", "ROOT"), ("C", "commune", "P")]);
    let commune_user = app.account("xa.user", Some("C"), &["personnel_viewer"]);
    let problem = assert_problem(
        login(&app, &commune_user.username, &commune_user.password),
        403,
        "forbidden",
    );
    assert!(problem["detail"].as_str().unwrap().contains("commune"));

    let (_, policies) = json(app.get("/api/v1/policies"));
    let commune = policies["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["level"] == "commune")
        .unwrap()
        .clone();
    let response = app
        .request(Method::PUT, "/api/v1/policies/commune")
        .header("If-Match", format!("\"{}\"", commune["version"]))
        .json(
            &json!({"session_lifetime_seconds": 3600, "idle_timeout_seconds": 900,
                      "step_up_max_age_seconds": 300, "sign_in_allowed": true}),
        )
        .send()
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(
        login(&app, &commune_user.username, &commune_user.password).status(),
        200
    );
}

#[test]
fn row_level_security_alone_hides_rows() {
    use diesel::prelude::*;
    let app = TestApp::spawn();
    app.tree(&[("A", "province", "ROOT"), ("B", "province", "ROOT")]);
    #[derive(QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |conn: &mut PgConnection| -> i64 {
        diesel::sql_query("SELECT count(*) AS n FROM organizations")
            .get_result::<Count>(conn)
            .unwrap()
            .n
    };
    // one pooled connection, reused by every step below
    let pool = odb::db::build_pool(&app.db.url, 1).unwrap();
    let mut conn = pool.get().unwrap();
    assert_eq!(count(&mut conn), 0, "no scope: no rows");
    let a = odb::org::repo::find_by_code(&mut app.db.connect(), "A")
        .unwrap()
        .unwrap();
    let scope = odb::context::Scope::Paths {
        read: vec![a.path.clone()],
        write: vec![],
    };
    let inside = conn
        .transaction::<i64, diesel::result::Error, _>(|conn| {
            scope.apply(conn, &[])?;
            Ok(count(conn))
        })
        .unwrap();
    assert_eq!(inside, 1, "scoped to A: only A");
    // after the scoped transaction the setting reads '' on this connection: still nothing
    assert_eq!(count(&mut conn), 0, "'' must not mean everything");
    let updated = diesel::sql_query("UPDATE organizations SET name = 'x'")
        .execute(&mut *conn)
        .unwrap();
    assert_eq!(updated, 0);
    assert!(
        diesel::sql_query("DELETE FROM audit_log")
            .execute(&mut *conn)
            .is_err(),
        "odb_app cannot delete audit rows"
    );
}

#[test]
fn odb_audit_verify_catches_a_row_altered_by_a_superuser() {
    use diesel::connection::SimpleConnection;
    let app = TestApp::spawn();
    app.tree(&[("A", "province", "ROOT")]);
    let data_dir =
        std::env::temp_dir().join(format!("odb-audit-{}", uuid::Uuid::new_v4().simple()));
    let run = |command: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_odb"))
            .args(["--data-dir", data_dir.to_str().unwrap(), "audit", command])
            .env("DATABASE_URL", &app.db.url)
            .env("ODB_LOG", "error")
            .output()
            .unwrap()
    };
    let checkpoint = run("checkpoint");
    assert!(
        checkpoint.status.success(),
        "{}",
        String::from_utf8_lossy(&checkpoint.stderr)
    );
    let verified = run("verify");
    assert!(
        verified.status.success(),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(String::from_utf8_lossy(&verified.stdout).contains("intact"));

    let mut superuser = app.db.connect();
    superuser
        .batch_execute(
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only; \
             UPDATE audit_log SET actor = 'someone else' WHERE id = 2; \
             ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only;",
        )
        .unwrap();
    let failed = run("verify");
    assert_eq!(failed.status.code(), Some(1));
    let message = String::from_utf8_lossy(&failed.stderr);
    assert!(message.contains("row 2"), "{message}");
    std::fs::remove_dir_all(&data_dir).ok();
}

#[test]
fn sign_in_routes_are_rate_limited_per_address() {
    let app = TestApp::spawn();
    // requests that fail no password still count: the limit is on traffic
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(
            app.anonymous_post("/api/v1/auth/login", &json!({"username": "x"}))
                .status()
                .as_u16(),
        );
    }
    assert!(statuses.contains(&422));
    let limited = app.anonymous_post("/api/v1/auth/login", &json!({"username": "x"}));
    let retry_after: i64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry_after));
    assert_problem(limited, 429, "too-many-attempts");
    // other routes are not limited
    assert_eq!(app.get("/api/v1/organizations").status(), 200);
    // with no proxy trusted, a forged X-Forwarded-For changes nothing
    let forged = forwarded_login(&app, "203.0.113.99", &json!({"username": "x"}));
    assert_eq!(forged.status(), 429);
}

fn forwarded_login(app: &TestApp, client: &str, body: &Value) -> Response {
    app.anonymous(Method::POST, "/api/v1/auth/login")
        .header("X-Forwarded-For", client)
        .json(body)
        .send()
        .unwrap()
}

#[test]
fn behind_a_trusted_proxy_limits_and_records_the_forwarded_client() {
    let app = TestApp::behind_proxy();
    for _ in 0..odb::http::rate_limit::REQUESTS_PER_WINDOW {
        forwarded_login(&app, "203.0.113.7", &json!({"username": "x"}));
    }
    let limited = forwarded_login(&app, "203.0.113.7", &json!({"username": "x"}));
    assert_problem(limited, 429, "too-many-attempts");
    // another client behind the same proxy is not held back by the first
    let other = app.account("behind.proxy", None, &["personnel_viewer"]);
    let login = forwarded_login(
        &app,
        "198.51.100.23",
        &json!({"username": other.username, "password": "not the password"}),
    );
    assert_problem(login, 401, "unauthenticated");
    let (_, events) = json(app.get("/api/v1/audit?action=auth.login"));
    let addresses: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["address"].as_str())
        .collect();
    assert!(addresses.contains(&"198.51.100.23"), "{events}");
    // an IPv6 client cannot rotate through its /64 to escape the limit
    for i in 0..odb::http::rate_limit::REQUESTS_PER_WINDOW {
        forwarded_login(
            &app,
            &format!("2001:db8:7:7::{i:x}"),
            &json!({"username": "x"}),
        );
    }
    let rotated = forwarded_login(&app, "2001:db8:7:7:ffff::1", &json!({"username": "x"}));
    assert_problem(rotated, 429, "too-many-attempts");
    let next_door = forwarded_login(&app, "2001:db8:7:8::1", &json!({"username": "x"}));
    assert_eq!(next_door.status(), 422, "another /64 is another client");
}

#[test]
fn accounts_grants_passwords_and_sessions_are_administered() {
    let app = TestApp::spawn();
    let (status, users) = json(app.get("/api/v1/users"));
    assert_eq!(status, 200, "{users}");
    let (status, made) = json(app.post(
        "/api/v1/users",
        &json!({"username": "new.officer", "display_name": "Cán bộ mới",
                "home_organization_id": id(&app.root)}),
    ));
    assert_eq!(status, 201, "{made}");
    let user = format!("/api/v1/users/{}", id(&made["user"]));
    let (status, grant) = json(app.post(
        &format!("{user}/grants"),
        &json!({"role": "personnel_viewer", "organization_id": id(&app.root)}),
    ));
    assert_eq!(status, 201, "{grant}");
    let (_, grants) = json(app.get(&format!("{user}/grants")));
    assert_eq!(grants["items"][0]["id"], grant["id"]);
    let (status, revoked) = json(
        app.request(Method::DELETE, &format!("{user}/sessions"))
            .send()
            .unwrap(),
    );
    assert_eq!((status, revoked["revoked"].as_i64()), (200, Some(0)));

    // a second session of one's own, ended from the first
    let other_device = app.sign_in(&app.admin);
    let (_, sessions) = json(app.get("/api/v1/auth/sessions"));
    let other = sessions["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == false)
        .unwrap();
    let ended = app
        .request(
            Method::DELETE,
            &format!("/api/v1/auth/sessions/{}", id(other)),
        )
        .send()
        .unwrap();
    assert_eq!(ended.status(), 204);
    app.use_token(Some(other_device));
    assert_problem(app.get("/api/v1/auth/me"), 401, "unauthenticated");

    let password = made["initial_password"].as_str().unwrap().to_owned();
    let (_, login) = json(login(&app, "new.officer", &password));
    let secret = login["enrollment"]["secret"].as_str().unwrap().to_owned();
    let (_, session) = json(mfa(&app, &login["mfa_token"], &app.code(&secret)));
    app.use_token(session["access_token"].as_str().map(str::to_owned));
    let changed = app.post(
        "/api/v1/auth/password",
        &json!({"current_password": password, "new_password": "a long new passphrase"}),
    );
    assert_eq!(changed.status(), 204);
}

#[test]
fn an_administrator_resets_a_lost_second_factor_and_the_account_enrolls_again() {
    let app = TestApp::spawn();
    let officer = app.account("officer.lost", None, &["personnel_viewer"]);
    let officer_token = app.sign_in(&officer);
    app.use_token(Some(officer_token.clone()));
    let (_, me) = json(app.get("/api/v1/auth/me"));
    let path = format!("/api/v1/users/{}/mfa", me["user"]["id"].as_str().unwrap());
    let reset = |version: Option<i64>| {
        let request = app.request(Method::DELETE, &path);
        match version {
            Some(v) => request.header("If-Match", format!("\"{v}\"")),
            None => request,
        }
        .send()
        .unwrap()
    };

    // a person without ManageUsers cannot, an administrator cannot reset their own
    assert_problem(reset(Some(1)), 403, "forbidden");
    app.use_token(Some(app.sign_in(&app.admin)));
    let (_, admin_me) = json(app.get("/api/v1/auth/me"));
    let own = app
        .request(
            Method::DELETE,
            &format!(
                "/api/v1/users/{}/mfa",
                admin_me["user"]["id"].as_str().unwrap()
            ),
        )
        .header("If-Match", format!("\"{}\"", admin_me["user"]["version"]))
        .send()
        .unwrap();
    assert_problem(own, 403, "forbidden");
    let (_, before) = json(app.get(&path.replace("/mfa", "")));
    let version = before["version"].as_i64().unwrap();
    assert_eq!(before["mfa_enrolled"], true);
    assert_problem(reset(None), 428, "if-match-required");
    assert_problem(reset(Some(version + 7)), 412, "stale-version");
    // a second factor older than the policy allows must be proved again
    app.clock.advance(Duration::minutes(16));
    assert_problem(reset(Some(version)), 403, "step-up-required");
    let code = app.code(&app.admin.totp_secret);
    assert_eq!(
        app.post("/api/v1/auth/step-up", &json!({"code": code}))
            .status(),
        204
    );

    let (status, after) = json(reset(Some(version)));
    assert_eq!(status, 200, "{after}");
    assert_eq!(after["mfa_enrolled"], false);
    assert_eq!(after["version"].as_i64(), Some(version + 1));
    let (_, audit) = json(app.get("/api/v1/audit?action=user.reset_mfa"));
    assert_eq!(audit["items"][0]["entity_id"], me["user"]["id"], "{audit}");

    // the lost phone's sessions are over; the old secret no longer signs in
    app.use_token(Some(officer_token));
    assert_problem(app.get("/api/v1/auth/me"), 401, "unauthenticated");
    let (status, step_one) = json(login(&app, &officer.username, &officer.password));
    assert_eq!(status, 200, "{step_one}");
    assert_eq!(step_one["mfa"], "enroll");
    let fresh = step_one["enrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(fresh, officer.totp_secret);
    let (status, _) = json(mfa(
        &app,
        &step_one["mfa_token"],
        &app.code(&officer.totp_secret),
    ));
    assert_eq!(status, 401, "the old authenticator's code is refused");
    let (_, step_one) = json(login(&app, &officer.username, &officer.password));
    let fresh = step_one["enrollment"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, session) = json(mfa(&app, &step_one["mfa_token"], &app.code(&fresh)));
    assert_eq!(status, 200, "{session}");
}
