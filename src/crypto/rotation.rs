//! Key rotation: a new active key, every value still under an old one
//! brought over in batches (each its own transaction, on both cores), then
//! the old keys retired. Runs beside the live service and resumes where it
//! stopped. Data keys re-seal values (here); blind-index keys recompute
//! indexes (reindex.rs).

use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Integer, Text, Timestamptz};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde::Serialize;

use super::keyring::{to_version, CryptoError, KeyKind, Keyring, SEAL_LOCK};
use super::reseal;
use super::workers::{bypass_row_security, Progress, Reporter};

#[derive(Debug, Clone, Serialize)]
pub struct RotationReport {
    pub new_version: u32,
    /// Values re-sealed (data keys) or rows re-indexed (blind-index keys:
    /// profiles and party members).
    pub resealed: u64,
    pub retired: Vec<u32>,
}

#[derive(QueryableByName)]
pub(crate) struct KeyRow {
    #[diesel(sql_type = Integer)]
    pub(crate) version: i32,
    #[diesel(sql_type = Text)]
    pub(crate) state: String,
    #[diesel(sql_type = Timestamptz)]
    pub(crate) created_at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Nullable<Timestamptz>)]
    pub(crate) retired_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct Retired {
    #[diesel(sql_type = Integer)]
    version: i32,
}

pub(crate) fn keys(conn: &mut PgConnection, kind: KeyKind) -> Result<Vec<KeyRow>, CryptoError> {
    Ok(diesel::sql_query(format!(
        "SELECT version, state, created_at, retired_at FROM {} ORDER BY version",
        kind.table()
    ))
    .load(conn)?)
}

/// Adds key v+1 of `kind` as active (the old active becomes 'retiring'), or
/// resumes a rotation already under way (a 'retiring' key exists). Returns
/// the version everything is brought under.
fn switch(
    owner: &mut PgConnection,
    keyring: &Keyring,
    kind: KeyKind,
    now: DateTime<Utc>,
) -> Result<u32, CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        // Two rotations at once: the second waits here, then resumes the first.
        diesel::sql_query(format!(
            "LOCK TABLE {} IN SHARE ROW EXCLUSIVE MODE",
            kind.table()
        ))
        .execute(conn)?;
        let keys = keys(conn, kind)?;
        let active = keys
            .iter()
            .find(|k| k.state == "active")
            .ok_or(CryptoError::NoKeyring)?;
        let active = to_version(active.version)?;
        if keys.iter().any(|k| k.state == "retiring") {
            tracing::info!(
                table = kind.table(),
                version = active,
                "resuming the rotation to the active key"
            );
            return Ok(active);
        }
        let newest = keys.iter().map(|k| k.version).max().unwrap_or_default();
        let next = to_version(newest)?
            .checked_add(1)
            .ok_or(CryptoError::Malformed)?;
        diesel::sql_query(format!(
            "UPDATE {} SET state = 'retiring' WHERE state = 'active'",
            kind.table()
        ))
        .execute(conn)?;
        keyring.insert_key(conn, kind, next, "active", Some(now))?;
        tracing::info!(
            table = kind.table(),
            version = next,
            "key added as active; bringing values over"
        );
        Ok(next)
    })
}

/// Waits until every transaction that took a sealer before the switch has
/// ended: after this, nothing new can appear under an old version.
fn barrier(owner: &mut PgConnection) -> Result<(), CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(SEAL_LOCK)
            .execute(conn)?;
        Ok(())
    })
}

/// A pass: connections, keyring, the target version, the batch, the reporter.
pub(crate) type PassFn =
    fn(&mut [PgConnection], &Keyring, u32, i64, &Mutex<Reporter<'_>>) -> Result<u64, CryptoError>;

/// What a rotation of one kind of key brings over to the new key.
pub(crate) struct Rotation {
    pub(crate) kind: KeyKind,
    /// One pass over everything under an old version, `batch` at a time:
    /// brings over what it can (rows a writer holds are left for the next
    /// pass) and returns how much.
    pub(crate) pass: PassFn,
    /// How much remains under an old version.
    pub(crate) remaining: fn(&mut PgConnection, u32) -> Result<i64, CryptoError>,
}

const DATA_KEYS: Rotation = Rotation {
    kind: KeyKind::Data,
    pass: reseal::pass,
    remaining: reseal::remaining,
};

/// Switch, barrier, then passes until nothing remains under an old
/// version; then the retiring keys are marked retired in the same
/// transaction as that final count, so nothing slips between them.
pub(crate) fn rotate_kind(
    conns: &mut [PgConnection],
    keyring: &Keyring,
    rotation: &Rotation,
    (batch, now): (i64, DateTime<Utc>),
    progress: Progress<'_>,
) -> Result<RotationReport, CryptoError> {
    let kind = rotation.kind;
    let owner = conns
        .first_mut()
        .ok_or_else(|| CryptoError::Refused("a rotation needs a connection".into()))?;
    let target = switch(owner, keyring, kind, now)?;
    keyring.load_keys(owner)?;
    barrier(owner)?;
    bypass_row_security(conns)?;
    let reporter = Mutex::new(Reporter::new(progress));
    let mut brought = 0u64;
    loop {
        let this_pass = (rotation.pass)(conns, keyring, target, batch.max(1), &reporter)?;
        brought += this_pass;
        let retired = retire_if_done(&mut conns[0], rotation, target, now)?;
        if let Some(retired) = retired {
            tracing::info!(
                table = kind.table(),
                version = target,
                brought,
                ?retired,
                "rotation finished"
            );
            return Ok(RotationReport {
                new_version: target,
                resealed: brought,
                retired,
            });
        }
        if this_pass == 0 {
            // Only rows a writer holds remain: give it time to commit.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn retire_if_done(
    owner: &mut PgConnection,
    rotation: &Rotation,
    target: u32,
    now: DateTime<Utc>,
) -> Result<Option<Vec<u32>>, CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        if (rotation.remaining)(conn, target)? > 0 {
            return Ok(None);
        }
        let rows: Vec<Retired> = diesel::sql_query(format!(
            "UPDATE {} SET state = 'retired', retired_at = $1 \
             WHERE state = 'retiring' RETURNING version",
            rotation.kind.table()
        ))
        .bind::<Timestamptz, _>(now)
        .load(conn)?;
        let mut retired: Vec<u32> = rows
            .into_iter()
            .filter_map(|r| u32::try_from(r.version).ok())
            .collect();
        retired.sort_unstable();
        Ok(Some(retired))
    })
}

/// Adds data key v+1 as active (old active becomes 'retiring'), unless a
/// rotation is already under way (a 'retiring' key exists: then resumes
/// it). Re-seals every sealed value under it, in transactions of at most
/// `batch` values, one worker per connection in `conns`, each on its own
/// range of row ids; `progress(column, done_so_far)` after each batch
/// commits. Then marks the retiring keys 'retired'. Resumable: after a
/// crash, running it again finishes the job. Run it as the owner (row
/// security hides rows from odb_app).
pub fn rotate(
    conns: &mut [PgConnection],
    keyring: &Keyring,
    batch: i64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<RotationReport, CryptoError> {
    rotate_kind(conns, keyring, &DATA_KEYS, (batch, now), progress)
}
