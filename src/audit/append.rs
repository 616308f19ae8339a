//! Appending an event to the chain, inside the caller's transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, Jsonb, Nullable, Text};
use serde_json::Value;
use uuid::Uuid;

use super::chain::{self, ChainRow, GENESIS};
use super::schema::audit_log;
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::error::{AppError, AppResult};

/// Key of the transaction-scoped advisory lock that queues appenders, so each
/// sees the row its predecessor wrote and the chain never forks ("odb_audi").
const LOCK_KEY: i64 = 0x6f64_625f_6175_6469;

/// The outcomes in use; others of the same shape are accepted, so a new kind
/// of refusal never makes the audited action fail for want of a word.
pub const OUTCOMES: [&str; 5] = ["success", "failure", "denied", "locked", "throttled"];

/// Something that happened, who did it, and to what. `fields` names what
/// changed and `details` carries non-sensitive extras: never secrets, never
/// personal values, since the log is kept forever and read by auditors.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub actor_id: Option<Uuid>,
    /// The actor's username at the time, kept even if the account is renamed.
    pub actor: Option<String>,
    /// Dotted verb, e.g. `auth.login`, `auth.mfa`, `organization.update`.
    pub action: String,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    /// Where the entity sits in the tree: decides which auditors see the row.
    pub organization_path: Option<TreePath>,
    /// Names of changed fields, never their values.
    pub fields: Vec<String>,
    /// Usually one of [`OUTCOMES`]; always a short snake_case word.
    pub outcome: String,
    pub address: Option<String>,
    pub request_id: Option<String>,
    pub details: Value,
}

impl AuditEvent {
    /// An event with nothing but its action and outcome; set the rest as needed.
    pub fn new(action: impl Into<String>, outcome: impl Into<String>) -> Self {
        AuditEvent {
            actor_id: None,
            actor: None,
            action: action.into(),
            entity_type: None,
            entity_id: None,
            organization_path: None,
            fields: Vec::new(),
            outcome: outcome.into(),
            address: None,
            request_id: None,
            details: Value::Object(Default::default()),
        }
    }
}

/// Appends `event` as the next row of the chain, in the caller's transaction
/// (a savepoint when there is one), so the row lands exactly when the audited
/// change does. The advisory lock is held until the caller's transaction
/// ends: append last, just before committing, to keep that window short.
/// Run under READ COMMITTED (the default): a snapshot older than the lock
/// would miss the newest row and the insert would fail on its id.
pub fn append(conn: &mut PgConnection, event: &AuditEvent, at: DateTime<Utc>) -> AppResult<()> {
    check(event)?;
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(LOCK_KEY)
            .execute(conn)?;
        let row = next_row(conn, event, at)?;
        insert(conn, event, &row)
    })
}

/// Refuses events no reader could make sense of; a programming error, hence
/// `Internal` rather than a validation problem shown to a client.
fn check(event: &AuditEvent) -> AppResult<()> {
    if event.action.trim().is_empty() {
        return Err(AppError::Internal("audit event without an action".into()));
    }
    if !is_word(&event.outcome) {
        return Err(AppError::Internal(format!(
            "audit outcome {:?} is not a snake_case word such as {}",
            event.outcome, OUTCOMES[0]
        )));
    }
    Ok(())
}

