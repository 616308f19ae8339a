//! Rules for tasks: a task is given in a unit to one or more people,
//! perhaps from a registered document, with a deadline and a priority;
//! its assignees report progress until it is done (100 %) or cancelled;
//! past its deadline and still open it is overdue. Every change is audited.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use super::input::{NewTask, Report, TaskFilter, TaskKey};
use super::model::{Priority, ReportRow, TaskRow, TaskStatus, TaskView};
use super::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::groupware::access;
use crate::groupware::correspondence::repo as documents;
use crate::ids::{TaskId, TaskReportId, UserId};
use crate::pagination::{finish, Limit, Page};

const TASK: AppError = AppError::NotFound { entity: "task" };

/// Gives a task.
pub fn create(ctx: &mut Ctx, input: NewTask) -> AppResult<TaskView> {
    let input = input.checked(ctx.today)?;
    access::enter(ctx)?;
    let path = access::unit_path(ctx, input.organization_id)?;
    ctx.scope.require_write(&path, "this unit's tasks")?;
    if let Some(document) = input.document_id {
        from_document(ctx, document)?;
    }
    if documents::existing_users(ctx.conn, &input.assignee_ids)? != input.assignee_ids.len() as i64
    {
        return Err(AppError::invalid("assignee_ids", "names an unknown user"));
    }
    let now = stored_now(ctx);
    let row = TaskRow {
        id: TaskId::new_random(),
        version: 1,
        organization_id: input.organization_id,
        title_folded: crate::text::fold(&input.title),
        title: input.title.trim().to_owned(),
        description: input.description,
        document_id: input.document_id,
        priority: input.priority.unwrap_or(Priority::Normal),
        deadline: input.deadline,
        status: TaskStatus::Open,
        progress: 0,
        completed_on: None,
        created_at: now,
        created_by: ctx.actor.id,
        updated_at: now,
    };
    repo::insert(ctx.conn, &row, &input.assignee_ids)?;
    audit(ctx, &row, "task.create", path)?;
    Ok(TaskView::new(row, input.assignee_ids, ctx.today))
}

/// Tasks found by any of their fields, newest first.
pub fn list(ctx: &mut Ctx, filter: TaskFilter) -> AppResult<Page<TaskView>> {
    access::enter(ctx)?;
    let rows = repo::search(ctx.conn, &filter, ctx.today)?;
    let limit = filter.limit.unwrap_or(Limit(50));
    let (rows, next_cursor) = finish(rows, limit, |r| TaskKey(r.created_at, r.id));
    let ids: Vec<TaskId> = rows.iter().map(|r| r.id).collect();
    let assignees = repo::assignees(ctx.conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let users = users_of(&assignees, row.id);
            TaskView::new(row, users, ctx.today)
        })
        .collect();
    Ok(Page { items, next_cursor })
}

pub fn view(ctx: &mut Ctx, id: TaskId) -> AppResult<TaskView> {
    access::enter(ctx)?;
    let row = repo::find(ctx.conn, id, false)?.ok_or(TASK)?;
    let assignees = repo::assignees(ctx.conn, &[id])?;
    Ok(TaskView::new(row, users_of(&assignees, id), ctx.today))
}

/// An assignee's (or the unit's) report: progress, completion at 100 %,
/// or cancellation.
pub fn report(ctx: &mut Ctx, id: TaskId, expected: i32, input: Report) -> AppResult<TaskView> {
    crate::validation::validated(&input)?;
    let access = access::enter(ctx)?;
    let mut row = repo::find(ctx.conn, id, true)?.ok_or(TASK)?;
    let assignees = repo::assignees(ctx.conn, &[id])?;
    let users = users_of(&assignees, id);
    let assigned = access.user.is_some_and(|u| users.contains(&u));
    let path = access::unit_path_of_task(ctx, id)?;
    if !assigned && !ctx.scope.can_write(&path) {
        return Err(AppError::Forbidden(
            "reporting on a task is for its assignees and groupware users over its unit".into(),
        ));
    }
    if row.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: row.version,
        });
    }
    if row.status.is_closed() {
        return Err(AppError::conflict(
            "task-closed",
            format!("the task is {} already", row.status),
        ));
    }
    apply(ctx, &mut row, &input);
    let report = ReportRow {
        id: TaskReportId::new_random(),
        task_id: id,
        progress: row.progress,
        status: row.status,
        note: input.note,
        recorded_at: row.updated_at,
        recorded_by: ctx.actor.id,
    };
    repo::save(ctx.conn, &row)?;
    repo::insert_report(ctx.conn, &report)?;
    audit(ctx, &row, "task.report", path)?;
    Ok(TaskView::new(row, users, ctx.today))
}

/// The task's progress reports, oldest first.
pub fn reports(ctx: &mut Ctx, id: TaskId) -> AppResult<Vec<ReportRow>> {
    access::enter(ctx)?;
    repo::find(ctx.conn, id, false)?.ok_or(TASK)?;
    Ok(repo::reports(ctx.conn, id)?)
}

fn apply(ctx: &Ctx, row: &mut TaskRow, input: &Report) {
    row.progress = input.progress;
    row.status = if input.cancel {
        TaskStatus::Cancelled
    } else if input.progress == 100 {
        TaskStatus::Done
    } else {
        TaskStatus::InProgress
    };
    row.completed_on = (row.status == TaskStatus::Done).then_some(ctx.today);
    row.version += 1;
    row.updated_at = stored_now(ctx);
}

/// A task comes only from a document the caller sees, and not from a
/// marked one: its title and assignees would show outside the secret
/// register (a marked document is handled by assigning it).
fn from_document(ctx: &mut Ctx, document: crate::ids::DocumentId) -> AppResult<()> {
    match documents::find(ctx.conn, document, false)? {
        None => Err(AppError::invalid(
            "document_id",
            "names no document you can see",
        )),
        Some(row) if row.secrecy.is_some() => Err(AppError::invalid(
            "document_id",
            "a marked document is handled by assigning it, not through a task",
        )),
        Some(_) => Ok(()),
    }
}

fn users_of(assignees: &[(TaskId, UserId)], task: TaskId) -> Vec<UserId> {
    assignees
        .iter()
        .filter(|(t, _)| *t == task)
        .map(|(_, u)| *u)
        .collect()
}

fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

fn audit(ctx: &mut Ctx, row: &TaskRow, action: &str, path: TreePath) -> AppResult<()> {
    let mut event = ctx.event(
        action,
        "task",
        Some(row.id.to_string()),
        Some(path),
        Vec::new(),
    );
    event.details = json!({"status": row.status, "progress": row.progress});
    ctx.audit(&event)
}
