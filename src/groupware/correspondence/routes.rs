//! The register over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{
    Assignment, ClearanceRequest, DocumentFilter, ListQuery, NewDocument, StatusChange,
};
use super::{clearance, service};
use crate::auth::caller::{Caller, Permission};
use crate::dossiers::input::{AttachmentInput, NewAttachment};
use crate::dossiers::model::MAX_ATTACHMENT_BYTES;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::{DocumentId, UserId};

/// A file travels as base64 (4 characters per 3 bytes), with room for its name.
const ATTACHMENT_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES.div_ceil(3) * 4 + 64 * 1024;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/documents", |r| r.get(list).post(register))
        .resource("/groupware/documents/{id}", |r| r.get(view))
        .resource("/groupware/documents/{id}/assignment", |r| r.post(assign))
        .resource("/groupware/documents/{id}/status", |r| r.post(set_status))
        .resource("/groupware/documents/{id}/history", |r| r.get(history))
        .resource("/groupware/documents/{id}/attachments", |r| {
            r.app_data(web::PayloadConfig::default().limit(ATTACHMENT_BODY_LIMIT))
                .get(attachments)
                .post(attach)
        })
        .resource("/groupware/documents/{id}/attachments/{number}", |r| {
            r.get(read_attachment)
        })
        .resource("/groupware/clearances/{user_id}", |r| r.put(set_clearance));
}

async fn register(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewDocument>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::register(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/groupware/documents/{}", view.id),
        ))
        .insert_header(etag(view.version))
        .json(view))
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = DocumentFilter::try_from(query.into_inner())?;
    let page = app
        .as_caller(&caller, scope, move |ctx| service::list(ctx, filter))
        .await?;
    Ok(HttpResponse::Ok().json(page))
}

async fn view(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
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

async fn assign(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
    req: HttpRequest,
    body: Json<Assignment>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::assign(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn set_status(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
    req: HttpRequest,
    body: Json<StatusChange>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::set_status(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn history(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let events = app
        .as_caller(&caller, scope, move |ctx| {
            service::history(ctx, id.into_inner())
        })
        .await?;
    Ok(list_of(events))
}

async fn attachments(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let files = app
        .as_caller(&caller, scope, move |ctx| {
            service::attachments(ctx, id.into_inner())
        })
        .await?;
    Ok(list_of(files))
}

async fn attach(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DocumentId>,
    body: Json<AttachmentInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let attachment = NewAttachment::try_from(body.into_inner())?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::attach(ctx, id.into_inner(), attachment)
        })
        .await?;
    Ok(HttpResponse::Created().json(view))
}

async fn read_attachment(
    app: web::Data<AppState>,
    caller: Caller,
    path: web::Path<(DocumentId, i32)>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let (id, number) = path.into_inner();
    let content = app
        .as_caller(&caller, scope, move |ctx| {
            service::read_attachment(ctx, id, number)
        })
        .await?;
    Ok(HttpResponse::Ok().json(content))
}

async fn set_clearance(
    app: web::Data<AppState>,
    caller: Caller,
    user: web::Path<UserId>,
    body: Json<ClearanceRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ManageUsers)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            clearance::set(ctx, user.into_inner(), body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
