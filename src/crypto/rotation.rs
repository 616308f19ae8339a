//! Data key rotation: a new active key, every sealed value re-sealed under
//! it in small transactions, then the old keys retired. Runs beside the live
//! service and resumes where it stopped.

use std::time::Duration;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{BigInt, Bytea, Integer, Nullable, Text, Timestamptz};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use serde::Serialize;
use uuid::Uuid;

use super::keyring::{CryptoError, Keyring, SEAL_LOCK};

pub struct SealedColumn {
    /// The table named in the values' associated data.
    pub table: &'static str,
    pub column: &'static str,
    /// The table the values are stored in, and its column holding the row
    /// id named in their associated data (a uuid primary key).
    pub stored_in: &'static str,
    pub row_id: &'static str,
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn {
        table,
        column,
        stored_in: table,
        row_id: "id",
    }
}

/// A profile item sealed as officials' and stored, since the profile split
/// (migration 000007), in official_personal: its associated data still
/// names officials and the profile id, and must, or it would not open.
const fn personal(column: &'static str) -> SealedColumn {
    SealedColumn {
        table: "officials",
        column,
        stored_in: "official_personal",
        row_id: "official_id",
    }
}

/// Every sealed column in the schema. Names are spliced into SQL, so they
/// must stay constants.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    personal("identity_card_number"),
    personal("identity_card_issue"),
    personal("personal_identification_code"),
    personal("social_insurance_number"),
    personal("current_address"),
    personal("phone"),
    personal("email"),
    personal("party_card_number"),
    sealed("official_records", "sealed"),
    sealed("dossier_versions", "category"),
    sealed("dossier_versions", "summary"),
    sealed("dossier_versions", "content"),
    sealed("dossier_attachments", "file_name"),
    sealed("dossier_attachments", "content"),
    sealed("party_members", "identity_number"),
    sealed("party_members", "personal_identification_code"),
    sealed("party_members", "party_card_number"),
];

#[derive(Debug, Clone, Serialize)]
pub struct KeyStatus {
    pub versions: Vec<KeyVersionStatus>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KeyVersionStatus {
    pub version: u32,
    /// active, retiring or retired
    pub state: String,
    pub created_at: DateTime<Utc>,
    pub retired_at: Option<DateTime<Utc>>,
    /// Sealed values still under this version, across all columns.
    pub values: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RotationReport {
    pub new_version: u32,
    pub resealed: u64,
    pub retired: Vec<u32>,
}

#[derive(QueryableByName)]
struct DataKeyRow {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = Text)]
    state: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    retired_at: Option<DateTime<Utc>>,
}