fn is_word(text: &str) -> bool {
    (1..=32).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// The row to insert, hashed, linked to the current newest row.
fn next_row(conn: &mut PgConnection, event: &AuditEvent, at: DateTime<Utc>) -> AppResult<ChainRow> {
    let head = head(conn)?;
    let canonical = canonical(conn, event)?;
    linked(head, event, canonical, at)
}

/// The id and hash the next row links to.
fn head(conn: &mut PgConnection) -> AppResult<(i64, Vec<u8>)> {
    Ok(match chain::latest(conn)? {
        Some(head) => (head.id, head.hash),
        None => (0, GENESIS.to_vec()),
    })
}

/// `event` as the row after `(id, hash)`, hashed.
fn linked(
    (id, prev_hash): (i64, Vec<u8>),
    event: &AuditEvent,
    canonical: Canonical,
    at: DateTime<Utc>,
) -> AppResult<ChainRow> {
    let id = id
        .checked_add(1)
        .ok_or_else(|| AppError::Internal("audit log ids exhausted".into()))?;
    let mut row = ChainRow {
        id,
        at: chain::truncate_micros(at),
        actor_id: event.actor_id,
        actor: event.actor.clone(),
        action: event.action.clone(),
        entity_type: event.entity_type.clone(),
        entity_id: event.entity_id.clone(),
        organization_path: canonical.path,
        fields: event.fields.clone(),
        outcome: event.outcome.clone(),
        address: event.address.clone(),
        request_id: event.request_id.clone(),
        details: canonical.details,
        prev_hash,
        hash: Vec::new(),
    };
    row.hash = row.computed_hash().to_vec();
    Ok(row)
}

/// Appends `events` as the next rows of the chain, in their order, in the
/// caller's transaction: the same rows, each linked to the one before, as
/// appending them one by one would write, with a few statements for all
/// of them (the lock, the head, their canonical forms, an insert a
/// thousand rows) instead of four each.
pub fn append_all(
    conn: &mut PgConnection,
    events: &[AuditEvent],
    at: DateTime<Utc>,
) -> AppResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    events.iter().try_for_each(check)?;
    conn.transaction(|conn| {
        diesel::sql_query("SELECT pg_advisory_xact_lock($1)")
            .bind::<diesel::sql_types::BigInt, _>(LOCK_KEY)
            .execute(conn)?;
        let mut head = head(conn)?;
        let mut rows = Vec::with_capacity(events.len());
        for (event, canonical) in events.iter().zip(canonical_all(conn, events)?) {
            let row = linked(head, event, canonical, at)?;
            head = (row.id, row.hash.clone());
            rows.push(row);
        }
        // PostgreSQL binds at most 65,535 values a statement: 15 a row
        for (events, rows) in events
            .chunks(INSERTED_AT_ONCE)
            .zip(rows.chunks(INSERTED_AT_ONCE))
        {
            insert_all(conn, events, rows)?;
        }
        Ok(())
    })
}

/// Rows of one insert: a long import's held-back entries take several.
const INSERTED_AT_ONCE: usize = 1_000;

#[derive(QueryableByName)]
struct Canonical {
    #[diesel(sql_type = Text)]
    details: String,
    #[diesel(sql_type = Nullable<Text>)]
    path: Option<String>,
}

/// `details` and the path as PostgreSQL will give them back once stored:
/// jsonb sorts keys and normalizes numbers, so hashing serde's text instead
/// would make a faithful row look altered.
fn canonical(conn: &mut PgConnection, event: &AuditEvent) -> QueryResult<Canonical> {
    diesel::sql_query("SELECT $1::text AS details, $2::text AS path")
        .bind::<Jsonb, _>(&event.details)
        .bind::<Nullable<Ltree>, _>(event.organization_path.as_ref())
        .get_result(conn)
}

/// `canonical` for every event, in their order, with one statement.
fn canonical_all(conn: &mut PgConnection, events: &[AuditEvent]) -> QueryResult<Vec<Canonical>> {
    let details: Vec<&Value> = events.iter().map(|e| &e.details).collect();
    let paths: Vec<Option<&TreePath>> = events
        .iter()
        .map(|e| e.organization_path.as_ref())
        .collect();
    diesel::sql_query(
        "SELECT d::text AS details, p::text AS path \
         FROM unnest($1::jsonb[], $2::ltree[]) WITH ORDINALITY AS t(d, p, n) ORDER BY n",
    )
    .bind::<Array<Jsonb>, _>(details)
    .bind::<Array<Nullable<Ltree>>, _>(paths)
    .load(conn)
}

/// Binds `details` exactly as `canonical` did, so the stored jsonb is the one
/// whose text was hashed.
fn insert(conn: &mut PgConnection, event: &AuditEvent, row: &ChainRow) -> AppResult<()> {
    insert_all(conn, std::slice::from_ref(event), std::slice::from_ref(row))
}

fn insert_all(conn: &mut PgConnection, events: &[AuditEvent], rows: &[ChainRow]) -> AppResult<()> {
    use audit_log::dsl as c;
    let values: Vec<_> = events
        .iter()
        .zip(rows)
        .map(|(event, row)| {
            (
                c::id.eq(row.id),
                c::at.eq(row.at),
                c::actor_id.eq(row.actor_id),
                c::actor.eq(row.actor.as_deref()),
                c::action.eq(&row.action),
                c::entity_type.eq(row.entity_type.as_deref()),
                c::entity_id.eq(row.entity_id.as_deref()),
                c::organization_path.eq(event.organization_path.as_ref()),
                c::fields.eq(&row.fields),
                c::outcome.eq(&row.outcome),
                c::address.eq(row.address.as_deref()),
                c::request_id.eq(row.request_id.as_deref()),
                c::details.eq(&event.details),
                c::prev_hash.eq(&row.prev_hash),
                c::hash.eq(&row.hash),
            )
        })
        .collect();
    diesel::insert_into(audit_log::table)
        .values(values)
        .execute(conn)?;
    Ok(())
}
