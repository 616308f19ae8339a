//! Admission, reading a member on a date, their story, search and exact
//! lookup, and the party side of a profile.

use chrono::NaiveDate;

use super::{audit, member_cell, member_not_found, not_in_future, record, visible_unit};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{MemberId, OfficialId};
use crate::pagination::{self, NameKey, Page};
use crate::party::codec;
use crate::party::member::{
    Admission, Decision, MemberEvent, MemberEventKind, MemberRow, MemberStatus, Period,
};
use crate::party::repo::members as repo;
use crate::party::search::{Lookup, MemberSearch};
use crate::party::view::{Arrangements, MemberSummary, MemberView, ProfileMembership};
use crate::validation::validated;

/// Admits a person as a probationary member of a cell the caller may
/// change; links the CBCCVC profile holding the same personal code. The
/// same person is never two members (409 naming the existing record).
pub fn admit(ctx: &mut Ctx, admission: Admission) -> AppResult<MemberView> {
    validated(&admission)?;
    not_in_future(ctx, "admitted_on", admission.admitted_on)?;
    let cell = member_cell(
        ctx,
        admission.party_organization_id,
        "party_organization_id",
    )?;
    if !cell.existed_on(admission.admitted_on) {
        return Err(AppError::invalid(
            "admitted_on",
            "the cell did not exist on that date",
        ));
    }
    let id = MemberId::new_random();
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    refuse_second_record(ctx, &admission)?;
    let mut row = codec::new_row(&sealer, id, &admission, ctx.now)?;
    let indexes = codec::profile_indexes(
        ctx.keyring,
        ctx.conn,
        &admission.personal_identification_code,
    )?;
    row.official_id = repo::profile_of(ctx.conn, &indexes)?;
    repo::insert(ctx.conn, &row).map_err(too_young)?;
    repo::insert_period(
        ctx.conn,
        &Period {
            member_id: id,
            party_organization_id: cell.id,
            path: crate::db::ltree::TreePath(String::new()),
            status: MemberStatus::Probationary,
            valid_from: admission.admitted_on,
            valid_to: None,
        },
    )?;
    let decision = Decision {
        effective_on: admission.admitted_on,
        decision_number: admission.decision_number.clone(),
        deciding_body: admission.deciding_body.clone(),
        note: None,
    };
    record(
        ctx,
        id,
        (MemberEventKind::Admitted, &decision),
        (Some(cell.id), serde_json::json!({})),
    )?;
    audit(
        ctx,
        "party_member.admit",
        ("party_member", id.to_string()),
        &[
            "full_name",
            "birth_date",
            "sex",
            "personal_identification_code",
            "party_organization_id",
            "admitted_on",
        ],
    )?;
    read(ctx, id, None)
}

/// The database's age rule, said as a field error.
fn too_young(error: diesel::result::Error) -> AppError {
    use diesel::result::{DatabaseErrorKind, Error};
    match &error {
        Error::DatabaseError(DatabaseErrorKind::CheckViolation, info)
            if info.constraint_name() == Some("party_members_adult") =>
        {
            AppError::invalid("admitted_on", "a member is admitted at 18 or older")
        }
        _ => AppError::Database(error),
    }
}

fn refuse_second_record(ctx: &mut Ctx, admission: &Admission) -> AppResult<()> {
    let personal = codec::live_indexes(
        ctx.keyring,
        ctx.conn,
        "personal_identification_code",
        &admission.personal_identification_code,
    )?;
    let card = match &admission.party_card_number {
        Some(card) => codec::live_indexes(ctx.keyring, ctx.conn, "party_card_number", card)?,
        None => Vec::new(),
    };
    refuse_holder(ctx, (&personal, &card), None)
}

/// Refuses a party card another member holds (under any live blind-index key).
pub(super) fn refuse_held_card(ctx: &mut Ctx, id: MemberId, card: &str) -> AppResult<()> {
    let card = codec::live_indexes(ctx.keyring, ctx.conn, "party_card_number", card)?;
    refuse_holder(ctx, (&[], &card), Some(id))
}

