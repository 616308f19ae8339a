//! `GET /api/v1/audit`: the log for auditors, newest first, within the
//! subtrees of their auditor grants.

use actix_web::{web, HttpResponse};

use super::search::{self, AuditQuery, AuditSearch};
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table.resource("/audit", |r| r.get(entries));
}

async fn entries(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<AuditQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadAudit)?;
    let wanted = AuditSearch::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| search::entries(ctx, wanted))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
