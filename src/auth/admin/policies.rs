//! Per-level policies: session lifetimes, step-up age, whether sign-in is
//! open at all. Only a system administrator changes them.

use crate::auth::model::{LevelPolicy, PolicyInput};
use crate::auth::repo;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::org::model::Level;
use crate::validation::validated;

pub fn list_policies(ctx: &mut Ctx) -> AppResult<Vec<LevelPolicy>> {
    Ok(repo::policies(ctx.conn)?)
}

/// Replaces the policy of `level` when `version` is its current version.
pub fn put_policy(
    ctx: &mut Ctx,
    level: Level,
    version: i32,
    input: PolicyInput,
) -> AppResult<LevelPolicy> {
    validated(&input)?;
    let mut policy =
        repo::policy(ctx.conn, level)?.ok_or(AppError::NotFound { entity: "policy" })?;
    if policy.version != version {
        return Err(AppError::StaleVersion {
            expected: version,
            current: policy.version,
        });
    }
    policy.apply(input, ctx.now);
    repo::save_policy(ctx.conn, &policy)?;
    let fields = [
        "session_lifetime_seconds",
        "idle_timeout_seconds",
        "step_up_max_age_seconds",
        "sign_in_allowed",
    ];
    let event = ctx.event(
        "policy.update",
        "level_policy",
        Some(level.to_string()),
        None,
        fields.map(String::from).into(),
    );
    ctx.audit(&event)?;
    Ok(policy)
}
