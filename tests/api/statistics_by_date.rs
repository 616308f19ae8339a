//! Table 27 statistics of past (and future) dates, summed from the changes
//! kept by date (decision 0038), against counts made here with the rule of
//! the scan they replace: every table after bulk loads, dated retirements
//! and deaths, transfers, corrections and deletions, on each change's date
//! and the day before, and on a birthday that crosses a band's edge.

use chrono::{Datelike, Duration, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{Date, Text};

use crate::helpers::*;
use crate::reports::{
    assert_counted_here_on, assert_headcounts_counted_here, in_service, people_under, populated,
};

/// The nth profile by id (deterministic across runs of the same seed).
const NTH: &str = "(SELECT id FROM officials ORDER BY id OFFSET $2 LIMIT 1)";

fn change(conn: &mut PgConnection, sql: &str, date: NaiveDate, nth: i64) {
    diesel::sql_query(sql.replace("$NTH", NTH))
        .bind::<Date, _>(date)
        .bind::<diesel::sql_types::BigInt, _>(nth)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// Dated changes and the dates they make interesting: each change's own
/// date and the day before, a month's first day and the last day of the
/// month before, a 30th birthday and the day before it.
fn dated_changes(app: &TestApp, today: NaiveDate) -> Vec<NaiveDate> {
    let mut conn = app.db.connect();
    let retired = today - Duration::days(45);
    let died = (today - Duration::days(95)).with_day(1).unwrap();
    let birthday = today - Duration::days(75);
    let born = today - Duration::days(20);
    let leaving = today + Duration::days(10);
    let steps: &[(&str, NaiveDate, i64)] = &[
        // retired and died on dated days, one in P01 moved there afterwards
        (
            "UPDATE officials SET status = 'retired', retired_on = $1 WHERE id = $NTH",
            retired,
            3,
        ),
        (
            "UPDATE officials SET status = 'retired', retired_on = $1,
                    using_organization_id = (SELECT id FROM organizations WHERE code = 'P01')
             WHERE id = $NTH",
            retired,
            4,
        ),
        (
            "UPDATE officials SET status = 'deceased', died_on = $1 WHERE id = $NTH",
            died,
            5,
        ),
        // retired, then dead a month later (the earlier date ends them)
        (
            "UPDATE officials SET status = 'deceased', retired_on = $1 - 30, died_on = $1
             WHERE id = $NTH",
            retired,
            6,
        ),
        // born in an edge year (40 in the year asked), retired on a date asked
        (
            "UPDATE officials SET status = 'retired', retired_on = $1,
                    birth_date = ($1 - interval '40 years')::date - 10
             WHERE id = $NTH",
            retired,
            13,
        ),
        // retired with no date: counted on every past date
        (
            "UPDATE officials SET status = 'retired', retired_on = NULL WHERE id = $NTH AND $1 IS NOT NULL",
            today,
            7,
        ),
        // an end before the birth date: never counted
        (
            "UPDATE officials SET status = 'retired', retired_on = birth_date - 1 WHERE id = $NTH AND $1 IS NOT NULL",
            today,
            8,
        ),
        // archived: never counted
        (
            "UPDATE officials SET status = 'archived' WHERE id = $NTH AND $1 IS NOT NULL",
            today,
            9,
        ),
        // still active, leaving in ten days
        (
            "UPDATE officials SET retired_on = $1 WHERE id = $NTH",
            leaving,
            10,
        ),
        // 30 on the birthday, in P01
        (
            "UPDATE officials SET birth_date = ($1 - interval '30 years')::date,
                    using_organization_id = (SELECT id FROM organizations WHERE code = 'P01')
             WHERE id = $NTH",
            birthday,
            11,
        ),
        // born this month (the changes of a date's own month after it)
        (
            "UPDATE officials SET birth_date = $1 WHERE id = $NTH",
            born,
            12,
        ),
        // a retired profile's codes corrected and moved out of P01
        (
            "UPDATE officials SET rank_code = NULL, sex = CASE sex WHEN 'female' THEN 'male' ELSE 'female' END,
                    using_organization_id = (SELECT id FROM organizations WHERE code = 'VN')
             WHERE id IN (SELECT id FROM officials WHERE status = 'retired' AND retired_on < $1
                          ORDER BY id LIMIT 3 OFFSET $2)",
            today,
            0,
        ),
        // a retired profile's career changed, another one's removed
        (
            "UPDATE official_career SET academic_title_code = NULL, education_level_code = NULL
             WHERE official_id IN (SELECT id FROM officials WHERE retired_on < $1 ORDER BY id LIMIT 2 OFFSET $2)",
            today,
            0,
        ),
        (
            "DELETE FROM official_career
             WHERE official_id IN (SELECT id FROM officials WHERE retired_on < $1 ORDER BY id LIMIT 1 OFFSET $2)",
            today,
            2,
        ),
        // a retired profile deleted
        (
            "DELETE FROM official_records WHERE official_id IN
               (SELECT id FROM officials WHERE retired_on < $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
            today,
            0,
        ),
        (
            "DELETE FROM officials WHERE id IN
               (SELECT id FROM officials WHERE retired_on < $1 ORDER BY id DESC LIMIT 1 OFFSET $2)",
            today,
            0,
        ),
    ];
    for (sql, date, nth) in steps {
        change(&mut conn, sql, *date, *nth);
    }
    let mut dates = vec![];
    for date in [
        retired,
        retired - Duration::days(30),
        died,
        birthday,
        born,
        leaving,
    ] {
        dates.extend([date - Duration::days(1), date]);
    }
    dates.extend([today - Duration::days(60), today - Duration::days(400)]);
    dates
}

#[test]
fn past_dates_are_summed_from_kept_changes() {
    let (app, today) = populated();
    // a second bulk load through the generator's COPY
    odb::fixtures::officials::generate(
        &mut app.db.connect(),
        &app.keyring,
        60,
        12,
        app.clock.now(),
        &mut |_| {},
    )
    .unwrap();
    let dates = dated_changes(&app, today);
    assert_counted_here_on(&app, today, &dates);
    let everyone = people_under(&app, "VN");
    for date in &dates {
        assert!(
            everyone.iter().any(|p| in_service(p, *date, false)),
            "someone counted on {date}"
        );
    }
    // the headcounts beside the quotas, the day after a retirement
    assert_headcounts_counted_here(&app, today, today - Duration::days(44));
}

#[derive(QueryableByName, PartialEq, Debug)]
struct Cell {
    #[diesel(sql_type = Text)]
    dimension: String,
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The country's kept figures of a date, every dimension, as the owner.
fn kept_on(conn: &mut PgConnection, date: NaiveDate) -> Vec<Cell> {
    diesel::sql_query(
        "SELECT dimension, key, n FROM odb_official_kept_statistics(
             (SELECT path FROM organizations WHERE code = 'VN'), $1, false,
             ARRAY['classification', 'rank', 'degree', 'political_theory', 'sex', 'ethnic_group',
                   'academic_title', 'education_level', 'age_band'])
         ORDER BY 1, 2",
    )
    .bind::<Date, _>(date)
    .load(conn)
    .unwrap()
}

/// The same figures counted from the profiles with the scan's rule.
fn scanned_on(conn: &mut PgConnection, date: NaiveDate) -> Vec<Cell> {
    diesel::sql_query(
        "SELECT d.dimension, coalesce(d.key, 'unknown') AS key, count(*) AS n
         FROM officials o LEFT JOIN official_career k ON k.official_id = o.id
         CROSS JOIN LATERAL (VALUES ('classification', o.classification), ('rank', o.rank_code),
             ('degree', o.degree_code), ('political_theory', o.political_theory_code), ('sex', o.sex),
             ('ethnic_group', o.ethnic_group_code), ('academic_title', k.academic_title_code),
             ('education_level', k.education_level_code), ('total', 'all'),
             ('age_band', CASE width_bucket(extract(year FROM age($1, o.birth_date)),
                  ARRAY[30, 40, 50, 60]::numeric[]) WHEN 0 THEN 'under_30' WHEN 1 THEN '30_39'
                  WHEN 2 THEN '40_49' WHEN 3 THEN '50_59' ELSE '60_and_over' END)) d (dimension, key)
         WHERE o.status IN ('active', 'retired', 'deceased') AND o.birth_date <= $1
           AND (o.retired_on IS NULL OR o.retired_on > $1) AND (o.died_on IS NULL OR o.died_on > $1)
         GROUP BY 1, 2 ORDER BY 1, 2",
    )
    .bind::<Date, _>(date)
    .load(conn)
    .unwrap()
}

fn execute(conn: &mut PgConnection, sql: &str) {
    diesel::sql_query(sql)
        .execute(conn)
        .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

/// An active profile with a career that has an education level.
const ONE: &str =
    "(SELECT k.official_id FROM official_career k JOIN officials o ON o.id = k.official_id
                    WHERE o.status = 'active' AND k.education_level_code IS NOT NULL
                    ORDER BY 1 LIMIT 1)";

/// ONE's rows of each table, kept aside as saved_<table>.
fn save(conn: &mut PgConnection, tables: &[(&str, &str)]) {
    for (table, key) in tables {
        execute(conn, &format!("DROP TABLE IF EXISTS saved_{table}"));
        execute(
            conn,
            &format!(
                "CREATE TEMP TABLE saved_{table} AS SELECT * FROM {table} WHERE {key} = {ONE}"
            ),
        );
    }
}

/// A change each trigger counts: a profile and a career removed and added
/// again (the inserts; the removal is counted by the other triggers), a
/// profile retired, a profile removed, a career corrected, one removed.
fn change_for(trigger: &str, conn: &mut PgConnection) {
    match trigger.split_once(" ON").map(|(name, _)| name) {
        Some("officials_counted_insert") => {
            save(conn, &[("officials", "id"), ("official_personal", "official_id")]);
            save(conn, &[("official_career", "official_id")]);
            execute(
                conn,
                "DELETE FROM official_records WHERE official_id = (SELECT id FROM saved_officials)",
            );
            execute(
                conn,
                "DELETE FROM officials WHERE id = (SELECT id FROM saved_officials)",
            );
            for table in ["officials", "official_personal", "official_career"] {
                execute(
                    conn,
                    &format!("INSERT INTO {table} SELECT * FROM saved_{table}"),
                );
            }
        }
        Some("careers_counted_insert") => {
            save(conn, &[("official_career", "official_id")]);
            execute(
                conn,
                "DELETE FROM official_career WHERE official_id = (SELECT official_id FROM saved_official_career)",
            );
            execute(
                conn,
                "INSERT INTO official_career SELECT * FROM saved_official_career",
            );
        }
        Some("officials_counted_update") => execute(
            conn,
            &format!(
                "UPDATE officials SET status = 'retired', retired_on = birth_date + 1 WHERE id = {ONE}"
            ),
        ),
        Some("officials_counted_delete") => {
            save(conn, &[("officials", "id")]);
            execute(
                conn,
                "DELETE FROM official_records WHERE official_id = (SELECT id FROM saved_officials)",
            );
            execute(
                conn,
                "DELETE FROM officials WHERE id = (SELECT id FROM saved_officials)",
            );
        }
        Some("careers_counted_update") => execute(
            conn,
            &format!(
                "UPDATE official_career SET education_level_code = NULL WHERE official_id = {ONE}"
            ),
        ),
        _ => execute(
            conn,
            &format!("DELETE FROM official_career WHERE official_id = {ONE}"),
        ),
    }
}

const TRIGGERS: [&str; 6] = [
    "officials_counted_insert ON officials",
    "officials_counted_update ON officials",
    "officials_counted_delete ON officials",
    "careers_counted_insert ON official_career",
    "careers_counted_update ON official_career",
    "careers_counted_delete ON official_career",
];

/// Each trigger keeps the counts of some change: with it dropped (in a
/// transaction rolled back), that change leaves the past figures wrong;
/// with it in place, right.
#[test]
fn each_count_trigger_is_needed() {
    let (app, today) = populated();
    let earlier = today - Duration::days(40);
    let mut conn = app.db.connect();
    assert_eq!(kept_on(&mut conn, earlier), scanned_on(&mut conn, earlier));
    for trigger in TRIGGERS {
        let (kept, scanned) = conn.test_transaction::<_, diesel::result::Error, _>(|conn| {
            diesel::sql_query(format!("DROP TRIGGER {trigger}")).execute(conn)?;
            change_for(trigger, conn);
            Ok((kept_on(conn, earlier), scanned_on(conn, earlier)))
        });
        assert_ne!(kept, scanned, "without {trigger}");
    }
    for trigger in TRIGGERS {
        conn.transaction::<_, diesel::result::Error, _>(|conn| {
            change_for(trigger, conn);
            Ok(())
        })
        .unwrap();
        assert_eq!(
            kept_on(&mut conn, earlier),
            scanned_on(&mut conn, earlier),
            "{trigger}"
        );
    }
}
