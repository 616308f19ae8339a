//! Receiving events: each decided in a savepoint of the batch's one
//! transaction (applied through the officials services, or found stale, or
//! rejected with its reasons) and stored with its decision in that same
//! transaction, so nothing is acknowledged that is not stored, and one bad
//! event never blocks the rest. Events about one entity are decided in the
//! source's sequence order, one transaction at a time (docs/integration/moha-sync.md).

mod apply;
mod auth;
mod batch;

pub use auth::authenticate;

use std::collections::HashSet;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use serde_json::Value;

use super::model::{
    BatchResult, Event, EventResult, EventType, Outcome, Reconcile, Reconciliation, RejectedEvent,
    Source, Status, SyncCaller, MAX_BATCH, MAX_RECONCILE,
};
use super::repo::{self, Advance, EventRow};
use crate::context::Ctx;
use crate::crypto::Sealer;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, SyncEventId};
use crate::pagination::{self, Limit, Page};

/// Where an event's payload is sealed, as its associated data names it.
pub const TABLE: &str = "sync_events";
pub const PAYLOAD: &str = "payload";

/// Runs `work` in a savepoint: what it did stays only if it succeeds, its
/// audit entries included.
fn savepoint<T>(ctx: &mut Ctx, work: impl FnOnce(&mut Ctx) -> AppResult<T>) -> AppResult<T> {
    let mark = ctx.audit_mark();
    AnsiTransactionManager::begin_transaction(ctx.conn)?;
    match work(ctx) {
        Ok(value) => {
            AnsiTransactionManager::commit_transaction(ctx.conn)?;
            Ok(value)
        }
        Err(error) => {
            AnsiTransactionManager::rollback_transaction(ctx.conn)?;
            ctx.forget_audits_since(mark);
            Err(error)
        }
    }
}

/// What an event's decision is, before it is stored.
struct Decision {
    outcome: Outcome,
    official: Option<OfficialId>,
}

/// Stale when ODB holds its version or a later one; a change in part must
/// follow the version held, or it would patch a state it was not made on.
fn is_stale(event: &Event, held: i64) -> AppResult<bool> {
    if event.version <= held {
        return Ok(true);
    }
    if event.event_type == EventType::OfficialChanged && event.version != held + 1 {
        return Err(AppError::conflict(
            "version-gap",
            format!(
                "this change in part makes version {}, but ODB holds version {}: send the \
                 versions between (or the entity in full), then replay this event",
                event.version, held
            ),
        ));
    }
    Ok(false)
}

/// Decides an event on its own, in a savepoint of its own.
fn decide(ctx: &mut Ctx, source: Source, event: &Event) -> AppResult<Decision> {
    let key = event.entity.moha_id.as_str();
    let entity = repo::lock_entity(ctx.conn, source, key, ctx.now)?;
    if is_stale(event, entity.version)? {
        return Ok(Decision {
            outcome: Outcome::Stale,
            official: entity.official_id,
        });
    }
    let (official, organization) = match apply::effect(ctx, entity.official_id, event)? {
        apply::Linked::Official(id) => (Some(id), None),
        apply::Linked::Organization(id) => (None, Some(id)),
    };
    let advance = Advance {
        source,
        key,
        version: event.version,
        official,
        organization,
        event: event.event_id,
    };
    repo::advance_entity(ctx.conn, advance, ctx.now)?;
    Ok(Decision {
        outcome: Outcome::Applied,
        official,
    })
}

/// The same event stored by a concurrent batch first.
fn stored_already(error: &AppError) -> bool {
    matches!(error, AppError::Database(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info))
        if info.constraint_name() == Some("sync_events_pkey"))
}

fn problem_of(error: &AppError) -> Value {
    serde_json::to_value(error.to_problem()).unwrap_or_default()
}

fn result(index: usize, event: SyncEventId, outcome: Outcome) -> EventResult {
    EventResult {
        index,
        event_id: Some(event),
        outcome,
        official_id: None,
        problem: None,
    }
}

/// Decides `row`'s event and stores the decision with `store` (an insert
/// for a new event, an update for a replay). A server fault fails the
/// whole batch: nothing is stored, and the source sends it again.
fn decide_and_store(
    ctx: &mut Ctx,
    (source, event): (Source, &Event),
    row: &mut EventRow,
    store: fn(&mut diesel::PgConnection, &EventRow) -> diesel::QueryResult<()>,
) -> AppResult<Outcome> {
    let decided = savepoint(ctx, |ctx| {
        let decision = decide(ctx, source, event)?;
        row.outcome = decision.outcome;
        row.official_id = decision.official;
        row.problem = None;
        store(ctx.conn, row)?;
        Ok(decision.outcome)
    });
    match decided {
        Err(error) if !stored_already(&error) && !error.is_server_fault() => {
            row.outcome = Outcome::Rejected;
            row.official_id = None;
            row.problem = Some(problem_of(&error));
            savepoint(ctx, |ctx| Ok(store(ctx.conn, row)?)).map(|()| Outcome::Rejected)
        }
        decided => decided,
    }
}

