//! A batch's creates and changes in part are decided together (decision
//! 0037): each event must get the outcome, and leave the profile, history
//! and audit entries, it would have got decided on its own. The same
//! events are sent twice, about two sets of people: once as they are
//! (decided together), once with an organization event that makes the
//! whole batch be decided one event at a time; the two must agree.

use diesel::prelude::*;
use serde_json::{json, Value};

use crate::sync::{count, event, official, outcomes, send, setup, whole, Setup};

/// A profile without a salary (so a change to it is decided with the batch).
fn plain(org: &Value, name: &str, code: &str) -> Value {
    let mut plain = whole(org, name, code);
    let fields = plain.as_object_mut().unwrap();
    for key in [
        "rank_code",
        "salary_step",
        "salary_coefficient",
        "salary_step_since",
    ] {
        fields.remove(key);
    }
    plain
}

/// MOHA's id and the personal identification code of person `n` of a set.
fn about(set: u8, n: u32) -> (String, String) {
    (format!("S{set}-{n:04}"), format!("00109{set}{n:06}"))
}

fn ev(sequence: i64, who: &(String, String), kind: (&str, i64), data: Value) -> Value {
    event(sequence, (&who.0, &who.1), kind, data)
}

/// The people the mixed batch of `set` finds already held: P (to be sent
/// again, and older), Q (to skip a version of), R and R2 (to change).
fn before(s: &Setup, set: u8) -> Vec<Value> {
    let base = i64::from(set) * 1000;
    let batch = vec![
        ev(
            base + 1,
            &about(set, 1),
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn Phúc", &about(set, 1).1),
        ),
        ev(
            base + 2,
            &about(set, 2),
            ("official.upserted", 1),
            plain(&s.ministry, "Trần Văn Quang", &about(set, 2).1),
        ),
        ev(
            base + 3,
            &about(set, 3),
            ("official.upserted", 1),
            plain(&s.department, "Lê Thị Rạng", &about(set, 3).1),
        ),
        ev(
            base + 4,
            &about(set, 4),
            ("official.upserted", 1),
            plain(&s.province, "Phạm Văn Rực", &about(set, 4).1),
        ),
        ev(
            base + 5,
            &about(set, 5),
            ("official.upserted", 1),
            whole(&s.ministry, "Đặng Văn Lương", &about(set, 5).1),
        ),
        ev(
            base + 6,
            &about(set, 6),
            ("official.upserted", 1),
            whole(&s.province, "Mai Thị Vân", &about(set, 6).1),
        ),
    ];
    let answer = send(s, &batch);
    assert_eq!(outcomes(&answer), ["applied"; 6], "{answer}");
    batch
}

