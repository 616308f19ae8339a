//! The names the résumé writes for codes, in one statement.

use diesel::prelude::*;

use crate::db::schema::catalog_entries;

/// (catalog, code, name) of the entries among `catalogs` with one of `codes`.
pub fn names(
    conn: &mut PgConnection,
    catalogs: &[&str],
    codes: &[String],
) -> QueryResult<Vec<(String, String, String)>> {
    catalog_entries::table
        .filter(catalog_entries::catalog.eq_any(catalogs))
        .filter(catalog_entries::code.eq_any(codes))
        .select((
            catalog_entries::catalog,
            catalog_entries::code,
            catalog_entries::name,
        ))
        .load(conn)
}
