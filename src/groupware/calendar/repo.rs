//! Calendar queries. Row-level security shows a unit's events inside the
//! groupware scope, a personal one to its owner, any to its invitees.

use chrono::{DateTime, Utc};
use diesel::prelude::*;

use super::model::{EventRow, InviteeRow};
use crate::db::schema::{calendar_events as e, calendar_invitees as i};
use crate::ids::{EventId, UserId};

/// Which events a listing or an export takes.
#[derive(Debug, Clone, Copy)]
pub enum Calendar {
    /// Every event the caller sees.
    Everything,
    /// A unit's calendar.
    Unit(crate::ids::OrganizationId),
    /// A person's: what they own and what they are invited to.
    Person(UserId),
}

pub fn insert(conn: &mut PgConnection, row: &EventRow, invitees: &[InviteeRow]) -> QueryResult<()> {
    diesel::insert_into(e::table).values(row).execute(conn)?;
    diesel::insert_into(i::table)
        .values(invitees)
        .execute(conn)
        .map(drop)
}

pub fn find(
    conn: &mut PgConnection,
    id: EventId,
    for_update: bool,
) -> QueryResult<Option<EventRow>> {
    let query = e::table.find(id).select(EventRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// Events of the calendar that may have an occurrence in `[from, until)`:
/// starting before `until`, and ending after `from` unless recurring.
pub fn in_window(
    conn: &mut PgConnection,
    calendar: Calendar,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
) -> QueryResult<Vec<EventRow>> {
    let mut query = e::table
        .filter(e::starts_at.lt(until))
        .filter(e::recurrence.is_not_null().or(e::ends_at.gt(from)))
        .select(EventRow::as_select())
        .into_boxed();
    match calendar {
        Calendar::Everything => {}
        Calendar::Unit(unit) => {
            query = query
                .filter(e::organization_id.eq(unit))
                .filter(e::owner_id.is_null());
        }
        Calendar::Person(user) => {
            let invited = i::table.filter(i::user_id.eq(user)).select(i::event_id);
            query = query.filter(e::owner_id.eq(user).or(e::id.eq_any(invited)));
        }
    }
    query.order((e::starts_at, e::id)).limit(2000).load(conn)
}

pub fn invitees(conn: &mut PgConnection, ids: &[EventId]) -> QueryResult<Vec<InviteeRow>> {
    i::table
        .filter(i::event_id.eq_any(ids))
        .order((i::event_id, i::user_id))
        .select(InviteeRow::as_select())
        .load(conn)
}

pub fn save_exceptions(conn: &mut PgConnection, row: &EventRow) -> QueryResult<()> {
    diesel::update(e::table.find(row.id))
        .set((
            e::exceptions.eq(&row.exceptions),
            e::version.eq(row.version),
            e::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// Records the invitee's answer; false when they are not invited.
pub fn answer(conn: &mut PgConnection, row: &InviteeRow) -> QueryResult<bool> {
    diesel::update(i::table.find((row.event_id, row.user_id)))
        .set((i::answer.eq(row.answer), i::answered_at.eq(row.answered_at)))
        .execute(conn)
        .map(|n| n == 1)
}
