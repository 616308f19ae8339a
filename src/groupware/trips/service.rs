//! Rules for business trips: the unit's writers propose a trip for its
//! members, with the documents that call for it; someone else with write
//! access over the unit — never one of the travellers — approves or
//! rejects it, once. Changes are audited.

use chrono::{DateTime, SubsecRound, Utc};
use serde_json::json;

use super::model::{Decision, NewTrip, TripFilter, TripRow, TripStatus, TripView};
use super::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::groupware::access;
use crate::groupware::correspondence::repo as documents;
use crate::ids::{DocumentId, TripId, UserId};
use crate::validation::validated;

const TRIP: AppError = AppError::NotFound { entity: "trip" };

pub fn propose(ctx: &mut Ctx, mut input: NewTrip) -> AppResult<TripView> {
    validated(&input)?;
    if input.ends_on < input.starts_on {
        return Err(AppError::invalid("ends_on", "must not be before starts_on"));
    }
    access::enter(ctx)?;
    let path = access::unit_path(ctx, input.organization_id)?;
    ctx.scope.require_write(&path, "this unit's trips")?;
    input.member_ids.sort_by_key(|u| u.0);
    input.member_ids.dedup();
    if documents::existing_users(ctx.conn, &input.member_ids)? != input.member_ids.len() as i64 {
        return Err(AppError::invalid("member_ids", "names an unknown user"));
    }
    input.document_ids.sort_by_key(|d| d.0);
    input.document_ids.dedup();
    for document in &input.document_ids {
        if !documents::visible(ctx.conn, *document)? {
            return Err(AppError::invalid(
                "document_ids",
                "names a document you cannot see",
            ));
        }
    }
    let now = stored_now(ctx);
    let row = TripRow {
        id: TripId::new_random(),
        version: 1,
        organization_id: input.organization_id,
        purpose: input.purpose.trim().to_owned(),
        destination: input.destination.trim().to_owned(),
        starts_on: input.starts_on,
        ends_on: input.ends_on,
        status: TripStatus::Proposed,
        decided_by: None,
        decided_at: None,
        decision_note: None,
        created_at: now,
        created_by: ctx.actor.id,
        updated_at: now,
    };
    repo::insert(ctx.conn, &row, (&input.member_ids, &input.document_ids))?;
    audit(ctx, &row, "trip.propose", path)?;
    Ok(TripView::new(row, input.member_ids, input.document_ids))
}

pub fn list(ctx: &mut Ctx, filter: TripFilter) -> AppResult<Vec<TripView>> {
    access::enter(ctx)?;
    let rows = repo::search(ctx.conn, &filter)?;
    views(ctx, rows)
}

pub fn view(ctx: &mut Ctx, id: TripId) -> AppResult<TripView> {
    access::enter(ctx)?;
    let row = repo::find(ctx.conn, id, false)?.ok_or(TRIP)?;
    Ok(views(ctx, vec![row])?.remove(0))
}

/// Approves or rejects a proposed trip.
pub fn decide(ctx: &mut Ctx, id: TripId, expected: i32, decision: Decision) -> AppResult<TripView> {
    validated(&decision)?;
    access::enter(ctx)?;
    let mut row = repo::find(ctx.conn, id, true)?.ok_or(TRIP)?;
    let path = access::unit_path(ctx, row.organization_id).map_err(|_| {
        AppError::Forbidden("deciding a trip needs groupware_user over its unit".into())
    })?;
    ctx.scope.require_write(&path, "this unit's trips")?;
    let members: Vec<UserId> = repo::members(ctx.conn, &[id])?
        .into_iter()
        .map(|(_, u)| u)
        .collect();
    if ctx.actor.id.is_some_and(|me| members.contains(&me)) {
        return Err(AppError::Forbidden(
            "a traveller does not approve their own trip".into(),
        ));
    }
    if row.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: row.version,
        });
    }
    if row.status != TripStatus::Proposed {
        return Err(AppError::conflict(
            "trip-decided",
            format!("the trip is {} already", row.status),
        ));
    }
    let now = stored_now(ctx);
    row.status = if decision.approve {
        TripStatus::Approved
    } else {
        TripStatus::Rejected
    };
    row.decided_by = ctx.actor.id;
    row.decided_at = Some(now);
    row.decision_note = decision.note;
    row.version += 1;
    row.updated_at = now;
    repo::save_decision(ctx.conn, &row)?;
    audit(ctx, &row, "trip.decide", path)?;
    Ok(views(ctx, vec![row])?.remove(0))
}

fn views(ctx: &mut Ctx, rows: Vec<TripRow>) -> AppResult<Vec<TripView>> {
    let ids: Vec<TripId> = rows.iter().map(|r| r.id).collect();
    let members = repo::members(ctx.conn, &ids)?;
    let linked = repo::documents(ctx.conn, &ids)?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let own: Vec<UserId> = members
                .iter()
                .filter(|(t, _)| *t == row.id)
                .map(|(_, u)| *u)
                .collect();
            let docs: Vec<DocumentId> = linked
                .iter()
                .filter(|(t, _)| *t == row.id)
                .map(|(_, d)| *d)
                .collect();
            TripView::new(row, own, docs)
        })
        .collect())
}

fn stored_now(ctx: &Ctx) -> DateTime<Utc> {
    ctx.now.trunc_subsecs(6)
}

fn audit(ctx: &mut Ctx, row: &TripRow, action: &str, path: TreePath) -> AppResult<()> {
    let mut event = ctx.event(
        action,
        "trip",
        Some(row.id.to_string()),
        Some(path),
        Vec::new(),
    );
    event.details = json!({"status": row.status});
    ctx.audit(&event)
}
