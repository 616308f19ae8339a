//! Reorganizations: merge, split and dissolve. Nothing is rewritten or
//! deleted: the old units keep their rows with a terminal status, their
//! placements close on the effective date, and events tell the story.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;
use validator::Validate;

use super::model::{CreateOrganization, Organization, OrganizationView, Status};
use super::repo::{self, ListedRow};
use super::service::{self, record};
use crate::context::Scope;
use crate::db::schema::reorganizations;
use crate::error::{AppError, AppResult};
use crate::validation::validated;

#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    #[validate(length(min = 1, max = 200))]
    pub decision_number: String,
    pub effective_date: NaiveDate,
    #[validate(length(max = 2000))]
    pub note: Option<String>,
}

/// The unit that receives: an existing one, or one created by the decision.
struct Receiver {
    target_id: Option<Uuid>,
    new_organization: Option<CreateOrganization>,
}

#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    #[validate(length(min = 1, max = 100))]
    pub sources: Vec<Uuid>,
    pub target_id: Option<Uuid>,
    pub new_organization: Option<CreateOrganization>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPart {
    pub target_id: Option<Uuid>,
    pub new_organization: Option<CreateOrganization>,
    /// Live children of the source that go to this part.
    #[serde(default)]
    pub children: Vec<Uuid>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub source_id: Uuid,
    pub parts: Vec<SplitPart>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DissolveRequest {
    pub organization_id: Uuid,
    /// Receives the dissolved unit's children; required when it has any.
    pub successor_id: Option<Uuid>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReorganizationView {
    pub id: Uuid,
    pub kind: &'static str,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
    pub recorded_at: DateTime<Utc>,
    /// Every unit the decision touched, as it stands afterwards.
    pub organizations: Vec<OrganizationView>,
}

struct Context<'s> {
    scope: &'s Scope,
    id: Uuid,
    kind: &'static str,
    decision: Decision,
    now: DateTime<Utc>,
}

impl<'s> Context<'s> {
    fn start(
        conn: &mut PgConnection,
        scope: &'s Scope,
        kind: &'static str,
        decision: Decision,
        now: DateTime<Utc>,
    ) -> AppResult<Self> {
        validated(&decision)?;
        let id = Uuid::new_v4();
        diesel::insert_into(reorganizations::table)
            .values((
                reorganizations::id.eq(id),
                reorganizations::kind.eq(kind),
                reorganizations::decision_number.eq(&decision.decision_number),
                reorganizations::effective_date.eq(decision.effective_date),
                reorganizations::note.eq(&decision.note),
                reorganizations::recorded_at.eq(now),
            ))
            .execute(conn)?;
        Ok(Context {
            scope,
            id,
            kind,
            decision,
            now,
        })
    }

    fn on(&self) -> NaiveDate {
        self.decision.effective_date
    }

    fn event(
        &self,
        conn: &mut PgConnection,
        org: Uuid,
        kind: &'static str,
        related: Option<Uuid>,
    ) -> AppResult<()> {
        record(
            conn,
            org,
            kind,
            self.on(),
            Some(self.decision.decision_number.clone()),
            Some(self.id),
            related,
            json!({}),
            self.now,
        )
    }

    /// Resolves or creates the receiving unit; a new one is established by this decision.
    fn receiver(
        &self,
        conn: &mut PgConnection,
        receiver: Receiver,
        field: &str,
    ) -> AppResult<Organization> {
        match (receiver.target_id, receiver.new_organization) {
            (Some(id), None) => {
                Ok(service::live(conn, self.scope, id, &format!("{field}target_id"))?.0)
            }
            (None, Some(mut spec)) => {
                spec.established_on.get_or_insert(self.on());
                spec.establishment_decision
                    .get_or_insert_with(|| self.decision.decision_number.clone());
                let view = service::create(conn, self.scope, spec, self.now)
                    .map_err(|e| prefix(e, &format!("{field}new_organization.")))?;
                service::get(conn, view.id)
            }
            _ => Err(AppError::invalid(
                format!("{field}target_id"),
                "give exactly one of target_id or new_organization",
            )),
        }
    }

    /// Moves the listed live children of `from` under `to`.
    fn hand_over(
        &self,
        conn: &mut PgConnection,
        children: &[Uuid],
        to: &Organization,
    ) -> AppResult<()> {
        for &child in children {
            let child = service::get(conn, child)?;
            service::move_under(
                conn,
                self.scope,
                &child,
                to.id,
                self.on(),
                Some((self.id, &self.decision.decision_number)),
                self.now,
            )?;
        }
        if !children.is_empty() {
            self.event(conn, to.id, "received_children", None)?;
        }
        Ok(())
    }

    /// Ends `org` with a terminal status; its row and history stay.
    fn close(
        &self,
        conn: &mut PgConnection,
        org: &Organization,
        status: Status,
        field: &str,
    ) -> AppResult<()> {
        let placement = repo::open_placement(conn, org.id)?.ok_or_else(|| {
            AppError::invalid(field, format!("{} is no longer in the tree", org.code))
        })?;
        if placement.valid_from > self.on() {
            return Err(AppError::invalid(
                "effective_date",
                format!(
                    "must be after {}, when {} took its current place",
                    placement.valid_from, org.code
                ),
            ));
        }
        repo::close_placement(conn, org.id, self.on())?;
        let mut closed = service::get(conn, org.id)?;
        closed.status = status.as_str().to_owned();
        closed.dissolved_on = Some(self.on());
        closed.dissolution_decision = Some(self.decision.decision_number.clone());
        closed.version += 1;
        closed.updated_at = self.now;
        repo::save(conn, &closed)?;
        Ok(())
    }

    fn finish(self, conn: &mut PgConnection, touched: Vec<Uuid>) -> AppResult<ReorganizationView> {
        let mut rows = Vec::new();
        for id in unique(touched) {
            let org = service::get(conn, id)?;
            rows.push(ListedRow {
                placed_parent_id: org.parent_id,
                org,
                depth: None,
            });
        }
        Ok(ReorganizationView {
            id: self.id,
            kind: self.kind,
            decision_number: self.decision.decision_number,
            effective_date: self.decision.effective_date,
            note: self.decision.note,
            recorded_at: self.now,
            organizations: service::views(conn, rows)?,
        })
    }
}

fn unique(ids: Vec<Uuid>) -> Vec<Uuid> {
    let mut seen = HashSet::new();
    ids.into_iter().filter(|id| seen.insert(*id)).collect()
}

fn prefix(error: AppError, prefix: &str) -> AppError {
    match error {
        AppError::Validation(errors) => AppError::Validation(
            errors
                .into_iter()
                .map(|mut e| {
                    e.field = format!("{prefix}{}", e.field);
                    e
                })
                .collect(),
        ),
        other => other,
    }
}

fn within(inner: &Organization, outer: &Organization) -> bool {
    inner.path.0.starts_with(&format!("{}.", outer.path.0))
}

/// Several units become one: an existing unit absorbs the others, or a new one
/// is established. Sources other than the target end as `merged`, their
/// children move to the target, and the target lists them as predecessors.
pub fn merge(
    conn: &mut PgConnection,
    scope: &Scope,
    request: MergeRequest,
    now: DateTime<Utc>,
) -> AppResult<ReorganizationView> {
    validated(&request)?;
    if unique(request.sources.clone()).len() != request.sources.len() {
        return Err(AppError::invalid("sources", "lists a unit twice"));
    }
    let decision = Decision {
        decision_number: request.decision_number,
        effective_date: request.effective_date,
        note: request.note,
    };
    let ctx = Context::start(conn, scope, "merge", decision, now)?;
    let mut sources = Vec::new();
    for (i, &id) in request.sources.iter().enumerate() {
        sources.push(service::live(conn, scope, id, &format!("sources[{i}]"))?.0);
    }
    let target = ctx.receiver(
        conn,
        Receiver {
            target_id: request.target_id,
            new_organization: request.new_organization,
        },
        "",
    )?;
    let absorbed: Vec<&Organization> = sources.iter().filter(|s| s.id != target.id).collect();
    if absorbed.is_empty() {
        return Err(AppError::invalid(
            "sources",
            "must name at least one unit besides the target",
        ));
    }
    for (i, source) in sources.iter().enumerate() {
        if within(&target, source) {
            return Err(AppError::invalid(
                format!("sources[{i}]"),
                format!("{} contains the target {}", source.code, target.code),
            ));
        }
    }
    for source in &absorbed {
        let children = repo::live_children(conn, source.id)?;
        ctx.hand_over(conn, &children, &target)?;
        ctx.close(conn, source, Status::Merged, "sources")?;
        repo::add_predecessor(conn, target.id, source.id, ctx.id)?;
        ctx.event(conn, source.id, "merged_into", Some(target.id))?;
        ctx.event(conn, target.id, "absorbed", Some(source.id))?;
    }
    let touched = std::iter::once(target.id)
        .chain(sources.iter().map(|s| s.id))
        .collect();
    ctx.finish(conn, touched)
}

/// One unit becomes several: it ends as `split`, each part lists it as a
/// predecessor, and every live child goes to the part that names it.
pub fn split(
    conn: &mut PgConnection,
    scope: &Scope,
    request: SplitRequest,
    now: DateTime<Utc>,
) -> AppResult<ReorganizationView> {
    if !(2..=100).contains(&request.parts.len()) {
        return Err(AppError::invalid(
            "parts",
            "a split makes between 2 and 100 units",
        ));
    }
    let decision = Decision {
        decision_number: request.decision_number,
        effective_date: request.effective_date,
        note: request.note,
    };
    let ctx = Context::start(conn, scope, "split", decision, now)?;
    let (source, _) = service::live(conn, scope, request.source_id, "source_id")?;
    let live: HashSet<Uuid> = repo::live_children(conn, source.id)?.into_iter().collect();
    let mut assigned: HashMap<Uuid, usize> = HashMap::new();
    for (i, part) in request.parts.iter().enumerate() {
        for (j, child) in part.children.iter().enumerate() {
            if !live.contains(child) {
                return Err(AppError::invalid(
                    format!("parts[{i}].children[{j}]"),
                    "is not a current child of the source",
                ));
            }
            if assigned.insert(*child, i).is_some() {
                return Err(AppError::invalid(
                    format!("parts[{i}].children[{j}]"),
                    "is assigned to two parts",
                ));
            }
        }
    }
    if let Some(missing) = live.iter().find(|c| !assigned.contains_key(c)) {
        return Err(AppError::invalid(
            "parts",
            format!("child {missing} of the source is not assigned to any part"),
        ));
    }
    let mut touched = vec![source.id];
    for (i, part) in request.parts.into_iter().enumerate() {
        let field = format!("parts[{i}].");
        let target = ctx.receiver(
            conn,
            Receiver {
                target_id: part.target_id,
                new_organization: part.new_organization,
            },
            &field,
        )?;
        if target.id == source.id || within(&target, &source) {
            return Err(AppError::invalid(
                format!("{field}target_id"),
                "cannot be the source or inside it",
            ));
        }
        ctx.hand_over(conn, &part.children, &target)?;
        repo::add_predecessor(conn, target.id, source.id, ctx.id)?;
        ctx.event(conn, source.id, "split_into", Some(target.id))?;
        ctx.event(conn, target.id, "split_from", Some(source.id))?;
        touched.push(target.id);
    }
    ctx.close(conn, &source, Status::Split, "source_id")?;
    ctx.finish(conn, touched)
}

/// A unit ends as `dissolved`; its children go to the successor.
pub fn dissolve(
    conn: &mut PgConnection,
    scope: &Scope,
    request: DissolveRequest,
    now: DateTime<Utc>,
) -> AppResult<ReorganizationView> {
    let decision = Decision {
        decision_number: request.decision_number,
        effective_date: request.effective_date,
        note: request.note,
    };
    let ctx = Context::start(conn, scope, "dissolve", decision, now)?;
    let (org, _) = service::live(conn, scope, request.organization_id, "organization_id")?;
    let children = repo::live_children(conn, org.id)?;
    let mut touched = vec![org.id];
    match request.successor_id {
        Some(successor_id) => {
            let (successor, _) = service::live(conn, scope, successor_id, "successor_id")?;
            if successor.id == org.id || within(&successor, &org) {
                return Err(AppError::invalid(
                    "successor_id",
                    "cannot be the dissolved unit or inside it",
                ));
            }
            ctx.hand_over(conn, &children, &successor)?;
            touched.push(successor.id);
        }
        None if !children.is_empty() => {
            return Err(AppError::invalid(
                "successor_id",
                format!(
                    "is required: {} still has {} unit(s) under it",
                    org.code,
                    children.len()
                ),
            ))
        }
        None => {}
    }
    ctx.close(conn, &org, Status::Dissolved, "organization_id")?;
    ctx.event(conn, org.id, "dissolved", request.successor_id)?;
    ctx.finish(conn, touched)
}

#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    pub kind: String,
    pub effective_date: NaiveDate,
    pub decision_number: Option<String>,
    pub reorganization_id: Option<Uuid>,
    pub related_organization: Option<OrganizationRef>,
    pub details: serde_json::Value,
    pub recorded_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrganizationRef {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub status: String,
}

impl From<&Organization> for OrganizationRef {
    fn from(org: &Organization) -> Self {
        OrganizationRef {
            id: org.id,
            code: org.code.clone(),
            name: org.name.clone(),
            status: org.status.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct History {
    pub organization: OrganizationRef,
    pub predecessors: Vec<OrganizationRef>,
    pub successors: Vec<OrganizationRef>,
    pub events: Vec<HistoryEntry>,
}

/// The story of one unit: what happened to it, in effective-date order, and
/// which units it came from and went into.
pub fn history(conn: &mut PgConnection, scope: &Scope, id: Uuid) -> AppResult<History> {
    use crate::db::schema::organization_predecessors as p;
    let org = service::visible(conn, scope, id)?;
    let events = repo::events_of(conn, id)?;
    let predecessor_ids: Vec<Uuid> = p::table
        .filter(p::organization_id.eq(id))
        .select(p::predecessor_id)
        .load(conn)?;
    let successor_ids: Vec<Uuid> = p::table
        .filter(p::predecessor_id.eq(id))
        .select(p::organization_id)
        .load(conn)?;
    let related: HashSet<Uuid> = events
        .iter()
        .filter_map(|e| e.related_organization_id)
        .chain(predecessor_ids.iter().copied())
        .chain(successor_ids.iter().copied())
        .collect();
    let refs: HashMap<Uuid, OrganizationRef> = crate::db::schema::organizations::table
        .filter(crate::db::schema::organizations::id.eq_any(related))
        .select(Organization::as_select())
        .load(conn)?
        .iter()
        .map(|o| (o.id, OrganizationRef::from(o)))
        .collect();
    let pick = |ids: Vec<Uuid>| ids.iter().filter_map(|i| refs.get(i).cloned()).collect();
    Ok(History {
        organization: OrganizationRef::from(&org),
        predecessors: pick(predecessor_ids),
        successors: pick(successor_ids),
        events: events
            .into_iter()
            .map(|e| HistoryEntry {
                related_organization: e
                    .related_organization_id
                    .and_then(|r| refs.get(&r).cloned()),
                kind: e.kind,
                effective_date: e.effective_date,
                decision_number: e.decision_number,
                reorganization_id: e.reorganization_id,
                details: e.details,
                recorded_at: e.recorded_at,
            })
            .collect(),
    })
}
