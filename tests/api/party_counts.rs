//! The statistics of today come from counts kept in the transaction of each
//! decision (migration 000018, decision 0023): after every workflow, and
//! after two transfers race, they equal a direct count, for every unit they
//! are kept for.

use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};
use serde_json::{json, Value};

use crate::helpers::{id, json, TestApp};
use crate::party::{admission, decision, demo, get, post, unit_id, Demo};

/// Rows of the kept counts that differ from a count of the member rows, over
/// every unit they are kept for (the Central Committee and the committees
/// directly under it).
pub(crate) fn mismatches(app: &TestApp) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = Text)]
        what: String,
    }
    diesel::sql_query(
        "WITH members AS (
             SELECT m.*, EXISTS (SELECT 1 FROM party_exemptions x WHERE x.member_id = m.id
                                 AND daterange(x.valid_from, x.valid_to) @> current_date) AS exempted
               FROM party_members m WHERE m.status IN ('probationary', 'official')),
         direct AS (
             SELECT u.path AS node, d.dimension, d.key, count(*) AS n
               FROM party_organizations u JOIN members m ON m.path <@ u.path
               CROSS JOIN LATERAL (VALUES ('status', m.status), ('sex', m.sex),
                   ('ethnic_group', coalesce(m.ethnic_group_code, 'unknown')),
                   ('religion', coalesce(m.religion_code, 'unknown')),
                   ('birth_year', to_char(m.birth_date, 'YYYY')),
                   ('admission_year', to_char(m.admitted_on, 'YYYY')),
                   ('exempted', CASE WHEN m.exempted THEN 'true' END)) AS d(dimension, key)
              WHERE nlevel(u.path) <= 2 AND d.key IS NOT NULL
              GROUP BY 1, 2, 3),
         kept AS (
             SELECT node, dimension, key, sum(n) AS n FROM party_member_counts
              GROUP BY 1, 2, 3 HAVING sum(n) <> 0)
         SELECT format('%s %s=%s: kept %s, counted %s', node, dimension, key, kept.n, direct.n) AS what
           FROM kept FULL JOIN direct USING (node, dimension, key)
          WHERE kept.n IS DISTINCT FROM direct.n",
    )
    .load::<Mismatch>(&mut app.db.connect())
    .unwrap()
    .into_iter()
    .map(|m| m.what)
    .collect()
}

/// Statistics of past dates from the kept changes (migration 000027,
/// decision 0032) that differ from those counted from the periods, for
/// every unit they are kept for that holds members: on each day since
/// `since` a period or an exemption starts or ends and the day before it,
/// and every `step` days since `first`.
pub(crate) fn history_mismatches(
    app: &TestApp,
    since: &str,
    (first, step): (&str, i32),
) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Mismatch {
        #[diesel(sql_type = Text)]
        what: String,
    }
    let mut conn = app.db.connect();
    conn.transaction(|conn| {
        diesel::sql_query(
            "SELECT set_config('odb.party_read_scope', \
             (SELECT '{' || path::text || '}' FROM party_organizations WHERE parent_id IS NULL), true)",
        )
        .execute(conn)?;
        diesel::sql_query(
            "WITH dates AS (
                 SELECT DISTINCT d FROM (
                     SELECT unnest(ARRAY[valid_from, valid_from - 1, valid_to, valid_to - 1]) AS d
                       FROM party_member_periods
                     UNION ALL
                     SELECT unnest(ARRAY[valid_from, valid_from - 1, valid_to, valid_to - 1])
                       FROM party_exemptions) b
                  WHERE d >= $1::date
                 UNION
                 SELECT generate_series($2::date, current_date + 40, make_interval(days => $3))::date),
             units AS (
                 SELECT DISTINCT u FROM party_member_periods, odb_party_count_nodes(path) AS u)
             SELECT format('%s on %s: %s=%s kept %s, counted %s', u, d, x.dimension, x.key, x.kept, x.counted)
                    AS what
               FROM dates, units,
                    LATERAL (SELECT dimension, key, k.n AS kept, c.n AS counted
                               FROM (SELECT * FROM odb_party_statistics(u, d, false) WHERE n <> 0) k
                               FULL JOIN (SELECT * FROM odb_party_statistics_counted(u, d, false)
                                           WHERE n <> 0 AND NOT (dimension = 'exempted' AND key = 'false')) c
                               USING (dimension, key)
                              WHERE k.n IS DISTINCT FROM c.n) x
              ORDER BY d, u",
        )
        .bind::<Text, _>(since)
        .bind::<Text, _>(first)
        .bind::<diesel::sql_types::Integer, _>(step)
        .load::<Mismatch>(conn)
    })
    .unwrap()
    .into_iter()
    .map(|m| m.what)
    .collect()
}

/// Statistics as (dimension, key) -> count, without the zeros.
type Counts = BTreeMap<(String, String), i64>;