#[derive(QueryableByName)]
struct VersionCount {
    #[diesel(sql_type = Integer)]
    version: i32,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct SealedRow {
    #[diesel(sql_type = diesel::sql_types::Uuid)]
    id: Uuid,
    #[diesel(sql_type = Bytea)]
    value: Vec<u8>,
}

#[derive(QueryableByName)]
struct Retired {
    #[diesel(sql_type = Integer)]
    version: i32,
}

fn data_keys(conn: &mut PgConnection) -> Result<Vec<DataKeyRow>, CryptoError> {
    Ok(diesel::sql_query(
        "SELECT version, state, created_at, retired_at FROM data_keys ORDER BY version",
    )
    .load(conn)?)
}

/// Each data key with how many values it still seals (owner connection: row
/// security would hide rows from odb_app).
pub fn status(conn: &mut PgConnection) -> Result<KeyStatus, CryptoError> {
    let mut versions: Vec<KeyVersionStatus> = data_keys(conn)?
        .into_iter()
        .map(|k| KeyVersionStatus {
            version: u32::try_from(k.version).unwrap_or_default(),
            state: k.state,
            created_at: k.created_at,
            retired_at: k.retired_at,
            values: 0,
        })
        .collect();
    for SealedColumn {
        column, stored_in, ..
    } in SEALED_COLUMNS
    {
        let counts: Vec<VersionCount> = diesel::sql_query(format!(
            "SELECT ('x' || encode(substring({column} from 1 for 4), 'hex'))::bit(32)::int AS version, \
                    count(*) AS n \
             FROM {stored_in} WHERE {column} IS NOT NULL AND length({column}) >= 4 GROUP BY 1"
        ))
        .load(conn)?;
        for count in counts {
            match versions
                .iter_mut()
                .find(|v| i64::from(v.version) == i64::from(count.version))
            {
                Some(v) => v.values += count.n,
                None => tracing::warn!(
                    table = stored_in,
                    column,
                    version = count.version,
                    values = count.n,
                    "sealed values name a data key version the database does not hold"
                ),
            }
        }
    }
    Ok(KeyStatus { versions })
}

/// Adds data key v+1 as active (the old active becomes 'retiring'), or
/// resumes a rotation already under way (a 'retiring' key exists). Returns
/// the version everything is re-sealed under.
fn switch(
    owner: &mut PgConnection,
    keyring: &Keyring,
    now: DateTime<Utc>,
) -> Result<u32, CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        // Two rotations at once: the second waits here, then resumes the first.
        diesel::sql_query("LOCK TABLE data_keys IN SHARE ROW EXCLUSIVE MODE").execute(conn)?;
        let keys = data_keys(conn)?;
        let active = keys
            .iter()
            .find(|k| k.state == "active")
            .ok_or(CryptoError::NoKeyring)?;
        let active = u32::try_from(active.version).map_err(|_| CryptoError::Malformed)?;
        if keys.iter().any(|k| k.state == "retiring") {
            tracing::info!(version = active, "resuming the rotation to the active key");
            return Ok(active);
        }
        let newest = keys.iter().map(|k| k.version).max().unwrap_or_default();
        let next = u32::try_from(newest)
            .ok()
            .and_then(|v| v.checked_add(1))
            .ok_or(CryptoError::Malformed)?;
        diesel::sql_query("UPDATE data_keys SET state = 'retiring' WHERE state = 'active'")
            .execute(conn)?;
        keyring.insert_data_key(conn, next, "active", Some(now))?;
        tracing::info!(version = next, "data key added as active; re-sealing");
        Ok(next)
    })
}

/// Waits until every transaction that took a sealer before the switch has
/// ended: after this, no new value can appear under an old version.
fn barrier(owner: &mut PgConnection) -> Result<(), CryptoError> {
    owner.transaction::<_, CryptoError, _>(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<BigInt, _>(SEAL_LOCK)
            .execute(conn)?;
        Ok(())
    })
}

/// `substring(col from 1 for 4)` is the version prefix; comparing bytes
/// needs no decoding.
fn not_under(column: &str) -> String {
    format!("{column} IS NOT NULL AND substring({column} from 1 for 4) <> $1")
}

