//! Administering accounts, grants and level policies, always within the
//! administrator's own scope and never beyond the roles they hold; and the
//! operator's commands for accounts (`odb user …`).

mod grants;
mod operator;
mod policies;
mod users;

use serde::{Deserialize, Serialize};

pub use self::grants::{add_grant, list_grants, remove_grant};
pub use self::operator::{
    bootstrap_user, reset_mfa, unlock_by_name, Bootstrap, NewOperatorAccount,
};
pub use self::policies::{list_policies, put_policy};
pub use self::users::{
    create_user, get_user, list_users, reset_user_mfa, revoke_user_sessions, update_user,
};
use super::caller::Grants;
use super::model::{Role, User, UserStatus, UserView};
use super::repo;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{OrganizationId, UserId};

#[derive(Debug, Deserialize, validator::Validate)]
#[serde(deny_unknown_fields)]
pub struct CreateUser {
    #[validate(regex(path = *USERNAME, message = "3 to 64 lower-case letters, digits, '.', '_' or '-'"))]
    pub username: String,
    #[validate(length(min = 1, max = 200))]
    pub display_name: String,
    pub home_organization_id: OrganizationId,
}

static USERNAME: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[a-z0-9][a-z0-9._-]{2,63}$")
        .unwrap_or_else(|e| panic!("username pattern: {e}"))
});

#[derive(Serialize)]
pub struct CreatedUser {
    pub user: UserView,
    /// Shown once; the user enrolls a second factor at first sign-in.
    pub initial_password: String,
}

/// The account without its password.
impl std::fmt::Debug for CreatedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedUser")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateUser {
    pub display_name: Option<String>,
    /// `active` (also unlocks) or `disabled` (ends every session).
    pub status: Option<UserStatus>,
}

/// `PATCH /users/{id}`: which account, at which version, and the change.
#[derive(Debug)]
pub struct UserUpdate {
    pub id: UserId,
    pub version: i32,
    pub change: UpdateUser,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub role: Role,
    pub organization_id: OrganizationId,
}

/// Refuses to change an account that holds a role the administrator does not
/// hold over the same subtree (an org_admin cannot disable a system_admin).
fn outranks(ctx: &mut Ctx, admin: &Grants, user: UserId) -> AppResult<()> {
    for grant in repo::grant_scopes(ctx.conn, user)? {
        if !admin.holds(grant.role, &grant.path) {
            return Err(AppError::Forbidden(format!(
                "the account holds {} where you do not; ask an administrator who does",
                grant.role
            )));
        }
    }
    Ok(())
}

/// Where an organization the scope can see sits in the tree.
fn organization_path(ctx: &mut Ctx, org: OrganizationId) -> AppResult<Option<TreePath>> {
    Ok(repo::organization_path(ctx.conn, org)?)
}

/// The user, if the administrator's scope covers their home organization
/// (404 otherwise), and the path of that organization.
fn user_in_scope(ctx: &mut Ctx, id: UserId) -> AppResult<(User, TreePath)> {
    let not_found = || AppError::NotFound { entity: "user" };
    let user = repo::user(ctx.conn, id)?.ok_or_else(not_found)?;
    let home = organization_path(ctx, user.home_organization_id)?
        .filter(|path| ctx.scope.can_write(path))
        .ok_or_else(not_found)?;
    Ok((user, home))
}

/// `sync_client` belongs to machine clients (`odb sync-client create`),
/// never to an account: a person cannot act as one (the database refuses it
/// too, `grants_no_sync_client`).
fn grantable(role: Role) -> AppResult<()> {
    if role == Role::SyncClient {
        return Err(AppError::invalid(
            "role",
            "sync_client is held by machine clients (odb sync-client create), never by an account",
        ));
    }
    Ok(())
}
