//! The sync routes, for signed machine clients only: a handler's first line
//! checks the signature (`signed_client`), as a person's handler checks its
//! grant. A person's bearer token opens none of them.

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::model::{Batch, Reconcile, Replay};
use super::{feed, service};
use crate::auth::caller::{Caller, Permission};
use crate::context::RequestMeta;
use crate::http::json::{read, sent_as_json};
use crate::http::signed::signed_client;
use crate::http::AppState;
use crate::pagination::Limit;

/// A batch of 1,000 whole profiles fits with room to spare.
const BATCH_BODY_LIMIT: usize = 8 * 1024 * 1024;

pub fn configure(table: &mut crate::http::route_table::RouteTable) {
    table
        .resource("/sync/moha/events", |r| {
            r.app_data(web::PayloadConfig::default().limit(BATCH_BODY_LIMIT))
                .post(events)
        })
        .resource("/sync/moha/status", |r| r.get(status))
        .resource("/sync/moha/rejected", |r| r.get(rejected))
        .resource("/sync/moha/rejected/replay", |r| r.post(replay))
        .resource("/sync/moha/reconcile", |r| {
            r.app_data(web::PayloadConfig::default().limit(BATCH_BODY_LIMIT))
                .post(reconcile)
        })
        .resource("/sync/moha/changes", |r| r.get(client_changes))
        .resource("/changes", |r| r.get(changes));
}

async fn events(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let batch: Batch = read(sent_as_json(&req), &body)?;
    let answer = app
        .as_sync_client(client, meta, move |ctx, client| {
            service::receive(ctx, client, batch.events)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn status(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let status = app.as_sync_client(client, meta, service::status).await?;
    Ok(HttpResponse::Ok().json(status))
}

#[derive(Debug, Deserialize)]
struct RejectedQuery {
    limit: Option<i64>,
    cursor: Option<String>,
}

async fn rejected(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
    query: web::Query<RejectedQuery>,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let query = query.into_inner();
    let page = (query.cursor, Limit::parse(query.limit)?);
    let items = app
        .as_sync_client(client, meta, move |ctx, client| {
            service::rejected(ctx, client, page)
        })
        .await?;
    Ok(HttpResponse::Ok().json(items))
}

async fn replay(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let replay: Replay = read(sent_as_json(&req), &body)?;
    let answer = app
        .as_sync_client(client, meta, move |ctx, client| {
            service::replay(ctx, client, replay.event_ids)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

async fn reconcile(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let request: Reconcile = read(sent_as_json(&req), &body)?;
    let answer = app
        .as_sync_client(client, meta, move |ctx, client| {
            service::reconcile(ctx, client, request)
        })
        .await?;
    Ok(HttpResponse::Ok().json(answer))
}

#[derive(Debug, Deserialize)]
struct FeedQuery {
    after: Option<String>,
    limit: Option<i64>,
}

impl FeedQuery {
    fn parsed(self) -> crate::error::AppResult<(Option<String>, Limit)> {
        Ok((self.after, Limit::parse(self.limit)?))
    }
}

/// The change feed for people and systems with a session: what their
/// personnel grants show (organizations and profiles).
async fn changes(
    app: web::Data<AppState>,
    caller: Caller,
    query: web::Query<FeedQuery>,
) -> actix_web::Result<HttpResponse> {
    let scope = caller.require(Permission::ReadPersonnel)?;
    let page = query.into_inner().parsed()?;
    let feed = app
        .as_caller(&caller, scope, move |ctx| feed::changes(ctx, page))
        .await?;
    Ok(HttpResponse::Ok().json(feed))
}

/// The same feed for a signed client, over its subtree.
async fn client_changes(
    app: web::Data<AppState>,
    req: HttpRequest,
    meta: RequestMeta,
    body: web::Bytes,
    query: web::Query<FeedQuery>,
) -> actix_web::Result<HttpResponse> {
    let client = signed_client(&app, &req, meta.clone(), &body).await?;
    let page = query.into_inner().parsed()?;
    let feed = app
        .as_sync_client(client, meta, move |ctx, _| feed::changes(ctx, page))
        .await?;
    Ok(HttpResponse::Ok().json(feed))
}
