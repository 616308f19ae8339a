//! Rules for organizations: finding them within the caller's scope, and
//! creating and changing them, each change audited in its transaction.
//! Placing in the tree is in `tree`, reading views and listings in `read`.

use diesel::PgConnection;
use serde_json::json;

use super::model::{
    is_code, CreateOrganization, EventKind, NewEvent, Organization, OrganizationView,
    UpdateOrganization,
};
use super::read::one_view;
use super::repo;
use super::tree::{self, Move};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::validation::validated;

fn not_found() -> AppError {
    AppError::NotFound {
        entity: "organization",
    }
}

/// The organization, whoever asks: for rules that look past the caller's
/// scope (a user's home, a grant's place, a profile's managing unit).
pub fn get(conn: &mut PgConnection, id: OrganizationId) -> AppResult<Organization> {
    repo::find(conn, id)?.ok_or_else(not_found)
}

/// By code. Codes are short upper-case ASCII; anything else names none.
pub fn find_by_code(conn: &mut PgConnection, code: &str) -> AppResult<Organization> {
    let found = if is_code(code) {
        repo::find_by_code(conn, code)?
    } else {
        None
    };
    found.ok_or_else(not_found)
}

/// The organization if the caller may see it; 404 alike whether it is
/// missing or out of scope, so existence does not leak.
pub fn visible(ctx: &mut Ctx, id: OrganizationId) -> AppResult<Organization> {
    repo::find(ctx.conn, id)?
        .filter(|o| ctx.scope.can_read(&o.path))
        .ok_or_else(not_found)
}

/// A live organization (in the tree today) that the caller may change; one
/// it may not see, or that left the tree, is a bad value of `field`.
pub fn live(ctx: &mut Ctx, id: OrganizationId, field: &str) -> AppResult<Organization> {
    let org = repo::find(ctx.conn, id)?
        .filter(|o| ctx.scope.can_read(&o.path))
        .ok_or_else(|| AppError::invalid(field, "no such organization"))?;
    ctx.scope.require_write(&org.path, &org.code)?;
    if repo::open_placement(ctx.conn, id)?.is_none() {
        return Err(AppError::invalid(
            field,
            format!("{} is no longer in the tree ({})", org.code, org.status),
        ));
    }
    Ok(org)
}

/// Creates an organization under a live parent (the root only from the
/// command line); audited at the new unit.
pub fn create(ctx: &mut Ctx, input: CreateOrganization) -> AppResult<OrganizationView> {
    let org = tree::establish(ctx, input)?;
    let event = ctx.event(
        "organization.create",
        "organization",
        Some(org.id.to_string()),
        Some(org.path.clone()),
        Vec::new(),
    );
    let view = one_view(ctx.conn, org, None)?;
    ctx.audit(&event)?;
    Ok(view)
}

/// Changes what the patch names (`expected` is the version it changes),
/// moving the subtree when `parent_id` changes; audited with the fields
/// that changed, even none.
pub fn update(
    ctx: &mut Ctx,
    id: OrganizationId,
    expected: i32,
    patch: UpdateOrganization,
) -> AppResult<OrganizationView> {
    validated(&patch)?;
    let mut org = locked(ctx, id, expected)?;
    refuse_closed(&org, &patch)?;
    let mut changed: Vec<&'static str> = Vec::new();
    apply_identity(ctx.conn, &mut org, &patch, &mut changed)?;
    apply_details(&mut org, &patch, &mut changed);
    apply_move(ctx, &mut org, &patch, &mut changed)?;
    if !changed.is_empty() {
        // one version per request, though a move already counted one
        org.version = expected + 1;
        org.updated_at = ctx.now;
        repo::save(ctx.conn, &org)?;
        let event = NewEvent {
            details: json!({ "fields": changed }),
            ..NewEvent::new(id, EventKind::Updated, ctx.today, ctx.now)
        };
        repo::insert_event(ctx.conn, &event)?;
    }
    let event = ctx.event(
        "organization.update",
        "organization",
        Some(id.to_string()),
        Some(org.path.clone()),
        changed.iter().map(|f| (*f).to_owned()).collect(),
    );
    let view = one_view(ctx.conn, org, None)?;
    ctx.audit(&event)?;
    Ok(view)
}

/// The row to change, locked, if the caller may change it and it is still
/// at the version the client saw.
fn locked(ctx: &mut Ctx, id: OrganizationId, expected: i32) -> AppResult<Organization> {
    let org = repo::find_for_update(ctx.conn, id)?
        .filter(|o| ctx.scope.can_read(&o.path))
        .ok_or_else(not_found)?;
    ctx.scope.require_write(&org.path, &org.code)?;
    if org.version != expected {
        return Err(AppError::StaleVersion {
            expected,
            current: org.version,
        });
    }
    Ok(org)
}

