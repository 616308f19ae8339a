//! `GET /api/v1/audit`: the log for auditors, newest first, within the
//! subtrees of their auditor grants.

use actix_web::{web, HttpResponse};
use serde::Deserialize;

use super::list::{list, AuditFilter};
use crate::auth::caller::{Caller, Permission};
use crate::auth::scope::Scope;
use crate::db::ltree::TreePath;
use crate::error::AppResult;
use crate::org::service::parse;
use crate::pagination::{self, Limit, Page};
use crate::startup::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/audit", |r| r.get(entries));
}

/// Everything as text, so a malformed value is a 422 naming its field.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    actor_id: Option<String>,
    action: Option<String>,
    entity_type: Option<String>,
    entity_id: Option<String>,
    from: Option<String>,
    to: Option<String>,
    cursor: Option<String>,
    limit: Option<String>,
}

async fn entries(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<Query>,
) -> AppResult<HttpResponse> {
    let scope = audit_scope(&caller.require(Permission::ReadAudit)?);
    let limit = Limit::parse(parse("limit", &query.limit, "an integer")?)?;
    let filter = AuditFilter {
        scope,
        actor_id: parse("actor_id", &query.actor_id, "a user id")?,
        action: query.action.clone(),
        entity_type: query.entity_type.clone(),
        entity_id: query.entity_id.clone(),
        from: parse("from", &query.from, "an RFC 3339 timestamp")?,
        to: parse("to", &query.to, "an RFC 3339 timestamp")?,
        before_id: query
            .cursor
            .as_deref()
            .map(pagination::decode::<i64>)
            .transpose()?,
        limit: limit.probe(),
    };
    let rows = state.db.run(move |c| list(c, &filter)).await?;
    let (items, next_cursor) = pagination::finish(rows, limit, |e| e.id);
    Ok(HttpResponse::Ok().json(Page { items, next_cursor }))
}

/// An auditor granted at the root of the tree is system-wide and also sees
/// rows tied to no organization (sign-ins, policies); any other sees only
/// rows under the subtrees of its grants.
fn audit_scope(scope: &Scope) -> Option<Vec<TreePath>> {
    let roots = scope.read_roots()?;
    if roots.iter().any(|root| root.depth() == 1) {
        None
    } else {
        Some(roots)
    }
}
