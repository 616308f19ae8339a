//! Tasks over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{ListQuery, NewTask, Report, TaskFilter};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::TaskId;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/tasks", |r| r.get(list).post(create))
        .resource("/groupware/tasks/{id}", |r| r.get(view))
        .resource("/groupware/tasks/{id}/reports", |r| {
            r.get(reports).post(report)
        });
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewTask>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/groupware/tasks/{}", view.id)))
        .insert_header(etag(view.version))
        .json(view))
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = TaskFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| service::list(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn view(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TaskId>,
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

async fn report(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TaskId>,
    req: HttpRequest,
    body: Json<Report>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::report(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn reports(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TaskId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::reports(ctx, id.into_inner())
        })
        .await?;
    Ok(list_of(items))
}
