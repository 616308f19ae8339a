//! What dossier officers send, checked before any work is done: what a
//! dossier states, the reason for reading it, an attachment, and whose
//! dossiers to list.

use std::borrow::Cow;
use std::collections::HashSet;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Deserialize;
use uuid::Uuid;
use validator::{Validate, ValidationError};

use super::model::{AttachmentType, Category, Subject, SubjectKind, MAX_ATTACHMENT_BYTES};
use crate::error::{AppError, AppResult};
use crate::validation::{parse, parse_word, validated};

/// Words a reason must hold, at least, all different.
const REASON_WORDS: usize = 3;

/// What a version of a dossier states: the body of a correction, and with
/// the subject the body of a new dossier.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Statement {
    pub category: Category,
    #[validate(length(min = 1, max = 1000), custom(function = "not_blank"))]
    pub summary: String,
    #[validate(length(min = 1, max = 50000), custom(function = "not_blank"))]
    pub content: String,
}

/// Body of `POST /dossiers`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDossier {
    /// `official` when absent.
    pub subject_kind: Option<SubjectKind>,
    pub subject_id: Uuid,
    pub category: Category,
    pub summary: String,
    pub content: String,
}

impl NewDossier {
    /// Whom it is about and what it states, checked.
    pub fn into_parts(self) -> AppResult<(Subject, Statement)> {
        let subject = Subject::new(
            self.subject_kind.unwrap_or(SubjectKind::Official),
            self.subject_id,
        );
        let statement = Statement {
            category: self.category,
            summary: self.summary,
            content: self.content,
        };
        validated(&statement)?;
        Ok((subject, statement))
    }
}

/// Body of `POST /dossiers/{id}/read`: why, and optionally an earlier version.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReadRequest {
    #[validate(length(max = 500), custom(function = "stated_reason"))]
    pub reason: String,
    /// The latest when absent.
    #[validate(range(min = 1))]
    pub version: Option<i32>,
}

/// A read with its reason checked.
#[derive(Debug, Clone)]
pub struct ReadInput {
    pub reason: Reason,
    pub version: Option<i32>,
}

impl TryFrom<ReadRequest> for ReadInput {
    type Error = AppError;

    fn try_from(request: ReadRequest) -> AppResult<Self> {
        validated(&request)?;
        Ok(ReadInput {
            reason: Reason(request.reason.trim().to_owned()),
            version: request.version,
        })
    }
}

/// Body of `POST /dossiers/{id}/attachments/{number}/read`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct ReasonRequest {
    #[validate(length(max = 500), custom(function = "stated_reason"))]
    pub reason: String,
}

/// A reason that has been checked, for the audit entry of a read.
#[derive(Debug, Clone)]
pub struct Reason(pub String);

impl TryFrom<ReasonRequest> for Reason {
    type Error = AppError;

    fn try_from(request: ReasonRequest) -> AppResult<Self> {
        validated(&request)?;
        Ok(Reason(request.reason.trim().to_owned()))
    }
}

/// Body of `POST /dossiers/{id}/attachments` as sent.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttachmentInput {
    pub file_name: String,
    pub content_type: AttachmentType,
    /// Standard base64 with padding, no line breaks.
    pub content_base64: String,
}

/// An attachment decoded and checked: its bytes are what its type says.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: AttachmentType,
    pub bytes: Vec<u8>,
}

impl TryFrom<AttachmentInput> for NewAttachment {
    type Error = AppError;

    fn try_from(input: AttachmentInput) -> AppResult<Self> {
        let file_name = file_name(&input.file_name)?;
        let bytes = decoded(&input.content_base64)?;
        NewAttachment::checked(file_name, input.content_type, bytes)
    }
}

impl NewAttachment {
    /// A file as uploaded (the portal's form): its bytes must be what its
    /// type says; a fault names `content_base64`, as in the API.
    pub fn checked(
        file_name: String,
        content_type: AttachmentType,
        bytes: Vec<u8>,
    ) -> AppResult<Self> {
        if bytes.is_empty() || bytes.len() > MAX_ATTACHMENT_BYTES {
            return Err(AppError::invalid(
                "content_base64",
                format!("must hold 1 to {MAX_ATTACHMENT_BYTES} bytes"),
            ));
        }
        if !looks_like(content_type, &bytes) {
            return Err(AppError::invalid(
                "content_base64",
                format!("is not {content_type} content"),
            ));
        }
        let file_name = self::file_name(&file_name)?;
        Ok(NewAttachment {
            file_name,
            content_type,
            bytes,
        })
    }
}

/// `GET /dossiers` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub subject_id: Option<String>,
    pub subject_kind: Option<String>,
}

impl TryFrom<ListQuery> for Subject {
    type Error = AppError;

    fn try_from(query: ListQuery) -> AppResult<Self> {
        let id = parse("subject_id", &query.subject_id, "a UUID")?
            .ok_or_else(|| AppError::invalid("subject_id", "is required: whose dossiers"))?;
        let kind = parse_word("subject_kind", &query.subject_kind)?;
        Ok(Subject::new(kind.unwrap_or(SubjectKind::Official), id))
    }
}

fn not_blank(text: &str) -> Result<(), ValidationError> {
    if text.trim().is_empty() {
        return Err(message("blank", "must not be blank"));
    }
    Ok(())
}

