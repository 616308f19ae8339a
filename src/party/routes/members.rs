//! Members over HTTP: admission, reading, search, lookup, badges due and
//! statistics.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::export::Format;
use crate::http::export::{self, FormatQuery};
use crate::http::json::Json;
use crate::http::versioning::etag;
use crate::http::{list_of, AppState};
use crate::ids::MemberId;
use crate::party::member::Admission;
use crate::party::model::AsOfQuery;
use crate::party::search::{
    BadgeWindow, Lookup, LookupRequest, MemberQuery, MemberSearch, StatsFilter, SubtreeQuery,
};
use crate::party::{service, sheet};

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/party-members", |r| r.get(search).post(admit))
        .resource("/party-members/lookup", |r| r.post(lookup))
        .resource("/party-members/badges-due", |r| r.get(badges_due))
        .resource("/party-members/{id}", |r| r.get(read))
        .resource("/party-members/{id}/events", |r| r.get(events))
        .resource("/party-statistics", |r| r.get(statistics));
}

async fn search(
    app: web::Data<AppState>,
    req: HttpRequest,
    caller: Caller,
    query: web::Query<MemberQuery>,
    format: web::Query<FormatQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let search = MemberSearch::try_from(query.into_inner())?;
    let format = export::requested(&req, format.format.as_deref())?;
    if format != Format::Json {
        // every member the search finds, not a page (docs/api.md, Exports)
        let export = export::Export {
            format,
            name: "danh-sach-dang-vien",
            heading: sheet::HEADING,
        };
        return export::list(app, caller, scope, export, move |ctx, sink| {
            sheet::every(ctx, search, sink)
        })
        .await;
    }
    let page = app
        .reading_as(&caller, scope, move |ctx| service::search(ctx, search))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn admit(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<Admission>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::admit(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/party-members/{}", view.id)))
        .insert_header(etag(view.version))
        .json(view))
}

/// Numbers travel in the body, never in a URL; every lookup is audited.
async fn lookup(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<LookupRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let lookup = Lookup::try_from(body.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::lookup(ctx, lookup))
        .await?;
    Ok(list_of(items))
}

async fn badges_due(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SubtreeQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let window = BadgeWindow::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::badges_due(ctx, window))
        .await?;
    Ok(list_of(items))
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    query: web::Query<AsOfQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let as_of = query.date()?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::read(ctx, id.into_inner(), as_of)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn events(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::events(ctx, id.into_inner())
        })
        .await?;
    Ok(list_of(items))
}

async fn statistics(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<SubtreeQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let filter = StatsFilter::try_from(query.into_inner())?;
    let stats = app
        .reading_as(&caller, scope, move |ctx| service::statistics(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(stats))
}
