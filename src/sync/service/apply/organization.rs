//! What an organization event does: it goes through the organizations
//! services (create, update, merge, split, dissolve), as an administrator's
//! request would, after the one rule of the sync's own: MOHA writes group 2
//! organizations only.

use serde_json::Value;

use super::{read, resolved, GROUP_1, MOHA_GROUP};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::org::model::{CreateOrganization, UpdateOrganization};
use crate::org::{reorg, repo, service};
use crate::sync::model::{Event, Reorganized};

/// The fields an organization update clears when `data` leaves them out.
const CLEARED: [&str; 11] = [
    "abbreviation",
    "executive_agency_id",
    "number",
    "accounting_method",
    "address",
    "phone",
    "tax_code",
    "social_insurance_office",
    "bank_account",
    "established_on",
    "establishment_decision",
];

fn group_1(why: &str) -> AppError {
    AppError::Forbidden(format!("{GROUP_1}: {why}"))
}

/// Created, or (ODB holds that code) updated in full: what `data` leaves
/// out is cleared, as the source no longer holds it.
pub(super) fn upsert(ctx: &mut Ctx, event: &Event) -> AppResult<OrganizationId> {
    let mut whole = resolved(ctx, event)?;
    let input: CreateOrganization = read(whole.clone())?;
    if event.entity.organization_code.as_deref() != Some(input.code.as_str()) {
        return Err(AppError::invalid(
            "entity.organization_code",
            "differs from data.code",
        ));
    }
    if input.group != MOHA_GROUP {
        return Err(group_1("the event makes a group 1 organization"));
    }
    let Some(held) = repo::find_by_code(ctx.conn, &input.code)? else {
        return Ok(service::create(ctx, input)?.organization.id);
    };
    if held.org_group != MOHA_GROUP {
        return Err(group_1("this organization is in group 1"));
    }
    if let Value::Object(fields) = &mut whole {
        for field in CLEARED {
            fields.entry(field).or_insert(Value::Null);
        }
        // the same parent is no move
        if fields.get("parent_id") == Some(&serde_json::json!(held.parent_id)) {
            fields.remove("parent_id");
        }
    }
    let patch: UpdateOrganization = read(whole)?;
    service::update(ctx, held.id, held.version, patch)?;
    Ok(held.id)
}

/// A merger, split or dissolution decided at MOHA, over group 2 units
/// only; the entity is the unit its `organization_code` names.
pub(super) fn reorganize(ctx: &mut Ctx, event: &Event) -> AppResult<OrganizationId> {
    let decision: Reorganized = read(resolved(ctx, event)?)?;
    let (touched, created) = units_of(&decision);
    if created.iter().any(|c| c.group != MOHA_GROUP) {
        return Err(group_1("the decision makes a group 1 organization"));
    }
    let groups = crate::sync::repo::groups(ctx.conn, &touched)?;
    if groups.iter().any(|(_, group)| *group != MOHA_GROUP) {
        return Err(group_1("the decision touches a group 1 organization"));
    }
    match decision {
        Reorganized::Merge(request) => reorg::merge(ctx, *request).map(drop),
        Reorganized::Split(request) => reorg::split(ctx, request).map(drop),
        Reorganized::Dissolve(request) => reorg::dissolve(ctx, request).map(drop),
    }?;
    let code = event
        .entity
        .organization_code
        .as_deref()
        .unwrap_or_default();
    let unit = repo::find_by_code(ctx.conn, code)?.ok_or_else(|| {
        AppError::invalid("entity.organization_code", "no organization has this code")
    })?;
    Ok(unit.id)
}

/// The units a decision changes (a split's moved children included), and
/// the ones it creates.
fn units_of(decision: &Reorganized) -> (Vec<OrganizationId>, Vec<&CreateOrganization>) {
    match decision {
        Reorganized::Merge(r) => (
            r.sources.iter().copied().chain(r.target_id).collect(),
            r.new_organization.iter().collect(),
        ),
        Reorganized::Split(r) => (
            std::iter::once(r.source_id)
                .chain(r.parts.iter().filter_map(|p| p.target_id))
                .chain(r.parts.iter().flat_map(|p| p.children.iter().copied()))
                .collect(),
            r.parts
                .iter()
                .filter_map(|p| p.new_organization.as_ref())
                .collect(),
        ),
        Reorganized::Dissolve(r) => (
            std::iter::once(r.organization_id)
                .chain(r.successor_id)
                .collect(),
            Vec::new(),
        ),
    }
}
