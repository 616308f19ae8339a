//! Sign-in with two factors, sessions and their checks on every request.
//!
//! Failures must be remembered even though the request fails, so the
//! functions that count them return `Ok(Err(..))`: the outer result decides
//! whether the transaction commits, the inner one is the caller's answer.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use diesel::PgConnection;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::caller::Caller;
use super::model::{LevelPolicy, Session, SessionView, User, UserStatus};
use super::{password, repo, totp};
use crate::audit::{self, AuditEvent};
use crate::context::RequestMeta;
use crate::error::{AppError, AppResult};

/// Failed passwords or codes before an account locks, and for how long.
pub const MAX_ACCOUNT_FAILURES: i32 = 5;
pub const LOCK_DURATION: Duration = Duration::minutes(15);
/// Failed sign-ins from one address within the window before it is throttled.
pub const MAX_ADDRESS_FAILURES: i32 = 20;
pub const ADDRESS_WINDOW: Duration = Duration::minutes(15);
const CHALLENGE_LIFETIME: Duration = Duration::minutes(5);

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize)]
pub struct Enrollment {
    pub secret: String,
    pub otpauth_url: String,
    pub qr_png_base64: String,
}

#[derive(Serialize)]
pub struct LoginResponse {
    pub mfa_token: String,
    /// `totp`, or `enroll` for an account that has no second factor yet.
    pub mfa: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub enrollment: Option<Enrollment>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MfaRequest {
    pub mfa_token: String,
    pub code: String,
}

#[derive(Serialize)]
pub struct MfaResponse {
    pub access_token: String,
    pub expires_at: DateTime<Utc>,
    /// Shown once, when enrollment completes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recovery_codes: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepUpRequest {
    pub code: String,
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn event(
    action: &str,
    user: Option<&User>,
    username: &str,
    outcome: &str,
    ctx: &RequestMeta,
) -> AuditEvent {
    AuditEvent {
        actor_id: user.map(|u| u.id),
        actor: Some(username.to_owned()),
        action: action.to_owned(),
        entity_type: Some("user".to_owned()),
        entity_id: user.map(|u| u.id.to_string()),
        organization_path: None,
        fields: Vec::new(),
        outcome: outcome.to_owned(),
        address: ctx.address.clone(),
        request_id: ctx.request_id.clone(),
        details: serde_json::json!({}),
    }
}

pub fn policy_for(conn: &mut PgConnection, user: &User) -> AppResult<LevelPolicy> {
    let level = repo::organization_level(conn, user.home_organization_id)?
        .ok_or_else(|| AppError::Internal("user's home organization has no level".into()))?;
    repo::policy(conn, &level)?
        .ok_or_else(|| AppError::Internal(format!("no policy for level {level}")))
}

/// Unlocks an account whose lock has run out.
fn expire_lock(user: &mut User, now: DateTime<Utc>) {
    if user.status == UserStatus::Locked.as_str() && user.locked_until.is_some_and(|t| t <= now) {
        user.status = UserStatus::Active.as_str().to_owned();
        user.locked_until = None;
        user.failed_attempts = 0;
    }
}

fn locked(user: &User, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (user.status == UserStatus::Locked.as_str())
        .then_some(user.locked_until.unwrap_or(now + LOCK_DURATION))
}

/// Counts a failure against the account (locking it at the limit) and the address.
fn count_failure(
    conn: &mut PgConnection,
    user: Option<&mut User>,
    ctx: &RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    if let Some(key) = ctx.limit_key() {
        repo::count_address_failure(conn, &key, now - ADDRESS_WINDOW, now)?;
    }
    let Some(user) = user else { return Ok(false) };
    user.failed_attempts += 1;
    let locks = user.failed_attempts >= MAX_ACCOUNT_FAILURES;
    if locks {
        user.status = UserStatus::Locked.as_str().to_owned();
        user.locked_until = Some(now + LOCK_DURATION);
    }
    user.updated_at = now;
    repo::save_user(conn, user)?;
    if locks {
        audit::append(
            conn,
            &event(
                "auth.lock",
                Some(user),
                &user.username.clone(),
                "locked",
                ctx,
            ),
            now,
        )?;
    }
    Ok(locks)
}

fn throttled(
    conn: &mut PgConnection,
    ctx: &RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<Option<AppError>> {
    let Some(key) = ctx.limit_key() else {
        return Ok(None);
    };
    let (failures, started) = repo::address_failures(conn, &key, now - ADDRESS_WINDOW)?;
    Ok((failures >= MAX_ADDRESS_FAILURES).then(|| {
        let until = started.unwrap_or(now) + ADDRESS_WINDOW;
        AppError::Throttled {
            retry_after_seconds: (until - now).num_seconds().max(1),
        }
    }))
}

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("wrong username or password".into())
}

pub fn login(
    conn: &mut PgConnection,
    request: LoginRequest,
    ctx: &RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<Result<LoginResponse, AppError>> {
    if let Some(error) = throttled(conn, ctx, now)? {
        audit::append(
            conn,
            &event("auth.login", None, &request.username, "throttled", ctx),
            now,
        )?;
        return Ok(Err(error));
    }
    let Some(mut user) = repo::user_by_name(conn, &request.username)? else {
        // the same work and the same answer as for a wrong password
        password::verify_dummy(&request.password);
        count_failure(conn, None, ctx, now)?;
        audit::append(
            conn,
            &event("auth.login", None, &request.username, "failure", ctx),
            now,
        )?;
        return Ok(Err(wrong_credentials()));
    };
    expire_lock(&mut user, now);
    if let Some(until) = locked(&user, now) {
        password::verify_dummy(&request.password);
        audit::append(
            conn,
            &event("auth.login", Some(&user), &user.username, "locked", ctx),
            now,
        )?;
        return Ok(Err(AppError::Locked { until }));
    }
    let password_ok = password::verify(&request.password, &user.password_hash);
    if !password_ok || user.status != UserStatus::Active.as_str() {
        let now_locked = count_failure(conn, Some(&mut user), ctx, now)?;
        audit::append(
            conn,
            &event("auth.login", Some(&user), &user.username, "failure", ctx),
            now,
        )?;
        return Ok(Err(match (now_locked, user.locked_until) {
            (true, Some(until)) => AppError::Locked { until },
            _ => wrong_credentials(),
        }));
    }
    let policy = policy_for(conn, &user)?;
    if !policy.sign_in_allowed {
        audit::append(
            conn,
            &event("auth.login", Some(&user), &user.username, "denied", ctx),
            now,
        )?;
        return Ok(Err(AppError::Forbidden(format!(
            "sign-in for {}-level organizations is not approved yet",
            policy.level
        ))));
    }
    if password::needs_rehash(&user.password_hash) {
        user.password_hash =
            password::hash(&request.password).map_err(|e| AppError::Internal(e.to_string()))?;
    }
    let enrollment = if user.totp_confirmed {
        None
    } else {
        let secret = user
            .totp_secret
            .get_or_insert_with(totp::new_secret)
            .clone();
        Some(enrollment_for(&secret, &user.username)?)
    };
    user.updated_at = now;
    repo::save_user(conn, &user)?;
    let token = new_token();
    repo::insert_challenge(conn, &token_hash(&token), user.id, now + CHALLENGE_LIFETIME)?;
    audit::append(
        conn,
        &event("auth.password", Some(&user), &user.username, "success", ctx),
        now,
    )?;
    Ok(Ok(LoginResponse {
        mfa_token: token,
        mfa: if enrollment.is_some() {
            "enroll"
        } else {
            "totp"
        },
        enrollment,
    }))
}

pub fn enrollment_for(secret: &str, username: &str) -> AppResult<Enrollment> {
    let internal = |e: totp::TotpError| AppError::Internal(e.to_string());
    Ok(Enrollment {
        secret: secret.to_owned(),
        otpauth_url: totp::otpauth_url(secret, username).map_err(internal)?,
        qr_png_base64: totp::qr_png_base64(secret, username).map_err(internal)?,
    })
}

/// A TOTP code (once per time step) or an unused recovery code.
fn second_factor_ok(
    conn: &mut PgConnection,
    user: &mut User,
    code: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let Some(secret) = user.totp_secret.clone() else {
        return Ok(false);
    };
    let unix = u64::try_from(now.timestamp()).unwrap_or(0);
    let step = totp::verify(&secret, code, unix, user.totp_last_step)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    if let Some(step) = step {
        user.totp_last_step = Some(step);
        return Ok(true);
    }
    if user.totp_confirmed && code.trim().len() > totp::DIGITS {
        return Ok(repo::use_recovery_code(
            conn,
            user.id,
            &totp::hash_recovery_code(code),
            now,
        )?);
    }
    Ok(false)
}

pub fn complete_mfa(
    conn: &mut PgConnection,
    request: MfaRequest,
    ctx: &RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<Result<MfaResponse, AppError>> {
    let challenge = token_hash(&request.mfa_token);
    let Some(user_id) = repo::open_challenge(conn, &challenge, now)? else {
        return Ok(Err(AppError::Unauthenticated(
            "the sign-in token is unknown, used or expired; sign in again".into(),
        )));
    };
    let mut user =
        repo::user_for_update(conn, user_id)?.ok_or(AppError::NotFound { entity: "user" })?;
    expire_lock(&mut user, now);
    if let Some(until) = locked(&user, now) {
        return Ok(Err(AppError::Locked { until }));
    }
    let enrolling = !user.totp_confirmed;
    if !second_factor_ok(conn, &mut user, &request.code, now)? {
        let now_locked = count_failure(conn, Some(&mut user), ctx, now)?;
        audit::append(
            conn,
            &event("auth.mfa", Some(&user), &user.username, "failure", ctx),
            now,
        )?;
        if now_locked {
            repo::consume_challenge(conn, &challenge)?;
        }
        return Ok(Err(match user.locked_until {
            Some(until) if now_locked => AppError::Locked { until },
            _ => AppError::Unauthenticated("wrong code".into()),
        }));
    }
    repo::consume_challenge(conn, &challenge)?;
    let recovery_codes = enrolling.then(totp::recovery_codes);
    if let Some(codes) = &recovery_codes {
        user.totp_confirmed = true;
        let hashes: Vec<String> = codes.iter().map(|c| totp::hash_recovery_code(c)).collect();
        repo::replace_recovery_codes(conn, user.id, &hashes)?;
    }
    user.failed_attempts = 0;
    user.updated_at = now;
    repo::save_user(conn, &user)?;
    let policy = policy_for(conn, &user)?;
    let token = new_token();
    let expires_at = now + Duration::seconds(policy.session_lifetime_seconds.into());
    repo::insert_session(
        conn,
        &Session {
            id: Uuid::new_v4(),
            token_hash: token_hash(&token),
            user_id: user.id,
            created_at: now,
            expires_at,
            last_used_at: now,
            mfa_at: now,
            address: ctx.address.clone(),
            user_agent: ctx.user_agent.clone(),
            revoked_at: None,
        },
    )?;
    let action = if enrolling { "auth.enroll" } else { "auth.mfa" };
    audit::append(
        conn,
        &event(action, Some(&user), &user.username, "success", ctx),
        now,
    )?;
    Ok(Ok(MfaResponse {
        access_token: token,
        expires_at,
        recovery_codes,
    }))
}

pub fn step_up(
    conn: &mut PgConnection,
    caller: &Caller,
    request: StepUpRequest,
    now: DateTime<Utc>,
) -> AppResult<Result<(), AppError>> {
    let mut user = repo::user_for_update(conn, caller.user_id)?
        .ok_or(AppError::NotFound { entity: "user" })?;
    let ctx = &caller.context;
    expire_lock(&mut user, now);
    if let Some(until) = locked(&user, now) {
        return Ok(Err(AppError::Locked { until }));
    }
    if !second_factor_ok(conn, &mut user, &request.code, now)? {
        let now_locked = count_failure(conn, Some(&mut user), ctx, now)?;
        audit::append(
            conn,
            &event("auth.step_up", Some(&user), &user.username, "failure", ctx),
            now,
        )?;
        return Ok(Err(match user.locked_until {
            Some(until) if now_locked => AppError::Locked { until },
            _ => AppError::Unauthenticated("wrong code".into()),
        }));
    }
    user.failed_attempts = 0;
    repo::save_user(conn, &user)?;
    repo::set_session_mfa(conn, caller.session_id, now)?;
    audit::append(
        conn,
        &event("auth.step_up", Some(&user), &user.username, "success", ctx),
        now,
    )?;
    Ok(Ok(()))
}

/// The caller behind a bearer token, with grants read fresh: a removed grant
/// or a disabled account takes effect on the very next request.
pub fn authenticate(
    conn: &mut PgConnection,
    token: &str,
    context: RequestMeta,
    now: DateTime<Utc>,
) -> AppResult<Caller> {
    let expired = || {
        AppError::Unauthenticated(
            "the session is unknown, expired or revoked; sign in again".into(),
        )
    };
    let session = repo::live_session(conn, &token_hash(token))?.ok_or_else(expired)?;
    let user = repo::user(conn, session.user_id)?.ok_or_else(expired)?;
    // a lock stops new sign-ins; only disabling ends sessions
    if user.status == UserStatus::Disabled.as_str() {
        return Err(expired());
    }
    let policy = policy_for(conn, &user)?;
    let idle = Duration::seconds(policy.idle_timeout_seconds.into());
    if now >= session.expires_at || now - session.last_used_at > idle || !policy.sign_in_allowed {
        return Err(expired());
    }
    // Recording use at most once a minute (or a tenth of the idle timeout,
    // if shorter) spares most requests a write and its WAL flush; an idle
    // session may so end that much early, never late.
    if now - session.last_used_at >= (idle / 10).min(Duration::minutes(1)) {
        repo::touch_session(conn, session.id, now)?;
    }
    let grants = repo::grant_scopes(conn, user.id)?;
    Ok(Caller {
        user_id: user.id,
        username: user.username,
        session_id: session.id,
        mfa_at: session.mfa_at,
        step_up_max_age_seconds: policy.step_up_max_age_seconds,
        grants,
        context,
    })
}

pub fn sessions(
    conn: &mut PgConnection,
    caller: &Caller,
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionView>> {
    Ok(repo::sessions_of(conn, caller.user_id, now)?
        .into_iter()
        .map(|s| SessionView {
            current: s.id == caller.session_id,
            id: s.id,
            created_at: s.created_at,
            expires_at: s.expires_at,
            last_used_at: s.last_used_at,
            mfa_at: s.mfa_at,
            address: s.address,
            user_agent: s.user_agent,
        })
        .collect())
}

pub fn revoke_own(
    conn: &mut PgConnection,
    caller: &Caller,
    session: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let revoked = repo::revoke_sessions(conn, caller.user_id, session, now)?;
    if session.is_some() && revoked == 0 {
        return Err(AppError::NotFound { entity: "session" });
    }
    audit::append(
        conn,
        &caller.event(
            "auth.logout",
            "session",
            session.map(|s| s.to_string()),
            None,
            Vec::new(),
        ),
        now,
    )
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
}

/// A user changes their own password; every other session ends.
pub fn change_password(
    conn: &mut PgConnection,
    caller: &Caller,
    request: PasswordChange,
    now: DateTime<Utc>,
) -> AppResult<Result<(), AppError>> {
    let mut user = repo::user_for_update(conn, caller.user_id)?
        .ok_or(AppError::NotFound { entity: "user" })?;
    expire_lock(&mut user, now);
    if let Some(until) = locked(&user, now) {
        return Ok(Err(AppError::Locked { until }));
    }
    if !password::verify(&request.current_password, &user.password_hash) {
        let now_locked = count_failure(conn, Some(&mut user), &caller.context, now)?;
        audit::append(
            conn,
            &event(
                "auth.password_change",
                Some(&user),
                &user.username,
                "failure",
                &caller.context,
            ),
            now,
        )?;
        return Ok(Err(match user.locked_until {
            Some(until) if now_locked => AppError::Locked { until },
            _ => AppError::invalid("current_password", "is not the current password"),
        }));
    }
    password::check_policy(&user.username, &request.new_password)
        .map_err(|m| AppError::invalid("new_password", m))?;
    user.password_hash =
        password::hash(&request.new_password).map_err(|e| AppError::Internal(e.to_string()))?;
    user.failed_attempts = 0;
    user.version += 1;
    user.updated_at = now;
    repo::save_user(conn, &user)?;
    let others = repo::sessions_of(conn, user.id, now)?
        .into_iter()
        .filter(|s| s.id != caller.session_id);
    for session in others {
        repo::revoke_sessions(conn, user.id, Some(session.id), now)?;
    }
    audit::append(
        conn,
        &event(
            "auth.password_change",
            Some(&user),
            &user.username,
            "success",
            &caller.context,
        ),
        now,
    )?;
    Ok(Ok(()))
}
