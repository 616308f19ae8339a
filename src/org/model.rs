//! Organizations (Table 25), their placements in the tree over time, and
//! what the API says about them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::ltree::TreePath;
use crate::db::schema::{
    organization_events, organization_placements, organizations, reorganizations,
};
use crate::ids::{OrganizationId, ReorganizationId};
use crate::text_enum;

text_enum!(
    /// Agency level (cấp): the tier of the political system.
    Level {
        Central = "central",
        Province = "province",
        District = "district",
        Commune = "commune",
    }
);

impl Level {
    /// Central is 0; a child may not sit above its parent's tier.
    pub fn rank(self) -> u8 {
        match self {
            Level::Central => 0,
            Level::Province => 1,
            Level::District => 2,
            Level::Commune => 3,
        }
    }
}

text_enum!(
    /// Current status (Tình trạng hiện tại).
    Status {
        Active = "active",
        Dissolving = "dissolving",
        Dissolved = "dissolved",
        Merged = "merged",
        Split = "split",
        EquityConverted = "equity_converted",
        JointVenture = "joint_venture",
    }
);

impl Status {
    /// Reached only through a reorganization, which keeps the history.
    pub fn is_terminal(self) -> bool {
        matches!(self, Status::Dissolved | Status::Merged | Status::Split)
    }
}

text_enum!(
    /// Professional or party work, for awards and disciplines.
    DistinctionDomain {
        Professional = "professional",
        Party = "party",
    }
);

/// An award or a discipline (Khen thưởng / Kỷ luật) of the organization.
#[derive(Debug, Clone, Serialize, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Distinction {
    pub domain: DistinctionDomain,
    pub decided_on: Option<NaiveDate>,
    #[validate(length(max = 200))]
    pub decision_number: Option<String>,
    #[validate(length(min = 1, max = 2000))]
    pub description: String,
}

text_enum!(
    /// What happened to an organization (`organization_events.kind`).
    EventKind {
        Created = "created",
        Updated = "updated",
        Moved = "moved",
        MergedInto = "merged_into",
        Absorbed = "absorbed",
        SplitInto = "split_into",
        SplitFrom = "split_from",
        Dissolved = "dissolved",
        ReceivedChildren = "received_children",
    }
);

text_enum!(
    /// What a reorganization decided (`reorganizations.kind`).
    ReorganizationKind {
        Merge = "merge",
        Split = "split",
        Dissolve = "dissolve",
    }
);

/// An organization's row. It is also most of what the API shows
/// (`OrganizationView` adds the rest): the columns clients never see are
/// skipped, and the others carry the names clients know them by.
#[derive(
    Debug, Clone, Queryable, Selectable, QueryableByName, Insertable, AsChangeset, Serialize,
)]
#[diesel(table_name = organizations, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct Organization {
    pub id: OrganizationId,
    pub code: String,
    pub name: String,
    #[serde(skip)]
    pub name_folded: String,
    pub abbreviation: Option<String>,
    pub level: Level,
    #[serde(rename = "type")]
    pub org_type: String,
    #[serde(rename = "group")]
    pub org_group: i16,
    /// Where it stands today; views show where it stood on the date asked.
    #[serde(skip)]
    pub parent_id: Option<OrganizationId>,
    #[serde(skip)]
    pub path: TreePath,
    pub executive_agency_id: Option<OrganizationId>,
    #[serde(rename = "number")]
    pub agency_number: Option<String>,
    pub status: Status,
    pub accounting_method: Option<String>,
    pub address: Option<String>,
    pub phone: Option<String>,
    pub tax_code: Option<String>,
    pub social_insurance_office: Option<String>,
    pub bank_account: Option<String>,
    pub established_on: Option<NaiveDate>,
    pub establishment_decision: Option<String>,
    pub dissolved_on: Option<NaiveDate>,
    pub dissolution_decision: Option<String>,
    pub party_organization_name: Option<String>,
    pub party_organization_type: Option<String>,
    pub awards: serde_json::Value,
    pub disciplines: serde_json::Value,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Insertable)]
#[diesel(table_name = organization_placements, check_for_backend(diesel::pg::Pg))]
pub struct Placement {
    pub organization_id: OrganizationId,
    pub parent_id: Option<OrganizationId>,
    pub path: TreePath,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// One line of an organization's story; the history shows it without its
/// own ids (the related unit is shown in full beside it).
#[derive(Debug, Clone, Queryable, Selectable, Serialize)]
#[diesel(table_name = organization_events, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    #[serde(skip)]
    pub id: i64,
    #[serde(skip)]
    pub organization_id: OrganizationId,
    pub kind: EventKind,
    pub effective_date: NaiveDate,
    pub decision_number: Option<String>,
    pub reorganization_id: Option<ReorganizationId>,
    #[serde(skip)]
    pub related_organization_id: Option<OrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = organization_events)]
