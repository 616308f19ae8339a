//! What clients send about profiles: request bodies, and query strings
//! parsed at the edge into typed filters.

use chrono::NaiveDate;
use serde::Deserialize;

use super::model::{Classification, ProfileStatus, RecordKind, Sex};
use super::repo::IndexColumn;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::pagination::{self, Limit, NameKey};
use crate::validation::{parse, parse_word, NameQuery};

/// A PATCH body: keys absent stay as they are, `null` clears.
pub type Patch = serde_json::Map<String, serde_json::Value>;

/// `?reveal=true`: the sealed items asked for in full.
fn reveal(raw: &Option<String>) -> AppResult<bool> {
    Ok(parse::<bool>("reveal", raw, "true or false")?.unwrap_or(false))
}

/// `GET /officials/{id}` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct ReadQuery {
    pub reveal: Option<String>,
}

impl ReadQuery {
    /// Whether the sealed items are asked for in full.
    pub fn reveal(&self) -> AppResult<bool> {
        reveal(&self.reveal)
    }
}

/// `GET /officials/{id}/records` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct RecordsQuery {
    pub kind: Option<String>,
    pub reveal: Option<String>,
}

impl RecordsQuery {
    /// Whether the sealed details are asked for in full.
    pub fn reveal(&self) -> AppResult<bool> {
        reveal(&self.reveal)
    }

    /// The one kind of entry asked for, if any.
    pub fn kind(&self) -> AppResult<Option<RecordKind>> {
        self.kind
            .as_deref()
            .map(|kind| {
                RecordKind::parse(kind)
                    .ok_or_else(|| AppError::invalid("kind", "is not a kind of record"))
            })
            .transpose()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub managing_organization_id: OrganizationId,
    pub using_organization_id: Option<OrganizationId>,
    pub effective_date: NaiveDate,
    pub decision_number: String,
    /// The position held in the new organization.
    pub position: String,
}

impl TransferRequest {
    /// The decision and the new position are required.
    pub fn check(&self) -> AppResult<()> {
        if self.decision_number.trim().is_empty() || self.decision_number.len() > 200 {
            return Err(AppError::invalid(
                "decision_number",
                "is required (at most 200 characters)",
            ));
        }
        if self.position.trim().is_empty() || self.position.len() > 300 {
            return Err(AppError::invalid(
                "position",
                "is required (at most 300 characters)",
            ));
        }
        Ok(())
    }

    /// What the transfer changes in the profile, as a PATCH would.
    pub fn patch(&self) -> Patch {
        let using = self
            .using_organization_id
            .unwrap_or(self.managing_organization_id);
        [
            (
                "managing_organization_id",
                serde_json::json!(self.managing_organization_id),
            ),
            ("using_organization_id", serde_json::json!(using)),
            (
                "joined_current_agency_on",
                serde_json::json!(self.effective_date),
            ),
            ("job_position", serde_json::json!(self.position)),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_owned(), value))
        .collect()
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LifeEvent {
    Retire,
    Death,
    Archive,
}

/// Body of `POST /officials/{id}/retire`, `/death` and `/archive`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEventRequest {
    /// The day it took effect (retirement, death); today for archiving when absent.
    pub effective_date: Option<NaiveDate>,
}

/// A life event as the route and the body state it.
#[derive(Debug, Clone, Copy)]
pub struct LifeEventInput {
    pub event: LifeEvent,
    pub effective_date: Option<NaiveDate>,
}

impl LifeEventRequest {
    pub fn of(self, event: LifeEvent) -> LifeEventInput {
        LifeEventInput {
            event,
            effective_date: self.effective_date,
        }
    }
}

/// Body of `POST /officials/lookup`: exactly one identity number.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    #[serde(default, deserialize_with = "a_string")]
    pub identity_card_number: Option<String>,
    #[serde(default, deserialize_with = "a_string")]
    pub personal_identification_code: Option<String>,
    #[serde(default, deserialize_with = "a_string")]
    pub social_insurance_number: Option<String>,
}

