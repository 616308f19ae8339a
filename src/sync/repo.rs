//! SQL for synchronization. Row-level security shows events and entities
//! only to a transaction that entered their source (`odb.sync_source`, set
//! here and nowhere else); clients are read through `odb_sync_client` before
//! any scope exists, and written by the operator's commands.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{
    Array, BigInt, Double, Int2, Int4, Nullable, Text, Timestamptz, Uuid as SqlUuid,
};

use super::model::{Counts, Difference, EventType, Gap, LastEvent, Outcome, RejectedEvent, Source};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{organizations, sync_clients, sync_events};
use crate::ids::{OfficialId, OrganizationId, SyncClientId, SyncEventId};
use crate::org::model::Organization;

/// Enters `source` for the rest of the transaction.
pub fn enter(conn: &mut PgConnection, source: Source) -> QueryResult<()> {
    diesel::sql_query("SELECT set_config('odb.sync_source', $1, true)")
        .bind::<Text, _>(source.as_str())
        .execute(conn)
        .map(drop)
}

/// A client as a signed request names it, with its organization's path.
#[derive(QueryableByName)]
pub struct ClientRow {
    #[diesel(sql_type = SqlUuid)]
    pub id: SyncClientId,
    #[diesel(sql_type = Text)]
    pub name: String,
    #[diesel(sql_type = Text)]
    pub source: Source,
    #[diesel(sql_type = Ltree)]
    pub path: TreePath,
    #[diesel(sql_type = diesel::sql_types::Bytea)]
    pub secret: Vec<u8>,
    #[diesel(sql_type = Nullable<diesel::sql_types::Bytea>)]
    pub previous_secret: Option<Vec<u8>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub previous_until: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The client named by its id or its X-Road identifier.
pub fn client_named(conn: &mut PgConnection, named: &str) -> QueryResult<Option<ClientRow>> {
    diesel::sql_query(
        "SELECT id, name, source, path, secret, previous_secret, previous_until, revoked_at \
         FROM odb_sync_client($1)",
    )
    .bind::<Text, _>(named)
    .get_result(conn)
    .optional()
}

/// A client as stored (written by the operator's commands).
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sync_clients, check_for_backend(diesel::pg::Pg))]
pub struct StoredClient {
    pub id: SyncClientId,
    pub name: String,
    pub source: Source,
    pub xroad_client: Option<String>,
    pub organization_id: OrganizationId,
    pub secret: Vec<u8>,
    pub previous_secret: Option<Vec<u8>>,
    pub previous_until: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub rotated_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

pub fn insert_client(conn: &mut PgConnection, client: &StoredClient) -> QueryResult<usize> {
    diesel::insert_into(sync_clients::table)
        .values(client)
        .on_conflict_do_nothing()
        .execute(conn)
}

/// The live (not revoked) client of that name, locked for change.
pub fn live_client_for_update(
    conn: &mut PgConnection,
    name: &str,
) -> QueryResult<Option<StoredClient>> {
    sync_clients::table
        .filter(sync_clients::name.eq(name))
        .filter(sync_clients::revoked_at.is_null())
        .select(StoredClient::as_select())
        .for_update()
        .first(conn)
        .optional()
}

/// A new secret; the one it replaces keeps working until `previous_until`.
pub fn rotate(
    conn: &mut PgConnection,
    client: &StoredClient,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(sync_clients::table.find(client.id))
        .set((
            sync_clients::secret.eq(&client.secret),
            sync_clients::previous_secret.eq(&client.previous_secret),
            sync_clients::previous_until.eq(client.previous_until),
            sync_clients::rotated_at.eq(now),
        ))
        .execute(conn)
        .map(drop)
}

pub fn revoke(conn: &mut PgConnection, id: SyncClientId, now: DateTime<Utc>) -> QueryResult<()> {
    diesel::update(sync_clients::table.find(id))
        .set(sync_clients::revoked_at.eq(now))
        .execute(conn)
        .map(drop)
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = SqlUuid)]
    event_id: SyncEventId,
}

