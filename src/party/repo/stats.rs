//! Statistics of a subtree's members on a date, computed by PostgreSQL in
//! one pass: counts by status, sex, age band, ethnic group, religion,
//! admission year and years of membership, and the exempted apart.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;

#[derive(Debug, QueryableByName)]
pub struct Cell {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// Who counts on the date: members (probationary or official) whose home
/// cell lies in the subtree; today from the rows themselves, another day
/// from the periods.
fn counted(today: bool) -> &'static str {
    if today {
        "SELECT m.id, m.status, m.sex, m.ethnic_group_code, m.religion_code, m.birth_date, m.admitted_on \
         FROM party_members m WHERE m.path <@ $1 AND m.status IN ('probationary', 'official')"
    } else {
        "SELECT m.id, p.status, m.sex, m.ethnic_group_code, m.religion_code, m.birth_date, m.admitted_on \
         FROM party_member_periods p JOIN party_members m ON m.id = p.member_id \
         WHERE p.path <@ $1 AND daterange(p.valid_from, p.valid_to) @> $2 \
           AND p.status IN ('probationary', 'official')"
    }
}

const AGGREGATE: &str = "
SELECT CASE WHEN GROUPING(status) = 0 THEN 'status' WHEN GROUPING(sex) = 0 THEN 'sex'
            WHEN GROUPING(age_band) = 0 THEN 'age_band' WHEN GROUPING(ethnic) = 0 THEN 'ethnic_group'
            WHEN GROUPING(religion) = 0 THEN 'religion' WHEN GROUPING(admitted) = 0 THEN 'admission_year'
            WHEN GROUPING(membership) = 0 THEN 'years_of_membership'
            WHEN GROUPING(exempted) = 0 THEN 'exempted' ELSE 'total' END AS dimension,
       coalesce(CASE WHEN GROUPING(status) = 0 THEN status WHEN GROUPING(sex) = 0 THEN sex
            WHEN GROUPING(age_band) = 0 THEN age_band WHEN GROUPING(ethnic) = 0 THEN ethnic
            WHEN GROUPING(religion) = 0 THEN religion WHEN GROUPING(admitted) = 0 THEN admitted
            WHEN GROUPING(membership) = 0 THEN membership
            WHEN GROUPING(exempted) = 0 THEN exempted::text ELSE 'all' END, 'unknown') AS key,
       count(*) AS n
FROM (SELECT c.status, c.sex, c.ethnic_group_code AS ethnic, c.religion_code AS religion,
             CASE WHEN a < 30 THEN 'under_30' WHEN a < 40 THEN '30_39' WHEN a < 50 THEN '40_49'
                  WHEN a < 60 THEN '50_59' WHEN a < 70 THEN '60_69' ELSE '70_and_over' END AS age_band,
             extract(year FROM c.admitted_on)::int::text AS admitted,
             CASE WHEN y < 5 THEN 'under_5' WHEN y < 10 THEN '5_9' WHEN y < 20 THEN '10_19'
                  WHEN y < 30 THEN '20_29' WHEN y < 40 THEN '30_39' WHEN y < 50 THEN '40_49'
                  ELSE '50_and_over' END AS membership,
             x.member_id IS NOT NULL AS exempted
      FROM counted c
      -- exemptions never overlap (an exclusion constraint): at most one per member
      LEFT JOIN (SELECT member_id FROM party_exemptions
                 WHERE daterange(valid_from, valid_to) @> $2) x ON x.member_id = c.id,
           LATERAL (SELECT extract(year FROM age($2, c.birth_date))::int AS a,
                           extract(year FROM age($2, c.admitted_on))::int AS y) ages) s
GROUP BY GROUPING SETS ((status), (sex), (age_band), (ethnic), (religion), (admitted), (membership),
                        (exempted), ())";

pub fn cells(
    conn: &mut PgConnection,
    root: &TreePath,
    date: NaiveDate,
    today: bool,
) -> QueryResult<Vec<Cell>> {
    let sql = format!("WITH counted AS ({}) {AGGREGATE}", counted(today));
    diesel::sql_query(sql)
        .bind::<Ltree, _>(root.clone())
        .bind::<Date, _>(date)
        .load(conn)
}
