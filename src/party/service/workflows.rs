//! The decisions committees take about a member, each dated, numbered and
//! recorded as an event: recognition as official, the end of membership
//! (removal, expulsion, death, transfer out of the system), temporary
//! attendance elsewhere, exemption, rewards and discipline.

use super::members::{refuse_held_card, view_on};
use super::{audit, member_for_change, next_period, not_in_future, record};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{AttendanceId, MemberId};
use crate::party::codec;
use crate::party::member::{
    probation_ends, AttendanceInput, Decision, DistinctionInput, DistinctionKind, ExemptionInput,
    MemberEventKind, MemberRow, MemberStatus, Recognition,
};
use crate::party::repo::{members as repo, units};
use crate::party::view::MemberView;
use crate::validation::validated;

/// The member, locked, who must still be a member for this decision.
fn active_member(ctx: &mut Ctx, id: MemberId, expected: i32) -> AppResult<MemberRow> {
    let member = member_for_change(ctx, id, Some(expected))?;
    if !member.status.is_member() {
        return Err(AppError::conflict(
            "not-a-member",
            format!("the record's status is {}", member.status),
        ));
    }
    Ok(member)
}

fn finish(ctx: &mut Ctx, id: MemberId, action: &str, fields: &[&str]) -> AppResult<MemberView> {
    let row = repo::touch(ctx.conn, id, ctx.now)?;
    audit(ctx, action, ("party_member", id.to_string()), fields)?;
    view_on(ctx, &row, ctx.today)
}

/// Official membership after the probation of twelve months.
pub fn recognize(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    input: Recognition,
) -> AppResult<MemberView> {
    validated(&input)?;
    not_in_future(ctx, "official_on", input.official_on)?;
    let mut member = active_member(ctx, id, expected)?;
    if member.status != MemberStatus::Probationary {
        return Err(AppError::conflict(
            "already-official",
            "the member is already official",
        ));
    }
    if probation_ends(member.admitted_on).is_some_and(|end| input.official_on < end) {
        return Err(AppError::invalid(
            "official_on",
            "must be at least 12 months after admitted_on (the probation)",
        ));
    }
    if let Some(card) = &input.party_card_number {
        refuse_held_card(ctx, id, card)?;
        let sealer = ctx.keyring.sealer(ctx.conn)?;
        let (sealed, index) = codec::sealed_pair(&sealer, "party_card_number", id, Some(card))?;
        member.party_card_number = sealed;
        member.party_card_index = index;
        // the row names the oldest key any of its indexes was computed with,
        // so that a rotation under way recomputes it
        member.blind_index_version = member.blind_index_version.min(codec::version_of(&sealer)?);
    }
    member.official_on = Some(input.official_on);
    repo::save(ctx.conn, &member)?;
    let cell = member.party_organization_id;
    next_period(
        ctx,
        id,
        (input.official_on, "official_on"),
        (cell, MemberStatus::Official),
    )?;
    let decision = Decision {
        effective_on: input.official_on,
        decision_number: input.decision_number,
        deciding_body: input.deciding_body,
        note: None,
    };
    record(
        ctx,
        id,
        (MemberEventKind::RecognizedOfficial, &decision),
        (Some(cell), serde_json::json!({})),
    )?;
    finish(
        ctx,
        id,
        "party_member.recognize",
        &["official_on", "status", "party_card_number"],
    )
}

/// How a membership ends, and the status it leaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Xóa tên
    Removed,
    /// Khai trừ
    Expelled,
    Deceased,
    /// To a party organization ODB does not keep.
    TransferredOut,
}

impl Ending {
    fn outcome(self) -> (MemberStatus, MemberEventKind, &'static str) {
        match self {
            Ending::Removed => (
                MemberStatus::Left,
                MemberEventKind::Removed,
                "party_member.remove",
            ),
            Ending::Expelled => (
                MemberStatus::Expelled,
                MemberEventKind::Expelled,
                "party_member.expel",
            ),
            Ending::Deceased => (
                MemberStatus::Deceased,
                MemberEventKind::Deceased,
                "party_member.death",
            ),
            Ending::TransferredOut => (
                MemberStatus::TransferredOut,
                MemberEventKind::TransferredOut,
                "party_member.transfer_out",
            ),
        }
    }
}

/// Ends the membership on the decision's date; the record stays with the
/// last cell. Refused while a transfer is open (cancel it first).
pub fn end_membership(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    (ending, decision): (Ending, Decision),
) -> AppResult<MemberView> {
    validated(&decision)?;
    not_in_future(ctx, "effective_on", decision.effective_on)?;
    let member = active_member(ctx, id, expected)?;
    if crate::party::repo::transfers::open_of(ctx.conn, id)?.is_some() {
        return Err(AppError::conflict(
            "transfer-open",
            "a transfer of this member is open; cancel it first",
        ));
    }
    let (status, kind, action) = ending.outcome();
    let cell = member.party_organization_id;
    next_period(
        ctx,
        id,
        (decision.effective_on, "effective_on"),
        (cell, status),
    )?;
    if member.attending_organization_id.is_some() {
        close_attendance(ctx, member, decision.effective_on)?;
    }
    record(
        ctx,
        id,
        (kind, &decision),
        (Some(cell), serde_json::json!({})),
    )?;
    finish(ctx, id, action, &["status"])
}

