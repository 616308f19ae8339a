//! A profile's life: created, read, revealed, changed, transferred, and
//! closed by retirement, death or archiving.

use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::{Connection, PgConnection, QueryResult};

use super::rules::check_rules;
use super::salary;
use super::Unit;
use super::{
    check_version, editable, readable, record_change, revealable, still_active, view, view_with,
    Found, Subject,
};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OfficialId;
use crate::officials::codec::{self, Keys};
use crate::officials::input::{LifeEvent, LifeEventInput, Patch, TransferRequest};
use crate::officials::model::{Profile, ProfileData, ProfileStatus, RecordInput, RecordKind};
use crate::officials::repo;
use crate::officials::view::OfficialView;

pub fn create(ctx: &mut Ctx, data: ProfileData) -> AppResult<OfficialView> {
    let keyring = ctx.keyring;
    let keys = Keys::new(keyring, ctx.conn)?;
    let prepared = prepare_create(ctx, &keys, data)?;
    let (Some(mut profile), data, managing) = (prepared.profile, prepared.data, prepared.managing)
    else {
        return Err(AppError::Internal("a new profile has rows".into()));
    };
    write_unique(ctx.conn, &profile, &prepared.indexes, repo::insert)?;
    salary::follow_profile(ctx, &mut profile, &data)?;
    record_change(ctx, profile.id, "created", Vec::new())?;
    let view = view(ctx, &profile, false)?;
    let subject = Subject {
        id: profile.id,
        managing: Some(managing.path),
    };
    subject.audit(ctx, "official.create", Vec::new())?;
    Ok(view)
}

/// A profile's rows as a create or a patch would write them, its rules
/// checked, nothing written yet: what a batch writes for many at once.
pub struct Prepared {
    /// None when a patch changes nothing.
    pub profile: Option<Profile>,
    /// What the rows state.
    pub data: ProfileData,
    /// The organization that manages it.
    pub managing: Unit,
    /// Its personal identification code's blind indexes (every live key).
    pub indexes: Vec<Vec<u8>>,
    /// The fields a patch changed.
    pub fields: Vec<String>,
}

/// What `create` writes for `data`.
pub fn prepare_create(ctx: &mut Ctx, keys: &Keys<'_>, data: ProfileData) -> AppResult<Prepared> {
    let mut data = data;
    let managing = check_rules(ctx, &mut data)?;
    let profile = codec::new_rows(keys, OfficialId::new_random(), &data, ctx.now)?;
    let indexes = codec::personal_code_indexes(ctx, &data)?;
    Ok(Prepared {
        profile: Some(profile),
        data,
        managing,
        indexes,
        fields: Vec::new(),
    })
}

/// The profile holding `data`'s personal identification code, wherever it
/// is managed: one person, one profile. A synchronization links a source's
/// first event about a person to the profile ODB already holds.
pub fn holder_of(ctx: &mut Ctx, data: &ProfileData) -> AppResult<Option<OfficialId>> {
    let indexes = codec::personal_code_indexes(ctx, data)?;
    for index in &indexes {
        if let Some(id) = repo::holder_of_personal_index(ctx.conn, index)? {
            return Ok(Some(id));
        }
    }
    Ok(None)
}

/// The profile with its sealed items masked or withheld.
pub fn get(ctx: &mut Ctx, id: OfficialId) -> AppResult<OfficialView> {
    let found = readable(ctx, id)?;
    view_with(ctx, &found.profile, false, found.member)
}

/// The profile with its sealed items in full, for those who may edit it;
/// audited, naming the items that hold a value.
pub fn reveal(ctx: &mut Ctx, id: OfficialId) -> AppResult<OfficialView> {
    let found = revealable(ctx, id)?;
    let data = codec::to_data(ctx.keyring, ctx.conn, &found.profile)?;
    let fields = data.sealed_items_held();
    let view = OfficialView::new(&found.profile, data, true);
    found.subject().audit(ctx, "official.reveal", fields)?;
    Ok(view)
}

/// Merges `patch` into the profile and audits the fields it changed.
pub fn update(
    ctx: &mut Ctx,
    id: OfficialId,
    expected: i32,
    patch: Patch,
) -> AppResult<OfficialView> {
    let found = editable(ctx, id)?;
    let patched = patch_profile(ctx, found, expected, patch)?;
    let subject = Subject {
        id,
        managing: Some(patched.managing.path),
    };
    subject.audit(ctx, "official.update", patched.fields)?;
    Ok(patched.view)
}

