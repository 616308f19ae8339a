//! Statistics of a subtree's members on a date, computed by PostgreSQL in
//! one pass (`odb_party_statistics`, which checks the subtree against the
//! caller's party read scope): counts by status, sex, age band, ethnic
//! group, religion, admission year and years of membership, and the
//! exempted apart.

use chrono::NaiveDate;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Text};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;

#[derive(Debug, QueryableByName)]
pub struct Cell {
    #[diesel(sql_type = Text)]
    pub dimension: String,
    #[diesel(sql_type = Text)]
    pub key: String,
    #[diesel(sql_type = BigInt)]
    pub n: i64,
}

/// The counts of the members whose home cell lies under `root` on `date`
/// (`today`: from the member rows, else from the periods).
pub fn cells(
    conn: &mut PgConnection,
    root: &TreePath,
    date: NaiveDate,
    today: bool,
) -> QueryResult<Vec<Cell>> {
    diesel::sql_query("SELECT dimension, key, n FROM odb_party_statistics($1, $2, $3)")
        .bind::<Ltree, _>(root.clone())
        .bind::<Date, _>(date)
        .bind::<Bool, _>(today)
        .load(conn)
}