pub struct NewEvent {
    pub organization_id: OrganizationId,
    pub kind: EventKind,
    pub effective_date: NaiveDate,
    pub decision_number: Option<String>,
    pub reorganization_id: Option<ReorganizationId>,
    pub related_organization_id: Option<OrganizationId>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

impl NewEvent {
    /// An event with no decision, no related unit and no details; set
    /// those with struct update syntax.
    pub fn new(
        organization_id: OrganizationId,
        kind: EventKind,
        effective_date: NaiveDate,
        recorded_at: DateTime<Utc>,
    ) -> NewEvent {
        NewEvent {
            organization_id,
            kind,
            effective_date,
            decision_number: None,
            reorganization_id: None,
            related_organization_id: None,
            details: serde_json::json!({}),
            recorded_at,
        }
    }
}

/// A merge, split or dissolution as recorded, and as the API shows it.
#[derive(Debug, Clone, Insertable, Serialize)]
#[diesel(table_name = reorganizations)]
pub struct Reorganization {
    pub id: ReorganizationId,
    pub kind: ReorganizationKind,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
}

/// An organization as the API shows it: its row, where it stood on the date
/// asked for (today unless `as_of` was given), and what other tables add.
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationView {
    #[serde(flatten)]
    pub organization: Organization,
    pub parent_id: Option<OrganizationId>,
    pub predecessor_ids: Vec<OrganizationId>,
    /// Sums over the latest staffing-quota period; null when none is recorded.
    pub assigned_headcount: Option<i64>,
    pub current_headcount: Option<i64>,
    /// Levels below the subtree root (subtree listings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<i32>,
    /// Table 25 items 22 to 25 (`GET /organizations/{id}` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub party: Option<crate::party::model::PartyCounts>,
}

/// An organization as a listing found it: the row, where it stood on the
/// date asked, and (in a subtree) how deep.
#[derive(Debug, QueryableByName)]
pub struct ListedRow {
    #[diesel(embed)]
    pub org: Organization,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub placed_parent_id: Option<OrganizationId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
    pub depth: Option<i32>,
}

impl From<Organization> for ListedRow {
    /// Where it stands today.
    fn from(org: Organization) -> Self {
        ListedRow {
            placed_parent_id: org.parent_id,
            org,
            depth: None,
        }
    }
}

/// The view before predecessors and headcounts are added.
/// What a view of an organization shows beyond its row: the units it came
/// from, and its headcount in its latest quota period (none without quotas).
#[derive(QueryableByName)]
pub struct Extras {
    #[diesel(sql_type = diesel::sql_types::Array<diesel::sql_types::Uuid>)]
    pub predecessor_ids: Vec<OrganizationId>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub assigned: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub current: Option<i64>,
}

/// An organization with its extras, read together.
#[derive(QueryableByName)]
pub struct Viewed {
    #[diesel(embed)]
    pub org: Organization,
    #[diesel(embed)]
    pub extras: Extras,
}

impl OrganizationView {
    /// Shows `extras`.
    pub fn add(&mut self, extras: Extras) {
        self.predecessor_ids = extras.predecessor_ids;
        self.assigned_headcount = extras.assigned;
        self.current_headcount = extras.current;
    }
}

impl From<ListedRow> for OrganizationView {
    fn from(row: ListedRow) -> Self {
        OrganizationView {
            organization: row.org,
            parent_id: row.placed_parent_id,
            predecessor_ids: Vec::new(),
            assigned_headcount: None,
            current_headcount: None,
            depth: row.depth,
            party: None,
        }
    }
}

/// Input of `POST /organizations`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateOrganization {
    #[validate(regex(path = *CODE_PATTERN, message = "1 to 32 upper-case letters, digits, '.', '_' or '-'"))]
    pub code: String,
    #[validate(length(min = 1, max = 300))]
    pub name: String,
    #[validate(length(max = 50))]
    pub abbreviation: Option<String>,
    pub level: Level,
    #[serde(rename = "type")]
    #[validate(regex(path = *TYPE_PATTERN, message = "a snake_case word such as ministry or people_committee"))]
    pub org_type: String,
    #[validate(range(
        min = 1,
        max = 2,
        message = "must be 1 (Party, Front, socio-political) or 2 (state, fed by MOHA)"
    ))]
    pub group: i16,
    pub parent_id: Option<OrganizationId>,
    pub executive_agency_id: Option<OrganizationId>,
    #[validate(length(max = 50))]
    pub number: Option<String>,
    pub status: Option<Status>,
    #[validate(length(max = 100))]
    pub accounting_method: Option<String>,
    #[validate(length(max = 500))]
    pub address: Option<String>,
    #[validate(length(max = 30))]
    pub phone: Option<String>,
    #[validate(regex(path = *TAX_CODE_PATTERN, message = "10 digits, optionally -NNN"))]
    pub tax_code: Option<String>,
    #[validate(length(max = 300))]
    pub social_insurance_office: Option<String>,
    #[validate(length(max = 50))]
    pub bank_account: Option<String>,
    #[validate(length(max = 300))]
    pub party_organization_name: Option<String>,
    #[validate(length(max = 100))]
    pub party_organization_type: Option<String>,
    pub established_on: Option<NaiveDate>,
    #[validate(length(max = 200))]
    pub establishment_decision: Option<String>,
    #[serde(default)]
    #[validate(nested)]
    pub awards: Vec<Distinction>,
    #[serde(default)]
    #[validate(nested)]
    pub disciplines: Vec<Distinction>,
}

