//! Staffing quotas over HTTP.

use actix_web::{web, HttpResponse};

use super::model::{DeviationFilter, DeviationQuery, Period, QuotaInput, QuotaKey};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, optional_if_match};
use crate::http::{list_of, AppState};
use crate::ids::OrganizationId;

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
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganizationId>,
    query: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let period = query.period.as_deref().map(Period::parse).transpose()?;
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::list(ctx, id.into_inner(), period)
        })
        .await?;
    Ok(list_of(items))
}

async fn put(
    app: web::Data<AppState>,
    req: actix_web::HttpRequest,
    caller: Caller,
    path: web::Path<(OrganizationId, String, String)>,
    body: Json<QuotaInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let expected = optional_if_match(&req)?;
    let key = QuotaKey::try_from(path.into_inner())?;
    let (quota, created) = app
        .as_caller(&caller, scope, move |ctx| {
            service::put(ctx, key, body.into_inner(), expected)
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
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<DeviationQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let filter = DeviationFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| service::deviations(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
