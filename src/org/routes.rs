//! HTTP handlers for organizations and reorganizations: check the caller's
//! permission, call the service in one scoped transaction, audit writes.

use actix_web::{web, HttpRequest, HttpResponse};
use uuid::Uuid;

use super::model::{CreateOrganization, OrganizationView, UpdateOrganization};
use super::reorg::{self, DissolveRequest, MergeRequest, ReorganizationView, SplitRequest};
use super::service::{self, ListQuery, SubtreeQuery};
use crate::audit;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::startup::AppState;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/organizations", |r| r.get(list).post(create))
        .resource("/organizations/by-code/{code}", |r| r.get(by_code))
        .resource("/organizations/{id}", |r| r.get(read).patch(update))
        .resource("/organizations/{id}/children", |r| r.get(children))
        .resource("/organizations/{id}/subtree", |r| r.get(subtree))
        .resource("/organizations/{id}/history", |r| r.get(history))
        .resource("/reorganizations/merge", |r| r.post(merge))
        .resource("/reorganizations/split", |r| r.post(split))
        .resource("/reorganizations/dissolve", |r| r.post(dissolve));
    crate::staffing::routes::configure(table);
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

async fn list(
    state: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let page = state
        .db
        .scoped(scope, move |c, scope| service::list(c, scope, &query, None))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn children(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let id = id.into_inner();
    let page = state
        .db
        .scoped(scope, move |c, scope| {
            service::visible(c, scope, id)?;
            service::list(c, scope, &query, Some(id))
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn subtree(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<SubtreeQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let id = id.into_inner();
    let page = state
        .db
        .scoped(scope, move |c, scope| {
            service::subtree(c, scope, id, &query)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateOrganization>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let now = state.clock.now();
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let view = service::create(c, scope, body.into_inner(), now)?;
            let path = service::get(c, view.id)?.path;
            let event = caller.event(
                "organization.create",
                "organization",
                Some(view.id.to_string()),
                Some(path),
                Vec::new(),
            );
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header(("Location", format!("/api/v1/organizations/{}", view.id)));
    Ok(with_etag(response, &view))
}

async fn read(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
    query: web::Query<AsOf>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let id = id.into_inner();
    let as_of = service::parse("as_of", &query.as_of, "a date (YYYY-MM-DD)")?;
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let org = service::visible(c, scope, id)?;
            service::one_view(c, org, as_of)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn by_code(
    state: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let org = service::find_by_code(c, &code)?;
            let org = service::visible(c, scope, org.id)?;
            service::one_view(c, org, None)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn update(
    state: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<Uuid>,
    body: Json<UpdateOrganization>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let version = required_if_match(&req)?;
    let (id, today, now) = (id.into_inner(), state.clock.today(), state.clock.now());
    let view = state
        .db
        .scoped(scope, move |c, scope| {
            let (view, fields) =
                service::update(c, scope, id, version, body.into_inner(), today, now)?;
            let path = service::get(c, id)?.path;
            let event = caller.event(
                "organization.update",
                "organization",
                Some(id.to_string()),
                Some(path),
                fields,
            );
            audit::append(c, &event, now)?;
            Ok(view)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn history(
    state: web::Data<AppState>,
    caller: Caller,
    id: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let id = id.into_inner();
    let story = state
        .db
        .scoped(scope, move |c, scope| reorg::history(c, scope, id))
        .await?;
    Ok(HttpResponse::Ok().json(story))
}

/// Reorganizations are sensitive: they need a fresh second factor, and the
/// audit names every unit touched.
async fn reorganize(
    state: web::Data<AppState>,
    caller: Caller,
    work: impl FnOnce(
            &mut diesel::PgConnection,
            &crate::auth::scope::Scope,
        ) -> AppResult<ReorganizationView>
        + Send
        + 'static,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let now = state.clock.now();
    caller.require_fresh_mfa(now)?;
    let done = state
        .db
        .scoped(scope, move |c, scope| {
            let done = work(c, scope)?;
            for org in &done.organizations {
                let path = service::get(c, org.id)?.path;
                let mut event = caller.event(
                    &format!("reorganization.{}", done.kind),
                    "organization",
                    Some(org.id.to_string()),
                    Some(path),
                    vec!["status".into(), "parent_id".into()],
                );
                event.details = serde_json::json!({ "reorganization_id": done.id });
                audit::append(c, &event, now)?;
            }
            Ok(done)
        })
        .await?;
    Ok(HttpResponse::Created().json(done))
}

async fn merge(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<MergeRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    reorganize(state, caller, move |c, scope| {
        reorg::merge(c, scope, body.into_inner(), now)
    })
    .await
}

async fn split(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<SplitRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    reorganize(state, caller, move |c, scope| {
        reorg::split(c, scope, body.into_inner(), now)
    })
    .await
}

async fn dissolve(
    state: web::Data<AppState>,
    caller: Caller,
    body: Json<DissolveRequest>,
) -> AppResult<HttpResponse> {
    let now = state.clock.now();
    reorganize(state, caller, move |c, scope| {
        reorg::dissolve(c, scope, body.into_inner(), now)
    })
    .await
}
