//! Rules for staffing quotas: who may read and set them, and when a unit's
//! quotas are history.

use super::model::{Deviation, DeviationFilter, Quota, QuotaInput, QuotaKey};
use super::repo;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, QuotaId};
use crate::org::service::visible;
use crate::pagination::{self, Page};
use crate::staffing::model::Period;
use crate::validation::validated;

pub fn list(ctx: &mut Ctx, org: OrganizationId, period: Option<Period>) -> AppResult<Vec<Quota>> {
    visible(ctx, org)?;
    Ok(repo::of_organization(
        ctx.conn,
        org,
        period.as_ref().map(Period::as_str),
    )?)
}

/// Creates the quota, or updates it when `expected` names its current
/// version; audited at the organization. Returns the quota and whether it
/// was created.
pub fn put(
    ctx: &mut Ctx,
    key: QuotaKey,
    input: QuotaInput,
    expected: Option<i32>,
) -> AppResult<(Quota, bool)> {
    let organization = visible(ctx, key.organization)?;
    ctx.scope
        .require_write(&organization.path, &organization.code)?;
    if organization.status.is_terminal() {
        return Err(AppError::conflict(
            "organization-closed",
            format!(
                "{} was {}; its quotas are history",
                organization.code, organization.status
            ),
        ));
    }
    validated(&input)?;
    let (quota, created) = match repo::find_for_update(ctx.conn, &key)? {
        None => {
            let quota = Quota {
                id: QuotaId::new_random(),
                organization_id: key.organization,
                period: key.period.as_str().to_owned(),
                category: key.category,
                assigned: input.assigned,
                assigned_decision: input.assigned_decision_number,
                current: input.current,
                version: 1,
                updated_at: ctx.now,
            };
            repo::insert(ctx.conn, &quota)?;
            (quota, true)
        }
        Some(mut quota) => {
            let expected = expected.ok_or(AppError::PreconditionRequired)?;
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
            quota.updated_at = ctx.now;
            repo::save(ctx.conn, &quota)?;
            (quota, false)
        }
    };
    let fields = ["assigned", "assigned_decision_number", "current"].map(String::from);
    let event = ctx.event(
        "quota.put",
        "staffing_quota",
        Some(quota.id.to_string()),
        Some(organization.path),
        fields.into(),
    );
    ctx.audit(&event)?;
    Ok((quota, created))
}

pub fn deviations(ctx: &mut Ctx, filter: DeviationFilter) -> AppResult<Page<Deviation>> {
    let root = visible(ctx, filter.under)
        .map_err(|_| AppError::invalid("under", "no such organization"))?;
    let rows = repo::deviations(ctx.conn, &root.path, &filter)?;
    let (items, more) = pagination::finish(rows, filter.limit, |_| ());
    let next_cursor = more.map(|_| pagination::encode(&(filter.offset + filter.limit.0)));
    Ok(Page { items, next_cursor })
}
