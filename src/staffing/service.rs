use chrono::{DateTime, Utc};
use diesel::PgConnection;
use uuid::Uuid;

use super::model::{Category, Deviation, Quota, QuotaInput};
use super::repo::{self, Direction};
use crate::auth::scope::Scope;
use crate::error::{AppError, AppResult};
use crate::org::service::{parse, validated, visible};
use crate::pagination::{self, Limit, Page};

fn check_period(period: &str) -> AppResult<()> {
    let ok = matches!(period.len(), 4 | 7)
        && period.bytes().enumerate().all(|(i, b)| {
            if i == 4 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid(
            "period",
            "must be a year (2025) or a month (2025-07)",
        ))
    }
}

fn category(raw: &str) -> AppResult<Category> {
    Category::parse(raw).ok_or_else(|| {
        let all: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
        AppError::invalid("category", format!("must be one of: {}", all.join(", ")))
    })
}

pub fn list(
    conn: &mut PgConnection,
    scope: &Scope,
    org: Uuid,
    period: Option<&str>,
) -> AppResult<Vec<Quota>> {
    visible(conn, scope, org)?;
    if let Some(period) = period {
        check_period(period)?;
    }
    Ok(repo::of_organization(conn, org, period)?)
}

/// Creates the quota, or updates it when `if_match` names its current version.
/// Returns the quota and whether it was created.
#[expect(
    clippy::too_many_arguments,
    reason = "who, which quota, the change, its version and the time"
)]
pub fn put(
    conn: &mut PgConnection,
    scope: &Scope,
    org: Uuid,
    period: &str,
    category_name: &str,
    input: QuotaInput,
    if_match: Option<i32>,
    now: DateTime<Utc>,
) -> AppResult<(Quota, bool)> {
    let organization = visible(conn, scope, org)?;
    scope.require_write(&organization.path, &organization.code)?;
    if organization.status().is_terminal() {
        return Err(AppError::conflict(
            "organization-closed",
            format!(
                "{} was {}; its quotas are history",
                organization.code, organization.status
            ),
        ));
    }
    check_period(period)?;
    let category = category(category_name)?;
    validated(&input)?;
    match repo::find_for_update(conn, org, period, category.as_str())? {
        None => {
            let quota = Quota {
                id: Uuid::new_v4(),
                organization_id: org,
                period: period.to_owned(),
                category: category.as_str().to_owned(),
                assigned: input.assigned,
                assigned_decision: input.assigned_decision_number,
                current: input.current,
                version: 1,
                updated_at: now,
            };
            repo::insert(conn, &quota)?;
            Ok((quota, true))
        }
        Some(mut quota) => {
            let expected = if_match.ok_or(AppError::PreconditionRequired)?;
            if expected != quota.version {
                return Err(AppError::StaleVersion {
                    expected,
                    current: quota.version,
                });
            }
            quota.assigned = input.assigned;
            quota.assigned_decision = input.assigned_decision_number;
            quota.current = input.current;
            quota.version += 1;
            quota.updated_at = now;
            repo::save(conn, &quota)?;
            Ok((quota, false))
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
pub struct DeviationQuery {
    pub under: Option<String>,
    pub period: Option<String>,
    pub direction: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

pub fn deviations(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &DeviationQuery,
) -> AppResult<Page<Deviation>> {
    let under = parse::<Uuid>("under", &query.under, "an organization id")?
        .ok_or_else(|| AppError::invalid("under", "is required: the subtree to look in"))?;
    let root = visible(conn, scope, under)
        .map_err(|_| AppError::invalid("under", "no such organization"))?;
    let period = query
        .period
        .as_deref()
        .ok_or_else(|| AppError::invalid("period", "is required"))?;
    check_period(period)?;
    let direction = match query.direction.as_deref() {
        None | Some("any") => Direction::Any,
        Some("over") => Direction::Over,
        Some("under") => Direction::Under,
        Some(_) => return Err(AppError::invalid("direction", "must be over, under or any")),
    };
    let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
    let offset = query
        .cursor
        .as_deref()
        .map(pagination::decode::<i64>)
        .transpose()?
        .unwrap_or(0)
        .max(0);
    let rows = repo::deviations(conn, &root.path, period, direction, offset, limit.probe())?;
    let (items, more) = pagination::finish(rows, limit, |_| ());
    let next_cursor = more.map(|_| pagination::encode(&(offset + limit.0)));
    Ok(Page { items, next_cursor })
}
