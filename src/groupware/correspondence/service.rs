//! Rules of the register, as clerks work by them: a registration takes
//! the next number of its book and year, with no gap and no duplicate even
//! when clerks register at once; an outgoing document's number is that
//! number; a marked document goes in the secret register, which only the
//! cleared and the assigned see; handling moves registered → assigned →
//! in progress → done, each step in the history. Every change, and every
//! read of a marked document, is audited.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Datelike, SubsecRound, Utc};
use serde_json::json;

use super::codec;
use super::input::{Assignment, DocumentFilter, DocumentKey, NewDocument, StatusChange};
use super::model::{
    AssigneeRow, AttachmentContent, AttachmentView, Book, DocumentRow, DocumentView, EventKind,
    EventRow, Secrecy, Status, Symbol,
};
use super::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::dossiers::input::NewAttachment;
use crate::error::{AppError, AppResult};
use crate::groupware::access::{self, Access};
use crate::ids::{DocumentEventId, DocumentId, OrganizationId};
use crate::pagination::{finish, Page};

const DOCUMENT: AppError = AppError::NotFound { entity: "document" };

/// Registers a document in its unit's book and answers its number.
pub fn register(ctx: &mut Ctx, input: NewDocument) -> AppResult<DocumentView> {
    let input = input.checked(ctx.today)?;
    let access = access::enter(ctx)?;
    let path = writable_unit(ctx, input.organization_id)?;
    if !access.cleared_for(input.secrecy) {
        return Err(AppError::Forbidden(
            "registering a document with this secrecy mark needs a clearance for it".into(),
        ));
    }
    if let Some(reply_to) = input.reply_to_id {
        if !repo::visible(ctx.conn, reply_to)? {
            return Err(AppError::invalid(
                "reply_to_id",
                "names no document you can see",
            ));
        }
    }
    let book = Book {
        organization_id: input.organization_id,
        direction: input.direction,
        register: input.register(),
        year: ctx.today.year(),
    };
    let number = repo::next_number(ctx.conn, book)?;
    let row = document_row(ctx, input, book, number);
    repo::insert(ctx.conn, &row)?;
    record(ctx, &row, EventKind::Registered, None)?;
    audit(ctx, &row, "correspondence.register", path)?;
    Ok(DocumentView::new(row, Vec::new(), ctx.today))
}

/// The register searched, newest first, a page at a time.
pub fn list(ctx: &mut Ctx, filter: DocumentFilter) -> AppResult<Page<DocumentView>> {
    access::enter(ctx)?;
    let rows = repo::search(ctx.conn, &filter, ctx.today)?;
    let limit = filter.limit.unwrap_or(crate::pagination::Limit(50));
    let (rows, next_cursor) = finish(rows, limit, |r| DocumentKey(r.created_at, r.id));
    let ids: Vec<DocumentId> = rows.iter().map(|r| r.id).collect();
    let mut assignees = repo::assignees(ctx.conn, &ids)?;
    let items = rows
        .into_iter()
        .map(|row| {
            let (own, rest) = assignees.drain(..).partition(|a| a.document_id == row.id);
            assignees = rest;
            DocumentView::new(row, own, ctx.today)
        })
        .collect();
    Ok(Page { items, next_cursor })
}

/// One document; reading a marked one is audited.
pub fn view(ctx: &mut Ctx, id: DocumentId) -> AppResult<DocumentView> {
    let access = access::enter(ctx)?;
    let seen = visible(ctx, &access, id, false)?;
    if seen.row.secrecy.is_some() {
        audit(ctx, &seen.row, "correspondence.view", seen.path)?;
    }
    Ok(DocumentView::new(seen.row, seen.assignees, ctx.today))
}

