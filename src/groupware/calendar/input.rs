//! What staff send about calendars, checked before any work is done.

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use validator::Validate;

use super::recurrence::Rule;
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, UserId};
use crate::validation::{parse, validated};

/// Body of `POST /groupware/events`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewEvent {
    /// The unit whose calendar holds it (for a personal event, the owner's unit).
    pub organization_id: OrganizationId,
    /// In the caller's personal calendar rather than the unit's.
    #[serde(default)]
    pub personal: bool,
    #[validate(length(min = 1, max = 500))]
    pub title: String,
    #[validate(length(max = 500))]
    pub location: Option<String>,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// An RFC 5545 RRULE: FREQ, INTERVAL, COUNT or UNTIL, BYDAY (weekly).
    pub recurrence: Option<String>,
    #[serde(default)]
    #[validate(length(max = 200))]
    pub invitee_ids: Vec<UserId>,
}

impl NewEvent {
    /// The event checked, with its rule parsed.
    pub fn checked(self) -> AppResult<(NewEvent, Option<Rule>)> {
        validated(&self)?;
        if self.ends_at <= self.starts_at {
            return Err(AppError::invalid("ends_at", "must be after starts_at"));
        }
        if self.ends_at - self.starts_at > Duration::days(31) {
            return Err(AppError::invalid(
                "ends_at",
                "an event lasts at most 31 days",
            ));
        }
        let rule = self.recurrence.as_deref().map(Rule::parse).transpose()?;
        Ok((self, rule))
    }
}

/// `GET /groupware/events` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct WindowQuery {
    pub from: Option<String>,
    pub until: Option<String>,
    pub calendar_id: Option<String>,
}

/// Occurrences in `[from, until)`, at most 92 days, of one calendar or all.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub calendar_id: Option<uuid::Uuid>,
}

impl TryFrom<WindowQuery> for Window {
    type Error = AppError;

    fn try_from(q: WindowQuery) -> AppResult<Self> {
        let from: DateTime<Utc> = parse("from", &q.from, "an RFC 3339 date-time")?
            .ok_or_else(|| AppError::invalid("from", "is required"))?;
        let until: DateTime<Utc> = parse("until", &q.until, "an RFC 3339 date-time")?
            .ok_or_else(|| AppError::invalid("until", "is required"))?;
        if until <= from || until - from > Duration::days(92) {
            return Err(AppError::invalid(
                "until",
                "must be after from, within 92 days",
            ));
        }
        Ok(Window {
            from,
            until,
            calendar_id: parse("calendar_id", &q.calendar_id, "a UUID")?,
        })
    }
}
