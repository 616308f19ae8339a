//! Rules for profiles: who may see and change them, what makes them valid,
//! one profile per person, histories, and search.

use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, QueryResult};
use serde::Deserialize;
use uuid::Uuid;

use super::codec::{self, TABLE};
use super::model::{
    Change, NewChange, OfficialRow, OfficialSummary, OfficialView, Profile, ProfileData,
    ProfileStatus, RecordInput, RecordKind, RecordRow, RecordView,
};
use super::records;
use super::repo::{self, IndexColumn, Search};
use crate::catalogs;
use crate::context::Scope;
use crate::crypto::Keyring;
use crate::error::{AppError, AppResult};
use crate::pagination::{self, Limit, NameKey, Page};
use crate::validation::{parse, validated};

/// Who acts, for the change history.
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub name: String,
}

fn not_found() -> AppError {
    AppError::NotFound { entity: "official" }
}

fn org_path(conn: &mut PgConnection, id: Uuid) -> AppResult<Option<crate::db::ltree::TreePath>> {
    Ok(crate::org::repo::find(conn, id.into())?.map(|o| o.path))
}

/// The profile, if the caller may read its managing or its using organization.
fn readable(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<Profile> {
    let (row, paths) = repo::find_placed(conn, id)?.ok_or_else(not_found)?;
    if paths.iter().any(|path| scope.can_read(path)) {
        Ok(row)
    } else {
        Err(not_found())
    }
}

/// The profile locked for change, if the caller may write its managing organization.
fn editable(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<Profile> {
    readable(conn, scope, id)?;
    let row = repo::find_for_update(conn, id)?.ok_or_else(not_found)?;
    let path = org_path(conn, row.managing_organization_id)?.ok_or_else(not_found)?;
    scope.require_write(&path, "this profile (it is managed elsewhere)")?;
    Ok(row)
}

fn years_before(date: NaiveDate, years: u32) -> NaiveDate {
    date.checked_sub_months(Months::new(12 * years))
        .unwrap_or(date)
}

fn age_on(birth: NaiveDate, on: NaiveDate) -> i32 {
    let mut age = on.year() - birth.year();
    if (on.month(), on.day()) < (birth.month(), birth.day()) {
        age -= 1;
    }
    age
}

/// Dates in order, a working age, a coefficient with two decimals, known
/// codes, and organizations the caller may use.
fn check_rules(
    conn: &mut PgConnection,
    scope: &Scope,
    data: &ProfileData,
    today: NaiveDate,
) -> AppResult<()> {
    validated(data)?;
    let mut errors = Vec::new();
    let mut fail =
        |field: &str, message: &str| errors.push(crate::error::FieldError::new(field, message));
    let age = age_on(data.birth_date, today);
    if !(18..=100).contains(&age) {
        fail(
            "birth_date",
            "must make a working age: 18 to 100 years old today",
        );
    }
    let after_birth = [
        ("identity_card_issued_on", data.identity_card_issued_on),
        ("first_recruited_on", data.first_recruited_on),
        ("joined_current_agency_on", data.joined_current_agency_on),
        ("rank_since", data.rank_since),
        ("salary_step_since", data.salary_step_since),
        ("first_appointed_on", data.first_appointed_on),
        ("reappointed_on", data.reappointed_on),
        ("academic_title_on", data.academic_title_on),
        ("degree_on", data.degree_on),
        ("party_admitted_on", data.party_admitted_on),
        ("party_official_on", data.party_official_on),
    ];
    for (field, date) in after_birth {
        match date {
            Some(d) if d <= data.birth_date => fail(field, "must be after the birth date"),
            Some(d) if d > today => fail(field, "must not be in the future"),
            _ => {}
        }
    }
    if data
        .first_recruited_on
        .is_some_and(|d| age_on(data.birth_date, d) < 16)
    {
        fail("first_recruited_on", "is before the person turned 16");
    }
    let ordered = [
        (
            "joined_current_agency_on",
            data.first_recruited_on,
            data.joined_current_agency_on,
        ),
        (
            "reappointed_on",
            data.first_appointed_on,
            data.reappointed_on,
        ),
        (
            "party_official_on",
            data.party_admitted_on,
            data.party_official_on,
        ),
    ];
    for (field, earlier, later) in ordered {
        if let (Some(a), Some(b)) = (earlier, later) {
            if b < a {
                fail(field, "must not be before the date it follows");
            }
        }
    }
    if data
        .salary_coefficient
        .is_some_and(|c| ((c * 100.0).round() - c * 100.0).abs() > 1e-6)
    {
        fail("salary_coefficient", "has at most two decimals (e.g. 4.98)");
    }
    if data.identity_card_number.is_none()
        && (data.identity_card_issued_on.is_some() || data.identity_card_issued_place.is_some())
    {
        fail(
            "identity_card_number",
            "is required with its issue date or place",
        );
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let coded = [
        ("ethnic_group", &data.ethnic_group_code, "ethnic_group_code"),
        ("religion", &data.religion_code, "religion_code"),
        ("rank", &data.rank_code, "rank_code"),
        ("position", &data.position_code, "position_code"),
        (
            "education_level",
            &data.education_level_code,
            "education_level_code",
        ),
        (
            "political_theory",
            &data.political_theory_code,
            "political_theory_code",
        ),
        (
            "state_management",
            &data.state_management_code,
            "state_management_code",
        ),
        (
            "academic_title",
            &data.academic_title_code,
            "academic_title_code",
        ),
        ("degree", &data.degree_code, "degree_code"),
    ];
    for (catalog, code, field) in coded {
        catalogs::check(conn, catalog, code.as_deref(), field)?;
    }
    for (i, language) in data.foreign_languages.iter().enumerate() {
        catalogs::check(
            conn,
            "language",
            Some(&language.language_code),
            &format!("foreign_languages[{i}].language_code"),
        )?;
    }
    let managing = org_path(conn, data.managing_organization_id)?
        .filter(|p| scope.can_read(p))
        .ok_or_else(|| AppError::invalid("managing_organization_id", "no such organization"))?;
    if !scope.can_write(&managing) {
        return Err(AppError::Forbidden(
            "you may not edit profiles managed by that organization".into(),
        ));
    }
    if org_path(conn, data.using_organization_id)?
        .filter(|p| scope.can_read(p))
        .is_none()
    {
        return Err(AppError::invalid(
            "using_organization_id",
            "no such organization",
        ));
    }
    Ok(())
}

/// Retired, deceased and archived profiles are history: no more edits.
fn still_active(row: &Profile) -> AppResult<()> {
    if row.status == ProfileStatus::Active.as_str() {
        Ok(())
    } else {
        Err(AppError::conflict(
            "profile-closed",
            format!("the profile is {}; its data is history", row.status),
        ))
    }
}

fn record_change(
    conn: &mut PgConnection,
    official: Uuid,
    actor: &Actor,
    action: &str,
    fields: Vec<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    repo::insert_change(
        conn,
        &NewChange {
            official_id: official,
            at: now,
            actor_id: actor.id,
            actor: Some(actor.name.clone()),
            action: action.to_owned(),
            fields,
        },
    )?;
    Ok(())
}

fn duplicate_check(conn: &mut PgConnection, row: &OfficialRow) -> AppResult<()> {
    let Some(index) = &row.personal_identification_index else {
        return Ok(());
    };
    match repo::holder_of_personal_index(conn, index)? {
        Some(existing) if existing != row.id => Err(AppError::Duplicate {
            detail:
                "a profile with this personal identification code exists: one person, one profile"
                    .into(),
            existing: format!("/api/v1/officials/{existing}"),
        }),
        _ => Ok(()),
    }
}

/// Writes `row` once no other profile holds its personal identification
/// code. A concurrent writer that took the code between the check and the
/// write trips the unique index; the loser then gets the same pointer as a
/// sequential duplicate would, not a bare conflict.
fn write_unique(
    conn: &mut PgConnection,
    row: &Profile,
    write: fn(&mut PgConnection, &Profile) -> QueryResult<()>,
) -> AppResult<()> {
    duplicate_check(conn, row)?;
    // a savepoint, so the transaction is still usable for the second look
    match conn.transaction(|conn| write(conn, row)) {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
            if info.constraint_name() == Some(PERSONAL_CODE_CONSTRAINT) =>
        {
            duplicate_check(conn, row)?;
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info).into())
        }
        written => Ok(written?),
    }
}

const PERSONAL_CODE_CONSTRAINT: &str = "officials_personal_identification_index_key";

pub fn view(
    keyring: &Keyring,
    conn: &mut PgConnection,
    row: &Profile,
    reveal: bool,
) -> AppResult<OfficialView> {
    let data = codec::to_data(keyring, conn, row)?;
    Ok(OfficialView {
        id: row.id,
        party_member: data.party_admitted_on.is_some(),
        data: if reveal { data } else { codec::masked(data) },
        status: row.status.clone(),
        retired_on: row.retired_on,
        died_on: row.died_on,
        archived_at: row.archived_at,
        revealed: reveal,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

pub fn create(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    data: ProfileData,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<OfficialView> {
    check_rules(conn, scope, &data, today)?;
    let sealer = keyring.sealer(conn)?;
    let row = codec::to_row(keyring, &sealer, Uuid::new_v4(), &data, None, now)?;
    write_unique(conn, &row, repo::insert)?;
    record_change(conn, row.id, actor, "created", Vec::new(), now)?;
    view(keyring, conn, &row, false)
}

pub fn get(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    id: Uuid,
    reveal: bool,
) -> AppResult<OfficialView> {
    let row = readable(conn, scope, id)?;
    view(keyring, conn, &row, reveal)
}

/// Merges `patch` (absent keys stay, `null` clears) into the profile.
#[expect(
    clippy::too_many_arguments,
    reason = "keys, scope, who, which version, what and when"
)]
pub fn update(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    version: i32,
    patch: serde_json::Map<String, serde_json::Value>,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<(OfficialView, Vec<String>)> {
    let row = editable(conn, scope, id)?;
    if row.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: row.version,
        });
    }
    if row.status != ProfileStatus::Active.as_str() {
        return Err(AppError::conflict(
            "profile-closed",
            format!("the profile is {}; its data is history", row.status),
        ));
    }
    let current = codec::to_data(keyring, conn, &row)?;
    let mut merged =
        serde_json::to_value(&current).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut fields = Vec::new();
    if let Some(object) = merged.as_object_mut() {
        for (key, value) in patch {
            if object.get(&key) != Some(&value) {
                fields.push(key.clone());
            }
            object.insert(key, value);
        }
    }
    let data: ProfileData = serde_path_to_error::deserialize(merged).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." {
            message.split('`').nth(1).unwrap_or("$").to_owned()
        } else {
            path
        };
        AppError::invalid(field, message)
    })?;
    check_rules(conn, scope, &data, today)?;
    if fields.is_empty() {
        return Ok((view(keyring, conn, &row, false)?, fields));
    }
    let sealer = keyring.sealer(conn)?;
    let updated = codec::to_row(keyring, &sealer, id, &data, Some(&row), now)?;
    write_unique(conn, &updated, repo::save)?;
    record_change(conn, id, actor, "updated", fields.clone(), now)?;
    Ok((view(keyring, conn, &updated, false)?, fields))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TransferRequest {
    pub managing_organization_id: Uuid,
    pub using_organization_id: Option<Uuid>,
    pub effective_date: NaiveDate,
    pub decision_number: String,
    /// The position held in the new organization.
    pub position: String,
}

