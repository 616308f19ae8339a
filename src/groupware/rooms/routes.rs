//! Rooms and bookings over HTTP, under `/groupware`: handlers are glue.

use actix_web::{web, HttpRequest, HttpResponse};

use super::input::{BookingFilter, BookingQuery, NewBooking, NewRoom, RoomFilter, RoomQuery};
use super::service;
use crate::auth::caller::{Caller, Permission};
use crate::error::AppResult;
use crate::http::json::Json;
use crate::http::versioning::{etag, required_if_match};
use crate::http::{list_of, AppState};
use crate::ids::BookingId;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/groupware/rooms", |r| r.get(rooms).post(add_room))
        .resource("/groupware/bookings", |r| r.get(bookings).post(book))
        .resource("/groupware/bookings/{id}", |r| r.get(booking))
        .resource("/groupware/bookings/{id}/cancel", |r| r.post(cancel));
}

async fn add_room(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewRoom>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let room = app
        .as_caller(&caller, scope, move |ctx| {
            service::add_room(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created().json(room))
}

async fn rooms(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<RoomQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = RoomFilter::try_from(query.into_inner())?;
    let rooms = app
        .as_caller(&caller, scope, move |ctx| service::rooms(ctx, filter))
        .await?;
    Ok(list_of(rooms))
}

async fn book(
    app: web::Data<AppState>,
    caller: Caller,
    body: Json<NewBooking>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let booking = app
        .as_caller(&caller, scope, move |ctx| {
            service::book(ctx, body.into_inner())
        })
        .await?;
    Ok(HttpResponse::Created()
        .insert_header((
            "Location",
            format!("/api/v1/groupware/bookings/{}", booking.id),
        ))
        .insert_header(etag(booking.version))
        .json(booking))
}

async fn bookings(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<BookingQuery>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let filter = BookingFilter::try_from(query.into_inner())?;
    let items = app
        .as_caller(&caller, scope, move |ctx| service::bookings(ctx, filter))
        .await?;
    Ok(list_of(items))
}

async fn booking(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let booking = app
        .as_caller(&caller, scope, move |ctx| {
            service::booking(ctx, id.into_inner())
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(booking.version))
        .json(booking))
}

async fn cancel(
    app: web::Data<AppState>,
    caller: Caller,
    id: web::Path<BookingId>,
    req: HttpRequest,
) -> AppResult<HttpResponse> {
    let scope = caller.require(Permission::UseGroupware)?;
    let expected = required_if_match(&req)?;
    let booking = app
        .as_caller(&caller, scope, move |ctx| {
            service::cancel(ctx, id.into_inner(), expected)
        })
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header(etag(booking.version))
        .json(booking))
}
