//! One row of the chain as it is hashed, and the queries that read rows back
//! for checking.

use chrono::{DateTime, SecondsFormat, Timelike, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bytea, Nullable, Text, Timestamptz, Uuid as SqlUuid};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The `prev_hash` of row 1.
pub(crate) const GENESIS: [u8; 32] = [0; 32];

/// Versions the encoding: a future layout hashes under a new tag, never
/// colliding with rows hashed under this one.
const DOMAIN: &[u8] = b"odb.audit_log.v1";

/// Every column, in the textual form PostgreSQL gives back: `ltree` and
/// `jsonb` as their canonical text, so the hash computed before the insert
/// is the hash recomputed from what is stored.
const COLUMNS: &str = "id, at, actor_id, actor, action, entity_type, entity_id, \
    organization_path::text AS organization_path, fields, outcome, address, request_id, \
    details::text AS details, prev_hash, hash";

#[derive(Debug, Clone, QueryableByName)]
pub(crate) struct ChainRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub actor_id: Option<Uuid>,
    #[diesel(sql_type = Nullable<Text>)]
    pub actor: Option<String>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_type: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub entity_id: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub organization_path: Option<String>,
    #[diesel(sql_type = Array<Text>)]
    pub fields: Vec<String>,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub address: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub request_id: Option<String>,
    /// jsonb's own text output: keys sorted, numbers normalized.
    #[diesel(sql_type = Text)]
    pub details: String,
    #[diesel(sql_type = Bytea)]
    pub prev_hash: Vec<u8>,
    #[diesel(sql_type = Bytea)]
    pub hash: Vec<u8>,
}

impl ChainRow {
    /// SHA-256 over `prev_hash` and every other column, each length-prefixed
    /// (and tagged present/absent when nullable) so no two different rows
    /// encode to the same bytes.
    pub fn computed_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(DOMAIN);
        put(&mut h, &self.prev_hash);
        h.update(self.id.to_be_bytes());
        put(&mut h, timestamp(self.at).as_bytes());
        put_opt(&mut h, self.actor_id.as_ref().map(|u| &u.as_bytes()[..]));
        put_opt_str(&mut h, self.actor.as_deref());
        put(&mut h, self.action.as_bytes());
        put_opt_str(&mut h, self.entity_type.as_deref());
        put_opt_str(&mut h, self.entity_id.as_deref());
        put_opt_str(&mut h, self.organization_path.as_deref());
        h.update((self.fields.len() as u64).to_be_bytes());
        for field in &self.fields {
            put(&mut h, field.as_bytes());
        }
        put(&mut h, self.outcome.as_bytes());
        put_opt_str(&mut h, self.address.as_deref());
        put_opt_str(&mut h, self.request_id.as_deref());
        put(&mut h, self.details.as_bytes());
        h.finalize().into()
    }

    /// Its content still matches the hash it was stored with.
    pub fn is_intact(&self) -> bool {
        self.hash[..] == self.computed_hash()[..]
    }
}

fn put(h: &mut Sha256, bytes: &[u8]) {
    h.update((bytes.len() as u64).to_be_bytes());
    h.update(bytes);
}

fn put_opt(h: &mut Sha256, bytes: Option<&[u8]>) {
    match bytes {
        None => h.update([0u8]),
        Some(bytes) => {
            h.update([1u8]);
            put(h, bytes);
        }
    }
}

fn put_opt_str(h: &mut Sha256, text: Option<&str>) {
    put_opt(h, text.map(str::as_bytes));
}

/// RFC 3339 in UTC with exactly six fractional digits: what PostgreSQL keeps.
pub(crate) fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// PostgreSQL keeps microseconds: anything finer would be hashed but lost.
pub(crate) fn truncate_micros(at: DateTime<Utc>) -> DateTime<Utc> {
    at.with_nanosecond(at.nanosecond() / 1_000 * 1_000)
        .unwrap_or(at)
}

/// Up to `limit` rows with an id above `after`, in id order (keyset paging,
/// so a walk over millions of rows holds one batch at a time).
pub(crate) fn batch_after(
    conn: &mut PgConnection,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<ChainRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE id > $1 ORDER BY id LIMIT $2"
    ))
    .bind::<BigInt, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
}

/// The newest row, if any.
pub(crate) fn latest(conn: &mut PgConnection) -> QueryResult<Option<ChainRow>> {
    diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM audit_log ORDER BY id DESC LIMIT 1"
    ))
    .get_result(conn)
    .optional()
}

/// The stored hash of row `id`, if the row exists.
pub(crate) fn hash_of(conn: &mut PgConnection, id: i64) -> QueryResult<Option<Vec<u8>>> {
    use super::schema::audit_log;
    audit_log::table
        .find(id)
        .select(audit_log::hash)
        .first(conn)
        .optional()
}
