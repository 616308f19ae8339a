//! SQL for the party organization tree.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Date, Text};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{
    party_organization_events as e, party_organization_predecessors as pp, party_organizations as p,
};
use crate::db::sql::SqlBuilder;
use crate::ids::PartyOrganizationId;
use crate::party::model::{
    NewUnitEvent, PartyCounts, PartyOrganization, UnitCounts, UnitEvent, UnitFilter, UnitKind,
};

pub fn find(
    conn: &mut PgConnection,
    id: PartyOrganizationId,
) -> QueryResult<Option<PartyOrganization>> {
    p::table
        .find(id)
        .select(PartyOrganization::as_select())
        .first(conn)
        .optional()
}

pub fn find_for_update(
    conn: &mut PgConnection,
    id: PartyOrganizationId,
) -> QueryResult<Option<PartyOrganization>> {
    p::table
        .find(id)
        .select(PartyOrganization::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut PgConnection, unit: &PartyOrganization) -> QueryResult<PartyOrganization> {
    diesel::insert_into(p::table)
        .values(unit)
        .returning(PartyOrganization::as_returning())
        .get_result(conn)
}

pub fn save(conn: &mut PgConnection, unit: &PartyOrganization) -> QueryResult<()> {
    diesel::update(p::table.find(unit.id))
        .set(unit)
        .execute(conn)
        .map(drop)
}

pub fn add_event(conn: &mut PgConnection, event: &NewUnitEvent) -> QueryResult<()> {
    diesel::insert_into(e::table)
        .values(event)
        .execute(conn)
        .map(drop)
}

pub fn events_of(conn: &mut PgConnection, id: PartyOrganizationId) -> QueryResult<Vec<UnitEvent>> {
    e::table
        .filter(e::party_organization_id.eq(id))
        .order((e::effective_on, e::id))
        .select(UnitEvent::as_select())
        .load(conn)
}

pub fn add_predecessor(
    conn: &mut PgConnection,
    unit: PartyOrganizationId,
    predecessor: PartyOrganizationId,
) -> QueryResult<()> {
    diesel::insert_into(pp::table)
        .values((
            pp::party_organization_id.eq(unit),
            pp::predecessor_id.eq(predecessor),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .map(drop)
}

pub fn predecessors_of(
    conn: &mut PgConnection,
    ids: &[PartyOrganizationId],
) -> QueryResult<Vec<(PartyOrganizationId, PartyOrganizationId)>> {
    pp::table
        .filter(pp::party_organization_id.eq_any(ids))
        .select((pp::party_organization_id, pp::predecessor_id))
        .load(conn)
}

pub fn successors_of(
    conn: &mut PgConnection,
    id: PartyOrganizationId,
) -> QueryResult<Vec<PartyOrganizationId>> {
    pp::table
        .filter(pp::predecessor_id.eq(id))
        .select(pp::party_organization_id)
        .load(conn)
}

/// Active units right under `id`.
pub fn active_children(conn: &mut PgConnection, id: PartyOrganizationId) -> QueryResult<i64> {
    p::table
        .filter(p::parent_id.eq(id).and(p::status.eq("active")))
        .count()
        .get_result(conn)
}

/// A unit named by its code wherever it is (a transfer's or attendance's
/// destination): what the papers say of it, and its path.
#[derive(Debug, Clone, QueryableByName)]
pub struct UnitByCode {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub id: PartyOrganizationId,
    #[diesel(sql_type = Text)]
    pub code: String,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub kind: UnitKind,
    #[diesel(sql_type = Text)]
    pub status: crate::party::model::UnitStatus,
    #[diesel(sql_type = Ltree)]
    pub path: TreePath,
}

pub fn by_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<UnitByCode>> {
    diesel::sql_query("SELECT id, code, name, kind, status, path FROM odb_party_unit_by_code($1)")
        .bind::<Text, _>(code)
        .get_result(conn)
        .optional()
}

/// A page of units in name order; with a date, those existing on it.
pub fn list(conn: &mut PgConnection, filter: &UnitFilter) -> QueryResult<Vec<PartyOrganization>> {
    let mut sql = SqlBuilder::new("SELECT * FROM party_organizations WHERE true");
    if let Some(level) = filter.level {
        sql = sql.sql(" AND level = ").bind::<Text, _>(level.as_str());
    }
    if let Some(kind) = filter.kind {
        sql = sql.sql(" AND kind = ").bind::<Text, _>(kind.as_str());
    }
    if let Some(parent) = filter.parent {
        sql = sql
            .sql(" AND parent_id = ")
            .bind::<diesel::sql_types::Uuid, _>(parent);
    }
    if let Some(status) = filter.status {
        sql = sql.sql(" AND status = ").bind::<Text, _>(status.as_str());
    }
    if let Some(date) = filter.as_of {
        sql = sql
            .sql(" AND established_on <= ")
            .bind::<Date, _>(date)
            .sql(" AND (dissolved_on IS NULL OR dissolved_on > ")
            .bind::<Date, _>(date)
            .sql(")");
    }
    for word in &filter.name.words {
        sql = sql
            .sql(" AND name_folded LIKE ")
            .bind::<Text, _>(format!("%{}%", crate::text::like_literal(word)));
    }
    if let Some((name, id)) = &filter.after {
        sql = sql
            .sql(" AND (name_folded, id) > (")
            .bind::<Text, _>(name.clone())
            .sql(", ")
            .bind::<diesel::sql_types::Uuid, _>(*id)
            .sql(")");
    }
    sql.sql(" ORDER BY name_folded, id LIMIT ")
        .bind::<BigInt, _>(filter.limit.probe())
        .build()
        .load(conn)
}

/// Table 25 items 22 to 25 of an administrative organization on `date`:
/// the party organizations attached to it and under them, and their members
/// (counts only, whoever may read the organization).
pub fn attached_counts(
    conn: &mut PgConnection,
    org: crate::ids::OrganizationId,
    date: NaiveDate,
) -> QueryResult<PartyCounts> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = Text)]
        what: String,
        #[diesel(sql_type = Text)]
        key: String,
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let rows: Vec<Row> = diesel::sql_query("SELECT what, key, n FROM odb_party_counts($1, $2)")
        .bind::<diesel::sql_types::Uuid, _>(org)
        .bind::<Date, _>(date)
        .load(conn)?;
    let mut counts = PartyCounts::default();
    for Row { what, key, n } in rows {
        if what == "members" {
            counts.members += n;
            counts.members_by_status.insert(key, n.into());
        } else {
            counts.party_organizations += n;
            counts.party_organizations_by_type.insert(key, n.into());
        }
    }
    Ok(counts)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Table 25 items 22 to 25 for the subtree at `path` on `date`: the units
/// below it by type, the members in it by status, and those exempted.
pub fn counts(
    conn: &mut PgConnection,
    path: &TreePath,
    date: NaiveDate,
) -> QueryResult<UnitCounts> {
    let units: Vec<Count> = diesel::sql_query(
        "SELECT kind AS key, count(*) AS n FROM party_organizations \
         WHERE path <@ $1 AND path <> $1 AND established_on <= $2 \
           AND (dissolved_on IS NULL OR dissolved_on > $2) GROUP BY kind",
    )
    .bind::<Ltree, _>(path.clone())
    .bind::<Date, _>(date)
    .load(conn)?;
    let members: Vec<Count> = diesel::sql_query(
        "SELECT CASE WHEN x.member_id IS NULL THEN p.status ELSE 'exempted' END AS key, count(*) AS n \
         FROM party_member_periods p \
         LEFT JOIN party_exemptions x ON x.member_id = p.member_id \
              AND daterange(x.valid_from, x.valid_to) @> $2 \
         WHERE p.path <@ $1 AND daterange(p.valid_from, p.valid_to) @> $2 \
           AND p.status IN ('probationary', 'official') GROUP BY 1",
    )
    .bind::<Ltree, _>(path.clone())
    .bind::<Date, _>(date)
    .load(conn)?;
    let mut counts = UnitCounts::default();
    for Count { key, n } in units {
        counts.party_organizations += n;
        counts.party_organizations_by_type.insert(key, n.into());
    }
    for Count { key, n } in members {
        counts.members += n;
        if key == "exempted" {
            counts.exempted_members = n;
        } else {
            counts.members_by_status.insert(key, n.into());
        }
    }
    Ok(counts)
}
