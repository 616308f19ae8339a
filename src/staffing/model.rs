//! Staffing quotas (biên chế): per organization, period and category, the
//! number assigned by decision and the number currently employed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use validator::Validate;

use crate::db::schema::staffing_quotas;
use crate::text_enum;

text_enum!(
    Category {
        Cadre = "cadre",
        CivilServant = "civil_servant",
        PublicEmployee = "public_employee",
        Other = "other",
    }
);

#[derive(Debug, Clone, Queryable, Selectable, Insertable, AsChangeset, Serialize)]
#[diesel(table_name = staffing_quotas, check_for_backend(diesel::pg::Pg), treat_none_as_null = true)]
pub struct Quota {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub period: String,
    pub category: String,
    pub assigned: i32,
    #[serde(rename = "assigned_decision_number")]
    pub assigned_decision: Option<String>,
    pub current: i32,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// Body of `PUT /organizations/{id}/quotas/{period}/{category}`.
#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct QuotaInput {
    #[validate(range(min = 0, max = 10_000_000))]
    pub assigned: i32,
    #[validate(length(min = 1, max = 200))]
    pub assigned_decision_number: Option<String>,
    #[validate(range(min = 0, max = 10_000_000))]
    pub current: i32,
}

/// An organization whose current headcount differs from its quota.
#[derive(Debug, Serialize, QueryableByName)]
pub struct Deviation {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    pub organization_id: Uuid,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category: String,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub assigned: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub current: i32,
    /// `current - assigned`: positive over quota, negative under.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub difference: i32,
}
