//! The operator's commands for accounts (`odb user create`, `reset-mfa`,
//! `unlock`), run as the database owner through `Ctx::as_operator`, which
//! records the command as the actor. Creating an account seals its TOTP
//! secret, so they take a `Ctx` with the keyring.

use std::fmt;

use diesel::prelude::*;
use serde::Serialize;

use super::CreateUser;
use crate::auth::model::{Grant, NewAccount, Role, User};
use crate::auth::{password, repo, secret, totp};
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{GrantId, OrganizationId};
use crate::validation::validated;

/// What `odb user create` asks for.
#[derive(Debug, Clone)]
pub struct NewOperatorAccount {
    pub username: String,
    /// Code of the home organization, where the roles are granted (None: the root).
    pub org_code: Option<String>,
    pub roles: Vec<Role>,
}

/// What `odb user create` prints: everything a person or script needs to sign in.
#[derive(Serialize)]
pub struct Bootstrap {
    pub username: String,
    pub password: String,
    pub totp_secret: String,
    pub otpauth_url: String,
}

/// The username only: the rest are credentials.
impl fmt::Debug for Bootstrap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bootstrap")
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

/// The organization of `org_code`, or the root when `None`.
fn home(conn: &mut PgConnection, org_code: Option<&str>) -> AppResult<(OrganizationId, TreePath)> {
    repo::organization_by_code(conn, org_code)?.ok_or_else(|| match org_code {
        Some(code) => AppError::invalid("org", format!("no organization has code {code}")),
        None => AppError::invalid("org", "the tree has no root yet; load it first"),
    })
}

/// Creates an enrolled account with grants at its home organization (command line, as the owner).
pub fn bootstrap_user(ctx: &mut Ctx, account: NewOperatorAccount) -> AppResult<Bootstrap> {
    let (home_id, home_path) = home(ctx.conn, account.org_code.as_deref())?;
    let input = CreateUser {
        username: account.username.clone(),
        display_name: account.username.clone(),
        home_organization_id: home_id,
    };
    validated(&input)?;
    if repo::user_by_name(ctx.conn, &input.username)?.is_some() {
        return Err(AppError::conflict(
            "username-taken",
            format!("the username {} is taken", input.username),
        ));
    }
    let password = password::generate();
    let hash = password::hash(&password).map_err(|e| AppError::Internal(e.to_string()))?;
    let new = NewAccount {
        username: input.username,
        display_name: input.display_name,
        home: home_id,
    };
    let mut user = User::new(new, hash, ctx.now);
    let totp_secret = totp::new_secret();
    user.totp_secret = Some(secret::seal(ctx, user.id, &totp_secret)?);
    user.totp_confirmed = true;
    repo::insert_user(ctx.conn, &user)?;
    grant_roles(ctx, &user, home_id, &account.roles)?;
    let mut event = ctx.event(
        "user.create",
        "user",
        Some(user.id.to_string()),
        Some(home_path),
        vec!["username".into(), "roles".into()],
    );
    let names: Vec<&str> = account.roles.iter().map(|r| r.as_str()).collect();
    event.details = serde_json::json!({ "roles": names });
    ctx.audit(&event)?;
    let otpauth_url = totp::otpauth_url(&totp_secret, &user.username)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Bootstrap {
        username: user.username,
        password,
        totp_secret,
        otpauth_url,
    })
}

fn grant_roles(
    ctx: &mut Ctx,
    user: &User,
    organization_id: OrganizationId,
    roles: &[Role],
) -> AppResult<()> {
    for &role in roles {
        super::grantable(role)?;
        let grant = Grant {
            id: GrantId::new_random(),
            user_id: user.id,
            role,
            organization_id,
            granted_by: None,
            granted_at: ctx.now,
        };
        repo::insert_grant(ctx.conn, &grant)?;
    }
    Ok(())
}

/// `odb user reset-mfa`: the account enrolls a second factor again at its
/// next sign-in; its recovery codes and sessions end.
pub fn reset_mfa(ctx: &mut Ctx, username: &str) -> AppResult<()> {
    change_by_name(ctx, username, "user.reset_mfa", forget_second_factor)
}

/// The account enrolls a second factor again at its next sign-in; its
/// recovery codes and sessions end (a lost or stolen phone).
pub(super) fn forget_second_factor(ctx: &mut Ctx, user: &mut User) -> AppResult<()> {
    user.totp_secret = None;
    user.totp_confirmed = false;
    user.totp_last_step = None;
    repo::set_totp_secret(ctx.conn, user.id, None)?;
    repo::replace_recovery_codes(ctx.conn, user.id, &[])?;
    repo::revoke_sessions(ctx.conn, user.id, None, ctx.now)?;
    Ok(())
}

/// `odb user unlock`.
pub fn unlock_by_name(ctx: &mut Ctx, username: &str) -> AppResult<()> {
    change_by_name(ctx, username, "user.unlock", |_, user| {
        user.unlock();
        Ok(())
    })
}

fn change_by_name(
    ctx: &mut Ctx,
    username: &str,
    action: &str,
    change: impl FnOnce(&mut Ctx, &mut User) -> AppResult<()>,
) -> AppResult<()> {
    let mut user =
        repo::user_by_name(ctx.conn, username)?.ok_or(AppError::NotFound { entity: "user" })?;
    change(ctx, &mut user)?;
    user.version += 1;
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let event = ctx.event(action, "user", Some(user.id.to_string()), None, Vec::new());
    ctx.audit(&event)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn printed_credentials_show_only_the_username() {
        let made = Bootstrap {
            username: "printed".into(),
            password: "correct horse battery staple".into(),
            totp_secret: "JBSWY3DPEHPK3PXP".into(),
            otpauth_url: "otpauth://totp/ODB:printed?secret=JBSWY3DPEHPK3PXP".into(),
        };
        let printed = format!("{made:?}");
        assert!(printed.contains("printed"), "{printed}");
        assert!(!printed.contains("horse"), "{printed}");
        assert!(!printed.contains("JBSWY3DP"), "{printed}");
    }
}
