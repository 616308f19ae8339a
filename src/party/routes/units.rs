//! The party organization tree over HTTP.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::AppState;
use crate::ids::PartyOrganizationId;
use crate::party::model::{AsOfQuery, CreateUnit, DissolveUnit, UnitFilter, UnitQuery};
use crate::party::service;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/party-organizations", |r| r.get(list).post(create))
        .resource("/party-organizations/{id}", |r| r.get(read))
        .resource("/party-organizations/{id}/history", |r| r.get(history))
        .resource("/party-organizations/{id}/dissolve", |r| r.post(dissolve));
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<UnitQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let filter = UnitFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| service::list_units(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<CreateUnit>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create_unit(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/party-organizations/{}", view.unit.id),
        ))
        .insert_header(etag(view.unit.version))
        .json(view))
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartyOrganizationId>,
    query: web::Query<AsOfQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let as_of = query.date()?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::read_unit(ctx, id.into_inner(), as_of)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.unit.version))
        .json(view))
}

async fn history(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartyOrganizationId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let story = app
        .as_caller(&caller, scope, move |ctx| {
            service::unit_history(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok().json(story))
}

async fn dissolve(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<PartyOrganizationId>,
    req: HttpRequest,
    body: Json<DissolveUnit>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::dissolve_unit(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.unit.version))
        .json(view))
}
