//! The member queries as sent, parsed at the edge into typed searches.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use validator::Validate;

use super::member::MemberStatus;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::PartyOrganizationId;
use crate::pagination::{self, Limit, NameKey};
use crate::validation::{parse, parse_word, NameQuery};

/// `GET /party-members` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct MemberQuery {
    pub q: Option<String>,
    pub party_organization_id: Option<String>,
    pub status: Option<String>,
    pub as_of: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Members by name, within a unit's subtree, with a status, as of a date.
#[derive(Debug, Clone)]
pub struct MemberSearch {
    pub name: NameQuery,
    pub unit: Option<PartyOrganizationId>,
    /// The unit's path, once the service found it visible.
    pub under: Option<TreePath>,
    pub status: Option<MemberStatus>,
    pub as_of: Option<NaiveDate>,
    pub limit: Limit,
    pub after: Option<(String, uuid::Uuid)>,
}

impl TryFrom<MemberQuery> for MemberSearch {
    type Error = AppError;

    fn try_from(query: MemberQuery) -> AppResult<Self> {
        let after = query
            .cursor
            .as_deref()
            .map(pagination::decode::<NameKey>)
            .transpose()?
            .map(|k| (k.0, k.1));
        Ok(MemberSearch {
            name: NameQuery::parse(&query.q)?,
            unit: parse(
                "party_organization_id",
                &query.party_organization_id,
                "a party organization id",
            )?,
            under: None,
            status: parse_word("status", &query.status)?,
            as_of: parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?,
            limit: Limit::parse(parse("limit", &query.limit, "an integer")?)?,
            after,
        })
    }
}

/// Body of `POST /party-members/lookup`: one number, exact (numbers travel
/// in bodies, never in URLs).
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    #[validate(length(min = 1, max = 20))]
    pub party_card_number: Option<String>,
    #[validate(length(min = 1, max = 20))]
    pub identity_number: Option<String>,
}

/// Which number to look up, in which column.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub column: &'static str,
    pub value: String,
}

impl TryFrom<LookupRequest> for Lookup {
    type Error = AppError;

    fn try_from(request: LookupRequest) -> AppResult<Self> {
        crate::validation::validated(&request)?;
        match (request.party_card_number, request.identity_number) {
            (Some(value), None) => Ok(Lookup {
                column: "party_card_number",
                value,
            }),
            (None, Some(value)) => Ok(Lookup {
                column: "identity_number",
                value,
            }),
            _ => Err(AppError::invalid(
                "party_card_number",
                "give exactly one of party_card_number and identity_number",
            )),
        }
    }
}

/// `GET /party-members/badges-due` and `GET /party-statistics` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct SubtreeQuery {
    pub party_organization_id: Option<String>,
    pub as_of: Option<String>,
    pub from: Option<String>,
    pub by: Option<String>,
    pub limit: Option<String>,
}

/// Badges falling due in `(from, by]` in a unit's subtree, e.g. by 3
/// February or 2 September.
#[derive(Debug, Clone)]
pub struct BadgeWindow {
    pub unit: PartyOrganizationId,
    pub from: Option<NaiveDate>,
    pub by: NaiveDate,
    pub limit: Limit,
}

fn unit_of(query: &SubtreeQuery) -> AppResult<PartyOrganizationId> {
    parse(
        "party_organization_id",
        &query.party_organization_id,
        "a party organization id",
    )?
    .ok_or_else(|| AppError::invalid("party_organization_id", "is required: the subtree to count"))
}

impl TryFrom<SubtreeQuery> for BadgeWindow {
    type Error = AppError;

    fn try_from(query: SubtreeQuery) -> AppResult<Self> {
        let by = parse("by", &query.by, "a date (YYYY-MM-DD)")?
            .ok_or_else(|| AppError::invalid("by", "is required: the date badges are due by"))?;
        let from = parse::<NaiveDate>("from", &query.from, "a date (YYYY-MM-DD)")?;
        if from.is_some_and(|from| from >= by) {
            return Err(AppError::invalid("from", "must be before by"));
        }
        Ok(BadgeWindow {
            unit: unit_of(&query)?,
            from,
            by,
            limit: Limit::parse(parse("limit", &query.limit, "an integer")?)?,
        })
    }
}

/// Statistics of a unit's subtree on a date (today by default).
#[derive(Debug, Clone)]
pub struct StatsFilter {
    pub unit: PartyOrganizationId,
    pub as_of: Option<NaiveDate>,
}

impl TryFrom<SubtreeQuery> for StatsFilter {
    type Error = AppError;

    fn try_from(query: SubtreeQuery) -> AppResult<Self> {
        Ok(StatsFilter {
            unit: unit_of(&query)?,
            as_of: parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?,
        })
    }
}

/// `GET /party-statistics`: counts by dimension, each a map of key to count.
#[derive(Debug, Clone, Serialize)]
pub struct Statistics {
    pub party_organization_id: PartyOrganizationId,
    pub as_of: NaiveDate,
    pub total: i64,
    pub exempted: i64,
    pub by_status: serde_json::Map<String, serde_json::Value>,
    pub by_sex: serde_json::Map<String, serde_json::Value>,
    pub by_age_band: serde_json::Map<String, serde_json::Value>,
    pub by_ethnic_group: serde_json::Map<String, serde_json::Value>,
    pub by_religion: serde_json::Map<String, serde_json::Value>,
    pub by_admission_year: serde_json::Map<String, serde_json::Value>,
    pub by_years_of_membership: serde_json::Map<String, serde_json::Value>,
}