/// A member that, when present, is a string: `null` is refused rather than
/// read as absent, so that "exactly one number" means exactly one member.
fn a_string<'de, D: serde::Deserializer<'de>>(member: D) -> Result<Option<String>, D::Error> {
    String::deserialize(member).map(Some)
}

/// An exact lookup: which identity number, normalized as its blind index
/// takes it.
#[derive(Debug, Clone)]
pub struct Lookup {
    pub column: IndexColumn,
    /// The field as clients name it, and as the blind index key names it.
    pub field: &'static str,
    pub normalized: String,
    /// Whether the index is over the whole value rather than its tail.
    pub whole: bool,
}

const ONE_NUMBER: &str = "give exactly one of identity_card_number, \
    personal_identification_code, social_insurance_number";

impl TryFrom<LookupRequest> for Lookup {
    type Error = AppError;

    fn try_from(request: LookupRequest) -> AppResult<Self> {
        let given = (
            request.identity_card_number,
            request.personal_identification_code,
            request.social_insurance_number,
        );
        let (column, field, value, whole) = match given {
            (Some(v), None, None) => (IndexColumn::IdentityCard, "identity_card_number", v, false),
            (None, Some(v), None) => (
                IndexColumn::PersonalIdentification,
                "personal_identification_code",
                v,
                true,
            ),
            (None, None, Some(v)) => (
                IndexColumn::SocialInsurance,
                "social_insurance_number",
                v,
                false,
            ),
            _ => return Err(AppError::invalid("$", ONE_NUMBER)),
        };
        let normalized = crate::crypto::normalize_identifier(&value);
        let readable = value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '-'));
        if !readable || normalized.is_empty() || normalized.len() > 20 {
            return Err(AppError::invalid(
                field,
                "must be 1 to 20 letters or digits",
            ));
        }
        Ok(Lookup {
            column,
            field,
            normalized,
            whole,
        })
    }
}

/// `GET /officials` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub organization_id: Option<String>,
    pub include_subtree: Option<String>,
    pub classification: Option<String>,
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub degree_code: Option<String>,
    pub political_theory_code: Option<String>,
    pub ethnic_group_code: Option<String>,
    pub hometown_province_code: Option<String>,
    pub birthplace_province_code: Option<String>,
    pub term_ends_from: Option<String>,
    pub term_ends_to: Option<String>,
    pub raise_due_from: Option<String>,
    pub raise_due_to: Option<String>,
    pub sex: Option<String>,
    pub age_min: Option<String>,
    pub age_max: Option<String>,
    pub party_member: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Profiles managed or used by this unit, or (`subtree`) anywhere below it.
#[derive(Debug, Clone, Copy)]
pub struct OrganizationFilter {
    pub id: OrganizationId,
    pub subtree: bool,
}

/// Catalog codes a search may ask for, each exactly.
#[derive(Debug, Clone, Default)]
pub struct CodeFilters {
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub degree_code: Option<String>,
    pub political_theory_code: Option<String>,
    pub ethnic_group_code: Option<String>,
    pub hometown_province_code: Option<String>,
    pub birthplace_province_code: Option<String>,
}

/// A period of days, both ends included, either open.
#[derive(Debug, Clone, Copy, Default)]
pub struct Period {
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

impl Period {
    fn parse(field: &str, from: &Option<String>, to: &Option<String>) -> AppResult<Option<Period>> {
        let from_field = format!("{field}_from");
        let to_field = format!("{field}_to");
        let from = parse::<NaiveDate>(&from_field, from, "a date (YYYY-MM-DD)")?;
        let to = parse::<NaiveDate>(&to_field, to, "a date (YYYY-MM-DD)")?;
        if let (Some(a), Some(b)) = (from, to) {
            if b < a {
                return Err(AppError::invalid(
                    to_field,
                    format!("must not be before {from_field}"),
                ));
            }
        }
        Ok((from.is_some() || to.is_some()).then_some(Period { from, to }))
    }
}

/// A search as officials use it, checked.
#[derive(Debug, Clone)]
pub struct SearchFilter {
    pub name: NameQuery,
    pub organization: Option<OrganizationFilter>,
    /// Age in whole years today, at least and at most.
    pub age_min: Option<u32>,
    pub age_max: Option<u32>,
    pub classification: Option<Classification>,
    pub codes: CodeFilters,
    /// Terms ending in this period.
    pub term_ends: Option<Period>,
    /// Next salary raise due in this period.
    pub raise_due: Option<Period>,
    pub sex: Option<Sex>,
    pub party_member: Option<bool>,
    /// Active profiles unless another status is asked for.
    pub status: ProfileStatus,
    pub limit: Limit,
    pub after: Option<NameKey>,
}

fn code_filter(field: &str, raw: &Option<String>) -> AppResult<Option<String>> {
    match raw {
        Some(text) if text.is_empty() || text.len() > 40 || text.contains('\0') => {
            Err(AppError::invalid(field, "must be a catalog code"))
        }
        other => Ok(other.clone()),
    }
}

impl TryFrom<&SearchQuery> for CodeFilters {
    type Error = AppError;

