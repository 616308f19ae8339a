//! SQL for organizations, their predecessors, events and reorganizations;
//! placements in the tree in `tree`, listings in `listing`.

mod listing;
mod tree;

pub use listing::{list, subtree, Bounds};
pub use tree::{
    close_placement, insert_placement, latest_placement_start, live_children, move_subtree,
    open_placement, placement_on,
};

use diesel::prelude::*;
use diesel::sql_types::{Array, Uuid as SqlUuid};

use super::model::{Event, Extras, NewEvent, Organization, Reorganization, Viewed};
use crate::db::schema::{
    organization_events, organization_predecessors, organizations, reorganizations,
};
use crate::ids::{OrganizationId, ReorganizationId};

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

pub fn find(conn: &mut PgConnection, id: OrganizationId) -> QueryResult<Option<Organization>> {
    organizations::table
        .find(id)
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// Locks the row for the rest of the transaction (concurrent writers queue).
pub fn find_for_update(
    conn: &mut PgConnection,
    id: OrganizationId,
) -> QueryResult<Option<Organization>> {
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

/// The organizations among `ids` (any order; missing ones are left out).
pub fn find_all(conn: &mut PgConnection, ids: &[OrganizationId]) -> QueryResult<Vec<Organization>> {
    organizations::table
        .filter(organizations::id.eq_any(ids))
        .select(Organization::as_select())
        .load(conn)
}

pub fn code_taken(
    conn: &mut PgConnection,
    code: &str,
    except: Option<OrganizationId>,
) -> QueryResult<bool> {
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

pub fn root(conn: &mut PgConnection) -> QueryResult<Option<Organization>> {
    organizations::table
        .filter(organizations::parent_id.is_null())
        .select(Organization::as_select())
        .first(conn)
        .optional()
}

/// `(organization, predecessor)` pairs for the given organizations.
pub fn predecessors_of(
    conn: &mut PgConnection,
    ids: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, OrganizationId)>> {
    organization_predecessors::table
        .filter(organization_predecessors::organization_id.eq_any(ids))
        .select((
            organization_predecessors::organization_id,
            organization_predecessors::predecessor_id,
        ))
        .order(organization_predecessors::predecessor_id)
        .load(conn)
}

/// The units `id` went into (it is their predecessor).
pub fn successors_of(
    conn: &mut PgConnection,
    id: OrganizationId,
) -> QueryResult<Vec<OrganizationId>> {
    organization_predecessors::table
        .filter(organization_predecessors::predecessor_id.eq(id))
        .select(organization_predecessors::organization_id)
        .load(conn)
}

pub fn add_predecessor(
    conn: &mut PgConnection,
    organization: OrganizationId,
    predecessor: OrganizationId,
    reorganization: ReorganizationId,
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

/// The extras of the organization `o`, with `EXTRAS_JOIN` in its FROM.
const EXTRAS: &str = "coalesce((SELECT array_agg(p.predecessor_id ORDER BY p.predecessor_id) \
       FROM organization_predecessors p WHERE p.organization_id = o.id), '{}') AS predecessor_ids, \
     h.assigned, h.current";
const EXTRAS_JOIN: &str = "LEFT JOIN LATERAL ( \
       SELECT sum(q.assigned)::int8 AS assigned, sum(q.current)::int8 AS current \
       FROM staffing_quotas q \
       WHERE q.organization_id = o.id AND q.period = ( \
           SELECT max(l.period) FROM staffing_quotas l WHERE l.organization_id = o.id)) h ON true";

/// An organization with its extras: one statement, where the row, its
/// predecessors and its headcount took three.
pub fn viewed(conn: &mut PgConnection, id: OrganizationId) -> QueryResult<Option<Viewed>> {
    diesel::sql_query(format!(
        "SELECT o.*, {EXTRAS} FROM organizations o {EXTRAS_JOIN} WHERE o.id = $1"
    ))
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .optional()
}

/// The extras of each organization of a page, by id: one statement.
pub fn extras_of(
    conn: &mut PgConnection,
    ids: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, Extras)>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = SqlUuid)]
        id: OrganizationId,
        #[diesel(embed)]
        extras: Extras,
    }
    diesel::sql_query(format!(
        "SELECT o.id, {EXTRAS} FROM organizations o {EXTRAS_JOIN} WHERE o.id = ANY($1)"
    ))
    .bind::<Array<SqlUuid>, _>(ids)
    .load::<Row>(conn)
    .map(|rows| rows.into_iter().map(|r| (r.id, r.extras)).collect())
}

pub fn has_quotas(conn: &mut PgConnection, id: OrganizationId) -> QueryResult<bool> {
    use crate::db::schema::staffing_quotas;
    diesel::select(diesel::dsl::exists(
        staffing_quotas::table.filter(staffing_quotas::organization_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn insert_event(conn: &mut PgConnection, event: &NewEvent) -> QueryResult<()> {
    diesel::insert_into(organization_events::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut PgConnection, id: OrganizationId) -> QueryResult<Vec<Event>> {
    organization_events::table
        .filter(organization_events::organization_id.eq(id))
        .order((organization_events::effective_date, organization_events::id))
        .select(Event::as_select())
        .load(conn)
}

pub fn insert_reorganization(
    conn: &mut PgConnection,
    reorganization: &Reorganization,
) -> QueryResult<()> {
    diesel::insert_into(reorganizations::table)
        .values(reorganization)
        .execute(conn)
        .map(drop)
}
