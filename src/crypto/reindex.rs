//! Blind-index key rotation: every profile's indexes recomputed under the
//! new key, set-based and on both cores like a data-key rotation. A row
//! names the key its indexes were computed with (`blind_index_version`);
//! until every row is under the new key, lookups try both.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, Uuid as SqlUuid};
use diesel::{QueryableByName, RunQueryDsl};
use uuid::Uuid;

use super::aead::normalize_identifier;
use super::columns::BLIND_INDEXES;
use super::keyring::{CryptoError, KeyKind, Keyring};
use super::rotation::{rotate_kind, Rotation, RotationReport};
use super::workers::{run_pass, Cursor, Progress, Reporter, Step};

/// The table every blind index lives in, and names in its keys' derivation.
const TABLE: &str = "officials";
/// What progress reports count.
const PROFILES: &str = "profiles";

const BLIND_INDEX_KEYS: Rotation = Rotation {
    kind: KeyKind::BlindIndex,
    pass,
    remaining,
};

#[derive(QueryableByName)]
struct ProfileNumbers {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    /// The sealed numbers, in `BLIND_INDEXES` order.
    #[diesel(sql_type = Array<Nullable<Bytea>>)]
    sealed: Vec<Option<Vec<u8>>>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Adds blind-index key v+1 as active (or resumes a rotation under way),
/// recomputes every profile's indexes under it in transactions of `batch`
/// profiles, one worker per connection, then retires the old key.
/// Resumable; run it as the owner.
pub fn rotate_blind_index(
    conns: &mut [PgConnection],
    keyring: &Keyring,
    batch: i64,
    now: DateTime<Utc>,
    progress: Progress<'_>,
) -> Result<RotationReport, CryptoError> {
    rotate_kind(conns, keyring, &BLIND_INDEX_KEYS, (batch, now), progress)
}

fn pass(
    conns: &mut [PgConnection],
    keyring: &Keyring,
    target: u32,
    batch: i64,
    reporter: &Mutex<Reporter<'_>>,
) -> Result<u64, CryptoError> {
    run_pass(conns, reporter, batch, &|conn, cursor| {
        reindex_batch(conn, keyring, target, cursor)
    })
}

fn remaining(conn: &mut PgConnection, target: u32) -> Result<i64, CryptoError> {
    let count: Count =
        diesel::sql_query("SELECT count(*) AS n FROM officials WHERE blind_index_version <> $1")
            .bind::<Integer, _>(version_column(target)?)
            .get_result(conn)?;
    Ok(count.n)
}

fn version_column(version: u32) -> Result<i32, CryptoError> {
    i32::try_from(version).map_err(|_| CryptoError::Malformed)
}

/// Recomputes the indexes of up to `cursor.rows` profiles from the cursor
/// on, in the caller's transaction; profiles a writer holds are skipped.
fn reindex_batch(
    conn: &mut PgConnection,
    keyring: &Keyring,
    target: u32,
    cursor: &mut Cursor,
) -> Result<Step, CryptoError> {
    let sealed: Vec<String> = BLIND_INDEXES
        .iter()
        .map(|b| format!("p.{}", b.sealed))
        .collect();
    let rows: Vec<ProfileNumbers> = diesel::sql_query(format!(
        "SELECT o.id, ARRAY[{}]::bytea[] AS sealed \
         FROM officials o JOIN official_personal p ON p.official_id = o.id \
         WHERE o.id BETWEEN $1 AND $2 AND o.blind_index_version <> $3 \
         ORDER BY o.id LIMIT $4 FOR UPDATE OF o SKIP LOCKED",
        sealed.join(", ")
    ))
    .bind::<SqlUuid, _>(cursor.from)
    .bind::<SqlUuid, _>(cursor.to)
    .bind::<Integer, _>(version_column(target)?)
    .bind::<BigInt, _>(cursor.rows)
    .load(conn)?;
    let mut indexes = vec![Vec::with_capacity(rows.len()); BLIND_INDEXES.len()];
    for row in &rows {
        for (k, sealed) in row.sealed.iter().enumerate() {
            indexes[k].push(index_of(
                conn,
                keyring,
                target,
                row.id,
                k,
                sealed.as_deref(),
            )?);
        }
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    write_back(conn, target, &ids, indexes)?;
    let more = ids.last().is_some_and(|&last| cursor.past(last));
    let done = u64::try_from(ids.len()).unwrap_or_default();
    Ok(Step {
        counts: vec![(PROFILES, done)],
        more,
    })
}

/// The index of one sealed number under the new key (None where there is no number).
fn index_of(
    conn: &mut PgConnection,
    keyring: &Keyring,
    target: u32,
    id: Uuid,
    k: usize,
    sealed: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, CryptoError> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let column = &BLIND_INDEXES[k];
    let plain = keyring
        .open_string(conn, TABLE, column.sealed, id, sealed)
        .inspect_err(|e| {
            // Names the row, never the value.
            tracing::error!(column = column.sealed, row = %id, error = %e, "cannot re-index");
        })?;
    let normalized = normalize_identifier(&plain);
    keyring
        .blind_index_under(target, TABLE, column.sealed, &normalized, column.whole)
        .map(Some)
}

fn write_back(
    conn: &mut PgConnection,
    target: u32,
    ids: &[Uuid],
    indexes: Vec<Vec<Option<Vec<u8>>>>,
) -> Result<(), CryptoError> {
    if ids.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = BLIND_INDEXES.iter().map(|b| b.index).collect();
    let set: Vec<String> = columns.iter().map(|c| format!("{c} = v.{c}")).collect();
    let arrays: Vec<String> = (0..columns.len())
        .map(|i| format!("${}::bytea[]", i + 3))
        .collect();
    let sql = format!(
        "UPDATE officials AS o SET {}, blind_index_version = $2 \
         FROM unnest($1::uuid[], {}) AS v(id, {}) WHERE o.id = v.id",
        set.join(", "),
        arrays.join(", "),
        columns.join(", ")
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Array<SqlUuid>, _>(ids.to_vec())
        .bind::<Integer, _>(version_column(target)?);
    for values in indexes {
        query = query.bind::<Array<Nullable<Bytea>>, _>(values);
    }
    query.execute(conn)?;
    Ok(())
}
