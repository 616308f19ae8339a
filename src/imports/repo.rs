use std::collections::HashMap;

use diesel::prelude::*;

use super::model::{ImportRow, Kind, SavedMapping};
use crate::db::ltree::TreePath;
use crate::db::schema::{catalog_entries, import_mappings, imports, officials};
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

/// Saves `mapping` at its unit, replacing the one of the same name.
pub fn save_mapping(conn: &mut PgConnection, mapping: &SavedMapping) -> QueryResult<()> {
    diesel::insert_into(import_mappings::table)
        .values(mapping)
        .on_conflict((
            import_mappings::organization_id,
            import_mappings::kind,
            import_mappings::name,
        ))
        .do_update()
        .set((
            import_mappings::mapping.eq(&mapping.mapping),
            import_mappings::saved_by.eq(mapping.saved_by),
            import_mappings::saved_at.eq(mapping.saved_at),
        ))
        .execute(conn)
        .map(drop)
}

/// The mappings saved at `path` or above it (those the caller reads), the
/// nearest unit first, then by name.
pub fn mappings_above(
    conn: &mut PgConnection,
    path: &TreePath,
    kind: Kind,
) -> QueryResult<Vec<SavedMapping>> {
    use crate::db::schema::sql_types::Ltree;
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Integer};
    import_mappings::table
        .filter(import_mappings::kind.eq(kind))
        .filter(sql::<Bool>("import_mappings.path @> ").bind::<Ltree, _>(path))
        .order((
            sql::<Integer>("nlevel(import_mappings.path)").desc(),
            import_mappings::name,
        ))
        .select(SavedMapping::as_select())
        .load(conn)
}
