//! What an event does to a profile: it goes through the officials services,
//! as an editor's request would (same rules, same audit, same scope), after
//! the one rule of its own: MOHA writes group 2 organizations only.

use serde::de::DeserializeOwned;
use serde_json::Value;

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

mod organization;

const GROUP_1: &str = "MOHA may write only group 2 organizations and the people in them";

/// What an applied event leaves its entity linked to.
pub(super) enum Linked {
    Official(OfficialId),
    Organization(OrganizationId),
}

/// Applies `event` to the profile `linked` to its entity (if any), or to
/// its organization.
pub(super) fn effect(
    ctx: &mut Ctx,
    linked: Option<OfficialId>,
    event: &Event,
) -> AppResult<Linked> {
    let official = match event.event_type {
        EventType::OfficialUpserted => upsert(ctx, linked, event)?,
        EventType::OfficialChanged => change(ctx, known(linked)?, event)?,
        EventType::OfficialTransferred => transfer(ctx, known(linked)?, event)?,
        EventType::OfficialLeft => leave(ctx, known(linked)?, event)?,
        EventType::OrganizationUpserted => {
            return organization::upsert(ctx, event).map(Linked::Organization)
        }
        EventType::OrganizationReorganized => {
            return organization::reorganize(ctx, event).map(Linked::Organization)
        }
    };
    Ok(Linked::Official(official))
}

/// Only a whole profile introduces an entity.
pub(super) fn known(linked: Option<OfficialId>) -> AppResult<OfficialId> {
    linked.ok_or_else(|| {
        AppError::conflict(
            "unknown-entity",
            "ODB holds no profile for this entity yet: send its official.upserted first",
        )
    })
}

fn change(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let patch: Patch = data(ctx, event)?;
    group_2(ctx, &patched_organizations(&patch))?;
    let version = held(ctx, id)?;
    Ok(service::update(ctx, id, version, patch)?.id)
}

fn transfer(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let transfer: TransferRequest = data(ctx, event)?;
    let to = [
        Some(transfer.managing_organization_id),
        transfer.using_organization_id,
    ];
    group_2(ctx, &to.into_iter().flatten().collect::<Vec<_>>())?;
    let version = held(ctx, id)?;
    Ok(service::transfer(ctx, id, version, transfer)?.id)
}

