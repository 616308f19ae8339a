//! SQL for transfers between cells.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::ltree::TreePath;
use crate::db::schema::party_transfers as t;
use crate::ids::{MemberId, TransferId};
use crate::party::transfer::{Direction, TransferFilter};
use crate::party::view::{Transfer, TransferStatus};

pub fn insert(conn: &mut PgConnection, transfer: &Transfer) -> QueryResult<()> {
    diesel::insert_into(t::table)
        .values(transfer)
        .execute(conn)
        .map(drop)
}

pub fn find(conn: &mut PgConnection, id: TransferId) -> QueryResult<Option<Transfer>> {
    t::table
        .find(id)
        .select(Transfer::as_select())
        .first(conn)
        .optional()
}

/// The transfer, locked: an accept and a cancel of one transfer take turns.
pub fn lock(conn: &mut PgConnection, id: TransferId) -> QueryResult<Option<Transfer>> {
    t::table
        .find(id)
        .select(Transfer::as_select())
        .for_update()
        .first(conn)
        .optional()
}

pub fn save(conn: &mut PgConnection, transfer: &Transfer) -> QueryResult<()> {
    diesel::update(t::table.find(transfer.id))
        .set(transfer)
        .execute(conn)
        .map(drop)
}

/// The member's open transfer, if one is.
pub fn open_of(conn: &mut PgConnection, member: MemberId) -> QueryResult<Option<Transfer>> {
    t::table
        .filter(
            t::member_id
                .eq(member)
                .and(t::status.eq(TransferStatus::Issued)),
        )
        .select(Transfer::as_select())
        .first(conn)
        .optional()
}

/// Transfers the caller sees (row-level security), into or out of `roots`.
pub fn list(
    conn: &mut PgConnection,
    roots: Option<&[TreePath]>,
    filter: &TransferFilter,
) -> QueryResult<Vec<Transfer>> {
    let mut query = t::table.select(Transfer::as_select()).into_boxed();
    if let (Some(direction), Some(roots)) = (filter.direction, roots) {
        let column = match direction {
            Direction::Incoming => "to_path",
            Direction::Outgoing => "from_path",
        };
        query = query.filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>(&format!("{column} <@ ANY("))
                .bind::<Text, _>(crate::context::scope::literal(roots))
                .sql("::ltree[])"),
        );
    }
    if let Some(status) = filter.status {
        query = query.filter(t::status.eq(status));
    }
    query
        .order((t::issued_on.desc(), t::id))
        .limit(500)
        .load(conn)
}
