use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use uuid::Uuid;

use super::model::{Deviation, Quota};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::staffing_quotas as q;
use crate::db::sql::SqlBuilder;

pub fn of_organization(
    conn: &mut PgConnection,
    org: Uuid,
    period: Option<&str>,
) -> QueryResult<Vec<Quota>> {
    let mut query = q::table.filter(q::organization_id.eq(org)).into_boxed();
    if let Some(period) = period {
        query = query.filter(q::period.eq(period.to_owned()));
    }
    query
        .order((q::period.desc(), q::category))
        .select(Quota::as_select())
        .load(conn)
}

pub fn find_for_update(
    conn: &mut PgConnection,
    org: Uuid,
    period: &str,
    category: &str,
) -> QueryResult<Option<Quota>> {
    q::table
        .filter(
            q::organization_id
                .eq(org)
                .and(q::period.eq(period))
                .and(q::category.eq(category)),
        )
        .select(Quota::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, quota: &Quota) -> QueryResult<()> {
    diesel::insert_into(q::table)
        .values(quota)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut PgConnection, quota: &Quota) -> QueryResult<()> {
    diesel::update(q::table.find(quota.id))
        .set(quota)
        .execute(conn)
        .map(drop)
}

pub enum Direction {
    Over,
    Under,
    Any,
}

/// Current units inside `root` whose headcount is over or under quota in
/// `period`, the largest deviation first; `after` is the offset of the page.
pub fn deviations(
    conn: &mut PgConnection,
    root: &TreePath,
    period: &str,
    direction: Direction,
    offset: i64,
    limit: i64,
) -> QueryResult<Vec<Deviation>> {
    let condition = match direction {
        Direction::Over => " AND q.current > q.assigned",
        Direction::Under => " AND q.current < q.assigned",
        Direction::Any => " AND q.current <> q.assigned",
    };
    SqlBuilder::new(
        "SELECT o.id AS organization_id, o.code, o.name, q.category, q.assigned, q.current, \
                q.current - q.assigned AS difference \
         FROM staffing_quotas q JOIN organizations o ON o.id = q.organization_id \
         WHERE o.status NOT IN ('dissolved', 'merged', 'split') AND o.path <@ ",
    )
    .bind::<Ltree, _>(root.clone())
    .sql(" AND q.period = ")
    .bind::<Text, _>(period.to_owned())
    .sql(condition)
    .sql(" ORDER BY abs(q.current - q.assigned) DESC, o.code, q.category OFFSET ")
    .bind::<BigInt, _>(offset)
    .sql(" LIMIT ")
    .bind::<BigInt, _>(limit)
    .build()
    .load(conn)
}
