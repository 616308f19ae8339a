//! Code lists (ethnic groups, ranks, degrees, ...) that profiles' coded items
//! come from. They ship in fixtures/catalogs.json and are brought up to date
//! at every start.

pub mod routes;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::context::Ctx;
use crate::db::schema::catalog_entries;
use crate::error::{AppError, AppResult};

const CATALOGS: &str = include_str!("../../fixtures/catalogs.json");

/// One entry of a code list: its code and name, the dates it applied (a
/// retired code still reads on old records), and what rules read from it.
#[derive(Debug, Clone, Deserialize, Serialize, Queryable, Selectable)]
#[diesel(table_name = catalog_entries, check_for_backend(diesel::pg::Pg))]
pub struct Entry {
    pub code: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_from: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<NaiveDate>,
    #[serde(default = "no_details", skip_serializing_if = "is_empty")]
    pub details: serde_json::Value,
}

fn no_details() -> serde_json::Value {
    serde_json::json!({})
}

fn is_empty(details: &serde_json::Value) -> bool {
    details.as_object().is_none_or(|o| o.is_empty())
}

/// A shipped list and where it comes from.
#[derive(Debug, Deserialize)]
pub struct Shipped {
    pub source: String,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
struct ShippedFile {
    catalogs: BTreeMap<String, Shipped>,
}

/// The lists as fixtures/catalogs.json ships them.
pub fn shipped() -> AppResult<BTreeMap<String, Shipped>> {
    serde_json::from_str::<ShippedFile>(CATALOGS)
        .map(|file| file.catalogs)
        .map_err(|e| AppError::Internal(format!("fixtures/catalogs.json is not valid: {e}")))
}

/// Upserts every entry of the shipped catalogs (as the database owner).
pub fn load(conn: &mut PgConnection) -> AppResult<usize> {
    let mut count = 0;
    for (catalog, shipped) in &shipped()? {
        for (order, entry) in shipped.entries.iter().enumerate() {
            let row = (
                catalog_entries::name.eq(&entry.name),
                catalog_entries::sort_order.eq(order as i32),
                catalog_entries::valid_from.eq(entry.valid_from),
                catalog_entries::valid_until.eq(entry.valid_until),
                catalog_entries::details.eq(&entry.details),
            );
            diesel::insert_into(catalog_entries::table)
                .values((
                    catalog_entries::catalog.eq(catalog),
                    catalog_entries::code.eq(&entry.code),
                    row,
                ))
                .on_conflict((catalog_entries::catalog, catalog_entries::code))
                .do_update()
                .set(row)
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
        Err(unknown(catalog, code, field))
    }
}

fn unknown(catalog: &str, code: &str, field: &str) -> AppError {
    AppError::invalid(
        field,
        format!("{code:?} is not in the {catalog} catalog (GET /api/v1/catalogs/{catalog})"),
    )
}

/// A coded item to check: (catalog, code, field).
pub type Coded<'a> = (&'a str, &'a str, String);

/// Checks every coded item in one statement, reporting the first unknown
/// one in the order given.
pub fn check_all(conn: &mut PgConnection, items: &[Coded<'_>]) -> AppResult<()> {
    use diesel::sql_types::{Array, Text};
    if items.is_empty() {
        return Ok(());
    }
    #[derive(QueryableByName)]
    struct Unknown {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        ordinality: i32,
    }
    let catalogs: Vec<&str> = items.iter().map(|i| i.0).collect();
    let codes: Vec<&str> = items.iter().map(|i| i.1).collect();
    let unknown: Option<Unknown> = diesel::sql_query(
        "SELECT ordinality::int AS ordinality FROM unnest($1::text[], $2::text[]) \
         WITH ORDINALITY AS t(catalog, code, ordinality) \
         WHERE NOT EXISTS (SELECT 1 FROM catalog_entries e \
                           WHERE e.catalog = t.catalog AND e.code = t.code) \
         ORDER BY ordinality LIMIT 1",
    )
    .bind::<Array<Text>, _>(&catalogs)
    .bind::<Array<Text>, _>(&codes)
    .get_result(conn)
    .optional()?;
    let Some(unknown) = unknown else {
        return Ok(());
    };
    let index = usize::try_from(unknown.ordinality - 1).unwrap_or_default();
    let (catalog, code, field) = &items[index.min(items.len() - 1)];
    Err(self::unknown(catalog, code, field))
}

/// What rules read from an entry (`details`), if the code is in the catalog.
pub fn details(
    conn: &mut PgConnection,
    catalog: &str,
    code: &str,
) -> AppResult<Option<serde_json::Value>> {
    Ok(catalog_entries::table
        .filter(catalog_entries::catalog.eq(catalog))
        .filter(catalog_entries::code.eq(code))
        .select(catalog_entries::details)
        .first(conn)
        .optional()?)
}

/// Every entry of every catalog, for a batch to check against in memory
/// (`Ctx::reference`): (catalog, code, details).
pub fn everything(conn: &mut PgConnection) -> AppResult<Vec<(String, String, serde_json::Value)>> {
    Ok(catalog_entries::table
        .select((
            catalog_entries::catalog,
            catalog_entries::code,
            catalog_entries::details,
        ))
        .load(conn)?)
}

/// `check`, against the catalog a batch loaded when it did.
pub fn check_in(ctx: &mut Ctx, catalog: &str, code: Option<&str>, field: &str) -> AppResult<()> {
    let Some(known) = ctx.reference.catalog() else {
        return check(ctx.conn, catalog, code, field);
    };
    match code {
        Some(code) if !known.contains_key(&(catalog.to_owned(), code.to_owned())) => {
            Err(unknown(catalog, code, field))
        }
        _ => Ok(()),
    }
}

/// `check_all`, against the catalog a batch loaded when it did.
pub fn check_all_in(ctx: &mut Ctx, items: &[Coded<'_>]) -> AppResult<()> {
    let Some(known) = ctx.reference.catalog() else {
        return check_all(ctx.conn, items);
    };
    match items.iter().find(|(catalog, code, _)| {
        !known.contains_key(&((*catalog).to_owned(), (*code).to_owned()))
    }) {
        Some((catalog, code, field)) => Err(unknown(catalog, code, field)),
        None => Ok(()),
    }
}

/// `details`, from the catalog a batch loaded when it did.
pub fn details_in(
    ctx: &mut Ctx,
    catalog: &str,
    code: &str,
) -> AppResult<Option<serde_json::Value>> {
    let Some(known) = ctx.reference.catalog() else {
        return details(ctx.conn, catalog, code);
    };
    Ok(known.get(&(catalog.to_owned(), code.to_owned())).cloned())
}
