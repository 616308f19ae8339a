//! Who the groupware sees: the caller's groupware grants (the transaction's
//! scope) and, for documents marked secret, their clearance or their
//! assignment. The clearance is read and the user set for row-level
//! security in one statement.

use diesel::prelude::*;
use diesel::sql_types::{Nullable, Text};

use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::error::AppError;
use crate::ids::{OrganizationId, TaskId};

use super::correspondence::model::Secrecy;
use crate::context::{Ctx, Scope};
use crate::error::AppResult;
use crate::ids::UserId;

/// What the caller may see of the secret register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    /// The signed-in user; `None` for an operator's command.
    pub user: Option<UserId>,
    /// The highest mark the caller is cleared for.
    pub cleared: Option<Secrecy>,
}

impl Access {
    /// Whether the caller's clearance reaches `mark` (an unmarked document needs none).
    pub fn cleared_for(&self, mark: Option<Secrecy>) -> bool {
        match mark {
            None => true,
            Some(mark) => self.cleared.is_some_and(|c| c.rank() >= mark.rank()),
        }
    }
}

#[derive(QueryableByName)]
struct Clearance {
    #[diesel(sql_type = Nullable<Text>)]
    level: Option<Secrecy>,
}

/// Sets the groupware user for row-level security for the rest of the
/// transaction and reads their clearance. An operator's command (owner,
/// outside row-level security) is cleared for everything.
pub fn enter(ctx: &mut Ctx) -> AppResult<Access> {
    let user = ctx.actor.id;
    let Some(id) = user.filter(|_| !matches!(ctx.scope, Scope::System)) else {
        return Ok(Access {
            user,
            cleared: Some(Secrecy::TopSecret),
        });
    };
    let row: Clearance = diesel::sql_query(
        "SELECT (SELECT level FROM groupware_clearances WHERE user_id = $1::uuid) AS level, \
                set_config('odb.groupware_user', $1, true) AS user",
    )
    .bind::<Text, _>(id.to_string())
    .get_result(ctx.conn)?;
    Ok(Access {
        user,
        cleared: row.level,
    })
}

/// Where a unit sits, if the caller's scope shows it.
pub fn unit_path(ctx: &mut Ctx, unit: OrganizationId) -> AppResult<TreePath> {
    use crate::db::schema::organizations as o;
    o::table
        .find(unit)
        .select(o::path)
        .first::<TreePath>(ctx.conn)
        .optional()?
        .ok_or(AppError::NotFound {
            entity: "organization",
        })
}

#[derive(QueryableByName)]
struct PathRow {
    #[diesel(sql_type = Nullable<Ltree>)]
    path: Option<TreePath>,
}

/// Where a visible task's unit sits (its assignees may work elsewhere).
pub fn unit_path_of_task(ctx: &mut Ctx, task: TaskId) -> AppResult<TreePath> {
    diesel::sql_query("SELECT odb_task_path($1) AS path")
        .bind::<diesel::sql_types::Uuid, _>(task)
        .get_result::<PathRow>(ctx.conn)?
        .path
        .ok_or(AppError::NotFound { entity: "task" })
}