/// Assigns the document for handling, replacing earlier assignees.
pub fn assign(
    ctx: &mut Ctx,
    id: DocumentId,
    expected: i32,
    input: Assignment,
) -> AppResult<DocumentView> {
    let input = input.checked(ctx.today)?;
    let access = access::enter(ctx)?;
    let seen = current(ctx, &access, id, expected)?;
    if !ctx.scope.can_write(&seen.path) {
        return Err(AppError::Forbidden(
            "assigning a document needs groupware_user over its unit".into(),
        ));
    }
    let (mut row, path) = (seen.row, seen.path);
    if !access.cleared_for(row.secrecy) {
        return Err(AppError::Forbidden(
            "assigning a marked document needs a clearance for its mark".into(),
        ));
    }
    if row.status == Status::Done {
        return Err(done());
    }
    let users: Vec<_> = input.assignees.iter().map(|a| a.user_id).collect();
    if repo::existing_users(ctx.conn, &users)? != users.len() as i64 {
        return Err(AppError::invalid("assignees", "names an unknown user"));
    }
    if let Some(unit) = input.handling_unit_id {
        access::unit_path(ctx, unit)
            .map_err(|_| AppError::invalid("handling_unit_id", "names no unit you can see"))?;
    }
    let now = stored_now(ctx);
    let rows: Vec<AssigneeRow> = input
        .assignees
        .iter()
        .map(|a| AssigneeRow {
            document_id: id,
            user_id: a.user_id,
            lead: a.lead,
            assigned_at: now,
            assigned_by: ctx.actor.id,
        })
        .collect();
    repo::replace_assignees(ctx.conn, id, &rows)?;
    row.handling_unit_id = input.handling_unit_id.or(row.handling_unit_id);
    row.handling_deadline = input.handling_deadline.or(row.handling_deadline);
    row.status = Status::Assigned;
    save(ctx, &mut row)?;
    record(ctx, &row, EventKind::Assigned, input.note)?;
    audit(ctx, &row, "correspondence.assign", path)?;
    let assignees = repo::assignees(ctx.conn, &[id])?;
    Ok(DocumentView::new(row, assignees, ctx.today))
}

/// Moves the handling on: assigned → in progress → done (a document for
/// information only may be closed straight from registered).
pub fn set_status(
    ctx: &mut Ctx,
    id: DocumentId,
    expected: i32,
    input: StatusChange,
) -> AppResult<DocumentView> {
    crate::validation::validated(&input)?;
    let access = access::enter(ctx)?;
    let seen = current(ctx, &access, id, expected)?;
    may_handle(ctx, &seen)?;
    let (mut row, path) = (seen.row, seen.path);
    let allowed = matches!(
        (row.status, input.status),
        (Status::Assigned, Status::InProgress)
            | (
                Status::Registered | Status::Assigned | Status::InProgress,
                Status::Done
            )
    );
    if row.status == Status::Done {
        return Err(done());
    }
    if !allowed {
        return Err(AppError::conflict(
            "status-transition",
            format!(
                "a document {} cannot become {}; handling goes registered, assigned, \
                 in_progress, done",
                row.status, input.status
            ),
        ));
    }
    row.status = input.status;
    row.done_on = (input.status == Status::Done).then_some(ctx.today);
    save(ctx, &mut row)?;
    record(ctx, &row, EventKind::Status, input.note)?;
    audit(ctx, &row, "correspondence.status", path)?;
    let assignees = repo::assignees(ctx.conn, &[id])?;
    Ok(DocumentView::new(row, assignees, ctx.today))
}

/// The handling history, oldest first.
pub fn history(ctx: &mut Ctx, id: DocumentId) -> AppResult<Vec<EventRow>> {
    let access = access::enter(ctx)?;
    visible(ctx, &access, id, false)?;
    Ok(repo::events(ctx.conn, id)?)
}

