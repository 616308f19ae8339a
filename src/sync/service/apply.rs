//! What an event does to a profile: it goes through the officials services,
//! as an editor's request would (same rules, same audit, same scope), after
//! the one rule of its own: MOHA writes group 2 organizations only.

use serde::de::DeserializeOwned;

use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, OrganizationId};
use crate::officials::input::{LifeEventInput, Patch, TransferRequest};
use crate::officials::model::ProfileData;
use crate::officials::service;
use crate::sync::model::{Event, EventType, Leaving};
use crate::sync::repo;

/// The group MOHA feeds: state administration, the National Assembly, the
/// State President's office and the judiciary.
const MOHA_GROUP: i16 = 2;

const GROUP_1: &str = "MOHA may write only group 2 organizations and the people in them";

/// Applies `event` to the profile `linked` to its entity (if any); returns
/// the profile it leaves.
pub(super) fn effect(
    ctx: &mut Ctx,
    linked: Option<OfficialId>,
    event: &Event,
) -> AppResult<OfficialId> {
    match event.event_type {
        EventType::OfficialUpserted => upsert(ctx, linked, event),
        EventType::OfficialChanged => change(ctx, known(linked)?, event),
        EventType::OfficialTransferred => transfer(ctx, known(linked)?, event),
        EventType::OfficialLeft => leave(ctx, known(linked)?, event),
    }
}

/// Only a whole profile introduces an entity.
fn known(linked: Option<OfficialId>) -> AppResult<OfficialId> {
    linked.ok_or_else(|| {
        AppError::conflict(
            "unknown-entity",
            "ODB holds no profile for this entity yet: send its official.upserted first",
        )
    })
}

fn change(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let patch: Patch = data(event)?;
    group_2(ctx, &patched_organizations(&patch))?;
    let version = held(ctx, id)?;
    Ok(service::update(ctx, id, version, patch)?.id)
}

fn transfer(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let transfer: TransferRequest = data(event)?;
    let to = [
        Some(transfer.managing_organization_id),
        transfer.using_organization_id,
    ];
    group_2(ctx, &to.into_iter().flatten().collect::<Vec<_>>())?;
    let version = held(ctx, id)?;
    Ok(service::transfer(ctx, id, version, transfer)?.id)
}

fn leave(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let leaving: Leaving = data(event)?;
    let version = held(ctx, id)?;
    let input = LifeEventInput {
        event: leaving.event,
        effective_date: leaving.effective_date,
    };
    Ok(service::life_event(ctx, id, version, input)?.id)
}

/// Created in full, or updated in full: every field absent from `data` is
/// cleared, as the source no longer holds it.
fn upsert(ctx: &mut Ctx, linked: Option<OfficialId>, event: &Event) -> AppResult<OfficialId> {
    let profile: ProfileData = data(event)?;
    if profile.personal_identification_code != event.entity.personal_identification_code {
        return Err(AppError::invalid(
            "entity.personal_identification_code",
            "differs from data.personal_identification_code",
        ));
    }
    group_2(
        ctx,
        &[
            profile.managing_organization_id,
            profile.using_organization_id,
        ],
    )?;
    let existing = match linked {
        Some(id) => Some(id),
        None => service::holder_of(ctx, &profile)?,
    };
    let Some(id) = existing else {
        return Ok(service::create(ctx, profile)?.id);
    };
    let version = held(ctx, id)?;
    let whole = match serde_json::to_value(profile) {
        Ok(serde_json::Value::Object(whole)) => whole,
        _ => return Err(AppError::Internal("a profile is a JSON object".into())),
    };
    Ok(service::update(ctx, id, version, whole)?.id)
}

/// `data` read as what the event type carries; a fault names `data.<field>`.
fn data<T: DeserializeOwned>(event: &Event) -> AppResult<T> {
    serde_path_to_error::deserialize(event.data.clone()).map_err(|e| {
        let path = e.path().to_string();
        let field = if path == "." {
            "data".to_owned()
        } else {
            format!("data.{path}")
        };
        AppError::invalid(field, e.inner().to_string())
    })
}

/// The organizations a patch moves the profile to.
fn patched_organizations(patch: &Patch) -> Vec<OrganizationId> {
    ["managing_organization_id", "using_organization_id"]
        .iter()
        .filter_map(|key| patch.get(*key)?.as_str()?.parse().ok())
        .collect()
}

/// The profile's version, locked; refused when it is managed in group 1.
fn held(ctx: &mut Ctx, id: OfficialId) -> AppResult<i32> {
    let held =
        repo::held_profile(ctx.conn, id)?.ok_or(AppError::NotFound { entity: "official" })?;
    if held.org_group != MOHA_GROUP {
        return Err(AppError::Forbidden(format!(
            "{GROUP_1}: this profile is managed by a group 1 organization"
        )));
    }
    Ok(held.version)
}

/// Refuses any of `organizations` that is in group 1 (those the request
/// cannot see, the officials rules refuse themselves).
fn group_2(ctx: &mut Ctx, organizations: &[OrganizationId]) -> AppResult<()> {
    if organizations.is_empty() {
        return Ok(());
    }
    let groups = repo::groups(ctx.conn, organizations)?;
    if groups.iter().any(|(_, group)| *group != MOHA_GROUP) {
        return Err(AppError::Forbidden(format!(
            "{GROUP_1}: the event places the profile in a group 1 organization"
        )));
    }
    Ok(())
}
