//! SQL for organizations, their placements, events and predecessors.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, SmallInt, Text, Uuid as SqlUuid};
use uuid::Uuid;

use super::model::{Event, NewEvent, Organization, Placement};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{
    organization_events, organization_placements, organization_predecessors, organizations,
    staffing_quotas,
};
use crate::db::sql::SqlBuilder;
use crate::pagination::NameKey;

pub fn insert(conn: &mut PgConnection, org: &Organization) -> QueryResult<()> {
    diesel::insert_into(organizations::table)
        .values(org)
        .execute(conn)
        .map(drop)
}

pub fn save(conn: &mut PgConnection, org: &Organization) -> QueryResult<()> {
    diesel::update(organizations::table.find(org.id))
        .set(org)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// Locks the row for the rest of the transaction (concurrent writers queue).
pub fn find_for_update(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn find_by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::code.eq(code))
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

pub fn code_taken(conn: &mut PgConnection, code: &str, except: Option<Uuid>) -> QueryResult<bool> {
    let mut query = organizations::table
        .filter(organizations::code.eq(code))
        .into_boxed();
    if let Some(id) = except {
        query = query.filter(organizations::id.ne(id));
    }
    diesel::select(diesel::dsl::exists(query)).get_result(conn)
}

pub fn root_exists(conn: &mut PgConnection) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        organizations::table.filter(organizations::parent_id.is_null()),
    ))
    .get_result(conn)
}

