//! What staff send about rooms and bookings, checked before any work.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use validator::Validate;

use super::model::{BookingStatus, Equipment};
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, RoomId};
use crate::validation::{parse, parse_word, validated};

/// Longest booking: a conference may take the room for a week.
const LONGEST_BOOKING_DAYS: i64 = 7;

/// Body of `POST /groupware/rooms`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewRoom {
    pub organization_id: OrganizationId,
    #[validate(length(min = 1, max = 200))]
    pub name: String,
    #[validate(length(max = 500))]
    pub location: Option<String>,
    #[validate(range(min = 1, max = 2000))]
    pub capacity: i32,
    #[serde(default)]
    pub equipment: Vec<Equipment>,
}

/// Body of `POST /groupware/bookings`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewBooking {
    pub room_id: RoomId,
    #[validate(length(min = 1, max = 500))]
    pub title: String,
    #[validate(range(min = 1))]
    pub attendees: i32,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
}

impl NewBooking {
    pub fn checked(self, now: DateTime<Utc>) -> AppResult<NewBooking> {
        validated(&self)?;
        if self.ends_at <= self.starts_at {
            return Err(AppError::invalid("ends_at", "must be after starts_at"));
        }
        if self.ends_at - self.starts_at > Duration::days(LONGEST_BOOKING_DAYS) {
            return Err(AppError::invalid(
                "ends_at",
                "a booking lasts at most 7 days",
            ));
        }
        if self.ends_at <= now {
            return Err(AppError::invalid("ends_at", "must be in the future"));
        }
        Ok(self)
    }
}

/// A time range `[from, until)`, both given or neither.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

fn window(
    from: &Option<String>,
    until: &Option<String>,
    names: [&str; 2],
) -> AppResult<Option<Window>> {
    let from: Option<DateTime<Utc>> = parse(names[0], from, "an RFC 3339 date-time")?;
    let until: Option<DateTime<Utc>> = parse(names[1], until, "an RFC 3339 date-time")?;
    match (from, until) {
        (None, None) => Ok(None),
        (Some(from), Some(until)) if until > from => Ok(Some(Window { from, until })),
        (Some(_), Some(_)) => Err(AppError::invalid(
            names[1],
            format!("must be after {}", names[0]),
        )),
        _ => Err(AppError::invalid(
            names[1],
            format!("{} and {} go together", names[0], names[1]),
        )),
    }
}

/// `GET /groupware/rooms` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct RoomQuery {
    pub organization_id: Option<String>,
    pub capacity: Option<String>,
    /// Comma-separated: every one must be there.
    pub equipment: Option<String>,
    pub free_from: Option<String>,
    pub free_until: Option<String>,
}

/// Rooms for a meeting: big enough, equipped, free for the window.
#[derive(Debug, Clone, Default)]
pub struct RoomFilter {
    pub organization_id: Option<OrganizationId>,
    pub capacity: Option<i32>,
    pub equipment: Vec<Equipment>,
    pub free: Option<Window>,
}

impl TryFrom<RoomQuery> for RoomFilter {
    type Error = AppError;

    fn try_from(q: RoomQuery) -> AppResult<Self> {
        let equipment = match q.equipment.as_deref() {
            None | Some("") => Vec::new(),
            Some(list) => list
                .split(',')
                .map(|word| {
                    word.trim()
                        .parse()
                        .map_err(|e| AppError::invalid("equipment", e))
                })
                .collect::<AppResult<_>>()?,
        };
        Ok(RoomFilter {
            organization_id: parse("organization_id", &q.organization_id, "a UUID")?,
            capacity: at_least_one(
                "capacity",
                parse("capacity", &q.capacity, "a whole number")?,
            )?,
            equipment,
            free: window(&q.free_from, &q.free_until, ["free_from", "free_until"])?,
        })
    }
}

/// `GET /groupware/bookings` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct BookingQuery {
    pub room_id: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
    pub status: Option<String>,
}

/// Bookings overlapping a window (the occupancy view).
#[derive(Debug, Clone)]
pub struct BookingFilter {
    pub room_id: Option<RoomId>,
    pub window: Window,
    pub status: BookingStatus,
}

impl TryFrom<BookingQuery> for BookingFilter {
    type Error = AppError;

    fn try_from(q: BookingQuery) -> AppResult<Self> {
        let window = window(&q.from, &q.until, ["from", "until"])?
            .ok_or_else(|| AppError::invalid("from", "from and until are required"))?;
        if window.until - window.from > Duration::days(62) {
            return Err(AppError::invalid("until", "a window spans at most 62 days"));
        }
        Ok(BookingFilter {
            room_id: parse("room_id", &q.room_id, "a UUID")?,
            window,
            status: parse_word("status", &q.status)?.unwrap_or(BookingStatus::Confirmed),
        })
    }
}

/// A count of seats asked for: none would match every room, and is a mistake.
fn at_least_one(field: &str, count: Option<i32>) -> AppResult<Option<i32>> {
    match count {
        Some(n) if n < 1 => Err(AppError::invalid(field, "must be at least 1")),
        other => Ok(other),
    }
}
