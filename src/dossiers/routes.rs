//! Dossiers over HTTP. Every handler takes the scope of the caller's
//! `dossier_officer` grants, or a scope covering nothing: a refusal is the
//! same 404 as a dossier that does not exist, never a 403. Reasons travel
//! in bodies, never in URLs.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{
    AttachmentInput, ListQuery, NewAttachment, NewDossier, ReadInput, ReadRequest, Reason,
    ReasonRequest, Statement,
};
use super::model::{Subject, MAX_ATTACHMENT_BYTES};
use super::service;
use crate::auth::caller::{Caller, Permission, DOSSIER_STEP_UP_SECONDS};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::DossierId;

/// An attachment travels as base64 (4 characters per 3 bytes), with room
/// for its name.
const ATTACHMENT_BODY_LIMIT: usize = MAX_ATTACHMENT_BYTES.div_ceil(3) * 4 + 64 * 1024;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/dossiers", |r| r.get(list).post(create))
        .resource("/dossiers/{id}", |r| r.get(view))
        .resource("/dossiers/{id}/read", |r| r.post(read))
        .resource("/dossiers/{id}/versions", |r| r.post(correct))
        .resource("/dossiers/{id}/attachments", |r| {
            r.app_data(web::PayloadConfig::default().limit(ATTACHMENT_BODY_LIMIT))
                .post(attach)
        })
        .resource("/dossiers/{id}/attachments/{number}/read", |r| {
            r.post(read_attachment)
        });
}

/// Content goes in and out only with a second factor proved within five minutes.
fn require_recent_mfa(app: &AppState, caller: &Caller) -> AppResult<()> {
    caller.require_mfa_within(app.clock.now(), DOSSIER_STEP_UP_SECONDS)
}

async fn create(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewDossier>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    require_recent_mfa(&app, &caller)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::create(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(("Location", format!("/api/v1/dossiers/{}", view.id)))
        .insert_header(etag(view.version))
        .json(view))
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    let subject = Subject::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::list(ctx, subject))
        .await?;
    Ok(list_of(items))
}

async fn view(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DossierId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::view(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DossierId>,
    body: Json<ReadRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    require_recent_mfa(&app, &caller)?;
    let input = ReadInput::try_from(body.into_inner())?;
    let content = app
        .as_caller(&caller, scope, move |ctx| {
            service::read(ctx, id.into_inner(), input)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(content.current_version))
        .json(content))
}

async fn correct(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DossierId>,
    req: HttpRequest,
    body: Json<Statement>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    require_recent_mfa(&app, &caller)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| {
            service::correct(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header(etag(view.version))
        .json(view))
}

async fn attach(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<DossierId>,
    body: Json<AttachmentInput>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    require_recent_mfa(&app, &caller)?;
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
    path: web::Path<(DossierId, i32)>,
    body: Json<ReasonRequest>,
) -> AppResult<HttpResponse> {
    let scope = caller.require_or_nothing(Permission::HandleDossiers);
    require_recent_mfa(&app, &caller)?;
    let reason = Reason::try_from(body.into_inner())?;
    let (id, number) = path.into_inner();
    let content = app
        .as_caller(&caller, scope, move |ctx| {
            service::read_attachment(ctx, id, number, reason)
        })
        .await?;
    Ok(HttpResponse::Ok().json(content))
}
