//! Rules for rooms: a unit's groupware users add its rooms and book them;
//! two confirmed bookings of one room never overlap — the exclusion
//! constraint decides even when two requests race, and the loser is told
//! which booking holds the time (409 `booking-clash`). Changes are audited.

use chrono::{DateTime, SubsecRound, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::json;

use super::input::{BookingFilter, NewBooking, NewRoom, RoomFilter, Window};
use super::model::{BookingRow, BookingStatus, RoomRow, RoomView};
use super::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::groupware::access;
use crate::ids::{BookingId, RoomId};

const ROOM: AppError = AppError::NotFound { entity: "room" };
const BOOKING: AppError = AppError::NotFound { entity: "booking" };

pub fn add_room(ctx: &mut Ctx, input: NewRoom) -> AppResult<RoomView> {
    crate::validation::validated(&input)?;
    let path = access::unit_path(ctx, input.organization_id)?;
    ctx.scope.require_write(&path, "this unit's rooms")?;
    let mut equipment: Vec<String> = input
        .equipment
        .iter()
        .map(|e| e.as_str().to_owned())
        .collect();
    equipment.sort();
    equipment.dedup();
    let row = RoomRow {
        id: RoomId::new_random(),
        organization_id: input.organization_id,
        name: input.name.trim().to_owned(),
        location: input.location,
        capacity: input.capacity,
        equipment,
        created_at: stored_now(ctx),
        created_by: ctx.actor.id,
    };
    repo::insert_room(ctx.conn, &row)?;
    let event = ctx.event(
        "room.create",
        "room",
        Some(row.id.to_string()),
        Some(path),
        Vec::new(),
    );
    ctx.audit(&event)?;
    Ok(row.into())
}

/// Rooms that fit the meeting ("12 people, a projector, Tuesday afternoon").
pub fn rooms(ctx: &mut Ctx, filter: RoomFilter) -> AppResult<Vec<RoomView>> {
    Ok(repo::rooms(ctx.conn, &filter)?
        .into_iter()
        .map(RoomView::from)
        .collect())
}

/// Books a room, or answers the booking that holds the time.
pub fn book(ctx: &mut Ctx, input: NewBooking) -> AppResult<BookingRow> {
    let input = input.checked(ctx.now)?;
    let room = repo::room(ctx.conn, input.room_id)?.ok_or(ROOM)?;
    if input.attendees > room.capacity {
        return Err(AppError::invalid(
            "attendees",
            format!("the room seats {}", room.capacity),
        ));
    }
    let window = Window {
        from: input.starts_at.trunc_subsecs(6),
        until: input.ends_at.trunc_subsecs(6),
    };
    if let Some(holder) = repo::clash(ctx.conn, room.id, window)? {
        return Err(clash(&holder));
    }
    let now = stored_now(ctx);
    let row = BookingRow {
        id: BookingId::new_random(),
        version: 1,
        room_id: room.id,
        title: input.title.trim().to_owned(),
        attendees: input.attendees,
        starts_at: window.from,
        ends_at: window.until,
        status: BookingStatus::Confirmed,
        booked_by: ctx.actor.id,
        created_at: now,
        updated_at: now,
    };
    match repo::insert_booking(ctx.conn, &row) {
        Err(DieselError::DatabaseError(DatabaseErrorKind::ExclusionViolation, _)) => {
            // a racing booking committed first: name it
            let holder = repo::clash(ctx.conn, room.id, window)?;
            return Err(holder.map_or_else(
                || {
                    AppError::conflict(
                        "booking-clash",
                        "the room was booked for that time meanwhile",
                    )
                },
                |h| clash(&h),
            ));
        }
        other => other?,
    }
    let path = access::unit_path(ctx, room.organization_id)?;
    audit(ctx, &row, "booking.create", path)?;
    Ok(row)
}

pub fn booking(ctx: &mut Ctx, id: BookingId) -> AppResult<BookingRow> {
    repo::booking(ctx.conn, id, false)?.ok_or(BOOKING)
}

/// The bookings overlapping a window: the rooms' occupancy.
pub fn bookings(ctx: &mut Ctx, filter: BookingFilter) -> AppResult<Vec<BookingRow>> {
    Ok(repo::bookings(ctx.conn, &filter)?)
}

/// Cancels a booking (its booker, or a groupware user over the room's unit
/// with write access); the time is free again.
pub fn cancel(ctx: &mut Ctx, id: BookingId, expected: i32) -> AppResult<BookingRow> {
    let mut row = repo::booking(ctx.conn, id, true)?.ok_or(BOOKING)?;
    let room = repo::room(ctx.conn, row.room_id)?.ok_or(BOOKING)?;
    let path = access::unit_path(ctx, room.organization_id)?;
    if row.booked_by != ctx.actor.id && !ctx.scope.can_write(&path) {
        return Err(AppError::Forbidden(
            "only its booker or the room's unit cancels a booking".into(),
        ));
    }
    if row.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: row.version,
        });
    }
    if row.status == BookingStatus::Cancelled {
        return Err(AppError::conflict(
            "booking-cancelled",
            "the booking is cancelled already",
        ));
    }
    row.status = BookingStatus::Cancelled;
    row.version += 1;
    row.updated_at = stored_now(ctx);
    repo::cancel(ctx.conn, &row)?;
    audit(ctx, &row, "booking.cancel", path)?;
    Ok(row)
}

fn clash(holder: &BookingRow) -> AppError {
    AppError::clash(
        "booking-clash",
        format!(
            "the room is booked from {} to {}",
            holder.starts_at.to_rfc3339(),
            holder.ends_at.to_rfc3339()
        ),
        format!("/api/v1/groupware/bookings/{}", holder.id),
    )
}

fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

fn audit(ctx: &mut Ctx, row: &BookingRow, action: &str, path: TreePath) -> AppResult<()> {
    let mut event = ctx.event(
        action,
        "booking",
        Some(row.id.to_string()),
        Some(path),
        Vec::new(),
    );
    event.details =
        json!({"room_id": row.room_id, "starts_at": row.starts_at, "ends_at": row.ends_at});
    ctx.audit(&event)
}
