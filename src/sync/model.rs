//! What a source sends (change events in batches), what ODB answers for each
//! event, and the machine clients that send them (docs/integration/moha-sync.md).

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::context::{Actor, Scope};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{OfficialId, SyncClientId, SyncEventId};
use crate::officials::input::LifeEvent;
use crate::org::model::is_code;
use crate::org::reorg::{DissolveRequest, MergeRequest, SplitRequest};
use crate::text_enum;

/// The most events one batch may carry.
pub const MAX_BATCH: usize = 1000;

text_enum!(
    /// Whose system sends the events: MOHA only, today.
    Source {
        Moha = "moha",
    }
);

text_enum!(
    /// What happened at the source: a profile created or updated in full
    /// (`data` a whole profile), changed in part (a PATCH body), moved to
    /// another organization (a transfer body), or gone from the service;
    /// an organization created or updated in full, or reorganized (merged,
    /// split or dissolved by a decision).
    EventType {
        OfficialUpserted = "official.upserted",
        OfficialChanged = "official.changed",
        OfficialTransferred = "official.transferred",
        OfficialLeft = "official.left",
        OrganizationUpserted = "organization.upserted",
        OrganizationReorganized = "organization.reorganized",
    }
);

impl EventType {
    /// About an organization (keyed by its code), not a person.
    pub fn is_organization(self) -> bool {
        matches!(
            self,
            EventType::OrganizationUpserted | EventType::OrganizationReorganized
        )
    }
}

text_enum!(
    /// What became of an event. `duplicate` is only ever an answer: a
    /// duplicate changes nothing and is not stored again.
    Outcome {
        Applied = "applied",
        Duplicate = "duplicate",
        Stale = "stale",
        Rejected = "rejected",
    }
);

/// The entity an event is about: MOHA's own id for it, and what links a
/// first event to what ODB already holds: a person's personal
/// identification code, or an organization's code.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EntityKey {
    pub moha_id: String,
    /// SoDinhDanhCaNhan (events about a person)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_identification_code: Option<String>,
    /// The organization's code (events about an organization)
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization_code: Option<String>,
}

/// One change event as the source sends it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Event {
    pub event_id: SyncEventId,
    /// The source's sequence number: increasing over all its events.
    pub sequence: i64,
    pub occurred_at: DateTime<Utc>,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub entity: EntityKey,
    /// The entity's version at the source after this change.
    pub version: i64,
    pub data: serde_json::Value,
}

impl Event {
    /// An event of a batch, read on its own: a fault names the field.
    pub fn read(raw: &serde_json::Value) -> AppResult<Event> {
        let event: Event = serde_path_to_error::deserialize(raw.clone()).map_err(|e| {
            let path = e.path().to_string();
            let field = if path == "." { "$".to_owned() } else { path };
            AppError::invalid(field, e.inner().to_string())
        })?;
        event.check()?;
        Ok(event)
    }

    fn check(&self) -> AppResult<()> {
        if self.sequence < 1 {
            return Err(AppError::invalid("sequence", "must be 1 or more"));
        }
        if self.version < 1 {
            return Err(AppError::invalid("version", "must be 1 or more"));
        }
        let id = &self.entity.moha_id;
        if id.is_empty() || id.len() > 64 || id.chars().any(char::is_control) {
            return Err(AppError::invalid(
                "entity.moha_id",
                "1 to 64 characters, no control characters",
            ));
        }
        let entity = &self.entity;
        if self.event_type.is_organization() {
            let coded = entity.organization_code.as_deref().is_some_and(is_code);
            if !coded || entity.personal_identification_code.is_some() {
                return Err(AppError::invalid(
                    "entity.organization_code",
                    "the organization's code, and no personal_identification_code",
                ));
            }
            return Ok(());
        }
        let code = entity.personal_identification_code.as_deref().unwrap_or("");
        let digits = code.len() == 12 && code.bytes().all(|b| b.is_ascii_digit());
        if !digits || entity.organization_code.is_some() {
            return Err(AppError::invalid(
                "entity.personal_identification_code",
                "12 digits, and no organization_code",
            ));
        }
        Ok(())
    }
}

/// `data` of `official.left`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Leaving {
    /// retire, death or archive
    pub event: LifeEvent,
    pub effective_date: Option<NaiveDate>,
}

/// `data` of `organization.reorganized`: the decision, as the
/// reorganization routes take it (`kind` names which).
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", content = "request", rename_all = "snake_case")]
pub enum Reorganized {
    Merge(Box<MergeRequest>),
    Split(SplitRequest),
    Dissolve(DissolveRequest),
}

