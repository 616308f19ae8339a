//! CBCCVC profiles over HTTP.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{
    LifeEvent, LifeEventInput, LifeEventRequest, Lookup, LookupRequest, Patch, ReadQuery,
    RecordsQuery, SearchFilter, SearchQuery, TransferRequest,
};
use super::model::{ProfileData, RecordInput};
use super::service;
use super::view::OfficialView;
use crate::auth::caller::{Caller, Permission};
use crate::context::Scope;
use crate::error::AppResult;
use crate::export::Format;
use crate::http::export::{self, FormatQuery};
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::{OfficialId, RecordId};

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/officials", |r| r.get(search).post(create))
        .resource("/officials/lookup", |r| r.post(lookup))
        .resource("/officials/{id}", |r| r.get(read).patch(update))
        .resource("/officials/{id}/history", |r| r.get(history))
        .resource("/officials/{id}/transfer", |r| r.post(transfer))
        .resource("/officials/{id}/retire", |r| r.post(retire))
        .resource("/officials/{id}/death", |r| r.post(death))
        .resource("/officials/{id}/archive", |r| r.post(archive))
        .resource("/officials/{id}/records", |r| {
            r.get(list_records).post(add_record)
        })
        .resource("/officials/{id}/records/{record_id}", |r| {
            r.put(update_record)
        });
}

fn with_etag(mut response: actix_web::HttpResponseBuilder, view: &OfficialView) -> HttpResponse {
    response.insert_header(etag(view.version)).json(view)
}

async fn search(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<SearchQuery>,
    format: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let filter = SearchFilter::try_from(query.into_inner())?;
    let format = export::requested(&req, format.format.as_deref())?;
    if format != Format::Json {
        // every profile the search finds, not a page (docs/api.md, Exports)
        let export = export::Export {
            format,
            name: "danh-sach-can-bo",
            heading: crate::reports::service::OFFICIALS_HEADING,
        };
        return export::list(app, caller, scope, export, move |ctx, sink| {
            crate::reports::service::officials_list(ctx, filter, sink)
        })
        .await;
    }
    let page = app
        .reading_as(&caller, scope, move |ctx| service::search(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<ProfileData>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create(ctx, body.into_inner())
        })
        .await?;
    let mut response = HttpResponse::Created();
    response.insert_header(("Location", format!("/api/v1/officials/{}", view.id)));
    Ok(with_etag(response, &view))
}

/// The scope a read runs in. `?reveal=true` shows the sealed items in
/// full: it needs the editor role (over the managing organization, checked
/// by the service) and a fresh second factor, and it is audited.
pub(crate) fn read_scope(app: &AppState, caller: &Caller, reveal: bool) -> AppResult<Scope> {
    if !reveal {
        return caller.require(Permission::ReadPersonnel);
    }
    let scope = caller.require(Permission::EditPersonnel)?;
    caller.require_fresh_mfa(app.clock.now())?;
    Ok(scope)
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    query: web::Query<ReadQuery>,
) -> AppResult<HttpResponse> {
    let reveal = query.reveal()?;
    let scope = read_scope(&app, &caller, reveal)?;
    let id = id.into_inner();
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            if reveal {
                service::reveal(ctx, id)
            } else {
                service::get(ctx, id)
            }
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn update(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    req: HttpRequest,
    body: Json<Patch>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::update(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn history(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::changes(ctx, id.into_inner())
        })
        .await?;
    Ok(list_of(items))
}

async fn transfer(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    req: HttpRequest,
    body: Json<TransferRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::transfer(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

/// Retire, death and archive differ only in the event.
async fn life_event(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    id: OfficialId,
    input: LifeEventInput,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::life_event(ctx, id, expected, input)
        })
        .await?;
    Ok(with_etag(HttpResponse::Ok(), &view))
}

async fn retire(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    req: HttpRequest,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner().of(LifeEvent::Retire);
    life_event(app, req, caller, id.into_inner(), input).await
}

async fn death(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    req: HttpRequest,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner().of(LifeEvent::Death);
    life_event(app, req, caller, id.into_inner(), input).await
}

async fn archive(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    req: HttpRequest,
    body: Json<LifeEventRequest>,
) -> AppResult<HttpResponse> {
    let input = body.into_inner().of(LifeEvent::Archive);
    life_event(app, req, caller, id.into_inner(), input).await
}

async fn list_records(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    query: web::Query<RecordsQuery>,
) -> AppResult<HttpResponse> {
    let reveal = query.reveal()?;
    let scope = read_scope(&app, &caller, reveal)?;
    let (id, kind) = (id.into_inner(), query.kind()?);
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            if reveal {
                service::reveal_records(ctx, id, kind)
            } else {
                service::list_records(ctx, id, kind)
            }
        })
        .await?;
    Ok(list_of(items))
}

async fn add_record(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<OfficialId>,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let record = app
        .as_caller(&caller, scope, move |ctx| {
            service::add_record(ctx, id.into_inner(), body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(record.version))
        .json(record))
}

async fn update_record(
    app: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(OfficialId, RecordId)>,
    req: HttpRequest,
    body: Json<RecordInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditPersonnel)?;
    let expected = required_if_match(&req)?;
    let record = app
        .as_caller(&caller, scope, move |ctx| {
            service::update_record(ctx, path.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(record.version))
        .json(record))
}

/// Identity numbers travel in the body, never in a URL; every lookup is audited.
async fn lookup(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<LookupRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let lookup = Lookup::try_from(body.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::lookup(ctx, lookup))
        .await?;
    Ok(list_of(items))
}
