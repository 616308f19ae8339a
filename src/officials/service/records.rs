//! A profile's histories (career, salary, training, evaluations, rewards,
//! discipline, property, income) and its change log.

use super::{check_version, editable, readable, record_change, revealable, salary, still_active};
use crate::catalogs;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, RecordId};
use crate::officials::model::{Change, Profile, RecordInput, RecordKind, RecordRow};
use crate::officials::records::checked;
use crate::officials::repo;
use crate::officials::salary::SalaryEntry;
use crate::officials::view::RecordView;

/// The table and column named in a sealed record's associated data.
const SEALED: (&str, &str) = ("official_records", "sealed");

/// Stored details: in the clear, or sealed for discipline, property and
/// income (items 60 to 62).
type Details = (Option<serde_json::Value>, Option<Vec<u8>>);

fn seal_details(
    ctx: &mut Ctx,
    kind: RecordKind,
    id: RecordId,
    data: serde_json::Value,
) -> AppResult<Details> {
    if !kind.is_sealed() {
        return Ok((Some(data), None));
    }
    let sealer = ctx.keyring.sealer(ctx.conn)?;
    let sealed = sealer.seal_str(SEALED.0, SEALED.1, id.into(), &data.to_string())?;
    Ok((None, Some(sealed)))
}

/// The entry as a read without reveal shows it: the details of a sealed
/// kind withheld, never opened.
fn shown(row: RecordRow) -> RecordView {
    if row.kind.is_sealed() {
        return RecordView::withheld(row);
    }
    let data = row.data.clone().unwrap_or_default();
    RecordView::new(row, data)
}

/// The entry with its sealed details opened.
fn opened(ctx: &mut Ctx, row: RecordRow) -> AppResult<RecordView> {
    let data = match (&row.data, &row.sealed) {
        (Some(data), _) => data.clone(),
        (None, Some(sealed)) => {
            let (table, column) = SEALED;
            let text = ctx
                .keyring
                .open_string(ctx.conn, table, column, row.id.into(), sealed)?;
            serde_json::from_str(&text)
                .map_err(|e| AppError::Internal(format!("sealed record unreadable: {e}")))?
        }
        (None, None) => serde_json::Value::Null,
    };
    Ok(RecordView::new(row, data))
}

/// Writes a new entry whose details are already checked.
pub(super) fn insert_record(
    ctx: &mut Ctx,
    official: OfficialId,
    input: RecordInput,
) -> AppResult<RecordRow> {
    let id = RecordId::new_random();
    let (data, sealed) = seal_details(ctx, input.kind, id, input.data)?;
    let row = RecordRow {
        id,
        official_id: official,
        kind: input.kind,
        from_date: input.from_date,
        to_date: input.to_date,
        data,
        sealed,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    };
    repo::insert_record(ctx.conn, &row)?;
    Ok(row)
}

fn check_period(input: &RecordInput) -> AppResult<()> {
    match (input.from_date, input.to_date) {
        (Some(f), Some(t)) if t < f => {
            Err(AppError::invalid("to_date", "must not be before from_date"))
        }
        _ => Ok(()),
    }
}

/// The codes the details hold are in their catalogs, on adding and on
/// replacing alike.
fn check_codes(ctx: &mut Ctx, kind: RecordKind, data: &serde_json::Value) -> AppResult<()> {
    match kind {
        RecordKind::Evaluation => check_evaluation(ctx, data),
        RecordKind::Salary => {
            let entry: SalaryEntry = serde_json::from_value(data.clone())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            salary::check_entry(ctx, &entry, "data.").map(drop)
        }
        other => {
            let items: Vec<catalogs::Coded<'_>> = coded_details(other)
                .iter()
                .filter_map(|(key, catalog)| {
                    let code = data[*key].as_str()?;
                    Some((*catalog, code, format!("data.{key}")))
                })
                .collect();
            catalogs::check_all(ctx.conn, &items)
        }
    }
}

/// The coded details of a kind: (key, catalog).
fn coded_details(kind: RecordKind) -> &'static [(&'static str, &'static str)] {
    match kind {
        RecordKind::Allowance => &[("allowance_type_code", "allowance_type")],
        RecordKind::Reward => &[("form_code", "reward_form")],
        RecordKind::Discipline => &[("form_code", "discipline_form")],
        RecordKind::Family => &[("relation_code", "family_relation")],
        RecordKind::MassOrganization => &[("organization_code", "mass_organization")],
        _ => &[],
    }
}

