//! The committees' decisions about a member over HTTP: each a POST on the
//! member with `If-Match` (the member's version) and the decision in the body.

use actix_web::{web, HttpRequest, HttpResponse};

use crate::auth::caller::{Caller, Permission};
use crate::context::Ctx;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::AppState;
use crate::ids::MemberId;
use crate::party::member::{
    AttendanceInput, Decision, DistinctionInput, ExemptionInput, Recognition,
};
use crate::party::service::{self, Ending};
use crate::party::view::MemberView;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/party-members/{id}/recognize", |r| r.post(recognize))
        .resource("/party-members/{id}/remove", |r| r.post(remove))
        .resource("/party-members/{id}/expel", |r| r.post(expel))
        .resource("/party-members/{id}/death", |r| r.post(death))
        .resource("/party-members/{id}/transfer-out", |r| r.post(transfer_out))
        .resource("/party-members/{id}/attendance", |r| r.post(attend))
        .resource("/party-members/{id}/attendance/end", |r| {
            r.post(end_attendance)
        })
        .resource("/party-members/{id}/exemption", |r| r.post(exempt))
        .resource("/party-members/{id}/exemption/end", |r| {
            r.post(end_exemption)
        })
        .resource("/party-members/{id}/distinctions", |r| r.post(distinction));
}

/// Runs one decision as the caller under the EditParty scope, on the
/// version `If-Match` names (read after the permission check).
async fn decide<F>(
    app: web::Data<AppState>,
    (caller, req): (Caller, HttpRequest),
    work: F,
) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut Ctx, i32) -> AppResult<MemberView> + Send + 'static,
{
    let scope = caller.require(Permission::EditParty)?;
    let expected = required_if_match(&req)?;
    let view = app
        .as_caller(&caller, scope, move |ctx| work(ctx, expected))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn recognize(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Recognition>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::recognize(ctx, id, expected, input)
    })
    .await
}

async fn end(
    app: web::Data<AppState>,
    caller: Caller,
    (id, req): (MemberId, HttpRequest),
    (ending, decision): (Ending, Decision),
) -> AppResult<HttpResponse> {
    decide(app, (caller, req), move |ctx, expected| {
        service::end_membership(ctx, id, expected, (ending, decision))
    })
    .await
}

async fn remove(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Removed, body.into_inner());
    end(app, caller, (id.into_inner(), req), ending).await
}

async fn expel(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Expelled, body.into_inner());
    end(app, caller, (id.into_inner(), req), ending).await
}

async fn death(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Deceased, body.into_inner());
    end(app, caller, (id.into_inner(), req), ending).await
}

async fn transfer_out(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::TransferredOut, body.into_inner());
    end(app, caller, (id.into_inner(), req), ending).await
}

async fn attend(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<AttendanceInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::start_attendance(ctx, id, expected, input)
    })
    .await
}

async fn end_attendance(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::end_attendance(ctx, id, expected, input)
    })
    .await
}

async fn exempt(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<ExemptionInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::start_exemption(ctx, id, expected, input)
    })
    .await
}

async fn end_exemption(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::end_exemption(ctx, id, expected, input)
    })
    .await
}

async fn distinction(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    req: HttpRequest,
    body: Json<DistinctionInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, (caller, req), move |ctx, expected| {
        service::add_distinction(ctx, id, expected, input)
    })
    .await
}