/// Attends another cell for a while (by its code: it may lie outside the
/// caller's scope); both cells see the member, the home cell counts them.
pub fn start_attendance(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    input: AttendanceInput,
) -> AppResult<MemberView> {
    validated(&input)?;
    not_in_future(ctx, "from_on", input.from_on)?;
    if input.until_on.is_some_and(|until| until <= input.from_on) {
        return Err(AppError::invalid("until_on", "must be after from_on"));
    }
    let mut member = active_member(ctx, id, expected)?;
    if member.attending_organization_id.is_some() {
        return Err(AppError::conflict(
            "attending",
            "the member already attends another cell",
        ));
    }
    let host = units::by_code(ctx.conn, &input.party_organization_code)?
        .filter(|u| u.kind.holds_members() && u.status == crate::party::model::UnitStatus::Active)
        .ok_or_else(|| {
            AppError::invalid("party_organization_code", "no active cell has this code")
        })?;
    if host.id == member.party_organization_id {
        return Err(AppError::invalid(
            "party_organization_code",
            "is the member's home cell",
        ));
    }
    repo::start_attendance(
        ctx.conn,
        (AttendanceId::new_random(), id, host.id),
        (input.from_on, input.until_on),
        &input.decision_number,
    )?;
    member.attending_organization_id = Some(host.id);
    member.attending_until = input.until_on;
    repo::save(ctx.conn, &member)?;
    let decision = Decision {
        effective_on: input.from_on,
        decision_number: input.decision_number,
        deciding_body: input.deciding_body,
        note: None,
    };
    let details = serde_json::json!({ "until_on": input.until_on, "code": host.code });
    record(
        ctx,
        id,
        (MemberEventKind::AttendanceStarted, &decision),
        (Some(host.id), details),
    )?;
    finish(ctx, id, "party_member.attendance_start", &["attending"])
}

fn close_attendance(ctx: &mut Ctx, mut member: MemberRow, on: chrono::NaiveDate) -> AppResult<()> {
    if let Some((attendance, view)) = repo::attendance_on(ctx.conn, member.id, on)? {
        if on <= view.from_on {
            return Err(AppError::invalid(
                "effective_on",
                "must be after the attendance began",
            ));
        }
        repo::end_attendance(ctx.conn, attendance, on)?;
    }
    member.attending_organization_id = None;
    member.attending_until = None;
    repo::save(ctx.conn, &member)?;
    Ok(())
}

/// The member is back in the home cell only.
pub fn end_attendance(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    decision: Decision,
) -> AppResult<MemberView> {
    validated(&decision)?;
    not_in_future(ctx, "effective_on", decision.effective_on)?;
    let member = member_for_change(ctx, id, Some(expected))?;
    let Some(host) = member.attending_organization_id else {
        return Err(AppError::conflict(
            "not-attending",
            "the member attends no other cell",
        ));
    };
    close_attendance(ctx, member, decision.effective_on)?;
    record(
        ctx,
        id,
        (MemberEventKind::AttendanceEnded, &decision),
        (Some(host), serde_json::json!({})),
    )?;
    finish(ctx, id, "party_member.attendance_end", &["attending"])
}

/// Exempt from party work and activities (age or health): counted apart.
pub fn start_exemption(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    input: ExemptionInput,
) -> AppResult<MemberView> {
    validated(&input)?;
    not_in_future(ctx, "from_on", input.from_on)?;
    let member = active_member(ctx, id, expected)?;
    if repo::exemption_on(ctx.conn, id, ctx.today)?.is_some() {
        return Err(AppError::conflict(
            "exempted",
            "the member is already exempted",
        ));
    }
    if input.from_on < member.admitted_on {
        return Err(AppError::invalid(
            "from_on",
            "must not be before admitted_on",
        ));
    }
    repo::start_exemption(
        ctx.conn,
        id,
        input.reason,
        input.from_on,
        &input.decision_number,
    )?;
    let decision = Decision {
        effective_on: input.from_on,
        decision_number: input.decision_number,
        deciding_body: input.deciding_body,
        note: None,
    };
    let details = serde_json::json!({ "reason": input.reason });
    record(
        ctx,
        id,
        (MemberEventKind::Exempted, &decision),
        (None, details),
    )?;
    finish(ctx, id, "party_member.exemption_start", &["exemption"])
}

pub fn end_exemption(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    decision: Decision,
) -> AppResult<MemberView> {
    validated(&decision)?;
    not_in_future(ctx, "effective_on", decision.effective_on)?;
    member_for_change(ctx, id, Some(expected))?;
    let Some(exemption) = repo::exemption_on(ctx.conn, id, ctx.today)? else {
        return Err(AppError::conflict(
            "not-exempted",
            "the member is not exempted",
        ));
    };
    if decision.effective_on <= exemption.from_on {
        return Err(AppError::invalid(
            "effective_on",
            "must be after the exemption began",
        ));
    }
    repo::end_exemption(ctx.conn, id, decision.effective_on)?;
    record(
        ctx,
        id,
        (MemberEventKind::ExemptionEnded, &decision),
        (None, serde_json::json!({})),
    )?;
    finish(ctx, id, "party_member.exemption_end", &["exemption"])
}

/// A party reward or discipline, recorded with its decision.
pub fn add_distinction(
    ctx: &mut Ctx,
    id: MemberId,
    expected: i32,
    input: DistinctionInput,
) -> AppResult<MemberView> {
    validated(&input)?;
    not_in_future(ctx, "decided_on", input.decided_on)?;
    member_for_change(ctx, id, Some(expected))?;
    let kind = match input.kind {
        DistinctionKind::Reward => MemberEventKind::Reward,
        DistinctionKind::Discipline => MemberEventKind::Discipline,
    };
    let decision = Decision {
        effective_on: input.decided_on,
        decision_number: input.decision_number,
        deciding_body: input.deciding_body,
        note: None,
    };
    let details = serde_json::json!({ "form": input.form });
    record(ctx, id, (kind, &decision), (None, details))?;
    finish(ctx, id, "party_member.distinction", &["kind", "form"])
}
