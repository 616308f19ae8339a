//! Reorganizations: merge, split and dissolve. Nothing is rewritten or
//! deleted: the old units keep their rows with a terminal status, their
//! placements close on the effective date, and events tell the story. Each
//! unit a decision touched is audited in the decision's transaction.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use serde_json::json;
use validator::Validate;

use super::model::{
    CreateOrganization, EventKind, ListedRow, NewEvent, Organization, OrganizationView,
    Reorganization, ReorganizationKind, Status,
};
use super::read::views;
use super::repo;
use super::service::{get, live};
use super::tree::{self, Move};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, ReorganizationId};
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
    target_id: Option<OrganizationId>,
    new_organization: Option<CreateOrganization>,
}

#[derive(Debug, Clone, Deserialize, Validate)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    #[validate(length(min = 1, max = 100))]
    pub sources: Vec<OrganizationId>,
    pub target_id: Option<OrganizationId>,
    pub new_organization: Option<CreateOrganization>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitPart {
    pub target_id: Option<OrganizationId>,
    pub new_organization: Option<CreateOrganization>,
    /// Live children of the source that go to this part.
    #[serde(default)]
    pub children: Vec<OrganizationId>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitRequest {
    pub source_id: OrganizationId,
    pub parts: Vec<SplitPart>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DissolveRequest {
    pub organization_id: OrganizationId,
    /// Receives the dissolved unit's children; required when it has any.
    pub successor_id: Option<OrganizationId>,
    pub decision_number: String,
    pub effective_date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ReorganizationView {
    #[serde(flatten)]
    pub reorganization: Reorganization,
    /// Every unit the decision touched, as it stands afterwards.
    pub organizations: Vec<OrganizationView>,
}

/// A decision being carried out; its row is recorded first.
struct Decree(Reorganization);

impl Decree {
    fn start(ctx: &mut Ctx, kind: ReorganizationKind, decision: Decision) -> AppResult<Self> {
        validated(&decision)?;
        let row = Reorganization {
            id: ReorganizationId::new_random(),
            kind,
            decision_number: decision.decision_number,
            effective_date: decision.effective_date,
            note: decision.note,
            recorded_at: ctx.now,
        };
        repo::insert_reorganization(ctx.conn, &row)?;
        Ok(Decree(row))
    }

    fn on(&self) -> NaiveDate {
        self.0.effective_date
    }

    fn event(
        &self,
        ctx: &mut Ctx,
        org: OrganizationId,
        kind: EventKind,
        related: Option<OrganizationId>,
    ) -> AppResult<()> {
        let event = NewEvent {
            decision_number: Some(self.0.decision_number.clone()),
            reorganization_id: Some(self.0.id),
            related_organization_id: related,
            ..NewEvent::new(org, kind, self.on(), ctx.now)
        };
        Ok(repo::insert_event(ctx.conn, &event)?)
    }

    /// Resolves or creates the receiving unit; a new one is established by this decision.
    fn receiver(&self, ctx: &mut Ctx, receiver: Receiver, field: &str) -> AppResult<Organization> {
        match (receiver.target_id, receiver.new_organization) {
            (Some(id), None) => live(ctx, id, &format!("{field}target_id")),
            (None, Some(mut spec)) => {
                spec.established_on.get_or_insert(self.on());
                spec.establishment_decision
                    .get_or_insert_with(|| self.0.decision_number.clone());
                tree::establish(ctx, spec)
                    .map_err(|e| prefix(e, &format!("{field}new_organization.")))
            }
            _ => Err(AppError::invalid(
                format!("{field}target_id"),
                "give exactly one of target_id or new_organization",
            )),
        }
    }

    /// Moves the listed live children under `to`.
    fn hand_over(
        &self,
        ctx: &mut Ctx,
        children: &[OrganizationId],
        to: &Organization,
    ) -> AppResult<()> {
        for &child in children {
            let child = get(ctx.conn, child)?;
            let (parent, on, by) = (to.id, self.on(), Some(&self.0));
            tree::move_under(ctx, &child, Move { parent, on, by })?;
        }
        if !children.is_empty() {
            self.event(ctx, to.id, EventKind::ReceivedChildren, None)?;
        }
        Ok(())
    }

    /// Ends `org` with a terminal status; its row and history stay.
    fn close(
        &self,
        ctx: &mut Ctx,
        org: &Organization,
        status: Status,
        field: &str,
    ) -> AppResult<()> {
        let placement = repo::open_placement(ctx.conn, org.id)?.ok_or_else(|| {
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
        repo::close_placement(ctx.conn, org.id, self.on())?;
        let mut closed = get(ctx.conn, org.id)?;
        closed.status = status;
        closed.dissolved_on = Some(self.on());
        closed.dissolution_decision = Some(self.0.decision_number.clone());
        closed.version += 1;
        closed.updated_at = ctx.now;
        repo::save(ctx.conn, &closed)?;
        Ok(())
    }

    /// The decision with every unit it touched as it stands now, each
    /// audited where it stands.
    fn finish(self, ctx: &mut Ctx, touched: Vec<OrganizationId>) -> AppResult<ReorganizationView> {
        let mut rows = Vec::new();
        for id in unique(touched) {
            rows.push(ListedRow::from(get(ctx.conn, id)?));
        }
        let organizations = views(ctx.conn, rows)?;
        let action = format!("reorganization.{}", self.0.kind);
        for view in &organizations {
            let org = &view.organization;
            let mut event = ctx.event(
                &action,
                "organization",
                Some(org.id.to_string()),
                Some(org.path.clone()),
                vec!["status".into(), "parent_id".into()],
            );
            event.details = json!({ "reorganization_id": self.0.id });
            ctx.audit(&event)?;
        }
        Ok(ReorganizationView {
            reorganization: self.0,
            organizations,
        })
    }
}

fn unique(ids: Vec<OrganizationId>) -> Vec<OrganizationId> {
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

/// Several units become one: an existing unit absorbs the others, or a new one
/// is established. Sources other than the target end as `merged`, their
/// children move to the target, and the target lists them as predecessors.
pub fn merge(ctx: &mut Ctx, request: MergeRequest) -> AppResult<ReorganizationView> {
    validated(&request)?;
    if unique(request.sources.clone()).len() != request.sources.len() {
        return Err(AppError::invalid("sources", "lists a unit twice"));
    }
    let decision = Decision {
        decision_number: request.decision_number,
        effective_date: request.effective_date,
        note: request.note,
    };
    let decree = Decree::start(ctx, ReorganizationKind::Merge, decision)?;
    let mut sources = Vec::new();
    for (i, &id) in request.sources.iter().enumerate() {
        sources.push(live(ctx, id, &format!("sources[{i}]"))?);
    }
    let receiver = Receiver {
        target_id: request.target_id,
        new_organization: request.new_organization,
    };
    let target = decree.receiver(ctx, receiver, "")?;
    let absorbed: Vec<&Organization> = sources.iter().filter(|s| s.id != target.id).collect();
    if absorbed.is_empty() {
        return Err(AppError::invalid(
            "sources",
            "must name at least one unit besides the target",
        ));
    }
    for (i, source) in sources.iter().enumerate() {
        if source.id != target.id && target.path.is_within(&source.path) {
            return Err(AppError::invalid(
                format!("sources[{i}]"),
                format!("{} contains the target {}", source.code, target.code),
            ));
        }
    }
    for source in &absorbed {
        let children = repo::live_children(ctx.conn, source.id)?;
        decree.hand_over(ctx, &children, &target)?;
        decree.close(ctx, source, Status::Merged, "sources")?;
        repo::add_predecessor(ctx.conn, target.id, source.id, decree.0.id)?;
        decree.event(ctx, source.id, EventKind::MergedInto, Some(target.id))?;
        decree.event(ctx, target.id, EventKind::Absorbed, Some(source.id))?;
    }
    let touched = std::iter::once(target.id)
        .chain(sources.iter().map(|s| s.id))
        .collect();
    decree.finish(ctx, touched)
}

/// Every live child of the source is assigned to exactly one part.
fn check_assignment(live: &HashSet<OrganizationId>, parts: &[SplitPart]) -> AppResult<()> {
    let mut assigned: HashMap<OrganizationId, usize> = HashMap::new();
    for (i, part) in parts.iter().enumerate() {
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
    match live.iter().find(|c| !assigned.contains_key(c)) {
        Some(missing) => Err(AppError::invalid(
            "parts",
            format!("child {missing} of the source is not assigned to any part"),
        )),
        None => Ok(()),
    }
}

/// One unit becomes several: it ends as `split`, each part lists it as a
/// predecessor, and every live child goes to the part that names it.
pub fn split(ctx: &mut Ctx, request: SplitRequest) -> AppResult<ReorganizationView> {
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
    let decree = Decree::start(ctx, ReorganizationKind::Split, decision)?;
    let source = live(ctx, request.source_id, "source_id")?;
    let live_children: HashSet<OrganizationId> = repo::live_children(ctx.conn, source.id)?
        .into_iter()
        .collect();
    check_assignment(&live_children, &request.parts)?;
    let mut touched = vec![source.id];
    for (i, part) in request.parts.into_iter().enumerate() {
        let field = format!("parts[{i}].");
        let receiver = Receiver {
            target_id: part.target_id,
            new_organization: part.new_organization,
        };
        let target = decree.receiver(ctx, receiver, &field)?;
        if target.path.is_within(&source.path) {
            return Err(AppError::invalid(
                format!("{field}target_id"),
                "cannot be the source or inside it",
            ));
        }
        decree.hand_over(ctx, &part.children, &target)?;
        repo::add_predecessor(ctx.conn, target.id, source.id, decree.0.id)?;
        decree.event(ctx, source.id, EventKind::SplitInto, Some(target.id))?;
        decree.event(ctx, target.id, EventKind::SplitFrom, Some(source.id))?;
        touched.push(target.id);
    }
    decree.close(ctx, &source, Status::Split, "source_id")?;
    decree.finish(ctx, touched)
}

/// A unit ends as `dissolved`; its children go to the successor.
pub fn dissolve(ctx: &mut Ctx, request: DissolveRequest) -> AppResult<ReorganizationView> {
    let decision = Decision {
        decision_number: request.decision_number,
        effective_date: request.effective_date,
        note: request.note,
    };
    let decree = Decree::start(ctx, ReorganizationKind::Dissolve, decision)?;
    let org = live(ctx, request.organization_id, "organization_id")?;
    let children = repo::live_children(ctx.conn, org.id)?;
    let mut touched = vec![org.id];
    match request.successor_id {
        Some(successor_id) => {
            let successor = live(ctx, successor_id, "successor_id")?;
            if successor.path.is_within(&org.path) {
                return Err(AppError::invalid(
                    "successor_id",
                    "cannot be the dissolved unit or inside it",
                ));
            }
            decree.hand_over(ctx, &children, &successor)?;
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
    decree.close(ctx, &org, Status::Dissolved, "organization_id")?;
    decree.event(ctx, org.id, EventKind::Dissolved, request.successor_id)?;
    decree.finish(ctx, touched)
}