/// Moves the profile to another organization; the career history closes the
/// old posting and opens the new one.
#[expect(
    clippy::too_many_arguments,
    reason = "keys, scope, who, which version, what and when"
)]
pub fn transfer(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    version: i32,
    request: TransferRequest,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<OfficialView> {
    if request.decision_number.trim().is_empty() || request.decision_number.len() > 200 {
        return Err(AppError::invalid(
            "decision_number",
            "is required (at most 200 characters)",
        ));
    }
    if request.position.trim().is_empty() || request.position.len() > 300 {
        return Err(AppError::invalid(
            "position",
            "is required (at most 300 characters)",
        ));
    }
    let mut patch = serde_json::Map::new();
    patch.insert(
        "managing_organization_id".into(),
        serde_json::json!(request.managing_organization_id),
    );
    patch.insert(
        "using_organization_id".into(),
        serde_json::json!(request
            .using_organization_id
            .unwrap_or(request.managing_organization_id)),
    );
    patch.insert(
        "joined_current_agency_on".into(),
        serde_json::json!(request.effective_date),
    );
    patch.insert("job_position".into(), serde_json::json!(request.position));
    if let Some(mut open) = repo::open_career(conn, id)? {
        if open
            .from_date
            .is_some_and(|from| from > request.effective_date)
        {
            return Err(AppError::invalid(
                "effective_date",
                "is before the current posting began",
            ));
        }
        open.to_date = Some(request.effective_date);
        open.version += 1;
        open.updated_at = now;
        repo::save_record(conn, &open)?;
    }
    let (view, _) = update(conn, keyring, scope, actor, id, version, patch, today, now)?;
    let organization = crate::org::service::get(conn, request.managing_organization_id.into())?;
    let data = records::career(
        organization.id.into(),
        &organization.name,
        &request.position,
        &request.decision_number,
    );
    insert_record(
        conn,
        keyring,
        id,
        RecordKind::Career,
        Some(request.effective_date),
        None,
        data,
        now,
    )?;
    record_change(
        conn,
        id,
        actor,
        "transferred",
        vec![
            "managing_organization_id".into(),
            "using_organization_id".into(),
        ],
        now,
    )?;
    Ok(view)
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum LifeEvent {
    Retire,
    Death,
    Archive,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LifeEventRequest {
    /// The day it took effect (retirement, death); today for archiving when absent.
    pub effective_date: Option<NaiveDate>,
}

/// Retirement, death and archiving end active life; nothing is deleted.
#[expect(
    clippy::too_many_arguments,
    reason = "keys, scope, who, which version, what and when"
)]
pub fn life_event(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    id: Uuid,
    version: i32,
    event: LifeEvent,
    request: LifeEventRequest,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> AppResult<OfficialView> {
    let mut row = editable(conn, scope, id)?;
    if row.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: row.version,
        });
    }
    let on = request.effective_date.unwrap_or(today);
    if on <= row.birth_date || on > today {
        return Err(AppError::invalid(
            "effective_date",
            "must be after the birth date and not in the future",
        ));
    }
    let (allowed, status, field): (&[&str], ProfileStatus, &str) = match event {
        LifeEvent::Retire => (&["active"], ProfileStatus::Retired, "retired_on"),
        LifeEvent::Death => (&["active", "retired"], ProfileStatus::Deceased, "died_on"),
        LifeEvent::Archive => (
            &["active", "retired", "deceased"],
            ProfileStatus::Archived,
            "archived_at",
        ),
    };
    if !allowed.contains(&row.status.as_str()) {
        return Err(AppError::conflict(
            "profile-closed",
            format!("the profile is already {}", row.status),
        ));
    }
    match event {
        LifeEvent::Retire => row.retired_on = Some(on),
        LifeEvent::Death => row.died_on = Some(on),
        LifeEvent::Archive => row.archived_at = Some(now),
    }
    row.status = status.as_str().to_owned();
    row.version += 1;
    row.updated_at = now;
    repo::save(conn, &row)?;
    record_change(
        conn,
        id,
        actor,
        status.as_str(),
        vec!["status".into(), field.into()],
        now,
    )?;
    view(keyring, conn, &row, false)
}