/// At least three different words (runs of letters or digits): "xem" or
/// "abc abc abc" states no reason. The reason itself is never echoed.
fn stated_reason(text: &str) -> Result<(), ValidationError> {
    let words: HashSet<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    if words.len() < REASON_WORDS {
        return Err(message(
            "reason",
            "must state why, in at least three different words",
        ));
    }
    Ok(())
}

fn message(code: &'static str, text: &'static str) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Borrowed(text))
}

/// A plain name: 1 to 255 characters, no control characters, no folders.
fn file_name(name: &str) -> AppResult<String> {
    let name = name.trim();
    let plain = !name.is_empty()
        && name.chars().count() <= 255
        && !name
            .chars()
            .any(|c| c.is_control() || c == '/' || c == '\\');
    if !plain {
        return Err(AppError::invalid(
            "file_name",
            "must be 1 to 255 characters, without control characters, '/' or '\\'",
        ));
    }
    Ok(name.to_owned())
}

/// The bytes, refused before decoding when the text is too long to fit.
fn decoded(text: &str) -> AppResult<Vec<u8>> {
    let too_large = || {
        AppError::invalid(
            "content_base64",
            format!("must hold 1 to {MAX_ATTACHMENT_BYTES} bytes"),
        )
    };
    if text.len() > MAX_ATTACHMENT_BYTES.div_ceil(3) * 4 {
        return Err(too_large());
    }
    let bytes = STANDARD
        .decode(text)
        .map_err(|_| AppError::invalid("content_base64", "must be standard base64"))?;
    if bytes.is_empty() || bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// The first bytes every file of the type starts with (text: UTF-8 without NUL).
fn looks_like(kind: AttachmentType, bytes: &[u8]) -> bool {
    match kind {
        AttachmentType::Pdf => bytes.starts_with(b"%PDF-"),
        AttachmentType::Jpeg => bytes.starts_with(&[0xFF, 0xD8, 0xFF]),
        AttachmentType::Png => bytes.starts_with(b"\x89PNG\r\n\x1a\n"),
        AttachmentType::PlainText => std::str::from_utf8(bytes).is_ok_and(|t| !t.contains('\0')),
        AttachmentType::Docx => bytes.starts_with(b"PK\x03\x04"),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn field_of(error: AppError) -> String {
        match error {
            AppError::Validation(errors) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_reason_needs_three_different_words() {
        let reason = |text: &str| {
            Reason::try_from(ReasonRequest {
                reason: text.into(),
            })
        };
        assert_eq!(
            reason("  thẩm tra bổ nhiệm ").unwrap().0,
            "thẩm tra bổ nhiệm"
        );
        for weak in ["", "xem", "xem hồ", "abc abc ABC", "... !!! ---"] {
            assert_eq!(field_of(reason(weak).unwrap_err()), "reason", "{weak:?}");
        }
        assert!(reason(&"từ ".repeat(200)).is_err(), "over 500 characters");
    }

    fn attachment(kind: AttachmentType, bytes: &[u8]) -> AppResult<NewAttachment> {
        NewAttachment::try_from(AttachmentInput {
            file_name: "biên bản.pdf".into(),
            content_type: kind,
            content_base64: STANDARD.encode(bytes),
        })
    }

    #[test]
    fn an_attachment_is_what_its_type_says_and_fits() {
        let made = attachment(AttachmentType::Pdf, b"%PDF-1.7 ...").unwrap();
        assert_eq!(made.bytes, b"%PDF-1.7 ...");
        assert!(attachment(AttachmentType::Png, b"\x89PNG\r\n\x1a\n....").is_ok());
        assert!(attachment(AttachmentType::PlainText, "Biên bản".as_bytes()).is_ok());
        for (kind, bytes) in [
            (AttachmentType::Pdf, &b"<html>"[..]),
            (AttachmentType::Jpeg, b"%PDF-1.7"),
            (AttachmentType::PlainText, b"a\0b"),
            (AttachmentType::PlainText, b"\xff\xfe"),
            (AttachmentType::Docx, b""),
        ] {
            assert_eq!(
                field_of(attachment(kind, bytes).unwrap_err()),
                "content_base64"
            );
        }
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_ATTACHMENT_BYTES + 1, b' ');
        assert_eq!(
            field_of(attachment(AttachmentType::Pdf, &big).unwrap_err()),
            "content_base64"
        );
        big.truncate(MAX_ATTACHMENT_BYTES);
        assert!(attachment(AttachmentType::Pdf, &big).is_ok());
    }

    #[test]
    fn a_file_name_is_a_plain_name() {
        assert_eq!(file_name(" báo cáo.pdf ").unwrap(), "báo cáo.pdf");
        for bad in ["", "  ", "../etc/passwd", "a\\b", "a\nb", &"x".repeat(256)] {
            assert_eq!(field_of(file_name(bad).unwrap_err()), "file_name");
        }
    }

    #[test]
    fn a_listing_names_its_subject() {
        let id = Uuid::new_v4();
        let query = ListQuery {
            subject_id: Some(id.to_string()),
            subject_kind: None,
        };
        assert_eq!(
            Subject::try_from(query).unwrap(),
            Subject::Official(crate::ids::OfficialId(id))
        );
        assert_eq!(
            field_of(Subject::try_from(ListQuery::default()).unwrap_err()),
            "subject_id"
        );
        let query = ListQuery {
            subject_id: Some(id.to_string()),
            subject_kind: Some("member".into()),
        };
        assert_eq!(
            field_of(Subject::try_from(query).unwrap_err()),
            "subject_kind"
        );
    }
}
