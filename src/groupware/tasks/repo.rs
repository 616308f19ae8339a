//! Task queries. Row-level security shows a task inside the groupware
//! scope over its unit, and to its assignees.

use diesel::prelude::*;

use super::input::TaskFilter;
use super::model::{ReportRow, TaskRow, TaskStatus};
use crate::db::schema::{
    groupware_task_assignees as a, groupware_task_reports as r, groupware_tasks as t,
};
use crate::ids::{TaskId, UserId};
use crate::text::like_literal;

pub fn insert(conn: &mut PgConnection, row: &TaskRow, assignees: &[UserId]) -> QueryResult<()> {
    diesel::insert_into(t::table).values(row).execute(conn)?;
    let rows: Vec<_> = assignees
        .iter()
        .map(|user| (a::task_id.eq(row.id), a::user_id.eq(*user)))
        .collect();
    diesel::insert_into(a::table)
        .values(rows)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: TaskId, for_update: bool) -> QueryResult<Option<TaskRow>> {
    let query = t::table.find(id).select(TaskRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

pub fn save(conn: &mut PgConnection, row: &TaskRow) -> QueryResult<()> {
    diesel::update(t::table.find(row.id))
        .set((
            t::version.eq(row.version),
            t::status.eq(row.status),
            t::progress.eq(row.progress),
            t::completed_on.eq(row.completed_on),
            t::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The assignees of these tasks, as (task, user).
pub fn assignees(conn: &mut PgConnection, ids: &[TaskId]) -> QueryResult<Vec<(TaskId, UserId)>> {
    a::table
        .filter(a::task_id.eq_any(ids))
        .order((a::task_id, a::user_id))
        .select((a::task_id, a::user_id))
        .load(conn)
}

pub fn insert_report(conn: &mut PgConnection, row: &ReportRow) -> QueryResult<()> {
    diesel::insert_into(r::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn reports(conn: &mut PgConnection, id: TaskId) -> QueryResult<Vec<ReportRow>> {
    r::table
        .filter(r::task_id.eq(id))
        .order((r::recorded_at, r::id))
        .select(ReportRow::as_select())
        .load(conn)
}

/// A page of tasks, newest first.
pub fn search(
    conn: &mut PgConnection,
    filter: &TaskFilter,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<TaskRow>> {
    let mut query = t::table.select(TaskRow::as_select()).into_boxed();
    for word in &filter.title.words {
        query = query.filter(t::title_folded.like(format!("%{}%", like_literal(word))));
    }
    if let Some(v) = filter.assignee_id {
        let theirs = a::table.filter(a::user_id.eq(v)).select(a::task_id);
        query = query.filter(t::id.eq_any(theirs));
    }
    if let Some(v) = filter.organization_id {
        query = query.filter(t::organization_id.eq(v));
    }
    if let Some(v) = filter.document_id {
        query = query.filter(t::document_id.eq(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(t::status.eq(v));
    }
    if let Some(v) = filter.priority {
        query = query.filter(t::priority.eq(v));
    }
    let open = [TaskStatus::Open, TaskStatus::InProgress];
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(t::status.eq_any(open))
                .filter(t::deadline.lt(today));
        }
        Some(false) => {
            query = query.filter(
                t::status
                    .ne_all(open)
                    .or(t::deadline.is_null())
                    .or(t::deadline.ge(today)),
            );
        }
        None => {}
    }
    if let Some(v) = filter.due_before {
        query = query
            .filter(t::status.eq_any(open))
            .filter(t::deadline.le(v));
    }
    if let Some(key) = &filter.after {
        query = query.filter(
            t::created_at
                .lt(key.0)
                .or(t::created_at.eq(key.0).and(t::id.lt(key.1))),
        );
    }
    let limit = filter.limit.map_or(50, |l| l.probe());
    query
        .order((t::created_at.desc(), t::id.desc()))
        .limit(limit)
        .load(conn)
}
