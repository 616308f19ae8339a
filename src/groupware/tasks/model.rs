//! Tasks and assignments (AP5): as stored and as shown.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{groupware_task_reports, groupware_tasks};
use crate::ids::{DocumentId, OrganizationId, TaskId, TaskReportId, UserId};
use crate::text_enum;

text_enum!(
    /// Độ ưu tiên.
    Priority {
        Low = "low",
        Normal = "normal",
        High = "high",
        Urgent = "urgent",
    }
);

text_enum!(
    TaskStatus {
        Open = "open",
        InProgress = "in_progress",
        Done = "done",
        Cancelled = "cancelled",
    }
);

impl TaskStatus {
    /// Done or cancelled: nothing more is reported on it.
    pub fn is_closed(self) -> bool {
        matches!(self, TaskStatus::Done | TaskStatus::Cancelled)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = groupware_tasks, check_for_backend(diesel::pg::Pg))]
pub struct TaskRow {
    pub id: TaskId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub title: String,
    pub title_folded: String,
    pub description: Option<String>,
    pub document_id: Option<DocumentId>,
    pub priority: Priority,
    pub deadline: Option<NaiveDate>,
    pub status: TaskStatus,
    pub progress: i32,
    pub completed_on: Option<NaiveDate>,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl TaskRow {
    /// Past its deadline and still open.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        !self.status.is_closed() && self.deadline.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = groupware_task_reports, check_for_backend(diesel::pg::Pg))]
pub struct ReportRow {
    pub id: TaskReportId,
    pub task_id: TaskId,
    pub progress: i32,
    /// The task's status after the report.
    pub status: TaskStatus,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// A task as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub id: TaskId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub title: String,
    pub description: Option<String>,
    pub document_id: Option<DocumentId>,
    pub priority: Priority,
    pub deadline: Option<NaiveDate>,
    pub assignee_ids: Vec<UserId>,
    pub status: TaskStatus,
    /// Percent done, from the latest report.
    pub progress: i32,
    pub completed_on: Option<NaiveDate>,
    pub overdue: bool,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl TaskView {
    pub fn new(row: TaskRow, assignee_ids: Vec<UserId>, today: NaiveDate) -> TaskView {
        TaskView {
            overdue: row.overdue(today),
            id: row.id,
            version: row.version,
            organization_id: row.organization_id,
            title: row.title,
            description: row.description,
            document_id: row.document_id,
            priority: row.priority,
            deadline: row.deadline,
            assignee_ids,
            status: row.status,
            progress: row.progress,
            completed_on: row.completed_on,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}
