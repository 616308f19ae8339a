use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::model::QuotaInput;
use super::service::{self, DeviationQuery};
use crate::audit;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, optional_if_match};
use crate::startup::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/organizations/{id}/quotas", |r| r.get(list))
        .resource("/organizations/{id}/quotas/{period}/{category}", |r| {
            r.put(put)
        })
        .resource("/staffing/deviations", |r| r.get(deviations));
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let id = id.into_inner();
    let items = state
        .db
        .scoped(scope, move |c, scope| {
            service::list(c, scope, id, query.period.as_deref())
        })
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn put(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    path: web::Path<(Uuid, String, String)>,
    body: Json<QuotaInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let if_match = optional_if_match(&req)?;
    let (id, period, category) = path.into_inner();
    let now = state.clock.now();
    let (quota, created) = state
        .db
        .scoped(scope, move |c, scope| {
            let done = service::put(
                c,
                scope,
                id,
                &period,
                &category,
                body.into_inner(),
                if_match,
                now,
            )?;
            let org_path = crate::org::service::get(c, id)?.path;
            let fields = vec![
                "assigned".into(),
                "assigned_decision_number".into(),
                "current".into(),
            ];
            let event = caller.event(
                "quota.put",
                "staffing_quota",
                Some(done.0.id.to_string()),
                Some(org_path),
                fields,
            );
            audit::append(c, &event, now)?;
            Ok(done)
        })
        .await?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response.insert_header(etag(quota.version)).json(quota))
}

async fn deviations(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<DeviationQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let page = state
        .db
        .scoped(scope, move |c, scope| service::deviations(c, scope, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
