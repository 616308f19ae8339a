//! The party organization tree (Table 22): units from the Central Committee
//! down to the cells, each attached to an administrative organization when it
//! is, established and dissolved by decision; and what the API says of them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::ltree::TreePath;
use crate::db::schema::{party_organization_events, party_organizations};
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, PartyOrganizationId};
use crate::pagination::Limit;
use crate::text_enum;
use crate::validation::{parse, parse_word, NameQuery};

text_enum!(
    /// What kind of unit (loại tổ chức đảng).
    UnitKind {
        CentralCommittee = "central_committee",
        PartyCommittee = "party_committee",
        GrassrootsCommittee = "grassroots_committee",
        GrassrootsOrganization = "grassroots_organization",
        Cell = "cell",
    }
);

impl UnitKind {
    /// Members belong to cells and to grassroots organizations without cells.
    pub fn holds_members(self) -> bool {
        matches!(self, UnitKind::Cell | UnitKind::GrassrootsOrganization)
    }
}

text_enum!(
    /// The tier of the unit (cấp).
    UnitLevel {
        Central = "central",
        Province = "province",
        District = "district",
        Commune = "commune",
        Grassroots = "grassroots",
    }
);

text_enum!(
    UnitStatus {
        Active = "active",
        Dissolved = "dissolved",
        Merged = "merged",
        Split = "split",
    }
);

text_enum!(
    /// What happened to a unit (`party_organization_events.kind`).
    UnitEventKind {
        Established = "established",
        Dissolved = "dissolved",
        MergedInto = "merged_into",
        Absorbed = "absorbed",
        SplitInto = "split_into",
        SplitFrom = "split_from",
        ReceivedMembers = "received_members",
    }
);

/// A unit's row, and most of what the API shows of it.
#[derive(
    Debug, Clone, Queryable, Selectable, QueryableByName, Insertable, AsChangeset, Serialize,
)]
#[diesel(
    table_name = party_organizations,
    check_for_backend(diesel::pg::Pg),
    treat_none_as_null = true,
    treat_none_as_default_value = false
)]
pub struct PartyOrganization {
    pub id: PartyOrganizationId,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub name_folded: String,
    #[serde(rename = "type")]
    pub kind: UnitKind,
    pub level: UnitLevel,
    pub parent_id: Option<PartyOrganizationId>,
    #[serde(skip)]
    pub path: TreePath,
    pub organization_id: Option<OrganizationId>,
    pub status: UnitStatus,
    pub established_on: NaiveDate,
    pub establishment_decision: Option<String>,
    pub dissolved_on: Option<NaiveDate>,
    pub dissolution_decision: Option<String>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl PartyOrganization {
    /// Whether the unit existed on `date`.
    pub fn existed_on(&self, date: NaiveDate) -> bool {
        self.established_on <= date && self.dissolved_on.is_none_or(|d| date < d)
    }
}

/// Table 25 items 22 to 25 for one unit: the units under it and the members
/// in its subtree, overall and by kind, on the date asked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitCounts {
    pub party_organizations: i64,
    pub party_organizations_by_type: serde_json::Map<String, serde_json::Value>,
    pub members: i64,
    pub members_by_status: serde_json::Map<String, serde_json::Value>,
    pub exempted_members: i64,
}

/// Table 25 items 22 to 25 as an organization shows them: the party
/// organizations attached to it (and those under them) by type, and their
/// members by status, on the date asked.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PartyCounts {
    pub party_organizations: i64,
    pub party_organizations_by_type: serde_json::Map<String, serde_json::Value>,
    pub members: i64,
    pub members_by_status: serde_json::Map<String, serde_json::Value>,
}

/// A unit as `GET /party-organizations/{id}` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct PartyOrganizationView {
    #[serde(flatten)]
    pub unit: PartyOrganization,
    pub predecessor_ids: Vec<PartyOrganizationId>,
    /// Only on a single unit (`GET /party-organizations/{id}`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counts: Option<UnitCounts>,
}

