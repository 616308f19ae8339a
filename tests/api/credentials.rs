//! Credentials: how they are kept (only as hashes), the password rule, a
//! code used twice, and what an unknown username costs.

use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::helpers::*;

#[derive(QueryableByName)]
struct Text {
    #[diesel(sql_type = diesel::sql_types::Text)]
    text: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Every row of every table of the database, as JSON text.
fn every_row(conn: &mut PgConnection) -> Vec<(String, String)> {
    let tables: Vec<Text> = diesel::sql_query(
        "SELECT table_name::text AS text FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE'",
    )
    .load(conn)
    .unwrap();
    tables
        .into_iter()
        .map(|table| {
            let rows: Text = diesel::sql_query(format!(
                "SELECT coalesce(string_agg(row_to_json(t)::text, E'\\n'), '') AS text FROM {} t",
                table.text
            ))
            .get_result(conn)
            .unwrap();
            (table.text, rows.text)
        })
        .collect()
}

/// Counts the rows of `sql` with `$1` bound to `value`.
fn count(conn: &mut PgConnection, sql: &str, value: &str) -> i64 {
    diesel::sql_query(sql)
        .bind::<diesel::sql_types::Text, _>(value)
        .get_result::<Count>(conn)
        .unwrap()
        .n
}

#[test]
fn recovery_codes_and_session_tokens_are_stored_only_as_hashes() {
    let app = TestApp::spawn();
    let (_, created) = json(app.post(
        "/api/v1/users",
        &json!({"username": "hashed.only", "display_name": "Trần Văn Bình", "home_organization_id": id(&app.root)}),
    ));
    let password = created["initial_password"].as_str().unwrap();
    let (_, step_one) = json(login(&app, "hashed.only", password));
    let secret = step_one["enrollment"]["secret"].as_str().unwrap();
    let (status, session) = json(mfa(&app, &step_one["mfa_token"], &app.code(secret)));
    assert_eq!(status, 200, "{session}");
    let access = session["access_token"].as_str().unwrap();
    let mfa_token = step_one["mfa_token"].as_str().unwrap();
    let codes: Vec<&str> = session["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(codes.len(), 10);

    let mut conn = app.db.connect();
    let mut secrets = vec![access.to_owned(), mfa_token.to_owned()];
    secrets.extend(codes.iter().map(|c| c.to_string()));
    secrets.extend(codes.iter().map(|c| c.replace('-', "")));
    for (table, rows) in every_row(&mut conn) {
        for value in &secrets {
            assert!(!rows.contains(value.as_str()), "{table} holds {value}");
        }
    }
    // what is kept is SHA-256, computed here by PostgreSQL, not by odb
    let hashed_code = "SELECT count(*) AS n FROM recovery_codes
                        WHERE code_hash = encode(sha256(convert_to(replace($1, '-', ''), 'UTF8')), 'hex')
                          AND used_at IS NULL";
    for code in &codes {
        assert_eq!(count(&mut conn, hashed_code, code), 1, "{code}");
    }
    let hashed_token = |table: &str| {
        format!(
            "SELECT count(*) AS n FROM {table} WHERE token_hash = sha256(convert_to($1, 'UTF8'))"
        )
    };
    assert_eq!(count(&mut conn, &hashed_token("sessions"), access), 1);
    assert_eq!(
        count(&mut conn, &hashed_token("mfa_challenges"), mfa_token),
        1
    );
}

#[test]
fn a_code_used_already_says_so_and_counts_toward_no_lock() {
    let app = TestApp::spawn();
    let account = app.account("reuse.check", None, &["personnel_viewer"]);
    let code = app.code(&account.totp_secret);
    let (_, first) = json(login(&app, &account.username, &account.password));
    assert_eq!(mfa(&app, &first["mfa_token"], &code).status(), 200);

    // more reuses than it takes to lock the account
    let (_, second) = json(login(&app, &account.username, &account.password));
    let reuses = odb::auth::attempts::MAX_ACCOUNT_FAILURES + 1;
    for _ in 0..reuses {
        let problem = assert_problem(
            mfa(&app, &second["mfa_token"], &code),
            401,
            "unauthenticated",
        );
        let detail = problem["detail"].as_str().unwrap();
        assert!(
            detail.contains("used already") && detail.contains("wait for the next one"),
            "{detail}"
        );
    }
    let wrong = if code == "000000" { "999999" } else { "000000" };
    let problem = assert_problem(
        mfa(&app, &second["mfa_token"], wrong),
        401,
        "unauthenticated",
    );
    assert_eq!(problem["detail"], "wrong code");

    // not locked: the next step's code signs in with the same token
    app.clock.advance(Duration::seconds(30));
    let next = app.code(&account.totp_secret);
    let (status, session) = json(mfa(&app, &second["mfa_token"], &next));
    assert_eq!(status, 200, "{session}");

    // step-up says the same of a code just used
    app.use_token(session["access_token"].as_str().map(str::to_owned));
    let problem = assert_problem(
        app.post("/api/v1/auth/step-up", &json!({"code": next})),
        401,
        "unauthenticated",
    );
    assert!(problem["detail"].as_str().unwrap().contains("used already"));

    let admin = app.sign_in(&app.admin);
    app.use_token(Some(admin));
    let outcomes = |action: &str| -> Vec<String> {
        let (_, audit) = json(app.get(&format!("/api/v1/audit?action={action}&limit=100")));
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["actor"] == "reuse.check")
            .map(|e| e["outcome"].as_str().unwrap().to_owned())
            .collect()
    };
    let mfa_outcomes = outcomes("auth.mfa");
    let reused = mfa_outcomes.iter().filter(|o| *o == "reused").count();
    assert_eq!(reused, reuses as usize, "{mfa_outcomes:?}");
    assert_eq!(
        mfa_outcomes.iter().filter(|o| *o == "failure").count(),
        1,
        "{mfa_outcomes:?}"
    );
    assert_eq!(outcomes("auth.step_up"), ["reused"]);
}

#[test]
fn a_chosen_password_needs_twelve_characters() {
    let app = TestApp::spawn();
    let account = app.account("password.rule", None, &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&account)));
    let change = |new: &str| {
        app.post(
            "/api/v1/auth/password",
            &json!({"current_password": account.password, "new_password": new}),
        )
    };
    let problem = assert_problem(change("elevenchars"), 422, "validation");
    assert_eq!(fields(&problem), ["new_password"]);
    assert!(
        problem["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("at least 12"),
        "{problem}"
    );
    assert_eq!(change("twelve chars").status(), 204);
    let renewed = Account {
        password: "twelve chars".into(),
        ..account.clone()
    };
    app.sign_in(&renewed);
}