/// Which of `ids` are stored already.
pub fn seen(conn: &mut PgConnection, ids: &[SyncEventId]) -> QueryResult<Vec<SyncEventId>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.0).collect();
    let rows: Vec<IdRow> =
        diesel::sql_query("SELECT event_id FROM sync_events WHERE event_id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(ids)
            .load(conn)?;
    Ok(rows.into_iter().map(|r| r.event_id).collect())
}

/// The version of an entity ODB holds, and its profile.
#[derive(QueryableByName)]
pub struct EntityRow {
    #[diesel(sql_type = BigInt)]
    pub version: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub official_id: Option<OfficialId>,
}

/// The entity, locked until the transaction ends: events about one entity
/// are decided one at a time, whichever batch carries them. A first event
/// creates it at version 0 (undone with the event if that fails); a
/// concurrent first event waits for it, then finds it.
pub fn lock_entity(
    conn: &mut PgConnection,
    source: Source,
    key: &str,
    now: DateTime<Utc>,
) -> QueryResult<EntityRow> {
    diesel::sql_query(
        "INSERT INTO sync_entities (source, entity_key, version, updated_at) \
         VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(source.as_str())
    .bind::<Text, _>(key)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    diesel::sql_query(
        "SELECT version, official_id FROM sync_entities \
         WHERE source = $1 AND entity_key = $2 FOR UPDATE",
    )
    .bind::<Text, _>(source.as_str())
    .bind::<Text, _>(key)
    .get_result(conn)
}

/// An entity as a batch finds it, locked.
#[derive(QueryableByName)]
pub struct KeyedEntity {
    #[diesel(sql_type = Text)]
    pub entity_key: String,
    #[diesel(sql_type = BigInt)]
    pub version: i64,
    #[diesel(sql_type = Nullable<SqlUuid>)]
    pub official_id: Option<OfficialId>,
}

/// `lock_entity` for a batch's entities at once, in key order (two batches
/// locking in the same order cannot deadlock on each other).
pub fn lock_entities(
    conn: &mut PgConnection,
    source: Source,
    keys: &[&str],
    now: DateTime<Utc>,
) -> QueryResult<Vec<KeyedEntity>> {
    diesel::sql_query(
        "INSERT INTO sync_entities (source, entity_key, version, updated_at) \
         SELECT $1, k, 0, $3 FROM unnest($2::text[]) AS k ORDER BY k ON CONFLICT DO NOTHING",
    )
    .bind::<Text, _>(source.as_str())
    .bind::<Array<Text>, _>(keys)
    .bind::<Timestamptz, _>(now)
    .execute(conn)?;
    diesel::sql_query(
        "SELECT entity_key, version, official_id FROM sync_entities \
         WHERE source = $1 AND entity_key = ANY($2) ORDER BY entity_key FOR UPDATE",
    )
    .bind::<Text, _>(source.as_str())
    .bind::<Array<Text>, _>(keys)
    .load(conn)
}

/// `advance_entity` for many entities about people, in one statement.
pub fn advance_entities(
    conn: &mut PgConnection,
    source: Source,
    advances: &[Advance],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    if advances.is_empty() {
        return Ok(());
    }
    let keys: Vec<&str> = advances.iter().map(|a| a.key).collect();
    let versions: Vec<i64> = advances.iter().map(|a| a.version).collect();
    let officials: Vec<Option<OfficialId>> = advances.iter().map(|a| a.official).collect();
    let events: Vec<SyncEventId> = advances.iter().map(|a| a.event).collect();
    diesel::sql_query(
        "UPDATE sync_entities e SET version = a.version, official_id = a.official_id, \
                event_id = a.event_id, updated_at = $6, organization_id = NULL \
         FROM unnest($2::text[], $3::bigint[], $4::uuid[], $5::uuid[]) \
              AS a(entity_key, version, official_id, event_id) \
         WHERE e.source = $1 AND e.entity_key = a.entity_key",
    )
    .bind::<Text, _>(source.as_str())
    .bind::<Array<Text>, _>(keys)
    .bind::<Array<BigInt>, _>(versions)
    .bind::<Array<Nullable<SqlUuid>>, _>(officials)
    .bind::<Array<SqlUuid>, _>(events)
    .bind::<Timestamptz, _>(now)
    .execute(conn)
    .map(drop)
}

/// The organizations among `ids` or with one of `codes` that this
/// transaction sees, for a batch to check its events against.
pub fn units(
    conn: &mut PgConnection,
    ids: &[OrganizationId],
    codes: &[String],
) -> QueryResult<Vec<Organization>> {
    organizations::table
        .filter(
            organizations::id
                .eq_any(ids)
                .or(organizations::code.eq_any(codes)),
        )
        .select(Organization::as_select())
        .load(conn)
}

/// What an event did to its entity.
pub struct Advance<'a> {
    pub source: Source,
    pub key: &'a str,
    pub version: i64,
    /// The profile, for an event about a person.
    pub official: Option<OfficialId>,
    /// The unit, for an event about an organization.
    pub organization: Option<OrganizationId>,
    pub event: SyncEventId,
}

