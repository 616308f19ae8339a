//! Accounts as administrators see and change them.

use super::{outranks, user_in_scope, CreateUser, CreatedUser, UserUpdate};
use crate::auth::caller::Grants;
use crate::auth::model::{NewAccount, User, UserStatus, UserView};
use crate::auth::{password, repo};
use crate::context::{Ctx, Scope};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;
use crate::validation::validated;

/// A new account at an organization the administrator may change, with a
/// generated password shown once.
pub fn create_user(ctx: &mut Ctx, input: CreateUser) -> AppResult<CreatedUser> {
    validated(&input)?;
    let no_such = || AppError::invalid("home_organization_id", "no such organization");
    let home = super::organization_path(ctx, input.home_organization_id)?
        .filter(|path| ctx.scope.can_write(path))
        .ok_or_else(no_such)?;
    if repo::user_by_name(ctx.conn, &input.username)?.is_some() {
        return Err(AppError::conflict(
            "username-taken",
            format!("the username {} is taken", input.username),
        ));
    }
    let initial_password = password::generate();
    let hash = password::hash(&initial_password).map_err(|e| AppError::Internal(e.to_string()))?;
    let account = NewAccount {
        username: input.username,
        display_name: input.display_name,
        home: input.home_organization_id,
    };
    let user = User::new(account, hash, ctx.now);
    repo::insert_user(ctx.conn, &user)?;
    let fields = ["username", "display_name", "home_organization_id"].map(String::from);
    let event = ctx.event(
        "user.create",
        "user",
        Some(user.id.to_string()),
        Some(home),
        fields.into(),
    );
    ctx.audit(&event)?;
    Ok(CreatedUser {
        user: UserView::from(&user),
        initial_password,
    })
}

/// The accounts whose home lies in the subtrees the administrator may change.
pub fn list_users(ctx: &mut Ctx) -> AppResult<Vec<UserView>> {
    let Scope::Paths { write, .. } = &ctx.scope else {
        return Err(AppError::Internal(
            "list_users needs a caller's scope".into(),
        ));
    };
    let users = repo::users_under(ctx.conn, write)?;
    Ok(users.iter().map(UserView::from).collect())
}

pub fn get_user(ctx: &mut Ctx, id: UserId) -> AppResult<UserView> {
    Ok(UserView::from(&user_in_scope(ctx, id)?.0))
}

/// Renames, disables (ending every session) or reactivates (unlocking) an
/// account the administrator outranks.
pub fn update_user(ctx: &mut Ctx, admin: &Grants, update: UserUpdate) -> AppResult<UserView> {
    let (mut user, path) = user_in_scope(ctx, update.id)?;
    outranks(ctx, admin, user.id)?;
    if user.version != update.version {
        return Err(AppError::StaleVersion {
            expected: update.version,
            current: user.version,
        });
    }
    let mut fields = Vec::new();
    if let Some(name) = update.change.display_name {
        if !(1..=200).contains(&name.chars().count()) {
            return Err(AppError::invalid(
                "display_name",
                "must be 1 to 200 characters",
            ));
        }
        user.display_name = name;
        fields.push("display_name".to_owned());
    }
    match update.change.status {
        Some(UserStatus::Locked) => {
            return Err(AppError::invalid(
                "status",
                "accounts lock themselves; set active or disabled",
            ))
        }
        Some(UserStatus::Disabled) => {
            user.status = UserStatus::Disabled;
            repo::revoke_sessions(ctx.conn, user.id, None, ctx.now)?;
            fields.push("status".to_owned());
        }
        Some(UserStatus::Active) => {
            user.unlock();
            fields.push("status".to_owned());
        }
        None => {}
    }
    user.version += 1;
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let event = ctx.event(
        "user.update",
        "user",
        Some(user.id.to_string()),
        Some(path),
        fields,
    );
    ctx.audit(&event)?;
    Ok(UserView::from(&user))
}

/// Ends every session of an account the administrator outranks; returns
/// how many there were.
pub fn revoke_user_sessions(ctx: &mut Ctx, admin: &Grants, id: UserId) -> AppResult<usize> {
    let (user, path) = user_in_scope(ctx, id)?;
    outranks(ctx, admin, user.id)?;
    let revoked = repo::revoke_sessions(ctx.conn, user.id, None, ctx.now)?;
    let event = ctx.event(
        "user.revoke_sessions",
        "user",
        Some(user.id.to_string()),
        Some(path),
        Vec::new(),
    );
    ctx.audit(&event)?;
    Ok(revoked)
}

/// Forgets the second factor of an account the administrator outranks, at
/// the version it was read at: the account enrolls again at its next
/// sign-in. Someone else resets yours, so one stolen session with a fresh
/// second factor cannot swap the factor of the account it belongs to.
pub fn reset_user_mfa(
    ctx: &mut Ctx,
    admin: &Grants,
    (id, version): (UserId, i32),
) -> AppResult<UserView> {
    let (mut user, path) = user_in_scope(ctx, id)?;
    if ctx.actor.id == Some(user.id) {
        return Err(AppError::Forbidden(
            "an administrator cannot reset their own second factor; ask another".into(),
        ));
    }
    outranks(ctx, admin, user.id)?;
    if user.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: user.version,
        });
    }
    super::operator::forget_second_factor(ctx, &mut user)?;
    user.version += 1;
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let event = ctx.event(
        "user.reset_mfa",
        "user",
        Some(user.id.to_string()),
        Some(path),
        Vec::new(),
    );
    ctx.audit(&event)?;
    Ok(UserView::from(&user))
}
