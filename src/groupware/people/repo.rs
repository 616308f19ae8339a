use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};

use super::model::{PeopleFilter, Person};
use crate::db::ltree::TreePath;
use crate::db::schema::sql_types::Ltree;
use crate::ids::UserId;
use crate::text::{fold_translation, like_literal};

/// Live accounts at home under `roots`, by username; the organizations'
/// row-level security applies too.
pub fn people(
    conn: &mut PgConnection,
    roots: &[TreePath],
    filter: &PeopleFilter,
) -> QueryResult<Vec<Person>> {
    let (from, to) = fold_translation();
    let pattern = format!("%{}%", like_literal(&filter.words));
    diesel::sql_query(
        "SELECT u.id, u.username, u.display_name, u.home_organization_id \
           FROM users u JOIN organizations o ON o.id = u.home_organization_id \
          WHERE o.path <@ ANY($1) AND u.status <> 'disabled' \
            AND (lower(translate(u.display_name, $2, $3)) LIKE $4 \
                 OR lower(u.username) LIKE $4) \
            AND ($5::text IS NULL OR u.username > $5) \
          ORDER BY u.username LIMIT $6",
    )
    .bind::<Array<Ltree>, _>(roots.to_vec())
    .bind::<Text, _>(from)
    .bind::<Text, _>(to)
    .bind::<Text, _>(pattern)
    .bind::<Nullable<Text>, _>(filter.after.as_deref())
    .bind::<BigInt, _>(filter.limit.probe())
    .load(conn)
}

/// The accounts `ids` name, wherever they are at home: the people a
/// visible document or task is already assigned to.
pub fn named(conn: &mut PgConnection, ids: &[UserId]) -> QueryResult<Vec<Person>> {
    diesel::sql_query(
        "SELECT id, username, display_name, home_organization_id FROM users \
          WHERE id = ANY($1) ORDER BY username",
    )
    .bind::<Array<diesel::sql_types::Uuid>, _>(ids.iter().map(|id| id.0).collect::<Vec<_>>())
    .load(conn)
}