/// Attaches a file, numbered after the document's others; a marked
/// document's is sealed.
pub fn attach(
    ctx: &mut Ctx,
    id: DocumentId,
    attachment: NewAttachment,
) -> AppResult<AttachmentView> {
    let access = access::enter(ctx)?;
    let seen = visible(ctx, &access, id, true)?;
    may_handle(ctx, &seen)?;
    let (row, path) = (seen.row, seen.path);
    let number = repo::count_attachment(ctx.conn, id, stored_now(ctx))?;
    let sealer = match row.secrecy {
        Some(_) => Some(ctx.keyring.sealer(ctx.conn)?),
        None => None,
    };
    let stored = codec::attachment_row(sealer.as_ref(), (id, number), &attachment, recorded(ctx))?;
    repo::insert_attachment(ctx.conn, &stored)?;
    let mut event = event(ctx, &row, "correspondence.attach", path);
    event.details["attachment"] = json!(number);
    ctx.audit(&event)?;
    Ok(codec::view(&stored, attachment.file_name))
}

/// The document's files, without their bytes.
pub fn attachments(ctx: &mut Ctx, id: DocumentId) -> AppResult<Vec<AttachmentView>> {
    let access = access::enter(ctx)?;
    visible(ctx, &access, id, false)?;
    repo::attachment_entries(ctx.conn, id)?
        .into_iter()
        .map(|entry| codec::entry_view(ctx.keyring, ctx.conn, id, entry))
        .collect()
}

/// One file with its bytes; reading a marked document's is audited.
pub fn read_attachment(ctx: &mut Ctx, id: DocumentId, number: i32) -> AppResult<AttachmentContent> {
    let access = access::enter(ctx)?;
    let seen = visible(ctx, &access, id, false)?;
    let stored = repo::attachment(ctx.conn, id, number)?.ok_or(AppError::NotFound {
        entity: "attachment",
    })?;
    let (file_name, bytes) = codec::open(ctx.keyring, ctx.conn, &stored)?;
    if seen.row.secrecy.is_some() {
        let mut event = event(ctx, &seen.row, "correspondence.read_attachment", seen.path);
        event.details["attachment"] = json!(number);
        ctx.audit(&event)?;
    }
    Ok(AttachmentContent {
        attachment: codec::view(&stored, file_name),
        content_base64: STANDARD.encode(bytes),
    })
}

fn document_row(ctx: &Ctx, input: NewDocument, book: Book, number: i32) -> DocumentRow {
    let now = stored_now(ctx);
    let document_number = match input.direction {
        super::model::Direction::Outgoing => Some(number),
        _ => input.document_number,
    };
    let number_symbol = match (document_number, input.issuer_code.as_deref()) {
        (Some(n), Some(issuer)) => Some(
            Symbol {
                form: input.form,
                number: n,
                document_type: input.document_type,
                issuer,
                drafting_unit: input.drafting_unit_code.as_deref(),
            }
            .written(),
        ),
        _ => None,
    };
    DocumentRow {
        id: DocumentId::new_random(),
        version: 1,
        organization_id: book.organization_id,
        direction: book.direction,
        register: book.register,
        year: book.year,
        registration_number: number,
        registered_on: ctx.today,
        document_type: input.document_type,
        form: input.form,
        document_number,
        issuer_code: input.issuer_code,
        drafting_unit_code: input.drafting_unit_code,
        number_symbol,
        document_date: input.document_date,
        issuer: input.issuer.trim().to_owned(),
        recipients: input.recipients,
        subject_folded: crate::text::fold(&input.subject),
        subject: input.subject.trim().to_owned(),
        urgency: input.urgency,
        secrecy: input.secrecy,
        handling_deadline: input.handling_deadline,
        handling_unit_id: None,
        status: Status::Registered,
        done_on: None,
        reply_to_id: input.reply_to_id,
        effective_on: input.effective_on,
        expires_on: input.expires_on,
        attachment_count: 0,
        created_at: now,
        created_by: ctx.actor.id,
        updated_at: now,
    }
}

