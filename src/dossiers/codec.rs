//! Sealing and opening what dossiers hold. Each value is bound to its
//! table, column and row (the version's or the attachment's own id), so a
//! value moved to another version, attachment or dossier fails to open.

use diesel::PgConnection;

use super::input::{NewAttachment, Statement};
use super::model::{AttachmentRow, Category, Recorded, VersionRow};
use crate::crypto::{Keyring, Sealer};
use crate::error::{AppError, AppResult};
use crate::ids::{DossierAttachmentId, DossierId, DossierVersionId};

/// The tables named in the sealed values' associated data.
pub const VERSIONS: &str = "dossier_versions";
pub const ATTACHMENTS: &str = "dossier_attachments";

/// Which dossier a new part belongs to, and its number there.
#[derive(Debug, Clone, Copy)]
pub struct Place {
    pub dossier: DossierId,
    pub number: i32,
}

/// The row of version `place.number` stating `statement`, sealed.
pub fn version_row(
    sealer: &Sealer<'_>,
    place: Place,
    statement: &Statement,
    recorded: Recorded,
) -> AppResult<VersionRow> {
    let id = DossierVersionId::new_random();
    let seal = |column, text: &str| sealer.seal_str(VERSIONS, column, id.into(), text);
    Ok(VersionRow {
        id,
        dossier_id: place.dossier,
        number: place.number,
        category: seal("category", statement.category.as_str())?,
        summary: seal("summary", &statement.summary)?,
        content: seal("content", &statement.content)?,
        recorded_at: recorded.recorded_at,
        recorded_by: recorded.recorded_by,
    })
}

/// The row of attachment `place.number`, its name and bytes sealed.
pub fn attachment_row(
    sealer: &Sealer<'_>,
    place: Place,
    attachment: &NewAttachment,
    recorded: Recorded,
) -> AppResult<AttachmentRow> {
    let id = DossierAttachmentId::new_random();
    let size = i32::try_from(attachment.bytes.len())
        .map_err(|_| AppError::Internal("an attachment larger than 2 GiB".into()))?;
    Ok(AttachmentRow {
        id,
        dossier_id: place.dossier,
        number: place.number,
        file_name: sealer.seal_str(ATTACHMENTS, "file_name", id.into(), &attachment.file_name)?,
        content_type: attachment.content_type,
        size,
        content: sealer.seal(ATTACHMENTS, "content", id.into(), &attachment.bytes)?,
        recorded_at: recorded.recorded_at,
        recorded_by: recorded.recorded_by,
    })
}

/// The category of a version, opened.
pub fn open_category(
    keyring: &Keyring,
    conn: &mut PgConnection,
    version: DossierVersionId,
    sealed: &[u8],
) -> AppResult<Category> {
    let text = keyring.open_string(conn, VERSIONS, "category", version.into(), sealed)?;
    Category::parse(&text)
        .ok_or_else(|| AppError::Internal(format!("version {version} has an unknown category")))
}

/// What a version states, opened.
pub fn open_version(
    keyring: &Keyring,
    conn: &mut PgConnection,
    row: &VersionRow,
) -> AppResult<Statement> {
    let mut open = |column, sealed: &[u8]| {
        keyring
            .open_string(conn, VERSIONS, column, row.id.into(), sealed)
            .map_err(AppError::from)
    };
    let summary = open("summary", &row.summary)?;
    let content = open("content", &row.content)?;
    Ok(Statement {
        category: open_category(keyring, conn, row.id, &row.category)?,
        summary,
        content,
    })
}

/// An attachment's name, opened.
pub fn open_file_name(
    keyring: &Keyring,
    conn: &mut PgConnection,
    attachment: DossierAttachmentId,
    sealed: &[u8],
) -> AppResult<String> {
    Ok(keyring.open_string(conn, ATTACHMENTS, "file_name", attachment.into(), sealed)?)
}

/// An attachment's bytes, opened.
pub fn open_content(
    keyring: &Keyring,
    conn: &mut PgConnection,
    row: &AttachmentRow,
) -> AppResult<Vec<u8>> {
    Ok(keyring.open_value(conn, ATTACHMENTS, "content", row.id.into(), &row.content)?)
}
