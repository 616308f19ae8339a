//! PostgreSQL `ltree` as a Rust string of dot-separated labels.

use std::io::Write;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, IsNull, Output, ToSql};

use super::schema::sql_types::Ltree;

/// ltree's binary wire format is a version byte (1) followed by the text form.
const WIRE_VERSION: u8 = 1;

#[derive(Debug, Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Ltree)]
pub struct TreePath(pub String);

impl TreePath {
    /// The label an organization contributes to paths: its id without dashes.
    pub fn label(id: uuid::Uuid) -> String {
        id.simple().to_string()
    }

    pub fn child(&self, id: uuid::Uuid) -> TreePath {
        if self.0.is_empty() {
            TreePath(Self::label(id))
        } else {
            TreePath(format!("{}.{}", self.0, Self::label(id)))
        }
    }

    pub fn root(id: uuid::Uuid) -> TreePath {
        TreePath(Self::label(id))
    }

    /// This path is `root` or lies below it; a label prefix is not a subtree
    /// (`a.bc` is not within `a.b`).
    pub fn is_within(&self, root: &TreePath) -> bool {
        self.0
            .strip_prefix(&root.0)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
    }

    pub fn depth(&self) -> usize {
        self.0.split('.').count()
    }
}

impl ToSql<Ltree, Pg> for TreePath {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(&[WIRE_VERSION])?;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

impl FromSql<Ltree, Pg> for TreePath {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        match value.as_bytes().split_first() {
            Some((&WIRE_VERSION, text)) => Ok(TreePath(std::str::from_utf8(text)?.to_owned())),
            _ => Err("unsupported ltree wire version".into()),
        }
    }
}
