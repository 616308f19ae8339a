//! Rules for the party tree and its members. Every function takes the
//! request's `Ctx` (scoped by the party tree) and its typed input, checks
//! the rules, and writes its own audit entry (entity `party_member`,
//! `party_organization` or `party_transfer`; no organization path, since
//! auditors' scopes are over the organization tree).

mod members;
mod stats;
mod transfers;
mod units;
mod workflows;

pub use members::{admit, events, lookup, profile_membership, read, search};
pub use stats::{badges_due, statistics};
pub use transfers::{accept, cancel, issue, list_transfers, read_transfer};
pub use units::{create_unit, dissolve_unit, list_units, read_unit, unit_history};
pub use workflows::{
    add_distinction, end_attendance, end_exemption, end_membership, recognize, start_attendance,
    start_exemption, Ending,
};

use chrono::NaiveDate;

use super::member::{Decision, MemberEventKind, MemberRow, MemberStatus, NewMemberEvent, Period};
use super::model::PartyOrganization;
use super::repo::{members as repo, units as unit_repo};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{MemberId, PartyOrganizationId};

fn member_not_found() -> AppError {
    AppError::NotFound {
        entity: "party member",
    }
}

fn unit_not_found() -> AppError {
    AppError::NotFound {
        entity: "party organization",
    }
}

/// A unit this request may see (404 otherwise).
pub fn visible_unit(ctx: &mut Ctx, id: PartyOrganizationId) -> AppResult<PartyOrganization> {
    unit_repo::find(ctx.conn, id)?
        .filter(|u| ctx.scope.can_read(&u.path))
        .ok_or_else(unit_not_found)
}

/// A cell this request may place members in: visible, writable, active, and
/// of a kind that holds members.
fn member_cell(
    ctx: &mut Ctx,
    id: PartyOrganizationId,
    field: &str,
) -> AppResult<PartyOrganization> {
    let unit = visible_unit(ctx, id)
        .map_err(|_| AppError::invalid(field, "no such party organization"))?;
    ctx.scope.require_write(&unit.path, &unit.code)?;
    if !unit.kind.holds_members() || unit.dissolved_on.is_some() {
        return Err(AppError::invalid(
            field,
            "must be an active cell or grassroots party organization",
        ));
    }
    Ok(unit)
}

/// The member, locked for a change this request may make: 404 unless seen,
/// 403 unless the home cell is writable, 412 when the version moved on.
fn member_for_change(ctx: &mut Ctx, id: MemberId, expected: Option<i32>) -> AppResult<MemberRow> {
    let member = repo::lock(ctx.conn, id)?.ok_or_else(member_not_found)?;
    if !ctx.scope.can_write(&member.path) {
        return Err(AppError::Forbidden(
            "only the committee over the member's home cell decides this".into(),
        ));
    }
    if let Some(expected) = expected {
        if expected != member.version {
            return Err(AppError::StaleVersion {
                expected,
                current: member.version,
            });
        }
    }
    Ok(member)
}

/// Refuses a decision dated after today: events are recorded once taken, so
/// the open period is always today's.
fn not_in_future(ctx: &Ctx, field: &str, date: NaiveDate) -> AppResult<()> {
    if date > ctx.today {
        return Err(AppError::invalid(field, "must not be after today"));
    }
    Ok(())
}

/// From `date` on, the member is `status` in `unit`: the open period ends
/// there and the next begins (the database refuses overlaps and gaps).
fn next_period(
    ctx: &mut Ctx,
    member: MemberId,
    (date, field): (NaiveDate, &str),
    (unit, status): (PartyOrganizationId, MemberStatus),
) -> AppResult<()> {
    let open = repo::open_period(ctx.conn, member)?
        .ok_or_else(|| AppError::Internal("a member without an open period".into()))?;
    if date <= open.valid_from {
        return Err(AppError::invalid(
            field,
            format!(
                "must be after {}, when the current period began",
                open.valid_from
            ),
        ));
    }
    repo::close_period(ctx.conn, member, date)?;
    repo::insert_period(
        ctx.conn,
        &Period {
            member_id: member,
            party_organization_id: unit,
            path: crate::db::ltree::TreePath(String::new()),
            status,
            valid_from: date,
            valid_to: None,
        },
    )?;
    Ok(())
}

/// Records what was decided, as decided.
fn record(
    ctx: &mut Ctx,
    member: MemberId,
    (kind, decision): (MemberEventKind, &Decision),
    (unit, details): (Option<PartyOrganizationId>, serde_json::Value),
) -> AppResult<()> {
    repo::add_event(
        ctx.conn,
        &NewMemberEvent {
            member_id: member,
            kind,
            effective_on: decision.effective_on,
            decision_number: Some(decision.decision_number.clone()),
            deciding_body: Some(decision.deciding_body.clone()),
            party_organization_id: unit,
            details,
            recorded_at: ctx.now,
            recorded_by: Some(ctx.actor.name.clone()),
        },
    )?;
    Ok(())
}

/// Appends the audit entry of a change: call it last.
fn audit(ctx: &mut Ctx, action: &str, subject: (&str, String), fields: &[&str]) -> AppResult<()> {
    let event = ctx.event(
        action,
        subject.0,
        Some(subject.1),
        None,
        fields.iter().map(|f| (*f).to_owned()).collect(),
    );
    ctx.audit(&event)
}
