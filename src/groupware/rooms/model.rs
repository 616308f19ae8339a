//! Meeting rooms and their bookings (AP5): as stored and as shown.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{meeting_rooms, room_bookings};
use crate::ids::{BookingId, OrganizationId, RoomId, UserId};
use crate::text_enum;

text_enum!(
    /// What a room holds.
    Equipment {
        Projector = "projector",
        Screen = "screen",
        VideoConference = "video_conference",
        SoundSystem = "sound_system",
        Whiteboard = "whiteboard",
        Interpretation = "interpretation",
    }
);

text_enum!(
    BookingStatus {
        Confirmed = "confirmed",
        Cancelled = "cancelled",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = meeting_rooms, check_for_backend(diesel::pg::Pg))]
pub struct RoomRow {
    pub id: RoomId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub location: Option<String>,
    pub capacity: i32,
    /// `Equipment` words (a CHECK keeps them so).
    pub equipment: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RoomView {
    pub id: RoomId,
    pub organization_id: OrganizationId,
    pub name: String,
    pub location: Option<String>,
    pub capacity: i32,
    pub equipment: Vec<Equipment>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
}

impl From<RoomRow> for RoomView {
    fn from(row: RoomRow) -> RoomView {
        RoomView {
            equipment: row
                .equipment
                .iter()
                .filter_map(|e| Equipment::parse(e))
                .collect(),
            id: row.id,
            organization_id: row.organization_id,
            name: row.name,
            location: row.location,
            capacity: row.capacity,
            created_at: row.created_at,
            created_by: row.created_by,
        }
    }
}

/// A booking; a confirmed one holds its room for `[starts_at, ends_at)`.
#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = room_bookings, check_for_backend(diesel::pg::Pg))]
pub struct BookingRow {
    pub id: BookingId,
    pub version: i32,
    pub room_id: RoomId,
    pub title: String,
    pub attendees: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub status: BookingStatus,
    pub booked_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}
