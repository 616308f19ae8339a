//! Reading organizations: one as it stands or stood, listings, subtrees.

use std::collections::HashMap;

use diesel::PgConnection;

use super::filter::{AsOf, ListFilter, SubtreeFilter};
use super::model::{Extras, ListedRow, Organization, OrganizationView};
use super::repo::{self, Bounds};
use super::service::{find_by_code, visible};
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::ids::OrganizationId;
use crate::pagination::{self, NameKey, Page};

/// One organization the caller may see, where it stood on `as_of`, with
/// its party counts then (Table 25 items 22 to 25).
pub fn read(ctx: &mut Ctx, id: OrganizationId, as_of: AsOf) -> AppResult<OrganizationView> {
    let viewed = repo::viewed(ctx.conn, id)?
        .filter(|v| ctx.scope.can_read(&v.org.path))
        .ok_or(AppError::NotFound {
            entity: "organization",
        })?;
    let mut view = OrganizationView::from(ListedRow::from(viewed.org));
    view.add(viewed.extras);
    if let Some(date) = as_of.0 {
        view.parent_id = placed_parent(ctx.conn, id, date)?;
    }
    let date = as_of.0.unwrap_or(ctx.today);
    view.party = Some(crate::party::repo::units::attached_counts(
        ctx.conn, id, date,
    )?);
    Ok(view)
}

/// The parent `id` had on `date`.
fn placed_parent(
    conn: &mut PgConnection,
    id: OrganizationId,
    date: chrono::NaiveDate,
) -> AppResult<Option<OrganizationId>> {
    let then = repo::placement_on(conn, id, Some(date))?.ok_or(AppError::NotFound {
        entity: "organization on that date",
    })?;
    Ok(then.parent_id)
}

/// One organization by its code, as it stands today.
pub fn read_by_code(ctx: &mut Ctx, code: &str) -> AppResult<OrganizationView> {
    let org = find_by_code(ctx.conn, code)?;
    if !ctx.scope.can_read(&org.path) {
        return Err(AppError::NotFound {
            entity: "organization",
        });
    }
    one_view(ctx.conn, org, None)
}

/// A page of the organizations the caller may see that `filter` asks for.
pub fn list(ctx: &mut Ctx, filter: ListFilter) -> AppResult<Page<OrganizationView>> {
    let under = match filter.under {
        Some(id) => Some(
            visible(ctx, id)
                .map_err(|_| AppError::invalid("under", "no such organization"))?
                .path,
        ),
        None => None,
    };
    let bounds = Bounds {
        roots: ctx.scope.read_roots(),
        under,
    };
    let rows = repo::list(ctx.conn, &filter, &bounds)?;
    let (rows, next_cursor) = pagination::finish(rows, filter.limit, |r| {
        NameKey(r.org.name_folded.clone(), r.org.id.0)
    });
    Ok(Page {
        items: views(ctx.conn, rows)?,
        next_cursor,
    })
}

/// The listing of `parent`'s children (the path's parent wins over `parent_id`).
pub fn children(
    ctx: &mut Ctx,
    parent: OrganizationId,
    filter: ListFilter,
) -> AppResult<Page<OrganizationView>> {
    visible(ctx, parent)?;
    list(
        ctx,
        ListFilter {
            parent: Some(parent),
            ..filter
        },
    )
}

/// The subtree under `id` as it stood on the filter's date, in tree order.
pub fn subtree(
    ctx: &mut Ctx,
    id: OrganizationId,
    filter: SubtreeFilter,
) -> AppResult<Page<OrganizationView>> {
    visible(ctx, id)?;
    let root = repo::placement_on(ctx.conn, id, filter.as_of)?.ok_or_else(|| {
        AppError::conflict(
            "not-in-tree",
            "the organization was not in the tree on that date",
        )
    })?;
    let rows = repo::subtree(ctx.conn, &root.path, &filter)?;
    let (rows, next_cursor) = pagination::finish(rows, filter.limit, |(_, path)| path.0.clone());
    let items = views(ctx.conn, rows.into_iter().map(|(row, _)| row).collect())?;
    Ok(Page { items, next_cursor })
}

/// The view of `org`, placed where it stood on `as_of` (today when `None`).
pub fn one_view(
    conn: &mut PgConnection,
    org: Organization,
    as_of: Option<chrono::NaiveDate>,
) -> AppResult<OrganizationView> {
    let mut row = ListedRow::from(org);
    if let Some(date) = as_of {
        row.placed_parent_id = placed_parent(conn, row.org.id, date)?;
    }
    views(conn, vec![row])?
        .pop()
        .ok_or(AppError::Internal("view lost".into()))
}

/// Views with predecessors and headcounts, loaded for the whole page at once.
pub fn views(conn: &mut PgConnection, rows: Vec<ListedRow>) -> AppResult<Vec<OrganizationView>> {
    let ids: Vec<OrganizationId> = rows.iter().map(|r| r.org.id).collect();
    let mut extras: HashMap<OrganizationId, Extras> =
        repo::extras_of(conn, &ids)?.into_iter().collect();
    Ok(rows
        .into_iter()
        .map(|row| {
            let mut view = OrganizationView::from(row);
            if let Some(extras) = extras.remove(&view.organization.id) {
                view.add(extras);
            }
            view
        })
        .collect())
}
