//! Listings: filtered, by name, and subtrees in tree order, as the tree
//! stands or stood on a date.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Integer, SmallInt, Text, Uuid as SqlUuid};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::sql::SqlBuilder;
use crate::org::filter::{ListFilter, SubtreeFilter};
use crate::org::model::ListedRow;
use crate::pagination::NameKey;

/// Where a listing may look, resolved by the service: the caller's readable
/// subtrees (`None`: everything) and the subtree the filter asked for.
#[derive(Debug, Default, Clone)]
pub struct Bounds {
    pub roots: Option<Vec<TreePath>>,
    pub under: Option<TreePath>,
}

/// A page (and one more row) of the organizations `filter` asks for, by
/// folded name (see `ListFilter` for which units a listing covers).
pub fn list(
    conn: &mut PgConnection,
    filter: &ListFilter,
    bounds: &Bounds,
) -> QueryResult<Vec<ListedRow>> {
    let placed_only = filter.as_of.is_some() || filter.status.is_none();
    let mut query = placement_on_date(
        SqlBuilder::new(
            "SELECT o.*, CASE WHEN p.organization_id IS NULL THEN o.parent_id ELSE p.parent_id END AS placed_parent_id, NULL::int4 AS depth \
             FROM organizations o \
             LEFT JOIN organization_placements p ON p.organization_id = o.id AND ",
        ),
        filter.as_of,
    )
    .sql(" WHERE TRUE");
    if placed_only {
        query = query.sql(" AND p.organization_id IS NOT NULL");
    }
    if let Some(roots) = &bounds.roots {
        query = query
            .sql(" AND o.path <@ ANY(")
            .bind::<Text, _>(crate::context::scope::literal(roots))
            .sql("::ltree[])");
    }
    if let Some(level) = filter.level {
        query = query.sql(" AND o.level = ").bind::<Text, _>(level);
    }
    if let Some(kind) = &filter.org_type {
        query = query
            .sql(" AND o.org_type = ")
            .bind::<Text, _>(kind.clone());
    }
    if let Some(group) = filter.group {
        query = query.sql(" AND o.org_group = ").bind::<SmallInt, _>(group);
    }
    if let Some(status) = filter.status {
        query = query.sql(" AND o.status = ").bind::<Text, _>(status);
    }
    // with a status alone, units out of the tree count, where they last stood
    let placed = |column: &str| {
        if placed_only {
            format!(" AND p.{column} ")
        } else {
            format!(" AND o.{column} ")
        }
    };
    if let Some(parent) = filter.parent {
        query = query.sql(&placed("parent_id =")).bind::<SqlUuid, _>(parent);
    }
    if let Some(under) = &bounds.under {
        query = query
            .sql(&placed("path <@"))
            .bind::<Ltree, _>(under.clone());
    }
    for word in &filter.name.words {
        query = query
            .sql(" AND o.name_folded LIKE ")
            .bind::<Text, _>(format!("%{}%", crate::text::like_literal(word)));
    }
    if let Some(NameKey(name, id)) = &filter.after {
        query = query
            .sql(" AND (o.name_folded, o.id) > (")
            .bind::<Text, _>(name.clone())
            .sql(", ")
            .bind::<SqlUuid, _>(*id)
            .sql(")");
    }
    query
        .sql(" ORDER BY o.name_folded, o.id LIMIT ")
        .bind::<BigInt, _>(filter.limit.probe())
        .build()
        .load(conn)
}

/// Restricts `p` to the placement open today (no date) or in force on `as_of`.
fn placement_on_date(query: SqlBuilder<'_>, as_of: Option<NaiveDate>) -> SqlBuilder<'_> {
    match as_of {
        None => query.sql("p.valid_to IS NULL"),
        Some(date) => query
            .sql("p.valid_from <= ")
            .bind::<Date, _>(date)
            .sql(" AND (p.valid_to IS NULL OR p.valid_to > ")
            .bind::<Date, _>(date)
            .sql(")"),
    }
}

/// A page (and one more row) of the subtree under `root`, as the filter
/// asks, each row with its path then (the page's key).
pub fn subtree(
    conn: &mut PgConnection,
    root: &TreePath,
    filter: &SubtreeFilter,
) -> QueryResult<Vec<(ListedRow, TreePath)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(embed)]
        listed: ListedRow,
        #[diesel(sql_type = Ltree)]
        placed_path: TreePath,
    }
    let root_level = root.depth() as i32;
    let mut query = SqlBuilder::new("SELECT o.*, p.parent_id AS placed_parent_id, nlevel(p.path) - ")
        .bind::<Integer, _>(root_level)
        .sql(
            " AS depth, p.path AS placed_path \
             FROM organization_placements p JOIN organizations o ON o.id = p.organization_id WHERE ",
        );
    query = placement_on_date(query, filter.as_of)
        .sql(" AND p.path <@ ")
        .bind::<Ltree, _>(root.clone())
        .sql(" AND nlevel(p.path) <= ")
        .bind::<Integer, _>(root_level + filter.depth);
    if let Some(after) = &filter.after {
        query = query.sql(" AND p.path > ").bind::<Ltree, _>(after.clone());
    }
    let rows: Vec<Row> = query
        .sql(" ORDER BY p.path LIMIT ")
        .bind::<BigInt, _>(filter.limit.probe())
        .build()
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.listed, r.placed_path))
        .collect())
}
