//! Between an admission as stated and the stored member row: names folded for
//! search, the identity numbers and the party card sealed (bound to
//! party_members, the column and the member) with blind indexes beside them.

use chrono::{DateTime, Utc};
use diesel::PgConnection;

use super::member::{Admission, MemberRow, MemberStatus};
use crate::crypto::{normalize_identifier, Keyring, Sealer};
use crate::error::{AppError, AppResult};
use crate::ids::MemberId;
use crate::officials::codec::name_parts;

/// The table named in every sealed member value and blind-index key.
pub const TABLE: &str = "party_members";

/// 32 bytes for the unique columns (personal code, card), 16 for lookups
/// (identity card).
fn whole(column: &str) -> bool {
    column != "identity_number"
}

/// The blind index a member row written now carries for `value` in `column`
/// (under the sealer's blind-index key, which the row names).
fn index(sealer: &Sealer<'_>, column: &str, value: &str) -> AppResult<Vec<u8>> {
    Ok(sealer.blind_index(TABLE, column, &normalize_identifier(value), whole(column))?)
}

/// The member indexes of `value` in `column` under every live blind-index
/// key, newest first: during a rotation a member may still carry the old
/// key's.
pub fn live_indexes(
    keyring: &Keyring,
    conn: &mut PgConnection,
    column: &str,
    value: &str,
) -> AppResult<Vec<Vec<u8>>> {
    Ok(keyring.live_blind_indexes(
        conn,
        TABLE,
        column,
        &normalize_identifier(value),
        whole(column),
    )?)
}

/// The profile indexes of a personal identification code, under every live
/// blind-index key (a rotation may be under way): how a member finds the
/// same person's CBCCVC profile.
pub fn profile_indexes(
    keyring: &Keyring,
    conn: &mut PgConnection,
    personal_code: &str,
) -> AppResult<Vec<Vec<u8>>> {
    Ok(keyring.live_blind_indexes(
        conn,
        crate::officials::codec::TABLE,
        "personal_identification_code",
        &normalize_identifier(personal_code),
        true,
    )?)
}

fn seal(
    sealer: &Sealer<'_>,
    column: &str,
    id: MemberId,
    value: Option<&str>,
) -> AppResult<Option<Vec<u8>>> {
    value
        .map(|v| sealer.seal_str(TABLE, column, id.into(), v))
        .transpose()
        .map_err(AppError::from)
}

/// A number sealed, and its blind index.
pub type SealedPair = (Option<Vec<u8>>, Option<Vec<u8>>);

/// The sealed value and blind index of an optional number.
pub fn sealed_pair(
    sealer: &Sealer<'_>,
    column: &str,
    id: MemberId,
    value: Option<&str>,
) -> AppResult<SealedPair> {
    Ok((
        seal(sealer, column, id, value)?,
        value.map(|v| index(sealer, column, v)).transpose()?,
    ))
}

/// The row of a member admitted as `admission`, probationary in the
/// admitting cell.
pub fn new_row(
    keys: &Sealer<'_>,
    id: MemberId,
    admission: &Admission,
    now: DateTime<Utc>,
) -> AppResult<MemberRow> {
    let (name_folded, family_name_folded, given_name_folded) = name_parts(&admission.full_name);
    let (identity_number, identity_index) = sealed_pair(
        keys,
        "identity_number",
        id,
        admission.identity_number.as_deref(),
    )?;
    let (personal_identification_code, personal_identification_index) = sealed_pair(
        keys,
        "personal_identification_code",
        id,
        Some(&admission.personal_identification_code),
    )?;
    let (party_card_number, party_card_index) = sealed_pair(
        keys,
        "party_card_number",
        id,
        admission.party_card_number.as_deref(),
    )?;
    Ok(MemberRow {
        id,
        official_id: None,
        full_name: admission.full_name.trim().to_owned(),
        name_folded,
        family_name_folded,
        given_name_folded,
        birth_date: admission.birth_date,
        sex: admission.sex,
        ethnic_group_code: admission.ethnic_group_code.clone(),
        religion_code: admission.religion_code.clone(),
        hometown: admission.hometown.clone(),
        identity_number,
        identity_index,
        personal_identification_code,
        personal_identification_index,
        party_card_number,
        party_card_index,
        admitted_on: admission.admitted_on,
        official_on: None,
        positions: serde_json::json!(admission.positions.clone().unwrap_or_default()),
        party_organization_id: admission.party_organization_id,
        path: crate::db::ltree::TreePath(String::new()),
        status: MemberStatus::Probationary,
        attending_organization_id: None,
        attending_path: None,
        attending_until: None,
        incoming_path: None,
        version: 1,
        created_at: now,
        updated_at: now,
        blind_index_version: version_of(keys)?,
    })
}

/// The blind-index key version the sealer indexes under, as a row names it.
pub fn version_of(sealer: &Sealer<'_>) -> AppResult<i32> {
    i32::try_from(sealer.blind_version())
        .map_err(|_| AppError::Internal("a blind-index key version out of range".into()))
}

/// A member's sealed numbers, opened.
#[derive(Debug, Clone, Default)]
pub struct Numbers {
    pub identity_number: Option<String>,
    pub personal_identification_code: Option<String>,
    pub party_card_number: Option<String>,
}

pub fn open(keyring: &Keyring, conn: &mut PgConnection, row: &MemberRow) -> AppResult<Numbers> {
    let id = row.id.into();
    let mut open = |column: &str, sealed: &Option<Vec<u8>>| -> AppResult<Option<String>> {
        sealed
            .as_deref()
            .map(|bytes| keyring.open_string(conn, TABLE, column, id, bytes))
            .transpose()
            .map_err(AppError::from)
    };
    Ok(Numbers {
        identity_number: open("identity_number", &row.identity_number)?,
        personal_identification_code: open(
            "personal_identification_code",
            &row.personal_identification_code,
        )?,
        party_card_number: open("party_card_number", &row.party_card_number)?,
    })
}
