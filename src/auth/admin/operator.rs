//! The operator's commands for accounts (`odb user create`, `reset-mfa`,
//! `unlock`), run as the database owner. They need no keyring, so they take
//! a connection rather than a `Ctx`, and record the command as the actor.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use serde::Serialize;

use super::CreateUser;
use crate::audit::{self, AuditEvent};
use crate::auth::model::{Grant, NewAccount, Role, User};
use crate::auth::{password, repo, totp};
use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};
use crate::ids::{GrantId, OrganizationId};
use crate::validation::validated;

/// What `odb user create` prints: everything a person or script needs to sign in.
#[derive(Debug, Serialize)]
pub struct Bootstrap {
    pub username: String,
    pub password: String,
    pub totp_secret: String,
    pub otpauth_url: String,
}

/// An operator's command done to `user`.
fn operator_event(command: &str, action: &str, user: &User, path: Option<TreePath>) -> AuditEvent {
    let mut event = AuditEvent::new(action, "success");
    event.actor = Some(command.to_owned());
    event.entity_type = Some("user".to_owned());
    event.entity_id = Some(user.id.to_string());
    event.organization_path = path;
    event
}

/// The organization of `org_code`, or the root when `None`.
fn home(conn: &mut PgConnection, org_code: Option<&str>) -> AppResult<(OrganizationId, TreePath)> {
    repo::organization_by_code(conn, org_code)?.ok_or_else(|| match org_code {
        Some(code) => AppError::invalid("org", format!("no organization has code {code}")),
        None => AppError::invalid("org", "the tree has no root yet; load it first"),
    })
}

/// Creates an enrolled account with grants at its home organization (command line, as the owner).
pub fn bootstrap_user(
    conn: &mut PgConnection,
    username: &str,
    org_code: Option<&str>,
    roles: &[Role],
    now: DateTime<Utc>,
) -> AppResult<Bootstrap> {
    conn.transaction(|conn| {
        let (home_id, home_path) = home(conn, org_code)?;
        let input = CreateUser {
            username: username.to_owned(),
            display_name: username.to_owned(),
            home_organization_id: home_id,
        };
        validated(&input)?;
        if repo::user_by_name(conn, username)?.is_some() {
            return Err(AppError::conflict(
                "username-taken",
                format!("the username {username} is taken"),
            ));
        }
        let password = password::generate();
        let hash = password::hash(&password).map_err(|e| AppError::Internal(e.to_string()))?;
        let account = NewAccount {
            username: input.username,
            display_name: input.display_name,
            home: home_id,
        };
        let mut user = User::new(account, hash, now);
        let secret = totp::new_secret();
        user.totp_secret = Some(secret.clone());
        user.totp_confirmed = true;
        repo::insert_user(conn, &user)?;
        for &role in roles {
            let grant = Grant {
                id: GrantId::new_random(),
                user_id: user.id,
                role,
                organization_id: home_id,
                granted_by: None,
                granted_at: now,
            };
            repo::insert_grant(conn, &grant)?;
        }
        let mut event = operator_event("odb user create", "user.create", &user, Some(home_path));
        event.fields = vec!["username".into(), "roles".into()];
        let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        event.details = serde_json::json!({ "roles": names });
        audit::append(conn, &event, now)?;
        let otpauth_url =
            totp::otpauth_url(&secret, username).map_err(|e| AppError::Internal(e.to_string()))?;
        Ok(Bootstrap {
            username: username.to_owned(),
            password,
            totp_secret: secret,
            otpauth_url,
        })
    })
}

/// `odb user reset-mfa`: the account enrolls a second factor again at its
/// next sign-in; its recovery codes and sessions end.
pub fn reset_mfa(conn: &mut PgConnection, username: &str, now: DateTime<Utc>) -> AppResult<()> {
    change_by_name(conn, username, "user.reset_mfa", now, |conn, user| {
        user.totp_secret = None;
        user.totp_confirmed = false;
        user.totp_last_step = None;
        repo::replace_recovery_codes(conn, user.id, &[])?;
        repo::revoke_sessions(conn, user.id, None, now)?;
        Ok(())
    })
}

/// `odb user unlock`.
pub fn unlock_by_name(
    conn: &mut PgConnection,
    username: &str,
    now: DateTime<Utc>,
) -> AppResult<()> {
    change_by_name(conn, username, "user.unlock", now, |_, user| {
        user.unlock();
        Ok(())
    })
}

fn change_by_name(
    conn: &mut PgConnection,
    username: &str,
    action: &str,
    now: DateTime<Utc>,
    change: impl FnOnce(&mut PgConnection, &mut User) -> AppResult<()>,
) -> AppResult<()> {
    conn.transaction(|conn| {
        let mut user =
            repo::user_by_name(conn, username)?.ok_or(AppError::NotFound { entity: "user" })?;
        change(conn, &mut user)?;
        user.version += 1;
        user.updated_at = now;
        repo::save_user(conn, &user)?;
        let command = format!("odb {}", action.replace('.', " "));
        audit::append(conn, &operator_event(&command, action, &user, None), now)
    })
}
