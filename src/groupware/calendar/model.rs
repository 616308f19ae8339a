//! Calendars (AP5): events of a unit's calendar or a person's, with
//! invitees and their answers, perhaps recurring.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::{calendar_events, calendar_invitees};
use crate::ids::{EventId, OrganizationId, UserId};
use crate::text_enum;

text_enum!(
    /// An invitee's answer (iCalendar's PARTSTAT).
    Answer {
        NeedsAction = "needs_action",
        Accepted = "accepted",
        Declined = "declined",
        Tentative = "tentative",
    }
);

impl Answer {
    pub fn partstat(self) -> &'static str {
        match self {
            Answer::NeedsAction => "NEEDS-ACTION",
            Answer::Accepted => "ACCEPTED",
            Answer::Declined => "DECLINED",
            Answer::Tentative => "TENTATIVE",
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = calendar_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: EventId,
    pub version: i32,
    /// The unit whose calendar holds it (a personal event's owner's unit).
    pub organization_id: OrganizationId,
    /// Set for a personal event: only its owner and invitees see it.
    pub owner_id: Option<UserId>,
    pub title: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// An RRULE as `recurrence::Rule` writes it.
    pub recurrence: Option<String>,
    /// Local dates whose occurrence does not take place (EXDATE).
    pub exceptions: Vec<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = calendar_invitees, check_for_backend(diesel::pg::Pg))]
pub struct InviteeRow {
    #[serde(skip)]
    pub event_id: EventId,
    pub user_id: UserId,
    pub answer: Answer,
    pub answered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EventView {
    pub id: EventId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub owner_id: Option<UserId>,
    pub title: String,
    pub location: Option<String>,
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub recurrence: Option<String>,
    pub exceptions: Vec<NaiveDate>,
    pub invitees: Vec<InviteeRow>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl EventView {
    pub fn new(row: EventRow, invitees: Vec<InviteeRow>) -> EventView {
        EventView {
            id: row.id,
            version: row.version,
            organization_id: row.organization_id,
            owner_id: row.owner_id,
            title: row.title,
            location: row.location,
            description: row.description,
            starts_at: row.starts_at,
            ends_at: row.ends_at,
            recurrence: row.recurrence,
            exceptions: row.exceptions,
            invitees,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// One occurrence of an event in a window.
#[derive(Debug, Clone, Serialize)]
pub struct Occurrence {
    pub event_id: EventId,
    pub title: String,
    pub location: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub recurring: bool,
    pub organization_id: OrganizationId,
    pub owner_id: Option<UserId>,
}

/// Body of `POST /groupware/events/{id}/answer`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    pub answer: Answer,
}

/// Body of `POST /groupware/events/{id}/exceptions`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExceptionRequest {
    /// The local date whose occurrence does not take place.
    pub date: NaiveDate,
}
