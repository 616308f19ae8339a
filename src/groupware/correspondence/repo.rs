//! Register queries. Row-level security shows a document inside the scope
//! of the caller's groupware grants, and a marked one only to the cleared
//! or assigned; the service checks the same.

use chrono::{DateTime, Utc};

use diesel::prelude::*;

use super::input::DocumentFilter;
use super::model::{
    AssigneeRow, AttachmentEntry, AttachmentRow, Book, DocumentRow, EventRow, Status,
};
use crate::db::schema::{
    correspondence as d, correspondence_assignees as a, correspondence_attachments as f,
    correspondence_counters as c, correspondence_events as e,
};
use crate::ids::{DocumentId, UserId};
use crate::text::like_literal;

/// Takes the book's next number: counts one more on its row (made at the
/// year's first registration), holding the row lock until the transaction
/// ends, so registrations in one book take their numbers one at a time
/// and a rolled-back one gives its number back.
pub fn next_number(conn: &mut PgConnection, book: Book) -> QueryResult<i32> {
    diesel::insert_into(c::table)
        .values((
            c::organization_id.eq(book.organization_id),
            c::direction.eq(book.direction),
            c::register.eq(book.register),
            c::year.eq(book.year),
            c::last_number.eq(1),
        ))
        .on_conflict((c::organization_id, c::direction, c::register, c::year))
        .do_update()
        .set(c::last_number.eq(c::last_number + 1))
        .returning(c::last_number)
        .get_result(conn)
}

