//! Business trips as stored, sent and shown.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::schema::business_trips;
use crate::ids::{DocumentId, OrganizationId, TripId, UserId};
use crate::text_enum;

text_enum!(
    TripStatus {
        Proposed = "proposed",
        Approved = "approved",
        Rejected = "rejected",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = business_trips, check_for_backend(diesel::pg::Pg))]
pub struct TripRow {
    pub id: TripId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub purpose: String,
    pub destination: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub status: TripStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TripView {
    pub id: TripId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub purpose: String,
    pub destination: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    pub member_ids: Vec<UserId>,
    pub document_ids: Vec<DocumentId>,
    pub status: TripStatus,
    pub decided_by: Option<UserId>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl TripView {
    pub fn new(row: TripRow, member_ids: Vec<UserId>, document_ids: Vec<DocumentId>) -> TripView {
        TripView {
            id: row.id,
            version: row.version,
            organization_id: row.organization_id,
            purpose: row.purpose,
            destination: row.destination,
            starts_on: row.starts_on,
            ends_on: row.ends_on,
            member_ids,
            document_ids,
            status: row.status,
            decided_by: row.decided_by,
            decided_at: row.decided_at,
            decision_note: row.decision_note,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// Body of `POST /groupware/trips`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewTrip {
    pub organization_id: OrganizationId,
    #[validate(length(min = 1, max = 2000))]
    pub purpose: String,
    #[validate(length(min = 1, max = 500))]
    pub destination: String,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
    #[validate(length(min = 1, max = 100))]
    pub member_ids: Vec<UserId>,
    #[serde(default)]
    #[validate(length(max = 50))]
    pub document_ids: Vec<DocumentId>,
}

/// Body of `POST /groupware/trips/{id}/decision`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    pub approve: bool,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// `GET /groupware/trips` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct TripQuery {
    pub organization_id: Option<String>,
    pub member_id: Option<String>,
    pub status: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// Trips overlapping `[from, until]` (dates), filtered.
#[derive(Debug, Clone, Default)]
pub struct TripFilter {
    pub organization_id: Option<OrganizationId>,
    pub member_id: Option<UserId>,
    pub status: Option<TripStatus>,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}
