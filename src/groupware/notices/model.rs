//! What the notices and the statistics show.

use chrono::NaiveDate;
use diesel::sql_types::{BigInt, Text, Uuid as SqlUuid};
use diesel::QueryableByName;
use serde::{Deserialize, Serialize};

use crate::groupware::correspondence::model::DocumentView;
use crate::groupware::tasks::model::TaskView;
use crate::ids::OrganizationId;

/// How many, and the first of them (overdue first, then by deadline).
#[derive(Debug, Clone, Serialize)]
pub struct Outstanding<T> {
    pub count: usize,
    pub due_today: usize,
    pub overdue: usize,
    pub items: Vec<T>,
}

/// The caller's outstanding items.
#[derive(Debug, Clone, Serialize)]
pub struct Notices {
    pub as_of: NaiveDate,
    /// Documents assigned to the caller and not done.
    pub documents: Outstanding<DocumentView>,
    /// Tasks assigned to the caller, open or in progress.
    pub tasks: Outstanding<TaskView>,
}

/// `GET /groupware/statistics` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct StatisticsQuery {
    pub organization_id: Option<String>,
    pub from: Option<String>,
    pub until: Option<String>,
}

/// A unit's subtree and a period of registration (or task creation)
/// dates; this month to date when not given.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub organization_id: OrganizationId,
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

/// The period's dates, resolved against today.
#[derive(Debug, Clone, Copy)]
pub struct Dates {
    pub organization_id: OrganizationId,
    pub from: NaiveDate,
    pub until: NaiveDate,
}

/// One unit's documents of one book in the period.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct DocumentCounts {
    #[diesel(sql_type = SqlUuid)]
    pub organization_id: OrganizationId,
    #[diesel(sql_type = Text)]
    pub direction: String,
    #[diesel(sql_type = BigInt)]
    pub registered: i64,
    #[diesel(sql_type = BigInt)]
    pub done_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub done_late: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
}

/// One unit's tasks given in the period.
#[derive(Debug, Clone, Serialize, QueryableByName)]
pub struct TaskCounts {
    #[diesel(sql_type = SqlUuid)]
    pub organization_id: OrganizationId,
    #[diesel(sql_type = BigInt)]
    pub given: i64,
    #[diesel(sql_type = BigInt)]
    pub done_on_time: i64,
    #[diesel(sql_type = BigInt)]
    pub done_late: i64,
    #[diesel(sql_type = BigInt)]
    pub open: i64,
    #[diesel(sql_type = BigInt)]
    pub overdue: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub organization_id: OrganizationId,
    pub from: NaiveDate,
    pub until: NaiveDate,
    pub as_of: NaiveDate,
    pub documents: Vec<DocumentCounts>,
    pub tasks: Vec<TaskCounts>,
}
