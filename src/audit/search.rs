//! `GET /api/v1/audit`: the query as sent, parsed at the edge into a
//! search, and run within the subtrees of the auditor's grants.

use serde::Deserialize;

use super::list::{list, AuditEntry, AuditFilter};
use crate::context::{Ctx, Scope};
use crate::db::ltree::TreePath;
use crate::error::AppResult;
use crate::pagination::{self, Limit, Page};
use crate::validation::parse;

/// Everything as text, so a malformed value is a 422 naming its field.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    pub actor_id: Option<String>,
    pub action: Option<String>,
    pub entity_type: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<String>,
}

/// Which entries an auditor asks for, and how many at a time.
#[derive(Debug, Clone)]
pub struct AuditSearch {
    /// Everything but the scope (the auditor's grants decide it) and the
    /// page size (`limit` below).
    pub filter: AuditFilter,
    pub limit: Limit,
}

impl TryFrom<AuditQuery> for AuditSearch {
    type Error = crate::error::AppError;

    fn try_from(query: AuditQuery) -> AppResult<Self> {
        let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
        let filter = AuditFilter {
            actor_id: parse("actor_id", &query.actor_id, "a user id")?,
            from: parse("from", &query.from, "an RFC 3339 timestamp")?,
            to: parse("to", &query.to, "an RFC 3339 timestamp")?,
            before_id: query
                .cursor
                .as_deref()
                .map(pagination::decode::<i64>)
                .transpose()?,
            action: query.action,
            entity_type: query.entity_type,
            entity_id: query.entity_id,
            ..AuditFilter::default()
        };
        Ok(AuditSearch { filter, limit })
    }
}

/// A page of the entries the context's auditor may see, newest first.
pub fn entries(ctx: &mut Ctx, search: AuditSearch) -> AppResult<Page<AuditEntry>> {
    let filter = AuditFilter {
        scope: auditor_scope(&ctx.scope),
        limit: search.limit.probe(),
        ..search.filter
    };
    let rows = list(ctx.conn, &filter)?;
    let (items, next_cursor) = pagination::finish(rows, search.limit, |e| e.id);
    Ok(Page { items, next_cursor })
}

/// An auditor granted at the root of the tree is system-wide and also sees
/// rows tied to no organization (sign-ins, policies); any other sees only
/// rows under the subtrees of its grants.
fn auditor_scope(scope: &Scope) -> Option<Vec<TreePath>> {
    let roots = scope.read_roots()?;
    if roots.iter().any(|root| root.depth() == 1) {
        None
    } else {
        Some(roots)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::error::AppError;

    fn field_of(result: AppResult<AuditSearch>) -> String {
        match result {
            Err(AppError::Validation(errors)) => errors[0].field.clone(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn a_query_is_parsed_into_a_search_or_names_its_bad_field() {
        let query = AuditQuery {
            actor_id: Some("1b4e28ba-2fa1-11d2-883f-0016d3cca427".into()),
            action: Some("auth.login".into()),
            from: Some("2026-01-01T00:00:00Z".into()),
            cursor: Some(pagination::encode(&42i64)),
            limit: Some("7".into()),
            ..AuditQuery::default()
        };
        let search = AuditSearch::try_from(query).unwrap();
        assert_eq!(search.limit.0, 7);
        assert_eq!(search.filter.before_id, Some(42));
        assert_eq!(search.filter.action.as_deref(), Some("auth.login"));
        assert!(search.filter.actor_id.is_some() && search.filter.from.is_some());
        assert_eq!(search.filter.scope, None);

        let bad = |query: AuditQuery| field_of(AuditSearch::try_from(query));
        let limit = || Some("0".to_owned());
        assert_eq!(
            bad(AuditQuery {
                limit: limit(),
                ..AuditQuery::default()
            }),
            "limit"
        );
        let actor = Some("someone".to_owned());
        assert_eq!(
            bad(AuditQuery {
                actor_id: actor,
                ..AuditQuery::default()
            }),
            "actor_id"
        );
        let to = Some("yesterday".to_owned());
        assert_eq!(
            bad(AuditQuery {
                to,
                ..AuditQuery::default()
            }),
            "to"
        );
        let cursor = Some("%%".to_owned());
        assert_eq!(
            bad(AuditQuery {
                cursor,
                ..AuditQuery::default()
            }),
            "cursor"
        );
    }

    #[test]
    fn a_root_auditor_sees_everything_and_others_their_subtrees() {
        let paths = |read: &[&str]| Scope::Paths {
            read: read.iter().map(|p| TreePath((*p).into())).collect(),
            write: Vec::new(),
        };
        assert_eq!(auditor_scope(&Scope::System), None);
        assert_eq!(auditor_scope(&paths(&["root", "root.a"])), None);
        assert_eq!(
            auditor_scope(&paths(&["root.a"])),
            Some(vec![TreePath("root.a".into())])
        );
    }
}
