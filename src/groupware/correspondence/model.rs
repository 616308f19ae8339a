//! The correspondence register (DB4): documents as stored and as shown,
//! and the clerical words they are described with.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{
    correspondence, correspondence_assignees, correspondence_attachments, correspondence_events,
};
use crate::dossiers::model::AttachmentType;
use crate::ids::{DocumentAttachmentId, DocumentEventId, DocumentId, OrganizationId, UserId};
use crate::text_enum;

text_enum!(
    /// Which book a document is entered in: văn bản đến, văn bản đi, văn
    /// bản nội bộ (working documents).
    Direction {
        Incoming = "incoming",
        Outgoing = "outgoing",
        Internal = "internal",
    }
);

text_enum!(
    /// The ordinary register, or the secret one (sổ đăng ký văn bản mật)
    /// that holds every document with a secrecy mark.
    Register {
        Ordinary = "ordinary",
        Secret = "secret",
    }
);

text_enum!(
    /// How the number and symbol are written: a party body's (`12-QĐ/TW`,
    /// the Central Office's guidance) or a state body's (`12/QĐ-BNV`,
    /// Decree 30/2020/NĐ-CP).
    Form {
        Party = "party",
        State = "state",
    }
);

text_enum!(
    /// Độ khẩn: Khẩn, Thượng khẩn, Hỏa tốc.
    Urgency {
        Urgent = "urgent",
        VeryUrgent = "very_urgent",
        Flash = "flash",
    }
);

text_enum!(
    /// Độ mật (Law on Protection of State Secrets): Mật, Tối mật, Tuyệt mật.
    Secrecy {
        Confidential = "confidential",
        Secret = "secret",
        TopSecret = "top_secret",
    }
);

impl Secrecy {
    /// Higher is more secret; a clearance reaches its own mark and those below.
    pub fn rank(self) -> u8 {
        match self {
            Secrecy::Confidential => 1,
            Secrecy::Secret => 2,
            Secrecy::TopSecret => 3,
        }
    }
}

text_enum!(
    /// Where a document's handling stands.
    Status {
        Registered = "registered",
        Assigned = "assigned",
        InProgress = "in_progress",
        Done = "done",
    }
);

text_enum!(
    /// What a history entry records.
    EventKind {
        Registered = "registered",
        Assigned = "assigned",
        Status = "status",
    }
);

text_enum!(
    /// Loại văn bản, with the abbreviation its symbol carries.
    DocumentType {
        Resolution = "resolution",
        Decision = "decision",
        Directive = "directive",
        Conclusion = "conclusion",
        Regulation = "regulation",
        Rules = "rules",
        Guidance = "guidance",
        Notice = "notice",
        Report = "report",
        Submission = "submission",
        Plan = "plan",
        OfficialLetter = "official_letter",
        Minutes = "minutes",
        Other = "other",
    }
);

impl DocumentType {
    /// The abbreviation in the symbol: Nghị quyết NQ, Quyết định QĐ, Chỉ
    /// thị CT, Kết luận KL, Quy định QĐi (party) or QyĐ (state), Quy chế
    /// QC, Hướng dẫn HD, Thông báo TB, Báo cáo BC, Tờ trình TTr, Kế hoạch
    /// KH, Biên bản BB; a party's công văn CV. A state công văn (and an
    /// unnamed type) carries none: `12/BNV-TCBC`.
    pub fn abbreviation(self, form: Form) -> Option<&'static str> {
        Some(match (self, form) {
            (DocumentType::Resolution, _) => "NQ",
            (DocumentType::Decision, _) => "QĐ",
            (DocumentType::Directive, _) => "CT",
            (DocumentType::Conclusion, _) => "KL",
            (DocumentType::Regulation, Form::Party) => "QĐi",
            (DocumentType::Regulation, Form::State) => "QyĐ",
            (DocumentType::Rules, _) => "QC",
            (DocumentType::Guidance, _) => "HD",
            (DocumentType::Notice, _) => "TB",
            (DocumentType::Report, _) => "BC",
            (DocumentType::Submission, _) => "TTr",
            (DocumentType::Plan, _) => "KH",
            (DocumentType::Minutes, _) => "BB",
            (DocumentType::OfficialLetter, Form::Party) => "CV",
            (DocumentType::OfficialLetter | DocumentType::Other, _) => return None,
        })
    }
}

