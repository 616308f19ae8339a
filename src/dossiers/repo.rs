//! Dossier queries. Row-level security shows a dossier only inside the
//! dossier scope this module sets (`odb.dossier_scope`); the service checks
//! the same scope against the subject's organization.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::Text;

use super::model::{AttachmentEntry, AttachmentRow, DossierRow, Recorded, Subject, VersionRow};
use crate::context::scope::{literal, Scope};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::db::schema::{dossier_attachments as a, dossier_versions as v, dossiers as d};
use crate::ids::{DossierId, DossierVersionId};

/// Sets the dossier scope for the rest of the transaction: the subtrees
/// of the caller's dossier grants (none at all without one). Nothing else
/// sets it, so dossiers stay invisible to every other query.
pub fn enter(conn: &mut PgConnection, scope: &Scope) -> QueryResult<()> {
    let Some(roots) = scope.read_roots() else {
        return Ok(());
    };
    diesel::sql_query("SELECT set_config('odb.dossier_scope', $1, true)")
        .bind::<Text, _>(literal(&roots))
        .execute(conn)
        .map(drop)
}

#[derive(QueryableByName)]
struct PathRow {
    #[diesel(sql_type = Ltree)]
    path: TreePath,
}

/// Where the subject is managed, if the transaction's scope shows it.
pub fn subject_path(conn: &mut PgConnection, subject: Subject) -> QueryResult<Option<TreePath>> {
    let query = match subject {
        Subject::Official(id) => {
            diesel::sql_query("SELECT managing_path AS path FROM officials WHERE id = $1")
                .bind::<diesel::sql_types::Uuid, _>(id)
        }
    };
    Ok(query
        .load::<PathRow>(conn)?
        .into_iter()
        .next()
        .map(|r| r.path))
}

/// The dossier, locked against concurrent writers when `for_update`.
pub fn find(
    conn: &mut PgConnection,
    id: DossierId,
    for_update: bool,
) -> QueryResult<Option<DossierRow>> {
    let query = d::table.find(id).select(DossierRow::as_select());
    if for_update {
        query.for_update().first(conn).optional()
    } else {
        query.first(conn).optional()
    }
}

/// The subject's dossiers, oldest first, each with its latest version's
/// id and sealed category.
pub fn of_subject(
    conn: &mut PgConnection,
    subject: Subject,
) -> QueryResult<Vec<(DossierRow, DossierVersionId, Vec<u8>)>> {
    d::table
        .inner_join(v::table.on(v::dossier_id.eq(d::id).and(v::number.eq(d::version))))
        .filter(d::subject_kind.eq(subject.kind()))
        .filter(d::subject_id.eq(subject.id()))
        .order((d::created_at, d::id))
        .select((DossierRow::as_select(), v::id, v::category))
        .load(conn)
}

pub fn insert_dossier(conn: &mut PgConnection, row: &DossierRow) -> QueryResult<()> {
    diesel::insert_into(d::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn insert_version(conn: &mut PgConnection, row: &VersionRow) -> QueryResult<()> {
    diesel::insert_into(v::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

pub fn insert_attachment(conn: &mut PgConnection, row: &AttachmentRow) -> QueryResult<()> {
    diesel::insert_into(a::table)
        .values(row)
        .execute(conn)
        .map(drop)
}

/// Counts one more version; returns its number.
pub fn count_version(
    conn: &mut PgConnection,
    id: DossierId,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::update(d::table.find(id))
        .set((d::version.eq(d::version + 1), d::updated_at.eq(now)))
        .returning(d::version)
        .get_result(conn)
}

/// Counts one more attachment; returns its number.
pub fn count_attachment(
    conn: &mut PgConnection,
    id: DossierId,
    now: DateTime<Utc>,
) -> QueryResult<i32> {
    diesel::update(d::table.find(id))
        .set((
            d::attachment_count.eq(d::attachment_count + 1),
            d::updated_at.eq(now),
        ))
        .returning(d::attachment_count)
        .get_result(conn)
}

pub fn version(
    conn: &mut PgConnection,
    id: DossierId,
    number: i32,
) -> QueryResult<Option<VersionRow>> {
    v::table
        .filter(v::dossier_id.eq(id).and(v::number.eq(number)))
        .select(VersionRow::as_select())
        .first(conn)
        .optional()
}

/// The latest version's id and sealed category.
pub fn latest_category(
    conn: &mut PgConnection,
    dossier: &DossierRow,
) -> QueryResult<(DossierVersionId, Vec<u8>)> {
    v::table
        .filter(
            v::dossier_id
                .eq(dossier.id)
                .and(v::number.eq(dossier.version)),
        )
        .select((v::id, v::category))
        .first(conn)
}

/// Every version's number and who recorded it when, oldest first.
pub fn history(conn: &mut PgConnection, id: DossierId) -> QueryResult<Vec<(i32, Recorded)>> {
    let rows: Vec<(i32, DateTime<Utc>, Option<crate::ids::UserId>)> = v::table
        .filter(v::dossier_id.eq(id))
        .order(v::number)
        .select((v::number, v::recorded_at, v::recorded_by))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(number, recorded_at, recorded_by)| {
            (
                number,
                Recorded {
                    recorded_at,
                    recorded_by,
                },
            )
        })
        .collect())
}

/// The attachments without their bytes, by number.
pub fn attachment_entries(
    conn: &mut PgConnection,
    id: DossierId,
) -> QueryResult<Vec<AttachmentEntry>> {
    a::table
        .filter(a::dossier_id.eq(id))
        .order(a::number)
        .select(AttachmentEntry::as_select())
        .load(conn)
}

pub fn attachment(
    conn: &mut PgConnection,
    id: DossierId,
    number: i32,
) -> QueryResult<Option<AttachmentRow>> {
    a::table
        .filter(a::dossier_id.eq(id).and(a::number.eq(number)))
        .select(AttachmentRow::as_select())
        .first(conn)
        .optional()
}