    fn try_from(query: &SearchQuery) -> AppResult<Self> {
        Ok(CodeFilters {
            rank_code: code_filter("rank_code", &query.rank_code)?,
            position_code: code_filter("position_code", &query.position_code)?,
            degree_code: code_filter("degree_code", &query.degree_code)?,
            political_theory_code: code_filter(
                "political_theory_code",
                &query.political_theory_code,
            )?,
            ethnic_group_code: code_filter("ethnic_group_code", &query.ethnic_group_code)?,
            hometown_province_code: code_filter(
                "hometown_province_code",
                &query.hometown_province_code,
            )?,
            birthplace_province_code: code_filter(
                "birthplace_province_code",
                &query.birthplace_province_code,
            )?,
        })
    }
}

/// `include_subtree` counts only with an organization (and defaults to
/// true), but is checked either way: what the contract refuses, the server
/// refuses.
fn organization_filter(query: &SearchQuery) -> AppResult<Option<OrganizationFilter>> {
    let id = parse(
        "organization_id",
        &query.organization_id,
        "an organization id",
    )?;
    let subtree =
        parse::<bool>("include_subtree", &query.include_subtree, "true or false")?.unwrap_or(true);
    Ok(id.map(|id| OrganizationFilter { id, subtree }))
}

/// Ages up to 120, the least not above the most.
fn ages(query: &SearchQuery) -> AppResult<(Option<u32>, Option<u32>)> {
    let age_min = parse::<u32>("age_min", &query.age_min, "a whole number of years")?;
    let age_max = parse::<u32>("age_max", &query.age_max, "a whole number of years")?;
    for (field, age) in [("age_min", age_min), ("age_max", age_max)] {
        if age.is_some_and(|a| a > 120) {
            return Err(AppError::invalid(field, "must be at most 120"));
        }
    }
    if let (Some(min), Some(max)) = (age_min, age_max) {
        if min > max {
            return Err(AppError::invalid("age_min", "must not exceed age_max"));
        }
    }
    Ok((age_min, age_max))
}

impl TryFrom<SearchQuery> for SearchFilter {
    type Error = AppError;

    /// Checked in the order the parameters are listed, the first fault reported.
    fn try_from(query: SearchQuery) -> AppResult<Self> {
        let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
        let name = NameQuery::parse(&query.q)?;
        let organization = organization_filter(&query)?;
        let (age_min, age_max) = ages(&query)?;
        Ok(SearchFilter {
            name,
            organization,
            age_min,
            age_max,
            classification: parse_word("classification", &query.classification)?,
            codes: CodeFilters::try_from(&query)?,
            term_ends: Period::parse("term_ends", &query.term_ends_from, &query.term_ends_to)?,
            raise_due: Period::parse("raise_due", &query.raise_due_from, &query.raise_due_to)?,
            sex: parse_word("sex", &query.sex)?,
            party_member: parse::<bool>("party_member", &query.party_member, "true or false")?,
            status: parse_word("status", &query.status)?.unwrap_or(ProfileStatus::Active),
            limit,
            after: query
                .cursor
                .as_deref()
                .map(pagination::decode::<NameKey>)
                .transpose()?,
        })
    }
}
