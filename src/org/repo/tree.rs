//! Placements: where each organization stood in the tree, over time.

use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Bool, Date, Uuid as SqlUuid};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{organization_placements, organizations};
use crate::ids::OrganizationId;
use crate::org::model::{Organization, Placement};

pub fn open_placement(
    conn: &mut PgConnection,
    id: OrganizationId,
) -> QueryResult<Option<Placement>> {
    organization_placements::table
        .filter(organization_placements::organization_id.eq(id))
        .filter(organization_placements::valid_to.is_null())
        .select(Placement::as_select())
        .first(conn)
        .optional()
}

/// Where the organization stood on `on` (its open placement when `None`).
pub fn placement_on(
    conn: &mut PgConnection,
    id: OrganizationId,
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
pub fn close_placement(
    conn: &mut PgConnection,
    id: OrganizationId,
    on: NaiveDate,
) -> QueryResult<()> {
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

/// Moves `org` under `parent` with all its descendants, as of `on`: current paths change, and each live member's
/// placement is closed on `on` and reopened at its new path. A placement that
/// itself began on `on` was never in force on an earlier date and is updated
/// in place.
pub fn move_subtree(
    conn: &mut PgConnection,
    org: &Organization,
    parent: &Organization,
    on: NaiveDate,
) -> QueryResult<()> {
    let (old, parent_path) = (&org.path, &parent.path);
    let (org, new_parent) = (org.id, parent.id);
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
pub fn live_children(
    conn: &mut PgConnection,
    parent: OrganizationId,
) -> QueryResult<Vec<OrganizationId>> {
    organization_placements::table
        .filter(organization_placements::parent_id.eq(parent))
        .filter(organization_placements::valid_to.is_null())
        .select(organization_placements::organization_id)
        .order(organization_placements::organization_id)
        .load(conn)
}
