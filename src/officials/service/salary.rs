//! The current salary follows the salary history: the open salary record
//! that began last is the profile's rank or leadership table, step,
//! coefficient and date, and the next raise is derived from it. A salary
//! stated on the profile is written to the history first.

use chrono::{Days, NaiveDate};

use super::record_change;
use crate::catalogs;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, RecordId};
use crate::officials::model::{Profile, ProfileData, RecordKind, RecordRow};
use crate::officials::repo;
use crate::officials::salary::{hundredths, SalaryEntry, Scale};

/// The table a salary entry is on: (catalog, code, field).
fn table(entry: &SalaryEntry) -> Option<(&'static str, &str, &'static str)> {
    match (&entry.rank_code, &entry.leadership_salary_code) {
        (Some(rank), None) => Some(("rank", rank, "rank_code")),
        (None, Some(code)) => Some(("leadership_salary", code, "leadership_salary_code")),
        _ => None,
    }
}

/// The scale of a rank (through its salary_scale) or a leadership table.
fn scale_of(ctx: &mut Ctx, catalog: &str, code: &str) -> AppResult<Option<Scale>> {
    let Some(details) = catalogs::details_in(ctx, catalog, code)? else {
        return Ok(None);
    };
    let details = match (catalog, details["salary_scale"].as_str()) {
        ("rank", Some(scale)) => catalogs::details_in(ctx, "salary_scale", scale)?,
        ("rank", None) => None,
        _ => Some(details),
    };
    Ok(details.and_then(|d| serde_json::from_value(d).ok()))
}

/// The entry's code is in its catalog and its coefficient is the one its
/// table gives the step; faults name the field under `prefix`.
pub(super) fn check_entry(
    ctx: &mut Ctx,
    entry: &SalaryEntry,
    prefix: &str,
) -> AppResult<Option<Scale>> {
    let Some((catalog, code, field)) = table(entry) else {
        return Err(AppError::invalid(
            format!("{prefix}rank_code"),
            "give exactly one of rank_code and leadership_salary_code",
        ));
    };
    catalogs::check_in(ctx, catalog, Some(code), &format!("{prefix}{field}"))?;
    let scale = scale_of(ctx, catalog, code)?;
    if let Some(scale) = &scale {
        match scale.coefficient(entry.salary_step) {
            None => {
                return Err(AppError::invalid(
                    format!("{prefix}salary_step"),
                    format!("the {code} table has {} steps", scale.coefficients.len()),
                ))
            }
            Some(c) if hundredths(c) != hundredths(entry.salary_coefficient) => {
                return Err(AppError::invalid(
                    format!("{prefix}salary_coefficient"),
                    format!("step {} of the {code} table is {c:.2}", entry.salary_step),
                ))
            }
            Some(_) => {}
        }
    }
    Ok(scale)
}

/// The current salary a profile states, as a history entry would.
pub(super) fn stated(data: &ProfileData) -> Option<SalaryEntry> {
    let (step, coefficient) = (data.salary_step?, data.salary_coefficient?);
    let (rank_code, leadership_salary_code) = match &data.leadership_salary_code {
        Some(code) => (None, Some(code.clone())),
        None => (Some(data.rank_code.clone()?), None),
    };
    Some(SalaryEntry {
        rank_code,
        leadership_salary_code,
        salary_step: step,
        salary_coefficient: coefficient,
        percent: None,
        decision_number: None,
        early_raise: None,
        extension_months: None,
    })
}

fn entry_of(record: &RecordRow) -> Option<SalaryEntry> {
    serde_json::from_value(record.data.clone()?).ok()
}

/// The open salary record that began last, other than `except`.
fn current(
    ctx: &mut Ctx,
    official: OfficialId,
    except: Option<RecordId>,
) -> AppResult<Option<RecordRow>> {
    Ok(repo::open_records(ctx.conn, official, RecordKind::Salary)?
        .into_iter()
        .find(|r| Some(r.id) != except))
}

/// A new open salary record from `from`: the one open before it closes the
/// day before. It must have begun earlier.
pub(super) fn close_before(
    ctx: &mut Ctx,
    official: OfficialId,
    (from, id): (Option<NaiveDate>, RecordId),
    field: &str,
) -> AppResult<()> {
    let Some(open) = current(ctx, official, Some(id))? else {
        return Ok(());
    };
    let closed = closed_before(ctx, open, from, field)?;
    Ok(repo::save_record(ctx.conn, &closed)?)
}

/// `open` closed the day before a new record from `from`.
fn closed_before(
    ctx: &Ctx,
    mut open: RecordRow,
    from: Option<NaiveDate>,
    field: &str,
) -> AppResult<RecordRow> {
    let day_before = match (open.from_date, from) {
        (Some(began), Some(from)) if began < from => from - Days::new(1),
        // an undated opening salary: it ran until this one
        (None, Some(from)) => from - Days::new(1),
        (began, _) => {
            let began = began.map_or("an unknown date".to_owned(), |d| d.to_string());
            return Err(AppError::invalid(
                field,
                format!("must be after {began}, when the open salary record began (close or replace that one)"),
            ));
        }
    };
    open.to_date = Some(day_before);
    open.version += 1;
    open.updated_at = ctx.now;
    Ok(open)
}

/// What following the salary a profile states does to its history.
#[derive(Debug, Default)]
pub struct Followed {
    /// The open record it closes.
    pub closed: Option<RecordRow>,
    /// The record it opens.
    pub opened: Option<RecordRow>,
}

