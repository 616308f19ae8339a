//! Room and booking queries. Rooms show inside the groupware scope over
//! their unit, and bookings with their room.

use diesel::dsl::{exists, not};
use diesel::prelude::*;

use super::input::{BookingFilter, RoomFilter, Window};
use super::model::{BookingRow, BookingStatus, RoomRow};
use crate::db::schema::{meeting_rooms as r, room_bookings as b};
use crate::ids::{BookingId, RoomId};

pub fn insert_room(conn: &mut PgConnection, row: &RoomRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn room(conn: &mut PgConnection, id: RoomId) -> QueryResult<Option<RoomRow>> {
    r::table
        .find(id)
        .select(RoomRow::as_select())
        .first(conn)
        .optional()
}

/// Rooms that fit, by name; with a window, only those free for all of it.
pub fn rooms(conn: &mut PgConnection, filter: &RoomFilter) -> QueryResult<Vec<RoomRow>> {
    let mut query = r::table.select(RoomRow::as_select()).into_boxed();
    if let Some(v) = filter.organization_id {
        query = query.filter(r::organization_id.eq(v));
    }
    if let Some(v) = filter.capacity {
        query = query.filter(r::capacity.ge(v));
    }
    if !filter.equipment.is_empty() {
        let words: Vec<String> = filter
            .equipment
            .iter()
            .map(|e| e.as_str().to_owned())
            .collect();
        query = query.filter(r::equipment.contains(words));
    }
    if let Some(window) = filter.free {
        let taken = b::table
            .filter(b::room_id.eq(r::id))
            .filter(b::status.eq(BookingStatus::Confirmed))
            .filter(b::starts_at.lt(window.until))
            .filter(b::ends_at.gt(window.from));
        query = query.filter(not(exists(taken)));
    }
    query.order((r::name, r::id)).limit(500).load(conn)
}

/// Inserts the booking in a savepoint: when the exclusion constraint
/// refuses it (a booking committed in the meantime), the transaction goes on.
pub fn insert_booking(conn: &mut PgConnection, row: &BookingRow) -> QueryResult<()> {
    conn.transaction(|conn| {
        diesel::insert_into(b::table)
            .values(row)
            .execute(conn)
            .map(drop)
    })
}

/// A confirmed booking of the room overlapping the window, if any.
pub fn clash(
    conn: &mut PgConnection,
    room: RoomId,
    window: Window,
) -> QueryResult<Option<BookingRow>> {
    b::table
        .filter(b::room_id.eq(room))
        .filter(b::status.eq(BookingStatus::Confirmed))
        .filter(b::starts_at.lt(window.until))
        .filter(b::ends_at.gt(window.from))
        .order(b::starts_at)
        .select(BookingRow::as_select())
        .first(conn)
        .optional()
}

pub fn booking(
    conn: &mut PgConnection,
    id: BookingId,
    for_update: bool,
) -> QueryResult<Option<BookingRow>> {
    let query = b::table.find(id).select(BookingRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// Bookings overlapping the window, in time order (the occupancy view).
pub fn bookings(conn: &mut PgConnection, filter: &BookingFilter) -> QueryResult<Vec<BookingRow>> {
    let mut query = b::table
        .filter(b::status.eq(filter.status))
        .filter(b::starts_at.lt(filter.window.until))
        .filter(b::ends_at.gt(filter.window.from))
        .select(BookingRow::as_select())
        .into_boxed();
    if let Some(room) = filter.room_id {
        query = query.filter(b::room_id.eq(room));
    }
    query
        .order((b::starts_at, b::room_id, b::id))
        .limit(2000)
        .load(conn)
}

pub fn cancel(conn: &mut PgConnection, row: &BookingRow) -> QueryResult<()> {
    diesel::update(b::table.find(row.id))
        .set((
            b::status.eq(row.status),
            b::version.eq(row.version),
            b::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}
