//! Code lists (ethnic groups, ranks, degrees, ...) that profiles' coded items
//! come from. They ship in fixtures/catalogs.json and are brought up to date
//! at every start.

pub mod routes;

use std::collections::BTreeMap;

use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::db::schema::catalog_entries;
use crate::error::{AppError, AppResult};

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

/// The entries of one catalog in their shipped order; 404 for a name no
/// catalog has.
pub fn entries(ctx: &mut Ctx, catalog: &str) -> AppResult<Vec<Entry>> {
    let entries: Vec<Entry> = catalog_entries::table
        .filter(catalog_entries::catalog.eq(catalog))
        .order((catalog_entries::sort_order, catalog_entries::code))
        .select(Entry::as_select())
        .load(ctx.conn)?;
    if entries.is_empty() {
        return Err(AppError::NotFound { entity: "catalog" });
    }
    Ok(entries)
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
