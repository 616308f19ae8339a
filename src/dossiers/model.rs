//! Internal-politics dossiers (DB3): the stored rows and what the API shows
//! of them. Whom a dossier is about is a `Subject`; what it says is sealed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;
use uuid::Uuid;

use crate::db::schema::{dossier_attachments, dossier_versions, dossiers};
use crate::ids::{DossierAttachmentId, DossierId, DossierVersionId, OfficialId, UserId};
use crate::text_enum;

text_enum!(
    /// What a dossier is about, after the Party's internal political
    /// protection work (bảo vệ chính trị nội bộ; decision 0016): the
    /// person's own political history (lịch sử chính trị), present views,
    /// statements and ties (chính trị hiện nay), relatives abroad and
    /// foreign contacts (quan hệ với nước ngoài), the political background
    /// of relatives (thân nhân), the verification of political standards
    /// before an appointment, admission or planning decision (thẩm định,
    /// xác minh), denunciations and their handling (đơn thư tố cáo).
    Category {
        PoliticalHistory = "political_history",
        CurrentPoliticalIssues = "current_political_issues",
        OverseasRelations = "overseas_relations",
        FamilyBackground = "family_background",
        PoliticalVerification = "political_verification",
        Denunciation = "denunciation",
        Other = "other",
    }
);

text_enum!(
    /// The kind of person a dossier is about. Party members (DB2) join as
    /// a second kind.
    SubjectKind {
        Official = "official",
    }
);

text_enum!(
    /// The files a dossier accepts; each is checked by its first bytes.
    AttachmentType {
        Pdf = "application/pdf",
        Jpeg = "image/jpeg",
        Png = "image/png",
        PlainText = "text/plain",
        Docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    }
);

/// Largest attachment, in bytes (5 MiB).
pub const MAX_ATTACHMENT_BYTES: usize = 5 * 1024 * 1024;

/// The person a dossier is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Official(OfficialId),
}

impl Subject {
    pub fn new(kind: SubjectKind, id: Uuid) -> Subject {
        match kind {
            SubjectKind::Official => Subject::Official(OfficialId(id)),
        }
    }

    pub fn kind(self) -> SubjectKind {
        match self {
            Subject::Official(_) => SubjectKind::Official,
        }
    }

    pub fn id(self) -> Uuid {
        match self {
            Subject::Official(id) => id.0,
        }
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dossiers, check_for_backend(diesel::pg::Pg))]
pub struct DossierRow {
    pub id: DossierId,
    pub subject_kind: SubjectKind,
    pub subject_id: Uuid,
    /// The number of the latest version.
    pub version: i32,
    pub attachment_count: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl DossierRow {
    /// A new dossier about `subject`, at version 1 without attachments.
    pub fn new(subject: Subject, now: DateTime<Utc>, by: Option<UserId>) -> DossierRow {
        DossierRow {
            id: DossierId::new_random(),
            subject_kind: subject.kind(),
            subject_id: subject.id(),
            version: 1,
            attachment_count: 0,
            created_at: now,
            created_by: by,
            updated_at: now,
        }
    }

    pub fn subject(&self) -> Subject {
        Subject::new(self.subject_kind, self.subject_id)
    }
}

/// One version; category, summary and content sealed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dossier_versions, check_for_backend(diesel::pg::Pg))]
pub struct VersionRow {
    pub id: DossierVersionId,
    pub dossier_id: DossierId,
    pub number: i32,
    pub category: Vec<u8>,
    pub summary: Vec<u8>,
    pub content: Vec<u8>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// One attachment; name and bytes sealed.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = dossier_attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentRow {
    pub id: DossierAttachmentId,
    pub dossier_id: DossierId,
    pub number: i32,
    pub file_name: Vec<u8>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub content: Vec<u8>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// An attachment without its bytes, for listings.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = dossier_attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentEntry {
    pub id: DossierAttachmentId,
    pub number: i32,
    pub file_name: Vec<u8>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// Who recorded something, and when.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recorded {
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// A dossier without its content: what officers see in lists.
#[derive(Debug, Clone, Serialize)]
pub struct DossierView {
    pub id: DossierId,
    pub subject_kind: SubjectKind,
    pub subject_id: Uuid,
    /// The latest version's category.
    pub category: Category,
    pub version: i32,
    pub attachment_count: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl DossierView {
    pub fn new(row: &DossierRow, category: Category) -> DossierView {
        DossierView {
            id: row.id,
            subject_kind: row.subject_kind,
            subject_id: row.subject_id,
            category,
            version: row.version,
            attachment_count: row.attachment_count,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// One version in a dossier's history (its content is read by number).
#[derive(Debug, Clone, Serialize)]
pub struct VersionEntry {
    pub number: i32,
    #[serde(flatten)]
    pub recorded: Recorded,
}

/// An attachment as listed with the content it belongs to.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub dossier_id: DossierId,
    pub number: i32,
    pub file_name: String,
    pub content_type: AttachmentType,
    pub size: i32,
    #[serde(flatten)]
    pub recorded: Recorded,
}

/// What one version of a dossier says, opened for a stated reason.
#[derive(Debug, Clone, Serialize)]
pub struct DossierContent {
    pub id: DossierId,
    pub subject_kind: SubjectKind,
    pub subject_id: Uuid,
    /// The version shown.
    pub version: i32,
    pub current_version: i32,
    pub category: Category,
    pub summary: String,
    pub content: String,
    #[serde(flatten)]
    pub recorded: Recorded,
    pub versions: Vec<VersionEntry>,
    pub attachments: Vec<AttachmentView>,
}

/// An attachment's bytes, opened for a stated reason.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentContent {
    #[serde(flatten)]
    pub attachment: AttachmentView,
    pub content_base64: String,
}