/// 409 when a member other than `except` holds one of these indexes.
fn refuse_holder(
    ctx: &mut Ctx,
    (personal, card): (&[Vec<u8>], &[Vec<u8>]),
    except: Option<MemberId>,
) -> AppResult<()> {
    let Some(existing) = repo::holder_of(ctx.conn, (personal, card), except)? else {
        return Ok(());
    };
    // as for profiles: the address even outside the caller's scope, since
    // the caller already holds the number
    Err(AppError::Duplicate {
        detail: "this person already has a party member record (same personal code or card)".into(),
        existing: format!("/api/v1/party-members/{existing}"),
    })
}

/// A member as they stood on `as_of` (today by default); 404 when unseen
/// or not a member on that date.
pub fn read(ctx: &mut Ctx, id: MemberId, as_of: Option<NaiveDate>) -> AppResult<MemberView> {
    let row = repo::find(ctx.conn, id)?.ok_or_else(member_not_found)?;
    view_on(ctx, &row, as_of.unwrap_or(ctx.today))
}

pub(super) fn view_on(ctx: &mut Ctx, row: &MemberRow, date: NaiveDate) -> AppResult<MemberView> {
    let period = repo::period_on(ctx.conn, row.id, date)?.ok_or(AppError::NotFound {
        entity: "party member on that date",
    })?;
    let more = Arrangements {
        attending: repo::attendance_on(ctx.conn, row.id, date)?.map(|(_, a)| a),
        exemption: repo::exemption_on(ctx.conn, row.id, date)?,
    };
    let numbers = codec::open(ctx.keyring, ctx.conn, row)?;
    Ok(MemberView::new(row, numbers, (date, &period), more))
}

/// A member's decisions in date order.
pub fn events(ctx: &mut Ctx, id: MemberId) -> AppResult<Vec<MemberEvent>> {
    repo::find(ctx.conn, id)?.ok_or_else(member_not_found)?;
    Ok(repo::events_of(ctx.conn, id)?)
}

/// A page of the members the caller may see that `search` asks for.
pub fn search(ctx: &mut Ctx, mut search: MemberSearch) -> AppResult<Page<MemberSummary>> {
    if let Some(unit) = search.unit {
        let unit = visible_unit(ctx, unit).map_err(|_| {
            AppError::invalid("party_organization_id", "no such party organization")
        })?;
        search.under = Some(unit.path);
    }
    let rows = repo::search(ctx.conn, &search)?;
    let (items, next_cursor) = pagination::finish(rows, search.limit, |m| {
        NameKey(m.name_folded.clone(), m.id.0)
    });
    Ok(Page { items, next_cursor })
}

/// Members holding exactly this party card or identity number (blind
/// index); audited, since the caller names a number.
pub fn lookup(ctx: &mut Ctx, lookup: Lookup) -> AppResult<Vec<MemberSummary>> {
    let indexes = codec::live_indexes(ctx.keyring, ctx.conn, lookup.column, &lookup.value)?;
    let rows = repo::by_index(ctx.conn, lookup.column, &indexes)?;
    let items: Vec<MemberSummary> = rows.iter().map(MemberSummary::from).collect();
    let event = ctx.event(
        "party_member.lookup",
        "party_member",
        None,
        None,
        vec![lookup.column.to_owned()],
    );
    ctx.audit(&event)?;
    Ok(items)
}

/// The party side of a profile, when the caller holds a party grant and
/// row-level security lets them see the member.
pub fn profile_membership(
    ctx: &mut Ctx,
    official: OfficialId,
) -> AppResult<Option<ProfileMembership>> {
    if !ctx.sees_party_data() {
        return Ok(None);
    }
    Ok(repo::of_profile(ctx.conn, official)?)
}
