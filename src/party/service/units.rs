//! The party tree: listing, one unit on a date with its counts, its story,
//! establishing a unit, and dissolving one (its members moving to the
//! successor cell).

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{audit, member_cell, next_period, record, unit_not_found, visible_unit};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::PartyOrganizationId;
use crate::pagination::{self, NameKey, Page};
use crate::party::member::{Decision, MemberEventKind};
use crate::party::model::{
    CreateUnit, DissolveUnit, NewUnitEvent, PartyOrganization, PartyOrganizationView,
    UnitEventKind, UnitFilter, UnitHistory, UnitStatus,
};
use crate::party::repo::{members, units};
use crate::validation::validated;

fn views(ctx: &mut Ctx, rows: Vec<PartyOrganization>) -> AppResult<Vec<PartyOrganizationView>> {
    let ids: Vec<PartyOrganizationId> = rows.iter().map(|u| u.id).collect();
    let mut predecessors: HashMap<PartyOrganizationId, Vec<PartyOrganizationId>> = HashMap::new();
    for (unit, predecessor) in units::predecessors_of(ctx.conn, &ids)? {
        predecessors.entry(unit).or_default().push(predecessor);
    }
    Ok(rows
        .into_iter()
        .map(|unit| PartyOrganizationView {
            predecessor_ids: predecessors.remove(&unit.id).unwrap_or_default(),
            unit,
            counts: None,
        })
        .collect())
}

/// A page of the units the caller may see (row-level security narrows it).
pub fn list_units(ctx: &mut Ctx, filter: UnitFilter) -> AppResult<Page<PartyOrganizationView>> {
    if let Some(parent) = filter.parent {
        visible_unit(ctx, parent)
            .map_err(|_| AppError::invalid("parent_id", "no such party organization"))?;
    }
    let rows = units::list(ctx.conn, &filter)?;
    let (rows, next_cursor) = pagination::finish(rows, filter.limit, |u| {
        NameKey(u.name_folded.clone(), u.id.0)
    });
    Ok(Page {
        items: views(ctx, rows)?,
        next_cursor,
    })
}

/// One unit with its counts on `as_of` (today by default); 404 when it did
/// not exist on that date.
pub fn read_unit(
    ctx: &mut Ctx,
    id: PartyOrganizationId,
    as_of: Option<NaiveDate>,
) -> AppResult<PartyOrganizationView> {
    let unit = visible_unit(ctx, id)?;
    let date = as_of.unwrap_or(ctx.today);
    if as_of.is_some() && !unit.existed_on(date) {
        return Err(AppError::NotFound {
            entity: "party organization on that date",
        });
    }
    let counts = units::counts(ctx.conn, &unit.path, date)?;
    let mut view = views(ctx, vec![unit])?
        .pop()
        .ok_or_else(|| AppError::Internal("view lost".into()))?;
    view.counts = Some(counts);
    Ok(view)
}

pub fn unit_history(ctx: &mut Ctx, id: PartyOrganizationId) -> AppResult<UnitHistory> {
    let unit = visible_unit(ctx, id)?;
    Ok(UnitHistory {
        events: units::events_of(ctx.conn, id)?,
        predecessor_ids: units::predecessors_of(ctx.conn, &[id])?
            .into_iter()
            .map(|(_, p)| p)
            .collect(),
        successor_ids: units::successors_of(ctx.conn, id)?,
        party_organization: unit,
    })
}

/// Establishes a unit under an active parent the caller may change.
pub fn create_unit(ctx: &mut Ctx, input: CreateUnit) -> AppResult<PartyOrganizationView> {
    validated(&input)?;
    let parent = visible_unit(ctx, input.parent_id)
        .map_err(|_| AppError::invalid("parent_id", "no such party organization"))?;
    ctx.scope.require_write(&parent.path, &parent.code)?;
    if !parent.existed_on(input.established_on) || parent.kind.holds_members() {
        return Err(AppError::invalid(
            "parent_id",
            "must be a committee that exists on established_on",
        ));
    }
    let unit = units::insert(
        ctx.conn,
        &PartyOrganization {
            id: PartyOrganizationId::new_random(),
            name_folded: crate::text::fold(&input.name),
            code: input.code,
            name: input.name.trim().to_owned(),
            kind: input.kind,
            level: input.level,
            parent_id: Some(parent.id),
            path: crate::db::ltree::TreePath(String::new()),
            organization_id: input.organization_id,
            status: UnitStatus::Active,
            established_on: input.established_on,
            establishment_decision: input.establishment_decision,
            dissolved_on: None,
            dissolution_decision: None,
            version: 1,
            created_at: ctx.now,
            updated_at: ctx.now,
        },
    )?;
    units::add_event(
        ctx.conn,
        &NewUnitEvent {
            party_organization_id: unit.id,
            kind: UnitEventKind::Established,
            effective_on: unit.established_on,
            decision_number: unit.establishment_decision.clone(),
            related_party_organization_id: None,
            details: serde_json::json!({}),
            recorded_at: ctx.now,
        },
    )?;
    audit(
        ctx,
        "party_organization.create",
        ("party_organization", unit.id.to_string()),
        &[
            "code",
            "name",
            "type",
            "level",
            "parent_id",
            "organization_id",
            "established_on",
        ],
    )?;
    Ok(views(ctx, vec![unit])?.remove(0))
}