/// An event as stored on arrival, its decision still to be made.
fn arriving(ctx: &Ctx, sealer: &Sealer, client: &SyncCaller, event: &Event) -> AppResult<EventRow> {
    let payload = serde_json::to_vec(event).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(EventRow {
        event_id: event.event_id,
        source: client.source,
        client_id: client.id,
        sequence: event.sequence,
        occurred_at: event.occurred_at,
        event_type: event.event_type,
        entity_key: event.entity.moha_id.clone(),
        entity_version: event.version,
        payload: sealer.seal(TABLE, PAYLOAD, event.event_id.0, &payload)?,
        outcome: Outcome::Rejected,
        problem: None,
        official_id: None,
        received_at: ctx.now,
        decided_at: ctx.now,
        attempts: 1,
    })
}

fn receive_one(
    ctx: &mut Ctx,
    (client, sealer): (&SyncCaller, &Sealer),
    index: usize,
    event: &Event,
) -> AppResult<EventResult> {
    let mut row = arriving(ctx, sealer, client, event)?;
    let outcome = match decide_and_store(ctx, (client.source, event), &mut row, repo::insert_event)
    {
        Err(error) if stored_already(&error) => Outcome::Duplicate,
        decided => decided?,
    };
    Ok(EventResult {
        official_id: row.official_id.filter(|_| outcome != Outcome::Duplicate),
        problem: row.problem.filter(|_| outcome == Outcome::Rejected),
        ..result(index, event.event_id, outcome)
    })
}

/// An event whose envelope does not parse is answered, not stored: it has
/// no id or sequence to be stored under.
fn unreadable(index: usize, raw: &Value, error: &AppError) -> EventResult {
    EventResult {
        index,
        event_id: raw
            .get("event_id")
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok()),
        outcome: Outcome::Rejected,
        official_id: None,
        problem: Some(problem_of(error)),
    }
}

/// `POST /sync/moha/events`: every event decided, in sequence order, and
/// stored; the answer in the batch's order.
pub fn receive(ctx: &mut Ctx, client: SyncCaller, batch: Vec<Value>) -> AppResult<BatchResult> {
    if batch.is_empty() || batch.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "events",
            format!("a batch carries 1 to {MAX_BATCH} events"),
        ));
    }
    repo::enter(ctx.conn, client.source)?;
    // the audit lock only at the end: not held through a 1,000-event batch
    ctx.defer_audits();
    let parsed: Vec<AppResult<Event>> = batch.iter().map(Event::read).collect();
    let ids: Vec<SyncEventId> = parsed.iter().flatten().map(|e| e.event_id).collect();
    let mut seen: HashSet<SyncEventId> = repo::seen(ctx.conn, &ids)?.into_iter().collect();
    let mut order: Vec<(i64, usize, &Event)> = parsed
        .iter()
        .enumerate()
        .filter_map(|(i, p)| p.as_ref().ok().map(|e| (e.sequence, i, e)))
        .collect();
    order.sort_by_key(|(sequence, index, _)| (*sequence, *index));
    let keyring = ctx.keyring;
    let sealer = keyring.sealer(ctx.conn)?;
    let mut results: Vec<Option<EventResult>> = parsed
        .iter()
        .enumerate()
        .map(|(i, p)| p.as_ref().err().map(|e| unreadable(i, &batch[i], e)))
        .collect();
    let mut fresh = Vec::with_capacity(order.len());
    for (_, index, event) in order {
        if seen.insert(event.event_id) {
            fresh.push((index, event));
        } else {
            results[index] = Some(result(index, event.event_id, Outcome::Duplicate));
        }
    }
    let alone = batch::receive(ctx, (&client, &sealer), fresh, &mut results)?;
    for (index, event) in alone {
        results[index] = Some(receive_one(ctx, (&client, &sealer), index, event)?);
    }
    ctx.reference.clear();
    let results = results.into_iter().flatten().collect();
    let answer = BatchResult::of(results);
    audit_batch(ctx, &client, "sync.receive", &answer)?;
    Ok(answer)
}