/// Re-seals up to `batch` rows after `after` in one transaction. Rows a
/// writer holds are skipped and left for the next pass. Returns how many were
/// re-sealed and the last id seen.
fn reseal_batch(
    owner: &mut PgConnection,
    keyring: &Keyring,
    target: u32,
    sealed: &SealedColumn,
    batch: i64,
    after: Option<Uuid>,
) -> Result<(u64, Option<Uuid>), CryptoError> {
    let SealedColumn {
        table,
        column,
        stored_in,
        row_id,
    } = *sealed;
    let prefix = target.to_be_bytes().to_vec();
    owner.transaction::<_, CryptoError, _>(|conn| {
        let filter = not_under(column);
        let rows: Vec<SealedRow> = match after {
            None => diesel::sql_query(format!(
                "SELECT {row_id} AS id, {column} AS value FROM {stored_in} WHERE {filter} \
                 ORDER BY {row_id} LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))
            .bind::<Bytea, _>(&prefix)
            .bind::<BigInt, _>(batch)
            .load(conn)?,
            Some(after) => diesel::sql_query(format!(
                "SELECT {row_id} AS id, {column} AS value FROM {stored_in} \
                 WHERE {filter} AND {row_id} > $3 \
                 ORDER BY {row_id} LIMIT $2 FOR UPDATE SKIP LOCKED"
            ))
            .bind::<Bytea, _>(&prefix)
            .bind::<BigInt, _>(batch)
            .bind::<diesel::sql_types::Uuid, _>(after)
            .load(conn)?,
        };
        let sealer = keyring.sealer_for(target);
        let update = format!("UPDATE {stored_in} SET {column} = $1 WHERE {row_id} = $2");
        for row in &rows {
            let plain = keyring
                .open_value(conn, table, column, row.id, &row.value)
                .inspect_err(|e| {
                    // Names the row, never the value.
                    tracing::error!(
                        table = stored_in,
                        column,
                        row = %row.id,
                        error = %e,
                        "cannot re-seal"
                    );
                })?;
            let fresh = sealer.seal(table, column, row.id, &plain)?;
            diesel::sql_query(&update)
                .bind::<Bytea, _>(fresh)
                .bind::<diesel::sql_types::Uuid, _>(row.id)
                .execute(conn)?;
        }
        Ok((rows.len() as u64, rows.last().map(|r| r.id)))
    })
}

fn remaining(conn: &mut PgConnection, target: u32) -> Result<i64, CryptoError> {
    let prefix = target.to_be_bytes().to_vec();
    let mut total = 0;
    for SealedColumn {
        column, stored_in, ..
    } in SEALED_COLUMNS
    {
        let filter = not_under(column);
        let count: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {stored_in} WHERE {filter}"
        ))
        .bind::<Bytea, _>(&prefix)
        .get_result(conn)?;
        total += count.n;
    }
    Ok(total)
}

/// Adds data key v+1 as active (old active becomes 'retiring'), unless a rotation is already under way (a 'retiring' key exists: then resume it).
/// Re-seals, in batches of `batch` rows per column (each batch its own
/// transaction), calling `progress(column, done_so_far)` after each batch;
/// loops until no value remains under an old version (catches concurrent
/// writers that sealed with the old version), then marks the retiring keys
/// 'retired' with retired_at. Resumable: after a crash, running it again
/// finishes the job. Run it as the owner (row security hides rows from odb_app).
pub fn rotate(
    owner: &mut PgConnection,
    keyring: &Keyring,
    batch: i64,
    now: DateTime<Utc>,
    progress: &mut dyn FnMut(&str, u64),
) -> Result<RotationReport, CryptoError> {
    let batch = batch.max(1);
    let target = switch(owner, keyring, now)?;
    keyring.load_keys(owner)?;
    barrier(owner)?;
    let mut done = vec![0u64; SEALED_COLUMNS.len()];
    let mut resealed = 0u64;
    loop {
        let mut this_pass = 0u64;
        for (index, sealed) in SEALED_COLUMNS.iter().enumerate() {
            let mut after = None;
            loop {
                let (count, last) = reseal_batch(owner, keyring, target, sealed, batch, after)?;
                if last.is_none() {
                    break;
                }
                after = last;
                done[index] += count;
                this_pass += count;
                progress(sealed.column, done[index]);
            }
        }
        resealed += this_pass;
        // Retire only what nothing is sealed under any more; the count and the
        // retirement share a transaction so nothing slips between them.
        let retired = owner.transaction::<_, CryptoError, _>(|conn| {
            if remaining(conn, target)? > 0 {
                return Ok(None);
            }
            let rows: Vec<Retired> = diesel::sql_query(
                "UPDATE data_keys SET state = 'retired', retired_at = $1 \
                 WHERE state = 'retiring' RETURNING version",
            )
            .bind::<Timestamptz, _>(now)
            .load(conn)?;
            Ok(Some(rows))
        })?;
        if let Some(rows) = retired {
            let mut retired: Vec<u32> = rows
                .into_iter()
                .filter_map(|r| u32::try_from(r.version).ok())
                .collect();
            retired.sort_unstable();
            tracing::info!(version = target, resealed, ?retired, "rotation finished");
            return Ok(RotationReport {
                new_version: target,
                resealed,
                retired,
            });
        }
        if this_pass == 0 {
            // Only rows a writer holds remain: give it time to commit.
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}
