//! Finding colleagues to assign, invite or take along.

use super::model::{PeopleFilter, Person};
use super::repo;
use crate::context::Ctx;
use crate::error::AppResult;
use crate::ids::UserId;
use crate::pagination::{self, Page};

/// Accounts at home in the units the caller uses the groupware for.
pub fn people(ctx: &mut Ctx, filter: PeopleFilter) -> AppResult<Page<Person>> {
    let roots = ctx.scope.read_roots().unwrap_or_default();
    let rows = repo::people(ctx.conn, &roots, &filter)?;
    let (items, next_cursor) = pagination::finish(rows, filter.limit, |p| p.username.clone());
    Ok(Page { items, next_cursor })
}

/// The people `ids` name, for showing who is already assigned.
pub fn named(ctx: &mut Ctx, ids: &[UserId]) -> AppResult<Vec<Person>> {
    Ok(repo::named(ctx.conn, ids)?)
}
