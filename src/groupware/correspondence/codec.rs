//! A document's files as stored: a marked document's name and bytes
//! sealed, each bound to this table, its column and the file's own id;
//! an unmarked one's kept plain.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::model::{AttachmentEntry, AttachmentRow, AttachmentView};
use crate::crypto::{Keyring, Sealer};
use crate::dossiers::input::NewAttachment;
use crate::error::{AppError, AppResult};
use crate::ids::{DocumentAttachmentId, DocumentId, UserId};

/// The table named in the sealed values' associated data.
pub const ATTACHMENTS: &str = "correspondence_attachments";

/// The row of file `number` of `document`, sealed when `sealer` is given.
pub fn attachment_row(
    sealer: Option<&Sealer<'_>>,
    (document, number): (DocumentId, i32),
    attachment: &NewAttachment,
    (recorded_at, recorded_by): (DateTime<Utc>, Option<UserId>),
) -> AppResult<AttachmentRow> {
    let id = DocumentAttachmentId::new_random();
    let size = i32::try_from(attachment.bytes.len())
        .map_err(|_| AppError::Internal("an attachment larger than 2 GiB".into()))?;
    let mut row = AttachmentRow {
        id,
        document_id: document,
        number,
        file_name: None,
        sealed_file_name: None,
        content_type: attachment.content_type,
        size,
        content: None,
        sealed_content: None,
        recorded_at,
        recorded_by,
    };
    match sealer {
        Some(sealer) => {
            let name = &attachment.file_name;
            row.sealed_file_name =
                Some(sealer.seal_str(ATTACHMENTS, "sealed_file_name", id.into(), name)?);
            row.sealed_content =
                Some(sealer.seal(ATTACHMENTS, "sealed_content", id.into(), &attachment.bytes)?);
        }
        None => {
            row.file_name = Some(attachment.file_name.clone());
            row.content = Some(attachment.bytes.clone());
        }
    }
    Ok(row)
}

/// A file as listed, named `file_name` (already opened).
pub fn view(row: &AttachmentRow, file_name: String) -> AttachmentView {
    AttachmentView {
        document_id: row.document_id,
        number: row.number,
        file_name,
        content_type: row.content_type,
        size: row.size,
        sealed: row.sealed_content.is_some(),
        recorded_at: row.recorded_at,
        recorded_by: row.recorded_by,
    }
}

/// A listed file, its name opened when sealed.
pub fn entry_view(
    keyring: &Keyring,
    conn: &mut PgConnection,
    document: DocumentId,
    entry: AttachmentEntry,
) -> AppResult<AttachmentView> {
    let file_name = name(
        keyring,
        conn,
        entry.id,
        entry.file_name,
        &entry.sealed_file_name,
    )?;
    Ok(AttachmentView {
        document_id: document,
        number: entry.number,
        file_name,
        content_type: entry.content_type,
        size: entry.size,
        sealed: entry.sealed_file_name.is_some(),
        recorded_at: entry.recorded_at,
        recorded_by: entry.recorded_by,
    })
}

/// A file's name and bytes, opened when sealed.
pub fn open(
    keyring: &Keyring,
    conn: &mut PgConnection,
    row: &AttachmentRow,
) -> AppResult<(String, Vec<u8>)> {
    let file_name = name(
        keyring,
        conn,
        row.id,
        row.file_name.clone(),
        &row.sealed_file_name,
    )?;
    let bytes = match (&row.content, &row.sealed_content) {
        (Some(plain), _) => plain.clone(),
        (None, Some(sealed)) => {
            keyring.open_value(conn, ATTACHMENTS, "sealed_content", row.id.into(), sealed)?
        }
        (None, None) => return Err(AppError::Internal(format!("file {} holds nothing", row.id))),
    };
    Ok((file_name, bytes))
}

fn name(
    keyring: &Keyring,
    conn: &mut PgConnection,
    id: DocumentAttachmentId,
    plain: Option<String>,
    sealed: &Option<Vec<u8>>,
) -> AppResult<String> {
    match (plain, sealed) {
        (Some(name), _) => Ok(name),
        (None, Some(sealed)) => {
            Ok(keyring.open_string(conn, ATTACHMENTS, "sealed_file_name", id.into(), sealed)?)
        }
        (None, None) => Err(AppError::Internal(format!("file {id} has no name"))),
    }
}
