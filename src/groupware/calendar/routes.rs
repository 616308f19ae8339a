//! Calendars over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{NewEvent, Window, WindowQuery};
use super::model::{AnswerRequest, ExceptionRequest};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::EventId;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/events", |r| r.get(occurrences).post(create))
        .resource("/groupware/events/{id}", |r| r.get(view))
        .resource("/groupware/events/{id}/exceptions", |r| r.post(except))
        .resource("/groupware/events/{id}/answer", |r| r.post(answer))
        .resource("/groupware/calendars/{calendar_id}.ics", |r| r.get(export));
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewEvent>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/groupware/events/{}", view.id)))
        .insert_header(etag(view.version))
        .json(view))
}

async fn occurrences(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<WindowQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let window = Window::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::occurrences(ctx, window))
        .await?;
    Ok(list_of(items))
}

async fn view(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<EventId>,
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

async fn except(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<EventId>,
    req: HttpRequest,
    body: Json<ExceptionRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let date = body.into_inner().date;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::except(ctx, id.into_inner(), expected, date)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn answer(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<EventId>,
    body: Json<AnswerRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let answer = body.into_inner().answer;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::answer(ctx, id.into_inner(), answer)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn export(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<uuid::Uuid>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let text = app
        .as_caller(&caller, scope, move |ctx| {
            service::export(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .body(text))
}
