//! Outstanding items and counts, as row-level security shows them (a
//! marked document counts only for those who see it).

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{Date, Uuid as SqlUuid};

use super::model::{Dates, DocumentCounts, TaskCounts};
use crate::db::schema::{
    correspondence as d, correspondence_assignees as a, groupware_task_assignees as ta,
    groupware_tasks as t,
};
use crate::groupware::correspondence::model::{DocumentRow, Status};
use crate::groupware::tasks::model::{TaskRow, TaskStatus};
use crate::ids::UserId;

/// Most items a notice lists of each kind.
const LISTED: i64 = 50;

/// Documents assigned to `user` and not done, those with the nearest
/// deadlines first (undated last).
pub fn documents_to_handle(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<DocumentRow>> {
    let theirs = a::table.filter(a::user_id.eq(user)).select(a::document_id);
    d::table
        .filter(d::id.eq_any(theirs))
        .filter(d::status.ne(Status::Done))
        .order((
            d::handling_deadline.asc().nulls_last(),
            d::created_at,
            d::id,
        ))
        .limit(LISTED)
        .select(DocumentRow::as_select())
        .load(conn)
}

/// Tasks assigned to `user`, open or in progress, nearest deadline first.
pub fn tasks_due(conn: &mut PgConnection, user: UserId) -> QueryResult<Vec<TaskRow>> {
    let theirs = ta::table.filter(ta::user_id.eq(user)).select(ta::task_id);
    t::table
        .filter(t::id.eq_any(theirs))
        .filter(t::status.eq_any([TaskStatus::Open, TaskStatus::InProgress]))
        .order((t::deadline.asc().nulls_last(), t::created_at, t::id))
        .limit(LISTED)
        .select(TaskRow::as_select())
        .load(conn)
}

/// Documents registered in the period by the units of the subtree.
pub fn document_counts(
    conn: &mut PgConnection,
    period: Dates,
    today: NaiveDate,
) -> QueryResult<Vec<DocumentCounts>> {
    diesel::sql_query(
        "SELECT d.organization_id, d.direction, count(*) AS registered,
                count(*) FILTER (WHERE d.status = 'done'
                    AND (d.handling_deadline IS NULL OR d.done_on <= d.handling_deadline)) AS done_on_time,
                count(*) FILTER (WHERE d.status = 'done' AND d.done_on > d.handling_deadline) AS done_late,
                count(*) FILTER (WHERE d.status <> 'done') AS open,
                count(*) FILTER (WHERE d.status <> 'done' AND d.handling_deadline < $4) AS overdue
           FROM correspondence d JOIN organizations o ON o.id = d.organization_id
          WHERE o.path <@ (SELECT path FROM organizations WHERE id = $1)
            AND d.registered_on BETWEEN $2 AND $3
          GROUP BY d.organization_id, d.direction
          ORDER BY d.organization_id, d.direction",
    )
    .bind::<SqlUuid, _>(period.organization_id)
    .bind::<Date, _>(period.from)
    .bind::<Date, _>(period.until)
    .bind::<Date, _>(today)
    .load(conn)
}

/// Tasks given in the period by the units of the subtree.
pub fn task_counts(
    conn: &mut PgConnection,
    period: Dates,
    today: NaiveDate,
) -> QueryResult<Vec<TaskCounts>> {
    diesel::sql_query(
        "SELECT t.organization_id, count(*) AS given,
                count(*) FILTER (WHERE t.status = 'done'
                    AND (t.deadline IS NULL OR t.completed_on <= t.deadline)) AS done_on_time,
                count(*) FILTER (WHERE t.status = 'done' AND t.completed_on > t.deadline) AS done_late,
                count(*) FILTER (WHERE t.status IN ('open', 'in_progress')) AS open,
                count(*) FILTER (WHERE t.status IN ('open', 'in_progress') AND t.deadline < $4) AS overdue
           FROM groupware_tasks t JOIN organizations o ON o.id = t.organization_id
          WHERE o.path <@ (SELECT path FROM organizations WHERE id = $1)
            AND (t.created_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date BETWEEN $2 AND $3
          GROUP BY t.organization_id
          ORDER BY t.organization_id",
    )
    .bind::<SqlUuid, _>(period.organization_id)
    .bind::<Date, _>(period.from)
    .bind::<Date, _>(period.until)
    .bind::<Date, _>(today)
    .load(conn)
}
