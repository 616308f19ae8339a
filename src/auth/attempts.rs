//! Failed attempts: counted against the account (which locks at the limit)
//! and against the client's address (which is throttled), and the audit
//! entries of sign-in steps, made by whoever the account is.
//!
//! Failures must be remembered even though the request fails, so the
//! services that count them return `Ok(Err(..))`: the outer result decides
//! whether the transaction commits, the inner one is the caller's answer.

use chrono::{DateTime, Duration, Utc};

use super::model::{User, UserStatus};
use super::repo;
use crate::audit::AuditEvent;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};

/// Failed passwords or codes before an account locks, and for how long.
pub const MAX_ACCOUNT_FAILURES: i32 = 5;
pub const LOCK_DURATION: Duration = Duration::minutes(15);
/// Failed sign-ins from one address within the window before it is throttled.
pub const MAX_ADDRESS_FAILURES: i32 = 20;
pub const ADDRESS_WINDOW: Duration = Duration::minutes(15);

/// A sign-in step's audit entry: done by the account it concerns (or, for an
/// unknown name, by that name), at no organization.
pub fn event(
    ctx: &Ctx,
    action: &str,
    user: Option<&User>,
    username: &str,
    outcome: &str,
) -> AuditEvent {
    let mut event = ctx.event(
        action,
        "user",
        user.map(|u| u.id.to_string()),
        None,
        Vec::new(),
    );
    event.actor_id = user.map(|u| u.id.into());
    event.actor = Some(username.to_owned());
    event.outcome = outcome.to_owned();
    event
}

/// Appends the audit entry of `user`'s sign-in step.
pub fn audit(ctx: &mut Ctx, action: &str, user: &User, outcome: &str) -> AppResult<()> {
    let event = event(ctx, action, Some(user), &user.username, outcome);
    ctx.audit(&event)
}

/// Unlocks an account whose lock has run out.
pub fn expire_lock(user: &mut User, now: DateTime<Utc>) {
    if user.status == UserStatus::Locked && user.locked_until.is_some_and(|t| t <= now) {
        user.unlock();
    }
}

/// Until when the account is locked, if it is.
pub fn locked(user: &User, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    (user.status == UserStatus::Locked).then_some(user.locked_until.unwrap_or(now + LOCK_DURATION))
}

/// An account whose lock has run out is unlocked; one still locked is
/// refused with the time its lock ends.
pub fn refuse_if_locked(user: &mut User, now: DateTime<Utc>) -> Result<(), AppError> {
    expire_lock(user, now);
    match locked(user, now) {
        Some(until) => Err(AppError::Locked { until }),
        None => Ok(()),
    }
}

/// Counts a failure against the account (locking it at the limit) and the
/// address; true when this failure locked the account.
pub fn count_failure(ctx: &mut Ctx, user: Option<&mut User>) -> AppResult<bool> {
    let now = ctx.now;
    if let Some(key) = ctx.request.limit_key() {
        repo::count_address_failure(ctx.conn, &key, now - ADDRESS_WINDOW, now)?;
    }
    let Some(user) = user else { return Ok(false) };
    user.failed_attempts += 1;
    let locks = user.failed_attempts >= MAX_ACCOUNT_FAILURES;
    if locks {
        user.status = UserStatus::Locked;
        user.locked_until = Some(now + LOCK_DURATION);
    }
    user.updated_at = now;
    repo::save_user(ctx.conn, user)?;
    if locks {
        audit(ctx, "auth.lock", user, "locked")?;
    }
    Ok(locks)
}

/// Counts a failed step of a signed-in or half signed-in `user`, records it
/// under `action`, and says what to answer: locked when this failure locked
/// the account, `otherwise` if not.
pub fn failed(
    ctx: &mut Ctx,
    user: &mut User,
    action: &str,
    otherwise: AppError,
) -> AppResult<AppError> {
    let now_locked = count_failure(ctx, Some(user))?;
    audit(ctx, action, user, "failure")?;
    Ok(match user.locked_until {
        Some(until) if now_locked => AppError::Locked { until },
        _ => otherwise,
    })
}

/// The answer for an address over its failure limit, if it is.
pub fn throttled(ctx: &mut Ctx) -> AppResult<Option<AppError>> {
    let Some(key) = ctx.request.limit_key() else {
        return Ok(None);
    };
    let now = ctx.now;
    let (failures, started) = repo::address_failures(ctx.conn, &key, now - ADDRESS_WINDOW)?;
    Ok((failures >= MAX_ADDRESS_FAILURES).then(|| {
        let until = started.unwrap_or(now) + ADDRESS_WINDOW;
        AppError::Throttled {
            retry_after_seconds: (until - now).num_seconds().max(1),
        }
    }))
}
