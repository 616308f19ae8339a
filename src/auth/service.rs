//! Sessions and their checks on every request, and what a signed-in user
//! does with their own account: see it, list and end their sessions, change
//! their password.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use diesel::PgConnection;
use rand::RngCore;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::attempts::{self, refuse_if_locked};
use super::caller::{Caller, Grants, OwnSession};
use super::model::{LevelPolicy, SessionView, User, UserView};
use super::{password, repo};
use crate::context::{Ctx, RequestMeta};
use crate::error::{AppError, AppResult};
use crate::ids::{SessionId, UserId};

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The policy of the level of the user's home organization.
pub fn policy_for(conn: &mut PgConnection, user: &User) -> AppResult<LevelPolicy> {
    let level = repo::organization_level(conn, user.home_organization_id)?
        .ok_or_else(|| AppError::Internal("user's home organization has no level".into()))?;
    repo::policy(conn, level)?
        .ok_or_else(|| AppError::Internal(format!("no policy for level {level}")))
}

/// The caller behind a bearer token, with grants read fresh: a revoked
/// session or grant or a disabled account takes effect on the very next
/// request. One statement (`odb_caller`), which also records the session's
/// use now and then. The one place a connection is used before a `Ctx`
/// exists: the caller is what a context is made of.
pub fn authenticate(
    conn: &mut PgConnection,
    token: &str,
    context: RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<Caller> {
    let row = repo::caller(conn, &token_hash(token), now)?.ok_or_else(|| {
        AppError::Unauthenticated(
            "the session is unknown, expired or revoked; sign in again".into(),
        )
    })?;
    Ok(Caller {
        grants: Grants(row.grants()?),
        user_id: row.user_id,
        username: row.username,
        session_id: row.session_id,
        mfa_at: row.mfa_at,
        step_up_max_age_seconds: row.step_up_max_age_seconds,
        context,
    })
}

/// One's own account.
pub fn me(ctx: &mut Ctx, user: UserId) -> AppResult<UserView> {
    let user = repo::user(ctx.conn, user)?.ok_or(AppError::NotFound { entity: "user" })?;
    Ok(UserView::from(&user))
}

/// One's own live sessions, newest first, the current one marked.
pub fn sessions(ctx: &mut Ctx, own: OwnSession) -> AppResult<Vec<SessionView>> {
    let sessions = repo::sessions_of(ctx.conn, own.user, ctx.now)?;
    Ok(sessions
        .into_iter()
        .map(|s| SessionView::of(s, own.session))
        .collect())
}

/// Ends one of one's own sessions (signing out, when it is the current one).
pub fn revoke_own(ctx: &mut Ctx, own: OwnSession, session: SessionId) -> AppResult<()> {
    if repo::revoke_sessions(ctx.conn, own.user, Some(session), ctx.now)? == 0 {
        return Err(AppError::NotFound { entity: "session" });
    }
    let event = ctx.event(
        "auth.logout",
        "session",
        Some(session.to_string()),
        None,
        Vec::new(),
    );
    ctx.audit(&event)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// A user changes their own password; every other session ends.
pub fn change_password(
    ctx: &mut Ctx,
    own: OwnSession,
    request: PasswordChange,
) -> AppResult<Result<(), AppError>> {
    let mut user =
        repo::user_for_update(ctx.conn, own.user)?.ok_or(AppError::NotFound { entity: "user" })?;
    if let Err(locked) = refuse_if_locked(&mut user, ctx.now) {
        return Ok(Err(locked));
    }
    if !password::verify(&request.current_password, &user.password_hash) {
        let wrong = AppError::invalid("current_password", "is not the current password");
        let answer = attempts::failed(ctx, &mut user, "auth.password_change", wrong)?;
        return Ok(Err(answer));
    }
    password::check_policy(&user.username, &request.new_password)
        .map_err(|m| AppError::invalid("new_password", m))?;
    user.password_hash =
        password::hash(&request.new_password).map_err(|e| AppError::Internal(e.to_string()))?;
    user.failed_attempts = 0;
    user.version += 1;
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let others = repo::sessions_of(ctx.conn, user.id, ctx.now)?
        .into_iter()
        .filter(|s| s.id != own.session);
    for session in others {
        repo::revoke_sessions(ctx.conn, user.id, Some(session.id), ctx.now)?;
    }
    attempts::audit(ctx, "auth.password_change", &user, "success")?;
    Ok(Ok(()))
}
