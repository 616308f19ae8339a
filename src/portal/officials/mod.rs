//! CBCCVC profiles in the browser: search, the profile in the sections of
//! the 2C form, editing section by section, the history of changes and the
//! résumé for print. Reads and edits go through the profile services, so a
//! profile outside one's scope is refused here exactly as in the API.

mod edit;
mod print;
mod profile;
mod records;
mod search;
pub mod sections;

use serde_json::Value;

use self::sections::Catalogs;
use super::browser::SignedIn;
use super::error::PortalError;
use crate::context::Ctx;
use crate::error::{AppError, AppResult};
use crate::http::route_table::RouteTable;
use crate::ids::{OfficialId, OrganizationId};
use crate::officials::service;
use crate::officials::view::{OfficialView, RecordView};

pub fn configure(table: &mut RouteTable) {
    table
        .resource("/officials", |r| r.get(search::search))
        .resource("/officials/{id}", |r| r.get(profile::profile))
        .resource("/officials/{id}/history", |r| r.get(profile::history))
        .resource("/officials/{id}/print", |r| r.get(print::print))
        .resource("/officials/{id}/resume", |r| r.get(print::resume))
        .resource("/officials/{id}/edit/{section}", |r| {
            r.get(edit::form).post(edit::save)
        });
}

/// The profile id of a page's address; a malformed one names no profile.
fn official_id(user: &SignedIn, raw: &str) -> Result<OfficialId, PortalError> {
    raw.parse()
        .map_err(|_| user.fail(AppError::NotFound { entity: "official" }))
}

/// Every catalog the profile pages name codes from.
fn catalogs(ctx: &mut Ctx) -> AppResult<Catalogs> {
    let mut catalogs = Catalogs::default();
    for name in sections::catalog_names() {
        let entries = crate::catalogs::entries(ctx, name)?;
        catalogs.0.insert(name.to_owned(), entries);
    }
    Ok(catalogs)
}

/// The name of a unit, when the caller may see it.
fn unit_name(ctx: &mut Ctx, id: OrganizationId) -> Option<String> {
    crate::org::service::visible(ctx, id).ok().map(|o| o.name)
}

/// A profile with everything its pages show.
struct Loaded {
    view: OfficialView,
    /// The profile's data as the API names it, for the sections.
    data: Value,
    records: Vec<RecordView>,
    catalogs: Catalogs,
    managing: Option<String>,
    using: Option<String>,
}

/// The profile (identity numbers in full when `reveal`; the service checks
/// and audits that), its histories and the names its codes stand for.
fn load(ctx: &mut Ctx, id: OfficialId, reveal: bool) -> AppResult<Loaded> {
    let view = if reveal {
        service::reveal(ctx, id)?
    } else {
        service::get(ctx, id)?
    };
    let records = service::list_records(ctx, id, None)?;
    let data = serde_json::to_value(&view.data).map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(Loaded {
        catalogs: catalogs(ctx)?,
        managing: unit_name(ctx, view.data.managing_organization_id),
        using: unit_name(ctx, view.data.using_organization_id),
        records,
        data,
        view,
    })
}