/// What ODB answers for one event of a batch, in the batch's order.
#[derive(Debug, Clone, Serialize)]
pub struct EventResult {
    /// The event's place in the batch, from 0.
    pub index: usize,
    pub event_id: Option<SyncEventId>,
    pub outcome: Outcome,
    pub official_id: Option<OfficialId>,
    /// Why, for a rejected event, in problem form.
    pub problem: Option<serde_json::Value>,
}

/// The answer to a batch.
#[derive(Debug, Clone, Serialize)]
pub struct BatchResult {
    pub results: Vec<EventResult>,
    pub applied: usize,
    pub duplicate: usize,
    pub stale: usize,
    pub rejected: usize,
}

impl BatchResult {
    pub fn of(results: Vec<EventResult>) -> BatchResult {
        let count = |o: Outcome| results.iter().filter(|r| r.outcome == o).count();
        BatchResult {
            applied: count(Outcome::Applied),
            duplicate: count(Outcome::Duplicate),
            stale: count(Outcome::Stale),
            rejected: count(Outcome::Rejected),
            results,
        }
    }
}

/// A client whose signature checked out: who acts, over which subtree.
#[derive(Debug, Clone)]
pub struct SyncCaller {
    pub id: SyncClientId,
    pub name: String,
    pub source: Source,
    /// Its organization's subtree: the only one it reads and writes.
    pub path: TreePath,
}

impl SyncCaller {
    /// As the audit log and profile histories name it.
    pub fn actor(&self) -> Actor {
        Actor {
            id: None,
            name: format!("sync-client:{}", self.name),
        }
    }

    /// `sync_client` over its organization's subtree and nothing else.
    pub fn scope(&self) -> Scope {
        Scope::Paths {
            read: vec![self.path.clone()],
            write: vec![self.path.clone()],
        }
    }
}

/// A client as registered, with its secret: printed once, never stored in
/// clear.
#[derive(Debug, Clone, Serialize)]
pub struct IssuedClient {
    pub id: SyncClientId,
    pub name: String,
    pub secret: String,
    /// Until when the previous secret still works (after a rotation).
    pub previous_until: Option<DateTime<Utc>>,
}

/// A range of sequence numbers never received.
#[derive(Debug, Clone, Serialize)]
pub struct Gap {
    pub from: i64,
    pub to: i64,
}

/// The last event received.
#[derive(Debug, Clone, Serialize)]
pub struct LastEvent {
    pub event_id: SyncEventId,
    pub sequence: i64,
    pub received_at: DateTime<Utc>,
}

/// `GET /sync/moha/status`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub source: Source,
    pub last_received: Option<LastEvent>,
    pub highest_sequence_applied: Option<i64>,
    /// Up to 100 ranges missing between the lowest and highest sequence received.
    pub gaps: Vec<Gap>,
    pub counts: Counts,
    /// Seconds from the source's change to ODB applying it, for the last
    /// event applied.
    pub lag_seconds: Option<f64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    pub applied: i64,
    pub stale: i64,
    pub rejected: i64,
}

/// A rejected event kept for review (never its data: the source holds it).
#[derive(Debug, Clone, Serialize)]
pub struct RejectedEvent {
    pub event_id: SyncEventId,
    pub sequence: i64,
    #[serde(rename = "type")]
    pub event_type: EventType,
    pub moha_id: String,
    pub version: i64,
    pub occurred_at: DateTime<Utc>,
    pub received_at: DateTime<Utc>,
    pub attempts: i32,
    pub problem: serde_json::Value,
}

/// Body of `POST /sync/moha/events`: each event is read on its own, so one
/// that does not parse is rejected alone.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub events: Vec<serde_json::Value>,
}

/// Body of `POST /sync/moha/rejected/replay`: none named, all of them.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Replay {
    #[serde(default)]
    pub event_ids: Vec<SyncEventId>,
}

/// The most entities one reconciliation compares.
pub const MAX_RECONCILE: usize = 100_000;

/// What the source holds for one entity.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Held {
    pub moha_id: String,
    pub version: i64,
}

/// Body of `POST /sync/moha/reconcile`: every entity the source holds
/// managed in that organization's subtree, with its version.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Reconcile {
    pub organization_id: crate::ids::OrganizationId,
    pub entities: Vec<Held>,
}

/// One entity on which the two sides differ.
#[derive(Debug, Clone, Serialize, diesel::QueryableByName)]
pub struct Difference {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub moha_id: String,
    /// The source's version; none when only ODB holds it.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub moha_version: Option<i64>,
    /// ODB's version; none when ODB lacks it.
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    pub odb_version: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Uuid>)]
    pub official_id: Option<OfficialId>,
}

/// What ODB lacks, holds besides, or holds at another version.
#[derive(Debug, Clone, Serialize)]
pub struct Reconciliation {
    pub missing: Vec<Difference>,
    pub extra: Vec<Difference>,
    pub different: Vec<Difference>,
}