/// One entry for the batch, beside those the officials services wrote for
/// each change: what arrived, and what became of it.
fn audit_batch(
    ctx: &mut Ctx,
    client: &SyncCaller,
    action: &str,
    answer: &BatchResult,
) -> AppResult<()> {
    let mut event = ctx.event(
        action,
        "sync_client",
        Some(client.id.to_string()),
        Some(client.path.clone()),
        Vec::new(),
    );
    event.details = serde_json::json!({
        "applied": answer.applied,
        "duplicate": answer.duplicate,
        "stale": answer.stale,
        "rejected": answer.rejected,
    });
    ctx.audit(&event)
}

/// Decides rejected events again (the ones named, or all of them, oldest
/// first, at most 1,000): once the catalog or the data they needed is
/// fixed, or the versions they waited for arrived. Each is locked while it
/// is decided, so a replay applies it at most once.
pub fn replay(ctx: &mut Ctx, client: SyncCaller, ids: Vec<SyncEventId>) -> AppResult<BatchResult> {
    if ids.len() > MAX_BATCH {
        return Err(AppError::invalid(
            "event_ids",
            format!("at most {MAX_BATCH} events at once"),
        ));
    }
    repo::enter(ctx.conn, client.source)?;
    ctx.defer_audits();
    let rows = repo::rejected_for_update(ctx.conn, client.source, &ids, MAX_BATCH as i64)?;
    let mut results = Vec::with_capacity(rows.len());
    for (index, mut row) in rows.into_iter().enumerate() {
        let sent =
            ctx.keyring
                .open_value(ctx.conn, TABLE, PAYLOAD, row.event_id.0, &row.payload)?;
        let event: Event =
            serde_json::from_slice(&sent).map_err(|e| AppError::Internal(e.to_string()))?;
        row.attempts += 1;
        row.decided_at = ctx.now;
        let outcome = decide_and_store(ctx, (client.source, &event), &mut row, repo::redecide)?;
        results.push(EventResult {
            official_id: row.official_id,
            problem: row.problem.clone(),
            ..result(index, row.event_id, outcome)
        });
    }
    let answer = BatchResult::of(results);
    audit_batch(ctx, &client, "sync.replay", &answer)?;
    Ok(answer)
}

/// `POST /sync/moha/reconcile`: after an outage, what the two sides must
/// exchange to be level again over one organization's subtree. Not
/// audited: it changes nothing and shows only ids and versions.
pub fn reconcile(
    ctx: &mut Ctx,
    client: SyncCaller,
    request: Reconcile,
) -> AppResult<Reconciliation> {
    if request.entities.len() > MAX_RECONCILE {
        return Err(AppError::invalid(
            "entities",
            format!("at most {MAX_RECONCILE} entities at once"),
        ));
    }
    let unit = crate::org::repo::find(ctx.conn, request.organization_id)?
        .ok_or_else(|| AppError::invalid("organization_id", "no such organization"))?;
    repo::enter(ctx.conn, client.source)?;
    let sent = request
        .entities
        .into_iter()
        .map(|held| (held.moha_id, held.version))
        .unzip();
    let differences = repo::differences(ctx.conn, client.source, &unit.path, sent)?;
    let (mut missing, mut extra, mut different) = (Vec::new(), Vec::new(), Vec::new());
    for difference in differences {
        match (difference.moha_version, difference.odb_version) {
            (Some(_), None) => missing.push(difference),
            (None, Some(_)) => extra.push(difference),
            _ => different.push(difference),
        }
    }
    Ok(Reconciliation {
        missing,
        extra,
        different,
    })
}

/// `GET /sync/moha/status`.
pub fn status(ctx: &mut Ctx, client: SyncCaller) -> AppResult<Status> {
    let source = client.source;
    repo::enter(ctx.conn, source)?;
    let (highest_sequence_applied, lag_seconds) = repo::applied(ctx.conn, source)?;
    Ok(Status {
        source,
        last_received: repo::last_received(ctx.conn, source)?,
        highest_sequence_applied,
        gaps: repo::gaps(ctx.conn, source)?,
        counts: repo::counts(ctx.conn, source)?,
        lag_seconds,
    })
}

/// `GET /sync/moha/rejected`: rejected events kept for review, by sequence.
pub fn rejected(
    ctx: &mut Ctx,
    client: SyncCaller,
    (cursor, limit): (Option<String>, Limit),
) -> AppResult<Page<RejectedEvent>> {
    let after = cursor
        .as_deref()
        .map(pagination::decode::<(i64, SyncEventId)>)
        .transpose()?;
    repo::enter(ctx.conn, client.source)?;
    let rows = repo::rejected_page(ctx.conn, client.source, after, limit.probe())?;
    let (items, next_cursor) = pagination::finish(rows, limit, |r| (r.sequence, r.event_id));
    Ok(Page { items, next_cursor })
}
