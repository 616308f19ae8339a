//! Staffing quotas (biên chế): per organization, period and category, the
//! number assigned by decision and the number currently employed.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use validator::Validate;

use crate::db::schema::staffing_quotas;
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, QuotaId};
use crate::pagination::{self, Limit};
use crate::text_enum;
use crate::validation::{parse, parse_word};

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
    pub id: QuotaId,
    pub organization_id: OrganizationId,
    pub period: String,
    pub category: Category,
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
    pub organization_id: OrganizationId,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub code: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub category: Category,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub assigned: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub current: i32,
    /// `current - assigned`: positive over quota, negative under.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub difference: i32,
}

/// A quota period: a year (`2025`) or a month (`2025-07`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period(String);

impl Period {
    pub fn parse(text: &str) -> AppResult<Period> {
        let ok = matches!(text.len(), 4 | 7)
            && text.bytes().enumerate().all(|(i, b)| {
                if i == 4 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            });
        if ok {
            Ok(Period(text.to_owned()))
        } else {
            Err(AppError::invalid(
                "period",
                "must be a year (2025) or a month (2025-07)",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Which quota: `/organizations/{id}/quotas/{period}/{category}`.
#[derive(Debug, Clone)]
pub struct QuotaKey {
    pub organization: OrganizationId,
    pub period: Period,
    pub category: Category,
}

impl TryFrom<(OrganizationId, String, String)> for QuotaKey {
    type Error = AppError;

    fn try_from(
        (organization, period, category): (OrganizationId, String, String),
    ) -> AppResult<Self> {
        Ok(QuotaKey {
            organization,
            period: Period::parse(&period)?,
            category: category
                .parse()
                .map_err(|e: String| AppError::invalid("category", e))?,
        })
    }
}

text_enum!(
    /// Which deviations to list.
    Direction {
        Over = "over",
        Under = "under",
        Any = "any",
    }
);

/// `GET /staffing/deviations` as sent.
#[derive(Debug, Default, Deserialize)]
pub struct DeviationQuery {
    pub under: Option<String>,
    pub period: Option<String>,
    pub direction: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// Units whose headcount differs from their quota, in a subtree and period.
#[derive(Debug, Clone)]
pub struct DeviationFilter {
    pub under: OrganizationId,
    pub period: Period,
    pub direction: Direction,
    pub limit: Limit,
    /// Rows to skip: where the page starts.
    pub offset: i64,
}

impl TryFrom<DeviationQuery> for DeviationFilter {
    type Error = AppError;

    fn try_from(query: DeviationQuery) -> AppResult<Self> {
        let under = parse("under", &query.under, "an organization id")?
            .ok_or_else(|| AppError::invalid("under", "is required: the subtree to look in"))?;
        let period = query
            .period
            .as_deref()
            .ok_or_else(|| AppError::invalid("period", "is required"))?;
        let offset = query
            .cursor
            .as_deref()
            .map(pagination::decode::<i64>)
            .transpose()?
            .unwrap_or(0)
            .max(0);
        Ok(DeviationFilter {
            under,
            period: Period::parse(period)?,
            direction: parse_word("direction", &query.direction)?.unwrap_or(Direction::Any),
            limit: Limit::parse(parse("limit", &query.limit, "an integer")?)?,
            offset,
        })
    }
}