/// A merged, split or dissolved unit keeps its place, status and level.
fn refuse_closed(org: &Organization, patch: &UpdateOrganization) -> AppResult<()> {
    let historic = patch.parent_id.is_some() || patch.status.is_some() || patch.level.is_some();
    if org.status.is_terminal() && historic {
        return Err(AppError::conflict(
            "organization-closed",
            format!(
                "{} was {} on its reorganization; its place and status are history",
                org.code, org.status
            ),
        ));
    }
    Ok(())
}

/// Status, code, level, name and executive agency: the changes with rules.
fn apply_identity(
    conn: &mut PgConnection,
    org: &mut Organization,
    patch: &UpdateOrganization,
    changed: &mut Vec<&'static str>,
) -> AppResult<()> {
    if let Some(status) = patch.status {
        if status.is_terminal() {
            return Err(terminal_status());
        }
        set(&mut org.status, status, "status", changed);
    }
    if let Some(code) = patch.code.clone() {
        if code != org.code && repo::code_taken(conn, &code, Some(org.id))? {
            return Err(code_taken(&code));
        }
        set(&mut org.code, code, "code", changed);
    }
    if let Some(level) = patch.level {
        tree::check_level_fits(conn, org, level)?;
        set(&mut org.level, level, "level", changed);
    }
    if let Some(name) = patch.name.clone() {
        org.name_folded = crate::text::fold(&name);
        set(&mut org.name, name.trim().to_owned(), "name", changed);
    }
    if let Some(agency) = patch.executive_agency_id {
        if let Some(agency_id) = agency {
            existing_agency(conn, agency_id)?;
        }
        set(
            &mut org.executive_agency_id,
            agency,
            "executive_agency_id",
            changed,
        );
    }
    Ok(())
}

fn set<T: PartialEq>(slot: &mut T, value: T, name: &'static str, changed: &mut Vec<&'static str>) {
    if *slot != value {
        *slot = value;
        changed.push(name);
    }
}

/// The descriptive fields: no rules beyond their formats.
fn apply_details(
    org: &mut Organization,
    patch: &UpdateOrganization,
    changed: &mut Vec<&'static str>,
) {
    macro_rules! plain {
        ($($field:ident => $column:ident),+) => {$(
            if let Some(value) = &patch.$field {
                set(&mut org.$column, value.clone(), stringify!($field), changed);
            }
        )+};
    }
    plain!(
        abbreviation => abbreviation,
        number => agency_number,
        accounting_method => accounting_method,
        address => address,
        phone => phone,
        tax_code => tax_code,
        social_insurance_office => social_insurance_office,
        bank_account => bank_account,
        party_organization_name => party_organization_name,
        party_organization_type => party_organization_type,
        established_on => established_on,
        establishment_decision => establishment_decision
    );
    if let Some(kind) = &patch.org_type {
        set(&mut org.org_type, kind.clone(), "type", changed);
    }
    if let Some(group) = patch.group {
        set(&mut org.org_group, group, "group", changed);
    }
    if let Some(awards) = &patch.awards {
        set(&mut org.awards, json!(awards), "awards", changed);
    }
    if let Some(disciplines) = &patch.disciplines {
        set(
            &mut org.disciplines,
            json!(disciplines),
            "disciplines",
            changed,
        );
    }
}

/// A new `parent_id` moves the subtree, effective `moved_on` (default today).
fn apply_move(
    ctx: &mut Ctx,
    org: &mut Organization,
    patch: &UpdateOrganization,
    changed: &mut Vec<&'static str>,
) -> AppResult<()> {
    match patch.parent_id.filter(|p| Some(*p) != org.parent_id) {
        Some(parent) => {
            let on = patch.moved_on.unwrap_or(ctx.today);
            let by = None;
            tree::move_under(ctx, org, Move { parent, on, by })?;
            let moved = get(ctx.conn, org.id)?;
            (org.path, org.parent_id) = (moved.path, moved.parent_id);
            changed.push("parent_id");
            Ok(())
        }
        None if patch.moved_on.is_some() => Err(AppError::invalid(
            "moved_on",
            "only applies with a new parent_id",
        )),
        None => Ok(()),
    }
}

pub(super) fn terminal_status() -> AppError {
    AppError::invalid(
        "status",
        "dissolved, merged and split come only from a reorganization",
    )
}

pub(super) fn code_taken(code: &str) -> AppError {
    AppError::conflict(
        "code-taken",
        format!("an organization with code {code} exists"),
    )
}

/// An executive agency must exist (anywhere: it may lie outside the scope).
pub(super) fn existing_agency(conn: &mut PgConnection, id: OrganizationId) -> AppResult<()> {
    get(conn, id)
        .map(drop)
        .map_err(|_| AppError::invalid("executive_agency_id", "no such organization"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::org::model::Status;

    #[test]
    fn set_records_only_real_changes() {
        let mut changed = Vec::new();
        let mut value = Status::Active;
        set(&mut value, Status::Active, "status", &mut changed);
        assert!(changed.is_empty());
        set(&mut value, Status::Dissolving, "status", &mut changed);
        assert_eq!((value, changed), (Status::Dissolving, vec!["status"]));
    }
}