/// Dissolves a unit without active units under it. With a successor, it is a
/// merge into it: a dissolved cell's members move to the successor cell on
/// that date, each with a dated event; without one, a cell must be empty.
pub fn dissolve_unit(
    ctx: &mut Ctx,
    id: PartyOrganizationId,
    expected: i32,
    input: DissolveUnit,
) -> AppResult<PartyOrganizationView> {
    validated(&input)?;
    let mut unit = units::find_for_update(ctx.conn, id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .ok_or_else(unit_not_found)?;
    ctx.scope.require_write(&unit.path, &unit.code)?;
    if unit.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: unit.version,
        });
    }
    if unit.dissolved_on.is_some() {
        return Err(AppError::conflict(
            "unit-dissolved",
            format!("{} is already dissolved", unit.code),
        ));
    }
    if input.dissolved_on <= unit.established_on {
        return Err(AppError::invalid(
            "dissolved_on",
            "must be after established_on",
        ));
    }
    if units::active_children(ctx.conn, id)? > 0 {
        return Err(AppError::conflict(
            "unit-has-units",
            "dissolve or merge the units under it first",
        ));
    }
    let successor = input
        .successor_id
        .map(|s| successor_of(ctx, &unit, s))
        .transpose()?;
    let moved = move_members(ctx, &unit, successor.as_ref(), &input)?;
    unit.status = if successor.is_some() {
        UnitStatus::Merged
    } else {
        UnitStatus::Dissolved
    };
    unit.dissolved_on = Some(input.dissolved_on);
    unit.dissolution_decision = Some(input.decision_number.clone());
    unit.version += 1;
    unit.updated_at = ctx.now;
    units::save(ctx.conn, &unit)?;
    unit_events(ctx, &unit, successor.as_ref(), moved)?;
    audit(
        ctx,
        "party_organization.dissolve",
        ("party_organization", unit.id.to_string()),
        &[
            "status",
            "dissolved_on",
            "dissolution_decision",
            "successor_id",
        ],
    )?;
    Ok(views(ctx, vec![unit])?.remove(0))
}

/// What a unit merges into: a cell for a cell (its members move there),
/// any active unit the caller may change for a committee.
fn successor_of(
    ctx: &mut Ctx,
    unit: &PartyOrganization,
    id: PartyOrganizationId,
) -> AppResult<PartyOrganization> {
    if unit.kind.holds_members() {
        return member_cell(ctx, id, "successor_id");
    }
    let successor = visible_unit(ctx, id)
        .map_err(|_| AppError::invalid("successor_id", "no such party organization"))?;
    ctx.scope.require_write(&successor.path, &successor.code)?;
    if successor.dissolved_on.is_some() || successor.id == unit.id {
        return Err(AppError::invalid(
            "successor_id",
            "must be another active unit",
        ));
    }
    Ok(successor)
}

/// The members whose home cell is `unit` move to `successor` (none may
/// stay behind in a cell that no longer exists).
fn move_members(
    ctx: &mut Ctx,
    unit: &PartyOrganization,
    successor: Option<&PartyOrganization>,
    input: &DissolveUnit,
) -> AppResult<usize> {
    let ids = members::members_of(ctx.conn, unit.id)?;
    let Some(successor) = successor else {
        if ids.is_empty() {
            return Ok(0);
        }
        return Err(AppError::conflict(
            "unit-has-members",
            "name a successor_id for the members of the cell",
        ));
    };
    let decision = Decision {
        effective_on: input.dissolved_on,
        decision_number: input.decision_number.clone(),
        deciding_body: format!("{} (sắp xếp tổ chức)", successor.name),
        note: None,
    };
    for (member, status) in &ids {
        members::lock(ctx.conn, *member)?;
        next_period(
            ctx,
            *member,
            (input.dissolved_on, "dissolved_on"),
            (successor.id, *status),
        )?;
        record(
            ctx,
            *member,
            (MemberEventKind::MovedWithCell, &decision),
            (Some(successor.id), serde_json::json!({"from": unit.id})),
        )?;
        members::touch(ctx.conn, *member, ctx.now)?;
    }
    Ok(ids.len())
}

fn unit_events(
    ctx: &mut Ctx,
    unit: &PartyOrganization,
    successor: Option<&PartyOrganization>,
    moved: usize,
) -> AppResult<()> {
    let date = unit.dissolved_on.unwrap_or(ctx.today);
    let event = |on: PartyOrganizationId, kind, related| NewUnitEvent {
        party_organization_id: on,
        kind,
        effective_on: date,
        decision_number: unit.dissolution_decision.clone(),
        related_party_organization_id: related,
        details: serde_json::json!({ "members_moved": moved }),
        recorded_at: ctx.now,
    };
    match successor {
        None => units::add_event(ctx.conn, &event(unit.id, UnitEventKind::Dissolved, None))?,
        Some(s) => {
            units::add_event(
                ctx.conn,
                &event(unit.id, UnitEventKind::MergedInto, Some(s.id)),
            )?;
            units::add_event(
                ctx.conn,
                &event(s.id, UnitEventKind::Absorbed, Some(unit.id)),
            )?;
            units::add_predecessor(ctx.conn, s.id, unit.id)?;
        }
    }
    Ok(())
}
