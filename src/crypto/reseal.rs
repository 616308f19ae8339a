//! Re-sealing under a new data key, set-based: a batch reads the rows of one
//! table that still hold values under another key (locking them, skipping
//! rows a writer holds), re-seals in Rust, and writes them back with one
//! UPDATE … FROM unnest(…). Every sealed column of a row is done at once,
//! so a row is rewritten once per rotation.

use std::sync::Mutex;

use diesel::pg::PgConnection;
use diesel::sql_types::{Array, BigInt, Bytea, Nullable, Uuid as SqlUuid};
use diesel::{QueryableByName, RunQueryDsl};
use uuid::Uuid;

use super::aead::key_version;
use super::columns::{stored_tables, StoredTable};
use super::keyring::{CryptoError, Keyring};
use super::workers::{run_pass, Cursor, Reporter, Step};

#[derive(QueryableByName)]
struct SealedRow {
    #[diesel(sql_type = SqlUuid)]
    id: Uuid,
    /// The table's sealed columns, in `StoredTable::columns` order.
    #[diesel(sql_type = Array<Nullable<Bytea>>)]
    values: Vec<Option<Vec<u8>>>,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// One pass over every stored table.
pub(crate) fn pass(
    conns: &mut [PgConnection],
    keyring: &Keyring,
    target: u32,
    batch: i64,
    reporter: &Mutex<Reporter<'_>>,
) -> Result<u64, CryptoError> {
    let mut done = 0;
    for table in stored_tables() {
        done += run_pass(conns, reporter, batch, &|conn, cursor| {
            reseal_batch(conn, keyring, &table, (target, batch), cursor)
        })?;
    }
    Ok(done)
}

/// Values still under another version than `target`, in all tables.
pub(crate) fn remaining(conn: &mut PgConnection, target: u32) -> Result<i64, CryptoError> {
    let mut total = 0;
    for table in stored_tables() {
        let count: Count = diesel::sql_query(format!(
            "SELECT coalesce(sum({}), 0)::bigint AS n FROM {}",
            table.stale_count(),
            table.stored_in
        ))
        .bind::<Bytea, _>(target.to_be_bytes().to_vec())
        .get_result(conn)?;
        total += count.n;
    }
    Ok(total)
}

/// Re-seals at most `batch` values from the cursor on, in the caller's
/// transaction. A row whose values would overflow the batch is finished by
/// the next one.
fn reseal_batch(
    conn: &mut PgConnection,
    keyring: &Keyring,
    table: &StoredTable,
    (target, batch): (u32, i64),
    cursor: &mut Cursor,
) -> Result<Step, CryptoError> {
    let rows = stale_rows(conn, table, target, cursor)?;
    let mut fresh = Fresh::new(table.columns.len(), batch);
    for row in &rows {
        if !fresh.take(keyring, conn, table, target, row)? {
            break;
        }
    }
    let counts = table
        .sealed()
        .map(|c| c.column)
        .zip(fresh.counts.iter().copied())
        .collect();
    let more = match fresh.ids.last() {
        None => false,
        Some(&last) if fresh.partial => {
            cursor.from = last;
            true
        }
        Some(&last) => cursor.past(last),
    };
    if fresh.resealed > 0 {
        // Read about as many rows as the next batch will fill.
        let per_row = fresh.resealed.div_ceil(fresh.ids.len() as u64).max(1);
        cursor.rows = (batch / i64::try_from(per_row).unwrap_or(1) + 1).min(batch);
    }
    write_back(conn, table, &fresh)?;
    Ok(Step { counts, more })
}

/// Rows from the cursor on with a value under another version, locked;
/// rows a writer holds are skipped (a later pass takes them).
fn stale_rows(
    conn: &mut PgConnection,
    table: &StoredTable,
    target: u32,
    cursor: &Cursor,
) -> Result<Vec<SealedRow>, CryptoError> {
    let columns: Vec<&str> = table.sealed().map(|c| c.column).collect();
    let (row_id, stored_in) = (table.row_id, table.stored_in);
    Ok(diesel::sql_query(format!(
        "SELECT {row_id} AS id, ARRAY[{}]::bytea[] AS values FROM {stored_in} \
         WHERE {row_id} BETWEEN $2 AND $3 AND ({}) \
         ORDER BY {row_id} LIMIT $4 FOR UPDATE SKIP LOCKED",
        columns.join(", "),
        table.any_stale()
    ))
    .bind::<Bytea, _>(target.to_be_bytes().to_vec())
    .bind::<SqlUuid, _>(cursor.from)
    .bind::<SqlUuid, _>(cursor.to)
    .bind::<BigInt, _>(cursor.rows)
    .load(conn)?)
}

/// The re-sealed values of a batch, column by column (None: unchanged).
struct Fresh {
    ids: Vec<Uuid>,
    columns: Vec<Vec<Option<Vec<u8>>>>,
    counts: Vec<u64>,
    resealed: u64,
    budget: i64,
    /// The last row still holds values under another version.
    partial: bool,
}

impl Fresh {
    fn new(columns: usize, batch: i64) -> Self {
        Fresh {
            ids: Vec::new(),
            columns: vec![Vec::new(); columns],
            counts: vec![0; columns],
            resealed: 0,
            budget: batch,
            partial: false,
        }
    }

