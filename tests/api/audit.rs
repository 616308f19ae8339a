//! The hash-chained audit log: appending, verifying, tampering, checkpoints
//! and scoped listing, straight against PostgreSQL.

use crate::helpers::*;

use std::path::PathBuf;

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::{Connection, PgConnection, RunQueryDsl};
use odb::audit::{self, AuditEvent, AuditFilter, CheckpointStore, VerifyError};
use odb::db::ltree::TreePath;
use serde_json::json;

fn at(n: i64) -> DateTime<Utc> {
    // Nanoseconds on purpose: PostgreSQL keeps microseconds only.
    Utc.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap()
        + Duration::seconds(n)
        + Duration::nanoseconds(123_456_789)
}

fn event(n: i64, path: Option<&str>) -> AuditEvent {
    AuditEvent {
        actor_id: Some(uuid::Uuid::from_u128(n as u128)),
        actor: Some(format!("user{n}")),
        entity_type: Some("organization".into()),
        entity_id: Some(format!("org-{n}")),
        organization_path: path.map(|p| TreePath(p.into())),
        fields: vec!["name".into(), "address".into()],
        address: Some("10.0.0.1".into()),
        request_id: Some(format!("req-{n}")),
        // Keys out of order, numbers jsonb rewrites: hashing must survive both.
        details: json!({"z": 1, "a": [1.50, 1e2, 12345678901234567890u64, "x"], "m": {"b": null, "a": true}}),
        ..AuditEvent::new("organization.update", "success")
    }
}

fn seed(conn: &mut PgConnection, count: i64) {
    conn.transaction::<_, odb::error::AppError, _>(|conn| {
        for n in 1..=count {
            audit::append(conn, &event(n, Some("root.a")), at(n))?;
        }
        Ok(())
    })
    .unwrap();
}

fn run(conn: &mut PgConnection, sql: &str) -> diesel::QueryResult<usize> {
    diesel::sql_query(sql).execute(conn)
}

/// What only a superuser can do: edit the log behind the trigger's back.
fn tamper(conn: &mut PgConnection, sql: &str) {
    run(
        conn,
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    )
    .unwrap();
    run(conn, sql).unwrap();
    run(
        conn,
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
    )
    .unwrap();
}

fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("audit")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn store(dir: &std::path::Path) -> CheckpointStore {
    let key = audit::load_or_create_key(&dir.join("key")).unwrap();
    CheckpointStore::new(dir.join("checkpoints.jsonl"), key)
}

#[test]
fn an_appended_chain_verifies_and_an_altered_row_is_named() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 5);

    let report = audit::verify(&mut conn, None).unwrap();
    assert_eq!(report.rows, 5);
    assert_eq!(report.last_id, Some(5));
    assert_eq!(report.last_hash_hex.as_ref().map(String::len), Some(64));

    let dir = scratch();
    let store = store(&dir);
    let written = store.write_latest(&mut conn, at(10)).unwrap().unwrap();
    assert_eq!(written.id, 5);
    assert_eq!(Some(&written.hash), report.last_hash_hex.as_ref());
    assert_eq!(store.write_latest(&mut conn, at(11)).unwrap(), None);
    assert_eq!(store.read_all().unwrap(), vec![written]);
    let checked = audit::verify(&mut conn, Some(&store)).unwrap();
    assert_eq!(checked.checkpoints_checked, 1);

    tamper(
        &mut conn,
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 3",
    );
    let err = audit::verify(&mut conn, Some(&store)).unwrap_err();
    assert!(matches!(err, VerifyError::Altered { id: 3 }), "{err:?}");
    assert!(err.to_string().contains("audit row 3 was altered"), "{err}");
}

#[test]
fn a_deleted_row_shows_as_a_gap() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 5);
    tamper(&mut conn, "DELETE FROM audit_log WHERE id = 2");

    let err = audit::verify(&mut conn, None).unwrap_err();
    assert!(
        matches!(err, VerifyError::Gap { first: 2, found: 3 }),
        "{err:?}"
    );
    assert!(err.to_string().contains("gap before row 3"), "{err}");
}

#[test]
fn a_row_inserted_by_hand_is_caught() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 3);
    run(
        &mut conn,
        "INSERT INTO audit_log (id, at, action, outcome, prev_hash, hash) \
         VALUES (4, now(), 'auth.login', 'success', '\\x00', '\\x01')",
    )
    .unwrap();

    let err = audit::verify(&mut conn, None).unwrap_err();
    assert!(matches!(err, VerifyError::Altered { id: 4 }), "{err:?}");
}

