//! The committees' decisions about a member over HTTP: each a POST on the
//! member with `If-Match` (the member's version) and the decision in the body.

use actix_web::{web, HttpResponse};

use crate::auth::caller::{Caller, Permission};
use crate::context::Ctx;
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, IfMatch};
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

/// Runs one decision as the caller under the EditParty scope.
async fn decide<F>(app: web::Data<AppState>, caller: Caller, work: F) -> AppResult<HttpResponse>
where
    F: FnOnce(&mut Ctx) -> AppResult<MemberView> + Send + 'static,
{
    let scope = caller.require(Permission::EditParty)?;
    let view = app.as_caller(&caller, scope, work).await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(view.version))
        .json(view))
}

async fn recognize(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Recognition>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::recognize(ctx, id, expected.0, input)
    })
    .await
}

async fn end(
    app: web::Data<AppState>,
    caller: Caller,
    (id, expected): (MemberId, IfMatch),
    (ending, decision): (Ending, Decision),
) -> AppResult<HttpResponse> {
    decide(app, caller, move |ctx| {
        service::end_membership(ctx, id, expected.0, (ending, decision))
    })
    .await
}

async fn remove(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Removed, body.into_inner());
    end(app, caller, (id.into_inner(), expected), ending).await
}

async fn expel(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Expelled, body.into_inner());
    end(app, caller, (id.into_inner(), expected), ending).await
}

async fn death(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::Deceased, body.into_inner());
    end(app, caller, (id.into_inner(), expected), ending).await
}

async fn transfer_out(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let ending = (Ending::TransferredOut, body.into_inner());
    end(app, caller, (id.into_inner(), expected), ending).await
}

async fn attend(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<AttendanceInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::start_attendance(ctx, id, expected.0, input)
    })
    .await
}

async fn end_attendance(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::end_attendance(ctx, id, expected.0, input)
    })
    .await
}

async fn exempt(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<ExemptionInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::start_exemption(ctx, id, expected.0, input)
    })
    .await
}

async fn end_exemption(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<Decision>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::end_exemption(ctx, id, expected.0, input)
    })
    .await
}

async fn distinction(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<MemberId>,
    expected: IfMatch,
    body: Json<DistinctionInput>,
) -> AppResult<HttpResponse> {
    let (id, input) = (id.into_inner(), body.into_inner());
    decide(app, caller, move |ctx| {
        service::add_distinction(ctx, id, expected.0, input)
    })
    .await
}
