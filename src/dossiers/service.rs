//! Rules for dossiers. To anyone but a dossier officer whose grants cover
//! the subject's managing organization a dossier does not exist: every
//! refusal is the same 404, reached by the same statements (a caller with
//! no dossier grant runs them under a scope covering nothing), and decided
//! by the subject before any of its dossiers is read, or by a dossier's
//! unguessable id.
//! Every read and every write is audited; the entries carry no
//! organization path, so only auditors of the whole tree see them.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::{json, Value};

use super::codec::{self, Place};
use super::input::{NewAttachment, NewDossier, ReadInput, Reason, Statement};
use super::model::{
    AttachmentContent, AttachmentEntry, AttachmentView, DossierContent, DossierRow, DossierView,
    Recorded, Subject, VersionEntry,
};
use super::repo;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::DossierId;

const DOSSIER: AppError = AppError::NotFound { entity: "dossier" };
const SUBJECT: AppError = AppError::NotFound { entity: "subject" };
const STATED: &[&str] = &["category", "summary", "content"];
const FILE: &[&str] = &["file_name", "content"];

/// An audited action on a dossier: its name, the fields it wrote or
/// showed, and details beyond the subject (a read's reason).
struct Action {
    name: &'static str,
    fields: &'static [&'static str],
    details: Value,
}

/// Opens a dossier about `subject`, stating its first version.
pub fn create(ctx: &mut Ctx, input: NewDossier) -> AppResult<DossierView> {
    let (subject, statement) = input.into_parts()?;
    repo::enter(ctx.conn, &ctx.scope)?;
    covered(ctx, subject, SUBJECT)?;
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    let dossier = DossierRow::new(subject, stored_now(ctx), ctx.actor.id);
    let place = Place {
        dossier: dossier.id,
        number: 1,
    };
    let version = codec::version_row(&sealer, place, &statement, recorded(ctx))?;
    repo::insert_dossier(ctx.conn, &dossier)?;
    repo::insert_version(ctx.conn, &version)?;
    let action = Action {
        name: "dossier.create",
        fields: STATED,
        details: json!({"version": 1}),
    };
    audit(ctx, &dossier, action)?;
    Ok(DossierView::new(&dossier, statement.category))
}

/// The subject's dossiers, without their content.
pub fn list(ctx: &mut Ctx, subject: Subject) -> AppResult<Vec<DossierView>> {
    repo::enter(ctx.conn, &ctx.scope)?;
    covered(ctx, subject, SUBJECT)?;
    let mut views = Vec::new();
    for (row, version, sealed) in repo::of_subject(ctx.conn, subject)? {
        let category = codec::open_category(ctx.keyring, ctx.conn, version, &sealed)?;
        views.push(DossierView::new(&row, category));
    }
    let mut event = ctx.event(
        "dossier.list",
        subject.kind().as_str(),
        Some(subject.id().to_string()),
        None,
        vec!["category".to_owned()],
    );
    event.details = json!({"count": views.len()});
    ctx.audit(&event)?;
    Ok(views)
}

/// One dossier without its content.
pub fn view(ctx: &mut Ctx, id: DossierId) -> AppResult<DossierView> {
    let dossier = visible(ctx, id, false)?;
    let (version, sealed) = repo::latest_category(ctx.conn, &dossier)?;
    let category = codec::open_category(ctx.keyring, ctx.conn, version, &sealed)?;
    let action = Action {
        name: "dossier.view",
        fields: &["category"],
        details: json!({}),
    };
    audit(ctx, &dossier, action)?;
    Ok(DossierView::new(&dossier, category))
}

/// What a version says (the latest unless asked), for a stated reason.
pub fn read(ctx: &mut Ctx, id: DossierId, input: ReadInput) -> AppResult<DossierContent> {
    let dossier = visible(ctx, id, false)?;
    let number = input.version.unwrap_or(dossier.version);
    let row = repo::version(ctx.conn, id, number)?.ok_or_else(|| {
        AppError::invalid(
            "version",
            format!("this dossier has versions 1 to {}", dossier.version),
        )
    })?;
    let statement = codec::open_version(ctx.keyring, ctx.conn, &row)?;
    let versions = repo::history(ctx.conn, id)?
        .into_iter()
        .map(|(number, recorded)| VersionEntry { number, recorded })
        .collect();
    let attachments = attachment_views(ctx, id)?;
    let action = Action {
        name: "dossier.read",
        fields: STATED,
        details: json!({"version": number, "reason": input.reason.0}),
    };
    audit(ctx, &dossier, action)?;
    Ok(DossierContent {
        id,
        subject_kind: dossier.subject_kind,
        subject_id: dossier.subject_id,
        version: number,
        current_version: dossier.version,
        category: statement.category,
        summary: statement.summary,
        content: statement.content,
        recorded: Recorded {
            recorded_at: row.recorded_at,
            recorded_by: row.recorded_by,
        },
        versions,
        attachments,
    })
}

