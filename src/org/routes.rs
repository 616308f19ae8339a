//! Organizations and reorganizations over HTTP: each handler checks the
//! caller's permission, parses its input and calls one service in one
//! scoped transaction; the services audit what they change.

use actix_web::{web, HttpRequest, HttpResponse};

use super::filter::{AsOf, AsOfQuery, ListFilter, ListQuery, SubtreeFilter, SubtreeQuery};
use super::model::{CreateOrganization, OrganizationView, UpdateOrganization};
use super::reorg::{self, DissolveRequest, MergeRequest, ReorganizationView, SplitRequest};
use super::{history, read, service, sheet};
use crate::auth::caller::{Caller, Permission};
use crate::context::Ctx;
use crate::error::AppResult;
use crate::export::Format;
use crate::http::export::{self, FormatQuery};
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::AppState;
use crate::ids::OrganizationId;

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
    response
        .insert_header(etag(view.organization.version))
        .json(view)
}

async fn list(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<ListQuery>,
    format: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let filter = ListFilter::try_from(query.into_inner())?;
    let format = export::requested(&req, format.format.as_deref())?;
    if format != Format::Json {
        // every unit the listing finds, not a page (docs/api.md, Exports)
        let export = export::Export {
            format,
            name: "danh-sach-don-vi",
            heading: sheet::HEADING,
        };
        return export::list(app, caller, scope, export, move |ctx, sink| {
            sheet::every(ctx, filter, sink)
        })
        .await;
    }
    let page = app
        .reading_as(&caller, scope, move |ctx| read::list(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn children(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganizationId>,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let filter = ListFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| {
            read::children(ctx, id.into_inner(), filter)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn subtree(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganizationId>,
    query: web::Query<SubtreeQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let filter = SubtreeFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| {
            read::subtree(ctx, id.into_inner(), filter)
        })
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateOrganization>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create(ctx, body.into_inner())
        })
        .await?;
    let location = format!("/api/v1/organizations/{}", view.organization.id);
    let mut response = HttpResponse::Created();
    response.insert_header(("Location", location));
    Ok(with_etag(response, &view))
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganizationId>,
    query: web::Query<AsOfQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let as_of = AsOf::try_from(query.into_inner())?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            read::read(ctx, id.into_inner(), as_of)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn by_code(
    app: web::Data<AppState>,
    caller: Caller,
    code: web::Path<String>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| read::read_by_code(ctx, &code))
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn update(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: web::Path<OrganizationId>,
    body: Json<UpdateOrganization>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    let version = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::update(ctx, id.into_inner(), version, body.into_inner())
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn history(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OrganizationId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadOrganizations)?;
    let story = app
        .as_caller(&caller, scope, move |ctx| {
            history::history(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok().json(story))
}

/// Reorganizations are sensitive: they need a fresh second factor.
async fn reorganize(
    app: web::Data<AppState>,
    caller: Caller,
    work: impl FnOnce(&mut Ctx) -> AppResult<ReorganizationView> + Send + 'static,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageOrganizations)?;
    caller.require_fresh_mfa(app.clock.now())?;
    let done = app.as_caller(&caller, scope, work).await?;
    Ok(HttpResponse::Created().json(done))
}

async fn merge(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<MergeRequest>,
) -> AppResult<HttpResponse> {
    reorganize(app, caller, move |ctx| reorg::merge(ctx, body.into_inner())).await
}

async fn split(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<SplitRequest>,
) -> AppResult<HttpResponse> {
    reorganize(app, caller, move |ctx| reorg::split(ctx, body.into_inner())).await
}

async fn dissolve(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<DissolveRequest>,
) -> AppResult<HttpResponse> {
    reorganize(app, caller, move |ctx| {
        reorg::dissolve(ctx, body.into_inner())
    })
    .await
}
