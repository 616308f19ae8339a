//! Transfers between cells: the sending committee issues one (to a cell that
//! may lie outside its scope, named by code), the receiving committee
//! accepts it, and on the acceptance date the member's home cell changes.
//! The member row is locked by every step, at most one transfer per member
//! is open (a unique index), and the periods never overlap nor leave a gap,
//! so two racing transfers leave the member in exactly one cell.

use super::members::view_on;
use super::{audit, member_for_change, member_not_found, next_period, not_in_future, record};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::TransferId;
use crate::party::member::{Decision, MemberEventKind};
use crate::party::model::UnitStatus;
use crate::party::repo::{members, transfers as repo, units};
use crate::party::transfer::{AcceptTransfer, CancelTransfer, IssueTransfer, TransferFilter};
use crate::party::view::{MemberView, Transfer, TransferStatus};
use crate::validation::validated;

fn transfer_not_found() -> AppError {
    AppError::NotFound {
        entity: "party transfer",
    }
}

/// The sending committee issues a transfer of a member of its cells.
pub fn issue(ctx: &mut Ctx, input: IssueTransfer) -> AppResult<Transfer> {
    validated(&input)?;
    not_in_future(ctx, "issued_on", input.issued_on)?;
    let member = member_for_change(ctx, input.member_id, None)?;
    if !member.status.is_member() {
        return Err(AppError::conflict(
            "not-a-member",
            format!("the record's status is {}", member.status),
        ));
    }
    if repo::open_of(ctx.conn, member.id)?.is_some() {
        return Err(AppError::conflict(
            "transfer-open",
            "a transfer of this member is already open",
        ));
    }
    let to = units::by_code(ctx.conn, &input.to_party_organization_code)?
        .filter(|u| u.kind.holds_members() && u.status == UnitStatus::Active)
        .ok_or_else(|| {
            AppError::invalid("to_party_organization_code", "no active cell has this code")
        })?;
    if to.id == member.party_organization_id {
        return Err(AppError::invalid(
            "to_party_organization_code",
            "is the member's own cell",
        ));
    }
    let from = units::find(ctx.conn, member.party_organization_id)?
        .ok_or_else(|| AppError::Internal("the member's cell is unseen".into()))?;
    let transfer = Transfer {
        id: TransferId::new_random(),
        member_id: member.id,
        member_name: member.full_name.clone(),
        from_organization_id: from.id,
        from_code: from.code,
        from_name: from.name,
        from_path: from.path,
        to_organization_id: to.id,
        to_code: to.code,
        to_name: to.name,
        to_path: to.path,
        status: TransferStatus::Issued,
        issued_on: input.issued_on,
        issue_decision: input.decision_number,
        issuing_body: input.issuing_body,
        accepted_on: None,
        accept_decision: None,
        accepting_body: None,
        cancelled_on: None,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    repo::insert(ctx.conn, &transfer).map_err(|e| match e {
        // a transfer issued at the same moment by another request
        diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ) => AppError::conflict("transfer-open", "a transfer of this member is already open"),
        other => AppError::Database(other),
    })?;
    audit(
        ctx,
        "party_transfer.issue",
        ("party_transfer", transfer.id.to_string()),
        &[
            "member_id",
            "to_party_organization_id",
            "issued_on",
            "issue_decision",
        ],
    )?;
    Ok(transfer)
}

/// The transfer, locked, open, at the expected version.
fn open_transfer(ctx: &mut Ctx, id: TransferId, expected: i32) -> AppResult<Transfer> {
    let transfer = repo::lock(ctx.conn, id)?.ok_or_else(transfer_not_found)?;
    if transfer.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: transfer.version,
        });
    }
    if transfer.status != TransferStatus::Issued {
        return Err(AppError::conflict(
            "transfer-closed",
            format!("the transfer is {}", transfer.status),
        ));
    }
    Ok(transfer)
}