/// The parts of a number and symbol (số, ký hiệu).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol<'a> {
    pub form: Form,
    pub number: i32,
    pub document_type: DocumentType,
    /// The issuing body's abbreviation (`TW`, `BNV`).
    pub issuer: &'a str,
    /// The drafting unit's, after a state body's in a công văn (`TCBC`).
    pub drafting_unit: Option<&'a str>,
}

impl Symbol<'_> {
    /// `12-QĐ/TW` (party) or `12/QĐ-BNV` (state); numbers below 10 with a
    /// leading zero, as both guides write them.
    pub fn written(&self) -> String {
        let number = format!("{:02}", self.number);
        let code = self.document_type.abbreviation(self.form);
        match (self.form, code) {
            (Form::Party, Some(code)) => format!("{number}-{code}/{}", self.issuer),
            (Form::Party, None) => format!("{number}/{}", self.issuer),
            (Form::State, Some(code)) => format!("{number}/{code}-{}", self.issuer),
            (Form::State, None) => match self.drafting_unit {
                Some(unit) => format!("{number}/{}-{unit}", self.issuer),
                None => format!("{number}/{}", self.issuer),
            },
        }
    }
}

/// A book: one unit's register of one direction, ordinary or secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Book {
    pub organization_id: OrganizationId,
    pub direction: Direction,
    pub register: Register,
    pub year: i32,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = correspondence, check_for_backend(diesel::pg::Pg))]