/// Body of `POST /party-organizations`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUnit {
    #[validate(regex(path = *CODE, message = "upper-case letters, digits, '.', '_' or '-', at most 48"))]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    #[serde(rename = "type")]
    pub kind: UnitKind,
    pub level: UnitLevel,
    pub parent_id: PartyOrganizationId,
    pub organization_id: Option<OrganizationId>,
    pub established_on: NaiveDate,
    #[validate(length(min = 1, max = 300))]
    pub establishment_decision: Option<String>,
}

pub static CODE: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[A-Z0-9][A-Z0-9._-]{0,47}$")
        .unwrap_or_else(|e| panic!("party code pattern: {e}"))
});

/// Body of `POST /party-organizations/{id}/dissolve`: the unit ends; with a
/// successor (a merge into it), the members of a dissolved cell move there.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct DissolveUnit {
    pub dissolved_on: NaiveDate,
    #[validate(length(min = 1, max = 300))]
    pub decision_number: String,
    pub successor_id: Option<PartyOrganizationId>,
}

/// One line of a unit's story.
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = party_organization_events, check_for_backend(diesel::pg::Pg))]
pub struct UnitEvent {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub party_organization_id: PartyOrganizationId,
    pub kind: UnitEventKind,
    pub effective_on: NaiveDate,
    pub decision_number: Option<String>,
    pub related_party_organization_id: Option<PartyOrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = party_organization_events)]
pub struct NewUnitEvent {
    pub party_organization_id: PartyOrganizationId,
    pub kind: UnitEventKind,
    pub effective_on: NaiveDate,
    pub decision_number: Option<String>,
    pub related_party_organization_id: Option<PartyOrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

/// `GET /party-organizations/{id}/history`.
#[derive(Debug, Serialize)]
pub struct UnitHistory {
    pub party_organization: PartyOrganization,
    pub predecessor_ids: Vec<PartyOrganizationId>,
    pub successor_ids: Vec<PartyOrganizationId>,
    pub events: Vec<UnitEvent>,
}

/// `GET /party-organizations` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct UnitQuery {
    pub level: Option<String>,
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub parent_id: Option<String>,
    pub q: Option<String>,
    pub status: Option<String>,
    pub as_of: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Which units to list: with `as_of`, those that existed on that date;
/// without, every unit whatever its status (which `status` narrows).
#[derive(Debug, Clone)]
pub struct UnitFilter {
    pub level: Option<UnitLevel>,
    pub kind: Option<UnitKind>,
    pub parent: Option<PartyOrganizationId>,
    pub name: NameQuery,
    pub status: Option<UnitStatus>,
    pub as_of: Option<NaiveDate>,
    pub limit: Limit,
    pub after: Option<(String, uuid::Uuid)>,
}

impl TryFrom<UnitQuery> for UnitFilter {
    type Error = AppError;

    fn try_from(query: UnitQuery) -> AppResult<Self> {
        let after = query
            .cursor
            .as_deref()
            .map(crate::pagination::decode::<crate::pagination::NameKey>)
            .transpose()?
            .map(|k| (k.0, k.1));
        Ok(UnitFilter {
            level: parse_word("level", &query.level)?,
            kind: parse_word("type", &query.kind)?,
            parent: parse("parent_id", &query.parent_id, "a party organization id")?,
            name: NameQuery::parse(&query.q)?,
            status: parse_word("status", &query.status)?,
            as_of: parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?,
            limit: Limit::parse(parse("limit", &query.limit, "an integer")?)?,
            after,
        })
    }
}

/// `?as_of=` on one unit or member.
#[derive(Debug, Default, Deserialize)]
pub struct AsOfQuery {
    pub as_of: Option<String>,
}

impl AsOfQuery {
    pub fn date(&self) -> AppResult<Option<NaiveDate>> {
        parse("as_of", &self.as_of, "a date (YYYY-MM-DD)")
    }
}
