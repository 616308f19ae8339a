//! Signing in with two factors (password, then a TOTP or recovery code), and
//! proving the second factor again for sensitive actions (step-up).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::attempts::{self, refuse_if_locked};
use super::caller::OwnSession;
use super::model::{Session, User, UserStatus};
use super::service::{new_token, policy_for, token_hash};
use super::{password, repo, secret, totp};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::SessionId;

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

fn wrong_credentials() -> AppError {
    AppError::Unauthenticated("wrong username or password".into())
}

/// The first step: the password. Answers with a short-lived token for the
/// second step (and, for an account without a second factor, its enrollment).
pub fn login(ctx: &mut Ctx, request: LoginRequest) -> AppResult<Result<LoginResponse, AppError>> {
    if let Some(error) = attempts::throttled(ctx)? {
        let event = attempts::event(ctx, "auth.login", None, &request.username, "throttled");
        ctx.audit(&event)?;
        return Ok(Err(error));
    }
    let Some(mut user) = repo::user_by_name(ctx.conn, &request.username)? else {
        // the same work and the same answer as for a wrong password
        password::verify_dummy(&request.password);
        attempts::count_failure(ctx, None)?;
        let event = attempts::event(ctx, "auth.login", None, &request.username, "failure");
        ctx.audit(&event)?;
        return Ok(Err(wrong_credentials()));
    };
    if let Err(locked) = refuse_if_locked(&mut user, ctx.now) {
        password::verify_dummy(&request.password);
        attempts::audit(ctx, "auth.login", &user, "locked")?;
        return Ok(Err(locked));
    }
    let password_ok = password::verify(&request.password, &user.password_hash);
    if !password_ok || user.status != UserStatus::Active {
        let answer = attempts::failed(ctx, &mut user, "auth.login", wrong_credentials())?;
        return Ok(Err(answer));
    }
    let policy = policy_for(ctx.conn, &user)?;
    if !policy.sign_in_allowed {
        attempts::audit(ctx, "auth.login", &user, "denied")?;
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
        let secret = match secret::open(ctx, &user)? {
            Some(secret) => secret,
            None => {
                let fresh = totp::new_secret();
                secret::store(ctx, &mut user, &fresh)?;
                fresh
            }
        };
        Some(enrollment_for(&secret, &user.username)?)
    };
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let token = new_token();
    let expires = ctx.now + CHALLENGE_LIFETIME;
    repo::insert_challenge(ctx.conn, &token_hash(&token), user.id, expires)?;
    attempts::audit(ctx, "auth.password", &user, "success")?;
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

/// What a second-factor code proved.
enum SecondFactor {
    Proved,
    /// A right TOTP code of a time step already used: not a guess, so it
    /// counts toward no lock, but it opens nothing.
    Reused,
    Wrong,
}

/// A TOTP code (once per time step) or an unused recovery code.
fn second_factor(ctx: &mut Ctx, user: &mut User, code: &str) -> AppResult<SecondFactor> {
    let Some(secret) = secret::open(ctx, user)? else {
        return Ok(SecondFactor::Wrong);
    };
    let internal = |e: totp::TotpError| AppError::Internal(e.to_string());
    let unix = u64::try_from(ctx.now.timestamp()).unwrap_or(0);
    if let Some(step) = totp::verify(&secret, code, unix, user.totp_last_step).map_err(internal)? {
        user.totp_last_step = Some(step);
        return Ok(SecondFactor::Proved);
    }
    // right for now, yet refused: its step has been used already
    if totp::verify(&secret, code, unix, None)
        .map_err(internal)?
        .is_some()
    {
        return Ok(SecondFactor::Reused);
    }
    if user.totp_confirmed && code.trim().len() > totp::DIGITS {
        let hash = totp::hash_recovery_code(code);
        if repo::use_recovery_code(ctx.conn, user.id, &hash, ctx.now)? {
            return Ok(SecondFactor::Proved);
        }
    }
    Ok(SecondFactor::Wrong)
}

fn wrong_code() -> AppError {
    AppError::Unauthenticated("wrong code".into())
}

fn reused_code() -> AppError {
    AppError::Unauthenticated(format!(
        "this code has been used already; wait for the next one (codes change every {} seconds)",
        totp::STEP_SECONDS
    ))
}

/// The answer to a code that proved nothing: a reused one is audited as
/// such and counts toward no lock; a wrong one counts as a failure.
fn refused(
    ctx: &mut Ctx,
    user: &mut User,
    action: &str,
    verdict: SecondFactor,
) -> AppResult<AppError> {
    if let SecondFactor::Reused = verdict {
        attempts::audit(ctx, action, user, "reused")?;
        return Ok(reused_code());
    }
    attempts::failed(ctx, user, action, wrong_code())
}

/// The second step: a code for the token of the first. Opens a session; an
/// account enrolling its second factor also gets its recovery codes, once.
pub fn complete_mfa(
    ctx: &mut Ctx,
    request: MfaRequest,
) -> AppResult<Result<MfaResponse, AppError>> {
    let challenge = token_hash(&request.mfa_token);
    let Some(user_id) = repo::open_challenge(ctx.conn, &challenge, ctx.now)? else {
        return Ok(Err(AppError::Unauthenticated(
            "the sign-in token is unknown, used or expired; sign in again".into(),
        )));
    };
    let mut user =
        repo::user_for_update(ctx.conn, user_id)?.ok_or(AppError::NotFound { entity: "user" })?;
    if let Err(locked) = refuse_if_locked(&mut user, ctx.now) {
        return Ok(Err(locked));
    }
    let enrolling = !user.totp_confirmed;
    let verdict = second_factor(ctx, &mut user, &request.code)?;
    if !matches!(verdict, SecondFactor::Proved) {
        let answer = refused(ctx, &mut user, "auth.mfa", verdict)?;
        if matches!(answer, AppError::Locked { .. }) {
            repo::consume_challenge(ctx.conn, &challenge)?;
        }
        return Ok(Err(answer));
    }
    repo::consume_challenge(ctx.conn, &challenge)?;
    let recovery_codes = enrolling.then(totp::recovery_codes);
    if let Some(codes) = &recovery_codes {
        user.totp_confirmed = true;
        let hashes: Vec<String> = codes.iter().map(|c| totp::hash_recovery_code(c)).collect();
        repo::replace_recovery_codes(ctx.conn, user.id, &hashes)?;
    }
    user.failed_attempts = 0;
    user.updated_at = ctx.now;
    repo::save_user(ctx.conn, &user)?;
    let (access_token, session) = open_session(ctx, &user)?;
    let action = if enrolling { "auth.enroll" } else { "auth.mfa" };
    attempts::audit(ctx, action, &user, "success")?;
    Ok(Ok(MfaResponse {
        access_token,
        expires_at: session.expires_at,
        recovery_codes,
    }))
}

/// A new session for `user`, lasting as its level's policy says; returns
/// its bearer token (only its hash is kept).
fn open_session(ctx: &mut Ctx, user: &User) -> AppResult<(String, Session)> {
    let policy = policy_for(ctx.conn, user)?;
    let token = new_token();
    let session = Session {
        id: SessionId::new_random(),
        token_hash: token_hash(&token),
        user_id: user.id,
        created_at: ctx.now,
        expires_at: ctx.now + Duration::seconds(policy.session_lifetime_seconds.into()),
        last_used_at: ctx.now,
        mfa_at: ctx.now,
        address: ctx.request.address.clone(),
        user_agent: ctx.request.user_agent.clone(),
        revoked_at: None,
    };
    repo::insert_session(ctx.conn, &session)?;
    Ok((token, session))
}

/// Proves the second factor again: the session counts as freshly verified.
pub fn step_up(
    ctx: &mut Ctx,
    own: OwnSession,
    request: StepUpRequest,
) -> AppResult<Result<(), AppError>> {
    let mut user =
        repo::user_for_update(ctx.conn, own.user)?.ok_or(AppError::NotFound { entity: "user" })?;
    if let Err(locked) = refuse_if_locked(&mut user, ctx.now) {
        return Ok(Err(locked));
    }
    let verdict = second_factor(ctx, &mut user, &request.code)?;
    if !matches!(verdict, SecondFactor::Proved) {
        return Ok(Err(refused(ctx, &mut user, "auth.step_up", verdict)?));
    }
    user.failed_attempts = 0;
    repo::save_user(ctx.conn, &user)?;
    repo::set_session_mfa(ctx.conn, own.session, ctx.now)?;
    attempts::audit(ctx, "auth.step_up", &user, "success")?;
    Ok(Ok(()))
}
