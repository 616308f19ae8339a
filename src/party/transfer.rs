//! Transfers between cells as sent: issuing one (the sending committee),
//! accepting or cancelling it, and which to list.

use chrono::NaiveDate;
use serde::Deserialize;
use validator::Validate;

use super::view::TransferStatus;
use crate::error::{AppError, AppResult};
use crate::ids::MemberId;
use crate::text_enum;
use crate::validation::parse_word;

/// Body of `POST /party-transfers`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct IssueTransfer {
    pub member_id: MemberId,
    /// The receiving cell's code, as the receiving committee gives it; it
    /// may lie outside the sender's scope.
    #[validate(length(min = 1, max = 48))]
    pub to_party_organization_code: String,
    pub issued_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub issuing_body: String,
}

/// Body of `POST /party-transfers/{id}/accept`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct AcceptTransfer {
    pub accepted_on: NaiveDate,
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    #[validate(length(min = 1, max = 300))]
    pub accepting_body: String,
}

/// Body of `POST /party-transfers/{id}/cancel`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CancelTransfer {
    pub cancelled_on: NaiveDate,
}

text_enum!(
    /// Transfers into the caller's cells, or out of them.
    Direction {
        Incoming = "incoming",
        Outgoing = "outgoing",
    }
);

/// `GET /party-transfers` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct TransferQuery {
    pub direction: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TransferFilter {
    pub direction: Option<Direction>,
    pub status: Option<TransferStatus>,
}

impl TryFrom<TransferQuery> for TransferFilter {
    type Error = AppError;

    fn try_from(query: TransferQuery) -> AppResult<Self> {
        Ok(TransferFilter {
            direction: parse_word("direction", &query.direction)?,
            status: parse_word("status", &query.status)?,
        })
    }
}
