//! The story of one unit: what happened to it, in effective-date order, and
//! which units it came from and went into.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::model::{Event, Organization, Status};
use super::repo;
use super::service::visible;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ids::OrganizationId;

/// Another unit, named where a story mentions it.
#[derive(Debug, Clone, Serialize)]
pub struct OrganizationRef {
    pub id: OrganizationId,
    pub code: String,
    pub name: String,
    pub status: Status,
}

impl From<&Organization> for OrganizationRef {
    fn from(org: &Organization) -> Self {
        OrganizationRef {
            id: org.id,
            code: org.code.clone(),
            name: org.name.clone(),
            status: org.status,
        }
    }
}

#[derive(Debug, Serialize)]
pub struct HistoryEntry {
    #[serde(flatten)]
    pub event: Event,
    pub related_organization: Option<OrganizationRef>,
}

#[derive(Debug, Serialize)]
pub struct History {
    pub organization: OrganizationRef,
    pub predecessors: Vec<OrganizationRef>,
    pub successors: Vec<OrganizationRef>,
    pub events: Vec<HistoryEntry>,
}

/// The history of a unit the caller may see.
pub fn history(ctx: &mut Ctx, id: OrganizationId) -> AppResult<History> {
    let org = visible(ctx, id)?;
    let events = repo::events_of(ctx.conn, id)?;
    let predecessor_ids: Vec<OrganizationId> = repo::predecessors_of(ctx.conn, &[id])?
        .into_iter()
        .map(|(_, predecessor)| predecessor)
        .collect();
    let successor_ids = repo::successors_of(ctx.conn, id)?;
    let related: HashSet<OrganizationId> = events
        .iter()
        .filter_map(|e| e.related_organization_id)
        .chain(predecessor_ids.iter().copied())
        .chain(successor_ids.iter().copied())
        .collect();
    let related: Vec<OrganizationId> = related.into_iter().collect();
    let refs: HashMap<OrganizationId, OrganizationRef> = repo::find_all(ctx.conn, &related)?
        .iter()
        .map(|o| (o.id, OrganizationRef::from(o)))
        .collect();
    let pick = |ids: Vec<OrganizationId>| ids.iter().filter_map(|i| refs.get(i).cloned()).collect();
    Ok(History {
        organization: OrganizationRef::from(&org),
        predecessors: pick(predecessor_ids),
        successors: pick(successor_ids),
        events: events
            .into_iter()
            .map(|event| HistoryEntry {
                related_organization: event
                    .related_organization_id
                    .and_then(|r| refs.get(&r).cloned()),
                event,
            })
            .collect(),
    })
}
