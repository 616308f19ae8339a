//! Replacing the master key: every data key and blind-index key re-wrapped
//! under the new one in one transaction (a handful of rows, whatever the
//! data size). The previous key stays accepted — every key stays wrapped
//! under it too — so processes still given only that key keep running and
//! restarting until they are moved; retiring it then drops those wrappings.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{Bytea, Integer, Nullable, Timestamptz};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde::Serialize;

use super::keyring::{to_version, CryptoError, KeyKind, Keyring};
use super::wrapping::{Checks, Lock, Slot, Wrapped};

#[derive(Debug, Clone, Serialize)]
pub struct MasterRotationReport {
    /// False when the database already used the given key (run twice).
    pub rotated: bool,
    pub data_keys: usize,
    pub blind_index_keys: usize,
}

#[derive(QueryableByName)]
struct StoredKey {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(embed)]
    wrapped: Wrapped,
}

fn refused(reason: &str) -> CryptoError {
    CryptoError::Refused(reason.to_owned())
}

/// Makes the keyring's current key (ODB_MASTER_KEY) the database's master
/// key, in place of its previous key (ODB_MASTER_KEY_PREVIOUS), which the
/// database keeps accepting until `retire_previous_master`.
pub fn rotate_master(
    owner: &mut PgConnection,
    keyring: &Keyring,
    now: DateTime<Utc>,
) -> Result<MasterRotationReport, CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        lock_key_tables(conn)?;
        let checks = Checks::read(conn, Lock::Update)?;
        let new = keyring.masters.current();
        if new.matches(&checks.active) {
            return Ok(MasterRotationReport {
                rotated: false,
                data_keys: 0,
                blind_index_keys: 0,
            });
        }
        if checks.previous.is_some() {
            return Err(refused(
                "the database still accepts the master key of an earlier rotation: \
                 retire it first (`odb keys retire-master`, given the current key)",
            ));
        }
        let old = keyring
            .masters
            .configured_previous()
            .filter(|old| old.matches(&checks.active))
            .ok_or_else(|| {
                refused(
                    "ODB_MASTER_KEY_PREVIOUS (or its file) must hold the master key the \
                     database uses now, and ODB_MASTER_KEY the new one",
                )
            })?;
        let mut counts = [0; 2];
        for (count, kind) in counts.iter_mut().zip([KeyKind::Data, KeyKind::BlindIndex]) {
            *count = rewrap(conn, keyring, kind, &Slot::Active(old))?;
        }
        diesel::sql_query(
            "UPDATE keyring SET previous_check = master_check, master_check = $1, rotated_at = $2",
        )
        .bind::<Bytea, _>(new.check())
        .bind::<Timestamptz, _>(now)
        .execute(conn)?;
        tracing::info!(
            data_keys = counts[0],
            blind_index_keys = counts[1],
            "master key rotated"
        );
        Ok(MasterRotationReport {
            rotated: true,
            data_keys: counts[0],
            blind_index_keys: counts[1],
        })
    })
}

/// Serializes with a rotation adding a key. Tables first, then the keyring
/// row, in the order a rotation takes them, so the two cannot deadlock.
fn lock_key_tables(conn: &mut PgConnection) -> Result<(), CryptoError> {
    for kind in [KeyKind::Data, KeyKind::BlindIndex] {
        diesel::sql_query(format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            kind.table()
        ))
        .execute(conn)?;
    }
    Ok(())
}

/// Every key of `kind` wrapped under the new master key, its wrapping under
/// the old one kept as the previous.
fn rewrap(
    conn: &mut PgConnection,
    keyring: &Keyring,
    kind: KeyKind,
    old: &Slot<'_>,
) -> Result<usize, CryptoError> {
    let keys: Vec<StoredKey> = diesel::sql_query(format!(
        "SELECT version, wrapped, wrapped_previous FROM {} ORDER BY version",
        kind.table()
    ))
    .load(conn)?;
    let new = keyring.masters.current();
    for key in &keys {
        let aad = kind.aad(to_version(key.version)?);
        let bytes = old.unwrap(&aad, &key.wrapped, kind.itself_if_null())?;
        diesel::sql_query(format!(
            "UPDATE {} SET wrapped_previous = wrapped, wrapped = $1 WHERE version = $2",
            kind.table()
        ))
        .bind::<Nullable<Bytea>, _>(Some(new.wrap(&keyring.rng, &aad, &bytes)?))
        .bind::<Integer, _>(key.version)
        .execute(conn)?;
    }
    Ok(keys.len())
}

/// Stops accepting the previous master key: drops every wrapping under it.
/// Processes still given only that key no longer start. Returns false when
/// there was none to retire.
pub fn retire_previous_master(
    owner: &mut PgConnection,
    keyring: &Keyring,
) -> Result<bool, CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        lock_key_tables(conn)?;
        let checks = Checks::read(conn, Lock::Update)?;
        if checks.previous.is_none() {
            return Ok(false);
        }
        if !keyring.masters.current().matches(&checks.active) {
            return Err(refused(
                "only the new master key can retire the previous one: give it as ODB_MASTER_KEY",
            ));
        }
        for kind in [KeyKind::Data, KeyKind::BlindIndex] {
            diesel::sql_query(format!(
                "UPDATE {} SET wrapped_previous = NULL",
                kind.table()
            ))
            .execute(conn)?;
        }
        diesel::sql_query("UPDATE keyring SET previous_check = NULL").execute(conn)?;
        tracing::info!("previous master key retired");
        Ok(true)
    })
}