#[expect(
    clippy::too_many_arguments,
    reason = "a record row has this many facts"
)]
fn insert_record(
    conn: &mut PgConnection,
    keyring: &Keyring,
    official: Uuid,
    kind: RecordKind,
    from_date: Option<NaiveDate>,
    to_date: Option<NaiveDate>,
    data: serde_json::Value,
    now: DateTime<Utc>,
) -> AppResult<RecordRow> {
    let id = Uuid::new_v4();
    let (plain, sealed) = seal_record(conn, keyring, kind, id, data)?;
    let row = RecordRow {
        id,
        official_id: official,
        kind: kind.as_str().to_owned(),
        from_date,
        to_date,
        data: plain,
        sealed,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    repo::insert_record(conn, &row)?;
    Ok(row)
}

fn seal_record(
    conn: &mut PgConnection,
    keyring: &Keyring,
    kind: RecordKind,
    id: Uuid,
    data: serde_json::Value,
) -> AppResult<(Option<serde_json::Value>, Option<Vec<u8>>)> {
    if kind.is_sealed() {
        let sealer = keyring.sealer(conn)?;
        let text = data.to_string();
        Ok((
            None,
            Some(sealer.seal_str("official_records", "sealed", id, &text)?),
        ))
    } else {
        Ok((Some(data), None))
    }
}

fn record_view(
    conn: &mut PgConnection,
    keyring: &Keyring,
    row: RecordRow,
) -> AppResult<RecordView> {
    let data = match (&row.data, &row.sealed) {
        (Some(data), _) => data.clone(),
        (None, Some(sealed)) => {
            let text = keyring.open_string(conn, "official_records", "sealed", row.id, sealed)?;
            serde_json::from_str(&text)
                .map_err(|e| AppError::Internal(format!("sealed record unreadable: {e}")))?
        }
        (None, None) => serde_json::Value::Null,
    };
    Ok(RecordView {
        id: row.id,
        kind: row.kind,
        from_date: row.from_date,
        to_date: row.to_date,
        data,
        version: row.version,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

fn check_period(from: Option<NaiveDate>, to: Option<NaiveDate>) -> AppResult<()> {
    match (from, to) {
        (Some(f), Some(t)) if t < f => {
            Err(AppError::invalid("to_date", "must not be before from_date"))
        }
        _ => Ok(()),
    }
}

pub fn add_record(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    official: Uuid,
    input: RecordInput,
    now: DateTime<Utc>,
) -> AppResult<RecordView> {
    let row = editable(conn, scope, official)?;
    still_active(&row)?;
    check_period(input.from_date, input.to_date)?;
    let data = records::checked(input.kind, &input.data)?;
    if input.kind == RecordKind::Evaluation {
        let code = data["result_code"].as_str();
        catalogs::check(conn, "evaluation_result", code, "data.result_code")?;
    }
    let record = insert_record(
        conn,
        keyring,
        row.id,
        input.kind,
        input.from_date,
        input.to_date,
        data,
        now,
    )?;
    record_change(
        conn,
        official,
        actor,
        &format!("{}_added", input.kind),
        vec![format!("records.{}", input.kind)],
        now,
    )?;
    record_view(conn, keyring, record)
}

#[expect(
    clippy::too_many_arguments,
    reason = "keys, scope, who, which record, which version, what and when"
)]
pub fn update_record(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    actor: &Actor,
    official: Uuid,
    id: Uuid,
    version: i32,
    input: RecordInput,
    now: DateTime<Utc>,
) -> AppResult<RecordView> {
    still_active(&editable(conn, scope, official)?)?;
    let mut record = repo::record_for_update(conn, official, id)?
        .ok_or(AppError::NotFound { entity: "record" })?;
    if record.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: record.version,
        });
    }
    if record.kind != input.kind.as_str() {
        return Err(AppError::invalid(
            "kind",
            format!("a {} record stays a {} record", record.kind, record.kind),
        ));
    }
    check_period(input.from_date, input.to_date)?;
    let data = records::checked(input.kind, &input.data)?;
    let (plain, sealed) = seal_record(conn, keyring, input.kind, id, data)?;
    record.from_date = input.from_date;
    record.to_date = input.to_date;
    record.data = plain;
    record.sealed = sealed;
    record.version += 1;
    record.updated_at = now;
    repo::save_record(conn, &record)?;
    record_change(
        conn,
        official,
        actor,
        &format!("{}_updated", input.kind),
        vec![format!("records.{}", input.kind)],
        now,
    )?;
    record_view(conn, keyring, record)
}