/// The result is in the catalog, on the scale in force for that year
/// (Decree 56/2015's until 2019, Decree 90/2020's from 2020).
fn check_evaluation(ctx: &mut Ctx, data: &serde_json::Value) -> AppResult<()> {
    let code = data["result_code"].as_str();
    catalogs::check(ctx.conn, "evaluation_result", code, "data.result_code")?;
    let details = catalogs::details(ctx.conn, "evaluation_result", code.unwrap_or_default())?
        .unwrap_or_default();
    let year = data["year"].as_i64().unwrap_or_default();
    let from = details["from_year"].as_i64().unwrap_or(i64::MIN);
    let until = details["to_year"].as_i64().unwrap_or(i64::MAX);
    if (from..=until).contains(&year) {
        return Ok(());
    }
    Err(AppError::invalid(
        "data.result_code",
        format!("was not a result on the scale in force in {year}"),
    ))
}

/// A salary record written: an open one closes the one open before it, and
/// the profile's current salary follows the history.
fn follow_salary(ctx: &mut Ctx, mut profile: Profile, record: &RecordRow) -> AppResult<()> {
    if record.kind != RecordKind::Salary {
        return Ok(());
    }
    if record.to_date.is_none() {
        salary::close_before(
            ctx,
            record.official_id,
            (record.from_date, record.id),
            "from_date",
        )?;
    }
    salary::follow_records(ctx, &mut profile)
}

/// How the history and the audit log name the entries of this kind.
fn field(kind: RecordKind) -> String {
    format!("records.{kind}")
}

/// What the history and the audit log say an entry of this kind changed.
fn changed(kind: RecordKind) -> Vec<String> {
    vec![field(kind)]
}

pub fn add_record(
    ctx: &mut Ctx,
    official: OfficialId,
    input: RecordInput,
) -> AppResult<RecordView> {
    let found = editable(ctx, official)?;
    still_active(&found.profile)?;
    check_period(&input)?;
    let data = checked(input.kind, &input.data)?;
    check_codes(ctx, input.kind, &data)?;
    let kind = input.kind;
    let record = insert_record(ctx, official, RecordInput { data, ..input })?;
    record_change(ctx, official, &format!("{kind}_added"), changed(kind))?;
    follow_salary(ctx, found.profile.clone(), &record)?;
    let view = shown(record);
    found
        .subject()
        .audit(ctx, "official.record_add", changed(kind))?;
    Ok(view)
}

pub fn update_record(
    ctx: &mut Ctx,
    (official, id): (OfficialId, RecordId),
    expected: i32,
    input: RecordInput,
) -> AppResult<RecordView> {
    let found = editable(ctx, official)?;
    still_active(&found.profile)?;
    let mut record = repo::record_for_update(ctx.conn, official, id)?
        .ok_or(AppError::NotFound { entity: "record" })?;
    check_version(expected, record.version)?;
    if record.kind != input.kind {
        return Err(AppError::invalid(
            "kind",
            format!("a {} record stays a {} record", record.kind, record.kind),
        ));
    }
    check_period(&input)?;
    let data = checked(input.kind, &input.data)?;
    check_codes(ctx, input.kind, &data)?;
    (record.data, record.sealed) = seal_details(ctx, input.kind, id, data)?;
    record.from_date = input.from_date;
    record.to_date = input.to_date;
    record.version += 1;
    record.updated_at = ctx.now;
    repo::save_record(ctx.conn, &record)?;
    let kind = input.kind;
    record_change(ctx, official, &format!("{kind}_updated"), changed(kind))?;
    follow_salary(ctx, found.profile.clone(), &record)?;
    let view = shown(record);
    found
        .subject()
        .audit(ctx, "official.record_update", changed(kind))?;
    Ok(view)
}

/// The profile's entries (of one kind), sealed details withheld.
pub fn list_records(
    ctx: &mut Ctx,
    official: OfficialId,
    kind: Option<RecordKind>,
) -> AppResult<Vec<RecordView>> {
    readable(ctx, official)?;
    let rows = repo::records(ctx.conn, official, kind)?;
    Ok(rows.into_iter().map(shown).collect())
}

/// The profile's entries (of one kind) with their sealed details opened,
/// for those who may edit it; audited, naming the sealed kinds shown.
pub fn reveal_records(
    ctx: &mut Ctx,
    official: OfficialId,
    kind: Option<RecordKind>,
) -> AppResult<Vec<RecordView>> {
    let found = revealable(ctx, official)?;
    let rows = repo::records(ctx.conn, official, kind)?;
    let mut fields: Vec<String> = rows
        .iter()
        .filter(|r| r.kind.is_sealed())
        .map(|r| field(r.kind))
        .collect();
    fields.dedup(); // the rows come grouped by kind
    let views = rows
        .into_iter()
        .map(|row| opened(ctx, row))
        .collect::<AppResult<Vec<_>>>()?;
    found.subject().audit(ctx, "official.reveal", fields)?;
    Ok(views)
}

pub fn changes(ctx: &mut Ctx, official: OfficialId) -> AppResult<Vec<Change>> {
    readable(ctx, official)?;
    Ok(repo::changes(ctx.conn, official)?)
}