/// Valid creates (one with a salary, one naming its organizations by
/// code), a resent event, a stale version, a gap, an invalid field, a
/// group 1 unit, a change in part, a change about nobody, unknown codes.
fn mixed(s: &Setup, set: u8, earlier: &[Value]) -> Vec<Value> {
    let base = i64::from(set) * 1000 + 100;
    let mut young = plain(&s.ministry, "Đỗ Văn Trẻ", &about(set, 13).1);
    young["birth_date"] = json!("2020-01-01");
    let mut unranked = whole(&s.ministry, "Vũ Văn Ngạch", &about(set, 16).1);
    unranked["rank_code"] = json!("99.999");
    let mut coded = plain(&s.ministry, "Hồ Thị Mã", &about(set, 17).1);
    let fields = coded.as_object_mut().unwrap();
    fields.remove("managing_organization_id");
    fields.remove("using_organization_id");
    fields.insert("managing_organization_code".into(), json!("BNV-VP"));
    fields.insert("using_organization_code".into(), json!("P01"));
    vec![
        ev(
            base,
            &about(set, 11),
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn Một", &about(set, 11).1),
        ),
        ev(
            base + 1,
            &about(set, 12),
            ("official.upserted", 2),
            plain(&s.province, "Nguyễn Thị Hai", &about(set, 12).1),
        ),
        earlier[0].clone(),
        ev(
            base + 3,
            &about(set, 1),
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn Cũ", &about(set, 1).1),
        ),
        ev(
            base + 4,
            &about(set, 2),
            ("official.changed", 3),
            json!({"phone": "0911111111"}),
        ),
        ev(base + 5, &about(set, 13), ("official.upserted", 1), young),
        ev(
            base + 6,
            &about(set, 14),
            ("official.upserted", 1),
            plain(&s.party, "Bùi Văn Đảng", &about(set, 14).1),
        ),
        ev(
            base + 7,
            &about(set, 3),
            ("official.changed", 2),
            json!({"phone": "0987654321", "job_position": "Chuyên viên chính", "email": null}),
        ),
        ev(
            base + 8,
            &about(set, 15),
            ("official.changed", 1),
            json!({"phone": "0912345678"}),
        ),
        ev(
            base + 9,
            &about(set, 16),
            ("official.upserted", 1),
            unranked,
        ),
        ev(
            base + 10,
            &about(set, 4),
            ("official.changed", 2),
            json!({"religion_code": "ZZ"}),
        ),
        ev(base + 11, &about(set, 17), ("official.upserted", 1), coded),
        ev(
            base + 12,
            &about(set, 4),
            ("official.changed", 2),
            json!({"hometown": "Hà Nội"}),
        ),
        // a raise: the salary history's open record closes, a new one opens
        ev(
            base + 13,
            &about(set, 5),
            ("official.changed", 2),
            json!({"salary_step": 5, "salary_coefficient": 3.66, "salary_step_since": "2023-01-01"}),
        ),
        // beside a salary history, a change that leaves the salary alone
        ev(
            base + 14,
            &about(set, 6),
            ("official.changed", 2),
            json!({"phone": "0909090909"}),
        ),
    ]
}

const EXPECTED: [&str; 15] = [
    "applied",
    "applied",
    "duplicate",
    "stale",
    "rejected",
    "rejected",
    "rejected",
    "applied",
    "rejected",
    "rejected",
    "rejected",
    "applied",
    "applied",
    "applied",
    "applied",
];