pub fn advance_entity(
    conn: &mut PgConnection,
    advance: Advance,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE sync_entities SET version = $3, official_id = $4, event_id = $5, updated_at = $6, \
         organization_id = $7 WHERE source = $1 AND entity_key = $2",
    )
    .bind::<Text, _>(advance.source.as_str())
    .bind::<Text, _>(advance.key)
    .bind::<BigInt, _>(advance.version)
    .bind::<Nullable<SqlUuid>, _>(advance.official)
    .bind::<SqlUuid, _>(advance.event)
    .bind::<Timestamptz, _>(now)
    .bind::<Nullable<SqlUuid>, _>(advance.organization)
    .execute(conn)
    .map(drop)
}

/// An event as stored.
#[derive(Debug, Clone, Queryable, Selectable, Insertable)]
#[diesel(table_name = sync_events, check_for_backend(diesel::pg::Pg))]
pub struct EventRow {
    pub event_id: SyncEventId,
    pub source: Source,
    pub client_id: SyncClientId,
    pub sequence: i64,
    pub occurred_at: DateTime<Utc>,
    pub event_type: EventType,
    pub entity_key: String,
    pub entity_version: i64,
    pub payload: Vec<u8>,
    pub outcome: Outcome,
    pub problem: Option<serde_json::Value>,
    pub official_id: Option<OfficialId>,
    pub received_at: DateTime<Utc>,
    pub decided_at: DateTime<Utc>,
    pub attempts: i32,
}

pub fn insert_event(conn: &mut PgConnection, row: &EventRow) -> QueryResult<()> {
    insert_events(conn, std::slice::from_ref(row))
}

/// Many events stored in one statement.
pub fn insert_events(conn: &mut PgConnection, rows: &[EventRow]) -> QueryResult<()> {
    diesel::insert_into(sync_events::table)
        .values(rows)
        .execute(conn)
        .map(drop)
}

/// A replayed event's new decision.
pub fn redecide(conn: &mut PgConnection, row: &EventRow) -> QueryResult<()> {
    diesel::update(sync_events::table.find(row.event_id))
        .set((
            sync_events::outcome.eq(row.outcome),
            sync_events::problem.eq(&row.problem),
            sync_events::official_id.eq(row.official_id),
            sync_events::decided_at.eq(row.decided_at),
            sync_events::attempts.eq(row.attempts),
        ))
        .execute(conn)
        .map(drop)
}

/// Rejected events, oldest sequence first: the ones named, or (with none
/// named) up to `limit` of all, locked for a replay.
pub fn rejected_for_update(
    conn: &mut PgConnection,
    source: Source,
    ids: &[SyncEventId],
    limit: i64,
) -> QueryResult<Vec<EventRow>> {
    let rejected = sync_events::table
        .filter(sync_events::source.eq(source))
        .filter(sync_events::outcome.eq(Outcome::Rejected))
        .order((sync_events::sequence, sync_events::event_id))
        .limit(limit)
        .select(EventRow::as_select());
    if ids.is_empty() {
        rejected.for_update().load(conn)
    } else {
        rejected
            .filter(sync_events::event_id.eq_any(ids.to_vec()))
            .for_update()
            .load(conn)
    }
}

