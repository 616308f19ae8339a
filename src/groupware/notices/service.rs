//! AP6: what the caller has outstanding today, and how a unit's
//! documents and tasks were handled over a period.

use chrono::{Datelike, NaiveDate};

use super::model::{Dates, Notices, Outstanding, Period, Statistics};
use super::repo;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::groupware::access;
use crate::groupware::correspondence::model::DocumentView;
use crate::groupware::correspondence::repo as documents;
use crate::groupware::tasks::model::TaskView;
use crate::groupware::tasks::repo as tasks;
use crate::ids::{DocumentId, TaskId};

/// Documents to handle and tasks due, with how many are due today or late.
pub fn notices(ctx: &mut Ctx) -> AppResult<Notices> {
    let access = access::enter(ctx)?;
    let user = access
        .user
        .ok_or_else(|| AppError::Forbidden("notices are a signed-in person's".into()))?;
    let today = ctx.today;
    let rows = repo::documents_to_handle(ctx.conn, user)?;
    let ids: Vec<DocumentId> = rows.iter().map(|r| r.id).collect();
    let mut assignees = documents::assignees(ctx.conn, &ids)?;
    let docs: Vec<DocumentView> = rows
        .into_iter()
        .map(|row| {
            let (own, rest) = assignees.drain(..).partition(|a| a.document_id == row.id);
            assignees = rest;
            DocumentView::new(row, own, today)
        })
        .collect();
    let task_rows = repo::tasks_due(ctx.conn, user)?;
    let task_ids: Vec<TaskId> = task_rows.iter().map(|r| r.id).collect();
    let task_users = tasks::assignees(ctx.conn, &task_ids)?;
    let due: Vec<TaskView> = task_rows
        .into_iter()
        .map(|row| {
            let users = task_users
                .iter()
                .filter(|(t, _)| *t == row.id)
                .map(|(_, u)| *u)
                .collect();
            TaskView::new(row, users, today)
        })
        .collect();
    Ok(Notices {
        as_of: today,
        documents: outstanding(docs, |d| (d.handling_deadline, d.overdue), today),
        tasks: outstanding(due, |t| (t.deadline, t.overdue), today),
    })
}

fn outstanding<T>(
    items: Vec<T>,
    when: impl Fn(&T) -> (Option<NaiveDate>, bool),
    today: NaiveDate,
) -> Outstanding<T> {
    Outstanding {
        count: items.len(),
        due_today: items.iter().filter(|i| when(i).0 == Some(today)).count(),
        overdue: items.iter().filter(|i| when(i).1).count(),
        items,
    }
}

/// Counts for a unit's subtree over a period (registration dates for
/// documents, creation dates for tasks), as of today.
pub fn statistics(ctx: &mut Ctx, period: Period) -> AppResult<Statistics> {
    let today = ctx.today;
    let period = Dates {
        organization_id: period.organization_id,
        from: period
            .from
            .unwrap_or_else(|| today.with_day(1).unwrap_or(today)),
        until: period.until.unwrap_or(today),
    };
    if period.until < period.from {
        return Err(AppError::invalid("until", "must not be before from"));
    }
    access::enter(ctx)?;
    access::unit_path(ctx, period.organization_id)?;
    let documents = repo::document_counts(ctx.conn, period, ctx.today)?;
    let tasks = repo::task_counts(ctx.conn, period, ctx.today)?;
    Ok(Statistics {
        organization_id: period.organization_id,
        from: period.from,
        until: period.until,
        as_of: ctx.today,
        documents,
        tasks,
    })
}