pub fn list_records(
    conn: &mut PgConnection,
    keyring: &Keyring,
    scope: &Scope,
    official: Uuid,
    kind: Option<&str>,
) -> AppResult<Vec<RecordView>> {
    readable(conn, scope, official)?;
    if let Some(kind) = kind {
        RecordKind::parse(kind)
            .ok_or_else(|| AppError::invalid("kind", "is not a kind of record"))?;
    }
    repo::records(conn, official, kind)?
        .into_iter()
        .map(|r| record_view(conn, keyring, r))
        .collect()
}

pub fn changes(conn: &mut PgConnection, scope: &Scope, official: Uuid) -> AppResult<Vec<Change>> {
    readable(conn, scope, official)?;
    Ok(repo::changes(conn, official)?)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LookupRequest {
    pub identity_card_number: Option<String>,
    pub personal_identification_code: Option<String>,
    pub social_insurance_number: Option<String>,
}

/// Exact lookup by an identity number, through its blind index.
pub fn lookup(
    conn: &mut PgConnection,
    keyring: &Keyring,
    request: &LookupRequest,
) -> AppResult<Vec<OfficialSummary>> {
    let (column, name, value, whole) = match (&request.identity_card_number, &request.personal_identification_code, &request.social_insurance_number) {
        (Some(v), None, None) => (IndexColumn::IdentityCard, "identity_card_number", v, false),
        (None, Some(v), None) => (IndexColumn::PersonalIdentification, "personal_identification_code", v, true),
        (None, None, Some(v)) => (IndexColumn::SocialInsurance, "social_insurance_number", v, false),
        _ => return Err(AppError::invalid("$", "give exactly one of identity_card_number, personal_identification_code, social_insurance_number")),
    };
    let normalized = crate::crypto::normalize_identifier(value);
    if normalized.is_empty() || normalized.len() > 20 {
        return Err(AppError::invalid(name, "must be 1 to 20 letters or digits"));
    }
    let index = keyring.blind_index(TABLE, name, &normalized, whole);
    let rows = repo::by_index(conn, column, &index)?;
    Ok(rows.iter().map(OfficialSummary::from).collect())
}

#[derive(Debug, Default, Deserialize)]
pub struct SearchQuery {
    pub q: Option<String>,
    pub organization_id: Option<String>,
    pub include_subtree: Option<String>,
    pub classification: Option<String>,
    pub rank_code: Option<String>,
    pub position_code: Option<String>,
    pub degree_code: Option<String>,
    pub political_theory_code: Option<String>,
    pub ethnic_group_code: Option<String>,
    pub sex: Option<String>,
    pub age_min: Option<String>,
    pub age_max: Option<String>,
    pub party_member: Option<String>,
    pub status: Option<String>,
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

fn code_filter(field: &str, raw: &Option<String>) -> AppResult<Option<String>> {
    match raw {
        Some(text) if text.is_empty() || text.len() > 40 || text.contains('\0') => {
            Err(AppError::invalid(field, "must be a catalog code"))
        }
        other => Ok(other.clone()),
    }
}

fn word_filter(field: &str, raw: &Option<String>, allowed: &[&str]) -> AppResult<Option<String>> {
    match raw.as_deref() {
        Some(text) if !allowed.contains(&text) => Err(AppError::invalid(
            field,
            format!("must be one of: {}", allowed.join(", ")),
        )),
        other => Ok(other.map(str::to_owned)),
    }
}

/// Search as officials use it, sorted by name, a page at a time.
pub fn search(
    conn: &mut PgConnection,
    scope: &Scope,
    query: &SearchQuery,
    today: NaiveDate,
) -> AppResult<Page<OfficialSummary>> {
    let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
    if query
        .q
        .as_deref()
        .is_some_and(|q| q.contains('\0') || q.chars().count() > 200)
    {
        return Err(AppError::invalid(
            "q",
            "must be at most 200 characters, without NUL",
        ));
    }
    let organization = match parse::<Uuid>(
        "organization_id",
        &query.organization_id,
        "an organization id",
    )? {
        Some(id) => {
            let org = crate::org::service::visible_in(conn, scope, id.into())
                .map_err(|_| AppError::invalid("organization_id", "no such organization"))?;
            let subtree =
                parse::<bool>("include_subtree", &query.include_subtree, "true or false")?
                    .unwrap_or(true);
            Some((id, org.path, subtree))
        }
        None => None,
    };
    let age_min = parse::<u32>("age_min", &query.age_min, "a whole number of years")?;
    let age_max = parse::<u32>("age_max", &query.age_max, "a whole number of years")?;
    for (field, age) in [("age_min", age_min), ("age_max", age_max)] {
        if age.is_some_and(|a| a > 120) {
            return Err(AppError::invalid(field, "must be at most 120"));
        }
    }
    if let (Some(min), Some(max)) = (age_min, age_max) {
        if min > max {
            return Err(AppError::invalid("age_min", "must not exceed age_max"));
        }
    }
    let search = Search {
        name_words: query
            .q
            .as_deref()
            .map(crate::text::fold)
            .unwrap_or_default()
            .split(' ')
            .filter(|w| !w.is_empty())
            .map(str::to_owned)
            .collect(),
        organization,
        classification: word_filter(
            "classification",
            &query.classification,
            &["cadre", "civil_servant", "public_employee"],
        )?,
        rank_code: code_filter("rank_code", &query.rank_code)?,
        position_code: code_filter("position_code", &query.position_code)?,
        degree_code: code_filter("degree_code", &query.degree_code)?,
        political_theory_code: code_filter("political_theory_code", &query.political_theory_code)?,
        ethnic_group_code: code_filter("ethnic_group_code", &query.ethnic_group_code)?,
        sex: word_filter("sex", &query.sex, &["male", "female"])?,
        // age in [min, max]: born after (today - max - 1 years), on or before (today - min years)
        born_on_or_after: age_max.map(|a| years_before(today, a + 1) + chrono::Days::new(1)),
        born_on_or_before: age_min.map(|a| years_before(today, a)),
        party_member: parse::<bool>("party_member", &query.party_member, "true or false")?,
        status: Some(
            word_filter(
                "status",
                &query.status,
                &["active", "retired", "deceased", "archived"],
            )?
            .unwrap_or_else(|| "active".to_owned()),
        ),
        roots: scope.read_roots(),
        scan: repo::ScanOrder::ByScopeSize,
        after: query
            .cursor
            .as_deref()
            .map(pagination::decode::<NameKey>)
            .transpose()?,
        limit: limit.probe(),
    };
    let rows = repo::search(conn, &search)?;
    let (rows, next_cursor) =
        pagination::finish(rows, limit, |r| NameKey(r.name_folded.clone(), r.id));
    Ok(Page {
        items: rows.iter().map(OfficialSummary::from).collect(),
        next_cursor,
    })
}
