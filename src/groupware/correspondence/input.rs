//! What staff send to the register, checked before any work is done.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::model::{Direction, DocumentType, Form, Register, Secrecy, Status, Urgency};
use crate::error::{AppError, AppResult};
use crate::ids::{DocumentId, OrganizationId, UserId};
use crate::pagination::{decode, Limit};
use crate::validation::{parse, parse_word, validated, NameQuery};

/// Body of `POST /groupware/documents`: a document to register.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct NewDocument {
    /// The unit whose book takes it.
    pub organization_id: OrganizationId,
    pub direction: Direction,
    pub document_type: DocumentType,
    pub form: Form,
    /// The sender's number (incoming, internal); an outgoing document's is
    /// its registration number, assigned here.
    #[validate(range(min = 1, max = 999_999))]
    pub document_number: Option<i32>,
    #[validate(custom(function = "code"))]
    pub issuer_code: Option<String>,
    #[validate(custom(function = "code"))]
    pub drafting_unit_code: Option<String>,
    /// Ngày ban hành.
    pub document_date: NaiveDate,
    /// Cơ quan ban hành (for incoming: the sender).
    #[validate(length(min = 1, max = 500))]
    pub issuer: String,
    /// Nơi nhận.
    #[validate(length(max = 2000))]
    pub recipients: Option<String>,
    /// Trích yếu.
    #[validate(length(min = 1, max = 2000))]
    pub subject: String,
    pub urgency: Option<Urgency>,
    pub secrecy: Option<Secrecy>,
    pub handling_deadline: Option<NaiveDate>,
    pub reply_to_id: Option<DocumentId>,
    pub effective_on: Option<NaiveDate>,
    pub expires_on: Option<NaiveDate>,
}

/// An issuer's or drafting unit's abbreviation: `TW`, `BNV`, `TCBC`.
pub fn code(text: &str) -> Result<(), validator::ValidationError> {
    let plain =
        (1..=20).contains(&text.chars().count()) && text.chars().all(|c| c.is_alphanumeric());
    if plain {
        Ok(())
    } else {
        Err(validator::ValidationError::new("code")
            .with_message("must be 1 to 20 letters or digits, as `TW` or `BNV`".into()))
    }
}

impl NewDocument {
    /// Checks the fields and the clerical rules between them, as of `today`.
    pub fn checked(self, today: NaiveDate) -> AppResult<NewDocument> {
        validated(&self)?;
        if self.subject.trim().is_empty() {
            return Err(AppError::invalid("subject", "must not be blank"));
        }
        if self.issuer.trim().is_empty() {
            return Err(AppError::invalid("issuer", "must not be blank"));
        }
        if self.document_date > today {
            return Err(AppError::invalid(
                "document_date",
                "must not be after today",
            ));
        }
        if self.handling_deadline.is_some_and(|d| d < today) {
            return Err(AppError::invalid(
                "handling_deadline",
                "must not be before today",
            ));
        }
        if let (Some(from), Some(until)) = (self.effective_on, self.expires_on) {
            if until <= from {
                return Err(AppError::invalid(
                    "expires_on",
                    "must be after effective_on",
                ));
            }
        }
        self.numbering_checked()
    }

    fn numbering_checked(self) -> AppResult<NewDocument> {
        let outgoing = self.direction == Direction::Outgoing;
        if outgoing && self.document_number.is_some() {
            return Err(AppError::invalid(
                "document_number",
                "an outgoing document's number is its registration number; leave it out",
            ));
        }
        if (outgoing || self.document_number.is_some()) && self.issuer_code.is_none() {
            return Err(AppError::invalid(
                "issuer_code",
                "is required with a number: the symbol names the issuing body",
            ));
        }
        let names_type = self.document_type.abbreviation(self.form).is_some();
        if self.drafting_unit_code.is_some() && (self.form == Form::Party || names_type) {
            return Err(AppError::invalid(
                "drafting_unit_code",
                "only a state body's công văn names its drafting unit",
            ));
        }
        Ok(self)
    }

    pub fn register(&self) -> Register {
        if self.secrecy.is_some() {
            Register::Secret
        } else {
            Register::Ordinary
        }
    }
}

/// One person assigned to handle a document.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssigneeInput {
    pub user_id: UserId,
    #[serde(default)]
    pub lead: bool,
}

/// Body of `POST /groupware/documents/{id}/assignment`: who handles it
/// (replacing those assigned before), by when, and in which unit.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Assignment {
    pub handling_unit_id: Option<OrganizationId>,
    #[validate(length(min = 1, max = 50))]
    pub assignees: Vec<AssigneeInput>,
    pub handling_deadline: Option<NaiveDate>,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

impl Assignment {
    pub fn checked(self, today: NaiveDate) -> AppResult<Assignment> {
        validated(&self)?;
        if self.assignees.iter().filter(|a| a.lead).count() != 1 {
            return Err(AppError::invalid(
                "assignees",
                "exactly one assignee leads (chủ trì)",
            ));
        }
        let mut users: Vec<UserId> = self.assignees.iter().map(|a| a.user_id).collect();
        users.sort_by_key(|u| u.0);
        users.dedup();
        if users.len() != self.assignees.len() {
            return Err(AppError::invalid("assignees", "names someone twice"));
        }
        if self.handling_deadline.is_some_and(|d| d < today) {
            return Err(AppError::invalid(
                "handling_deadline",
                "must not be before today",
            ));
        }
        Ok(self)
    }
}