/// The salary `data` states, written to the history when it is not the
/// current record's (from `salary_step_since`, or today), and `profile`
/// following the history; `open` is the profile's open salary records, the
/// one that began last first. Returns what to write to the history, and
/// whether the profile's salary changed.
pub(super) fn follow(
    ctx: &mut Ctx,
    profile: &mut Profile,
    data: &ProfileData,
    mut open: Vec<RecordRow>,
) -> AppResult<(Followed, bool)> {
    let mut followed = Followed::default();
    if let Some(entry) = stated(data) {
        let current = open.first();
        let same = current.is_some_and(|o| {
            entry_of(o).is_some_and(|e| e.same_step(&entry))
                && o.from_date == data.salary_step_since
        });
        if !same {
            let from = data
                .salary_step_since
                .or(current.is_some().then_some(ctx.today));
            let row = salary_record(ctx, profile.id, from, &entry)?;
            if !open.is_empty() {
                let closed = closed_before(ctx, open.remove(0), from, "salary_step_since")?;
                followed.closed = Some(closed);
            }
            open.push(row.clone());
            open.sort_by(began_last_first);
            followed.opened = Some(row);
        }
    }
    let changed = match open.first() {
        Some(current) => !follow_record(ctx, profile, current)?.is_empty(),
        None => false,
    };
    Ok((followed, changed))
}

/// The order `repo::open_records` gives: the one that began last first.
fn began_last_first(a: &RecordRow, b: &RecordRow) -> std::cmp::Ordering {
    let began = match (a.from_date, b.from_date) {
        (Some(a), Some(b)) => b.cmp(&a),
        (a, b) => a.is_none().cmp(&b.is_none()),
    };
    began.then(b.created_at.cmp(&a.created_at))
}

/// A new open salary record stating `entry` from `from`.
fn salary_record(
    ctx: &Ctx,
    official: OfficialId,
    from: Option<NaiveDate>,
    entry: &SalaryEntry,
) -> AppResult<RecordRow> {
    Ok(RecordRow {
        id: RecordId::new_random(),
        official_id: official,
        kind: RecordKind::Salary,
        from_date: from,
        to_date: None,
        data: Some(serde_json::to_value(entry).map_err(|e| AppError::Internal(e.to_string()))?),
        sealed: None,
        version: 1,
        created_at: ctx.now,
        updated_at: ctx.now,
    })
}

/// Sets the profile's current salary from the history; the fields changed.
fn follow_history(ctx: &mut Ctx, profile: &mut Profile) -> AppResult<Vec<String>> {
    let Some(record) = current(ctx, profile.id, None)? else {
        return Ok(Vec::new());
    };
    follow_record(ctx, profile, &record)
}

/// Sets the profile's current salary from `record`, the history's current
/// one; the fields changed.
fn follow_record(
    ctx: &mut Ctx,
    profile: &mut Profile,
    record: &RecordRow,
) -> AppResult<Vec<String>> {
    let Some(entry) = entry_of(record) else {
        return Ok(Vec::new());
    };
    let next_raise_on = match (table(&entry), record.from_date) {
        (Some((catalog, code, _)), Some(from)) => scale_of(ctx, catalog, code)?
            .and_then(|scale| scale.next_raise(entry.salary_step, from, entry.extension())),
        _ => None,
    };
    let mut changed = Vec::new();
    let mut set = |field: &str, differs: bool| {
        if differs {
            changed.push(field.to_owned());
        }
    };
    let career = &mut profile.career;
    let coefficient = i16::try_from(hundredths(entry.salary_coefficient)).ok();
    set("salary_step", career.salary_step != Some(entry.salary_step));
    set(
        "salary_coefficient",
        career.salary_coefficient_hundredths != coefficient,
    );
    set(
        "salary_step_since",
        career.salary_step_since != record.from_date,
    );
    set("next_raise_on", career.next_raise_on != next_raise_on);
    set(
        "leadership_salary_code",
        career.leadership_salary_code != entry.leadership_salary_code,
    );
    career.salary_step = Some(entry.salary_step);
    career.salary_coefficient_hundredths = coefficient;
    career.salary_step_since = record.from_date;
    career.next_raise_on = next_raise_on;
    career.leadership_salary_code = entry.leadership_salary_code.clone();
    if let Some(rank) = entry.rank_code {
        set(
            "rank_code",
            profile.official.rank_code.as_ref() != Some(&rank),
        );
        profile.official.rank_code = Some(rank);
    }
    Ok(changed)
}

/// After a profile is written: the salary it states goes to the history,
/// and its current salary and next raise follow the history.
pub(super) fn follow_profile(
    ctx: &mut Ctx,
    profile: &mut Profile,
    data: &ProfileData,
) -> AppResult<()> {
    let open = repo::open_records(ctx.conn, profile.id, RecordKind::Salary)?;
    let (followed, changed) = follow(ctx, profile, data, open)?;
    if let Some(closed) = &followed.closed {
        repo::save_record(ctx.conn, closed)?;
    }
    if let Some(opened) = &followed.opened {
        repo::insert_record(ctx.conn, opened)?;
    }
    if changed {
        repo::save(ctx.conn, profile)?;
    }
    Ok(())
}

/// After a salary record is written: the profile follows the history, one
/// version on when its salary changed.
pub(super) fn follow_records(ctx: &mut Ctx, profile: &mut Profile) -> AppResult<()> {
    let fields = follow_history(ctx, profile)?;
    if fields.is_empty() {
        return Ok(());
    }
    profile.official.version += 1;
    profile.official.updated_at = ctx.now;
    repo::save(ctx.conn, profile)?;
    record_change(ctx, profile.id, "salary_followed", fields)
}
