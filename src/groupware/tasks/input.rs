//! What staff send about tasks, checked before any work is done.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::model::{Priority, TaskStatus};
use crate::error::{AppError, AppResult};
use crate::ids::{DocumentId, OrganizationId, TaskId, UserId};
use crate::pagination::{decode, Limit};
use crate::validation::{parse, parse_word, validated, NameQuery};

/// Body of `POST /groupware/tasks`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewTask {
    pub organization_id: OrganizationId,
    #[validate(length(min = 1, max = 500))]
    pub title: String,
    #[validate(length(max = 5000))]
    pub description: Option<String>,
    /// The registered document the task comes from.
    pub document_id: Option<DocumentId>,
    /// `normal` when absent.
    pub priority: Option<Priority>,
    pub deadline: Option<NaiveDate>,
    #[validate(length(min = 1, max = 50))]
    pub assignee_ids: Vec<UserId>,
}

impl NewTask {
    pub fn checked(mut self, today: NaiveDate) -> AppResult<NewTask> {
        validated(&self)?;
        if self.title.trim().is_empty() {
            return Err(AppError::invalid("title", "must not be blank"));
        }
        if self.deadline.is_some_and(|d| d < today) {
            return Err(AppError::invalid("deadline", "must not be before today"));
        }
        let count = self.assignee_ids.len();
        self.assignee_ids.sort_by_key(|u| u.0);
        self.assignee_ids.dedup();
        if self.assignee_ids.len() != count {
            return Err(AppError::invalid("assignee_ids", "names someone twice"));
        }
        Ok(self)
    }
}

/// Body of `POST /groupware/tasks/{id}/reports`: progress, or closing it.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// Percent done; 100 completes the task.
    #[validate(range(min = 0, max = 100))]
    pub progress: i32,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
    /// `true` cancels the task instead (its progress stays as reported).
    #[serde(default)]
    pub cancel: bool,
}

/// `GET /groupware/tasks` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub assignee_id: Option<String>,
    pub organization_id: Option<String>,
    pub document_id: Option<String>,
    pub status: Option<String>,
    pub priority: Option<String>,
    pub overdue: Option<String>,
    pub due_before: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Where a page of tasks ends.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskKey(pub DateTime<Utc>, pub TaskId);

#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub title: NameQuery,
    pub assignee_id: Option<UserId>,
    pub organization_id: Option<OrganizationId>,
    pub document_id: Option<DocumentId>,
    pub status: Option<TaskStatus>,
    pub priority: Option<Priority>,
    pub overdue: Option<bool>,
    /// Open tasks due on or before this date.
    pub due_before: Option<NaiveDate>,
    pub limit: Option<Limit>,
    pub after: Option<TaskKey>,
}

impl TryFrom<ListQuery> for TaskFilter {
    type Error = AppError;

    fn try_from(q: ListQuery) -> AppResult<Self> {
        Ok(TaskFilter {
            title: NameQuery::parse(&q.q)?,
            assignee_id: parse("assignee_id", &q.assignee_id, "a UUID")?,
            organization_id: parse("organization_id", &q.organization_id, "a UUID")?,
            document_id: parse("document_id", &q.document_id, "a UUID")?,
            status: parse_word("status", &q.status)?,
            priority: parse_word("priority", &q.priority)?,
            overdue: parse("overdue", &q.overdue, "true or false")?,
            due_before: parse("due_before", &q.due_before, "a date")?,
            limit: Some(Limit::parse(q.limit)?),
            after: q.cursor.as_deref().map(decode).transpose()?,
        })
    }
}