fn from_api(stats: &Value) -> Counts {
    let mut counts = Counts::new();
    for (dimension, field) in [
        ("status", "by_status"),
        ("sex", "by_sex"),
        ("age_band", "by_age_band"),
        ("ethnic_group", "by_ethnic_group"),
        ("religion", "by_religion"),
        ("admission_year", "by_admission_year"),
        ("years_of_membership", "by_years_of_membership"),
    ] {
        for (key, n) in stats[field].as_object().unwrap() {
            counts.insert((dimension.into(), key.clone()), n.as_i64().unwrap());
        }
    }
    counts.insert(
        ("total".into(), "all".into()),
        stats["total"].as_i64().unwrap(),
    );
    counts.insert(
        ("exempted".into(), "true".into()),
        stats["exempted"].as_i64().unwrap(),
    );
    counts.retain(|_, n| *n != 0);
    counts
}

/// The same statistics counted from the periods (the path of a past date),
/// with the unit's subtree as the party scope.
fn counted(d: &Demo, unit: &str, on: chrono::NaiveDate) -> Counts {
    #[derive(QueryableByName)]
    struct Cell {
        #[diesel(sql_type = Text)]
        dimension: String,
        #[diesel(sql_type = Text)]
        key: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut conn = d.app.db.connect();
    conn.transaction(|conn| {
        diesel::sql_query(
            "SELECT set_config('odb.party_read_scope', \
             (SELECT '{' || path::text || '}' FROM party_organizations WHERE id = $1::uuid), true)",
        )
        .bind::<Text, _>(unit)
        .execute(conn)?;
        diesel::sql_query(
            "SELECT s.dimension, s.key, s.n FROM party_organizations u, \
             odb_party_statistics_counted(u.path, $2, false) s WHERE u.id = $1::uuid",
        )
        .bind::<Text, _>(unit)
        .bind::<Date, _>(on)
        .load::<Cell>(conn)
    })
    .unwrap()
    .into_iter()
    .filter(|c| c.n != 0 && !(c.dimension == "exempted" && c.key == "false"))
    .map(|c| ((c.dimension, c.key), c.n))
    .collect()
}

/// Every kept row equals a direct count, and the statistics the API gives
/// equal those counted from the periods: of the country and two provinces
/// (from the kept counts) and of two communes' committees (from the member
/// rows).
fn check(d: &Demo, after: &str) {
    assert_eq!(mismatches(&d.app), Vec::<String>::new(), "after {after}");
    assert_eq!(
        history_mismatches(&d.app, "2025-06-01", ("1990-01-01", 365)),
        Vec::<String>::new(),
        "past dates after {after}"
    );
    for code in [
        "",
        "DB-P01",
        "DB-P27",
        "DU-P01-PHUONG-BADINH",
        "DU-P27-TIENDU-PHATTICH-2025",
    ] {
        let unit = if code.is_empty() {
            central(d)
        } else {
            unit_id(&d.app, code)
        };
        let (status, stats) = json(d.app.get(&format!(
            "/api/v1/party-statistics?party_organization_id={unit}"
        )));
        assert_eq!(status, 200, "{stats}");
        let on = stats["as_of"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            from_api(&stats),
            counted(d, &unit, on),
            "{code} after {after}"
        );
    }
}

fn central(d: &Demo) -> String {
    #[derive(QueryableByName)]
    struct Unit {
        #[diesel(sql_type = Text)]
        id: String,
    }
    diesel::sql_query("SELECT id::text AS id FROM party_organizations WHERE parent_id IS NULL")
        .get_result::<Unit>(&mut d.app.db.connect())
        .unwrap()
        .id
}

fn ok(response: crate::helpers::Response) -> Value {
    let (status, body) = json(response);
    assert!(status < 300, "{status}: {body}");
    body
}

fn version(member: &Value) -> Option<i64> {
    Some(member["version"].as_i64().unwrap())
}

/// POST `…/party-members/{id}/{action}` as Hà Nội, with the member's version.
fn act(d: &Demo, member: &Value, action: &str, body: &Value) -> Value {
    let path = format!("/api/v1/party-members/{}/{action}", id(member));
    ok(post(&d.app, &d.hanoi, &path, body, version(member)))
}

fn transfer(d: &Demo, member: &Value, to: &str) -> crate::helpers::Response {
    post(
        &d.app,
        &d.hanoi,
        "/api/v1/party-transfers",
        &json!({
            "member_id": id(member), "to_party_organization_code": to, "issued_on": "2026-09-02",
            "decision_number": "8-GGT/ĐU", "issuing_body": "Đảng ủy phường Ba Đình",
        }),
        None,
    )
}

#[test]
fn kept_counts_equal_a_direct_count_after_every_workflow_and_a_race() {
    let d = demo();
    check(&d, "the demo");
    let cell = unit_id(&d.app, "CB-P01-PHUONG-BADINH-2");
    let admit = |name: &str, code: &str| {
        let mut body = admission(&cell, name, code, "2025-07-10");
        body["birth_date"] = json!("1960-12-31");
        body["religion_code"] = Value::Null;
        ok(post(&d.app, &d.hanoi, "/api/v1/party-members", &body, None))
    };
    let an = admit("Đặng Văn An", "001160000301");
    let binh = admit("Đặng Văn Bình", "001160000302");
    let cuong = admit("Đặng Văn Cường", "001160000303");
    check(&d, "admissions");
    let recognition = json!({"official_on": "2026-07-10", "decision_number": "2-QĐ/ĐU",
                             "deciding_body": "Đảng ủy phường"});
    let an = act(&d, &an, "recognize", &recognition);
    check(&d, "a recognition");
    let exemption = json!({"reason": "age", "from_on": "2026-08-01", "decision_number": "4-QĐ/ĐU",
                           "deciding_body": "Đảng ủy phường"});
    let an = act(&d, &an, "exemption", &exemption);
    check(&d, "an exemption");
    let attendance = json!({"party_organization_code": "CB-P27-TIENDU-PHATTICH-2025-1",
        "from_on": "2026-08-01", "decision_number": "5-QĐ/ĐU", "deciding_body": "Đảng ủy phường"});
    let binh = act(&d, &binh, "attendance", &attendance);
    check(&d, "an attendance elsewhere");
    let binh = act(&d, &binh, "attendance/end", &decision("2026-09-01"));
    act(&d, &binh, "remove", &decision("2026-09-02"));
    check(&d, "an attendance ended and a removal");
    let issued = ok(transfer(&d, &an, "CB-P27-TIENDU-PHATTICH-2025-2"));
    let accept = json!({"accepted_on": "2026-09-05", "decision_number": "3-TN/ĐU",
                        "accepting_body": "Đảng ủy xã Phật Tích"});
    let accepted = ok(post(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-transfers/{}/accept", id(&issued)),
        &accept,
        Some(1),
    ));
    check(&d, "an exempted member transferred to Bắc Ninh");
    let an = accepted["member"].clone();
    let path = format!("/api/v1/party-members/{}/exemption/end", id(&an));
    ok(post(
        &d.app,
        &d.bacninh,
        &path,
        &decision("2026-09-06"),
        version(&an),
    ));
    check(&d, "an exemption ended");
    let cuong = act(&d, &cuong, "exemption", &exemption);
    act(&d, &cuong, "death", &decision("2026-09-07"));
    check(&d, "the death of an exempted member");
    let dung = admit("Đặng Văn Dũng", "001160000304");
    act(&d, &dung, "expel", &decision("2026-09-08"));
    check(&d, "an expulsion");

    // two transfers of one member race, then two acceptances of the winner
    let em = admit("Đặng Văn Em", "001160000305");
    let mut holder = d.app.db.connect();
    diesel::sql_query("BEGIN").execute(&mut holder).unwrap();
    diesel::sql_query("SELECT 1 FROM party_members WHERE id = $1::uuid FOR UPDATE")
        .bind::<Text, _>(id(&em))
        .execute(&mut holder)
        .unwrap();
    let issued = std::thread::scope(|threads| {
        let first = threads.spawn(|| json(transfer(&d, &em, "CB-P27-TIENDU-PHATTICH-2025-1")));
        let second = threads.spawn(|| json(transfer(&d, &em, "CB-P27-TIENDU-TTLIM-2025-1")));
        std::thread::sleep(std::time::Duration::from_millis(300));
        diesel::sql_query("COMMIT").execute(&mut holder).unwrap();
        [first.join().unwrap(), second.join().unwrap()]
    });
    let winner = issued.iter().find(|(s, _)| *s == 201).unwrap().1.clone();
    assert!(issued.iter().any(|(s, _)| *s == 409), "{issued:?}");
    let path = format!("/api/v1/party-transfers/{}/accept", id(&winner));
    let accepted = std::thread::scope(|threads| {
        let both: Vec<_> = (0..2)
            .map(|_| threads.spawn(|| json(post(&d.app, &d.bacninh, &path, &accept, Some(1)))))
            .collect();
        both.into_iter()
            .map(|t| t.join().unwrap().0)
            .collect::<Vec<u16>>()
    });
    assert_eq!(
        accepted.iter().filter(|s| **s == 200).count(),
        1,
        "{accepted:?}"
    );
    let (_, now) = get(
        &d.app,
        &d.bacninh,
        &format!("/api/v1/party-members/{}", id(&em)),
    );
    assert_eq!(
        now["party_organization_id"],
        winner["to_party_organization_id"]
    );
    check(&d, "two racing transfers");
}