/// Records how many profiles each statement inserts or updates (as the
/// database's owner, outside what the service may do).
fn count_rows_per_statement(s: &Setup) {
    let mut conn = s.app.db.connect();
    for sql in [
        "CREATE TABLE test_statement_rows (op text NOT NULL, n bigint NOT NULL)",
        "CREATE FUNCTION test_count_rows() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ \
         BEGIN INSERT INTO test_statement_rows SELECT TG_OP, count(*) FROM new_rows; \
         RETURN NULL; END $$",
        "CREATE TRIGGER test_count_inserted AFTER INSERT ON officials \
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION test_count_rows()",
        "CREATE TRIGGER test_count_updated AFTER UPDATE ON officials \
         REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION test_count_rows()",
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
}

/// The most profiles one statement inserted and updated since the last call.
fn widest(s: &Setup) -> (i64, i64) {
    let most = |op: &str| {
        count(
            s,
            &format!("SELECT coalesce(max(n), 0) AS n FROM test_statement_rows WHERE op = '{op}'"),
        )
    };
    let widest = (most("INSERT"), most("UPDATE"));
    diesel::sql_query("DELETE FROM test_statement_rows")
        .execute(&mut s.app.db.connect())
        .unwrap();
    widest
}

/// A new group 2 unit: an organization event, so its batch is decided one
/// event at a time.
fn organization_event(sequence: i64) -> Value {
    json!({
        "event_id": uuid::Uuid::new_v4(),
        "sequence": sequence,
        "occurred_at": "2026-11-29T07:00:00Z",
        "type": "organization.upserted",
        "entity": {"moha_id": "DV-TEST", "organization_code": "BNV-THU"},
        "version": 1,
        "data": {"code": "BNV-THU", "name": "Vụ Thử nghiệm", "level": "central",
                 "type": "department", "group": 2, "parent_code": "BNV",
                 "established_on": "2000-01-01"},
    })
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Written {
    #[diesel(sql_type = diesel::sql_types::Text)]
    what: String,
}

/// What the profile's rows say that does not name the person: its view,
/// its history, its salary records, its audit entries, in order.
fn written(s: &Setup, id: &Value) -> Vec<String> {
    let mut view = official(s, id);
    let personal = ["id", "personal_identification_code", "full_name"];
    for key in personal.iter().chain(&["created_at", "updated_at"]) {
        view.as_object_mut().unwrap().remove(*key);
    }
    let uuid = id.as_str().unwrap();
    let (_, mut history) =
        crate::helpers::json(s.app.get(&format!("/api/v1/officials/{uuid}/history")));
    for line in history["items"].as_array_mut().unwrap() {
        line.as_object_mut().unwrap().remove("at");
    }
    let mut written = vec![view.to_string(), history.to_string()];
    let mut conn = s.app.db.connect();
    let mut rows: Vec<Written> = diesel::sql_query(format!(
        "SELECT concat_ws(' ', kind, from_date, to_date, data::text, version) AS what \
         FROM official_records WHERE official_id = '{uuid}' ORDER BY from_date, kind"
    ))
    .load(&mut conn)
    .unwrap();
    rows.extend(
        diesel::sql_query(format!(
            "SELECT concat_ws(' ', action, entity_type, actor, array_to_string(fields, ','), \
                    organization_path::text, outcome) AS what \
             FROM audit_log WHERE entity_id = '{uuid}' ORDER BY id"
        ))
        .load::<Written>(&mut conn)
        .unwrap(),
    );
    written.extend(rows.into_iter().map(|r| r.what));
    written
}

/// The versions the entities of `set` are held at (not those no event
/// was applied to).
fn versions(s: &Setup, set: u8) -> Vec<String> {
    let rows: Vec<Written> = diesel::sql_query(format!(
        "SELECT concat_ws(' ', substr(entity_key, 4), version) AS what FROM sync_entities \
         WHERE entity_key LIKE 'S{set}-%' AND version > 0 ORDER BY entity_key"
    ))
    .load(&mut s.app.db.connect())
    .unwrap();
    rows.into_iter().map(|r| r.what).collect()
}

#[test]
fn a_mixed_batch_decided_together_gets_what_each_event_gets_on_its_own() {
    let s = setup();
    count_rows_per_statement(&s);
    let earlier_1 = before(&s, 1);
    let earlier_2 = before(&s, 2);
    widest(&s);

    let together = send(&s, &mixed(&s, 1, &earlier_1));
    assert_eq!(outcomes(&together), EXPECTED, "{together}");
    assert_eq!(
        widest(&s),
        (3, 3),
        "the three creates in one statement, the three changes decided together in another"
    );

    let mut alone = mixed(&s, 2, &earlier_2);
    alone.push(organization_event(5000));
    let one_by_one = send(&s, &alone);
    assert_eq!(widest(&s), (1, 1), "decided one event at a time");
    let mut expected = EXPECTED.to_vec();
    expected.push("applied");
    assert_eq!(outcomes(&one_by_one), expected, "{one_by_one}");

    for i in 0..EXPECTED.len() {
        let (ours, theirs) = (&together["results"][i], &one_by_one["results"][i]);
        assert_eq!(ours["problem"], theirs["problem"], "event {i}");
        if ours["outcome"] == "applied" || ours["outcome"] == "stale" {
            assert_eq!(
                written(&s, &ours["official_id"]),
                written(&s, &theirs["official_id"]),
                "event {i}"
            );
        }
    }
    let problems: Vec<&str> = together["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["problem"]["type"].as_str().unwrap_or(""))
        .collect();
    let problem = |name: &str| format!("https://odb.gov.vn/problems/{name}");
    assert_eq!(problems[4], problem("version-gap"));
    assert_eq!(problems[5], problem("validation"));
    assert_eq!(problems[6], problem("forbidden"));
    assert_eq!(problems[8], problem("unknown-entity"));
    assert_eq!(problems[9], problem("validation"));
    assert_eq!(problems[10], problem("validation"));
    assert_eq!(versions(&s, 1), versions(&s, 2));
    // every event but the resent one stored, each once
    let stored = "SELECT count(*) AS n FROM sync_events WHERE entity_key LIKE 'S1-%'";
    assert_eq!(count(&s, stored), 6 + 14);
    // the chain still holds, link by link
    let report = odb::audit::verify(&mut s.app.db.connect(), None).unwrap();
    assert!(report.rows > 0);
}

#[test]
fn a_batch_write_refused_by_the_database_is_decided_again_one_event_at_a_time() {
    let s = setup();
    // one profile per statement, or the statement fails: a constraint only
    // the batch's writes can trip
    let mut conn = s.app.db.connect();
    for sql in [
        "CREATE SEQUENCE test_refused_statements",
        "CREATE FUNCTION test_one_at_a_time() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER AS $$ \
         BEGIN IF (SELECT count(*) FROM new_rows) > 1 THEN \
             PERFORM nextval('test_refused_statements'); \
             RAISE EXCEPTION 'one profile at a time' USING ERRCODE = 'check_violation'; \
         END IF; RETURN NULL; END $$",
        "CREATE TRIGGER test_one_at_a_time AFTER INSERT ON officials REFERENCING NEW TABLE AS new_rows \
         FOR EACH STATEMENT EXECUTE FUNCTION test_one_at_a_time()",
    ] {
        diesel::sql_query(sql).execute(&mut conn).unwrap();
    }
    let mut young = plain(&s.ministry, "Đỗ Văn Trẻ", &about(3, 3).1);
    young["birth_date"] = json!("2020-01-01");
    let batch = vec![
        ev(
            1,
            &about(3, 1),
            ("official.upserted", 1),
            whole(&s.ministry, "Nguyễn Văn Một", &about(3, 1).1),
        ),
        ev(
            2,
            &about(3, 2),
            ("official.upserted", 1),
            plain(&s.province, "Nguyễn Thị Hai", &about(3, 2).1),
        ),
        ev(3, &about(3, 3), ("official.upserted", 1), young),
        ev(
            4,
            &about(3, 4),
            ("official.upserted", 1),
            plain(&s.party, "Bùi Văn Đảng", &about(3, 4).1),
        ),
        ev(
            5,
            &about(3, 5),
            ("official.upserted", 1),
            plain(&s.department, "Lê Văn Năm", &about(3, 5).1),
        ),
    ];
    let answer = send(&s, &batch);
    assert_eq!(
        outcomes(&answer),
        ["applied", "applied", "rejected", "rejected", "applied"],
        "{answer}"
    );
    assert_eq!(
        count(&s, "SELECT last_value AS n FROM test_refused_statements"),
        1,
        "the batch's write was tried, refused, and rolled back"
    );
    assert_eq!(count(&s, "SELECT count(*) AS n FROM officials"), 3);
    assert_eq!(count(&s, "SELECT count(*) AS n FROM sync_events"), 5);
    let created = "SELECT count(*) AS n FROM audit_log WHERE action = 'official.create'";
    assert_eq!(
        count(&s, created),
        3,
        "one entry per profile, none from the refused write"
    );
    let linked = "SELECT count(*) AS n FROM sync_entities WHERE version = 1";
    assert_eq!(count(&s, linked), 3);
    // sent again: all duplicates
    assert_eq!(outcomes(&send(&s, &batch)), ["duplicate"; 5]);
}