/// The unit's path, if the caller may register in it (404 when it may
/// not even see it, 403 when it may only read it).
fn writable_unit(ctx: &mut Ctx, unit: OrganizationId) -> AppResult<TreePath> {
    let path = access::unit_path(ctx, unit)?;
    ctx.scope.require_write(&path, "this unit's register")?;
    Ok(path)
}

/// A document the caller sees, where its unit sits, and who handles it.
struct Seen {
    row: DocumentRow,
    path: TreePath,
    assignees: Vec<AssigneeRow>,
    assigned: bool,
}

/// The document if the caller sees it: row-level security hides it
/// outside the groupware scope unless the caller is assigned to it, and a
/// marked one from the uncleared; the service checks the same.
fn visible(ctx: &mut Ctx, access: &Access, id: DocumentId, for_update: bool) -> AppResult<Seen> {
    let row = repo::find(ctx.conn, id, for_update)?.ok_or(DOCUMENT)?;
    let path = repo::document_path(ctx.conn, id)?.ok_or(DOCUMENT)?;
    let assignees = repo::assignees(ctx.conn, &[id])?;
    let assigned = access
        .user
        .is_some_and(|user| assignees.iter().any(|a| a.user_id == user));
    let entitled = ctx.scope.can_read(&path) && access.cleared_for(row.secrecy);
    if !(entitled || assigned) {
        return Err(DOCUMENT);
    }
    Ok(Seen {
        row,
        path,
        assignees,
        assigned,
    })
}

/// Handling (status, files) is for the assignees and the unit's writers.
fn may_handle(ctx: &Ctx, seen: &Seen) -> AppResult<()> {
    if seen.assigned || ctx.scope.can_write(&seen.path) {
        Ok(())
    } else {
        Err(AppError::Forbidden(
            "handling a document is for its assignees and groupware users over its unit".into(),
        ))
    }
}

/// The document locked for a change, at the version the caller read.
fn current(ctx: &mut Ctx, access: &Access, id: DocumentId, expected: i32) -> AppResult<Seen> {
    let seen = visible(ctx, access, id, true)?;
    if seen.row.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: seen.row.version,
        });
    }
    Ok(seen)
}

fn done() -> AppError {
    AppError::conflict(
        "document-done",
        "the document's handling is done; register a new document to act on it again",
    )
}

fn save(ctx: &mut Ctx, row: &mut DocumentRow) -> AppResult<()> {
    row.version += 1;
    row.updated_at = stored_now(ctx);
    Ok(repo::save(ctx.conn, row)?)
}

fn record(
    ctx: &mut Ctx,
    row: &DocumentRow,
    kind: EventKind,
    note: Option<String>,
) -> AppResult<()> {
    let event = EventRow {
        id: DocumentEventId::new_random(),
        document_id: row.id,
        kind,
        status: row.status,
        note,
        recorded_at: stored_now(ctx),
        recorded_by: ctx.actor.id,
    };
    Ok(repo::insert_event(ctx.conn, &event)?)
}

/// Now, as PostgreSQL keeps it (microseconds).
fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

fn recorded(ctx: &Ctx) -> (DateTime<Utc>, Option<crate::ids::UserId>) {
    (stored_now(ctx), ctx.actor.id)
}

/// An entry placed at the document's unit, naming its book and number
/// (never its subject: a marked document's subject is itself a secret).
fn event(ctx: &Ctx, row: &DocumentRow, action: &str, path: TreePath) -> crate::audit::AuditEvent {
    let mut event = ctx.event(
        action,
        "document",
        Some(row.id.to_string()),
        Some(path),
        Vec::new(),
    );
    event.details = json!({
        "direction": row.direction,
        "register": row.register,
        "year": row.year,
        "registration_number": row.registration_number,
        "status": row.status,
        "secrecy": row.secrecy.map(Secrecy::as_str),
    });
    event
}

fn audit(ctx: &mut Ctx, row: &DocumentRow, action: &str, path: TreePath) -> AppResult<()> {
    let event = event(ctx, row, action, path);
    ctx.audit(&event)
}
