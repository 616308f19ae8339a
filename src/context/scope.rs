//! The part of the organization tree (or, for party work, of the party tree)
//! a request may read and write, checked in the services and set in
//! PostgreSQL for row-level security to check again.

use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::db::ltree::TreePath;
use crate::error::{AppError, AppResult};

#[derive(Debug, Clone)]
pub enum Scope {
    /// Command-line tools, connected as the database owner.
    System,
    /// Subtrees (by root path) the caller may read, and those it may change.
    Paths {
        read: Vec<TreePath>,
        write: Vec<TreePath>,
    },
    /// Subtrees of the party tree (docs/decisions/0020): set as
    /// `odb.party_read_scope` / `odb.party_write_scope`, the organization
    /// scope left empty.
    Party {
        read: Vec<TreePath>,
        write: Vec<TreePath>,
    },
}

fn covers(roots: &[TreePath], path: &TreePath) -> bool {
    roots.iter().any(|root| path.is_within(root))
}

/// An ltree[] literal: labels are hex ids, so no quoting is needed.
pub fn literal(paths: &[TreePath]) -> String {
    let joined: Vec<&str> = paths.iter().map(|p| p.0.as_str()).collect();
    format!("{{{}}}", joined.join(","))
}

/// A SQL string literal (standard_conforming_strings, the default since
/// PostgreSQL 9.1: only the quote needs doubling).
fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

impl Scope {
    /// Before anyone is known (sign-in): no subtree at all.
    pub fn nothing() -> Scope {
        Scope::Paths {
            read: Vec::new(),
            write: Vec::new(),
        }
    }

    pub fn can_read(&self, path: &TreePath) -> bool {
        match self {
            Scope::System => true,
            Scope::Paths { read, .. } | Scope::Party { read, .. } => covers(read, path),
        }
    }

    pub fn can_write(&self, path: &TreePath) -> bool {
        match self {
            Scope::System => true,
            Scope::Paths { write, .. } | Scope::Party { write, .. } => covers(write, path),
        }
    }

    /// Readable roots for list queries; `None` means everything.
    pub fn read_roots(&self) -> Option<Vec<TreePath>> {
        match self {
            Scope::System => None,
            Scope::Paths { read, .. } | Scope::Party { read, .. } => Some(read.clone()),
        }
    }

    /// Whether this scope is over the party tree.
    pub fn is_party(&self) -> bool {
        matches!(self, Scope::Party { .. })
    }

    /// 404 when the caller may not even see it (its existence does not leak),
    /// 403 when it may see but not change it.
    pub fn require_write(&self, path: &TreePath, what: &str) -> AppResult<()> {
        if !self.can_read(path) {
            Err(AppError::NotFound {
                entity: "organization",
            })
        } else if !self.can_write(path) {
            Err(AppError::Forbidden(format!(
                "you may read but not change {what}"
            )))
        } else {
            Ok(())
        }
    }

    /// The four settings row-level security reads, `None` for the owner:
    /// `party_read` is the party subtrees the caller may read whatever the
    /// action (a profile shows party data only inside them).
    fn settings(&self, party_read: &[TreePath]) -> Option<[String; 4]> {
        let [a, b, c, d] = match self {
            Scope::System => return None,
            Scope::Paths { read, write } => [read, write, party_read, &[][..]],
            Scope::Party { read, write } => [&[][..], &[][..], read, write],
        };
        Some([literal(a), literal(b), literal(c), literal(d)])
    }

    /// `BEGIN` and this scope's settings, to send as one batch: one round
    /// trip. The settings (`set_config(..., true)`) last until the
    /// transaction ends.
    pub fn begin_sql(&self, party_read: &[TreePath]) -> String {
        match self.settings(party_read) {
            None => "BEGIN".to_owned(),
            Some([read, write, party_read, party_write]) => format!(
                "BEGIN; SELECT set_config('odb.read_scope', {}, true), \
                 set_config('odb.write_scope', {}, true), \
                 set_config('odb.party_read_scope', {}, true), \
                 set_config('odb.party_write_scope', {}, true)",
                quoted(&read),
                quoted(&write),
                quoted(&party_read),
                quoted(&party_write)
            ),
        }
    }

    /// Sets the scope for the rest of the transaction (`set_config(..., true)`).
    pub fn apply(&self, conn: &mut PgConnection, party_read: &[TreePath]) -> QueryResult<()> {
        if let Some(settings) = self.settings(party_read) {
            let [a, b, c, d] = settings;
            diesel::sql_query(
                "SELECT set_config('odb.read_scope', $1, true), set_config('odb.write_scope', $2, true), \
                        set_config('odb.party_read_scope', $3, true), set_config('odb.party_write_scope', $4, true)",
            )
            .bind::<Text, _>(a)
            .bind::<Text, _>(b)
            .bind::<Text, _>(c)
            .bind::<Text, _>(d)
            .execute(conn)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_root_covers_its_subtree_only() {
        let roots = [TreePath("a.b".into())];
        assert!(covers(&roots, &TreePath("a.b".into())));
        assert!(covers(&roots, &TreePath("a.b.c".into())));
        assert!(
            !covers(&roots, &TreePath("a.bc".into())),
            "a label prefix is not a subtree"
        );
        assert!(!covers(&roots, &TreePath("a".into())));
        assert!(!covers(&[], &TreePath("a".into())));
        assert_eq!(
            literal(&[TreePath("a.b".into()), TreePath("c".into())]),
            "{a.b,c}"
        );
        assert_eq!(literal(&[]), "{}");
    }

    #[test]
    fn a_transaction_begins_with_its_scope_in_one_batch() {
        let scope = Scope::Paths {
            read: vec![TreePath("a.b".into()), TreePath("c".into())],
            write: vec![],
        };
        assert_eq!(
            scope.begin_sql(&[TreePath("p".into())]),
            "BEGIN; SELECT set_config('odb.read_scope', '{a.b,c}', true), \
             set_config('odb.write_scope', '{}', true), \
             set_config('odb.party_read_scope', '{p}', true), \
             set_config('odb.party_write_scope', '{}', true)"
        );
        assert_eq!(Scope::System.begin_sql(&[]), "BEGIN");
        assert_eq!(quoted("x'); DROP"), "'x''); DROP'");
    }
}