/// A page of rejected events after `(sequence, event_id)`.
pub fn rejected_page(
    conn: &mut PgConnection,
    source: Source,
    after: Option<(i64, SyncEventId)>,
    limit: i64,
) -> QueryResult<Vec<RejectedEvent>> {
    let mut query = sync_events::table
        .filter(sync_events::source.eq(source))
        .filter(sync_events::outcome.eq(Outcome::Rejected))
        .order((sync_events::sequence, sync_events::event_id))
        .limit(limit)
        .into_boxed();
    if let Some((sequence, id)) = after {
        query = query.filter(
            sync_events::sequence.gt(sequence).or(sync_events::sequence
                .eq(sequence)
                .and(sync_events::event_id.gt(id))),
        );
    }
    let rows: Vec<EventRow> = query.select(EventRow::as_select()).load(conn)?;
    Ok(rows
        .into_iter()
        .map(|row| RejectedEvent {
            event_id: row.event_id,
            sequence: row.sequence,
            event_type: row.event_type,
            moha_id: row.entity_key,
            version: row.entity_version,
            occurred_at: row.occurred_at,
            received_at: row.received_at,
            attempts: row.attempts,
            problem: row.problem.unwrap_or_default(),
        })
        .collect())
}

/// A profile's version, locked for change, and its managing organization's group.
#[derive(QueryableByName)]
pub struct Held {
    #[diesel(sql_type = Int4)]
    pub version: i32,
    #[diesel(sql_type = Int2)]
    pub org_group: i16,
}

pub fn held_profile(conn: &mut PgConnection, id: OfficialId) -> QueryResult<Option<Held>> {
    diesel::sql_query(
        "SELECT p.version, o.org_group FROM officials p \
         JOIN organizations o ON o.id = p.managing_organization_id \
         WHERE p.id = $1 FOR UPDATE OF p",
    )
    .bind::<SqlUuid, _>(id)
    .get_result(conn)
    .optional()
}

#[derive(QueryableByName)]
struct GroupRow {
    #[diesel(sql_type = SqlUuid)]
    id: OrganizationId,
    #[diesel(sql_type = Int2)]
    org_group: i16,
}

/// The group of each of `ids` this transaction sees.
pub fn groups(
    conn: &mut PgConnection,
    ids: &[OrganizationId],
) -> QueryResult<Vec<(OrganizationId, i16)>> {
    let ids: Vec<uuid::Uuid> = ids.iter().map(|id| id.0).collect();
    let rows: Vec<GroupRow> =
        diesel::sql_query("SELECT id, org_group FROM organizations WHERE id = ANY($1)")
            .bind::<Array<SqlUuid>, _>(ids)
            .load(conn)?;
    Ok(rows.into_iter().map(|r| (r.id, r.org_group)).collect())
}

#[derive(QueryableByName)]
struct CountRow {
    #[diesel(sql_type = Text)]
    outcome: String,
    #[diesel(sql_type = BigInt)]
    n: i64,
}

pub fn counts(conn: &mut PgConnection, source: Source) -> QueryResult<Counts> {
    let rows: Vec<CountRow> = diesel::sql_query(
        "SELECT outcome, count(*) AS n FROM sync_events WHERE source = $1 GROUP BY outcome",
    )
    .bind::<Text, _>(source.as_str())
    .load(conn)?;
    let mut counts = Counts::default();
    for row in rows {
        match row.outcome.as_str() {
            "applied" => counts.applied = row.n,
            "stale" => counts.stale = row.n,
            _ => counts.rejected = row.n,
        }
    }
    Ok(counts)
}

#[derive(QueryableByName)]
struct LastRow {
    #[diesel(sql_type = SqlUuid)]
    event_id: SyncEventId,
    #[diesel(sql_type = BigInt)]
    sequence: i64,
    #[diesel(sql_type = Timestamptz)]
    received_at: DateTime<Utc>,
}

