use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::model::QuotaInput;
use super::service::{self, DeviationQuery};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, optional_if_match};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/organizations/{id}/quotas").route(web::get().to(list)))
        .route(
            "/organizations/{id}/quotas/{period}/{category}",
            web::put().to(put),
        )
        .service(web::resource("/staffing/deviations").route(web::get().to(deviations)));
}

#[derive(serde::Deserialize)]
struct PeriodQuery {
    period: Option<String>,
}

async fn list(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<PeriodQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let items = state
        .db
        .run(move |c| service::list(c, id, query.period.as_deref()))
        .await?;
    Ok(HttpResponse::Ok().json(serde_json::json!({ "items": items, "next_cursor": null })))
}

async fn put(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<(Uuid, String, String)>,
    body: Json<QuotaInput>,
) -> AppResult<HttpResponse> {
    let if_match = optional_if_match(&req)?;
    let (id, period, category) = path.into_inner();
    let now = state.clock.now();
    let (quota, created) = state
        .db
        .transaction(move |c| {
            service::put(c, id, &period, &category, body.into_inner(), if_match, now)
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
    query: web::Query<DeviationQuery>,
) -> AppResult<HttpResponse> {
    let page = state
        .db
        .run(move |c| service::deviations(c, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}