pub fn insert(conn: &mut PgConnection, row: &DocumentRow) -> QueryResult<()> {
    diesel::insert_into(d::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The document, locked against concurrent writers when `for_update`.
pub fn find(
    conn: &mut PgConnection,
    id: DocumentId,
    for_update: bool,
) -> QueryResult<Option<DocumentRow>> {
    let query = d::table.find(id).select(DocumentRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// Saves the handling fields and counts one more version.
pub fn save(conn: &mut PgConnection, row: &DocumentRow) -> QueryResult<()> {
    diesel::update(d::table.find(row.id))
        .set((
            d::version.eq(row.version),
            d::handling_deadline.eq(row.handling_deadline),
            d::handling_unit_id.eq(row.handling_unit_id),
            d::status.eq(row.status),
            d::done_on.eq(row.done_on),
            d::attachment_count.eq(row.attachment_count),
            d::updated_at.eq(row.updated_at),
        ))
        .execute(conn)
        .map(drop)
}

/// A page of the register, newest first.
pub fn search(
    conn: &mut PgConnection,
    filter: &DocumentFilter,
    today: chrono::NaiveDate,
) -> QueryResult<Vec<DocumentRow>> {
    let mut query = d::table.select(DocumentRow::as_select()).into_boxed();
    for word in &filter.subject.words {
        let pattern = format!("%{}%", like_literal(word));
        query = query.filter(d::subject_folded.like(pattern));
    }
    if let Some(v) = filter.direction {
        query = query.filter(d::direction.eq(v));
    }
    if let Some(v) = filter.register {
        query = query.filter(d::register.eq(v));
    }
    if let Some(v) = filter.year {
        query = query.filter(d::year.eq(v));
    }
    if let Some(v) = filter.status {
        query = query.filter(d::status.eq(v));
    }
    if let Some(v) = filter.urgency {
        query = query.filter(d::urgency.eq(v));
    }
    if let Some(v) = filter.secrecy {
        query = query.filter(d::secrecy.eq(v));
    }
    if let Some(v) = filter.document_type {
        query = query.filter(d::document_type.eq(v));
    }
    if let Some(v) = filter.organization_id {
        query = query.filter(d::organization_id.eq(v));
    }
    if let Some(v) = &filter.number_symbol {
        query = query.filter(d::number_symbol.eq(v.clone()));
    }
    if let Some(v) = filter.registration_number {
        query = query.filter(d::registration_number.eq(v));
    }
    if let Some(v) = filter.assignee_id {
        let assigned = a::table.filter(a::user_id.eq(v)).select(a::document_id);
        query = query.filter(d::id.eq_any(assigned));
    }
    if let Some(v) = filter.reply_to_id {
        query = query.filter(d::reply_to_id.eq(v));
    }
    match filter.overdue {
        Some(true) => {
            query = query
                .filter(d::status.ne(Status::Done))
                .filter(d::handling_deadline.lt(today));
        }
        Some(false) => {
            query = query.filter(
                d::status
                    .eq(Status::Done)
                    .or(d::handling_deadline.is_null())
                    .or(d::handling_deadline.ge(today)),
            );
        }
        None => {}
    }
    if let Some(v) = filter.registered_from {
        query = query.filter(d::registered_on.ge(v));
    }
    if let Some(v) = filter.registered_until {
        query = query.filter(d::registered_on.le(v));
    }
    if let Some(key) = &filter.after {
        query = query.filter(
            d::created_at
                .lt(key.0)
                .or(d::created_at.eq(key.0).and(d::id.lt(key.1))),
        );
    }
    let limit = filter.limit.map_or(50, |l| l.probe());
    query
        .order((d::created_at.desc(), d::id.desc()))
        .limit(limit)
        .load(conn)
}

/// The assignees of these documents, leads first.
pub fn assignees(conn: &mut PgConnection, ids: &[DocumentId]) -> QueryResult<Vec<AssigneeRow>> {
    a::table
        .filter(a::document_id.eq_any(ids))
        .order((a::document_id, a::lead.desc(), a::assigned_at, a::user_id))
        .select(AssigneeRow::as_select())
        .load(conn)
}

/// Replaces the document's assignees with `rows`.
pub fn replace_assignees(
    conn: &mut PgConnection,
    id: DocumentId,
    rows: &[AssigneeRow],
) -> QueryResult<()> {
    diesel::delete(a::table.filter(a::document_id.eq(id))).execute(conn)?;
    diesel::insert_into(a::table)
        .values(rows)
        .execute(conn)
        .map(drop)
}

/// How many of `users` have accounts.
pub fn existing_users(conn: &mut PgConnection, users: &[UserId]) -> QueryResult<i64> {
    use crate::db::schema::users;
    users::table
        .filter(users::id.eq_any(users))
        .count()
        .get_result(conn)
}

pub fn insert_event(conn: &mut PgConnection, row: &EventRow) -> QueryResult<()> {
    diesel::insert_into(e::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// The handling history, oldest first.
pub fn events(conn: &mut PgConnection, id: DocumentId) -> QueryResult<Vec<EventRow>> {
    e::table
        .filter(e::document_id.eq(id))
        .order((e::recorded_at, e::id))
        .select(EventRow::as_select())
        .load(conn)
}

/// Counts one more file; returns its number.
pub fn count_attachment(
    conn: &mut PgConnection,
    id: DocumentId,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::update(d::table.find(id))
        .set((
            d::attachment_count.eq(d::attachment_count + 1),
            d::updated_at.eq(now),
        ))
        .returning(d::attachment_count)
        .get_result(conn)
}

pub fn insert_attachment(conn: &mut PgConnection, row: &AttachmentRow) -> QueryResult<()> {
    diesel::insert_into(f::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn attachment_entries(
    conn: &mut PgConnection,
    id: DocumentId,
) -> QueryResult<Vec<AttachmentEntry>> {
    f::table
        .filter(f::document_id.eq(id))
        .order(f::number)
        .select(AttachmentEntry::as_select())
        .load(conn)
}

pub fn attachment(
    conn: &mut PgConnection,
    id: DocumentId,
    number: i32,
) -> QueryResult<Option<AttachmentRow>> {
    f::table
        .filter(f::document_id.eq(id).and(f::number.eq(number)))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}

#[derive(QueryableByName)]
struct PathRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<crate::db::schema::sql_types::Ltree>)]
    path: Option<crate::db::ltree::TreePath>,
}

/// Where the document's unit sits, if the caller sees the document.
pub fn document_path(
    conn: &mut PgConnection,
    id: DocumentId,
) -> QueryResult<Option<crate::db::ltree::TreePath>> {
    diesel::sql_query("SELECT odb_document_path($1) AS path")
        .bind::<diesel::sql_types::Uuid, _>(id)
        .get_result::<PathRow>(conn)
        .map(|r| r.path)
}

/// Whether the document is visible to the caller (row-level security decides).
pub fn visible(conn: &mut PgConnection, id: DocumentId) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(d::table.find(id))).get_result(conn)
}