    /// Re-seals what the budget allows of `row`; false once it is spent.
    fn take(
        &mut self,
        keyring: &Keyring,
        conn: &mut PgConnection,
        table: &StoredTable,
        target: u32,
        row: &SealedRow,
    ) -> Result<bool, CryptoError> {
        if self.budget == 0 {
            return Ok(false);
        }
        self.ids.push(row.id);
        for (k, (sealed, value)) in table.sealed().zip(&row.values).enumerate() {
            let stale = value.as_deref().filter(|v| key_version(v) != Some(target));
            let resealed = match stale {
                Some(_) if self.budget == 0 => {
                    self.partial = true;
                    None
                }
                Some(old) => {
                    let plain = keyring
                        .open_value(conn, sealed.table, sealed.column, row.id, old)
                        .inspect_err(|e| {
                            // Names the row, never the value.
                            tracing::error!(table = table.stored_in, column = sealed.column, row = %row.id, error = %e, "cannot re-seal");
                        })?;
                    self.budget -= 1;
                    self.counts[k] += 1;
                    self.resealed += 1;
                    Some(keyring.seal_under(target, sealed.table, sealed.column, row.id, &plain)?)
                }
                None => None,
            };
            self.columns[k].push(resealed);
        }
        Ok(true)
    }
}

/// One UPDATE for the whole batch; unchanged columns keep their value.
fn write_back(
    conn: &mut PgConnection,
    table: &StoredTable,
    fresh: &Fresh,
) -> Result<(), CryptoError> {
    if fresh.ids.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = table.sealed().map(|c| c.column).collect();
    let set: Vec<String> = columns
        .iter()
        .map(|c| format!("{c} = coalesce(v.{c}, t.{c})"))
        .collect();
    let arrays: Vec<String> = (0..columns.len())
        .map(|i| format!("${}::bytea[]", i + 2))
        .collect();
    let sql = format!(
        "UPDATE {stored_in} AS t SET {} FROM unnest($1::uuid[], {}) AS v(id, {}) \
         WHERE t.{row_id} = v.id",
        set.join(", "),
        arrays.join(", "),
        columns.join(", "),
        stored_in = table.stored_in,
        row_id = table.row_id,
    );
    let mut query = diesel::sql_query(sql)
        .into_boxed()
        .bind::<Array<SqlUuid>, _>(fresh.ids.clone());
    for values in &fresh.columns {
        query = query.bind::<Array<Nullable<Bytea>>, _>(values.clone());
    }
    query.execute(conn)?;
    Ok(())
}
