use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Bool, Text};

use super::model::{Failure, ImportRow, ImportStatus, Kind, SavedMapping};
use crate::db::ltree::TreePath;
use crate::db::schema::{catalog_entries, import_mappings, imports, officials};
use crate::ids::{ImportId, OfficialId};

/// Holds the import's lock until the transaction ends: while it is held,
/// the import's data transaction is alive (`is_abandoned`).
pub fn hold(conn: &mut PgConnection, id: ImportId) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
        .bind::<Text, _>(id.to_string())
        .execute(conn)
        .map(drop)
}

#[derive(QueryableByName)]
struct Free {
    #[diesel(sql_type = Bool)]
    free: bool,
}

/// Whether no transaction holds the import's lock: a running import whose
/// data transaction ended without recording its end (the process died).
pub fn is_abandoned(conn: &mut PgConnection, id: ImportId) -> QueryResult<bool> {
    diesel::sql_query("SELECT pg_try_advisory_xact_lock_shared(hashtextextended($1, 0)) AS free")
        .bind::<Text, _>(id.to_string())
        .get_result::<Free>(conn)
        .map(|f| f.free)
}

/// Records a running import's progress, from outside its data transaction:
/// the row is inserted the first time, then only `rows_done` rises, while
/// the import is running (its end, written by the data transaction, wins).
pub fn record_progress(conn: &mut PgConnection, row: &ImportRow) -> QueryResult<()> {
    diesel::insert_into(imports::table)
        .values(row)
        .on_conflict(imports::id)
        .do_nothing()
        .execute(conn)?;
    diesel::update(imports::table.find(row.id))
        .filter(imports::status.eq(ImportStatus::Running))
        .filter(imports::rows_done.lt(row.rows_done))
        .set(imports::rows_done.eq(row.rows_done))
        .execute(conn)
        .map(drop)
}

/// Records the import's end, inserting it if its progress never was.
pub fn finish(conn: &mut PgConnection, row: &ImportRow) -> QueryResult<()> {
    use diesel::upsert::excluded;
    diesel::insert_into(imports::table)
        .values(row)
        .on_conflict(imports::id)
        .do_update()
        .set((
            imports::status.eq(excluded(imports::status)),
            imports::rows_done.eq(excluded(imports::rows_done)),
            imports::created.eq(excluded(imports::created)),
            imports::updated.eq(excluded(imports::updated)),
            imports::rejected.eq(excluded(imports::rejected)),
            imports::report.eq(excluded(imports::report)),
            imports::finished_at.eq(excluded(imports::finished_at)),
        ))
        .execute(conn)
        .map(drop)
}

/// Marks a running import failed, or says why one a reader found
/// abandoned failed (its process, alive, knows); whether it changed it.
pub fn fail(
    conn: &mut PgConnection,
    id: ImportId,
    failure: Failure,
    at: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::update(imports::table.find(id))
        .filter(
            imports::status
                .eq(ImportStatus::Running)
                .or(imports::failure.eq(Some(Failure::Abandoned))),
        )
        .set((
            imports::status.eq(ImportStatus::Failed),
            imports::failure.eq(Some(failure)),
            imports::finished_at.eq(Some(at)),
        ))
        .execute(conn)
        .map(|n| n > 0)
}

/// Marks failed (`abandoned`) the running imports (only `id`, if given)
/// whose lock no transaction holds: their data transaction ended without
/// recording the end, so their process died. One statement: an import
/// whose transaction commits meanwhile is seen done and left alone. Rows
/// the caller may not change are left to one who may. The imports marked,
/// with their paths.
pub fn settle(
    conn: &mut PgConnection,
    id: Option<ImportId>,
    at: DateTime<Utc>,
) -> QueryResult<Vec<(ImportId, TreePath)>> {
    use diesel::dsl::sql;
    let free =
        sql::<Bool>("pg_try_advisory_xact_lock_shared(hashtextextended(imports.id::text, 0))");
    let mut running = diesel::update(imports::table)
        .filter(imports::status.eq(ImportStatus::Running))
        .into_boxed();
    if let Some(id) = id {
        running = running.filter(imports::id.eq(id));
    }
    running
        .filter(free)
        .set((
            imports::status.eq(ImportStatus::Failed),
            imports::failure.eq(Some(Failure::Abandoned)),
            imports::finished_at.eq(Some(at)),
        ))
        .returning((imports::id, imports::path))
        .get_results(conn)
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
    use diesel::sql_types::Integer;
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
