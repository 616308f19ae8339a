//! HTTP handlers for organizations and reorganizations: parse, call the
//! service in one transaction, shape the response.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::model::{CreateOrganization, OrganizationView, UpdateOrganization};
use super::reorg::{self, DissolveRequest, MergeRequest, SplitRequest};
use super::service::{self, ListQuery, SubtreeQuery};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::startup::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/organizations")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/organizations/by-code/{code}").route(web::get().to(by_code)))
    .service(
        web::resource("/organizations/{id}")
            .route(web::get().to(read))
            .route(web::patch().to(update)),
    )
    .service(web::resource("/organizations/{id}/children").route(web::get().to(children)))
    .service(web::resource("/organizations/{id}/subtree").route(web::get().to(subtree)))
    .service(web::resource("/organizations/{id}/history").route(web::get().to(history)))
    .service(web::resource("/reorganizations/merge").route(web::post().to(merge)))
    .service(web::resource("/reorganizations/split").route(web::post().to(split)))
    .service(web::resource("/reorganizations/dissolve").route(web::post().to(dissolve)))
    .configure(crate::staffing::routes::configure);
}

fn with_etag(
    mut response: actix_web::HttpResponseBuilder,
    view: &OrganizationView,
) -> HttpResponse {
    response.insert_header(etag(view.version)).json(view)
}

#[derive(serde::Deserialize)]
struct AsOf {
    as_of: Option<String>,
}

async fn list(state: web::Data<AppState>, query: web::Query<ListQuery>) -> AppResult<HttpResponse> {
    let page = state
        .db
        .run(move |c| service::list(c, &query, None))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn children(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let page = state
        .db
        .run(move |c| {
            service::get(c, id)?;
            service::list(c, &query, Some(id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn subtree(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<SubtreeQuery>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let page = state
        .db
        .run(move |c| service::subtree(c, id, &query))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    state: web::Data<AppState>,
    body: Json<CreateOrganization>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let view = state
        .db
        .transaction(move |c| service::create(c, body.into_inner(), now))
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header(("Location", format!("/api/v1/organizations/{}", view.id)));
    Ok(with_etag(response, &view))
}

async fn read(
    state: web::Data<AppState>,
    id: web::Path<Uuid>,
    query: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let as_of = service::parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?;
    let view = state
        .db
        .run(move |c| {
            let org = service::get(c, id)?;
            service::one_view(c, org, as_of)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn by_code(state: web::Data<AppState>, code: web::Path<String>) -> AppResult<HttpResponse> {
    let view = state
        .db
        .run(move |c| {
            let org = service::find_by_code(c, &code)?;
            service::one_view(c, org, None)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    id: web::Path<Uuid>,
    body: Json<UpdateOrganization>,
) -> AppResult<HttpResponse> {
    let version = required_if_match(&req)?;
    let (id, today, now) = (id.into_inner(), state.clock.today(), state.clock.now());
    let view = state
        .db
        .transaction(move |c| service::update(c, id, version, body.into_inner(), today, now))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn history(state: web::Data<AppState>, id: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let story = state.db.run(move |c| reorg::history(c, id)).await?;
    Ok(HttpResponse::Ok().json(story))
}

async fn merge(state: web::Data<AppState>, body: Json<MergeRequest>) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let done = state
        .db
        .transaction(move |c| reorg::merge(c, body.into_inner(), now))
        .await?;
    Ok(HttpResponse::Created().json(done))
}

async fn split(state: web::Data<AppState>, body: Json<SplitRequest>) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let done = state
        .db
        .transaction(move |c| reorg::split(c, body.into_inner(), now))
        .await?;
    Ok(HttpResponse::Created().json(done))
}

async fn dissolve(
    state: web::Data<AppState>,
    body: Json<DissolveRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    let done = state
        .db
        .transaction(move |c| reorg::dissolve(c, body.into_inner(), now))
        .await?;
    Ok(HttpResponse::Created().json(done))
}