/// Median milliseconds of the samples.
fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// A behaviour check, not a performance target: an unknown username must
/// cost a password hash like a known one, or its speed tells which names
/// exist. Skipping the hash makes the unknown path many times faster, far
/// outside the bound.
#[test]
fn an_unknown_username_costs_the_same_time_as_a_known_one() {
    let app = TestApp::spawn();
    // four wrong passwords each stay under the lock
    let known: Vec<Account> = (0..2)
        .map(|i| app.account(&format!("timed.{i}"), None, &["personnel_viewer"]))
        .collect();
    let attempt = |username: &str| -> f64 {
        let started = std::time::Instant::now();
        let response = login(&app, username, "not-the-password-at-all");
        let took = started.elapsed().as_secs_f64() * 1000.0;
        assert_eq!(response.status(), 401);
        took
    };
    let (mut unknown, mut existing) = (Vec::new(), Vec::new());
    for i in 0..8 {
        // interleaved, so a busy moment slows both alike
        unknown.push(attempt(&format!("nobody.{i}")));
        existing.push(attempt(&known[i % 2].username));
    }
    let (unknown, existing) = (median(unknown), median(existing));
    let ratio = unknown / existing;
    assert!(
        (0.33..=3.0).contains(&ratio),
        "unknown {unknown:.1} ms, known {existing:.1} ms (median of 8): ratio {ratio:.2}"
    );
}

#[test]
fn a_refusal_says_in_words_which_role_is_needed() {
    let app = TestApp::spawn();
    let viewer = app.account("viewer.only", None, &["personnel_viewer"]);
    app.use_token(Some(app.sign_in(&viewer)));
    let profile: Value = json!({
        "classification": "civil_servant",
        "managing_organization_id": id(&app.root),
        "using_organization_id": id(&app.root),
        "full_name": "Phan Văn Khải",
        "sex": "male",
        "birth_date": "1980-05-17",
        "personal_identification_code": "001080099999",
    });
    let problem = assert_problem(app.post("/api/v1/officials", &profile), 403, "forbidden");
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("needs the personnel_editor role") && !detail.contains("EditPersonnel"),
        "{detail}"
    );
}
