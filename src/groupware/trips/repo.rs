//! Trip queries. Row-level security shows a trip inside the groupware
//! scope over its unit and to its members.

use diesel::prelude::*;

use super::model::{TripFilter, TripRow};
use crate::db::schema::{
    business_trip_documents as d, business_trip_members as m, business_trips as t,
};
use crate::ids::{DocumentId, TripId, UserId};

pub fn insert(
    conn: &mut PgConnection,
    row: &TripRow,
    (members, documents): (&[UserId], &[DocumentId]),
) -> QueryResult<()> {
    diesel::insert_into(t::table).values(row).execute(conn)?;
    let members: Vec<_> = members
        .iter()
        .map(|u| (m::trip_id.eq(row.id), m::user_id.eq(*u)))
        .collect();
    diesel::insert_into(m::table)
        .values(members)
        .execute(conn)?;
    let documents: Vec<_> = documents
        .iter()
        .map(|doc| (d::trip_id.eq(row.id), d::document_id.eq(*doc)))
        .collect();
    diesel::insert_into(d::table)
        .values(documents)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: TripId, for_update: bool) -> QueryResult<Option<TripRow>> {
    let query = t::table.find(id).select(TripRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

pub fn members(conn: &mut PgConnection, ids: &[TripId]) -> QueryResult<Vec<(TripId, UserId)>> {
    m::table
        .filter(m::trip_id.eq_any(ids))
        .order((m::trip_id, m::user_id))
        .select((m::trip_id, m::user_id))
        .load(conn)
}

pub fn documents(
    conn: &mut PgConnection,
    ids: &[TripId],
) -> QueryResult<Vec<(TripId, DocumentId)>> {
    d::table
        .filter(d::trip_id.eq_any(ids))
        .order((d::trip_id, d::document_id))
        .select((d::trip_id, d::document_id))
        .load(conn)
}

pub fn save_decision(conn: &mut PgConnection, row: &TripRow) -> QueryResult<()> {
    diesel::update(t::table.find(row.id))
        .set((
            t::version.eq(row.version),
            t::status.eq(row.status),
            t::decided_by.eq(row.decided_by),
            t::decided_at.eq(row.decided_at),
            t::decision_note.eq(&row.decision_note),
            t::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Trips by start date (at most 500).
pub fn search(conn: &mut PgConnection, filter: &TripFilter) -> QueryResult<Vec<TripRow>> {
    let mut query = t::table.select(TripRow::as_select()).into_boxed();
    if let Some(v) = filter.organization_id {
        query = query.filter(t::organization_id.eq(v));
    }
    if let Some(v) = filter.member_id {
        let theirs = m::table.filter(m::user_id.eq(v)).select(m::trip_id);
        query = query.filter(t::id.eq_any(theirs));
    }
    if let Some(v) = filter.status {
        query = query.filter(t::status.eq(v));
    }
    if let Some(v) = filter.from {
        query = query.filter(t::ends_on.ge(v));
    }
    if let Some(v) = filter.until {
        query = query.filter(t::starts_on.le(v));
    }
    query.order((t::starts_on, t::id)).limit(500).load(conn)
}
