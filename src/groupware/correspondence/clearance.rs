//! Clearances for the secret register, given by the administrators of a
//! person's home organization (org_admin there, or system_admin).

use diesel::prelude::*;
use serde_json::json;

use super::input::ClearanceRequest;
use super::model::ClearanceView;
use crate::context::Ctx;
use crate::db::ltree::TreePath;
use crate::db::schema::{groupware_clearances as g, organizations as o, users as u};
use crate::error::{AppError, AppResult};
use crate::ids::UserId;

/// Sets (or, with no level, revokes) the user's clearance.
pub fn set(ctx: &mut Ctx, user: UserId, input: ClearanceRequest) -> AppResult<ClearanceView> {
    let path: TreePath = u::table
        .inner_join(o::table.on(o::id.eq(u::home_organization_id)))
        .filter(u::id.eq(user))
        .select(o::path)
        .first(ctx.conn)
        .optional()?
        .ok_or(AppError::NotFound { entity: "user" })?;
    ctx.scope.require_write(&path, "this person's account")?;
    let level = input
        .level
        .ok_or_else(|| AppError::invalid("level", "required: a secrecy mark, or null to revoke"))?;
    match level {
        Some(level) => {
            diesel::insert_into(g::table)
                .values((
                    g::user_id.eq(user),
                    g::level.eq(level),
                    g::granted_at.eq(ctx.now),
                    g::granted_by.eq(ctx.actor.id),
                ))
                .on_conflict(g::user_id)
                .do_update()
                .set((
                    g::level.eq(level),
                    g::granted_at.eq(ctx.now),
                    g::granted_by.eq(ctx.actor.id),
                ))
                .execute(ctx.conn)?;
        }
        None => {
            diesel::delete(g::table.find(user)).execute(ctx.conn)?;
        }
    }
    let mut event = ctx.event(
        "groupware.clearance",
        "user",
        Some(user.to_string()),
        Some(path),
        vec!["level".to_owned()],
    );
    event.details = json!({"level": level});
    ctx.audit(&event)?;
    Ok(ClearanceView {
        user_id: user,
        level,
    })
}