pub struct DocumentRow {
    pub id: DocumentId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub direction: Direction,
    pub register: Register,
    pub year: i32,
    pub registration_number: i32,
    pub registered_on: NaiveDate,
    pub document_type: DocumentType,
    pub form: Form,
    pub document_number: Option<i32>,
    pub issuer_code: Option<String>,
    pub drafting_unit_code: Option<String>,
    pub number_symbol: Option<String>,
    pub document_date: NaiveDate,
    pub issuer: String,
    pub recipients: Option<String>,
    pub subject: String,
    pub subject_folded: String,
    pub urgency: Option<Urgency>,
    pub secrecy: Option<Secrecy>,
    pub handling_deadline: Option<NaiveDate>,
    pub handling_unit_id: Option<OrganizationId>,
    pub status: Status,
    pub done_on: Option<NaiveDate>,
    pub reply_to_id: Option<DocumentId>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub attachment_count: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl DocumentRow {
    pub fn book(&self) -> Book {
        Book {
            organization_id: self.organization_id,
            direction: self.direction,
            register: self.register,
            year: self.year,
        }
    }

    /// Past its handling deadline and not done.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status != Status::Done && self.handling_deadline.is_some_and(|d| d < today)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = correspondence_assignees, check_for_backend(diesel::pg::Pg))]
pub struct AssigneeRow {
    #[serde(skip)]
    pub document_id: DocumentId,
    pub user_id: UserId,
    /// Chủ trì (leads) rather than phối hợp (assists).
    pub lead: bool,
    pub assigned_at: DateTime<Utc>,
    pub assigned_by: Option<UserId>,
}

#[derive(Debug, Clone, Queryable, Selectable, Insertable, Serialize)]
#[diesel(table_name = correspondence_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub id: DocumentEventId,
    pub document_id: DocumentId,
    pub kind: EventKind,
    /// The status after the event.
    pub status: Status,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// One file; a marked document's name and bytes are in the sealed columns.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = correspondence_attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentRow {
    pub id: DocumentAttachmentId,
    pub document_id: DocumentId,
    pub number: i32,
    pub file_name: Option<String>,
    pub sealed_file_name: Option<Vec<u8>>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub content: Option<Vec<u8>>,
    pub sealed_content: Option<Vec<u8>>,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// A file without its bytes, for listings.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = correspondence_attachments, check_for_backend(diesel::pg::Pg))]
pub struct AttachmentEntry {
    pub id: DocumentAttachmentId,
    pub number: i32,
    pub file_name: Option<String>,
    pub sealed_file_name: Option<Vec<u8>>,
    pub content_type: AttachmentType,
    pub size: i32,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// A registered document as staff see it.
#[derive(Debug, Clone, Serialize)]
pub struct DocumentView {
    pub id: DocumentId,
    pub version: i32,
    pub organization_id: OrganizationId,
    pub direction: Direction,
    pub register: Register,
    pub year: i32,
    /// Số đến / số đi: 1, 2, … from 1 January in each book.
    pub registration_number: i32,
    /// The number as clerks write it: `01`, `02`, …
    pub registration_label: String,
    pub registered_on: NaiveDate,
    pub document_type: DocumentType,
    pub form: Form,
    pub document_number: Option<i32>,
    pub issuer_code: Option<String>,
    pub drafting_unit_code: Option<String>,
    pub number_symbol: Option<String>,
    pub document_date: NaiveDate,
    pub issuer: String,
    pub recipients: Option<String>,
    /// Trích yếu.
    pub subject: String,
    pub urgency: Option<Urgency>,
    pub secrecy: Option<Secrecy>,
    pub handling_deadline: Option<NaiveDate>,
    pub handling_unit_id: Option<OrganizationId>,
    pub assignees: Vec<AssigneeRow>,
    pub status: Status,
    pub done_on: Option<NaiveDate>,
    pub overdue: bool,
    pub reply_to_id: Option<DocumentId>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
    pub attachment_count: i32,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<UserId>,
    pub updated_at: DateTime<Utc>,
}

impl DocumentView {
    pub fn new(row: DocumentRow, assignees: Vec<AssigneeRow>, today: NaiveDate) -> DocumentView {
        DocumentView {
            overdue: row.overdue(today),
            registration_label: format!("{:02}", row.registration_number),
            id: row.id,
            version: row.version,
            organization_id: row.organization_id,
            direction: row.direction,
            register: row.register,
            year: row.year,
            registration_number: row.registration_number,
            registered_on: row.registered_on,
            document_type: row.document_type,
            form: row.form,
            document_number: row.document_number,
            issuer_code: row.issuer_code,
            drafting_unit_code: row.drafting_unit_code,
            number_symbol: row.number_symbol,
            document_date: row.document_date,
            issuer: row.issuer,
            recipients: row.recipients,
            subject: row.subject,
            urgency: row.urgency,
            secrecy: row.secrecy,
            handling_deadline: row.handling_deadline,
            handling_unit_id: row.handling_unit_id,
            assignees,
            status: row.status,
            done_on: row.done_on,
            reply_to_id: row.reply_to_id,
            effective_on: row.effective_on,
            expires_on: row.expires_on,
            attachment_count: row.attachment_count,
            created_at: row.created_at,
            created_by: row.created_by,
            updated_at: row.updated_at,
        }
    }
}

/// A file as listed: never its bytes.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub document_id: DocumentId,
    pub number: i32,
    pub file_name: String,
    pub content_type: AttachmentType,
    pub size: i32,
    pub sealed: bool,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: Option<UserId>,
}

/// A file with its bytes.
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentContent {
    #[serde(flatten)]
    pub attachment: AttachmentView,
    pub content_base64: String,
}

/// A user's clearance for the secret register.
#[derive(Debug, Clone, Serialize)]
pub struct ClearanceView {
    pub user_id: UserId,
    /// `null` once revoked.
    pub level: Option<Secrecy>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symbol(form: Form, number: i32, kind: DocumentType, unit: Option<&str>) -> String {
        let issuer = if form == Form::Party { "TW" } else { "BNV" };
        Symbol {
            form,
            number,
            document_type: kind,
            issuer,
            drafting_unit: unit,
        }
        .written()
    }

    #[test]
    fn party_and_state_forms_are_written_as_their_guides_say() {
        assert_eq!(
            symbol(Form::Party, 12, DocumentType::Decision, None),
            "12-QĐ/TW"
        );
        assert_eq!(
            symbol(Form::State, 12, DocumentType::Decision, None),
            "12/QĐ-BNV"
        );
        assert_eq!(
            symbol(Form::Party, 1, DocumentType::Directive, None),
            "01-CT/TW"
        );
        assert_eq!(
            symbol(Form::Party, 5, DocumentType::Regulation, None),
            "05-QĐi/TW"
        );
        assert_eq!(
            symbol(Form::State, 5, DocumentType::Regulation, None),
            "05/QyĐ-BNV"
        );
        assert_eq!(
            symbol(Form::Party, 340, DocumentType::OfficialLetter, None),
            "340-CV/TW"
        );
        assert_eq!(
            symbol(Form::State, 123, DocumentType::OfficialLetter, Some("TCBC")),
            "123/BNV-TCBC"
        );
        assert_eq!(symbol(Form::State, 7, DocumentType::Other, None), "07/BNV");
    }

    #[test]
    fn a_clearance_reaches_its_mark_and_those_below() {
        assert!(Secrecy::TopSecret.rank() > Secrecy::Secret.rank());
        assert!(Secrecy::Secret.rank() > Secrecy::Confidential.rank());
    }
}