#[test]
fn a_recomputed_chain_is_caught_by_an_earlier_checkpoint() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 5);
    let dir = scratch();
    let store = store(&dir);
    store.write_latest(&mut conn, at(10)).unwrap().unwrap();

    // Rewrite history from row 3 on, hashes and links all recomputed.
    tamper(&mut conn, "DELETE FROM audit_log WHERE id >= 3");
    for n in 3..=5 {
        audit::append(&mut conn, &event(n + 100, Some("root.a")), at(n)).unwrap();
    }

    let alone = audit::verify(&mut conn, None).unwrap();
    assert_eq!(alone.rows, 5, "the chain alone cannot tell");
    let err = audit::verify(&mut conn, Some(&store)).unwrap_err();
    assert!(
        matches!(err, VerifyError::CheckpointMismatch { id: 5, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("checkpoint at id 5"), "{err}");
    // Nor does the next checkpoint bless the rewrite.
    let err = store.write_latest(&mut conn, at(20)).unwrap_err();
    assert!(
        matches!(err, VerifyError::CheckpointMismatch { id: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn a_truncated_tail_is_caught_by_a_checkpoint() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 5);
    let dir = scratch();
    let store = store(&dir);
    store.write_latest(&mut conn, at(10)).unwrap().unwrap();
    tamper(&mut conn, "DELETE FROM audit_log WHERE id >= 4");

    assert_eq!(audit::verify(&mut conn, None).unwrap().rows, 3);
    let err = audit::verify(&mut conn, Some(&store)).unwrap_err();
    assert!(
        matches!(err, VerifyError::CheckpointMismatch { id: 5, .. }),
        "{err:?}"
    );
}

#[test]
fn a_tampered_checkpoint_line_is_caught() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 2);
    let dir = scratch();
    let store = store(&dir);
    store.write_latest(&mut conn, at(10)).unwrap().unwrap();
    seed(&mut conn, 1);
    store.write_latest(&mut conn, at(11)).unwrap().unwrap();
    assert_eq!(
        audit::verify(&mut conn, Some(&store))
            .unwrap()
            .checkpoints_checked,
        2
    );

    let text = std::fs::read_to_string(store.path()).unwrap();
    let forged = text.replacen("\"id\":2", "\"id\":1", 1);
    assert_ne!(text, forged);
    std::fs::write(store.path(), forged).unwrap();

    let err = audit::verify(&mut conn, Some(&store)).unwrap_err();
    assert!(
        matches!(err, VerifyError::BadCheckpoint { line: 1, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("line 1"), "{err}");
}

#[test]
fn checkpoints_are_private_and_keys_load_in_both_forms() {
    use std::os::unix::fs::PermissionsExt;
    let dir = scratch();
    let key = audit::load_or_create_key(&dir.join("key")).unwrap();
    assert_eq!(audit::load_or_create_key(&dir.join("key")).unwrap(), key);
    let mode = std::fs::metadata(dir.join("key"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);

    std::fs::write(dir.join("raw"), [7u8; 32]).unwrap();
    assert_eq!(
        audit::load_or_create_key(&dir.join("raw")).unwrap(),
        [7u8; 32]
    );
    std::fs::write(dir.join("hex"), format!("{}\n", "ab".repeat(32))).unwrap();
    assert_eq!(
        audit::load_or_create_key(&dir.join("hex")).unwrap(),
        [0xab; 32]
    );
    std::fs::write(dir.join("bad"), "not a key").unwrap();
    assert!(audit::load_or_create_key(&dir.join("bad")).is_err());

    let db = TestDatabase::new();
    let mut conn = db.connect();
    let store = store(&dir);
    assert_eq!(
        store.write_latest(&mut conn, at(1)).unwrap(),
        None,
        "empty log"
    );
    seed(&mut conn, 1);
    store.write_latest(&mut conn, at(2)).unwrap().unwrap();
    let mode = std::fs::metadata(store.path())
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[test]
fn the_trigger_refuses_update_and_delete() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 2);

    let err = run(
        &mut conn,
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
    )
    .unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    let err = run(&mut conn, "DELETE FROM audit_log WHERE id = 2").unwrap_err();
    assert!(err.to_string().contains("append-only"), "{err}");
    assert_eq!(audit::verify(&mut conn, None).unwrap().rows, 2);
}

#[test]
fn the_service_role_may_append_and_read_but_never_rewrite() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    run(&mut conn, "SET ROLE odb_app").unwrap();
    seed(&mut conn, 3);
    assert_eq!(audit::verify(&mut conn, None).unwrap().rows, 3);

    for sql in [
        "UPDATE audit_log SET actor = 'mallory' WHERE id = 1",
        "DELETE FROM audit_log WHERE id = 3",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
    ] {
        let err = run(&mut conn, sql).unwrap_err().to_string();
        assert!(
            err.contains("permission denied") || err.contains("must be owner"),
            "{sql}: {err}"
        );
    }
    run(&mut conn, "RESET ROLE").unwrap();
    assert_eq!(audit::verify(&mut conn, None).unwrap().rows, 3);
}

#[test]
fn concurrent_appenders_keep_one_linear_chain() {
    let db = TestDatabase::new();
    let workers: Vec<_> = (0..4)
        .map(|w| {
            let url = db.url.clone();
            std::thread::spawn(move || {
                let mut conn = PgConnection::establish(&url).unwrap();
                for n in 0..10 {
                    conn.transaction::<_, odb::error::AppError, _>(|conn| {
                        audit::append(conn, &event(w * 100 + n, None), at(n))
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().unwrap();
    }
    let report = audit::verify(&mut db.connect(), None).unwrap();
    assert_eq!(report.rows, 40);
}

#[test]
fn a_rolled_back_append_leaves_no_trace() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 1);
    let _ = conn.transaction::<(), odb::error::AppError, _>(|conn| {
        audit::append(conn, &event(2, None), at(2))?;
        Err(odb::error::AppError::Internal(
            "the audited change failed".into(),
        ))
    });
    seed(&mut conn, 1);
    assert_eq!(audit::verify(&mut conn, None).unwrap().rows, 2);

    for bad in [
        AuditEvent::new("auth.login", "Maybe!"),
        AuditEvent::new(" ", "success"),
    ] {
        assert!(audit::append(&mut conn, &bad, at(3)).is_err(), "{bad:?}");
    }
}

#[test]
fn listing_is_newest_first_and_scoped_by_path() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    let paths = [
        Some("root.a"),
        Some("root.a.b"),
        Some("root.c"),
        None,
        Some("root.ab"),
    ];
    for (n, path) in paths.iter().enumerate() {
        let mut e = event(n as i64 + 1, *path);
        if path.is_none() {
            e.action = "auth.login".into();
        }
        audit::append(&mut conn, &e, at(n as i64 + 1)).unwrap();
    }
    let ids = |filter: AuditFilter, conn: &mut PgConnection| -> Vec<i64> {
        audit::list(conn, &filter)
            .unwrap()
            .iter()
            .map(|e| e.id)
            .collect()
    };
    let scoped = |paths: &[&str]| AuditFilter {
        scope: Some(paths.iter().map(|p| TreePath((*p).into())).collect()),
        ..AuditFilter::default()
    };

    assert_eq!(ids(AuditFilter::default(), &mut conn), vec![5, 4, 3, 2, 1]);
    assert_eq!(ids(scoped(&["root.a"]), &mut conn), vec![2, 1]);
    assert_eq!(ids(scoped(&["root.a.b", "root.c"]), &mut conn), vec![3, 2]);
    assert_eq!(ids(scoped(&["root"]), &mut conn), vec![5, 3, 2, 1]);
    assert!(ids(scoped(&[]), &mut conn).is_empty());

    let page = AuditFilter {
        before_id: Some(4),
        limit: 2,
        ..AuditFilter::default()
    };
    assert_eq!(ids(page, &mut conn), vec![3, 2]);
    let login = AuditFilter {
        action: Some("auth.login".into()),
        ..AuditFilter::default()
    };
    assert_eq!(ids(login, &mut conn), vec![4]);
    let by_actor = AuditFilter {
        actor_id: Some(uuid::Uuid::from_u128(2)),
        entity_type: Some("organization".into()),
        entity_id: Some("org-2".into()),
        ..AuditFilter::default()
    };
    assert_eq!(ids(by_actor, &mut conn), vec![2]);
    let window = AuditFilter {
        from: Some(at(2) - Duration::milliseconds(1)),
        to: Some(at(4)),
        ..AuditFilter::default()
    };
    assert_eq!(ids(window, &mut conn), vec![3, 2]);

    let entry = &audit::list(&mut conn, &scoped(&["root.a.b"])).unwrap()[0];
    assert_eq!(entry.at, at(2) - Duration::nanoseconds(789));
    assert_eq!(entry.organization_path.as_deref(), Some("root.a.b"));
    assert_eq!(entry.fields, vec!["name", "address"]);
    assert_eq!(entry.details["m"]["a"], json!(true));
    assert_eq!(entry.hash.len(), 64);
    let body = serde_json::to_value(entry).unwrap();
    assert_eq!(body["actor"], "user2");

    let too_many = AuditFilter {
        limit: 0,
        ..AuditFilter::default()
    };
    assert!(audit::list(&mut conn, &too_many).is_err());
}

#[test]
fn verification_streams_across_batches() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    // One more than a batch (10 000), so the keyset walk turns a page.
    seed(&mut conn, 10_001);
    tamper(
        &mut conn,
        "UPDATE audit_log SET outcome = 'failure' WHERE id = 10001",
    );
    let err = audit::verify(&mut conn, None).unwrap_err();
    assert!(
        matches!(err, VerifyError::Altered { id: 10_001 }),
        "{err:?}"
    );
}

#[test]
fn a_long_transactions_entries_append_at_once_past_one_statements_bind_limit() {
    let db = TestDatabase::new();
    let mut conn = db.connect();
    seed(&mut conn, 2);
    // 15 values a row: one insert of 5,000 rows would bind 75,000 (> 65,535)
    let held: Vec<AuditEvent> = (3..=5_002).map(|n| event(n, Some("root.a"))).collect();
    conn.transaction::<_, odb::error::AppError, _>(|conn| audit::append_all(conn, &held, at(3)))
        .unwrap();
    let report = audit::verify(&mut conn, None).unwrap();
    assert_eq!((report.rows, report.last_id), (5_002, Some(5_002)));
}