/// A profile changed by a patch, where it is now managed, and which fields
/// changed.
struct Patched {
    view: OfficialView,
    managing: Unit,
    fields: Vec<String>,
}

/// Merges `patch` into the profile `found` locked for change.
fn patch_profile(ctx: &mut Ctx, found: Found, expected: i32, patch: Patch) -> AppResult<Patched> {
    let Found { profile, .. } = found;
    let id = profile.id;
    check_version(expected, profile.version)?;
    let keyring = ctx.keyring;
    let keys = Keys::new(keyring, ctx.conn)?;
    let prepared = prepare_patch(ctx, &keys, &profile, patch)?;
    let Some(mut updated) = prepared.profile else {
        return Ok(Patched {
            view: view(ctx, &profile, false)?,
            managing: prepared.managing,
            fields: prepared.fields,
        });
    };
    write_unique(ctx.conn, &updated, &prepared.indexes, repo::save)?;
    salary::follow_profile(ctx, &mut updated, &prepared.data)?;
    record_change(ctx, id, "updated", prepared.fields.clone())?;
    Ok(Patched {
        view: view(ctx, &updated, false)?,
        managing: prepared.managing,
        fields: prepared.fields,
    })
}

/// What merging `patch` into `profile` (locked for change, at the version
/// the caller expects) writes: no rows when no field changes.
pub fn prepare_patch(
    ctx: &mut Ctx,
    keys: &Keys<'_>,
    profile: &Profile,
    patch: Patch,
) -> AppResult<Prepared> {
    still_active(profile)?;
    let current = codec::to_data(ctx.keyring, ctx.conn, profile)?;
    let (mut data, fields) = merged(&current, patch)?;
    let managing = check_rules(ctx, &mut data)?;
    if fields.is_empty() {
        return Ok(Prepared {
            profile: None,
            data,
            managing,
            indexes: Vec::new(),
            fields,
        });
    }
    let updated = codec::restated(keys, profile, &data, ctx.now)?;
    let indexes = codec::personal_code_indexes(ctx, &data)?;
    Ok(Prepared {
        profile: Some(updated),
        data,
        managing,
        indexes,
        fields,
    })
}

/// `current` with `patch` applied (absent keys stay, `null` clears), and the
/// keys whose value changed.
fn merged(current: &ProfileData, patch: Patch) -> AppResult<(ProfileData, Vec<String>)> {
    let mut merged =
        serde_json::to_value(current).map_err(|e| AppError::Internal(e.to_string()))?;
    let mut fields = Vec::new();
    if let Some(object) = merged.as_object_mut() {
        for (key, value) in patch {
            if object.get(&key) != Some(&value) {
                fields.push(key.clone());
            }
            object.insert(key, value);
        }
    }
    let data = serde_path_to_error::deserialize(merged).map_err(|e| {
        let path = e.path().to_string();
        let message = e.inner().to_string();
        let field = if path == "." {
            message.split('`').nth(1).unwrap_or("$").to_owned()
        } else {
            path
        };
        AppError::invalid(field, message)
    })?;
    Ok((data, fields))
}

/// Writes `profile` once no other profile holds its personal identification
/// code. A concurrent writer that took the code between the check and the
/// write trips the unique index; the loser then gets the same pointer as a
/// sequential duplicate would, not a bare conflict.
fn write_unique(
    conn: &mut PgConnection,
    profile: &Profile,
    indexes: &[Vec<u8>],
    write: fn(&mut PgConnection, &Profile) -> QueryResult<()>,
) -> AppResult<()> {
    duplicate_check(conn, profile, indexes)?;
    // a savepoint, so the transaction is still usable for the second look
    match conn.transaction(|conn| write(conn, profile)) {
        Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
            if info.constraint_name() == Some(PERSONAL_CODE_CONSTRAINT) =>
        {
            duplicate_check(conn, profile, indexes)?;
            Err(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info).into())
        }
        written => Ok(written?),
    }
}

const PERSONAL_CODE_CONSTRAINT: &str = "officials_personal_identification_index_key";