pub fn last_received(conn: &mut PgConnection, source: Source) -> QueryResult<Option<LastEvent>> {
    let row: Option<LastRow> = diesel::sql_query(
        "SELECT event_id, sequence, received_at FROM sync_events WHERE source = $1 \
         ORDER BY received_at DESC, sequence DESC LIMIT 1",
    )
    .bind::<Text, _>(source.as_str())
    .get_result(conn)
    .optional()?;
    Ok(row.map(|r| LastEvent {
        event_id: r.event_id,
        sequence: r.sequence,
        received_at: r.received_at,
    }))
}

#[derive(QueryableByName)]
struct AppliedRow {
    #[diesel(sql_type = Nullable<BigInt>)]
    highest: Option<i64>,
    #[diesel(sql_type = Nullable<Double>)]
    lag: Option<f64>,
}

/// The highest sequence applied, and the lag of the last event applied.
pub fn applied(conn: &mut PgConnection, source: Source) -> QueryResult<(Option<i64>, Option<f64>)> {
    let row: AppliedRow = diesel::sql_query(
        "SELECT (SELECT max(sequence) FROM sync_events WHERE source = $1 AND outcome = 'applied') AS highest, \
                (SELECT extract(epoch FROM decided_at - occurred_at)::float8 FROM sync_events \
                 WHERE source = $1 AND outcome = 'applied' ORDER BY decided_at DESC, sequence DESC LIMIT 1) AS lag",
    )
    .bind::<Text, _>(source.as_str())
    .get_result(conn)?;
    Ok((row.highest, row.lag))
}

#[derive(QueryableByName)]
struct GapRow {
    #[diesel(sql_type = BigInt)]
    gap_from: i64,
    #[diesel(sql_type = BigInt)]
    gap_to: i64,
}

/// Up to 100 ranges of sequence numbers never received, between the lowest
/// and the highest received.
pub fn gaps(conn: &mut PgConnection, source: Source) -> QueryResult<Vec<Gap>> {
    let rows: Vec<GapRow> = diesel::sql_query(
        "SELECT sequence + 1 AS gap_from, next - 1 AS gap_to FROM ( \
             SELECT sequence, lead(sequence) OVER (ORDER BY sequence) AS next \
             FROM (SELECT DISTINCT sequence FROM sync_events WHERE source = $1) s) t \
         WHERE next > sequence + 1 ORDER BY sequence LIMIT 100",
    )
    .bind::<Text, _>(source.as_str())
    .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|r| Gap {
            from: r.gap_from,
            to: r.gap_to,
        })
        .collect())
}

/// Where the two sides differ over the profiles managed in `subtree`: an
/// entity the source sent that ODB does not hold there, one ODB holds there
/// that the source did not send, or one held at another version.
pub fn differences(
    conn: &mut PgConnection,
    source: Source,
    subtree: &TreePath,
    sent: (Vec<String>, Vec<i64>),
) -> QueryResult<Vec<Difference>> {
    diesel::sql_query(
        "WITH sent AS (SELECT * FROM unnest($1::text[], $2::bigint[]) AS s(moha_id, version)), \
              held AS (SELECT e.entity_key, e.version, e.official_id FROM sync_entities e \
                       JOIN officials p ON p.id = e.official_id \
                       WHERE e.source = $3 AND e.version > 0 AND p.managing_path <@ $4) \
         SELECT coalesce(s.moha_id, h.entity_key) AS moha_id, s.version AS moha_version, \
                h.version AS odb_version, h.official_id \
         FROM sent s FULL JOIN held h ON h.entity_key = s.moha_id \
         WHERE s.version IS DISTINCT FROM h.version \
         ORDER BY 1",
    )
    .bind::<Array<Text>, _>(sent.0)
    .bind::<Array<BigInt>, _>(sent.1)
    .bind::<Text, _>(source.as_str())
    .bind::<Ltree, _>(subtree)
    .load(conn)
}
