//! The statistics' SQL: every count made by PostgreSQL in one statement.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Date, Text};

use super::model::{CountCell, StaffingRow};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;

/// A subtree on a date: `today` counts from the profiles' status.
#[derive(Debug, Clone)]
pub struct Subtree {
    pub root: TreePath,
    pub date: NaiveDate,
    pub today: bool,
}

/// The profile counts of the dimensions asked for (`odb_official_statistics`,
/// which checks the subtree against the caller's read scope), with the
/// catalog's names, in catalog order.
pub fn profile_counts(
    conn: &mut PgConnection,
    subtree: &Subtree,
    dimensions: &[&str],
) -> QueryResult<Vec<CountCell>> {
    diesel::sql_query(
        "SELECT s.dimension, s.key, e.name, s.n, s.female, s.ethnic_minority \
         FROM odb_official_statistics($1, $2, $3, $4) s \
         LEFT JOIN catalog_entries e ON e.catalog = s.dimension AND e.code = s.key \
         ORDER BY s.dimension, e.sort_order NULLS LAST, s.key",
    )
    .bind::<Ltree, _>(subtree.root.clone())
    .bind::<Date, _>(subtree.date)
    .bind::<Bool, _>(subtree.today)
    .bind::<Array<Text>, _>(dimensions.iter().map(|d| d.to_string()).collect::<Vec<_>>())
    .load(conn)
}

/// The organizations of the subtree open on the date, by section, level
/// and type (row-level security applies: the caller reads the subtree).
pub fn organization_counts(
    conn: &mut PgConnection,
    subtree: &Subtree,
) -> QueryResult<Vec<CountCell>> {
    diesel::sql_query(
        "SELECT CASE WHEN GROUPING(section) = 0 THEN 'section' WHEN GROUPING(level) = 0 THEN 'level' \
                     WHEN GROUPING(type) = 0 THEN 'type' ELSE 'total' END AS dimension, \
                coalesce(CASE WHEN GROUPING(section) = 0 THEN section WHEN GROUPING(level) = 0 THEN level \
                     WHEN GROUPING(type) = 0 THEN type END, 'all') AS key, \
                NULL::text AS name, count(*) AS n, NULL::bigint AS female, NULL::bigint AS ethnic_minority \
         FROM (SELECT CASE WHEN o.org_group = 2 THEN 'state' WHEN o.level = 'central' THEN 'party_central' \
                           ELSE 'party_local' END AS section, \
                      o.level, o.org_type AS type, \
                      CASE o.level WHEN 'central' THEN 0 WHEN 'province' THEN 1 WHEN 'district' THEN 2 ELSE 3 END AS tier \
               FROM organizations o \
               WHERE o.path <@ $1 AND (o.established_on IS NULL OR o.established_on <= $2) \
                 AND (o.dissolved_on IS NULL OR o.dissolved_on > $2) \
                 AND ($3 OR o.status NOT IN ('dissolved', 'merged', 'split'))) s \
         GROUP BY GROUPING SETS ((section), (level, tier), (type), ()) \
         ORDER BY 1, min(tier), 2",
    )
    .bind::<Ltree, _>(subtree.root.clone())
    .bind::<Date, _>(subtree.date)
    .bind::<Bool, _>(!subtree.today)
    .load(conn)
}

/// Each open unit's quotas for the period beside the profiles counted there
/// (`odb_official_headcounts`), with sums per section and for the subtree.
pub fn staffing(
    conn: &mut PgConnection,
    subtree: &Subtree,
    period: &str,
) -> QueryResult<Vec<StaffingRow>> {
    diesel::sql_query(
        "WITH h AS (SELECT organization_id, classification, n FROM odb_official_headcounts($1, $2, $3)), \
         unit AS ( \
           SELECT CASE WHEN o.org_group = 2 THEN 'state' WHEN o.level = 'central' THEN 'party_central' \
                       ELSE 'party_local' END AS section, \
                  o.id, o.code, o.name, q.category, q.assigned::bigint AS assigned, q.current::bigint AS reported, \
                  CASE WHEN q.category = 'other' THEN NULL ELSE coalesce(h.n, 0) END AS counted \
           FROM organizations o \
           JOIN staffing_quotas q ON q.organization_id = o.id AND q.period = $4 \
           LEFT JOIN h ON h.organization_id = o.id AND h.classification = q.category \
           WHERE o.path <@ $1 AND o.status NOT IN ('dissolved', 'merged', 'split')) \
         SELECT section, id AS organization_id, code, name, category, \
                sum(assigned)::bigint AS assigned, sum(counted)::bigint AS current, \
                sum(reported)::bigint AS reported, \
                sum(CASE WHEN counted IS NULL THEN NULL ELSE greatest(assigned - counted, 0) END)::bigint AS vacancies, \
                GROUPING(id, code, name) AS subtotal \
         FROM unit \
         GROUP BY GROUPING SETS ((section, id, code, name, category), (section, category), (category)) \
         ORDER BY GROUPING(section), section, GROUPING(id, code, name), code, category",
    )
    .bind::<Ltree, _>(subtree.root.clone())
    .bind::<Date, _>(subtree.date)
    .bind::<Bool, _>(subtree.today)
    .bind::<Text, _>(period.to_owned())
    .load(conn)
}
