//! Organizations (Table 25), their placements in the tree over time, and
//! what the API says about them.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::db::ltree::TreePath;
use crate::db::schema::{organization_events, organization_placements, organizations};
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

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Insertable, AsChangeset)]
#[diesel(table_name = organizations, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct Organization {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub name_folded: String,
    pub abbreviation: Option<String>,
    pub level: String,
    pub org_type: String,
    pub org_group: i16,
    pub parent_id: Option<Uuid>,
    pub path: TreePath,
    pub executive_agency_id: Option<Uuid>,
    pub agency_number: Option<String>,
    pub status: String,
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

impl Organization {
    pub fn level(&self) -> Level {
        Level::parse(&self.level).unwrap_or(Level::Commune)
    }

    pub fn status(&self) -> Status {
        Status::parse(&self.status).unwrap_or(Status::Active)
    }
}

#[derive(Debug, Clone, Queryable, Selectable, QueryableByName, Insertable)]
#[diesel(table_name = organization_placements, check_for_backend(diesel::pg::Pg))]
pub struct Placement {
    pub organization_id: Uuid,
    pub parent_id: Option<Uuid>,
    pub path: TreePath,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = organization_events, check_for_backend(diesel::pg::Pg))]
pub struct Event {
    pub id: i64,
    pub organization_id: Uuid,
    pub kind: String,
    pub effective_date: NaiveDate,
    pub decision_number: Option<String>,
    pub reorganization_id: Option<Uuid>,
    pub related_organization_id: Option<Uuid>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Insertable)]
#[diesel(table_name = organization_events)]
pub struct NewEvent {
    pub organization_id: Uuid,
    pub kind: &'static str,
    pub effective_date: NaiveDate,
    pub decision_number: Option<String>,
    pub reorganization_id: Option<Uuid>,
    pub related_organization_id: Option<Uuid>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

/// An organization as the API shows it. `parent_id` is where it stood on the
/// date asked for (today unless `as_of` was given).
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub abbreviation: Option<String>,
    pub level: String,
    #[serde(rename = "type")]
    pub org_type: String,
    pub group: i16,
    pub parent_id: Option<Uuid>,
    pub executive_agency_id: Option<Uuid>,
    pub number: Option<String>,
    pub status: String,
    pub predecessor_ids: Vec<Uuid>,
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
    /// Sums over the latest staffing-quota period; null when none is recorded.
    pub assigned_headcount: Option<i64>,
    pub current_headcount: Option<i64>,
    pub party_organization_name: Option<String>,
    pub party_organization_type: Option<String>,
    pub awards: serde_json::Value,
    pub disciplines: serde_json::Value,
    /// Levels below the subtree root (subtree listings only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub depth: Option<i32>,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
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
    pub parent_id: Option<Uuid>,
    pub executive_agency_id: Option<Uuid>,
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
    pub parent_id: Option<Uuid>,
    pub moved_on: Option<NaiveDate>,
    #[serde(default, deserialize_with = "crate::patch::nullable")]
    pub executive_agency_id: Option<Option<Uuid>>,
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

fn compiled(pattern: &str) -> regex::Regex {
    // Patterns are literals above; a typo fails every test at first use.
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("bad pattern {pattern}: {e}"))
}
