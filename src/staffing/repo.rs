use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{Deviation, DeviationFilter, Direction, Quota, QuotaKey};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::staffing_quotas as q;
use crate::db::sql::SqlBuilder;
use crate::ids::OrganizationId;

pub fn of_organization(
    conn: &mut PgConnection,
    org: OrganizationId,
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

pub fn find_for_update(conn: &mut PgConnection, key: &QuotaKey) -> QueryResult<Option<Quota>> {
    q::table
        .filter(
            q::organization_id
                .eq(key.organization)
                .and(q::period.eq(key.period.as_str()))
                .and(q::category.eq(key.category)),
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

/// Current units inside `root` whose headcount is over or under quota in
/// the filter's period, the largest deviation first, a page (and one more row).
pub fn deviations(
    conn: &mut PgConnection,
    root: &TreePath,
    filter: &DeviationFilter,
) -> QueryResult<Vec<Deviation>> {
    let condition = match filter.direction {
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
    .bind::<Text, _>(filter.period.as_str().to_owned())
    .sql(condition)
    .sql(" ORDER BY abs(q.current - q.assigned) DESC, o.code, q.category OFFSET ")
    .bind::<BigInt, _>(filter.offset)
    .sql(" LIMIT ")
    .bind::<BigInt, _>(filter.limit.probe())
    .build()
    .load(conn)
}
