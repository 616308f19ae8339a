//! Business trips over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpRequest, HttpResponse};

use super::model::{Decision, NewTrip, TripFilter, TripQuery};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::{AppError, AppResult};
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::TripId;
use crate::validation::{parse, parse_word};

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/trips", |r| r.get(list).post(propose))
        .resource("/groupware/trips/{id}", |r| r.get(view))
        .resource("/groupware/trips/{id}/decision", |r| r.post(decide));
}

impl TryFrom<TripQuery> for TripFilter {
    type Error = AppError;

    fn try_from(q: TripQuery) -> AppResult<Self> {
        Ok(TripFilter {
            organization_id: parse("organization_id", &q.organization_id, "a UUID")?,
            member_id: parse("member_id", &q.member_id, "a UUID")?,
            status: parse_word("status", &q.status)?,
            from: parse("from", &q.from, "a date")?,
            until: parse("until", &q.until, "a date")?,
        })
    }
}

async fn propose(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewTrip>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::propose(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/groupware/trips/{}", view.id)))
        .insert_header(etag(view.version))
        .json(view))
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TripQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = TripFilter::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::list(ctx, filter))
        .await?;
    Ok(list_of(items))
}

async fn view(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TripId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::view(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn decide(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TripId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::decide(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}