/// A correction: a new version stating `statement`; earlier ones stay.
pub fn correct(
    ctx: &mut Ctx,
    id: DossierId,
    expected: i32,
    statement: Statement,
) -> AppResult<DossierView> {
    crate::validation::validated(&statement)?;
    let mut dossier = visible(ctx, id, true)?;
    if expected != dossier.version {
        return Err(AppError::StaleVersion {
            expected,
            current: dossier.version,
        });
    }
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    let number = repo::count_version(ctx.conn, id, stored_now(ctx))?;
    let place = Place {
        dossier: id,
        number,
    };
    let version = codec::version_row(&sealer, place, &statement, recorded(ctx))?;
    repo::insert_version(ctx.conn, &version)?;
    (dossier.version, dossier.updated_at) = (number, stored_now(ctx));
    let action = Action {
        name: "dossier.correct",
        fields: STATED,
        details: json!({"version": number}),
    };
    audit(ctx, &dossier, action)?;
    Ok(DossierView::new(&dossier, statement.category))
}

/// Attaches a file, numbered after the dossier's others.
pub fn attach(
    ctx: &mut Ctx,
    id: DossierId,
    attachment: NewAttachment,
) -> AppResult<AttachmentView> {
    let dossier = visible(ctx, id, false)?;
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    let number = repo::count_attachment(ctx.conn, id, stored_now(ctx))?;
    let place = Place {
        dossier: id,
        number,
    };
    let row = codec::attachment_row(&sealer, place, &attachment, recorded(ctx))?;
    repo::insert_attachment(ctx.conn, &row)?;
    let action = Action {
        name: "dossier.attach",
        fields: FILE,
        details: json!({"attachment": number}),
    };
    audit(ctx, &dossier, action)?;
    Ok(AttachmentView {
        dossier_id: id,
        number,
        file_name: attachment.file_name,
        content_type: row.content_type,
        size: row.size,
        recorded: recorded(ctx),
    })
}

/// An attachment's bytes, for a stated reason.
pub fn read_attachment(
    ctx: &mut Ctx,
    id: DossierId,
    number: i32,
    reason: Reason,
) -> AppResult<AttachmentContent> {
    use base64::Engine;
    let dossier = visible(ctx, id, false)?;
    let row = repo::attachment(ctx.conn, id, number)?.ok_or(AppError::NotFound {
        entity: "attachment",
    })?;
    let file_name = codec::open_file_name(ctx.keyring, ctx.conn, row.id, &row.file_name)?;
    let bytes = codec::open_content(ctx.keyring, ctx.conn, &row)?;
    let action = Action {
        name: "dossier.read_attachment",
        fields: FILE,
        details: json!({"attachment": number, "reason": reason.0}),
    };
    audit(ctx, &dossier, action)?;
    Ok(AttachmentContent {
        attachment: AttachmentView {
            dossier_id: id,
            number,
            file_name,
            content_type: row.content_type,
            size: row.size,
            recorded: Recorded {
                recorded_at: row.recorded_at,
                recorded_by: row.recorded_by,
            },
        },
        content_base64: base64::engine::general_purpose::STANDARD.encode(bytes),
    })
}

/// Now, as PostgreSQL keeps it (microseconds): what a write answers is
/// what a later read shows.
fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

fn recorded(ctx: &Ctx) -> Recorded {
    Recorded {
        recorded_at: stored_now(ctx),
        recorded_by: ctx.actor.id,
    }
}

/// The subject must be managed inside the dossier scope; `hidden` is the
/// answer otherwise, the same as for a subject that does not exist.
fn covered(ctx: &mut Ctx, subject: Subject, hidden: AppError) -> AppResult<()> {
    match repo::subject_path(ctx.conn, subject)? {
        Some(path) if ctx.scope.can_read(&path) => Ok(()),
        _ => Err(hidden),
    }
}

/// The dossier, if the caller may see it: row-level security hides it
/// outside the dossier scope, and the service checks its subject too.
fn visible(ctx: &mut Ctx, id: DossierId, for_update: bool) -> AppResult<DossierRow> {
    repo::enter(ctx.conn, &ctx.scope)?;
    let dossier = repo::find(ctx.conn, id, for_update)?.ok_or(DOSSIER)?;
    covered(ctx, dossier.subject(), DOSSIER)?;
    Ok(dossier)
}

fn attachment_views(ctx: &mut Ctx, id: DossierId) -> AppResult<Vec<AttachmentView>> {
    repo::attachment_entries(ctx.conn, id)?
        .into_iter()
        .map(|entry: AttachmentEntry| {
            Ok(AttachmentView {
                dossier_id: id,
                number: entry.number,
                file_name: codec::open_file_name(
                    ctx.keyring,
                    ctx.conn,
                    entry.id,
                    &entry.file_name,
                )?,
                content_type: entry.content_type,
                size: entry.size,
                recorded: Recorded {
                    recorded_at: entry.recorded_at,
                    recorded_by: entry.recorded_by,
                },
            })
        })
        .collect()
}

/// The entry of `action` on `dossier`: placed nowhere in the tree (only
/// auditors of the whole tree see it), naming the subject in its details.
fn audit(ctx: &mut Ctx, dossier: &DossierRow, action: Action) -> AppResult<()> {
    let fields = action.fields.iter().map(|f| (*f).to_owned()).collect();
    let id = Some(dossier.id.to_string());
    let mut event = ctx.event(action.name, "dossier", id, None, fields);
    let mut details = json!({
        "subject_kind": dossier.subject_kind,
        "subject_id": dossier.subject_id,
    });
    if let (Some(all), Value::Object(extra)) = (details.as_object_mut(), action.details) {
        all.extend(extra);
    }
    event.details = details;
    ctx.audit(&event)
}
