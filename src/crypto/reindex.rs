//! Blind-index key rotation: every profile's and party member's indexes
//! recomputed under the new key, set-based and on both cores like a
//! data-key rotation. A row names the key its indexes were computed with
//! (`blind_index_version`); until every row is under the new key, lookups
//! try both.

use std::sync::Mutex;

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bytea, Integer, Nullable, Uuid as SqlUuid};
use diesel::{QueryableByName, RunQueryDsl};
use uuid::Uuid;

use super::aead::normalize_identifier;
use super::columns::{BlindIndexedTable, BLIND_INDEXED_TABLES};
use super::keyring::{CryptoError, KeyKind, Keyring};
use super::rotation::{rotate_kind, Rotation, RotationReport};
use super::workers::{run_pass, Cursor, Progress, Reporter, Step};

const BLIND_INDEX_KEYS: Rotation = Rotation {
    kind: KeyKind::BlindIndex,
    pass,
    remaining,
};

#[derive(QueryableByName)]
struct RowNumbers {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    /// The sealed numbers, in the table's `columns` order.
    #[diesel(sql_type = Array<Nullable<Bytea>>)]
    sealed: Vec<Option<Vec<u8>>>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Adds blind-index key v+1 as active (or resumes a rotation under way),
/// recomputes every profile's and party member's indexes under it in
/// transactions of `batch` rows, one worker per connection, then retires
/// the old key.
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
    let mut done = 0;
    for table in BLIND_INDEXED_TABLES {
        done += run_pass(conns, reporter, batch, &|conn, cursor| {
            reindex_batch(conn, (keyring, table), target, cursor)
        })?;
    }
    Ok(done)
}

fn remaining(conn: &mut PgConnection, target: u32) -> Result<i64, CryptoError> {
    let mut left = 0;
    for table in BLIND_INDEXED_TABLES {
        let count: Count = diesel::sql_query(format!(
            "SELECT count(*) AS n FROM {} WHERE blind_index_version <> $1",
            table.table
        ))
        .bind::<Integer, _>(version_column(target)?)
        .get_result(conn)?;
        left += count.n;
    }
    Ok(left)
}

fn version_column(version: u32) -> Result<i32, CryptoError> {
    i32::try_from(version).map_err(|_| CryptoError::Malformed)
}

/// `FROM` the indexed table (`o`) and where its sealed values are, with
/// that table's alias.
fn sources(table: &BlindIndexedTable) -> (String, &'static str) {
    if table.sealed_in == table.table {
        (format!("{} o", table.table), "o")
    } else {
        let from = format!(
            "{} o JOIN {} s ON s.{} = o.id",
            table.table, table.sealed_in, table.row_id
        );
        (from, "s")
    }
}

/// Recomputes the indexes of up to `cursor.rows` rows of `table` from the
/// cursor on, in the caller's transaction; rows a writer holds are skipped.
fn reindex_batch(
    conn: &mut PgConnection,
    (keyring, table): (&Keyring, &BlindIndexedTable),
    target: u32,
    cursor: &mut Cursor,
) -> Result<Step, CryptoError> {
    let (from, alias) = sources(table);
    let sealed: Vec<String> = table
        .columns
        .iter()
        .map(|b| format!("{alias}.{}", b.sealed))
        .collect();
    let rows: Vec<RowNumbers> = diesel::sql_query(format!(
        "SELECT o.id, ARRAY[{}]::bytea[] AS sealed FROM {} \
         WHERE o.id BETWEEN $1 AND $2 AND o.blind_index_version <> $3 \
         ORDER BY o.id LIMIT $4 FOR UPDATE OF o SKIP LOCKED",
        sealed.join(", "),
        from
    ))
    .bind::<SqlUuid, _>(cursor.from)
    .bind::<SqlUuid, _>(cursor.to)
    .bind::<Integer, _>(version_column(target)?)
    .bind::<BigInt, _>(cursor.rows)
    .load(conn)?;
    let mut indexes = vec![Vec::with_capacity(rows.len()); table.columns.len()];
    for row in &rows {
        for (k, sealed) in row.sealed.iter().enumerate() {
            indexes[k].push(index_of(
                conn,
                (keyring, table),
                target,
                (row.id, k),
                sealed.as_deref(),
            )?);
        }
    }
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    write_back(conn, (table, target), &ids, indexes)?;
    let more = ids.last().is_some_and(|&last| cursor.past(last));
    let done = u64::try_from(ids.len()).unwrap_or_default();
    Ok(Step {
        counts: vec![(table.rows, done)],
        more,
    })
}

/// The index of one sealed number under the new key (None where there is no number).
fn index_of(
    conn: &mut PgConnection,
    (keyring, table): (&Keyring, &BlindIndexedTable),
    target: u32,
    (id, k): (Uuid, usize),
    sealed: Option<&[u8]>,
) -> Result<Option<Vec<u8>>, CryptoError> {
    let Some(sealed) = sealed else {
        return Ok(None);
    };
    let column = &table.columns[k];
    let plain = keyring
        .open_string(conn, table.table, column.sealed, id, sealed)
        .inspect_err(|e| {
            // Names the row, never the value.
            tracing::error!(table = table.table, column = column.sealed, row = %id, error = %e, "cannot re-index");
        })?;
    let normalized = normalize_identifier(&plain);
    keyring
        .blind_index_under(
            target,
            table.table,
            column.sealed,
            &normalized,
            column.whole,
        )
        .map(Some)
}

fn write_back(
    conn: &mut PgConnection,
    (table, target): (&BlindIndexedTable, u32),
    ids: &[Uuid],
    indexes: Vec<Vec<Option<Vec<u8>>>>,
) -> Result<(), CryptoError> {
    if ids.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = table.columns.iter().map(|b| b.index).collect();
    let set: Vec<String> = columns.iter().map(|c| format!("{c} = v.{c}")).collect();
    let arrays: Vec<String> = (0..columns.len())
        .map(|i| format!("${}::bytea[]", i + 3))
        .collect();
    let sql = format!(
        "UPDATE {} AS o SET {}, blind_index_version = $2 \
         FROM unnest($1::uuid[], {}) AS v(id, {}) WHERE o.id = v.id",
        table.table,
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