fn leave(ctx: &mut Ctx, id: OfficialId, event: &Event) -> AppResult<OfficialId> {
    let leaving: Leaving = data(ctx, event)?;
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
    let profile = whole_profile(ctx, event)?;
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

/// An upsert's profile, about the person its entity names, placed in
/// group 2 only.
pub(super) fn whole_profile(ctx: &mut Ctx, event: &Event) -> AppResult<ProfileData> {
    let profile: ProfileData = data(ctx, event)?;
    let keyed = event.entity.personal_identification_code.as_deref();
    if Some(profile.personal_identification_code.as_str()) != keyed {
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
    Ok(profile)
}

/// The organizations an event may name by code instead of ODB's id,
/// wherever the officials and organizations API takes the id.
pub(super) const BY_CODE: [(&str, &str); 8] = [
    ("managing_organization_code", "managing_organization_id"),
    ("using_organization_code", "using_organization_id"),
    ("parent_code", "parent_id"),
    ("executive_agency_code", "executive_agency_id"),
    ("organization_code", "organization_id"),
    ("source_code", "source_id"),
    ("target_code", "target_id"),
    ("successor_code", "successor_id"),
];

/// The lists of organizations an event may name by codes instead: a
/// merger's sources, a split part's children.
const LISTS_BY_CODE: [(&str, &str); 2] =
    [("source_codes", "sources"), ("children_codes", "children")];

/// `data` with each organization named by code (`BY_CODE` and
/// `LISTS_BY_CODE`) replaced by its id, at any depth: MOHA knows the
/// national organization codes, not ODB's ids.
fn resolved(ctx: &mut Ctx, event: &Event) -> AppResult<Value> {
    let mut data = event.data.clone();
    resolve(ctx, &mut data, "data")?;
    Ok(data)
}

fn resolve(ctx: &mut Ctx, value: &mut Value, at: &str) -> AppResult<()> {
    if let Value::Array(items) = value {
        for (i, item) in items.iter_mut().enumerate() {
            resolve(ctx, item, &format!("{at}[{i}]"))?;
        }
        return Ok(());
    }
    let Value::Object(fields) = value else {
        return Ok(());
    };
    for (code_field, id_field) in BY_CODE {
        if let Some(code) = fields.remove(code_field) {
            let field = format!("{at}.{code_field}");
            let id = organization_id(ctx, &code, &field)?;
            replace(fields, (&field, id_field), id)?;
        }
    }
    for (codes_field, ids_field) in LISTS_BY_CODE {
        if let Some(codes) = fields.remove(codes_field) {
            let field = format!("{at}.{codes_field}");
            let Value::Array(codes) = codes else {
                return Err(AppError::invalid(field, "a list of organization codes"));
            };
            let ids = codes
                .iter()
                .enumerate()
                .map(|(i, code)| organization_id(ctx, code, &format!("{field}[{i}]")))
                .collect::<AppResult<Vec<_>>>()?;
            replace(fields, (&field, ids_field), Value::Array(ids))?;
        }
    }
    for (key, inner) in fields.iter_mut() {
        resolve(ctx, inner, &format!("{at}.{key}"))?;
    }
    Ok(())
}

fn replace(
    fields: &mut serde_json::Map<String, Value>,
    (field, id_field): (&str, &str),
    id: Value,
) -> AppResult<()> {
    if fields.contains_key(id_field) {
        return Err(AppError::invalid(
            field,
            format!("give it or {id_field}, not both"),
        ));
    }
    fields.insert(id_field.to_owned(), id);
    Ok(())
}

fn organization_id(ctx: &mut Ctx, code: &Value, field: &str) -> AppResult<Value> {
    let code = code
        .as_str()
        .ok_or_else(|| AppError::invalid(field, "an organization code"))?;
    let unknown = || AppError::invalid(field, format!("no organization has the code {code}"));
    let id = match ctx.reference.code(code) {
        Some(loaded) => loaded.ok_or_else(unknown)?.id,
        None => {
            crate::org::service::find_by_code(ctx.conn, code)
                .map_err(|_| unknown())?
                .id
        }
    };
    Ok(serde_json::json!(id))
}

/// `data` read as what the event type carries (organizations by code
/// resolved first); a fault names `data.<field>`.
pub(super) fn data<T: DeserializeOwned>(ctx: &mut Ctx, event: &Event) -> AppResult<T> {
    read(resolved(ctx, event)?)
}

fn read<T: DeserializeOwned>(data: Value) -> AppResult<T> {
    serde_path_to_error::deserialize(data).map_err(|e| {
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
pub(super) fn patched_organizations(patch: &Patch) -> Vec<OrganizationId> {
    ["managing_organization_id", "using_organization_id"]
        .iter()
        .filter_map(|key| patch.get(*key)?.as_str()?.parse().ok())
        .collect()
}

/// The profile's version, locked; refused when it is managed in group 1.
fn held(ctx: &mut Ctx, id: OfficialId) -> AppResult<i32> {
    let held = repo::held_profile(ctx.conn, id)?;
    managed_in_group_2(held.as_ref().map(|h| h.org_group))?;
    Ok(held.map_or(0, |h| h.version))
}

/// A profile found (with the group of the organization managing it), and
/// managed in group 2.
pub(super) fn managed_in_group_2(found: Option<i16>) -> AppResult<()> {
    let group = found.ok_or(AppError::NotFound { entity: "official" })?;
    if group != MOHA_GROUP {
        return Err(AppError::Forbidden(format!(
            "{GROUP_1}: this profile is managed by a group 1 organization"
        )));
    }
    Ok(())
}

/// Refuses any of `organizations` that is in group 1 (those the request
/// cannot see, the officials rules refuse themselves).
pub(super) fn group_2(ctx: &mut Ctx, organizations: &[OrganizationId]) -> AppResult<()> {
    if organizations.is_empty() {
        return Ok(());
    }
    let loaded: Option<Vec<i16>> = organizations
        .iter()
        .map(|id| {
            Some(
                ctx.reference
                    .unit(*id)?
                    .map_or(MOHA_GROUP, |unit| unit.org_group),
            )
        })
        .collect();
    let groups = match loaded {
        Some(groups) => groups,
        None => repo::groups(ctx.conn, organizations)?
            .into_iter()
            .map(|(_, group)| group)
            .collect(),
    };
    if groups.iter().any(|group| *group != MOHA_GROUP) {
        return Err(AppError::Forbidden(format!(
            "{GROUP_1}: the event places the profile in a group 1 organization"
        )));
    }
    Ok(())
}