/// The receiving committee accepts: from `accepted_on` the member's home
/// cell is the receiving one.
pub fn accept(
    ctx: &mut Ctx,
    id: TransferId,
    expected: i32,
    input: AcceptTransfer,
) -> AppResult<(Transfer, MemberView)> {
    validated(&input)?;
    not_in_future(ctx, "accepted_on", input.accepted_on)?;
    let mut transfer = open_transfer(ctx, id, expected)?;
    if !ctx.scope.can_write(&transfer.to_path) {
        return Err(AppError::Forbidden(
            "only the receiving committee accepts a transfer".into(),
        ));
    }
    if input.accepted_on < transfer.issued_on {
        return Err(AppError::invalid(
            "accepted_on",
            "must not be before issued_on",
        ));
    }
    let member = members::lock(ctx.conn, transfer.member_id)?.ok_or_else(member_not_found)?;
    if !member.status.is_member() || member.party_organization_id != transfer.from_organization_id {
        return Err(AppError::conflict(
            "member-moved",
            "the member is no longer a member of the sending cell",
        ));
    }
    next_period(
        ctx,
        member.id,
        (input.accepted_on, "accepted_on"),
        (transfer.to_organization_id, member.status),
    )?;
    let decision = Decision {
        effective_on: input.accepted_on,
        decision_number: input.decision_number.clone(),
        deciding_body: input.accepting_body.clone(),
        note: None,
    };
    let details = serde_json::json!({
        "transfer_id": transfer.id,
        "from": transfer.from_organization_id,
        "issue_decision": transfer.issue_decision,
    });
    record(
        ctx,
        member.id,
        (MemberEventKind::Transferred, &decision),
        (Some(transfer.to_organization_id), details),
    )?;
    let row = members::touch(ctx.conn, member.id, ctx.now)?;
    transfer.status = TransferStatus::Accepted;
    transfer.accepted_on = Some(input.accepted_on);
    transfer.accept_decision = Some(input.decision_number);
    transfer.accepting_body = Some(input.accepting_body);
    transfer.version += 1;
    transfer.updated_at = ctx.now;
    repo::save(ctx.conn, &transfer)?;
    audit(
        ctx,
        "party_transfer.accept",
        ("party_transfer", transfer.id.to_string()),
        &["status", "accepted_on", "accept_decision"],
    )?;
    let view = view_on(ctx, &row, ctx.today)?;
    Ok((transfer, view))
}

/// Either committee withdraws an open transfer; the member stays put.
pub fn cancel(
    ctx: &mut Ctx,
    id: TransferId,
    expected: i32,
    input: CancelTransfer,
) -> AppResult<Transfer> {
    not_in_future(ctx, "cancelled_on", input.cancelled_on)?;
    let mut transfer = open_transfer(ctx, id, expected)?;
    if !ctx.scope.can_write(&transfer.from_path) && !ctx.scope.can_write(&transfer.to_path) {
        return Err(AppError::Forbidden(
            "only the sending or receiving committee cancels".into(),
        ));
    }
    if input.cancelled_on < transfer.issued_on {
        return Err(AppError::invalid(
            "cancelled_on",
            "must not be before issued_on",
        ));
    }
    transfer.status = TransferStatus::Cancelled;
    transfer.cancelled_on = Some(input.cancelled_on);
    transfer.version += 1;
    transfer.updated_at = ctx.now;
    repo::save(ctx.conn, &transfer)?;
    audit(
        ctx,
        "party_transfer.cancel",
        ("party_transfer", transfer.id.to_string()),
        &["status", "cancelled_on"],
    )?;
    Ok(transfer)
}

pub fn list_transfers(ctx: &mut Ctx, filter: TransferFilter) -> AppResult<Vec<Transfer>> {
    let roots = ctx.scope.read_roots();
    Ok(repo::list(ctx.conn, roots.as_deref(), &filter)?)
}

pub fn read_transfer(ctx: &mut Ctx, id: TransferId) -> AppResult<Transfer> {
    repo::find(ctx.conn, id)?.ok_or_else(transfer_not_found)
}
