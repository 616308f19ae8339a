//! Placing organizations in the tree: establishing one under its parent,
//! moving a subtree, and the tier rule both keep. No audit here: the
//! services that call these (an edit, a reorganization) audit what they did.

use chrono::NaiveDate;
use diesel::PgConnection;
use serde_json::json;

use super::model::{
    CreateOrganization, EventKind, Level, NewEvent, Organization, Placement, Reorganization,
};
use super::repo;
use super::service::{code_taken, existing_agency, get, live, terminal_status};
use crate::context::{Ctx, Scope};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::validation::validated;

/// Stores a new organization with its first placement and its `created`
/// event; the root only for the command line, and only once.
pub fn establish(ctx: &mut Ctx, input: CreateOrganization) -> AppResult<Organization> {
    validated(&input)?;
    if input.status.is_some_and(|s| s.is_terminal()) {
        return Err(terminal_status());
    }
    if repo::code_taken(ctx.conn, &input.code, None)? {
        return Err(code_taken(&input.code));
    }
    let id = OrganizationId::new_random();
    let path = match input.parent_id {
        None if repo::root_exists(ctx.conn)? => {
            return Err(AppError::invalid(
                "parent_id",
                "is required: the tree already has its root",
            ))
        }
        None if !matches!(ctx.scope, Scope::System) => {
            return Err(AppError::invalid(
                "parent_id",
                "is required: only the command line creates the root",
            ))
        }
        None => TreePath::root(id.0),
        Some(parent_id) => {
            let parent = live(ctx, parent_id, "parent_id")?;
            check_rank(parent.level, input.level, "level")?;
            parent.path.child(id.0)
        }
    };
    if let Some(agency) = input.executive_agency_id {
        existing_agency(ctx.conn, agency)?;
    }
    let since = input.established_on.unwrap_or_else(|| ctx.now.date_naive());
    let org = input.into_row(id, path, ctx.now);
    repo::insert(ctx.conn, &org)?;
    let placement = Placement {
        organization_id: id,
        parent_id: org.parent_id,
        path: org.path.clone(),
        valid_from: since,
        valid_to: None,
    };
    repo::insert_placement(ctx.conn, &placement)?;
    let event = NewEvent {
        decision_number: org.establishment_decision.clone(),
        ..NewEvent::new(id, EventKind::Created, since, ctx.now)
    };
    repo::insert_event(ctx.conn, &event)?;
    Ok(org)
}

/// A child may sit at its parent's tier or below, never above it.
pub fn check_rank(parent: Level, child: Level, field: &str) -> AppResult<()> {
    if child.rank() < parent.rank() {
        return Err(AppError::invalid(
            field,
            format!("a {child} unit cannot sit under a {parent} unit"),
        ));
    }
    Ok(())
}

/// `org` may take `level` only between its parent's tier and its children's.
pub fn check_level_fits(
    conn: &mut PgConnection,
    org: &Organization,
    level: Level,
) -> AppResult<()> {
    if let Some(parent_id) = org.parent_id {
        check_rank(get(conn, parent_id)?.level, level, "level")?;
    }
    for child in repo::live_children(conn, org.id)? {
        check_rank(level, get(conn, child)?.level, "level")?;
    }
    Ok(())
}

/// Where a subtree moves, from when, and by which reorganization (none for
/// an edit of the unit).
pub struct Move<'a> {
    pub parent: OrganizationId,
    pub on: NaiveDate,
    pub by: Option<&'a Reorganization>,
}

/// Moves `org` and everything under it below a live parent outside its
/// subtree, effective `on`; the past placements stay.
pub fn move_under(ctx: &mut Ctx, org: &Organization, to: Move) -> AppResult<()> {
    let parent = live(ctx, to.parent, "parent_id")?;
    if parent.path.is_within(&org.path) {
        return Err(AppError::conflict(
            "cycle",
            format!(
                "{} cannot move under {}, which is inside its own subtree",
                org.code, parent.code
            ),
        ));
    }
    check_rank(parent.level, org.level, "parent_id")?;
    if let Some(latest) = repo::latest_placement_start(ctx.conn, &org.path)? {
        if to.on < latest {
            return Err(AppError::invalid(
                "moved_on",
                format!("must not be before {latest}, when this subtree last changed; history is not rewritten"),
            ));
        }
    }
    repo::move_subtree(ctx.conn, org, &parent, to.on)?;
    let event = NewEvent {
        decision_number: to.by.map(|r| r.decision_number.clone()),
        reorganization_id: to.by.map(|r| r.id),
        related_organization_id: Some(parent.id),
        details: json!({ "from_parent_id": org.parent_id, "to_parent_id": parent.id }),
        ..NewEvent::new(org.id, EventKind::Moved, to.on, ctx.now)
    };
    repo::insert_event(ctx.conn, &event)?;
    Ok(())
}