/// `(organization, predecessor)` pairs for the given organizations.
pub fn predecessors_of(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<(Uuid, Uuid)>> {
    organization_predecessors::table
        .filter(organization_predecessors::organization_id.eq_any(ids))
        .select((
            organization_predecessors::organization_id,
            organization_predecessors::predecessor_id,
        ))
        .order(organization_predecessors::predecessor_id)
        .load(conn)
}

pub fn add_predecessor(
    conn: &mut PgConnection,
    organization: Uuid,
    predecessor: Uuid,
    reorganization: Uuid,
) -> QueryResult<()> {
    diesel::insert_into(organization_predecessors::table)
        .values((
            organization_predecessors::organization_id.eq(organization),
            organization_predecessors::predecessor_id.eq(predecessor),
            organization_predecessors::reorganization_id.eq(reorganization),
        ))
        .on_conflict_do_nothing()
        .execute(conn)?;
    diesel::update(organizations::table.find(organization))
        .set(organizations::version.eq(organizations::version + 1))
        .execute(conn)
        .map(drop)
}

#[derive(QueryableByName)]
pub struct Headcount {
    #[diesel(sql_type = SqlUuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = BigInt)]
    pub assigned: i64,
    #[diesel(sql_type = BigInt)]
    pub current: i64,
}

/// Assigned and current headcount of each organization in its latest quota period.
pub fn headcounts_of(conn: &mut PgConnection, ids: &[Uuid]) -> QueryResult<Vec<Headcount>> {
    diesel::sql_query(
        "SELECT q.organization_id, sum(q.assigned)::int8 AS assigned, sum(q.current)::int8 AS current \
         FROM staffing_quotas q \
         WHERE q.organization_id = ANY($1) AND q.period = ( \
             SELECT max(l.period) FROM staffing_quotas l WHERE l.organization_id = q.organization_id) \
         GROUP BY q.organization_id",
    )
    .bind::<diesel::sql_types::Array<SqlUuid>, _>(ids)
    .load(conn)
}

pub fn open_placement(conn: &mut PgConnection, id: Uuid) -> QueryResult<Option<Placement>> {
    organization_placements::table
        .filter(organization_placements::organization_id.eq(id))
        .filter(organization_placements::valid_to.is_null())
        .select(Placement::as_select())
        .first(conn)
        .optional()
}

pub fn insert_placement(conn: &mut PgConnection, placement: &Placement) -> QueryResult<()> {
    diesel::insert_into(organization_placements::table)
        .values(placement)
        .execute(conn)
        .map(drop)
}

/// Ends an organization's place in the tree (it was merged, split or
/// dissolved) on `on`. A placement that only began that same day (an earlier
/// decision of the day moved it) never held on any date and is dropped; the
/// move stays in the events.
pub fn close_placement(conn: &mut PgConnection, id: Uuid, on: NaiveDate) -> QueryResult<()> {
    let open = organization_placements::table
        .filter(organization_placements::organization_id.eq(id))
        .filter(organization_placements::valid_to.is_null());
    diesel::delete(open.filter(organization_placements::valid_from.eq(on))).execute(conn)?;
    diesel::update(open)
        .set(organization_placements::valid_to.eq(on))
        .execute(conn)
        .map(drop)
}

/// The latest date on which any live member of the subtree took its place:
/// a move may not be back-dated before it, or history would be rewritten.
pub fn latest_placement_start(
    conn: &mut PgConnection,
    root: &TreePath,
) -> QueryResult<Option<NaiveDate>> {
    organization_placements::table
        .filter(organization_placements::valid_to.is_null())
        .filter(sql::<Bool>("path <@ ").bind::<Ltree, _>(root))
        .select(diesel::dsl::max(organization_placements::valid_from))
        .first(conn)
}

/// Moves `org` (at `old`) under `new_parent` (at `parent_path`) with all its
/// descendants, as of `on`: current paths change, and each live member's
/// placement is closed on `on` and reopened at its new path. A placement that
/// itself began on `on` was never in force on an earlier date and is updated
/// in place.
pub fn move_subtree(
    conn: &mut PgConnection,
    org: Uuid,
    old: &TreePath,
    new_parent: Uuid,
    parent_path: &TreePath,
    on: NaiveDate,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE organizations SET path = $2 || subpath(path, nlevel($1) - 1) WHERE path <@ $1",
    )
    .bind::<Ltree, _>(old)
    .bind::<Ltree, _>(parent_path)
    .execute(conn)?;
    diesel::sql_query(
        "UPDATE organization_placements \
         SET path = $2 || subpath(path, nlevel($1) - 1), \
             parent_id = CASE WHEN organization_id = $3 THEN $4 ELSE parent_id END \
         WHERE valid_to IS NULL AND valid_from = $5 AND path <@ $1",
    )
    .bind::<Ltree, _>(old)
    .bind::<Ltree, _>(parent_path)
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(new_parent)
    .bind::<Date, _>(on)
    .execute(conn)?;
    diesel::sql_query(
        "WITH closed AS ( \
             UPDATE organization_placements SET valid_to = $5 \
             WHERE valid_to IS NULL AND valid_from < $5 AND path <@ $1 \
             RETURNING organization_id, parent_id, path) \
         INSERT INTO organization_placements (organization_id, parent_id, path, valid_from) \
         SELECT organization_id, CASE WHEN organization_id = $3 THEN $4 ELSE parent_id END, \
                $2 || subpath(path, nlevel($1) - 1), $5 \
         FROM closed",
    )
    .bind::<Ltree, _>(old)
    .bind::<Ltree, _>(parent_path)
    .bind::<SqlUuid, _>(org)
    .bind::<SqlUuid, _>(new_parent)
    .bind::<Date, _>(on)
    .execute(conn)?;
    diesel::update(organizations::table.find(org))
        .set((
            organizations::parent_id.eq(new_parent),
            organizations::version.eq(organizations::version + 1),
        ))
        .execute(conn)
        .map(drop)
}

/// Children currently in the tree (open placements under `parent`).
pub fn live_children(conn: &mut PgConnection, parent: Uuid) -> QueryResult<Vec<Uuid>> {
    organization_placements::table
        .filter(organization_placements::parent_id.eq(parent))
        .filter(organization_placements::valid_to.is_null())
        .select(organization_placements::organization_id)
        .order(organization_placements::organization_id)
        .load(conn)
}

