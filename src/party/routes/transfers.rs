//! Transfers between cells over HTTP: issued by the sending committee,
//! accepted (or cancelled) with `If-Match` on the transfer's version.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Serialize;

use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::TransferId;
use crate::party::service;
use crate::party::transfer::{
    AcceptTransfer, CancelTransfer, IssueTransfer, TransferFilter, TransferQuery,
};
use crate::party::view::{MemberView, Transfer};

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/party-transfers", |r| r.get(list).post(issue))
        .resource("/party-transfers/{id}", |r| r.get(read))
        .resource("/party-transfers/{id}/accept", |r| r.post(accept))
        .resource("/party-transfers/{id}/cancel", |r| r.post(cancel));
}

async fn list(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<TransferQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let filter = TransferFilter::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| {
            service::list_transfers(ctx, filter)
        })
        .await?;
    Ok(list_of(items))
}

async fn issue(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<IssueTransfer>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let transfer = app
        .as_caller(&caller, scope, move |ctx| {
            service::issue(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/party-transfers/{}", transfer.id),
        ))
        .insert_header(etag(transfer.version))
        .json(transfer))
}

async fn read(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TransferId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::ReadParty)?;
    let transfer = app
        .as_caller(&caller, scope, move |ctx| {
            service::read_transfer(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(transfer.version))
        .json(transfer))
}

/// The accepted transfer and the member as they now stand.
#[derive(Serialize)]
struct Accepted {
    transfer: Transfer,
    member: MemberView,
}

async fn accept(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TransferId>,
    req: HttpRequest,
    body: Json<AcceptTransfer>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let expected = required_if_match(&req)?;
    let (transfer, member) = app
        .as_caller(&caller, scope, move |ctx| {
            service::accept(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(transfer.version))
        .json(Accepted { transfer, member }))
}

async fn cancel(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<TransferId>,
    req: HttpRequest,
    body: Json<CancelTransfer>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::EditParty)?;
    let expected = required_if_match(&req)?;
    let transfer = app
        .as_caller(&caller, scope, move |ctx| {
            service::cancel(ctx, id.into_inner(), expected, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(transfer.version))
        .json(transfer))
}