/// Body of `POST /groupware/documents/{id}/status`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct StatusChange {
    pub status: Status,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// Body of `PUT /groupware/clearances/{user_id}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClearanceRequest {
    /// Required: a mark, or `null` to revoke (absent is `None`).
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub level: Option<Option<Secrecy>>,
}

/// `GET /groupware/documents` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub q: Option<String>,
    pub direction: Option<String>,
    pub register: Option<String>,
    pub year: Option<String>,
    pub status: Option<String>,
    pub urgency: Option<String>,
    pub secrecy: Option<String>,
    pub document_type: Option<String>,
    pub organization_id: Option<String>,
    pub number_symbol: Option<String>,
    pub registration_number: Option<String>,
    pub assignee_id: Option<String>,
    pub reply_to_id: Option<String>,
    pub overdue: Option<String>,
    pub registered_from: Option<String>,
    pub registered_until: Option<String>,
    pub limit: Option<i64>,
    pub cursor: Option<String>,
}

/// Where a page of documents ends: the last one's creation and id.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DocumentKey(pub DateTime<Utc>, pub DocumentId);

/// The register searched by any of its fields; every filter narrows.
#[derive(Debug, Clone, Default)]
pub struct DocumentFilter {
    /// Words of the subject, folded: diacritics do not matter.
    pub subject: NameQuery,
    pub direction: Option<Direction>,
    pub register: Option<Register>,
    pub year: Option<i32>,
    pub status: Option<Status>,
    pub urgency: Option<Urgency>,
    pub secrecy: Option<Secrecy>,
    pub document_type: Option<DocumentType>,
    pub organization_id: Option<OrganizationId>,
    pub number_symbol: Option<String>,
    pub registration_number: Option<i32>,
    pub assignee_id: Option<UserId>,
    pub reply_to_id: Option<DocumentId>,
    pub overdue: Option<bool>,
    pub registered_from: Option<NaiveDate>,
    pub registered_until: Option<NaiveDate>,
    pub limit: Option<Limit>,
    pub after: Option<DocumentKey>,
}

impl TryFrom<ListQuery> for DocumentFilter {
    type Error = AppError;

    fn try_from(q: ListQuery) -> AppResult<Self> {
        Ok(DocumentFilter {
            subject: NameQuery::parse(&q.q)?,
            direction: parse_word("direction", &q.direction)?,
            register: parse_word("register", &q.register)?,
            year: parse("year", &q.year, "a year")?,
            status: parse_word("status", &q.status)?,
            urgency: parse_word("urgency", &q.urgency)?,
            secrecy: parse_word("secrecy", &q.secrecy)?,
            document_type: parse_word("document_type", &q.document_type)?,
            organization_id: parse("organization_id", &q.organization_id, "a UUID")?,
            number_symbol: q.number_symbol.map(|s| s.trim().to_owned()),
            registration_number: parse(
                "registration_number",
                &q.registration_number,
                "a whole number",
            )?,
            assignee_id: parse("assignee_id", &q.assignee_id, "a UUID")?,
            reply_to_id: parse("reply_to_id", &q.reply_to_id, "a UUID")?,
            overdue: parse("overdue", &q.overdue, "true or false")?,
            registered_from: parse("registered_from", &q.registered_from, "a date")?,
            registered_until: parse("registered_until", &q.registered_until, "a date")?,
            limit: Some(Limit::parse(q.limit)?),
            after: q.cursor.as_deref().map(decode).transpose()?,
        })
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

    fn incoming() -> NewDocument {
        serde_json::from_value(serde_json::json!({
            "organization_id": "1b4e28ba-2fa1-11d2-883f-0016d3cca427",
            "direction": "incoming",
            "document_type": "decision",
            "form": "state",
            "document_number": 12,
            "issuer_code": "BNV",
            "document_date": "2026-11-20",
            "issuer": "Bộ Nội vụ",
            "subject": "Về việc giao biên chế",
        }))
        .unwrap()
    }

    #[test]
    fn the_clerical_rules_between_fields_are_checked() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        assert!(incoming().checked(today).is_ok());
        let no_code = NewDocument {
            issuer_code: None,
            ..incoming()
        };
        assert_eq!(field_of(no_code.checked(today).unwrap_err()), "issuer_code");
        let numbered_outgoing = NewDocument {
            direction: Direction::Outgoing,
            ..incoming()
        };
        assert_eq!(
            field_of(numbered_outgoing.checked(today).unwrap_err()),
            "document_number"
        );
        let future = NewDocument {
            document_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            ..incoming()
        };
        assert_eq!(
            field_of(future.checked(today).unwrap_err()),
            "document_date"
        );
        let party_unit = NewDocument {
            form: Form::Party,
            document_type: DocumentType::OfficialLetter,
            drafting_unit_code: Some("TCBC".into()),
            ..incoming()
        };
        assert_eq!(
            field_of(party_unit.checked(today).unwrap_err()),
            "drafting_unit_code"
        );
        let bad_code = NewDocument {
            issuer_code: Some("B/NV".into()),
            ..incoming()
        };
        assert_eq!(
            field_of(bad_code.checked(today).unwrap_err()),
            "issuer_code"
        );
    }
}