impl CreateOrganization {
    /// The row of a new organization at `path`, established by this input.
    pub fn into_row(self, id: OrganizationId, path: TreePath, now: DateTime<Utc>) -> Organization {
        Organization {
            id,
            name_folded: crate::text::fold(&self.name),
            name: self.name.trim().to_owned(),
            code: self.code,
            abbreviation: self.abbreviation,
            level: self.level,
            org_type: self.org_type,
            org_group: self.group,
            parent_id: self.parent_id,
            path,
            executive_agency_id: self.executive_agency_id,
            agency_number: self.number,
            status: self.status.unwrap_or(Status::Active),
            accounting_method: self.accounting_method,
            address: self.address,
            phone: self.phone,
            tax_code: self.tax_code,
            social_insurance_office: self.social_insurance_office,
            bank_account: self.bank_account,
            established_on: self.established_on,
            establishment_decision: self.establishment_decision,
            dissolved_on: None,
            dissolution_decision: None,
            party_organization_name: self.party_organization_name,
            party_organization_type: self.party_organization_type,
            awards: serde_json::json!(self.awards),
            disciplines: serde_json::json!(self.disciplines),
            version: 1,
            created_at: now,
            updated_at: now,
        }
    }
}

/// Input of `PATCH /organizations/{id}`: absent fields stay, `null` clears.
#[derive(Debug, Clone, Default, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganization {
    #[validate(regex(path = *CODE_PATTERN, message = "1 to 32 upper-case letters, digits, '.', '_' or '-'"))]
    pub code: Option<String>,
    #[validate(length(min = 1, max = 300))]
    pub name: Option<String>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub abbreviation: Option<Option<String>>,
    pub level: Option<Level>,
    #[serde(rename = "type")]
    #[validate(regex(path = *TYPE_PATTERN, message = "a snake_case word such as ministry or people_committee"))]
    pub org_type: Option<String>,
    #[validate(range(min = 1, max = 2, message = "must be 1 or 2"))]
    pub group: Option<i16>,
    /// Moving: the whole subtree follows, effective `moved_on` (default today).
    pub parent_id: Option<OrganizationId>,
    pub moved_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub executive_agency_id: Option<Option<OrganizationId>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub number: Option<Option<String>>,
    pub status: Option<Status>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub accounting_method: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub address: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub phone: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub tax_code: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub social_insurance_office: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub bank_account: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub party_organization_name: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub party_organization_type: Option<Option<String>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub established_on: Option<Option<NaiveDate>>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub establishment_decision: Option<Option<String>>,
    #[validate(nested)]
    pub awards: Option<Vec<Distinction>>,
    #[validate(nested)]
    pub disciplines: Option<Vec<Distinction>>,
}

static CODE_PATTERN: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| compiled(r"^[A-Z0-9][A-Z0-9._-]{0,31}$"));
static TYPE_PATTERN: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| compiled(r"^[a-z][a-z0-9_]{0,49}$"));
static TAX_CODE_PATTERN: std::sync::LazyLock<regex::Regex> =
    std::sync::LazyLock::new(|| compiled(r"^[0-9]{10}(-[0-9]{3})?$"));

/// Could `text` be an organization's code? Anything else names none.
pub fn is_code(text: &str) -> bool {
    CODE_PATTERN.is_match(text)
}

/// A type word (`ministry`, `people_committee`), as listings filter by it.
pub fn is_type_word(text: &str) -> bool {
    TYPE_PATTERN.is_match(text)
}

fn compiled(pattern: &str) -> regex::Regex {
    // Patterns are literals above; a typo fails every test at first use.
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}