pub fn insert_event(conn: &mut PgConnection, event: &NewEvent) -> QueryResult<()> {
    diesel::insert_into(organization_events::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut PgConnection, id: Uuid) -> QueryResult<Vec<Event>> {
    organization_events::table
        .filter(organization_events::organization_id.eq(id))
        .order((organization_events::effective_date, organization_events::id))
        .select(Event::as_select())
        .load(conn)
}

/// What a listing asks for, already validated.
#[derive(Debug, Default, Clone)]
pub struct ListFilter {
    pub as_of: Option<NaiveDate>,
    pub level: Option<String>,
    pub org_type: Option<String>,
    pub group: Option<i16>,
    pub status: Option<String>,
    pub parent: Option<Uuid>,
    /// Only inside this subtree (path prefix).
    pub under: Option<TreePath>,
    /// Folded words that must all occur in the folded name.
    pub name_words: Vec<String>,
    pub after: Option<NameKey>,
    pub limit: i64,
    /// The caller's readable subtrees (`None`: everything).
    pub roots: Option<Vec<TreePath>>,
}

/// A row of a listing: the organization and where it stood on the date asked.
#[derive(QueryableByName)]
pub struct ListedRow {
    #[diesel(embed)]
    pub org: Organization,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub placed_parent_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Integer>)]
    pub depth: Option<i32>,
}

/// Without `as_of` or `status`, current units (an open placement); with
/// `as_of`, units placed in the tree on that date, where they stood then;
/// with only `status`, every unit of that status (merged predecessors too).
pub fn list(conn: &mut PgConnection, filter: &ListFilter) -> QueryResult<Vec<ListedRow>> {
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
    if let Some(roots) = &filter.roots {
        query = query
            .sql(" AND o.path <@ ANY(")
            .bind::<Text, _>(crate::context::scope::literal(roots))
            .sql("::ltree[])");
    }
    if let Some(level) = &filter.level {
        query = query.sql(" AND o.level = ").bind::<Text, _>(level.clone());
    }
    if let Some(kind) = &filter.org_type {
        query = query
            .sql(" AND o.org_type = ")
            .bind::<Text, _>(kind.clone());
    }
    if let Some(group) = filter.group {
        query = query.sql(" AND o.org_group = ").bind::<SmallInt, _>(group);
    }
    if let Some(status) = &filter.status {
        query = query
            .sql(" AND o.status = ")
            .bind::<Text, _>(status.clone());
    }
    if let Some(parent) = filter.parent {
        let column = if placed_only {
            " AND p.parent_id = "
        } else {
            " AND o.parent_id = "
        };
        query = query.sql(column).bind::<SqlUuid, _>(parent);
    }
    if let Some(under) = &filter.under {
        let column = if placed_only {
            " AND p.path <@ "
        } else {
            " AND o.path <@ "
        };
        query = query.sql(column).bind::<Ltree, _>(under.clone());
    }
    for word in &filter.name_words {
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
        .bind::<BigInt, _>(filter.limit)
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

/// The subtree under `root` down to `max_depth` levels below it, in tree
/// order, as it stood on `as_of` (today when `None`). `after` is the path of
/// the last row of the previous page.
pub fn subtree(
    conn: &mut PgConnection,
    root: &TreePath,
    max_depth: i32,
    as_of: Option<NaiveDate>,
    after: Option<TreePath>,
    limit: i64,
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
    query = placement_on_date(query, as_of)
        .sql(" AND p.path <@ ")
        .bind::<Ltree, _>(root.clone())
        .sql(" AND nlevel(p.path) <= ")
        .bind::<Integer, _>(root_level + max_depth);
    if let Some(after) = after {
        query = query.sql(" AND p.path > ").bind::<Ltree, _>(after);
    }
    let rows: Vec<Row> = query
        .sql(" ORDER BY p.path LIMIT ")
        .bind::<BigInt, _>(limit)
        .build()
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| (r.listed, r.placed_path))
        .collect())
}

/// Where the organization stood on `on` (its open placement when `None`).
pub fn placement_on(
    conn: &mut PgConnection,
    id: Uuid,
    on: Option<NaiveDate>,
) -> QueryResult<Option<Placement>> {
    match on {
        None => open_placement(conn, id),
        Some(date) => organization_placements::table
            .filter(organization_placements::organization_id.eq(id))
            .filter(organization_placements::valid_from.le(date))
            .filter(
                organization_placements::valid_to
                    .is_null()
                    .or(organization_placements::valid_to.gt(date)),
            )
            .select(Placement::as_select())
            .first(conn)
            .optional(),
    }
}

pub fn has_quotas(conn: &mut PgConnection, id: Uuid) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        staffing_quotas::table.filter(staffing_quotas::organization_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn root(conn: &mut PgConnection) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::parent_id.is_null())
        .select(Organization::as_select())
        .first(conn)
        .optional()
}
