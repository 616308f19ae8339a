//! Code lists (ethnic groups, ranks, degrees, ...) that profiles' coded items
//! come from. They ship in fixtures/catalogs.json and are brought up to date
//! at every start.

use std::collections::BTreeMap;

use actix_web::{web, HttpResponse};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::auth::caller::Caller;
use crate::db::schema::catalog_entries;
use crate::error::{AppError, AppResult};
use crate::startup::AppState;

const CATALOGS: &str = include_str!("../../fixtures/catalogs.json");

#[derive(Debug, Clone, Deserialize, Serialize, Queryable, Selectable)]
#[diesel(table_name = catalog_entries, check_for_backend(diesel::pg::Pg))]
pub struct Entry {
    pub code: String,
    pub name: String,
}

/// Upserts every entry of the shipped catalogs (as the database owner).
pub fn load(conn: &mut PgConnection) -> AppResult<usize> {
    let catalogs: BTreeMap<String, Vec<Entry>> = serde_json::from_str(CATALOGS)
        .map_err(|e| AppError::Internal(format!("fixtures/catalogs.json is not valid: {e}")))?;
    let mut count = 0;
    for (catalog, entries) in &catalogs {
        for (order, entry) in entries.iter().enumerate() {
            diesel::insert_into(catalog_entries::table)
                .values((
                    catalog_entries::catalog.eq(catalog),
                    catalog_entries::code.eq(&entry.code),
                    catalog_entries::name.eq(&entry.name),
                    catalog_entries::sort_order.eq(order as i32),
                ))
                .on_conflict((catalog_entries::catalog, catalog_entries::code))
                .do_update()
                .set((
                    catalog_entries::name.eq(&entry.name),
                    catalog_entries::sort_order.eq(order as i32),
                ))
                .execute(conn)?;
            count += 1;
        }
    }
    Ok(count)
}

pub fn entries(conn: &mut PgConnection, catalog: &str) -> AppResult<Vec<Entry>> {
    Ok(catalog_entries::table
        .filter(catalog_entries::catalog.eq(catalog))
        .order((catalog_entries::sort_order, catalog_entries::code))
        .select(Entry::as_select())
        .load(conn)?)
}

/// Checks a coded item against its catalog, naming the field when it is unknown.
pub fn check(
    conn: &mut PgConnection,
    catalog: &str,
    code: Option<&str>,
    field: &str,
) -> AppResult<()> {
    let Some(code) = code else { return Ok(()) };
    let known: bool = diesel::select(diesel::dsl::exists(
        catalog_entries::table
            .filter(catalog_entries::catalog.eq(catalog))
            .filter(catalog_entries::code.eq(code)),
    ))
    .get_result(conn)?;
    if known {
        Ok(())
    } else {
        Err(AppError::invalid(
            field,
            format!("{code:?} is not in the {catalog} catalog (GET /api/v1/catalogs/{catalog})"),
        ))
    }
}

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/catalogs/{name}", |r| r.get(catalog));
}

/// Any signed-in user may read the code lists.
async fn catalog(
    state: web::Data<AppState>,
    _caller: Caller,
    name: web::Path<String>,
) -> AppResult<HttpResponse> {
    let name = name.into_inner();
    let items = state.db.run(move |c| entries(c, &name)).await?;
    if items.is_empty() {
        return Err(AppError::NotFound { entity: "catalog" });
    }
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}
