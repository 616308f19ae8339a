//! Roles granted over subtrees: nobody grants (or takes away) more than
//! they hold themselves.

use super::{organization_path, outranks, user_in_scope, GrantInput};
use crate::auth::caller::Grants;
use crate::auth::model::{Grant, Role};
use crate::auth::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{GrantId, UserId};

pub fn list_grants(ctx: &mut Ctx, user: UserId) -> AppResult<Vec<Grant>> {
    user_in_scope(ctx, user)?;
    Ok(repo::grants_of(ctx.conn, user)?)
}

/// Nobody grants a role they do not hold, or over a subtree wider than the
/// one where they hold it and administer accounts.
fn may_grant(ctx: &Ctx, admin: &Grants, role: Role, path: &TreePath) -> AppResult<()> {
    super::grantable(role)?;
    if !ctx.scope.can_read(path) {
        return Err(AppError::invalid("organization_id", "no such organization"));
    }
    if !ctx.scope.can_write(path) || !admin.holds(role, path) {
        return Err(AppError::Forbidden(format!(
            "you cannot grant {role} there: you do not hold it over that organization"
        )));
    }
    Ok(())
}

const GRANT_FIELDS: [&str; 2] = ["role", "organization_id"];

pub fn add_grant(
    ctx: &mut Ctx,
    admin: &Grants,
    user: UserId,
    input: GrantInput,
) -> AppResult<Grant> {
    let (target, user_path) = user_in_scope(ctx, user)?;
    outranks(ctx, admin, target.id)?;
    let org_path = organization_path(ctx, input.organization_id)?
        .ok_or_else(|| AppError::invalid("organization_id", "no such organization"))?;
    may_grant(ctx, admin, input.role, &org_path)?;
    let grant = Grant {
        id: GrantId::new_random(),
        user_id: target.id,
        role: input.role,
        organization_id: input.organization_id,
        granted_by: ctx.actor.id,
        granted_at: ctx.now,
    };
    if repo::insert_grant(ctx.conn, &grant)? == 0 {
        return Err(AppError::conflict(
            "grant-exists",
            "the user already holds this role there",
        ));
    }
    let event = ctx.event(
        "grant.add",
        "user",
        Some(target.id.to_string()),
        Some(user_path),
        GRANT_FIELDS.map(String::from).into(),
    );
    ctx.audit(&event)?;
    Ok(grant)
}

pub fn remove_grant(ctx: &mut Ctx, admin: &Grants, user: UserId, grant: GrantId) -> AppResult<()> {
    let not_found = || AppError::NotFound { entity: "grant" };
    let (_, user_path) = user_in_scope(ctx, user)?;
    outranks(ctx, admin, user)?;
    let grant = repo::grant(ctx.conn, grant)?
        .filter(|g| g.user_id == user)
        .ok_or_else(not_found)?;
    let org_path = organization_path(ctx, grant.organization_id)?.ok_or_else(not_found)?;
    may_grant(ctx, admin, grant.role, &org_path)?;
    repo::delete_grant(ctx.conn, grant.id)?;
    let event = ctx.event(
        "grant.remove",
        "user",
        Some(user.to_string()),
        Some(user_path),
        GRANT_FIELDS.map(String::from).into(),
    );
    ctx.audit(&event)
}