/// Another profile holding the code under any of its live indexes (during
/// a blind-index rotation it may still carry the old key's).
fn duplicate_check(
    conn: &mut PgConnection,
    profile: &Profile,
    indexes: &[Vec<u8>],
) -> AppResult<()> {
    let holders = indexes
        .iter()
        .map(|index| repo::holder_of_personal_index(conn, index))
        .collect::<QueryResult<Vec<_>>>()?;
    one_person_one_profile(profile.id, &holders)
}

/// Refuses a profile `id` whose personal identification code's indexes are
/// held by another profile (`holders`, one per index).
pub fn one_person_one_profile(id: OfficialId, holders: &[Option<OfficialId>]) -> AppResult<()> {
    match holders.iter().flatten().find(|existing| **existing != id) {
        Some(existing) => Err(AppError::Duplicate {
            detail:
                "a profile with this personal identification code exists: one person, one profile"
                    .into(),
            existing: format!("/api/v1/officials/{existing}"),
        }),
        None => Ok(()),
    }
}

/// Moves the profile to another organization; the career history closes the
/// old posting and opens the new one.
pub fn transfer(
    ctx: &mut Ctx,
    id: OfficialId,
    expected: i32,
    request: TransferRequest,
) -> AppResult<OfficialView> {
    let found = editable(ctx, id)?;
    request.check()?;
    close_posting(ctx, id, &request)?;
    let patched = patch_profile(ctx, found, expected, request.patch())?;
    let managing = patched.managing;
    let posting = RecordInput {
        kind: RecordKind::Career,
        from_date: Some(request.effective_date),
        to_date: None,
        data: crate::officials::records::career(
            managing.id,
            &managing.name,
            &request.position,
            &request.decision_number,
        ),
    };
    super::records::insert_record(ctx, id, posting)?;
    let fields = vec![
        "managing_organization_id".to_owned(),
        "using_organization_id".to_owned(),
    ];
    record_change(ctx, id, "transferred", fields.clone())?;
    let subject = Subject {
        id,
        managing: Some(managing.path),
    };
    subject.audit(ctx, "official.transfer", fields)?;
    Ok(patched.view)
}

/// Ends the open career entry on the day the transfer takes effect.
fn close_posting(ctx: &mut Ctx, id: OfficialId, request: &TransferRequest) -> AppResult<()> {
    let Some(mut open) = repo::open_career(ctx.conn, id)? else {
        return Ok(());
    };
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
    open.updated_at = ctx.now;
    Ok(repo::save_record(ctx.conn, &open)?)
}

/// What a life event does: the statuses it may follow, the one it leads to,
/// and the field that records when.
fn transition(event: LifeEvent) -> (&'static [ProfileStatus], ProfileStatus, &'static str) {
    use ProfileStatus::{Active, Archived, Deceased, Retired};
    match event {
        LifeEvent::Retire => (&[Active], Retired, "retired_on"),
        LifeEvent::Death => (&[Active, Retired], Deceased, "died_on"),
        LifeEvent::Archive => (&[Active, Retired, Deceased], Archived, "archived_at"),
    }
}

/// Retirement, death and archiving end active life; nothing is deleted.
pub fn life_event(
    ctx: &mut Ctx,
    id: OfficialId,
    expected: i32,
    input: LifeEventInput,
) -> AppResult<OfficialView> {
    let found = editable(ctx, id)?;
    let subject = found.subject();
    let mut profile = found.profile;
    check_version(expected, profile.version)?;
    let on = input.effective_date.unwrap_or(ctx.today);
    if on <= profile.birth_date || on > ctx.today {
        return Err(AppError::invalid(
            "effective_date",
            "must be after the birth date and not in the future",
        ));
    }
    let (allowed, status, field) = transition(input.event);
    if !allowed.contains(&profile.status) {
        return Err(AppError::conflict(
            "profile-closed",
            format!("the profile is already {}", profile.status),
        ));
    }
    match input.event {
        LifeEvent::Retire => profile.retired_on = Some(on),
        LifeEvent::Death => profile.died_on = Some(on),
        LifeEvent::Archive => profile.archived_at = Some(ctx.now),
    }
    profile.status = status;
    profile.version += 1;
    profile.updated_at = ctx.now;
    repo::save(ctx.conn, &profile)?;
    record_change(
        ctx,
        id,
        status.as_str(),
        vec!["status".into(), field.into()],
    )?;
    let view = view(ctx, &profile, false)?;
    let action = format!("official.{status}");
    subject.audit(ctx, &action, vec!["status".into()])?;
    Ok(view)
}
