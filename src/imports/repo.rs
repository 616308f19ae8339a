use std::collections::HashMap;

use diesel::prelude::*;

use super::model::ImportRow;
use crate::db::schema::{catalog_entries, imports, officials};
use crate::ids::{ImportId, OfficialId};

pub fn insert(conn: &mut PgConnection, row: &ImportRow) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: ImportId) -> QueryResult<Option<ImportRow>> {
    imports::table
        .find(id)
        .select(ImportRow::as_select())
        .first(conn)
        .optional()
}

/// Every catalog's (code, name) entries, in their order.
pub fn catalogs(conn: &mut PgConnection) -> QueryResult<HashMap<String, Vec<(String, String)>>> {
    let rows: Vec<(String, String, String)> = catalog_entries::table
        .order((catalog_entries::catalog, catalog_entries::sort_order))
        .select((
            catalog_entries::catalog,
            catalog_entries::code,
            catalog_entries::name,
        ))
        .load(conn)?;
    let mut by_catalog: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (catalog, code, name) in rows {
        by_catalog.entry(catalog).or_default().push((code, name));
    }
    Ok(by_catalog)
}

/// The profile holding a CBCCVC code, among those the caller reads.
pub fn by_cbccvc_code(conn: &mut PgConnection, code: &str) -> QueryResult<Option<OfficialId>> {
    officials::table
        .filter(officials::cbccvc_code.eq(code))
        .select(officials::id)
        .first::<uuid::Uuid>(conn)
        .optional()
        .map(|id| id.map(OfficialId::from))
}
